"""The PyTorch-named API beyond what the corpus compares: errors, reproducibility, laziness,
the file format of save/load, and the corpus harness itself."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
import safetensors.numpy

import chainrule as cr
from chainrule import nn
from chainrule.errors import ConfigError, GraphError, ModelFileError
from chainrule.serialization import save_tensors
from chainrule.utils.data import DataLoader, TensorDataset
from compat.harness import assert_same, plain


# ---- the harness must be able to fail ------------------------------------------------------
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (cr.tensor([2.0]), np.array([1.0], dtype=np.float32)),  # values
        (cr.tensor([1.0], dtype=cr.float64), np.array([1.0], dtype=np.float32)),  # dtype
        (np.array([1.0], dtype=np.float32), cr.tensor([1.0])),  # an array for a tensor
        ([1.0], (1.0,)),  # list for tuple
        (1, 1.5),
        ({"a": 1}, {"b": 1}),
    ],
)
def test_harness_tells_results_apart(ours, theirs):
    theirs = plain(theirs)
    if isinstance(theirs, tuple) and theirs[:1] == ("array",) and isinstance(ours, cr.Tensor):
        theirs = ("tensor", theirs[1])
    with pytest.raises(AssertionError):
        assert_same(plain(ours), theirs)


# ---- save / load -------------------------------------------------------------------------
def test_save_writes_a_plain_safetensors_file(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3, rng=0))
    cr.save(model.state_dict(), tmp_path / "w.safetensors")
    arrays = safetensors.numpy.load_file(tmp_path / "w.safetensors")
    assert sorted(arrays) == ["0.bias", "0.weight"]
    np.testing.assert_array_equal(arrays["0.weight"], model[0].weight.numpy())


def test_load_round_trips_nested_dicts_and_plain_values(tmp_path):
    obj = {"model": {"w": cr.tensor([1.0, 2.0])}, "epoch": 3, "lrs": [0.1, 0.01], "name": "run"}
    cr.save(obj, tmp_path / "c.pt")
    loaded = cr.load(tmp_path / "c.pt")
    assert loaded["epoch"] == 3 and loaded["lrs"] == [0.1, 0.01] and loaded["name"] == "run"
    assert isinstance(loaded["model"]["w"], cr.Tensor)
    np.testing.assert_array_equal(loaded["model"]["w"].numpy(), [1.0, 2.0])


def test_load_of_a_foreign_safetensors_file_gives_tensors(tmp_path):
    safetensors.numpy.save_file({"x": np.arange(3.0)}, tmp_path / "f.safetensors")
    loaded = cr.load(tmp_path / "f.safetensors")
    assert list(loaded) == ["x"] and loaded["x"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.torch
def test_load_refuses_torch_save_files(tmp_path, torch):
    torch.save({"w": torch.zeros(2)}, tmp_path / "model.pth")
    with pytest.raises(ModelFileError) as err:
        cr.load(tmp_path / "model.pth")
    message = str(err.value)
    assert "pickle" in message and "does not load" in message and "\n" not in message


def test_load_refuses_raw_pickles(tmp_path):
    (tmp_path / "raw.pkl").write_bytes(pickle.dumps({"w": [1.0]}))
    with pytest.raises(ModelFileError, match="is a pickle file"):
        cr.load(tmp_path / "raw.pkl")


def test_save_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(ConfigError, match=r"save model\.state_dict"):
        cr.save(nn.Linear(2, 2), tmp_path / "m.pt")
    with pytest.raises(ConfigError, match="keys must be strings or integers"):
        cr.save({(0, 1): cr.tensor([1.0])}, tmp_path / "m.pt")
    with pytest.raises(ConfigError, match="stored as '0'"):  # 0 and "0" would share a name
        cr.save({0: cr.tensor([1.0]), "x": {"0": 1}, "0": cr.tensor([2.0])}, tmp_path / "m.pt")


def test_integer_keys_and_lists_of_dicts_round_trip(tmp_path):
    state = {"state": {0: {"step": 3, "m": cr.tensor([1.0])}}, "groups": [{"params": [0]}]}
    cr.save(state, tmp_path / "opt.safetensors")
    back = cr.load(tmp_path / "opt.safetensors")
    assert list(back["state"]) == [0] and back["state"][0]["step"] == 3
    assert back["state"][0]["m"].tolist() == [1.0] and back["groups"] == [{"params": [0]}]


def test_a_damaged_layout_is_a_model_file_error(tmp_path):
    path = tmp_path / "bad.safetensors"
    save_tensors(path, {"a": np.zeros(1)}, {"chainrule.save": {"items": [[0]]}})
    with pytest.raises(ModelFileError, match="damaged"):
        cr.load(path)


def test_load_of_a_missing_file_names_it(tmp_path):
    with pytest.raises(ModelFileError, match="no such file"):
        cr.load(tmp_path / "absent.pt")


# ---- data loading ------------------------------------------------------------------------
def _order(loader):
    return [v for (xb,) in loader for v in xb.tolist()]


def test_shuffling_is_reproducible_from_a_generator_or_manual_seed():
    ds = TensorDataset(cr.arange(20.0))
    first = _order(DataLoader(ds, 6, shuffle=True, generator=np.random.default_rng(3)))
    again = _order(DataLoader(ds, 6, shuffle=True, generator=np.random.default_rng(3)))
    assert first == again and sorted(first) == list(range(20)) and first != list(range(20))
    cr.manual_seed(7)
    seeded = _order(DataLoader(ds, 6, shuffle=True))
    cr.manual_seed(7)
    assert _order(DataLoader(ds, 6, shuffle=True)) == seeded


def test_dataloader_checks_its_arguments():
    ds = TensorDataset(cr.arange(4.0))
    with pytest.raises(ConfigError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ConfigError, match="generator"):
        DataLoader(ds, generator=3)


def test_tensor_dataset_needs_matching_lengths():
    with pytest.raises(Exception, match="first dimension"):
        TensorDataset(cr.zeros(3), cr.zeros(4))


# ---- names and arguments -----------------------------------------------------------------
def test_axis_and_dim_together_are_refused():
    with pytest.raises((TypeError, ConfigError), match="axis= or dim="):
        cr.sum(cr.ones(2, 2), axis=0, dim=1)


def test_size_is_numpys_count_and_pytorchs_method():
    x = cr.zeros(2, 3)
    assert x.size == 6 and x.size() == (2, 3) and x.size(0) == 2 and x.size(-1) == 3


def test_init_functions_write_into_the_same_array():
    w = nn.Linear(4, 3, rng=0).weight
    before = w.array
    nn.init.kaiming_uniform_(w, a=5**0.5)
    assert w.array is before and bool((np.abs(w.numpy()) <= 0.5).all())
    cr.manual_seed(1)
    nn.init.normal_(w)
    drawn = w.numpy().copy()
    cr.manual_seed(1)
    nn.init.normal_(w)
    np.testing.assert_array_equal(w.numpy(), drawn)


def test_autograd_grad_refuses_an_unused_input():
    x, unused = cr.tensor(1.0, requires_grad=True), cr.tensor(2.0, requires_grad=True)
    with pytest.raises(GraphError, match=r"not (have been )?used"):
        cr.autograd.grad(x * 3, [x, unused])


def test_nll_loss_checks_labels():
    with pytest.raises(Exception, match="labels must lie"):
        nn.NLLLoss()(cr.zeros(2, 3), cr.tensor([0, 3]))


def test_import_chainrule_leaves_subpackages_for_later():
    code = (
        "import sys, chainrule as cr; lazy = [m for m in ('chainrule.nn', 'chainrule.optim', "
        "'chainrule.utils', 'chainrule.io') if m in sys.modules]; "
        "assert not lazy, lazy; assert cr.nn.Linear and cr.optim.SGD and cr.utils.data.DataLoader"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_factories_refuse_an_unknown_device():
    with pytest.raises(ConfigError, match="device must be"):
        cr.zeros(2, device="tpu")
    with pytest.raises(ConfigError, match="device"):
        cr.tensor([1.0], device="mps")


def test_device_checks_answer_without_a_gpu():
    assert isinstance(cr.cuda.is_available(), bool)
    assert (cr.accelerator.current_accelerator() is None) == (not cr.accelerator.is_available())
