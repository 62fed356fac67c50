"""Corpus: "What is torch.nn really?": logistic regression from scratch, then refactored step
by step with F.cross_entropy, nn.Module, nn.Parameter, nn.Linear, optim, TensorDataset and
DataLoader. MNIST is replaced by a small NumPy data set of 16 features and 10 classes."""

import pytest

pytestmark = pytest.mark.torch

DATA = """
import math
import numpy as np
import torch

rng = np.random.default_rng(0)
x_train, y_train = rng.random((64, 16), dtype=np.float32), rng.integers(0, 10, 64)
x_valid, y_valid = rng.random((32, 16), dtype=np.float32), rng.integers(0, 10, 32)
x_train, y_train, x_valid, y_valid = map(torch.tensor, (x_train, y_train, x_valid, y_valid))
n, c = x_train.shape
start_weights = rng.standard_normal((16, 10)).astype(np.float32)
bs = 16  # batch size
lr = 0.5  # learning rate
epochs = 2  # how many epochs to train for
"""

FROM_SCRATCH = (
    DATA
    + """
weights = torch.tensor(start_weights) / math.sqrt(16)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)

def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)

def model(xb):
    return log_softmax(xb @ weights + bias)

def nll(input, target):
    return -input[range(target.shape[0]), target].mean()

def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()

loss_func = nll
xb = x_train[0:bs]  # a mini-batch from x
yb = y_train[0:bs]
preds = model(xb)  # predictions
"""
)

MODULE_VERSION = (
    DATA
    + """
from torch import nn, optim
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

loss_func = F.cross_entropy

class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(16, 10)

    def forward(self, xb):
        return self.lin(xb)

def get_model():
    model = Mnist_Logistic()
    model.load_state_dict({"lin.weight": torch.tensor(start_weights.T / 4),
                           "lin.bias": torch.zeros(10)})
    return model, optim.SGD(model.parameters(), lr=lr)

def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)

def get_data(train_ds, valid_ds, bs):
    return (DataLoader(train_ds, batch_size=bs), DataLoader(valid_ds, batch_size=bs * 2))

def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    history = []
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        history.append((epoch, float(val_loss)))
    return history

train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)
"""
)

CASES = {
    "data_as_tensors": DATA
    + """
out = (x_train.shape, x_train.dtype, y_train.dtype, y_train.min(), y_train.max(), n, c)
""",
    "scratch_predictions_and_loss": FROM_SCRATCH
    + """
out = (preds[0], preds.shape, loss_func(preds, yb), accuracy(preds, yb))
""",
    "scratch_backward": FROM_SCRATCH
    + """
loss = loss_func(preds, yb)
loss.backward()
out = (weights.grad, bias.grad)
""",
    "scratch_nll_matches_cross_entropy": FROM_SCRATCH
    + """
import torch.nn.functional as F
out = (F.cross_entropy(xb @ weights + bias, yb), loss_func(model(xb), yb))
""",
    "parameters_in_a_module": DATA
    + """
from torch import nn
import torch.nn.functional as F

class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.tensor(start_weights) / math.sqrt(16))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias

model = Mnist_Logistic()
loss = F.cross_entropy(model(x_train[0:bs]), y_train[0:bs])
loss.backward()
out = (loss, model.weights.grad, model.bias.grad, [name for name, _ in model.named_parameters()])
""",
    "linear_module_with_optimizer": MODULE_VERSION
    + """
model, opt = get_model()
before = loss_func(model(x_train[0:bs]), y_train[0:bs])
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
out = (before, loss_func(model(x_train[0:bs]), y_train[0:bs]), model.lin.weight)
""",
    "tensor_dataset_slices": MODULE_VERSION
    + """
model, opt = get_model()
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb, yb = train_ds[i * bs: i * bs + bs]
        pred = model(xb)
        loss = loss_func(pred, yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
out = (loss, model.lin.bias)
""",
    "fit_with_dataloaders": MODULE_VERSION
    + """
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
model, opt = get_model()
history = fit(epochs, model, loss_func, opt, train_dl, valid_dl)
out = (history, model.lin.weight, len(train_dl), len(valid_dl))
""",
    "sequential_with_lambda": DATA
    + """
from torch import nn
import torch.nn.functional as F

class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)

model = nn.Sequential(Lambda(lambda x: x.view(-1, 16)), nn.Linear(16, 10), nn.ReLU(),
                      Lambda(lambda x: x.view(x.size(0), -1)))
model[1].load_state_dict({"weight": torch.tensor(start_weights.T), "bias": torch.ones(10)})
out = (model(x_train[:4]), F.cross_entropy(model(x_train[:4]), y_train[:4]))
""",
    "accuracy_after_training": MODULE_VERSION
    + """
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
model, opt = get_model()
fit(3, model, loss_func, opt, train_dl, valid_dl)
preds = torch.argmax(model(x_valid), dim=1)
out = (preds, (preds == y_valid).float().mean())
""",
}


@pytest.mark.parametrize("source", CASES.values(), ids=CASES.keys())
def test_case(source, compare):
    compare(source)
