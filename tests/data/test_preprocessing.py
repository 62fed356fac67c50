"""one_hot, standardize, train_test_split and check_features."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.data import check_features, one_hot, standardize, train_test_split
from chainrule.errors import ConfigError, DataError

# --- one_hot -------------------------------------------------------------------------------


def test_one_hot_values_and_dtype():
    out = one_hot(np.array([2, 0, 1, 2]), 3)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.eye(3)[[2, 0, 1, 2]])
    assert one_hot(np.array([1]), 2, dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(one_hot(np.array([1.0, 0.0]), 2), [[0, 1], [1, 0]])


@pytest.mark.parametrize("labels", [[0, 3], [-1, 0]])
def test_one_hot_out_of_range(labels):
    with pytest.raises(DataError, match=r"outside 0\.\.2"):
        one_hot(np.array(labels), 3)


def test_one_hot_rejects_fractional_labels_and_bad_class_count():
    with pytest.raises(DataError, match="integer"):
        one_hot(np.array([0.5]), 2)
    with pytest.raises(ConfigError, match="n_classes"):
        one_hot(np.array([0]), 0)


# --- standardize ---------------------------------------------------------------------------


def test_standardize_fits_on_train_only():
    rng = np.random.default_rng(0)
    x_train = rng.normal(5.0, 3.0, size=(200, 4)).astype(np.float32)
    x_test = rng.normal(-1.0, 1.0, size=(50, 4)).astype(np.float32)
    tr, te, stats = standardize(x_train, x_test)
    assert tr.dtype == np.float32 and te.dtype == np.float32
    np.testing.assert_allclose(tr.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(tr.std(axis=0), 1.0, atol=1e-5)
    expected = (x_test - x_train.mean(axis=0)) / x_train.std(axis=0)
    np.testing.assert_allclose(te, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(stats.apply(x_test), te)
    assert te.mean() < -1.0  # the test set is not re-centred on its own mean


def test_standardize_constant_feature_is_only_centred():
    x = np.array([[1.0, 7.0], [3.0, 7.0]])
    tr, te, stats = standardize(x, np.array([[2.0, 9.0]]))
    assert np.all(np.isfinite(te))
    np.testing.assert_allclose(tr[:, 1], 0.0)
    np.testing.assert_allclose(te, [[0.0, 2.0]])
    assert stats.std[1] == 1.0


def test_standardize_without_test_and_feature_mismatch():
    tr, te, stats = standardize(np.arange(6.0).reshape(3, 2))
    assert te is None and tr.shape == (3, 2)
    with pytest.raises(DataError, match="3 features"):
        stats.apply(np.zeros((1, 3)))
    with pytest.raises(DataError):
        standardize(np.zeros(5))


# --- train_test_split ----------------------------------------------------------------------


def labelled(m: int = 100, weights=(0.5, 0.3, 0.2)) -> tuple[np.ndarray, np.ndarray]:
    y = np.repeat(np.arange(len(weights)), [round(w * m) for w in weights])
    x = np.column_stack([np.arange(len(y)), y]).astype(np.float64)
    return x, y


def test_split_sizes_cover_and_alignment():
    x, y = labelled()
    xtr, xte, ytr, yte = train_test_split(x, y, 0.25, rng=0)
    assert len(xte) == 25 and len(xtr) == 75
    ids = np.concatenate([xtr[:, 0], xte[:, 0]])
    assert sorted(ids.tolist()) == list(range(100))
    np.testing.assert_array_equal(xtr[:, 1], ytr)
    np.testing.assert_array_equal(xte[:, 1], yte)


def test_split_is_stratified_and_shuffled():
    x, y = labelled()
    _, _, _, yte = train_test_split(x, y, 0.2, rng=np.random.default_rng(3))
    assert np.bincount(yte).tolist() == [10, 6, 4]
    assert not np.all(np.diff(yte) >= 0)  # not grouped by class


def test_split_reproducible_and_seed_dependent():
    x, y = labelled()
    a = train_test_split(x, y, 0.3, rng=11)
    b = train_test_split(x, y, 0.3, rng=11)
    c = train_test_split(x, y, 0.3, rng=12)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[1], c[1])


def test_unstratified_split():
    x, y = labelled()
    xtr, xte, _, _ = train_test_split(x, y, 0.5, rng=0, stratify=False)
    assert len(xtr) == len(xte) == 50
    assert sorted(np.concatenate([xtr[:, 0], xte[:, 0]]).tolist()) == list(range(100))


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2, 1.5, "abc", None, float("nan")])
def test_split_bad_fraction(fraction):
    x, y = labelled()
    with pytest.raises(ConfigError, match="test_fraction"):
        train_test_split(x, y, fraction, rng=0)


@pytest.mark.parametrize("seed", [-1, "a", 1.5])
def test_split_bad_seed(seed):
    x, y = labelled()
    with pytest.raises(ConfigError, match="rng"):
        train_test_split(x, y, 0.5, rng=seed)


def test_standardize_refuses_nan_and_inf_naming_the_feature():
    for bad in (np.nan, np.inf):
        with pytest.raises(DataError, match=r"1 feature.*NaN or Inf.*feature 0"):
            standardize(np.array([[bad, 1.0], [2.0, 3.0]]))


def test_split_length_mismatch():
    with pytest.raises(DataError, match="10 examples"):
        train_test_split(np.zeros((10, 2)), np.zeros(9), 0.5, rng=0)


# --- check_features ------------------------------------------------------------------------


def test_check_features_accepts_good_data():
    check_features(np.zeros((4, 3)), np.array([0, 1, 2, 1]), n_features=3, n_classes=3)
    check_features(np.zeros((2, 3)), one_hot(np.array([0, 1]), 2), n_features=3, n_classes=2)
    check_features(np.zeros((2, 3), dtype=np.uint8))


def test_check_features_wrong_feature_count_message():
    with pytest.raises(DataError) as info:
        check_features(np.zeros((2, 784)), np.array([0, 1]), n_features=64, n_classes=10)
    assert str(info.value) == "data has 784 features but the first layer takes 64"


def test_check_features_reports_non_finite_count_and_first_index():
    x = np.zeros((5, 3))
    x[2, 1] = np.nan
    x[4, 0] = np.inf
    with pytest.raises(DataError, match=r"training data has 2 non-finite .*index \(2, 1\)"):
        check_features(x, where="training data")


def test_check_features_labels():
    x = np.zeros((4, 2))
    with pytest.raises(DataError, match=r"1 label\(s\) outside 0\.\.2; the first is 5 at index 3"):
        check_features(x, np.array([0, 1, 2, 5]), n_classes=3)
    with pytest.raises(DataError, match="4 examples but 3 labels"):
        check_features(x, np.array([0, 1, 2]), n_classes=3)
    with pytest.raises(DataError, match="one-hot labels of width 2"):
        check_features(x, np.zeros((4, 2)), n_classes=3)
    with pytest.raises(DataError, match="2-D"):
        check_features(np.zeros(4))
