"""Named data sets behind one call: ``load(name) -> Dataset``.

=================  ==========================================================================
name               source
=================  ==========================================================================
``digits``         scikit-learn's bundled 8x8 digits (1797 images, no download); seeded
                   stratified split, ``test_fraction=0.25`` by default (1347 train / 450 test)
``fashion-mnist``  IDX files; default ``root`` /usr/share/datasets/fashion-mnist (Debian
                   package ``dataset-fashion-mnist``)
``mnist``          IDX files; default ``root`` /usr/share/datasets/mnist, usually pass ``root=``
``xor``            generated 2-D points (see :mod:`chainrule.data.synthetic`); kwargs
``spirals``        ``n_samples``, ``noise``, ``test_fraction`` (and ``n_classes`` for spirals),
``moons``          split with the same seeded stratified split as digits
``circles``
=================  ==========================================================================

Image features are scaled to [0, 1] (pixels / 255 for IDX files, / 16 for digits) and
flattened to one row per image.
"""

from __future__ import annotations

import importlib.util
import io
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.data import synthetic
from chainrule.data.idx import read_idx
from chainrule.data.preprocessing import train_test_split
from chainrule.errors import ConfigError, DataError
from chainrule.files import read_regular
from chainrule.i18n import _
from chainrule.seeding import check_seed

__all__ = ["DATASET_NAMES", "FASHION_MNIST_CLASSES", "Dataset", "load", "read_bundled_digits"]

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_DIGIT_NAMES = tuple(str(d) for d in range(10))

# the four files of an MNIST-format folder, each found with or without ".gz"
_IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_IDX_DEFAULT_ROOTS = {
    "fashion-mnist": Path("/usr/share/datasets/fashion-mnist"),
    "mnist": Path("/usr/share/datasets/mnist"),
}


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A train/test split ready for a classifier.

    ``x_*`` are float32 arrays of shape (m, n_features); ``y_*`` int64 class labels in
    ``0..n_classes-1``; ``class_names[k]`` names class ``k``. For regression (the
    scikit-learn estimator's in-memory data) ``y_*`` are float targets of shape
    (m, n_classes), one column per output.

    >>> ds = load("xor", n_samples=40)
    >>> ds
    Dataset('xor': train x (30, 2) y (30,), test x (10, 2) y (10,), 2 classes, float32)
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_features: int
    n_classes: int
    class_names: tuple[str, ...]
    description: str = ""

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            x = getattr(self, f"x_{part}")
            y = getattr(self, f"y_{part}")
            if x.ndim != 2 or x.shape[1] != self.n_features:
                raise DataError(
                    f"{self.name}: x_{part} has shape {x.shape}, expected (m, {self.n_features})"
                )
            if y.shape[:1] != (x.shape[0],) or y.ndim > 2:
                raise DataError(
                    f"{self.name}: y_{part} has shape {y.shape} for {x.shape[0]} examples"
                )
        if len(self.class_names) != self.n_classes:
            raise DataError(
                f"{self.name}: {len(self.class_names)} class names for {self.n_classes} classes"
            )

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}: train x {self.x_train.shape} y {self.y_train.shape}, "
            f"test x {self.x_test.shape} y {self.y_test.shape}, {self.n_classes} classes, "
            f"{self.x_train.dtype})"
        )


# ---------------------------------------------------------------------------------------------
# the individual sources; each returns (x_train, y_train, x_test, y_test, class_names, text)

_Parts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], str]


def _take_kwargs(name: str, kwargs: dict[str, Any], allowed: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        accepted = ", ".join(sorted(allowed)) or "none"
        raise ConfigError(
            f"load({name!r}): unknown option(s) {', '.join(unknown)}; accepted: {accepted}"
        )
    return {**allowed, **kwargs}


# scikit-learn ships the digits as a gzip CSV (1797 rows of 64 pixels 0..16 and the label,
# 265 kB unpacked). Reading it directly instead of through sklearn.datasets.load_digits saves
# the 1.2-1.5 s that importing scikit-learn (scipy, pandas) costs every `evaluate`/`predict`.
_DIGITS_SHAPE = (1797, 65)
_MAX_DIGITS_BYTES = 1 << 20  # four times the real file; a larger one is not the bundled set


def _bundled_digits_path() -> Path:
    # find_spec locates the installed package without running its (slow) __init__
    spec = importlib.util.find_spec("sklearn")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    if not folders:
        raise DataError(
            "digits: scikit-learn is not installed, and its bundled digits.csv.gz is the "
            "data; install it with 'pip install scikit-learn'"
        )
    return Path(folders[0]) / "datasets" / "data" / "digits.csv.gz"


def read_bundled_digits(
    path: str | os.PathLike[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 digits scikit-learn ships, read without importing scikit-learn: float64
    pixels 0..16 of shape (1797, 64) and int64 labels, the values of
    ``sklearn.datasets.load_digits()``'s ``data`` and ``target``. ``path`` defaults to the
    installed ``sklearn/datasets/data/digits.csv.gz``; a missing, oversized or malformed file
    raises :class:`~chainrule.errors.DataError` in one line.

    >>> pixels, labels = read_bundled_digits()
    >>> pixels.shape, pixels.dtype, labels[:5].tolist()
    ((1797, 64), dtype('float64'), [0, 1, 2, 3, 4])
    """
    path = Path(path) if path is not None else _bundled_digits_path()
    packed = read_regular(path, DataError, "the digits CSV")
    unpacker = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
    try:
        text = unpacker.decompress(packed, _MAX_DIGITS_BYTES)
    except zlib.error as exc:
        raise DataError(f"{path}: corrupt gzip data ({exc})") from None
    if unpacker.unconsumed_tail:
        raise DataError(f"{path}: unpacks to more than {_MAX_DIGITS_BYTES} bytes")
    if not unpacker.eof:
        raise DataError(f"{path}: corrupt gzip data (stream ends early)")
    try:
        table = np.loadtxt(io.StringIO(text.decode("ascii")), delimiter=",", dtype=np.float64)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not the digits CSV ({exc})") from None
    if table.shape != _DIGITS_SHAPE:
        raise DataError(f"{path}: table of shape {table.shape}, expected {_DIGITS_SHAPE}")
    pixels, labels = table[:, :-1], table[:, -1]
    if not (np.all((pixels >= 0) & (pixels <= 16)) and set(np.unique(labels)) <= set(range(10))):
        raise DataError(f"{path}: pixels outside 0..16 or labels outside 0..9")
    return np.ascontiguousarray(pixels), labels.astype(np.int64)


def _digits(name: str, seed: int, root: Path | None, kwargs: dict[str, Any]) -> _Parts:
    opts = _take_kwargs(name, kwargs, {"test_fraction": 0.25})
    pixels, labels = read_bundled_digits()
    x = (pixels / 16.0).astype(np.float32)
    y = labels
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, opts["test_fraction"], rng=seed)
    text = (
        "8x8 handwritten digits bundled with scikit-learn (UCI), pixels scaled to [0, 1]; "
        f"seeded stratified split, test fraction {opts['test_fraction']}"
    )
    return x_tr, y_tr, x_te, y_te, _DIGIT_NAMES, text


def _how_to_get(name: str) -> str:
    # the same words serve the command line and Python, so both spellings of the folder
    where = "give --data-root (root= in Python) a folder of MNIST-format IDX files"
    if name == "fashion-mnist":
        return f"install it with 'apt-get install dataset-fashion-mnist' or {where}"
    return where


def _find_idx(name: str, root: Path, key: str) -> Path:
    base = _IDX_FILES[key]
    for candidate in (root / f"{base}.gz", root / base):
        if candidate.exists():  # read_idx names what it is if not a file (a FIFO, a folder)
            return candidate
    raise DataError(
        f"{name}: no {base}[.gz] in {root}; {_how_to_get(name)} "
        f"({', '.join(b + '[.gz]' for b in _IDX_FILES.values())})"
    )


def _idx_pair(images_path: Path, labels_path: Path, n_classes: int) -> tuple[np.ndarray, ...]:
    images = read_idx(images_path, ndim=3)
    labels = read_idx(labels_path, ndim=1)
    if images.dtype != np.uint8:
        raise DataError(f"{images_path}: expected unsigned-byte pixels, found {images.dtype}")
    if labels.dtype.kind not in "iu":
        raise DataError(f"{labels_path}: expected integer labels, found {labels.dtype}")
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{images_path.parent}: {images.shape[0]} images in {images_path.name} but "
            f"{labels.shape[0]} labels in {labels_path.name}"
        )
    if images.shape[0] == 0 or images[0].size == 0:
        raise DataError(f"{images_path}: no images (shape {images.shape})")
    bad = np.flatnonzero((labels < 0) | (labels >= n_classes))
    if bad.size:
        raise DataError(
            f"{labels_path}: {bad.size} label(s) outside 0..{n_classes - 1}; "
            f"the first is {labels[bad[0]]} at index {bad[0]}"
        )
    # kept as bytes here: load() scales to [0, 1] after cutting to train_size/test_size,
    # so "the first 1000 images" never converts all 60000
    return images, labels.astype(np.int64)


def _size(images: np.ndarray) -> str:
    return "x".join(str(n) for n in images.shape[1:])


def _mnist_format(name: str, seed: int, root: Path | None, kwargs: dict[str, Any]) -> _Parts:
    _take_kwargs(name, kwargs, {})
    folder = Path(root) if root is not None else _IDX_DEFAULT_ROOTS[name]
    if not folder.is_dir():
        raise DataError(f"{name}: no folder {folder}; {_how_to_get(name)}")
    paths = {key: _find_idx(name, folder, key) for key in _IDX_FILES}
    x_tr, y_tr = _idx_pair(paths["train_images"], paths["train_labels"], 10)
    x_te, y_te = _idx_pair(paths["test_images"], paths["test_labels"], 10)
    if x_tr.shape[1:] != x_te.shape[1:]:
        raise DataError(
            f"{folder}: training images are {_size(x_tr)} pixels, test images {_size(x_te)}"
        )
    x_tr, x_te = x_tr.reshape(len(x_tr), -1), x_te.reshape(len(x_te), -1)
    names = FASHION_MNIST_CLASSES if name == "fashion-mnist" else _DIGIT_NAMES
    what = "Zalando article images" if name == "fashion-mnist" else "handwritten digits"
    text = f"{what} from IDX files in {folder}, pixels scaled to [0, 1]"
    return x_tr, y_tr, x_te, y_te, names, text


_MAKERS: dict[str, tuple[Callable[..., tuple[np.ndarray, np.ndarray]], dict[str, Any], str]] = {
    "xor": (synthetic.make_xor, {"n_samples": 200, "noise": 0.1}, "XOR of the corner bits"),
    "spirals": (
        synthetic.make_spirals,
        {"n_samples": 300, "noise": 0.05, "n_classes": 3},
        "interleaved spiral arms",
    ),
    "moons": (synthetic.make_moons, {"n_samples": 200, "noise": 0.1}, "two interleaved moons"),
    "circles": (synthetic.make_circles, {"n_samples": 200, "noise": 0.05}, "concentric circles"),
}


def _generated(name: str, seed: int, root: Path | None, kwargs: dict[str, Any]) -> _Parts:
    maker, defaults, what = _MAKERS[name]
    opts = _take_kwargs(name, kwargs, {**defaults, "test_fraction": 0.25})
    test_fraction = opts.pop("test_fraction")
    rng = np.random.default_rng(seed)
    x, y = maker(**opts, rng=rng)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_fraction, rng=rng)
    k = int(opts.get("n_classes", 2))
    settings = ", ".join(f"{key}={value}" for key, value in opts.items())
    text = f"generated 2-D points, {what} ({settings}, seed={seed})"
    return x_tr, y_tr, x_te, y_te, tuple(str(c) for c in range(k)), text


_SOURCES: dict[str, Callable[[str, int, Path | None, dict[str, Any]], _Parts]] = {
    "digits": _digits,
    "fashion-mnist": _mnist_format,
    "mnist": _mnist_format,
    **{key: _generated for key in _MAKERS},
}
DATASET_NAMES: tuple[str, ...] = tuple(_SOURCES)


def _first(
    n: int | None, x: np.ndarray, y: np.ndarray, what: str, name: str
) -> tuple[np.ndarray, np.ndarray]:
    if n is None:
        return x, y
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ConfigError(f"load({name!r}): {what}_size must be a positive integer, got {n!r}")
    if n > x.shape[0]:
        raise DataError(
            f"{name}: --{what}-size {n} ({what}_size= in Python) but only {x.shape[0]} {what} "
            "examples are available"
        )
    return x[:n], y[:n]


def _features(x: np.ndarray) -> np.ndarray:
    """Float32 features; raw IDX pixels (uint8) become pixels / 255."""
    if x.dtype == np.uint8:
        pixels = x.astype(np.float32)
        return np.divide(pixels, np.float32(255.0), out=pixels)  # in place: one float32 copy
    return np.ascontiguousarray(x, dtype=np.float32)


def load(
    name: str,
    *,
    root: str | os.PathLike[str] | None = None,
    train_size: int | None = None,
    test_size: int | None = None,
    seed: int = 0,
    **kwargs: Any,
) -> Dataset:
    """Load a named data set as a :class:`Dataset`.

    ``train_size``/``test_size`` keep the FIRST n examples of each part (the order of the
    files for IDX sets, the seeded shuffle for the others). ``seed`` fixes the split of
    ``digits`` and the points of the generated sets. ``root`` is the folder of IDX files for
    ``fashion-mnist``/``mnist``. Other keyword options go to the source (see the module
    docstring); an unknown option raises ConfigError.

    >>> ds = load("digits", train_size=1000)
    >>> ds.x_train.shape, ds.x_test.shape, ds.n_classes
    ((1000, 64), (450, 64), 10)
    """
    if not isinstance(name, str):
        raise ConfigError(f"data set name must be a string, got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    source = _SOURCES.get(key)
    if source is None:
        raise DataError(
            _("unknown data set {name}; known: {known}").format(
                name=repr(name), known=", ".join(DATASET_NAMES)
            )
        )
    seed = check_seed(seed)
    x_tr, y_tr, x_te, y_te, names, text = source(
        key, int(seed), Path(root) if root is not None else None, kwargs
    )
    x_tr, y_tr = _first(train_size, x_tr, y_tr, "train", key)
    x_te, y_te = _first(test_size, x_te, y_te, "test", key)
    return Dataset(
        name=key,
        x_train=_features(x_tr),
        y_train=np.ascontiguousarray(y_tr, dtype=np.int64),
        x_test=_features(x_te),
        y_test=np.ascontiguousarray(y_te, dtype=np.int64),
        n_features=int(x_tr.shape[1]),
        n_classes=len(names),
        class_names=names,
        description=text,
    )
