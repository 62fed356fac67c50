"""Learning-rate schedules against PyTorch's, by hand, and resumed from a state dict."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim
from chainrule.errors import ConfigError
from chainrule.optim import lr_scheduler

SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 5}),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}),
]


def make_optimizer(lrs=(0.1, 0.02)):
    return optim.SGD(
        [{"params": [nn.Parameter(np.ones(1))], "lr": lr} for lr in lrs], lr=lrs[0], momentum=0.9
    )


@pytest.mark.torch
@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=str)
def test_matches_torch(torch, name, kwargs):
    ours_opt = make_optimizer()
    theirs_opt = torch.optim.SGD(
        [{"params": [torch.nn.Parameter(torch.ones(1))], "lr": lr} for lr in (0.1, 0.02)],
        lr=0.1,
        momentum=0.9,
    )
    ours = getattr(lr_scheduler, name)(ours_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    assert ours.get_last_lr() == theirs.get_last_lr()
    for epoch in range(13):  # past T_max, where the cosine climbs back
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        np.testing.assert_allclose(
            ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-14, err_msg=f"epoch {epoch + 1}"
        )
        assert [g["lr"] for g in ours_opt.param_groups] == ours.get_last_lr()


RESUMED = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}, 5),  # 5 + 1 is a multiple: gamma at once
    ("StepLR", {"step_size": 3, "gamma": 0.5}, 3),
    ("StepLR", {"step_size": 1, "gamma": 0.5}, 0),
    ("ExponentialLR", {"gamma": 0.9}, 4),
    ("CosineAnnealingLR", {"T_max": 5}, 2),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}, 6),
]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "kwargs", "last_epoch"), RESUMED, ids=str)
def test_resumed_matches_torch(torch, name, kwargs, last_epoch):
    groups = [{"lr": 0.05, "initial_lr": 0.1}, {"lr": 0.01, "initial_lr": 0.02}]
    ours_opt = optim.SGD(
        [{"params": [nn.Parameter(np.ones(1))], **g} for g in groups], lr=0.1, momentum=0.9
    )
    theirs_opt = torch.optim.SGD(
        [{"params": [torch.nn.Parameter(torch.ones(1))], **g} for g in groups],
        lr=0.1,
        momentum=0.9,
    )
    ours = getattr(lr_scheduler, name)(ours_opt, last_epoch=last_epoch, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, last_epoch=last_epoch, **kwargs)
    assert ours.last_epoch == theirs.last_epoch == last_epoch + 1
    assert ours.get_last_lr() == theirs.get_last_lr()
    for epoch in range(8):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        np.testing.assert_allclose(
            ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-14, err_msg=f"step {epoch + 1}"
        )


def test_step_lr_resumed_on_a_multiple():
    opt = optim.SGD([{"params": [nn.Parameter(np.ones(1))], "lr": 0.4, "initial_lr": 1.0}], lr=1)
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5, last_epoch=5)
    assert sched.get_last_lr() == [0.2]  # epoch 6: gamma applied by the constructor's step
    sched.step()
    assert sched.get_last_lr() == [0.2]


def test_by_hand():
    opt = make_optimizer((1.0,))
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.2)
    rates = [sched.get_last_lr()[0]]
    for _ in range(4):
        sched.step()
        rates.append(sched.get_last_lr()[0])
    expected = [0.2 + 0.8 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)]
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    opt = make_optimizer((1.0,))
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    rates = []
    for _ in range(5):
        sched.step()
        rates.append(sched.get_last_lr()[0])
    np.testing.assert_allclose(rates, [1.0, 0.1, 0.1, 0.01, 0.01])


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=str)
def test_state_dict_resumes(name, kwargs):
    opt = make_optimizer()
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    for _ in range(4):
        sched.step()
    saved_opt = opt.state_dict()
    saved = json.loads(json.dumps(sched.state_dict()))
    expected = []
    for _ in range(5):
        sched.step()
        expected.append(sched.get_last_lr())
    opt2 = make_optimizer()
    opt2.load_state_dict(saved_opt)
    sched2 = getattr(lr_scheduler, name)(opt2, **kwargs)
    sched2.load_state_dict(saved)
    resumed = []
    for _ in range(5):
        sched2.step()
        resumed.append(sched2.get_last_lr())
    assert resumed == expected


def test_bad_settings():
    opt = make_optimizer()
    with pytest.raises(ConfigError, match="step_size must be a positive int, got 0"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ConfigError, match="gamma must be a positive number"):
        lr_scheduler.ExponentialLR(opt, gamma=-0.5)
    with pytest.raises(ConfigError, match="T_max"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=2.5)
    with pytest.raises(ConfigError, match="eta_min"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=2, eta_min=-1)
    with pytest.raises(ConfigError, match="needs an Optimizer"):
        lr_scheduler.StepLR("sgd", step_size=1)
    with pytest.raises(ConfigError, match="initial_lr"):
        lr_scheduler.StepLR(make_optimizer(), step_size=1, last_epoch=3)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"factor": 1.0}, "factor"),
        ({"mode": "lowest"}, "mode"),
        ({"threshold_mode": "relative"}, "threshold_mode"),
        ({"min_lr": [0.1, 0.2]}, "2 min_lr values for 1 param groups"),
    ],
)
def test_reduce_on_plateau_refuses_bad_settings(kwargs, words):
    opt = optim.SGD([cr.tensor([1.0], requires_grad=True)], lr=1.0)
    with pytest.raises(ConfigError, match=words):
        optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)


def test_reduce_on_plateau_resumes_from_its_state_dict():
    def scheduler():
        opt = optim.SGD([cr.tensor([1.0], requires_grad=True)], lr=1.0)
        return optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)

    first, second = scheduler(), scheduler()
    for loss in [3.0, 3.0, 3.0]:
        first.step(loss)
    second.load_state_dict(first.state_dict())
    second.optimizer.param_groups[0]["lr"] = first.optimizer.param_groups[0]["lr"]
    for loss in [3.0, 3.0]:
        first.step(loss)
        second.step(loss)
    assert first.get_last_lr() == second.get_last_lr() == [0.25]
