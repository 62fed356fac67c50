"""TrainConfig: validation, the learning-rate schedules, the dict round trip."""

from __future__ import annotations

import itertools
import math

import pytest

from chainrule.errors import ConfigError
from chainrule.training import TrainConfig


@pytest.mark.parametrize(
    ("settings", "names"),
    [
        ({"lr": 0.0}, "lr"),
        ({"lr": math.nan}, "lr"),
        ({"layers": (64,)}, "layers"),
        ({"layers": (64, 0, 10)}, "layers"),
        ({"batch_size": 0}, "batch size"),
        ({"epochs": -1}, "epochs"),
        ({"dropout": 1.0, "engine": "autodiff"}, "dropout"),
        ({"activation": "swish"}, "activation"),
        ({"optimizer": "lion"}, "optimizer"),
        ({"schedule": "linear"}, "schedule"),
        ({"lr_min": 5.0}, "lr min"),
        ({"gamma": 0.0}, "gamma"),
        ({"step_size": 0}, "step size"),
        ({"val_size": -1}, "validation size"),
        ({"train_size": 0}, "train size must be at least 1, got 0"),
        ({"test_size": 0}, "test size must be at least 1, got 0"),
        ({"seed": -1}, "seed must be an integer of 0 or more, got -1"),
        ({"seed": 1.5}, "seed must be an integer of 0 or more, got 1.5"),
        ({"optimizer": "adam"}, "needs --engine autodiff"),
        ({"dropout": 0.5}, "needs --engine autodiff"),
    ],
)
def test_bad_settings_name_themselves(settings, names):
    with pytest.raises(ConfigError, match=names):
        TrainConfig(**settings)


def test_classic_engine_takes_schedules_standardization_and_validation():
    config = TrainConfig(schedule="cosine", standardize=True, val_size=10)
    assert config.engine == "classic"


def test_constant_step_and_cosine_rates():
    assert [TrainConfig(lr=0.5).lr_at(e) for e in (1, 30)] == [0.5, 0.5]
    step = TrainConfig(lr=1.0, schedule="step", step_size=3, gamma=0.5)
    assert [step.lr_at(e) for e in range(1, 8)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    cosine = TrainConfig(lr=1.0, lr_min=0.1, epochs=10, schedule="cosine")
    rates = [cosine.lr_at(e) for e in range(1, 11)]
    assert rates[0] == 1.0
    assert all(a > b for a, b in itertools.pairwise(rates))
    assert rates[-1] > 0.1
    assert cosine.lr_at(6) == pytest.approx(0.55)  # half way: the mean of lr and lr_min


def test_cosine_rates_match_torch(torch):
    config = TrainConfig(lr=0.1, lr_min=0.001, epochs=7, schedule="cosine", engine="autodiff")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=config.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=0.001)
    for epoch in range(1, 8):
        assert config.lr_at(epoch) == pytest.approx(sched.get_last_lr()[0], rel=1e-12)
        opt.step()
        sched.step()


def test_dict_round_trip_and_unknown_keys():
    config = TrainConfig(layers=[64, 16, 10], engine="autodiff", optimizer="adam", lr=0.01)
    again = TrainConfig.from_dict(config.to_dict())
    assert again == config
    assert again.layers == (64, 16, 10)
    with pytest.raises(ConfigError, match="unknown training settings: colour"):
        TrainConfig.from_dict({**config.to_dict(), "colour": "red"})


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"layers": (64, 100_000_000_000, 10)}, "parameters"),
        ({"layers": (64, 3_000_000, 10)}, "parameters"),
        ({"epochs": 99999999999999999999999}, "epochs"),
        ({"layers": (64, *[2] * 20_000, 10)}, "20002 sizes, more than the 1000"),
        ({"layers": (64, 1e400, 10)}, "layers"),
        ({"layers": (64, 3.5, 10)}, "layers"),
        ({"epochs": 3.5}, "epochs"),
        ({"data_root": 5}, "data_root"),
        ({"lr": "0.1"}, "lr"),
        ({"standardize": "yes"}, "standardize"),
        ({"batch_size": True}, "batch_size"),
    ],
)
def test_sizes_and_types_are_checked_before_any_work(settings, says):
    with pytest.raises(ConfigError, match=says) as info:
        TrainConfig(**settings)
    assert "\n" not in str(info.value)


def test_the_written_out_names_match_the_classic_networks_tables() -> None:
    # config.py spells them out so that --help needs no NumPy; they must not drift
    from chainrule.classic.activations import ACTIVATIONS as CLASSIC_ACTIVATIONS
    from chainrule.classic.costs import COSTS as CLASSIC_COSTS
    from chainrule.classic.initializers import INITIALIZERS
    from chainrule.training import config

    assert tuple(a for a in CLASSIC_ACTIVATIONS if a != "identity") == config.ACTIVATIONS
    assert tuple(CLASSIC_COSTS) == config.COSTS
    assert tuple(INITIALIZERS) == config.INITS
