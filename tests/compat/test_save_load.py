"""Corpus: "Save and load the model": state dicts through torch.save / torch.load (each library
writing and reading its own file), load_state_dict, and saving tensors and dicts."""

import pytest

pytestmark = pytest.mark.torch

MODEL = """
import numpy as np
import torch
from torch import nn

def make_model():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))

rng = np.random.default_rng(0)
model = make_model()
model.load_state_dict({name: torch.tensor(rng.standard_normal(tuple(v.shape)), dtype=torch.float32)
                       for name, v in model.state_dict().items()})
X = torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32)
"""

CASES = {
    "save_and_load_state_dict": MODEL
    + """
torch.save(model.state_dict(), "model_weights.pth")
model2 = make_model()
model2.load_state_dict(torch.load("model_weights.pth", weights_only=True))
model2.eval()
out = (model2(X), model(X))
""",
    "state_dict_values_are_tensors": MODEL
    + """
state = model.state_dict()
out = (list(state), [isinstance(v, torch.Tensor) for v in state.values()],
       [v.requires_grad for v in state.values()], state["0.bias"])
""",
    "save_and_load_one_tensor": """
import torch
t = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
torch.save(t, "tensor.pt")
out = torch.load("tensor.pt")
""",
    "save_and_load_dict_of_tensors": """
import torch
checkpoint = {"weights": torch.tensor([0.5, -0.5]), "steps": torch.tensor([3, 4])}
torch.save(checkpoint, "checkpoint.pt")
loaded = torch.load("checkpoint.pt")
out = (sorted(loaded), loaded["weights"], loaded["steps"])
""",
    "save_and_load_checkpoint_with_epoch": MODEL
    + """
torch.save({"epoch": 5, "model_state_dict": model.state_dict(), "loss": 0.25}, "ckpt.pt")
checkpoint = torch.load("ckpt.pt", weights_only=True)
restored = make_model()
restored.load_state_dict(checkpoint["model_state_dict"])
out = (checkpoint["epoch"], checkpoint["loss"], restored(X))
""",
    "load_state_dict_not_strict": MODEL
    + """
state = model.state_dict()
del state["2.bias"]
result = model.load_state_dict(state, strict=False)
out = (list(result.missing_keys), list(result.unexpected_keys))
""",
    "state_dict_shares_memory_with_the_model": MODEL
    + """
state = model.state_dict()
snapshot = {name: value.clone() for name, value in state.items()}
state["0.bias"].copy_(torch.ones(4))
with torch.no_grad():
    model[2].weight.mul_(2.0)
out = (model[0].bias, state["2.weight"], snapshot["2.weight"] * 2, model(X))
""",
    "save_a_checkpoint_with_the_optimizer_and_resume": MODEL
    + """
def train_step(model, optimizer):
    optimizer.zero_grad()
    loss = ((model(X) - 1.0) ** 2).mean()
    loss.backward()
    optimizer.step()

optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
train_step(model, optimizer)
torch.save({"epoch": 1, "model": model.state_dict(), "optimizer": optimizer.state_dict()},
           "checkpoint.pth")
train_step(model, optimizer)
checkpoint = torch.load("checkpoint.pth", weights_only=True)
model2 = make_model()
model2.load_state_dict(checkpoint["model"])
optimizer2 = torch.optim.Adam(model2.parameters(), lr=0.5)
optimizer2.load_state_dict(checkpoint["optimizer"])
train_step(model2, optimizer2)
out = (checkpoint["epoch"], model2(X), model(X), optimizer2.param_groups[0]["lr"])
""",
    "copy_weights_between_models": MODEL
    + """
other = make_model()
other.load_state_dict(model.state_dict())
out = (other(X), [p for p in other.parameters()])
""",
}


@pytest.mark.parametrize("source", CASES.values(), ids=CASES.keys())
def test_case(source, compare):
    compare(source)
