"""Module bookkeeping: registration order, dotted names, modes, state dicts, hooks, repr."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError, ModelFileError


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4, rng=0)
        self.scale = nn.Parameter(np.ones(4))
        self.register_buffer("count", np.zeros(1))
        self.norm = nn.BatchNorm1d(4)

    def forward(self, x):
        return self.norm(self.fc(x)) * self.scale


def make_model() -> nn.Sequential:
    return nn.Sequential(Block(), nn.ReLU(), nn.Linear(4, 2, rng=1))


def test_parameters_are_named_in_registration_order_with_dots():
    names = [name for name, _ in make_model().named_parameters()]
    # PyTorch's order: each module's own parameters, then its children's, depth first
    assert names == [
        "0.scale",
        "0.fc.weight",
        "0.fc.bias",
        "0.norm.weight",
        "0.norm.bias",
        "2.weight",
        "2.bias",
    ]


def test_buffers_children_and_modules():
    model = make_model()
    assert [n for n, _ in model.named_buffers()] == [
        "0.count",
        "0.norm.running_mean",
        "0.norm.running_var",
        "0.norm.num_batches_tracked",
    ]
    assert [n for n, _ in model.named_children()] == ["0", "1", "2"]
    assert [n for n, _ in model.named_modules()] == ["", "0", "0.fc", "0.norm", "1", "2"]
    assert len(list(model.modules())) == 6
    assert model.num_parameters() == 3 * 4 + 4 + 4 + 4 + 4 + 4 * 2 + 2


def test_shared_parameters_are_listed_once_but_saved_under_each_name():
    shared = nn.Linear(2, 2, rng=0)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert model.num_parameters() == 6


def test_reassigning_and_deleting_attributes_keeps_the_registries_in_sync():
    model = Block()
    model.fc = nn.Linear(3, 4, bias=False, rng=2)
    assert [n for n, _ in model.named_children()] == ["fc", "norm"]  # kept its place
    assert [n for n, _ in model.named_parameters()][:2] == ["scale", "fc.weight"]
    model.scale = None
    assert "scale" not in dict(model.named_parameters())
    with pytest.raises(TypeError, match=r"nn\.Parameter"):
        model.fc.weight = np.zeros((4, 3))
    model.count = np.ones(1)  # a buffer stays a buffer
    assert isinstance(model.count, Tensor) and dict(model.named_buffers())["count"] is model.count
    del model.norm
    assert "norm" not in dict(model.named_children()) and not hasattr(model, "norm")
    model.note = "plain attribute"
    assert model.note == "plain attribute"


def test_setting_attributes_before_init_fails_clearly():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\)\.__init__\(\)"):
        Broken()


def test_register_rejects_bad_names():
    m = nn.Module()
    with pytest.raises(ConfigError, match=r"without '\.'"):
        m.register_parameter("a.b", nn.Parameter(np.zeros(1)))
    with pytest.raises(ConfigError, match="attribute of that name"):
        m.register_buffer("train", np.zeros(1))


def test_train_and_eval_are_recursive_and_per_module():
    model = make_model()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model[0].train()
    assert model[0].training and model[0].norm.training and not model.training


def test_zero_grad_and_requires_grad():
    model = make_model()
    model(cr.tensor(np.ones((3, 3)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(float(np.abs(p.grad.numpy()).sum()) == 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert model.num_parameters(trainable_only=True) == 0


def test_state_dict_round_trip_copies_arrays():
    source, target = make_model(), nn.Sequential(Block(), nn.ReLU(), nn.Linear(4, 2, rng=9))
    source[0].norm.running_mean.data += 3.0
    state = source.state_dict()
    assert all(isinstance(v, cr.Tensor) and not v.requires_grad for v in state.values())
    assert state["0.norm.num_batches_tracked"].dtype == np.int64
    weight_before = target[2].weight.array
    result = target.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for key, value in target.state_dict().items():
        np.testing.assert_array_equal(value, state[key])
    assert target[2].weight.array is weight_before  # loaded in place
    state["2.bias"][:] = 100.0  # the snapshot is a copy
    assert float(target[2].bias.data.max()) < 100.0
    target.load_state_dict({k: cr.tensor(v) for k, v in source.state_dict().items()})


def test_load_state_dict_names_every_problem():
    model = make_model()
    state = model.state_dict()
    del state["2.bias"]
    state["extra.weight"] = np.zeros(1)
    state["0.fc.weight"] = np.zeros((3, 4))
    with pytest.raises(ModelFileError) as err:
        model.load_state_dict(state)
    message = str(err.value)
    assert "missing keys ['2.bias']" in message
    assert "unexpected keys ['extra.weight']" in message
    assert "shape mismatch for '0.fc.weight'" in message and "(3, 4)" in message
    state["0.fc.weight"] = np.ones((4, 3))
    before = model.state_dict()
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["2.bias"] and result.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(model[0].fc.weight.numpy(), 1.0)
    np.testing.assert_array_equal(model[2].bias.numpy(), before["2.bias"])


def test_load_state_dict_casts_to_the_parameter_dtype():
    layer = nn.Linear(2, 2, rng=0)
    layer.load_state_dict({"weight": np.eye(2), "bias": np.zeros(2)})
    assert layer.weight.dtype == np.float32
    np.testing.assert_array_equal(layer.weight.numpy(), np.eye(2))


def test_to_casts_in_place_and_keeps_parameter_identity():
    model = make_model()
    params = list(model.parameters())
    model.to(np.float64)
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model[0].norm.running_var.dtype == np.float64
    assert model[0].norm.num_batches_tracked.dtype == np.int64
    model.float().to("cpu")
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_repr_looks_like_pytorch():
    assert repr(make_model()) == (
        "Sequential(\n"
        "  (0): Block(\n"
        "    (fc): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (norm): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, "
        "track_running_stats=True)\n"
        "  )\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=4, out_features=2, bias=True)\n"
        ")"
    )
    assert repr(nn.Parameter(np.zeros(1))).startswith("Parameter containing:\ntensor(")


def test_forward_hooks_see_every_layer_and_can_be_removed():
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Linear(3, 1, rng=1))
    seen = []
    handles = [
        m.register_forward_hook(lambda mod, inputs, out: seen.append((type(mod).__name__, out)))
        for m in model
    ]
    model(cr.tensor(np.ones((5, 2), dtype=np.float32)))
    assert [name for name, _ in seen] == ["Linear", "Tanh", "Linear"]
    assert [out.shape for _, out in seen] == [(5, 3), (5, 3), (5, 1)]
    for h in handles:
        h.remove()
    model(cr.tensor(np.ones((5, 2), dtype=np.float32)))
    assert len(seen) == 3


def test_hooks_can_replace_inputs_and_outputs_and_retain_activation_grads():
    layer = nn.Tanh()
    with layer.register_forward_pre_hook(lambda m, inputs: inputs[0] * 0):
        assert float(layer(cr.tensor([2.0])).item()) == 0.0
    assert float(layer(cr.tensor([0.0])).item()) == 0.0
    kept = {}

    def keep(module, inputs, out):
        kept["a"] = out.retain_grad()

    with layer.register_forward_hook(keep):
        x = cr.tensor([0.5], requires_grad=True)
        (layer(x) * 3).sum().backward()
    np.testing.assert_allclose(kept["a"].grad.numpy(), [3.0])
    with layer.register_forward_hook(lambda m, i, out: out * 2):
        assert layer(cr.tensor([0.5])).item() == pytest.approx(2 * np.tanh(0.5))


def test_parameter_is_a_writable_leaf_and_ops_make_plain_tensors():
    p = nn.Parameter(np.broadcast_to(np.float32(1.0), (3,)))
    assert p.array.flags.writeable and p.requires_grad and p.is_leaf
    assert type(p * 2) is Tensor and type(p.detach()) is Tensor
    scalar = nn.Parameter(np.float64(2.0))
    assert isinstance(scalar.array, np.ndarray) and scalar.shape == ()
    shared = cr.tensor([1.0, 2.0])
    assert nn.Parameter(shared).array is shared.array


@pytest.mark.torch
def test_state_dict_keys_match_pytorch_and_torch_weights_load(torch):
    ours = nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2)
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.double().load_state_dict(theirs.state_dict())
    ours.eval(), theirs.eval()
    x = np.random.default_rng(0).standard_normal((5, 3))
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(cr.tensor(x)).numpy(), expected, rtol=1e-12, atol=1e-12)


def test_deepcopy_and_pickle_give_independent_models():
    import copy
    import pickle

    model = make_model()
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert isinstance(clone[0].fc.weight, nn.Parameter)
        assert list(clone.state_dict()) == list(model.state_dict())
        clone[0].fc.weight.data[...] = 0.0
        assert np.abs(model[0].fc.weight.numpy()).sum() > 0


def test_train_goes_through_each_childs_own_train():
    """The "keep BatchNorm frozen" pattern: a child's train() override is honoured."""

    class Frozen(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bn = nn.BatchNorm1d(2)

        def train(self, mode: bool = True) -> nn.Module:
            super().train(mode)
            self.bn.eval()
            return self

    model = nn.Sequential(Frozen(), nn.Linear(2, 2))
    model.train()
    assert model.training and model[1].training and model[0].training
    assert not model[0].bn.training


def test_load_state_dict_changes_nothing_when_a_value_is_not_numbers():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    before = model[0].weight.numpy().copy()
    for bad in (np.array(["abc"]), np.array([None])):
        state = model.state_dict()
        state["0.weight"] = np.full((3, 2), 7.0)
        state["2.bias"] = bad
        with pytest.raises(ModelFileError, match=r"'2.bias' holds .* not numbers"):
            model.load_state_dict(state)
        np.testing.assert_array_equal(model[0].weight.numpy(), before)
