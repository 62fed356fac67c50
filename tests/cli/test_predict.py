"""``chainrule predict MODEL``: predictions from a data set or a file, and bad examples."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.data import load
from chainrule.training import load_model


@pytest.fixture(scope="module")
def test_digits():
    return load("digits", test_size=20).x_test


def test_predicts_the_model_s_own_test_examples(cli, model_file, test_digits):
    learner, _ = load_model(model_file)
    expected = learner.predict_proba(test_digits[:5]).argmax(axis=1)
    result = json.loads(cli("predict", model_file, "--limit", "5", "--json").out)
    assert result["predictions"] == expected.tolist()
    assert len(result["labels"]) == 5
    assert np.allclose(np.sum(result["scores"], axis=1), 1, atol=1e-5)  # softmax rows
    text = cli("predict", model_file, "--limit", "3")
    assert text.code == 0
    assert text.out.splitlines()[0].startswith(f"   0: class {expected[0]}  score ")
    assert "(label " in text.out


@pytest.mark.parametrize("suffix", [".npy", ".csv"])
def test_predicts_rows_of_a_file(cli, model_file, test_digits, tmp_path, suffix):
    path = tmp_path / f"x{suffix}"
    if suffix == ".npy":
        np.save(path, test_digits[:4].reshape(4, 8, 8))  # images are flattened
    else:
        np.savetxt(path, test_digits[:4], delimiter=",")
    learner, _ = load_model(model_file)
    result = json.loads(cli("predict", model_file, "--input", path, "--json").out)
    assert result["predictions"] == learner.predict_proba(test_digits[:4]).argmax(1).tolist()
    assert result["labels"] is None


def test_predict_on_a_data_set_of_another_shape(cli, model_file):
    run = cli("predict", model_file, "--data", "moons")
    assert run.code == 2
    assert run.error_line.endswith("the model's first layer takes 64 features but moons has 2")


@pytest.mark.parametrize(
    ("make", "names"),
    [
        (lambda: np.zeros((3, 10), np.float32), "has 10 features but the first layer takes 64"),
        (lambda: np.where(np.eye(3, 64) > 0, np.nan, 0.0), "has 3 non-finite value(s)"),
        (lambda: np.array([{"a": 1}], dtype=object), "cannot read examples"),
    ],
)
def test_bad_examples_are_one_line_and_exit_2(cli, model_file, tmp_path, make, names):
    path = tmp_path / "x.npy"
    np.save(path, make(), allow_pickle=True)
    run = cli("predict", model_file, "--input", path)
    assert run.code == 2
    assert names in run.error_line
    assert str(path) in run.error_line


def test_missing_or_unparsable_input_files(cli, model_file, tmp_path):
    missing = cli("predict", model_file, "--input", tmp_path / "none.csv")
    assert missing.code == 2
    assert "none.csv: no such file" in missing.error_line
    text = tmp_path / "words.csv"
    text.write_text("a,b,c\n")
    run = cli("predict", model_file, "--input", text)
    assert run.code == 2
    assert "words.csv: cannot read examples" in run.error_line
    both = cli("predict", model_file, "--input", text, "--data", "digits")
    assert both.code == 2
    assert "not allowed with argument" in both.error_line


@pytest.mark.parametrize("limit", ["0", "-1", "two"])
def test_a_limit_that_is_not_a_positive_integer_is_a_usage_error(cli, model_file, limit):
    run = cli("predict", model_file, "--limit", limit)
    assert run.code == 2
    assert "argument --limit" in run.error_line


def test_a_limit_past_the_test_split_predicts_all_of_it(cli, model_file):
    # --limit is an upper bound: digits has 450 test examples, asking for more is no error
    result = json.loads(cli("predict", model_file, "--limit", "1000", "--json").out)
    assert len(result["predictions"]) == len(result["labels"]) == 450


@pytest.mark.parametrize(
    ("name", "write", "says"),
    [
        ("empty.csv", lambda p: p.write_text(""), "the file has no examples"),
        ("blank.csv", lambda p: p.write_text("\n\n"), "the file has no examples"),
        ("empty.npy", lambda p: np.save(p, np.zeros((0, 64))), "the file has no examples"),
        ("text.npy", lambda p: p.write_text("1,2,3\n"), "not a .npy file"),
        ("nothing.npy", lambda p: p.write_bytes(b""), "not a .npy file"),
    ],
)
@pytest.mark.filterwarnings("error::UserWarning")  # NumPy warns about an empty file
def test_empty_or_mislabelled_input_files(cli, model_file, tmp_path, name, write, says):
    path = tmp_path / name
    write(path)
    run = cli("predict", model_file, "--input", path)
    assert run.code == 2
    assert run.error_line.startswith(f"chainrule predict: error: {path}: {says}")
    assert run.out == ""
