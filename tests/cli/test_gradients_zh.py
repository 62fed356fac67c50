"""``chainrule gradients --lang zh``: Chinese layer names, tables aligned by display width."""

from __future__ import annotations

from chainrule.wording import display_width

FAST = ["--data", "digits", "--train-size", "150", "--test-size", "60", "--epochs", "2"]


def table_after(lines: list[str], title_start: str, rows: int) -> list[str]:
    """The header and ``rows`` rows of the table under the line starting ``title_start``."""
    start = next(i for i, line in enumerate(lines) if line.startswith(title_start))
    return lines[start + 1 : start + 2 + rows]


def test_chinese_tables_name_layers_in_chinese_and_line_up(cli):
    run = cli("gradients", *FAST, "--lang", "zh", "--rerun-with", "smaller-lr")
    assert run.code == 0, run.err
    assert "hidden layer" not in run.out
    lines = run.out.splitlines()
    speeds = table_after(lines, "网络 [", 4)[1:]  # a blank line, the header, 3 records
    factors = table_after(lines, "δ 在反向传播途中在哪里缩小或增大", 3)
    rerun = table_after(lines, "用 smaller-lr", 5)
    for table in (speeds, factors, rerun):
        widths = {display_width(line) for line in table}
        assert len(widths) == 1, table
    assert factors[1].lstrip().startswith("第 1 个隐藏层")
    assert "第 1 个隐藏层：σ' 平均为" in run.out
