"""``compare`` and ``sweep`` in Chinese: what a person reads is Chinese, tables line up by
display width, the sweep's figures draw every glyph."""

from __future__ import annotations

import warnings

import pytest

from chainrule import fonts
from chainrule.wording import display_width

FAST = ["--data", "digits", "--train-size", "60", "--test-size", "30", "--epochs", "1"]


def test_compare_in_chinese(cli):
    run = cli("compare", *FAST, "--activation", "sigmoid,relu", "--lang", "zh")
    assert run.code == 0, run.err
    text = run.out
    assert text.startswith(
        "[64, 30, 30, 30, 30, 10] 网络的 2 次运行，digits（60 张训练图像），二次代价"
    )
    for english in ("training images", " of [", "cost", "first, last:", "setting", "diagnosis"):
        assert english not in text
    assert "准确率：测试准确率。" in text.replace("\n", "")
    lines = text.splitlines()
    assert all(display_width(line) <= 100 for line in lines)
    head = lines.index(next(line for line in lines if line.startswith("设置  ")))
    numbers = lines[head : head + 4]  # the header, its rule, two rows
    assert numbers[0].split() == [
        "设置",
        "第一个",
        "最后一个",
        "比值",
        "训练后",
        "dW",
        "比值",
        "代价",
        "准确率",
    ]
    assert len({display_width(line) for line in numbers}) == 1, numbers
    engines, rule = lines[head + 5], lines[head + 6]  # after a blank line
    assert engines.split() == ["设置", "引擎", "诊断"]
    assert display_width(engines) == display_width(rule)


def test_sweep_in_chinese(cli, tmp_path):
    args = ["--train-size", "60", "--test-size", "40", "--epochs", "1", "--depth", "1,2"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = cli("sweep", *args, "--out", tmp_path, "--lang", "zh")
    assert run.code == 0, run.err
    assert "depth=1：准确率 " in run.out and "，发散 0/1" in run.out
    assert "accuracy " not in run.out and "diverged" not in run.out
    assert (tmp_path / "speed_ratio_by_depth.png").exists()
    if fonts.cjk_family() is None:
        pytest.skip("no CJK font installed (fonts-noto-cjk): the figures are English")
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
