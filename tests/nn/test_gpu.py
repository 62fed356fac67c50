"""Layers, losses, optimizers and clipping on CuPy arrays give the CPU's results."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim

cupy = pytest.importorskip("cupy")
pytestmark = pytest.mark.gpu
try:
    cupy.cuda.runtime.getDeviceCount()
except Exception:  # pragma: no cover - no usable device
    pytest.skip("no CUDA device", allow_module_level=True)


def model() -> nn.Sequential:
    rng = np.random.default_rng(0)
    return nn.Sequential(
        # no bias before BatchNorm: its gradient is rounding noise, which Adam would amplify
        nn.Linear(4, 8, bias=False, rng=rng, dtype=np.float64),
        nn.BatchNorm1d(8, dtype=np.float64),
        nn.Tanh(),
        nn.Dropout(0.2, rng=1),
        nn.Linear(8, 3, rng=rng, dtype=np.float64),
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda p: optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=0.01),
        lambda p: optim.AdamW(p, lr=0.01),
        lambda p: optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
    ],
    ids=["SGD", "Adam", "AdamW", "RMSprop"],
)
def test_training_on_the_gpu_matches_the_cpu(make):
    rng = np.random.default_rng(2)
    x, labels = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
    runs = []
    for device in ("cpu", "cuda"):
        net = model().to(device)
        opt = make(net.parameters())
        sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)
        losses = []
        for _ in range(4):
            opt.zero_grad()
            loss = nn.CrossEntropyLoss()(net(cr.tensor(x).to(device)), labels)
            loss = loss + nn.MSELoss()(net(cr.tensor(x).to(device)), np.zeros((16, 3))) * 0.1
            out = net(cr.tensor(x).to(device))
            loss = loss + nn.CrossEntropyLoss("none")(out, labels).mean() * 0.1
            loss.backward()
            total = optim.clip_grad_norm_(net.parameters(), 1.0)
            optim.clip_grad_value_(net.parameters(), 0.5)
            opt.step()
            sched.step()
            losses.append((loss.item(), total))
        assert all(p.device == device for p in net.parameters())
        net.eval()
        out = net(cr.tensor(x).to(device)).numpy()
        runs.append((losses, net.state_dict(), out, opt.state_dict()))
    (cpu_losses, cpu_state, cpu_out, cpu_opt), (gpu_losses, gpu_state, gpu_out, gpu_opt) = runs
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-9)
    for key, value in cpu_state.items():
        np.testing.assert_allclose(gpu_state[key], value, rtol=1e-9, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(gpu_out, cpu_out, rtol=1e-9, atol=1e-12)
    for index, entry in cpu_opt["state"].items():
        for key, value in entry.items():
            assert isinstance(gpu_opt["state"][index][key], type(value))


def test_state_dicts_load_onto_the_gpu():
    cpu, gpu = model(), model().to("cuda")
    cpu[0].weight.data[...] = 0.5
    gpu.load_state_dict(cpu.state_dict())
    assert gpu[0].weight.device == "cuda"
    np.testing.assert_array_equal(gpu[0].weight.numpy(), 0.5)
    w = nn.Parameter(cupy.ones(3))
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = cr.Tensor(cupy.ones(3))
    opt.step()
    saved = opt.state_dict()
    assert isinstance(saved["state"][0]["momentum_buffer"], np.ndarray)
    opt.load_state_dict(saved)
    assert opt.state[w]["momentum_buffer"].__class__ is cupy.ndarray
    init_w = nn.Parameter(cupy.zeros((2, 3)))
    nn.init.xavier_normal(init_w, rng=0)
    assert init_w.device == "cuda" and float(abs(init_w.numpy()).sum()) > 0
