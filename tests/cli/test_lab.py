"""``chainrule lab``: one self-contained report, its PNG files, a summary; same seed, same files."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v is not None]

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory):
    from chainrule.cli.main import main

    out = tmp_path_factory.mktemp("lab") / "out"
    code = main(["lab", "--quick", "--out", str(out)])
    return code, out


def test_report_parses_embeds_its_images_and_has_the_lecture_partials(lab_run):
    code, out = lab_run
    assert code == 0
    page = _Page()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    page.close()
    text = "".join(page.text)
    assert "∂y/∂x1 = 3" in text and "∂y/∂x2 = 6" in text
    for part in ("1. Composite functions", "2. Backpropagation", "3. Vanishing and exploding"):
        assert part in text
    assert "A worked example: the lecture's 3-3-1 network, one sample" in text
    assert "A learning rate too large" in text
    assert page.tags.count("img") >= 6 and "svg" in page.tags
    # nothing outside the file: images are data URIs, links are anchors in the page
    assert page.urls and all(u.startswith(("data:image/png;base64,", "#")) for u in page.urls)
    assert "script" not in page.tags and "link" not in page.tags


def test_png_files_and_numbers_exist(lab_run):
    _, out = lab_run
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == [
        "activation_functions.png",
        "composite_graph.png",
        "exploding.png",
        "learning_curve.png",
        "remedies_comparison.png",
        "remedies_speeds.png",
        "vanishing_speeds.png",
    ]
    for name in pngs:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    numbers = json.loads((out / "lab.json").read_text())
    assert numbers["composite"]["gradients"] == {"x1": 3.0, "x2": 6.0}
    assert numbers["settings"]["quick"] is True
    worked = numbers["worked_example"]
    assert worked["sizes"] == [3, 3, 1] and len(worked["deltas"]) == 2
    assert worked["max_diff_gradients"] < 1e-12
    assert numbers["large_lr"]["diverged_at_step"] is not None


def test_summary_on_stdout(cli, tmp_path):
    run = cli("lab", "--quick", "--out", tmp_path / "o", "--seed", "1")
    assert run.code == 0, run.err
    assert run.err == ""  # not a terminal: no progress bar
    assert "dy/dx1 = 3, dy/dx2 = 6" in run.out
    assert "vanishing" in run.out and "clipped" in run.out
    assert "worked example" in run.out and "too large a learning rate" in run.out
    assert f"report: {tmp_path / 'o' / 'report.html'}" in run.out
    assert "done in" in run.out.splitlines()[-1]


def test_same_seed_same_files(lab_run, tmp_path):
    from chainrule.cli.main import main

    _, first = lab_run
    assert main(["lab", "--quick", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:  # byte for byte: the report, every PNG and lab.json
        assert (tmp_path / name).read_bytes() == (first / name).read_bytes(), name


@pytest.mark.parametrize("bad", ["file", "seed", "empty", "unwritable"])
def test_bad_input_is_one_line_and_exit_2(cli, tmp_path, bad, monkeypatch):
    if bad == "file":
        target = tmp_path / "taken"
        target.write_text("x")
        run = cli("lab", "--quick", "--out", target)
        assert "not a folder" in run.error_line
    elif bad == "empty":  # not the current folder by accident
        run = cli("lab", "--quick", "--out", "")
        assert "name a folder" in run.error_line
    elif bad == "unwritable":  # tried by writing before the run: root passes os.access

        def refuse(folder):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr("chainrule.report.lab_report.try_writing_in", refuse)
        run = cli("lab", "--quick", "--out", tmp_path / "o")
        assert "cannot write there (Permission denied)" in run.error_line
        assert not run.out
    else:
        run = cli("lab", "--quick", "--out", tmp_path, "--seed", "-1")
        assert "seed" in run.error_line
    assert run.code == 2
