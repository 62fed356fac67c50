"""``chainrule exercise`` and ``chainrule check``: the round trip, planted mistakes, formats,
a learner's backward(), and bad files (one line, exit 2)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from chainrule.exercises.answers import MAX_BYTES

ROUND_TRIPS = [(level, seed) for level in (1, 2, 3) for seed in (0, 7, 42)]


def _write(tmp_path, cli, *argv):
    path = tmp_path / "ex.json"
    run = cli("exercise", *argv, "--json", "--out", path)
    assert run.code == 0, run.err
    return path, json.loads(path.read_text())


@pytest.mark.parametrize(("level", "seed"), ROUND_TRIPS)
def test_its_own_solutions_score_100_percent(cli, tmp_path, level, seed):
    path, _data = _write(tmp_path, cli, "--level", level, "--seed", seed, "--solutions")
    run = cli("check", path)
    assert run.code == 0, run.out + run.err
    assert "(100%)" in run.out.splitlines()[0]
    graded = json.loads(cli("check", path, "--json").out)
    assert graded["score"] == 1.0 and graded["right"] == graded["total"]


def test_the_same_seed_prints_the_same_exercise(cli):
    first = cli("exercise", "--level", "3", "--seed", "5", "--json").out
    assert first == cli("exercise", "--level", "3", "--seed", "5", "--json").out
    assert first != cli("exercise", "--level", "3", "--seed", "6", "--json").out


def test_blank_answers_are_missing_and_exit_1(cli, tmp_path):
    path, data = _write(tmp_path, cli, "--level", "1", "--seed", "3")
    assert set(data["answers"].values()) == {None}
    run = cli("check", path)
    assert run.code == 1
    assert run.out.startswith("level 1, seed 3: 0 of ")
    assert "missing" in run.out


def test_a_filled_in_file_names_each_planted_mistake(cli, tmp_path):
    """A learner fills in the file --json wrote: two mistakes, each named on its entry."""
    path, data = _write(
        tmp_path, cli, "--level", "3", "--seed", "0", "--samples", "3", "--solutions"
    )
    answers = data["answers"]
    L = len(data["exercise"]["W"])
    answers["J"] = answers["J"] * 3  # the 1/m dropped
    g = data["exercise"]
    answers["W1_next"] = (
        np.array(g["W"][0]) + g["alpha"] * np.array(answers["dW1"])
    ).tolist()  # the update's sign
    path.write_text(json.dumps(data))
    run = cli("check", path)
    assert run.code == 1
    text = run.out
    assert "[J] J" in text and "the 1/m of J" in text
    assert "the wrong sign of the update" in text
    graded = json.loads(cli("check", path, "--json").out)
    named = {r["key"]: r["misconception"] for r in graded["results"] if r["status"] != "right"}
    assert named == {"J": "cost_factor", "W1_next": "update_sign"}
    assert graded["right"] == graded["total"] - 2
    assert f"delta{L}" not in named


NOT_NUMBERS = [
    (1, "value.a", "abc", '"abc"'),
    (1, "value.a", "-2", '"-2"'),
    (1, "edges", "x2->a, x1->a", '"x2->a, x1->a"'),
    (1, "value.a", [[None, 1], [1, 1]], "[[null, 1], [1, 1]]"),
    (1, "value.a", {"a": 1}, '{"a": 1}'),
    (1, "value.a", True, "true"),
    (3, "z1", [[1, 2], [3]], "[[1, 2], [3]]"),
]


@pytest.mark.parametrize(("level", "key", "bad", "shown"), NOT_NUMBERS)
def test_an_answer_that_is_not_a_number_is_shown_wrong_as_json(
    cli, tmp_path, level, key, bad, shown
):
    """The text grade shows what was given as its JSON text (a string in quotes), wrong, as
    --json grades it: never a traceback."""
    path, data = _write(tmp_path, cli, "--level", level, "--seed", "7", "--solutions")
    data["answers"][key] = bad
    path.write_text(json.dumps(data))
    run = cli("check", path)
    assert run.code == 1 and run.err == "", run.err
    assert f"WRONG  [{key}]" in run.out
    assert f"yours: {shown}\n" in run.out
    graded = json.loads(cli("check", path, "--json").out)
    (result,) = [r for r in graded["results"] if r["key"] == key]
    assert result["status"] == "wrong" and result["given"] == bad


def test_answers_in_a_file_of_their_own(cli, tmp_path):
    path, data = _write(tmp_path, cli, "--level", "2", "--seed", "1", "--solutions")
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(data["answers"]))
    assert cli("check", answers, "--exercise", path).code == 0
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"answers": data["answers"]}))
    assert cli("check", wrapped, "--exercise", path).code == 0


# ---- formats ------------------------------------------------------------------------------
@pytest.mark.parametrize("level", [1, 2, 3])
@pytest.mark.parametrize("solutions", [False, True])
def test_markdown_parses(cli, level, solutions):
    markdown_it = pytest.importorskip("markdown_it")
    argv = ["exercise", "--level", level, "--seed", "2", "--format", "markdown"]
    run = cli(*argv, *(["--solutions"] if solutions else []))
    assert run.code == 0, run.err
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(run.out)
    headings = [t for t in tokens if t.type == "heading_open"]
    assert len(headings) >= 3
    assert "Exercise: level" in run.out


@pytest.mark.parametrize("level", [1, 2, 3])
@pytest.mark.parametrize("solutions", [False, True])
def test_latex_braces_balance(cli, level, solutions):
    argv = ["exercise", "--level", level, "--seed", "2", "--format", "latex"]
    text = cli(*argv, *(["--solutions"] if solutions else [])).out
    depth = 0
    for k, c in enumerate(text):
        if c in "{}" and (k == 0 or text[k - 1] != "\\"):
            depth += 1 if c == "{" else -1
            assert depth >= 0
    assert depth == 0
    assert text.count(r"\begin{bmatrix}") == text.count(r"\end{bmatrix}")
    assert "∂" not in text.replace(r"\partial", "")  # the lecture's symbols as math


def test_text_with_and_without_solutions(cli):
    blank = cli("exercise", "--level", "1", "--seed", "1").out
    solved = cli("exercise", "--level", "1", "--seed", "1", "--solutions").out
    assert "[reverse.x2]  ∂y/∂x2 = ____" in blank
    assert "∂y/∂x2 = ∂y/∂a·∂a/∂x2 + ∂y/∂c·∂c/∂x2" in solved
    assert "Worked solution" in solved and "Worked solution" not in blank


# ---- a learner's backward() ---------------------------------------------------------------
LEARNER = """
import numpy as np

def backward(weights, biases, x, y, activation):
    acts = [x]
    for W, b in zip(weights, biases):
        acts.append(1 / (1 + np.exp(-(acts[-1] @ W.T + b))))
    delta = (acts[-1] - y) / len(x) * acts[-1] * (1 - acts[-1])
    grads_W, grads_b = [], []
    for l in range(len(weights) - 1, -1, -1):
        grads_W.insert(0, delta.T @ acts[l])
        grads_b.insert(0, delta.sum(axis=0))
        if l:
            delta = delta @ weights[l]{prime}
    return grads_W, grads_b
"""


def test_check_backward_right_and_wrong(cli, tmp_path):
    right = tmp_path / "right.py"
    right.write_text(LEARNER.replace("{prime}", " * acts[l] * (1 - acts[l])"))
    run = cli("check", "--backward", f"{right}:backward")
    # the second network is tanh: a sigmoid-only backward is wrong there, and says where
    assert run.code == 1
    assert "network 2" in run.out and "tanh" in run.out
    wrong = tmp_path / "wrong.py"
    wrong.write_text(LEARNER.replace("{prime}", ""))
    run = cli("check", "--backward", f"{wrong}:backward")
    assert run.code == 1
    assert "network 1" in run.out
    assert "first wrong element: layer 2, ∂J/∂w_" in run.out
    assert "a missing σ' factor" in run.out
    graded = json.loads(cli("check", "--backward", f"{wrong}:backward", "--json").out)
    assert graded["all_right"] is False


def test_check_backward_all_right(cli, tmp_path):
    source = tmp_path / "mine.py"
    source.write_text(
        "from chainrule.classic import backprop\n"
        "def backward(w, b, x, y, activation):\n"
        "    return backprop(w, b, x, y, activation)\n"
    )
    run = cli("check", "--backward", f"{source}:backward")
    assert run.code == 0, run.out + run.err
    assert "right on all 2 networks" in run.out


# ---- bad input: one line, exit 2 ----------------------------------------------------------
def _bad_files(tmp_path, good):
    text = {
        "not json": "{answers: 1}",
        "not utf-8": b"\xff\xfe{",
        "a list": "[1, 2]",
        "no format": json.dumps({"answers": {}}),
        "a bad level": json.dumps({**good, "level": 9}),
        "a bad seed": json.dumps({**good, "seed": -1}),
        "an edited exercise": json.dumps({**good, "exercise": {**good["exercise"], "alpha": 9}}),
        "an unknown key": json.dumps({**good, "answers": {"nonsense": 1}}),
        "answers not an object": json.dumps({**good, "answers": [1]}),
        "too deep": "[" * 40 + "]" * 40,
    }
    files = {}
    for name, content in text.items():
        path = tmp_path / (name.replace(" ", "_") + ".json")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        files[name] = path
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES + 1)
    files["too big"] = big
    files["missing"] = tmp_path / "nothing.json"
    files["a directory"] = tmp_path
    return files


def test_bad_answer_files_are_one_line_exit_2(cli, tmp_path):
    _path, good = _write(tmp_path, cli, "--level", "3", "--seed", "1")
    for name, path in _bad_files(tmp_path, good).items():
        run = cli("check", path)
        assert run.code == 2, (name, run.out, run.err)
        assert run.error_line.startswith("chainrule check: error: "), name
        assert str(path) in run.error_line, name
    if os.name == "posix":
        fifo = tmp_path / "fifo.json"
        os.mkfifo(fifo)
        run = cli("check", fifo)
        assert run.code == 2 and "FIFO" in run.error_line


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["check", "a.json", "--backward", "x.py:f"],
        ["check", "--backward", "no_colon.py"],
        ["check", "--backward", "/nonexistent/file.py:backward"],
        ["check", "--backward", "x.py:", "--exercise", "e.json"],
        ["exercise", "--level", "4"],
        ["exercise", "--seed", "-3"],
        ["exercise", "--samples", "0", "--level", "3"],
        ["exercise", "--samples", "2", "--level", "1"],
        ["exercise", "--samples", "99", "--level", "3"],
        ["exercise", "--json", "--format", "latex"],
    ],
)
def test_bad_options_are_one_line_exit_2(cli, argv):
    run = cli(*argv)
    assert run.code == 2, run.out
    assert run.err.count("\n") == 1


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("def backward(:\n", "SyntaxError"),
        ("raise RuntimeError('boom')\n", "RuntimeError: boom"),
        ("backward = 3\n", "defines no function backward"),
    ],
)
def test_learner_files_that_do_not_load_are_one_line_exit_2(cli, tmp_path, source, words):
    path = tmp_path / "learner.py"
    path.write_text(source)
    run = cli("check", "--backward", f"{path}:backward")
    assert run.code == 2
    assert words in run.error_line
