"""Corpus, in-place part: tutorial code that changes tensors in place (hand-written SGD steps
under no_grad, ``.data``, ``x += 1``, the ``_`` methods, item assignment, ``tensor`` copying its
array). In-place semantics land with the engine branch; until then these fail, and strict
xfail makes a case that starts passing fail loudly, so the marker is removed then."""

import pytest

pytestmark = pytest.mark.torch

CASES = {
    "hand_written_sgd_step": """
import math
import numpy as np
import torch
rng = np.random.default_rng(0)
xb = torch.tensor(rng.random((8, 4)), dtype=torch.float32)
yb = torch.tensor(rng.integers(0, 3, 8))
weights = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32) / math.sqrt(4)
weights.requires_grad_()
bias = torch.zeros(3, requires_grad=True)
loss = torch.nn.functional.cross_entropy(xb @ weights + bias, yb)
loss.backward()
with torch.no_grad():
    weights -= weights.grad * 0.5
    bias -= bias.grad * 0.5
    weights.grad.zero_()
    bias.grad.zero_()
out = (weights, bias, weights.grad)
""",
    "sgd_step_over_parameters": """
import numpy as np
import torch
from torch import nn
model = nn.Linear(2, 1)
model.load_state_dict({"weight": torch.tensor([[0.5, -0.5]]), "bias": torch.tensor([0.1])})
loss = ((model(torch.tensor([[1.0, 2.0]])) - 1.0) ** 2).sum()
loss.backward()
with torch.no_grad():
    for p in model.parameters():
        p -= p.grad * 0.1
    model.zero_grad()
out = list(model.parameters())
""",
    "augmented_assignment_is_in_place": """
import torch
x = torch.tensor([1.0, 2.0])
y = x
x += 1
x *= 2
out = (y, x is y)
""",
    "add_and_fill_methods": """
import torch
tensor = torch.ones(4, 4)
tensor.add_(5)
t = torch.zeros(3)
t.fill_(2.5)
u = torch.ones(2)
u.zero_()
out = (tensor, t, u)
""",
    "item_assignment": """
import torch
tensor = torch.ones(4, 4)
tensor[:, 1] = 0
out = tensor
""",
    "tensor_copies_the_array": """
import numpy as np
import torch
n = np.ones(3)
t = torch.tensor(n)
n[0] = 5.0
out = t
""",
    "numpy_bridge_add_in_place": """
import torch
t = torch.ones(5)
n = t.numpy()
t.add_(1)
out = (t, n)
""",
    "data_is_a_detached_tensor": """
import torch
from torch import nn
p = nn.Parameter(torch.tensor([1.0, 2.0]))
out = (isinstance(p.data, torch.Tensor), p.data.requires_grad)
""",
    "copy_weights_in_place": """
import torch
from torch import nn
layer = nn.Linear(2, 2)
with torch.no_grad():
    layer.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    layer.bias.fill_(0.5)
out = layer(torch.tensor([[1.0, 1.0]]))
""",
    "clone_is_independent": """
import torch
a = torch.tensor([1.0, 2.0])
b = a.clone()
a.add_(1)
out = (a, b)
""",
    "clamp_in_place": """
import torch
x = torch.tensor([-1.0, 0.5, 2.0])
x.clamp_(min=0, max=1)
out = x
""",
    "leaf_in_place_refused": """
import torch
w = torch.tensor([1.0], requires_grad=True)
try:
    w.add_(1)
    out = "allowed"
except RuntimeError:
    out = "refused"
""",
    "modified_saved_tensor_detected": """
import torch
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a * 1
c = (b * b).sum()
b.mul_(2)
try:
    c.backward()
    out = "silent"
except RuntimeError as err:
    out = "modified by an inplace operation" in str(err)
""",
}


@pytest.mark.parametrize("source", CASES.values(), ids=CASES.keys())
def test_case(source, compare):
    compare(source)
