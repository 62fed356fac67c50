"""detect_anomaly: the first NaN or Inf, in forward or backward, names its op and call site."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.engine import state
from chainrule.errors import NonFiniteError


def test_log_of_a_negative_number_in_forward():
    x = cr.tensor(np.array([1.0, -1.0]), requires_grad=True)
    with pytest.raises(NonFiniteError) as info, cr.detect_anomaly():
        cr.log(x)
    message = str(info.value)
    assert "Log" in message
    assert "forward" in message
    assert "1 NaN" in message
    assert "test_anomaly.py" in message  # the user's line, not the engine's


def test_inf_in_forward_is_caught_too():
    with pytest.raises(NonFiniteError, match=r"Exp.*1 Inf"), cr.detect_anomaly():
        cr.exp(cr.tensor(np.array([1.0, 1000.0])))


def test_nan_planted_in_a_backward_is_caught_there():
    # sqrt at 0 has an infinite slope; times a zero upstream gradient that is 0 * inf = NaN.
    x = cr.tensor(np.array([0.0, 4.0]), requires_grad=True)
    with cr.detect_anomaly():
        y = (cr.sqrt(x) * 0.0).sum()  # forward is finite
        with pytest.raises(NonFiniteError) as info:
            y.backward()
    message = str(info.value)
    assert "Sqrt" in message
    assert "backward" in message
    assert "NaN" in message
    assert "test_anomaly.py" in message


def test_without_detect_anomaly_the_nan_passes_silently():
    x = cr.tensor(np.array([0.0, 4.0]), requires_grad=True)
    with np.errstate(all="ignore"):
        (cr.sqrt(x) * 0.0).sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_detect_anomaly_is_off_again_afterwards():
    assert not state.switches.detect_anomaly
    with pytest.raises(NonFiniteError), cr.detect_anomaly():
        assert state.switches.detect_anomaly
        cr.log(cr.tensor(np.array([-1.0])))
    assert not state.switches.detect_anomaly


def test_a_finite_computation_passes_under_detect_anomaly():
    x = cr.tensor(np.array([0.5, 2.0]), requires_grad=True)
    with cr.detect_anomaly():
        y = (cr.log(x) * cr.sigmoid(x)).sum()
        y.backward()
    assert np.isfinite(x.grad.numpy()).all()
