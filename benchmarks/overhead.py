"""Per-op overhead of the engine: forward + backward of small scalar expressions.

Compares chainrule, PyTorch's autograd (when installed) and hand-written NumPy/Python on the
lecture's example and its exercises, interleaved in one run.

    python benchmarks/overhead.py
"""

from __future__ import annotations

import math

import numpy as np

import chainrule as cr
from _timing import interleaved, median, summary

try:
    import torch
except ImportError:  # the table simply has no torch column
    torch = None

EXPRESSIONS = {
    "lecture  (x1+x2)*(x2+1)": lambda x1, x2: (x1 + x2) * (x2 + 1),
    "exercise x1**2+(x1+x2)**2": lambda x1, x2: x1**2 + (x1 + x2) ** 2,
    "exercise (x1+x2)**2*x2**2+x2": lambda x1, x2: (x1 + x2) ** 2 * x2**2 + x2,
}


def by_hand(x1: float, x2: float) -> tuple[float, float, float]:
    """The lecture example with its partials written out: the NumPy/Python floor."""
    a, b = x1 + x2, x2 + 1
    return a * b, b, b + a


def chainrule_step(f, x1, x2):
    def run():
        x1.grad = x2.grad = None
        f(x1, x2).backward()

    return run


def torch_step(f, t1, t2):
    def run():
        t1.grad = t2.grad = None
        f(t1, t2).backward()

    return run


def main() -> None:
    print("forward + backward, microseconds per expression: median (min..max) of 7 rounds")
    header = f"{'expression':32} {'chainrule':>24} {'torch':>24} {'torch/chainrule':>16}"
    print(header)
    x1 = cr.tensor(1.0, requires_grad=True)
    x2 = cr.tensor(2.0, requires_grad=True)
    for label, f in EXPRESSIONS.items():
        contenders = {"chainrule": chainrule_step(f, x1, x2)}
        if torch is not None:
            t1 = torch.tensor(1.0, requires_grad=True)
            t2 = torch.tensor(2.0, requires_grad=True)
            contenders["torch"] = torch_step(f, t1, t2)
        samples = interleaved(contenders, number=5000)
        ours = samples["chainrule"]
        theirs = samples.get("torch")
        ratio = f"{median(theirs) / median(ours):15.2f}x" if theirs else "-"
        print(f"{label:32} {summary(ours):>24} {summary(theirs) if theirs else '-':>24} {ratio}")
    hand = interleaved({"hand": lambda: by_hand(1.0, 2.0)}, number=50000)["hand"]
    print(f"{'by hand (Python floats)':32} {summary(hand):>24}")
    x = np.float32(1.0)
    hand_np = interleaved({"np": lambda: by_hand(x, x)}, number=50000)["np"]
    print(f"{'by hand (NumPy float32 scalars)':32} {summary(hand_np):>24}")
    print(
        f"engine nodes/s (lecture): ~{3 / median(ours) / 1e3:.0f}k ops fwd+bwd"
        if math.isfinite(median(ours))
        else ""
    )


if __name__ == "__main__":
    main()
