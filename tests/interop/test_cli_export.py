"""``chainrule export MODEL --onnx OUT``: ONNX Runtime predicts what the saved model predicts."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli.main import main
from chainrule.data import load
from chainrule.training import load_model

ort = pytest.importorskip("onnxruntime", reason="the oracle is ONNX Runtime (chainrule[onnx])")


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    "options",
    [
        ["--engine", "classic", "--cost", "quadratic"],
        ["--engine", "autodiff", "--cost", "cross-entropy", "--batch-norm", "--standardize"],
    ],
)
def test_the_exported_model_gives_the_saved_models_outputs(options, tmp_path, capsys) -> None:
    saved, out = tmp_path / "model.safetensors", tmp_path / "model.onnx"
    train = ["train", "--train-size", "300", "--test-size", "50", "--epochs", "2"]
    assert main([*train, "--layers", "64,16,10", *options, "--save", str(saved)]) == 0
    assert main(["export", str(saved), "--onnx", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    learner, _ = load_model(saved)
    x = load("digits", test_size=50).x_test.astype(np.float32)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x})[0]
    if "cross-entropy" in options:  # the file gives the logits, not their softmax
        got = _softmax(got)
    np.testing.assert_allclose(got, learner.predict_proba(x), rtol=1e-4, atol=1e-6)


def test_a_wrong_output_name_exits_2_in_one_line(tmp_path, capsys) -> None:
    assert main(["export", str(tmp_path / "m.safetensors"), "--onnx", "out.txt"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--onnx must name a .onnx file" in err


def test_a_missing_model_file_exits_2(tmp_path, capsys) -> None:
    assert main(["export", str(tmp_path / "none.safetensors"), "--onnx", "o.onnx"]) == 2
    assert capsys.readouterr().err.startswith("chainrule export: error:")
