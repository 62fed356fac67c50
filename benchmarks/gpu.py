"""MLP training on the GPU: chainrule on CuPy vs PyTorch CUDA eager vs a hand-written CuPy
MLP, side by side in one run (samples per second, medians of interleaved blocks).

Needs CuPy and PyTorch with CUDA on the machine; run from the repository root:

    PYTHONPATH=src python benchmarks/gpu.py [--quick] [--json FILE]

The workloads are the CPU table's (W1..W5) plus large ones where the GPU's arithmetic
dominates; for those the table also gives TFLOP/s (2 * multiply-adds of the forward and
backward matrix products per second). All float32, no TF32.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import cupy as cp
import numpy as np
import torch

import chainrule as cr
from chainrule import nn, optim
from chainrule.classic import Network
from chainrule.classic.convert import to_sequential
from chainrule.serialization import atomic_write_text


@dataclass(frozen=True)
class Workload:
    name: str
    sizes: tuple[int, ...]
    activation: str
    cost: str
    batch: int


WORKLOADS = [
    Workload("W1", (784, 30, 10), "sigmoid", "quadratic", 10),
    Workload("W2", (784, 30, 30, 30, 30, 10), "sigmoid", "quadratic", 10),
    Workload("W3", (784, 256, 256, 10), "relu", "cross-entropy", 64),
    Workload("W4", (784, 1024, 1024, 10), "relu", "cross-entropy", 256),
    Workload("W5", (64, 32, 10), "tanh", "cross-entropy", 32),
    Workload("L1", (784, 2048, 2048, 10), "relu", "cross-entropy", 1024),
    Workload("L2", (784, 4096, 4096, 4096, 10), "relu", "cross-entropy", 4096),
]
LR = 0.01


def flops_per_step(w: Workload) -> float:
    """Multiply-adds of the matrix products: forward, dW, and dX for all but the first layer."""
    pairs = list(zip(w.sizes[:-1], w.sizes[1:], strict=True))
    macs = sum(3 * a * b for a, b in pairs) - pairs[0][0] * pairs[0][1]
    return 2.0 * macs * w.batch


def make_data(w: Workload, n: int = 4):
    rng = np.random.default_rng(0)
    xs = [rng.random((w.batch, w.sizes[0]), dtype=np.float32) for _ in range(n)]
    ys = [rng.integers(0, w.sizes[-1], w.batch) for _ in range(n)]
    return xs, ys


def chainrule_step(w: Workload, xs, ys) -> Callable[[int], None]:
    model = to_sequential(Network(w.sizes, w.activation, w.cost, "he", seed=0)).to("cuda")
    opt = optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.QuadraticCost() if w.cost == "quadratic" else nn.CrossEntropyLoss()
    gx = [cp.asarray(x) for x in xs]
    eye = np.eye(w.sizes[-1], dtype=np.float32)
    gy = [cp.asarray(eye[y] if w.cost == "quadratic" else y) for y in ys]

    def step(i: int) -> None:
        k = i % len(gx)
        loss = loss_fn(model(cr.Tensor(gx[k])), gy[k])
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def torch_step(w: Workload, xs, ys) -> Callable[[int], None]:
    act = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
    pairs = list(zip(w.sizes[:-1], w.sizes[1:], strict=True))
    layers: list[torch.nn.Module] = []
    for k, (a, b) in enumerate(pairs):
        layers.append(torch.nn.Linear(a, b))
        if k < len(pairs) - 1 or w.cost == "quadratic":
            layers.append(act[w.activation]())
    model = torch.nn.Sequential(*layers).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    tx = [torch.from_numpy(x).cuda() for x in xs]
    ty = [torch.from_numpy(y).cuda() for y in ys]
    onehot = [torch.nn.functional.one_hot(y, w.sizes[-1]).float() for y in ty]

    def step(i: int) -> None:
        k = i % len(tx)
        out = model(tx[k])
        if w.cost == "quadratic":
            loss = ((out - onehot[k]) ** 2).sum() / (2 * w.batch)
        else:
            loss = torch.nn.functional.cross_entropy(out, ty[k])
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def cupy_step(w: Workload, xs, ys) -> Callable[[int], None]:
    """The hand-written CuPy MLP: the lecture's matrix-form backprop, nothing else."""
    net = Network(w.sizes, w.activation, w.cost, "he", seed=0)
    weights = [cp.asarray(a) for a in net.weights]
    biases = [cp.asarray(b) for b in net.biases]
    gx = [cp.asarray(x) for x in xs]
    eye = cp.eye(w.sizes[-1], dtype=cp.float32)
    gy = [eye[cp.asarray(y)] for y in ys]
    f = {
        "sigmoid": lambda z: 1 / (1 + cp.exp(-z)),
        "tanh": cp.tanh,
        "relu": lambda z: cp.maximum(z, 0),
    }[w.activation]
    fprime = {
        "sigmoid": lambda z, a: a * (1 - a),
        "tanh": lambda z, a: 1 - a * a,
        "relu": lambda z, a: z > 0,
    }[w.activation]
    last = len(weights) - 1

    def step(i: int) -> None:
        k = i % len(gx)
        x, y = gx[k], gy[k]
        m = x.shape[0]
        zs, acts = [], [x]
        a = x
        for l, (wt, b) in enumerate(zip(weights, biases, strict=True)):
            z = a @ wt.T + b
            if l == last and w.cost == "cross-entropy":
                e = cp.exp(z - z.max(axis=1, keepdims=True))
                a = e / e.sum(axis=1, keepdims=True)
            else:
                a = f(z)
            zs.append(z)
            acts.append(a)
        delta = (a - y) / m if w.cost == "cross-entropy" else (a - y) * fprime(zs[-1], a) / m
        for l in range(last, -1, -1):
            grad_w = delta.T @ acts[l]
            grad_b = delta.sum(axis=0)
            if l > 0:
                delta = (delta @ weights[l]) * fprime(zs[l - 1], acts[l])
            weights[l] -= LR * grad_w
            biases[l] -= LR * grad_b

    return step


def check_agreement() -> float:
    """Largest difference between chainrule's CPU and GPU losses over a few training steps."""
    w = WORKLOADS[2]
    xs, ys = make_data(w)
    losses = {}
    for device in ("cpu", "cuda"):
        model = to_sequential(Network(w.sizes, w.activation, w.cost, "he", seed=0)).to(device)
        opt = optim.Adam(model.parameters(), lr=1e-3)
        out = []
        for k in range(5):
            x = cr.Tensor(xs[k % 4]).to(device)
            loss = nn.CrossEntropyLoss()(model(x), ys[k % 4])
            opt.zero_grad()
            loss.backward()
            opt.step()
            out.append(loss.item())
        losses[device] = np.array(out)
    return float(np.max(np.abs(losses["cpu"] - losses["cuda"])))


def measure(w: Workload, rounds: int, block_seconds: float) -> dict[str, list[float]]:
    xs, ys = make_data(w)
    steps = {
        "chainrule": chainrule_step(w, xs, ys),
        "torch": torch_step(w, xs, ys),
        "cupy": cupy_step(w, xs, ys),
    }
    per_block = {}
    for name, step in steps.items():
        for i in range(3):
            step(i)
        torch.cuda.synchronize()
        cp.cuda.Device().synchronize()
        start, n = time.perf_counter(), 0
        while time.perf_counter() - start < block_seconds / 3:
            step(n)
            n += 1
        torch.cuda.synchronize()
        cp.cuda.Device().synchronize()
        per_block[name] = max(2, int(n * block_seconds / 3 / (time.perf_counter() - start) * 3))
    rates: dict[str, list[float]] = {k: [] for k in steps}
    for r in range(rounds):
        for name in steps if r % 2 == 0 else reversed(list(steps)):
            n = per_block[name]
            torch.cuda.synchronize()
            cp.cuda.Device().synchronize()
            start = time.perf_counter()
            for i in range(n):
                steps[name](i)
            torch.cuda.synchronize()
            cp.cuda.Device().synchronize()
            rates[name].append(n * w.batch / (time.perf_counter() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description="GPU MLP training benchmark")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", type=float, default=0.5)
    parser.add_argument("--json")
    args = parser.parse_args()
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}, cupy {cp.__version__}")
    print(f"CPU vs GPU loss difference over 5 Adam steps: {check_agreement():.2e}")
    rounds = 3 if args.quick else args.rounds
    print(
        f"{'':4}{'chainrule':>14}{'torch':>14}{'cupy':>14}{'cr/torch':>10}{'cupy/torch':>11}"
        f"{'cr TFLOP/s':>12}{'torch TFLOP/s':>14}"
    )
    table = {}
    for w in WORKLOADS:
        rates = measure(w, rounds, args.block)
        med = {k: statistics.median(v) for k, v in rates.items()}
        table[w.name] = {**med, "spread": {k: [min(v), max(v)] for k, v in rates.items()}}
        tf = {k: flops_per_step(w) * med[k] / w.batch / 1e12 for k in med}
        print(
            f"{w.name:4}"
            + "".join(f"{med[k] / 1e3:13.1f}k" for k in ("chainrule", "torch", "cupy"))
            + f"{med['chainrule'] / med['torch']:9.2f}x"
            f"{med['cupy'] / med['torch']:10.2f}x{tf['chainrule']:12.1f}{tf['torch']:14.1f}",
            flush=True,
        )
    if args.json:
        atomic_write_text(args.json, json.dumps(table, indent=2))


if __name__ == "__main__":
    main()
