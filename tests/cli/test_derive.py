"""``chainrule derive``: the lecture's example, every output format, graphs, bad expressions."""

from __future__ import annotations

import json

import pytest

LECTURE = ["y = (x1 + x2) * (x2 + 1)", "--at", "x1=1", "x2=2"]


def test_lecture_example_text(cli):
    run = cli("derive", *LECTURE)
    assert run.code == 0
    assert run.err == ""
    assert "dy/dx2 = dy/da * da/dx2 + dy/db * db/dx2 = 3*1 + 3*1 = 6" in run.out
    assert "dy/dx1 = 3" in run.out
    assert "y = 9" in run.out


def test_lecture_example_json(cli):
    result = json.loads(cli("derive", *LECTURE, "--json").out)
    assert {"output", "gradients", "steps", "paths", "counts"} <= set(result)
    assert result["output"] == {"name": "y", "value": 9}
    assert result["gradients"] == {"x1": 3, "x2": 6}
    assert result["counts"]["paths"] == 3
    assert len(result["paths"]) == 2  # one entry per input


@pytest.mark.parametrize(
    ("fmt", "marker"), [("markdown", "|"), ("latex", "\\frac"), ("text", "Reverse accumulation")]
)
def test_formats(cli, fmt, marker):
    run = cli("derive", *LECTURE, "--format", fmt)
    assert run.code == 0
    assert marker in run.out
    assert "6" in run.out


@pytest.mark.parametrize(
    ("suffix", "start"), [(".svg", b"<"), (".png", b"\x89PNG"), (".dot", b"digraph")]
)
def test_graph_files(cli, tmp_path, suffix, start):
    path = tmp_path / f"graph{suffix}"
    run = cli("derive", *LECTURE, "--graph", path)
    assert run.code == 0, run.err
    assert f"graph written to {path}" in run.out
    assert path.read_bytes().lstrip().startswith(start)


def test_repeated_at_options_add_up(cli):
    once = cli("derive", *LECTURE, "--json")
    repeated = cli("derive", LECTURE[0], "--at", "x1=1", "--at", "x2=2", "--json")
    assert repeated.code == 0, repeated.err
    assert repeated.out == once.out


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["y = (x1 + ", "--at", "x1=1"], "cannot parse the expression"),
        (["y = x1 * x2", "--at", "x1=1", "x2=2", "--at", "x1=3"], "x1 is given twice"),
        (
            [*LECTURE, "--json", "--format", "latex"],
            "--format latex applies to the text output; --json prints JSON only",
        ),
        (["y = x1 * x2", "--at", "x1=1"], "x2"),
        (["y = x1 * x2", "--at", "x1=1", "x2=2", "--graph", "g.bmp"], "g.bmp"),
        (["y = x1", "--format", "html"], "argument --format: invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, argv, names):
    run = cli("derive", *argv)
    assert run.code == 2
    assert names in run.error_line
    assert run.out == ""


@pytest.mark.parametrize("expression", ["-x**2", "-x", "-(x + 1) * 3", "-2*x", "y = -x**2"])
def test_a_leading_minus_needs_no_double_dash(cli, expression):
    run = cli("derive", expression, "--at", "x=3", "--json")
    assert run.code == 0, run.err
    with_double_dash = cli("derive", "--at", "x=3", "--json", "--", expression)
    assert json.loads(run.out) == json.loads(with_double_dash.out)


def test_options_keep_working_beside_a_leading_minus(cli):
    run = cli("derive", "-x**2", "--at", "x=3", "--format", "markdown")
    assert run.code == 0, run.err
    assert "|" in run.out and "-6" in run.out
    assert cli("derive", "-h").code == 0  # -h is still help


@pytest.mark.parametrize("graph", ["", "   "])
def test_an_empty_graph_path_is_an_error(cli, graph):
    run = cli("derive", *LECTURE, "--graph", graph)
    assert run.code == 2
    assert "--graph" in run.error_line and "empty" in run.error_line
    assert run.out == ""
