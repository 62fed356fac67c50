"""DLPack: chainrule tensors and NumPy / PyTorch arrays share memory both ways."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import DTypeError


def test_numpy_reads_a_tensor_without_a_copy() -> None:
    t = cr.tensor([[1.0, 2.0], [3.0, 4.0]], dtype="float64")
    a = np.from_dlpack(t)
    assert a.dtype == np.float64 and a.shape == (2, 2)
    t.array[1, 0] = -7.0
    assert a[1, 0] == -7.0
    assert np.shares_memory(a, t.array)


def test_a_tensor_from_numpy_shares_its_memory() -> None:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = cr.from_dlpack(a)
    assert isinstance(t, cr.Tensor) and t.dtype == np.float32 and t.shape == (2, 3)
    a[0, 2] = 42.0
    assert t.array[0, 2] == 42.0


def test_the_device_is_the_host() -> None:
    assert cr.tensor([1.0]).__dlpack_device__() == (1, 0)


def test_round_trip_through_chainrule_keeps_the_memory() -> None:
    a = np.linspace(0.0, 1.0, 5)
    back = np.from_dlpack(cr.from_dlpack(a))
    back[3] = 9.0
    assert a[3] == 9.0


def test_an_object_without_dlpack_is_refused_in_one_line() -> None:
    with pytest.raises(DTypeError, match=r"from_dlpack\(\) needs .* got list") as info:
        cr.from_dlpack([1.0, 2.0])
    assert "\n" not in str(info.value)


@pytest.mark.torch
def test_torch_and_chainrule_share_memory_both_ways() -> None:
    torch = pytest.importorskip("torch")
    t = cr.tensor([1.0, 2.0, 3.0], dtype="float32")
    seen_by_torch = torch.from_dlpack(t)
    t.array[0] = 10.0
    assert seen_by_torch[0].item() == 10.0
    seen_by_torch[2] = -1.0
    assert t.array[2] == -1.0

    source = torch.arange(4, dtype=torch.float64)
    seen_by_chainrule = cr.from_dlpack(source)
    assert seen_by_chainrule.dtype == np.float64
    source[1] = 5.5
    assert seen_by_chainrule.array[1] == 5.5
    seen_by_chainrule.array[3] = -2.0
    assert source[3].item() == -2.0


@pytest.mark.torch
def test_a_graph_built_on_shared_memory_differentiates_as_usual() -> None:
    torch = pytest.importorskip("torch")
    x = cr.from_dlpack(torch.tensor([0.5, -1.0], dtype=torch.float64)).requires_grad_()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -2.0])
