"""Data for the examples and the lab: named data sets, IDX files, batching and checks.

>>> from chainrule.data import DataLoader, load
>>> ds = load("moons", n_samples=100, seed=1)
>>> xb, yb = next(iter(DataLoader(ds.x_train, ds.y_train, batch_size=16, shuffle=True, seed=0)))
>>> xb.shape, yb.dtype
((16, 2), dtype('int64'))
"""

from chainrule.data.datasets import DATASET_NAMES, FASHION_MNIST_CLASSES, Dataset, load
from chainrule.data.idx import read_idx, write_idx
from chainrule.data.loader import DataLoader
from chainrule.data.preprocessing import (
    FeatureStats,
    check_features,
    one_hot,
    standardize,
    train_test_split,
)
from chainrule.data.synthetic import make_circles, make_moons, make_spirals, make_xor

__all__ = [
    "DATASET_NAMES",
    "FASHION_MNIST_CLASSES",
    "DataLoader",
    "Dataset",
    "FeatureStats",
    "check_features",
    "load",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "one_hot",
    "read_idx",
    "standardize",
    "train_test_split",
    "write_idx",
]
