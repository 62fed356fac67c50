"""Corpus: the "Tensors" tutorial (creation, attributes, indexing, joining, arithmetic, the
NumPy bridge), plus factories, dtypes and reductions as that tutorial's readers write them."""

import pytest

pytestmark = pytest.mark.torch

CASES = {
    "tensor_from_list": """
import torch
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
out = (x_data, x_data.dtype, x_data.shape)
""",
    "tensor_from_numpy": """
import numpy as np
import torch
data = [[1, 2], [3, 4]]
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
out = (x_np, x_np.dtype)
""",
    "ones_like_and_rand_like": """
import torch
x_data = torch.tensor([[1, 2], [3, 4]])
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
out = (x_ones, x_rand.shape, x_rand.dtype, bool(((x_rand >= 0) & (x_rand < 1)).all()))
""",
    "factories_from_shape_tuple": """
import torch
shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
out = (rand_tensor.shape, ones_tensor, zeros_tensor)
""",
    "tensor_attributes": """
import torch
tensor = torch.rand(3, 4)
out = (tensor.shape, tensor.dtype, str(tensor.device))
""",
    "indexing_and_slicing": """
import numpy as np
import torch
tensor = torch.tensor(np.arange(16.0, dtype=np.float32).reshape(4, 4))
out = (tensor[0], tensor[:, 0], tensor[..., -1], tensor[1:3, ::2])
""",
    "cat_along_dim1": """
import torch
tensor = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
t1 = torch.cat([tensor, tensor, tensor], dim=1)
out = (t1, torch.cat((tensor, tensor)).shape)
""",
    "matrix_multiplication_three_ways": """
import numpy as np
import torch
tensor = torch.tensor(np.random.default_rng(0).standard_normal((4, 3)), dtype=torch.float32)
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.matmul(tensor, tensor.T)
out = (y1, y2, y3)
""",
    "elementwise_product": """
import torch
tensor = torch.tensor([[1.0, -2.0], [3.0, 0.5]])
z1 = tensor * tensor
z2 = tensor.mul(tensor)
out = (z1, z2)
""",
    "single_element_item": """
import torch
tensor = torch.tensor([[1.0, 2.0], [3.0, 4.5]])
agg = tensor.sum()
agg_item = agg.item()
out = (agg, agg_item, type(agg_item).__name__)
""",
    "tensor_to_numpy": """
import torch
t = torch.ones(5)
n = t.numpy()
out = (n, n.dtype.name)
""",
    "from_numpy_shares_memory": """
import numpy as np
import torch
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
out = t
""",
    "zeros_and_ones_with_dtype": """
import torch
out = (torch.zeros(2, 3, dtype=torch.int64), torch.ones(3, dtype=torch.float64),
       torch.zeros([2]), torch.ones(2, 2).dtype)
""",
    "arange": """
import torch
out = (torch.arange(5), torch.arange(1, 4), torch.arange(0, 1, 0.25), torch.arange(5.0))
""",
    "linspace_eye_full": """
import torch
out = (torch.linspace(-1, 1, steps=5), torch.eye(3), torch.eye(2, 3),
       torch.full((2, 2), 7.0), torch.full((2,), 3))
""",
    "empty_and_full_like": """
import torch
x = torch.tensor([[1.5, 2.5]])
out = (torch.empty(2, 3).shape, torch.full_like(x, 4.0), torch.zeros_like(x),
       torch.empty_like(x).shape)
""",
    "stack_two_ways": """
import torch
a = torch.tensor([1.0, 2.0, 3.0])
b = torch.tensor([4.0, 5.0, 6.0])
out = (torch.stack([a, b]), torch.stack([a, b], dim=1), torch.stack((a, b), dim=0).shape)
""",
    "where_relu_by_hand": """
import torch
x = torch.tensor([[-1.0, 2.0], [3.0, -4.0]])
out = torch.where(x > 0, x, torch.zeros_like(x))
""",
    "sum_with_dim_and_keepdim": """
import torch
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
out = (x.sum(dim=0), x.sum(dim=1, keepdim=True), torch.sum(x, dim=1), x.sum(1), x.sum())
""",
    "mean_max_argmax": """
import torch
x = torch.tensor([[1.0, 9.0, 3.0], [7.0, 5.0, 6.0]])
out = (x.mean(dim=0), x.mean(), x.max(), torch.max(x), x.argmax(dim=1), torch.argmax(x, dim=1),
       x.argmax(1), x.argmax())
""",
    "view_reshape_unsqueeze": """
import torch
x = torch.arange(6.0)
out = (x.view(3, 2), x.view(-1, 3), x.reshape(1, 6), x.unsqueeze(0).shape,
       x.unsqueeze(dim=1).shape, x.view(1, 6, 1).squeeze().shape, x.view(1, 6).squeeze(0).shape)
""",
    "size_dim_numel": """
import torch
x = torch.zeros(2, 3, 4)
out = (x.size(), x.size(1), x.size(-1), x.dim(), x.numel(), len(x), x.ndim)
""",
    "tolist_and_item": """
import torch
x = torch.tensor([[1.0, 2.5], [3.0, 4.0]])
out = (x.tolist(), x[1, 0].item(), torch.tensor([7]).item())
""",
    "dtype_conversions": """
import torch
x = torch.tensor([1, 2, 3])
out = (x.float().dtype, x.double().dtype, x.float().long().dtype, x.to(torch.float64).dtype,
       x.type(torch.float32), x.dtype == torch.int64, torch.tensor([1.5]).dtype == torch.float32)
""",
    "elementwise_math": """
import torch
x = torch.tensor([0.5, 1.0, 2.0])
out = (torch.exp(x), x.exp(), torch.log(x), x.log(), torch.sqrt(x), x.sqrt(), torch.tanh(x),
       torch.sigmoid(x), x.abs(), torch.abs(-x))
""",
    "comparison_to_float": """
import torch
a = torch.tensor([1, 2, 3, 4])
b = torch.tensor([1, 0, 3, 0])
out = ((a == b).sum().item(), (a == b).type(torch.float), (a > 2).float().mean())
""",
    "clamp": """
import torch
x = torch.tensor([-2.0, -0.25, 0.5, 3.0])
out = (x.clamp(min=0), torch.clamp(x, -0.5, 0.5), x.clamp(max=1.0))
""",
    "manual_seed_reproduces": """
import torch
torch.manual_seed(0)
a = torch.randn(2, 3)
torch.manual_seed(0)
b = torch.randn(2, 3)
c = torch.rand(4)
out = (a.shape, bool((a == b).all()), c.shape, c.dtype)
""",
    "randint_bounds": """
import torch
t = torch.randint(0, 10, (3, 4))
u = torch.randint(5, (6,))
out = (t.shape, t.dtype, bool(((t >= 0) & (t < 10)).all()), bool((u < 5).all()), u.dtype)
""",
    "transpose_T_and_t": """
import torch
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
out = (x.T, x.t(), x.transpose(0, 1))
""",
    "broadcasting_arithmetic": """
import torch
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
out = (x + torch.tensor([1.0, 2.0, 3.0]), x * 2, x / 2, 1 - x, x ** 2, x.pow(3), 2 * x - 1,
       x.add(1), x.sub(x), x.div(2.0))
""",
    "int_and_float_promotion": """
import torch
i = torch.tensor([1, 2, 3])
f = torch.tensor([0.5, 0.5, 0.5])
out = (i * f, (i * f).dtype, i + 1, (i + 1).dtype)
""",
    "shape_functions": """
import torch
x = torch.arange(6.0).view(2, 3)
out = (torch.unsqueeze(x, 0).shape, torch.unsqueeze(x, dim=-1).shape,
       torch.squeeze(torch.zeros(1, 3, 1)).shape, torch.flatten(torch.zeros(2, 3, 4), 1).shape,
       torch.reshape(x, (3, 2)), torch.cat([x, x], 0).shape)
""",
    "var_and_std_as_pytorch_computes_them": """
import torch
x = torch.tensor([[0.0, 1.0, 2.0], [3.0, 5.0, 8.0]])
out = (x.var(), x.var(dim=1), x.var(0, keepdim=True), x.var(dim=1, unbiased=False),
       x.var(dim=1, correction=0), torch.var(x, 1), x.std(), x.std(dim=0), torch.std(x, 1, False))
""",
    "format_a_scalar_tensor_and_relu_in_place": """
import torch
from torch import nn
import torch.nn.functional as F
loss = torch.tensor(0.123456)
x = torch.tensor([-1.0, 2.0, -3.0])
y = nn.ReLU(inplace=True)(x)
z = torch.tensor([-1.0, 4.0])
F.leaky_relu(z, 0.5, inplace=True)
out = (f"{loss:.3f} {loss:>8.2e}", x, y, z, repr(nn.ReLU(inplace=True)), repr(nn.ReLU()))
""",
    "norms_extremes_tests_and_roundings": """
import torch
x = torch.tensor([[3.0, -4.0], [0.0, 0.0]], requires_grad=True)
n = x.norm(dim=1)
(n * torch.tensor([1.0, 2.0])).sum().backward()
y = torch.tensor([[1.0, 5.0], [7.0, float("nan")]])
z = torch.tensor([[1.26, -2.5], [7.0, 3.0]])
out = (n, x.grad, torch.norm(x), x.norm(1), x.norm(float("inf")), z.amax(), z.amax(1),
       z.amin(0, keepdim=True), torch.amax(z, dim=(0, 1)), y.isnan(), torch.isnan(y),
       y.isfinite(), z.round(), torch.round(z, decimals=1), z.floor(), z.ceil(), z.sign(),
       z // 2, 7.0 // z, z.masked_fill(z > 2, 0.0), torch.allclose(z, z + 1e-9),
       torch.equal(z, z.clone()), torch.as_tensor(z) is z)
""",
    "grad_switches_and_permutations": """
import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.set_grad_enabled(False):
    a = w * 2
with torch.inference_mode():
    b = w * 2
torch.set_grad_enabled(False)
c = w * 2
torch.set_grad_enabled(True)
d = w * 2
p = torch.randperm(6)
out = (a.requires_grad, b.requires_grad, c.requires_grad, d.requires_grad,
       sorted(p.tolist()), p.dtype)
""",
    "an_index_past_the_end_is_an_index_error": """
import torch
x = torch.tensor([1.0, 2.0])
try:
    x[5]
    caught = "no error"
except IndexError:
    caught = "IndexError"
out = (caught,)
""",
}


@pytest.mark.parametrize("source", CASES.values(), ids=CASES.keys())
def test_case(source, compare):
    compare(source)
