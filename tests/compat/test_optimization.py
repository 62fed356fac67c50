"""Corpus: "Optimizing model parameters": losses, optimizers, the train and test loops over a
DataLoader, clipping and schedules, with weights and data from NumPy."""

import pytest

pytestmark = pytest.mark.torch

# A small classifier, its weights from NumPy, and a data set made by NumPy.
SETUP = """
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
features = torch.tensor(rng.standard_normal((40, 5)), dtype=torch.float32)
labels = torch.tensor(rng.integers(0, 3, 40))
dataset = TensorDataset(features, labels)

class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_relu_stack = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))

    def forward(self, x):
        return self.linear_relu_stack(x)

model = NeuralNetwork()
model.load_state_dict({name: torch.tensor(rng.uniform(-0.4, 0.4, tuple(v.shape)),
                                          dtype=torch.float32)
                       for name, v in model.state_dict().items()})
"""

TRAIN_LOOP = """
def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    losses = []
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        loss, current = loss.item(), batch * 10 + len(X)
        losses.append((loss, current, size))
    return losses

def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    return test_loss / num_batches, correct / size
"""

CASES = {
    "train_and_test_loop_sgd": SETUP
    + TRAIN_LOOP
    + """
learning_rate = 1e-1
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
train_dataloader = DataLoader(dataset, batch_size=10)
history = []
for t in range(3):
    history.append(train_loop(train_dataloader, model, loss_fn, optimizer))
    history.append(test_loop(train_dataloader, model, loss_fn))
out = (history, model.state_dict())
""",
    "train_loop_adam": SETUP
    + TRAIN_LOOP
    + """
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = train_loop(DataLoader(dataset, batch_size=10), model, nn.CrossEntropyLoss(), optimizer)
out = (losses, [p for p in model.parameters()])
""",
    "sgd_momentum_weight_decay": SETUP
    + """
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(4):
    for X, y in DataLoader(dataset, batch_size=20):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
out = (loss, list(model.parameters()))
""",
    "rmsprop_and_adamw": SETUP
    + """
results = []
for make in (lambda ps: torch.optim.RMSprop(ps, lr=1e-2),
             lambda ps: torch.optim.AdamW(ps, lr=1e-2, weight_decay=0.1)):
    net = NeuralNetwork()
    net.load_state_dict(model.state_dict())
    opt = make(net.parameters())
    for _ in range(3):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(features), labels)
        loss.backward()
        opt.step()
    results.append(loss.item())
out = results
""",
    "zero_grad_sets_none": SETUP
    + """
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
nn.CrossEntropyLoss()(model(features), labels).backward()
had = all(p.grad is not None for p in model.parameters())
optimizer.zero_grad()
out = (had, all(p.grad is None for p in model.parameters()))
""",
    "model_zero_grad": SETUP
    + """
nn.CrossEntropyLoss()(model(features), labels).backward()
model.zero_grad()
out = all(p.grad is None for p in model.parameters())
""",
    "param_groups_learning_rate": SETUP
    + """
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
before = optimizer.param_groups[0]["lr"]
for group in optimizer.param_groups:
    group["lr"] = 0.01
out = (before, optimizer.param_groups[0]["lr"], len(optimizer.param_groups))
""",
    "step_lr_schedule": SETUP
    + """
optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
rates = []
for epoch in range(5):
    optimizer.step()
    scheduler.step()
    rates.append(scheduler.get_last_lr()[0])
out = rates
""",
    "clip_grad_norm": SETUP
    + """
loss = nn.CrossEntropyLoss()(model(features), labels) * 100
loss.backward()
total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
after = sum(float((p.grad ** 2).sum()) for p in model.parameters()) ** 0.5
out = (float(total), after < 1.0 + 1e-4, [p.grad for p in model.parameters()])
""",
    "clip_grad_value": SETUP
    + """
(nn.CrossEntropyLoss()(model(features), labels) * 100).backward()
torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
out = [p.grad for p in model.parameters()]
""",
    "loss_modules": """
import torch
from torch import nn
logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]], requires_grad=True)
target = torch.tensor([0, 2])
ce = nn.CrossEntropyLoss()(logits, target)
nll = nn.NLLLoss()(nn.LogSoftmax(dim=1)(logits), target)
mse = nn.MSELoss()(logits, torch.zeros(2, 3))
bce = nn.BCEWithLogitsLoss()(logits, torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]))
(ce + nll + mse + bce).backward()
out = (ce, nll, mse, bce, logits.grad)
""",
    "functional_losses_with_reduction": """
import torch
import torch.nn.functional as F
logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
target = torch.tensor([0, 2])
out = (F.cross_entropy(logits, target, reduction="sum"),
       F.cross_entropy(logits, target, reduction="none"),
       F.nll_loss(F.log_softmax(logits, dim=1), target),
       F.nll_loss(F.log_softmax(logits, dim=1), target, reduction="none"),
       F.mse_loss(logits, torch.ones(2, 3), reduction="sum"),
       F.binary_cross_entropy_with_logits(logits, torch.ones(2, 3), reduction="none"))
""",
    "nll_loss_weights_and_ignore_index": """
import torch
from torch import nn
log_probs = torch.log_softmax(torch.tensor([[1.0, 2.0, 0.5], [0.3, 0.1, 2.0],
                                            [1.0, 1.0, 1.0]]), dim=1)
target = torch.tensor([1, 2, 0])
weighted = nn.NLLLoss(weight=torch.tensor([1.0, 2.0, 0.5]))(log_probs, target)
ignoring = nn.NLLLoss(ignore_index=2)(log_probs, target)
out = (weighted, ignoring)
""",
    "functional_activations": """
import numpy as np
import torch
import torch.nn.functional as F
x = torch.tensor(np.linspace(-2, 2, 6).reshape(2, 3), dtype=torch.float32)
out = (F.relu(x), F.sigmoid(x), F.tanh(x), F.gelu(x), F.softmax(x, dim=1),
       F.log_softmax(x, dim=-1), F.leaky_relu(x, 0.2), F.elu(x), F.softplus(x),
       F.dropout(x, p=0.5, training=False))
""",
    "functional_linear": """
import torch
import torch.nn.functional as F
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
w = torch.tensor([[0.5, -1.0], [2.0, 0.0], [1.0, 1.0]])
b = torch.tensor([0.1, 0.2, 0.3])
out = (F.linear(x, w, b), F.linear(x, w))
""",
    "dataloader_batches": SETUP
    + """
loader = DataLoader(dataset, batch_size=16)
shapes = [(X.shape, y.shape, y.dtype) for X, y in loader]
dropped = DataLoader(dataset, batch_size=16, drop_last=True)
out = (len(loader), shapes, len(dropped), len(list(dropped)), len(dataset))
""",
    "dataloader_shuffle_covers_all": SETUP
    + """
torch.manual_seed(0)
loader = DataLoader(dataset, batch_size=8, shuffle=True)
seen = torch.cat([y for _, y in loader])
firsts = torch.cat([X[:, 0] for X, _ in loader])
out = (seen.shape, sorted(firsts.tolist()) == sorted(features[:, 0].tolist()))
""",
    "tensordataset_indexing": SETUP
    + """
x0, y0 = dataset[0]
xs, ys = dataset[2:5]
out = (x0, y0, xs, ys, len(dataset))
""",
    "custom_dataset_with_default_collate": """
import torch
from torch.utils.data import Dataset, DataLoader

class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        x = torch.tensor([float(idx)])
        return x, idx * idx

loader = DataLoader(Squares(5), batch_size=2)
out = [(xb, yb) for xb, yb in loader]
""",
    "reduce_lr_on_plateau": """
import torch
w = torch.tensor([1.0], requires_grad=True)
v = torch.tensor([2.0], requires_grad=True)
opt = torch.optim.SGD([{"params": [w]}, {"params": [v], "lr": 0.05}], lr=1.0)
sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1,
                                                   min_lr=[0.1, 0.0], threshold=0.01)
losses = [5.0, 4.0, 3.99, 3.98, 3.97, 3.0, 3.0, 3.0, 3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]
rates = []
for loss in losses:
    sched.step(torch.tensor(loss))
    rates.append(sched.get_last_lr())
up = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", threshold_mode="abs",
                                                threshold=0.5, patience=0)
for acc in [0.1, 0.5, 0.55, 0.7, 1.2]:
    up.step(acc)
out = (rates, up.get_last_lr(), sched.num_bad_epochs, sched.best)
""",
}


@pytest.mark.parametrize("source", CASES.values(), ids=CASES.keys())
def test_case(source, compare):
    compare(source)
