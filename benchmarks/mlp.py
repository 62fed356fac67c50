"""MLP training throughput on the CPU: chainrule (autodiff eager and compiled, classic) vs
PyTorch eager vs the hand-written NumPy limit vs scikit-learn's MLPClassifier, side by side in
one run.

Each workload trains on random float32 data (forward + backward + SGD update per step). The
contenders run in turn, block after block, so machine noise hits them alike; the table gives
median samples per second and the spread (min..max of the blocks), then the ratios the
performance goals are stated in.

    python benchmarks/mlp.py                 # every workload
    python benchmarks/mlp.py -w W1 W5 --rounds 9
    python benchmarks/mlp.py --memory        # peak memory of training W4, each in a subprocess
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chainrule as cr
from chainrule import nn, optim
from chainrule.classic import Network
from chainrule.classic.convert import to_sequential
from chainrule.serialization import atomic_write_text
from classic_vs_numpy import WORKLOADS, Workload, reference_step_fn

try:
    import torch
except ImportError:
    torch = None


def batches(w: Workload, count: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        (
            rng.random((w.batch, w.sizes[0]), dtype=np.float32),
            rng.integers(0, w.sizes[-1], w.batch),
        )
        for _ in range(count)
    ]


def _autodiff_parts(w: Workload, data) -> tuple[Any, Any, Any, list]:
    """The nn model, its loss, SGD and the targets of each batch (one-hot for quadratic)."""
    model = to_sequential(Network(w.sizes, w.activation, w.cost, w.init, seed=0))
    loss_fn = nn.QuadraticCost() if w.cost == "quadratic" else nn.CrossEntropyLoss()
    eye = np.eye(w.sizes[-1], dtype=np.float32)
    targets = [eye[y] if w.cost == "quadratic" else y for _, y in data]
    return model, loss_fn, optim.SGD(model.parameters(), lr=w.lr), targets


def chainrule_autodiff(w: Workload, data) -> Callable[[int], None]:
    model, loss_fn, opt, targets = _autodiff_parts(w, data)

    def step(i: int) -> None:
        x, _ = data[i % len(data)]
        loss = loss_fn(model(cr.Tensor(x)), targets[i % len(data)])
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def chainrule_compiled(w: Workload, data) -> Callable[[int], None]:
    """The same step through ``chainrule.compile``, as the training loop runs it (reading no
    ``.grad``, so plain SGD folds α into the loss gradient)."""
    model, loss_fn, opt, targets = _autodiff_parts(w, data)
    compiled = cr.compile(model, loss_fn, opt, keep_grads=False)
    return lambda i: compiled(data[i % len(data)][0], targets[i % len(data)])


def chainrule_classic(w: Workload, data) -> Callable[[int], None]:
    net = Network(w.sizes, w.activation, w.cost, w.init, seed=0)
    eye = np.eye(w.sizes[-1], dtype=np.float32)
    targets = [eye[y] for _, y in data]  # the same one-hot targets the NumPy limit gets

    def step(i: int) -> None:
        x, _ = data[i % len(data)]
        net.train_step(x, targets[i % len(data)], w.lr)

    return step


def numpy_limit(w: Workload, data) -> Callable[[int], None]:
    net = Network(w.sizes, w.activation, w.cost, w.init, seed=0)
    weights = [x.copy() for x in net.weights]
    biases = [x.copy() for x in net.biases]
    ref = reference_step_fn(w.activation, w.cost)
    eye = np.eye(w.sizes[-1], dtype=np.float32)
    targets = [eye[y] for _, y in data]

    def step(i: int) -> None:
        x, _ = data[i % len(data)]
        ref(weights, biases, x, targets[i % len(data)], np.float32(w.lr))

    return step


def torch_eager(w: Workload, data) -> Callable[[int], None]:
    act = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
    layers: list[torch.nn.Module] = []
    pairs = list(zip(w.sizes[:-1], w.sizes[1:], strict=True))
    for k, (n_in, n_out) in enumerate(pairs):
        layers.append(torch.nn.Linear(n_in, n_out))
        if k < len(pairs) - 1 or w.cost == "quadratic":
            layers.append(act[w.activation]())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=w.lr)
    xs = [torch.from_numpy(x) for x, _ in data]
    ys = [torch.from_numpy(y) for _, y in data]
    onehots = [torch.nn.functional.one_hot(y, w.sizes[-1]).float() for y in ys]

    def step(i: int) -> None:
        out = model(xs[i % len(data)])
        if w.cost == "quadratic":
            loss = ((out - onehots[i % len(data)]) ** 2).sum() / (2 * w.batch)
        else:
            loss = torch.nn.functional.cross_entropy(out, ys[i % len(data)])
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def sklearn_mlp(w: Workload, data) -> Callable[[int], None]:
    from sklearn.neural_network import MLPClassifier

    act = {"sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}[w.activation]
    clf = MLPClassifier(
        hidden_layer_sizes=w.sizes[1:-1],
        activation=act,
        solver="sgd",
        learning_rate_init=w.lr,
        momentum=0.0,
        batch_size=w.batch,
        alpha=0.0,
    )
    classes = np.arange(w.sizes[-1])
    clf.partial_fit(*data[0], classes=classes)

    def step(i: int) -> None:
        clf.partial_fit(*data[i % len(data)])

    return step


CONTENDERS = {
    "autodiff": chainrule_autodiff,
    "compiled": chainrule_compiled,
    "classic": chainrule_classic,
    "numpy": numpy_limit,
    "torch": torch_eager,
    "sklearn": sklearn_mlp,
}


def measure(
    w: Workload, rounds: int, block_seconds: float, settle: float = 0.3
) -> dict[str, list[float]]:
    data = batches(w, 16)
    steps = {
        name: make(w, data)
        for name, make in CONTENDERS.items()
        if name != "torch" or torch is not None
    }
    per_block: dict[str, int] = {}
    for name, step in steps.items():  # calibrate a block to about block_seconds
        start, n = time.perf_counter(), 0
        while time.perf_counter() - start < block_seconds / 4:
            step(n)
            n += 1
        per_block[name] = max(
            2, int(n * 4 * (block_seconds / 4) / (time.perf_counter() - start) / 4)
        )
    rates: dict[str, list[float]] = {name: [] for name in steps}
    for r in range(rounds):
        names = list(steps) if r % 2 == 0 else list(reversed(steps))
        for name in names:
            n = per_block[name]
            time.sleep(settle)  # let the previous contender's spinning BLAS/OpenMP threads rest
            start = time.perf_counter()
            for i in range(n):
                steps[name](i)
            rates[name].append(n * w.batch / (time.perf_counter() - start))
    return rates


def peak_memory(workload: str, contender: str, steps: int = 30) -> float:
    """Peak resident memory (MiB) of building and training a model, in a fresh process.

    Measured from after the imports (the kernel's high-water mark is reset there through
    ``/proc/self/clear_refs``) to after ``steps`` training steps: parameters, gradients,
    optimizer state, activations and whatever the allocator holds on to.
    """
    code = (
        "import sys; sys.argv=['x']; import mlp; "
        "status = lambda key: int([l for l in open('/proc/self/status') "
        "if l.startswith(key)][0].split()[1]); "
        "open('/proc/self/clear_refs', 'w').write('5'); rest = status('VmRSS'); "
        f"w = mlp.WORKLOADS[{workload!r}]; data = mlp.batches(w, 2); "
        f"step = mlp.CONTENDERS[{contender!r}](w, data); "
        f"[step(i) for i in range({steps})]; "
        "print((status('VmHWM') - rest) / 1024)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.abspath(__file__)),
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-w", "--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--block", type=float, default=0.4, help="seconds per block")
    parser.add_argument(
        "--settle",
        type=float,
        default=0.3,
        help="pause before each block, so thread pools of the last one rest",
    )
    parser.add_argument("--memory", action="store_true", help="peak memory of W4 instead")
    parser.add_argument("--json", help="also write the medians to this file")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.memory:
        for name in ("autodiff", "classic", "numpy", "torch"):
            if name == "torch" and torch is None:
                continue
            print(f"W4 peak extra memory, {name:9}: {peak_memory('W4', name):8.1f} MiB")
        return
    print(
        f"samples/s, median (min..max) of {args.rounds} interleaved blocks; "
        f"torch {torch.__version__ if torch else 'missing'}, {os.cpu_count()} CPUs"
    )
    names = [n for n in CONTENDERS if n != "torch" or torch is not None]
    print(
        f"{'':4}"
        + "".join(f"{n:>22}" for n in names)
        + "  autodiff/torch  compiled/torch  autodiff/numpy  classic/numpy"
    )
    table = {}
    for name in args.workloads:
        rates = measure(WORKLOADS[name], args.rounds, args.block, args.settle)
        med = {k: statistics.median(v) for k, v in rates.items()}
        table[name] = med
        cells = "".join(
            f"{med[n] / 1e3:9.1f}k ({min(rates[n]) / 1e3:.0f}..{max(rates[n]) / 1e3:.0f})".rjust(22)
            for n in names
        )
        vs_torch = "".join(
            f"{med[n] / med['torch']:14.2f}x" if "torch" in med else " " * 15
            for n in ("autodiff", "compiled")
        )
        print(
            f"{name:4}{cells}{vs_torch}{med['autodiff'] / med['numpy']:15.2f}x"
            f"{med['classic'] / med['numpy']:14.2f}x",
            flush=True,
        )
    if args.json:
        atomic_write_text(args.json, json.dumps(table, indent=2))


if __name__ == "__main__":
    main()
