"""``backend.to_numpy`` and the typed constants, without a GPU (a stand-in device array)."""

from __future__ import annotations

import numpy as np

from chainrule import backend


class FakeDeviceArray:
    """Looks like a CuPy array to ``device_of``: its class lives in a ``cupy`` module."""

    __module__ = "cupy._core.core"

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.copies = 0

    def get(self) -> np.ndarray:
        self.copies += 1
        return self.values.copy()


def test_to_numpy_copies_a_device_array_to_the_host_once() -> None:
    device = FakeDeviceArray(np.arange(3.0))
    host = backend.to_numpy(device, copy=True)
    assert type(host) is np.ndarray and host.tolist() == [0.0, 1.0, 2.0]
    assert host is not device.values and device.copies == 1


def test_to_numpy_keeps_a_host_array_unless_asked_to_copy() -> None:
    a = np.arange(3.0)
    assert backend.to_numpy(a) is a
    copy = backend.to_numpy(a, copy=True)
    copy[0] = 9.0
    assert a[0] == 0.0


def test_typed_constants_keep_float32_arithmetic_in_float32() -> None:
    x = np.ones(3, np.float32)
    assert (x + backend.ONE[x.dtype.char]).dtype == np.float32
    assert backend.ZERO["f"] is backend.ZERO["f"]  # made once per dtype
    assert backend.ONE["d"].dtype == np.float64 and float(backend.ZERO["d"]) == 0.0
