"""The data of a run: the data set a config names, checked against the network, and its splits
into training, validation and test parts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainrule.data import Dataset, check_features, load, train_test_split
from chainrule.errors import DataError
from chainrule.i18n import _
from chainrule.training.config import TrainConfig


def load_data(config: TrainConfig) -> Dataset:
    """The data set a config names, checked against the network's input and output sizes."""
    data = load(
        config.data,
        root=config.data_root,
        train_size=config.train_size,
        test_size=config.test_size,
        seed=config.seed,
    )
    check_data(config, data)
    return data


def check_data(config: TrainConfig, data: Dataset, *, saved_model: bool = False) -> None:
    """Raise DataError (naming the data set and the fix) unless ``data`` fits the network of
    ``config``: its input width, its number of classes and finite, well-shaped arrays.

    Before training the fix is a different ``--layers``; for a ``saved_model`` (evaluate,
    predict) the layers are fixed, so the message names the model's sizes instead.
    """
    if data.n_features != config.n_features:
        if saved_model:
            raise DataError(
                _("the model's first layer takes {takes} features but {name} has {has}").format(
                    takes=config.n_features, name=data.name, has=data.n_features
                )
            )
        raise DataError(
            _(
                "{name} has {has} features but the first layer takes {takes}: start --layers "
                "with {has}"
            ).format(name=data.name, has=data.n_features, takes=config.n_features)
        )
    if data.n_classes > config.n_outputs:
        if saved_model:
            raise DataError(
                _(
                    "the model's output layer has {outputs} neurons but {name} has {classes} "
                    "classes"
                ).format(outputs=config.n_outputs, name=data.name, classes=data.n_classes)
            )
        raise DataError(
            _(
                "{name} has {classes} classes but the output layer has {outputs} neurons: end "
                "--layers with {classes}"
            ).format(name=data.name, classes=data.n_classes, outputs=config.n_outputs)
        )
    check_features(
        data.x_train,
        data.y_train,
        config.n_features,
        config.n_outputs,
        where=f"{data.name} training set",
    )
    check_features(
        data.x_test, data.y_test, config.n_features, config.n_outputs, where=f"{data.name} test set"
    )


Split = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Splits:
    """The parts a run uses: ``train`` (what the network learns from), ``val`` (held out of
    the training set to tune on; None without ``val_size``) and ``test`` (reported only)."""

    name: str
    train: Split
    val: Split | None
    test: Split

    def items(self) -> list[tuple[str, Split]]:
        parts = [("train", self.train), ("val", self.val), ("test", self.test)]
        return [(name, part) for name, part in parts if part is not None]


def make_splits(config: TrainConfig, data: Dataset) -> Splits:
    """Hold ``config.val_size`` training examples out for validation: a stratified draw from
    its own generator, so one seed always holds out the same examples (also on resume)."""
    train = (data.x_train, data.y_train)
    if config.val_size == 0:
        return Splits(data.name, train, None, (data.x_test, data.y_test))
    m = len(data.x_train)
    if config.val_size >= m:
        raise DataError(
            f"{data.name}: validation size {config.val_size} leaves nothing to train on "
            f"({m} training examples)"
        )
    # train_test_split holds out ceil(fraction * m); half an example below val_size makes
    # that exactly val_size whatever the rounding of the division.
    fraction = (config.val_size - 0.5) / m
    x_tr, x_val, y_tr, y_val = train_test_split(
        data.x_train, data.y_train, fraction, rng=np.random.default_rng([config.seed, 3])
    )
    return Splits(data.name, (x_tr, y_tr), (x_val, y_val), (data.x_test, data.y_test))
