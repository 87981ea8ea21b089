"""Central-difference gradient checks shared by the generator's tests."""

from __future__ import annotations

import numpy as np


def central_difference_errors(params, loss_grads, h=1e-5):
    """``||analytic - numeric|| / (||analytic|| + ||numeric||)`` per parameter, the numeric gradient by
    central differences of ``loss_grads()`` (which reads ``params``, changed in place one entry at a time)."""
    _, grads = loss_grads()
    errors = {}
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            value[idx] = old + h
            up, _ = loss_grads()
            value[idx] = old - h
            down, _ = loss_grads()
            value[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        errors[name] = np.linalg.norm(numeric - grads[name]) / (np.linalg.norm(numeric) + np.linalg.norm(grads[name]))
    return errors
