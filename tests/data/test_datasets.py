"""load(): IDX folders written here, scikit-learn's digits, and the generated 2-D sets."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from chainrule.data import DATASET_NAMES, FASHION_MNIST_CLASSES, load, write_idx
from chainrule.errors import ConfigError, DataError

FASHION_ROOT = Path("/usr/share/datasets/fashion-mnist")
GENERATED = ["xor", "spirals", "moons", "circles"]


# --- IDX folders ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_loads_scaled_and_flattened(make_mnist, name, gz):
    fake = make_mnist(gz=gz)
    ds = load(name, root=fake.root)
    assert ds.x_train.shape == (12, 16) and ds.x_test.shape == (6, 16)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.n_features == 16 and ds.n_classes == 10
    np.testing.assert_allclose(ds.x_train, fake.train_images.reshape(12, 16) / 255.0, rtol=1e-6)
    np.testing.assert_allclose(ds.x_test, fake.test_images.reshape(6, 16) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(ds.y_train, fake.train_labels)
    np.testing.assert_array_equal(ds.y_test, fake.test_labels)
    assert ds.x_train.min() >= 0.0 and ds.x_train.max() == 1.0
    if name == "fashion-mnist":
        assert ds.class_names == FASHION_MNIST_CLASSES
        assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"
    else:
        assert ds.class_names == tuple("0123456789")


def test_train_and_test_size_keep_the_first_examples(fake_mnist):
    ds = load("mnist", root=fake_mnist.root, train_size=5, test_size=2)
    assert ds.x_train.shape == (5, 16) and ds.y_test.shape == (2,)
    np.testing.assert_array_equal(ds.y_train, fake_mnist.train_labels[:5])
    np.testing.assert_allclose(ds.x_test, fake_mnist.test_images[:2].reshape(2, 16) / 255.0)


def test_size_larger_than_available(fake_mnist):
    # the message serves both callers of load(): the command line and Python
    with pytest.raises(DataError, match=r"--train-size 13 \(train_size= in Python\) but only 12"):
        load("mnist", root=fake_mnist.root, train_size=13)
    with pytest.raises(DataError, match=r"--test-size 7 \(test_size= in Python\) but only 6"):
        load("mnist", root=fake_mnist.root, test_size=7)


@pytest.mark.parametrize("size", [0, -3, 2.5, True])
def test_bad_sizes(fake_mnist, size):
    with pytest.raises(ConfigError, match="train_size"):
        load("mnist", root=fake_mnist.root, train_size=size)


def test_missing_folder_says_how_to_get_it(tmp_path):
    # named the command line's way and Python's: load() raises it for both
    with pytest.raises(
        DataError, match=r"apt-get install dataset-fashion-mnist.*--data-root \(root= in Python\)"
    ):
        load("fashion-mnist", root=tmp_path / "absent")
    with pytest.raises(
        DataError, match=r"mnist: no folder .*absent; give --data-root \(root= in Python\) a folder"
    ):
        load("mnist", root=tmp_path / "absent")


def test_missing_file_in_folder_is_named(fake_mnist):
    fake_mnist.path("test_labels").unlink()
    with pytest.raises(DataError, match=r"no t10k-labels-idx1-ubyte\[\.gz\].*apt-get install"):
        load("fashion-mnist", root=fake_mnist.root)


def test_image_and_label_counts_must_agree(fake_mnist):
    write_idx(fake_mnist.path("train_labels"), np.zeros(11, dtype=np.uint8))
    with pytest.raises(DataError, match=r"12 images in train-images.*but 11 labels"):
        load("mnist", root=fake_mnist.root)


def test_labels_out_of_range(fake_mnist):
    labels = fake_mnist.test_labels.copy()
    labels[4] = 10
    write_idx(fake_mnist.path("test_labels"), labels)
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.*outside 0\.\.9.*10 at index 4"):
        load("mnist", root=fake_mnist.root)


def test_labels_file_in_the_images_slot(fake_mnist):
    write_idx(fake_mnist.path("train_images"), fake_mnist.train_labels)
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.*expected 3 dimension"):
        load("mnist", root=fake_mnist.root)


def test_truncated_file_in_folder(make_mnist):
    fake = make_mnist(gz=False)
    path = fake.path("test_images")
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.*truncated"):
        load("fashion-mnist", root=fake.root)


def test_train_and_test_image_sizes_must_agree(fake_mnist):
    write_idx(fake_mnist.path("test_images"), np.zeros((6, 5, 5), dtype=np.uint8))
    with pytest.raises(DataError, match="4x4 pixels, test images 5x5"):
        load("mnist", root=fake_mnist.root)
    # the same number of pixels in another shape is not the same image either
    write_idx(fake_mnist.path("test_images"), np.zeros((6, 2, 8), dtype=np.uint8))
    with pytest.raises(DataError, match="4x4 pixels, test images 2x8"):
        load("mnist", root=fake_mnist.root)


@pytest.mark.parametrize("shape", [(0, 4, 4), (6, 0, 4)], ids=["no images", "empty images"])
def test_idx_files_without_images(fake_mnist, shape):
    write_idx(fake_mnist.path("train_images"), np.zeros(shape, dtype=np.uint8))
    write_idx(fake_mnist.path("train_labels"), np.zeros(shape[0], dtype=np.uint8))
    with pytest.raises(DataError, match="no images") as info:
        load("mnist", root=fake_mnist.root)
    assert str(fake_mnist.path("train_images")) in str(info.value)


@pytest.mark.skipif(not FASHION_ROOT.is_dir(), reason="dataset-fashion-mnist not installed")
def test_installed_fashion_mnist_default_root():
    ds = load("fashion-mnist", train_size=1000, test_size=200)
    assert ds.x_train.shape == (1000, 784) and ds.x_test.shape == (200, 784)
    assert ds.x_train.min() >= 0.0 and ds.x_train.max() <= 1.0
    assert ds.class_names == FASHION_MNIST_CLASSES
    assert set(np.unique(ds.y_train)) == set(range(10))


# --- names and the Dataset record ----------------------------------------------------------


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(
        DataError, match=r"unknown data set 'cifar10'; known: digits, fashion-mnist"
    ):
        load("cifar10")


def test_names_are_normalised(fake_mnist):
    assert load("Fashion_MNIST", root=fake_mnist.root).name == "fashion-mnist"
    assert set(DATASET_NAMES) == {"digits", "fashion-mnist", "mnist", *GENERATED}


def test_repr_shows_shapes_not_values():
    ds = load("moons", n_samples=40)
    text = repr(ds)
    assert "'moons'" in text and "(30, 2)" in text and "(10,)" in text and "2 classes" in text
    assert "array" not in text and len(text) < 200


def test_dataset_is_frozen():
    ds = load("xor", n_samples=8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.n_classes = 3


def test_unknown_option_is_a_config_error():
    with pytest.raises(ConfigError, match=r"unknown option\(s\) n_classes.*n_samples, noise"):
        load("moons", n_classes=3)


# --- digits --------------------------------------------------------------------------------


def test_digits_shapes_and_scale():
    ds = load("digits")
    assert ds.x_train.shape == (1347, 64) and ds.x_test.shape == (450, 64)
    assert ds.x_train.dtype == np.float32 and ds.y_test.dtype == np.int64
    both = np.concatenate([ds.x_train, ds.x_test])
    assert both.min() == 0.0 and both.max() == 1.0
    assert ds.n_classes == 10 and ds.class_names == tuple("0123456789")


def test_digits_split_is_a_partition_of_the_bundled_set():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    ds = load("digits")
    ours = np.concatenate([ds.x_train, ds.x_test]) * 16
    theirs = bunch.data.astype(np.float32)
    # the same multiset of rows: sort rows lexicographically and compare
    np.testing.assert_allclose(ours[np.lexsort(ours.T)], theirs[np.lexsort(theirs.T)], atol=1e-5)
    assert (
        np.bincount(np.concatenate([ds.y_train, ds.y_test])).tolist()
        == np.bincount(bunch.target).tolist()
    )


def test_digits_split_is_stratified():
    ds = load("digits")
    total = np.bincount(ds.y_train, minlength=10) + np.bincount(ds.y_test, minlength=10)
    test_counts = np.bincount(ds.y_test, minlength=10)
    assert np.all(np.abs(test_counts - 450 * total / 1797) <= 1)


def test_digits_reproducible_with_seed_and_changes_without():
    a, b, c = load("digits", seed=3), load("digits", seed=3), load("digits", seed=4)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)


def test_digits_test_fraction_and_first_n():
    ds = load("digits", test_fraction=0.5, train_size=100, test_size=50)
    assert ds.x_train.shape == (100, 64) and ds.x_test.shape == (50, 64)
    full = load("digits", test_fraction=0.5)
    assert full.x_test.shape[0] == 899  # ceil(0.5 * 1797)
    np.testing.assert_array_equal(ds.x_train, full.x_train[:100])


# --- generated sets ------------------------------------------------------------------------


@pytest.mark.parametrize("name", GENERATED)
def test_generated_sets_are_reproducible(name):
    a, b, c = load(name, seed=7), load(name, seed=7), load(name, seed=8)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize(("name", "k"), [("xor", 2), ("moons", 2), ("circles", 2), ("spirals", 3)])
def test_generated_shapes_and_label_counts(name, k):
    ds = load(name, n_samples=120)
    assert ds.x_train.shape == (90, 2) and ds.x_test.shape == (30, 2)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.n_features == 2 and ds.n_classes == k and len(ds.class_names) == k
    counts = np.bincount(np.concatenate([ds.y_train, ds.y_test]), minlength=k)
    assert counts.tolist() == [120 // k] * k
    assert np.all(np.abs(np.bincount(ds.y_test, minlength=k) - 30 / k) <= 1)


def test_spirals_with_more_classes():
    ds = load("spirals", n_samples=202, n_classes=4, noise=0.0)
    counts = np.bincount(np.concatenate([ds.y_train, ds.y_test]))
    assert counts.tolist() == [51, 51, 50, 50]
    assert ds.class_names == ("0", "1", "2", "3")
    radius = np.hypot(ds.x_train[:, 0], ds.x_train[:, 1])
    assert radius.max() <= 1.0 + 1e-6


def test_noise_free_geometry():
    xor = load("xor", n_samples=40, noise=0.0)
    x = np.concatenate([xor.x_train, xor.x_test])
    y = np.concatenate([xor.y_train, xor.y_test])
    np.testing.assert_array_equal(y, np.logical_xor(x[:, 0] > 0.5, x[:, 1] > 0.5))
    circles = load("circles", n_samples=40, noise=0.0)
    r = np.hypot(circles.x_train[:, 0], circles.x_train[:, 1])
    np.testing.assert_allclose(r, np.where(circles.y_train == 0, 1.0, 0.5), rtol=1e-5)


def test_noise_moves_points():
    clean = load("circles", n_samples=40, noise=0.0)
    noisy = load("circles", n_samples=40, noise=0.2)
    r = np.hypot(noisy.x_train[:, 0], noisy.x_train[:, 1])
    assert not np.allclose(r, np.where(noisy.y_train == 0, 1.0, 0.5), atol=0.01)
    assert clean.x_train.shape == noisy.x_train.shape


@pytest.mark.parametrize(
    "options",
    [{"n_samples": 1}, {"noise": -0.1}, {"noise": float("nan")}, {"n_samples": 10.5}],
)
def test_bad_generator_options(options):
    with pytest.raises(ConfigError):
        load("moons", **options)


def test_spirals_needs_two_classes():
    with pytest.raises(ConfigError, match="n_classes"):
        load("spirals", n_classes=1)


@pytest.mark.parametrize("name", ["xor", "digits"])
def test_a_negative_seed_is_a_config_error(name):
    with pytest.raises(ConfigError, match="seed must be an integer of 0 or more, got -1"):
        load(name, seed=-1)


def test_spirals_refuse_turns_that_are_not_a_finite_number():
    from chainrule.data import make_spirals

    for turns in (float("nan"), float("inf"), "2"):
        with pytest.raises(ConfigError, match="turns"):
            make_spirals(9, turns=turns)
