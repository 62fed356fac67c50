"""Corpus: "Build the neural network": nn.Module subclasses, Flatten, Linear, ReLU, Sequential,
Softmax, parameters, and nn.init, with random weights handed over from NumPy."""

import pytest

pytestmark = pytest.mark.torch

# The tutorial's network on 4x4 "images" (28x28 in the tutorial; smaller keeps it quick),
# with its weights drawn by NumPy and loaded the way PyTorch code loads weights.
NETWORK = """
import numpy as np
import torch
from torch import nn

class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(4 * 4, 12),
            nn.ReLU(),
            nn.Linear(12, 12),
            nn.ReLU(),
            nn.Linear(12, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

def numpy_weights(model, seed=0):
    rng = np.random.default_rng(seed)
    state = {name: torch.tensor(rng.uniform(-0.5, 0.5, tuple(value.shape)), dtype=torch.float32)
             for name, value in model.state_dict().items()}
    model.load_state_dict(state)
    return model

model = numpy_weights(NeuralNetwork())
X = torch.tensor(np.random.default_rng(1).random((3, 4, 4)), dtype=torch.float32)
"""

CASES = {
    "network_logits_and_prediction": NETWORK
    + """
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
out = (logits, pred_probab, y_pred)
""",
    "named_parameters_sizes": NETWORK
    + """
out = [(name, param.size(), param.requires_grad) for name, param in model.named_parameters()]
""",
    "parameter_rows": NETWORK
    + """
out = [param[:2] for name, param in model.named_parameters() if name.endswith("bias")]
""",
    "flatten_layer": """
import torch
from torch import nn
input_image = torch.rand(3, 28, 28)
flatten = nn.Flatten()
flat_image = flatten(input_image)
out = flat_image.size()
""",
    "linear_layer_shape": """
import torch
from torch import nn
flat_image = torch.rand(3, 28 * 28)
layer1 = nn.Linear(in_features=28 * 28, out_features=20)
hidden1 = layer1(flat_image)
out = (hidden1.size(), layer1.weight.shape, layer1.bias.shape)
""",
    "relu_layer": """
import torch
from torch import nn
hidden1 = torch.tensor([[-0.5, 0.2, 0.0], [1.5, -2.0, 3.0]])
out = nn.ReLU()(hidden1)
""",
    "sequential_with_softmax": NETWORK
    + """
seq_modules = nn.Sequential(model.flatten, model.linear_relu_stack, nn.Softmax(dim=1))
probs = seq_modules(X)
out = (probs, probs.sum(dim=1))
""",
    "parameter_count": NETWORK
    + """
out = (len(list(model.parameters())), sum(p.numel() for p in model.parameters()))
""",
    "train_and_eval_flags": NETWORK
    + """
flags = [model.training]
model.eval()
flags.append(model.training)
flags.append(model.linear_relu_stack[0].training)
model.train()
flags.append(model.linear_relu_stack[0].training)
out = flags
""",
    "linear_without_bias": """
import torch
from torch import nn
layer = nn.Linear(3, 2, bias=False)
out = (layer.bias is None, len(list(layer.parameters())))
""",
    "activation_modules": """
import numpy as np
import torch
from torch import nn
x = torch.tensor(np.linspace(-3, 3, 9), dtype=torch.float32)
out = (nn.Tanh()(x), nn.Sigmoid()(x), nn.GELU()(x), nn.LeakyReLU(0.1)(x), nn.ELU()(x),
       nn.Softplus()(x), nn.LogSoftmax(dim=0)(x))
""",
    "module_list": """
import torch
from torch import nn
layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
out = (len(layers), len(list(layers.parameters())))
""",
    "dropout_in_eval_is_identity": """
import torch
from torch import nn
drop = nn.Dropout(p=0.5)
drop.eval()
x = torch.tensor([[1.0, 2.0, 3.0]])
y = drop(x)
drop.train()
z = drop(torch.ones(1000))
out = (y, bool(((z == 0) | (z == 2)).all()))
""",
    "init_constant_and_zeros": """
import torch
from torch import nn
layer = nn.Linear(3, 2)
nn.init.constant_(layer.weight, 0.5)
nn.init.zeros_(layer.bias)
out = (layer(torch.tensor([[1.0, 2.0, 3.0]])), layer.weight)
""",
    "init_ones_and_normal_shapes": """
import torch
from torch import nn
w = torch.empty(3, 5)
nn.init.ones_(w)
v = torch.empty(200, 100)
nn.init.normal_(v, mean=0.0, std=0.01)
out = (w, v.shape, bool(v.abs().max() < 0.1))
""",
    "init_xavier_and_kaiming_bounds": """
import math
import torch
from torch import nn
w = torch.empty(30, 50)
nn.init.xavier_uniform_(w)
bound = math.sqrt(6 / (30 + 50))
k = torch.empty(30, 50)
nn.init.kaiming_uniform_(k, nonlinearity="relu")
kbound = math.sqrt(2) * math.sqrt(3 / 50)
u = torch.empty(1000)
nn.init.uniform_(u, -2.0, 2.0)
out = (bool((w.abs() <= bound).all()), bool((k.abs() <= kbound).all()), w.shape,
       bool((u >= -2).all()), bool((u <= 2).all()))
""",
    "init_normal_variants_spread": """
import torch
from torch import nn
w = torch.empty(400, 400)
nn.init.xavier_normal_(w)
k = torch.empty(400, 400)
nn.init.kaiming_normal_(k, mode="fan_out", nonlinearity="relu")
out = (round(float(w.std()) * 100) / 100, round(float(k.std()) * 100) / 100)
""",
    "init_applied_with_apply": """
import torch
from torch import nn
def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.1)
        nn.init.zeros_(m.bias)
net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
net.apply(init_weights)
out = net(torch.tensor([[1.0, -1.0], [2.0, 3.0]]))
""",
    "parameter_is_a_tensor": """
import torch
from torch import nn
p = nn.Parameter(torch.tensor([1.0, 2.0]))
out = (isinstance(p, torch.Tensor), p.requires_grad, p * 2)
""",
    "named_children": NETWORK
    + """
out = [name for name, _ in model.named_children()]
""",
    "device_agnostic_setup": NETWORK
    + """
device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
model = model.to(device)
X = torch.rand(1, 4, 4, device=device)
logits = model(X)
out = (device, logits.shape, str(X.device), str(logits.device))
""",
    "cuda_check_and_device_argument": """
import torch
device = "cuda" if torch.cuda.is_available() else "cpu"
x = torch.tensor([[1.0, 2.0]], device=device)
y = torch.zeros(2, 3, device=device)
out = (device, x, y, torch.ones_like(x, device=device))
""",
    "dropout_in_place_and_its_repr": """
import torch
from torch import nn
import torch.nn.functional as F
x = torch.tensor([1.0, 2.0, 3.0])
y = nn.Dropout(1.0, True)(x)
z = torch.tensor([4.0, 5.0])
F.dropout(z, p=1.0, training=True, inplace=True)
w = torch.tensor([6.0])
kept = F.dropout(w, p=1.0, training=False, inplace=True)
out = (x, y, z, kept, repr(nn.Dropout(0.25)), repr(nn.Dropout(0.5, inplace=True)))
""",
}


@pytest.mark.parametrize("source", CASES.values(), ids=CASES.keys())
def test_case(source, compare):
    compare(source)
