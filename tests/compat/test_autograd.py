"""Corpus: "A gentle introduction to torch.autograd" and "Automatic differentiation with
torch.autograd": backward, gradients, no_grad, detach, vector-Jacobian products, autograd.grad."""

import pytest

pytestmark = pytest.mark.torch

# The tutorial's one-layer network, with its random w and b drawn by NumPy instead.
ONE_LAYER = """
import numpy as np
import torch
rng = np.random.default_rng(0)
x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32, requires_grad=True)
b = torch.tensor(rng.standard_normal(3), dtype=torch.float32, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
"""

CASES = {
    "one_layer_gradients": ONE_LAYER
    + """
loss.backward()
out = (z, loss, w.grad, b.grad)
""",
    "grad_fn_is_recorded": ONE_LAYER
    + """
out = (z.grad_fn is not None, loss.grad_fn is not None, x.grad_fn is None, w.is_leaf, z.is_leaf)
""",
    "no_grad_stops_tracking": ONE_LAYER
    + """
z = torch.matmul(x, w) + b
before = z.requires_grad
with torch.no_grad():
    z = torch.matmul(x, w) + b
out = (before, z.requires_grad)
""",
    "detach_stops_tracking": ONE_LAYER
    + """
z_det = z.detach()
out = (z.requires_grad, z_det.requires_grad, z_det)
""",
    "vector_jacobian_product_accumulates": """
import torch
inp = torch.eye(4, 5, requires_grad=True)
result = (inp + 1).pow(2).t()
result.backward(torch.ones_like(result), retain_graph=True)
first = inp.grad.tolist()
result.backward(torch.ones_like(result), retain_graph=True)
out = (first, inp.grad)
""",
    "external_gradient": """
import torch
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a**3 - b**2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
out = (Q, a.grad, b.grad, 9 * a**2 == a.grad, -2 * b == b.grad)
""",
    "requires_grad_in_place_flag": """
import math
import numpy as np
import torch
weights = torch.tensor(np.random.default_rng(1).standard_normal((6, 3)), dtype=torch.float32)
weights = weights / math.sqrt(6)
before = weights.requires_grad
weights.requires_grad_()
out = (before, weights.requires_grad, weights.is_leaf)
""",
    "autograd_grad_single_input": """
import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x ** 2).sum()
(dx,) = torch.autograd.grad(y, x)
out = (dx, x.grad is None)
""",
    "autograd_grad_second_derivative": """
import torch
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
(dy,) = torch.autograd.grad(y, x, create_graph=True)
(d2y,) = torch.autograd.grad(dy, x)
out = (dy, d2y)
""",
    "autograd_grad_several_inputs": """
import torch
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0, 4.0], requires_grad=True)
loss = (a * b).sum() + (a ** 2).sum()
grads = torch.autograd.grad(loss, [a, b], retain_graph=True)
out = (type(grads).__name__, grads[0], grads[1])
""",
    "autograd_grad_with_grad_outputs": """
import torch
x = torch.tensor([1.0, -1.0, 2.0], requires_grad=True)
y = x * x
(g,) = torch.autograd.grad(y, x, grad_outputs=torch.tensor([1.0, 0.5, 0.25]))
out = g
""",
    "autograd_grad_allow_unused": """
import torch
x = torch.tensor(1.0, requires_grad=True)
unused = torch.tensor(1.0, requires_grad=True)
grads = torch.autograd.grad(x * 2, [x, unused], allow_unused=True)
out = (grads[0], grads[1] is None)
""",
    "gradients_accumulate_until_reset": """
import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x * 3).sum().backward()
(x * 3).sum().backward()
twice = x.grad.tolist()
x.grad = None
(x * x).sum().backward()
out = (twice, x.grad)
""",
    "retain_grad_on_intermediate": """
import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
h = x * 2
h.retain_grad()
y = (h ** 2).sum()
y.backward()
out = (h.grad, x.grad)
""",
    "grad_enabled_state": """
import torch
inside = []
with torch.no_grad():
    inside.append(torch.is_grad_enabled())
    with torch.enable_grad():
        inside.append(torch.is_grad_enabled())
out = (torch.is_grad_enabled(), inside)
""",
    "register_hook_scales_gradient": """
import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
x.register_hook(lambda grad: grad * 10)
(x * x).sum().backward()
out = x.grad
""",
    "chain_of_activations": """
import numpy as np
import torch
x = torch.tensor(np.linspace(-2, 2, 7), dtype=torch.float32, requires_grad=True)
y = torch.sigmoid(torch.tanh(x) * 2) + torch.relu(x) ** 2
y.sum().backward()
out = (y, x.grad)
""",
    # Agrees today although .data holds the raw array; the engine branch makes .data a tensor.
    "data_assignment_update": """
import torch
p = torch.tensor([1.0, 2.0], requires_grad=True)
(p * p).sum().backward()
p.data = p.data - 0.1 * p.grad
p.grad = None
(p * p).sum().backward()
out = (p, p.grad, p.requires_grad, p.is_leaf)
""",
}


@pytest.mark.parametrize("source", CASES.values(), ids=CASES.keys())
def test_case(source, compare):
    compare(source)
