"""Optimizer bookkeeping: param groups, zero_grad, skipped parameters, checkpoints, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim
from chainrule.errors import ConfigError


def model(seed: int = 0) -> nn.Sequential:
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(3, 5, rng=rng), nn.Tanh(), nn.Linear(5, 2, rng=rng))


DATA = np.random.default_rng(1).standard_normal((8, 3)).astype(np.float32)
LABELS = np.array([0, 1] * 4)


def train(net: nn.Module, opt: optim.Optimizer, steps: int) -> list[float]:
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(net(cr.tensor(DATA)), LABELS)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_groups_get_defaults_and_can_be_added():
    net = model()
    opt = optim.SGD([{"params": net[0].parameters(), "lr": 0.5}], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": net[2].parameters(), "nesterov": True})
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]
    assert [g["nesterov"] for g in opt.param_groups] == [False, True]
    assert [len(g["params"]) for g in opt.param_groups] == [2, 2]
    with pytest.raises(ConfigError, match="appears twice"):
        opt.add_param_group({"params": [net[0].weight]})
    with pytest.raises(ConfigError, match="appears twice"):
        optim.SGD([net[0].weight, net[0].weight], lr=0.1)
    assert "Parameter Group 1" in repr(opt)


def test_zero_grad_and_parameters_without_gradients_are_skipped():
    net = model()
    frozen = nn.Parameter(np.ones(2, dtype=np.float32))
    opt = optim.Adam([*net.parameters(), frozen], lr=0.1)
    train(net, opt, 1)
    assert all(p.grad is not None for p in net.parameters())
    assert frozen not in opt.state and np.array_equal(frozen.numpy(), [1.0, 1.0])
    opt.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    train(net, opt, 1)
    opt.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in net.parameters())


def test_read_only_and_shared_gradients_are_never_written():
    w = nn.Parameter(np.ones(3, dtype=np.float32))
    grad = np.broadcast_to(np.float32(2.0), (3,))  # read-only, as a backward may hand out
    w.grad = cr.from_numpy(grad)
    for opt in (
        optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.1),
        optim.Adam([w]),
        optim.RMSprop([w], weight_decay=0.1, centered=True),
    ):
        opt.step()
        assert w.grad.array is grad and float(grad[0]) == 2.0


def test_closure_is_evaluated_with_gradients():
    net = model()
    opt = optim.SGD(net.parameters(), lr=0.1)

    def closure():
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(net(cr.tensor(DATA)), LABELS)
        loss.backward()
        return loss

    with cr.no_grad():
        loss = opt.step(closure)
    assert isinstance(loss, cr.Tensor) and all(p.grad is not None for p in net.parameters())


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
        lambda p: optim.Adam(p, lr=0.01, amsgrad=True),
        lambda p: optim.AdamW(p, lr=0.01),
        lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    ],
    ids=["SGD", "Adam", "AdamW", "RMSprop"],
)
def test_checkpoint_resumes_identically(make, tmp_path):
    net = model()
    opt = make(net.parameters())
    train(net, opt, 3)
    # a checkpoint: arrays to .npz, everything else through JSON
    saved = opt.state_dict()
    arrays = {
        f"{i}.{k}": v
        for i, s in saved["state"].items()
        for k, v in s.items()
        if isinstance(v, np.ndarray)
    }
    scalars = {
        i: {k: v for k, v in s.items() if not isinstance(v, np.ndarray)}
        for i, s in saved["state"].items()
    }
    text = json.dumps({"param_groups": saved["param_groups"], "scalars": scalars})
    weights = {k: v.clone() for k, v in net.state_dict().items()}  # it shares memory
    expected = train(net, opt, 4)

    loaded = json.loads(text)
    state = {int(i): dict(s) for i, s in loaded["scalars"].items()}
    for key, value in arrays.items():
        i, name = key.split(".", 1)
        state[int(i)][name] = value
    net2 = model(seed=99)
    net2.load_state_dict(weights)
    opt2 = make(net2.parameters())
    opt2.load_state_dict({"state": state, "param_groups": loaded["param_groups"]})
    assert train(net2, opt2, 4) == expected


def test_state_dict_is_a_copy_and_load_checks_structure():
    net = model()
    opt = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    train(net, opt, 1)
    saved = opt.state_dict()
    assert saved["param_groups"][0]["params"] == [0, 1, 2, 3]
    saved["state"][0]["momentum_buffer"][...] = 123.0
    assert not (opt.state[net[0].weight]["momentum_buffer"] == 123.0).any()
    other = optim.SGD(net[0].parameters(), lr=0.1)
    with pytest.raises(ConfigError, match="group 0 has 4 parameters in the state dict, 2"):
        other.load_state_dict(saved)
    saved["state"][0]["momentum_buffer"] = np.zeros((2, 2))
    with pytest.raises(ConfigError, match="shape"):
        optim.SGD(net.parameters(), lr=0.1).load_state_dict(saved)
    with pytest.raises(ConfigError, match="param groups"):
        optim.SGD(net.parameters(), lr=0.1).load_state_dict({"state": {}, "param_groups": []})


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: optim.SGD(p, lr=-0.1), "invalid lr=-0.1"),
        (lambda p: optim.SGD(p, lr=float("nan")), "invalid lr=nan"),
        (lambda p: optim.SGD(p, lr=float("inf")), "invalid lr=inf"),
        (lambda p: optim.Adam(p, weight_decay=float("inf")), "invalid weight_decay=inf"),
        (lambda p: optim.SGD(p, lr="fast"), "invalid lr='fast'"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), "invalid momentum=-0.5"),
        (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "invalid weight_decay=-1"),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
        (
            lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            "dampening = 0",
        ),
        (lambda p: optim.Adam(p, lr=-1), "Adam: invalid lr=-1"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "invalid beta1=1.0"),
        (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "invalid beta2=-0.1"),
        (lambda p: optim.Adam(p, betas=0.9), "betas must be a pair"),
        (lambda p: optim.AdamW(p, eps=-1e-8), "AdamW: invalid eps=-1e-08"),
        (lambda p: optim.RMSprop(p, alpha=1.5), "invalid alpha=1.5"),
        (lambda p: optim.RMSprop(p, momentum=-0.1), "invalid momentum=-0.1"),
        (lambda p: optim.RMSprop(p, eps=-1.0), "invalid eps=-1.0"),
        (lambda p: optim.SGD([{"params": p, "lr": -2.0}], lr=0.1), "invalid lr=-2.0"),
    ],
)
def test_bad_hyperparameters_name_the_parameter_and_value(make, match):
    with pytest.raises(ConfigError, match=match.replace("(", r"\(").replace("+", r"\+")):
        make(list(model().parameters()))


def test_bad_params():
    with pytest.raises(ConfigError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ConfigError, match="single Parameter"):
        optim.SGD(nn.Parameter(np.ones(2)), lr=0.1)
    with pytest.raises(ConfigError, match="not a Tensor"):
        optim.SGD([np.ones(2)], lr=0.1)
    w = nn.Parameter(np.ones(2))
    with pytest.raises(ConfigError, match="not a leaf"):
        optim.SGD([w * 2], lr=0.1)
