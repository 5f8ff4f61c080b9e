"""Argument checks shared by the public API.

Every check raises ``ValueError`` with the parameter's name as the caller
wrote it, the value received and the allowed range, so that a bad call can be
fixed from the message alone.
"""

import math
import numbers

import numpy as np


def check_finite(name, value):
    """Return ``value`` as a float, or raise if it is not a finite real.

    Numbers only: a string such as '0.1' or a bool is refused rather than
    converted, since it is almost always a slip.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"{name} must be a finite real number; got {value!r} "
            f"of type {type(value).__name__}"
        )
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite real number; got {value!r}")
    return x


def check_positive(name, value):
    """Return ``value`` as a float, or raise unless 0 < value < inf."""
    x = check_finite(name, value)
    if x <= 0.0:
        raise ValueError(f"{name} must be > 0 (allowed range (0, inf)); got {x!r}")
    return x


def check_in_range(name, value, lo, hi, lo_open=False, hi_open=False):
    """Return ``value`` as a float, or raise unless it lies in [lo, hi].

    ``lo_open``/``hi_open`` make the matching end of the interval open.
    """
    x = check_finite(name, value)
    below = x <= lo if lo_open else x < lo
    above = x >= hi if hi_open else x > hi
    if below or above:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        raise ValueError(
            f"{name} must lie in {left}{lo}, {hi}{right}; got {x!r}"
        )
    return x


def check_int(name, value, minimum):
    """Return ``value`` as an int, or raise unless it is an integer >= minimum."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, np.integer)
    ):
        raise ValueError(
            f"{name} must be an integer >= {minimum}; got {value!r}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def check_vector(name, value, length):
    """Return ``value`` as a finite float64 vector of the given length."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 1 or arr.shape[0] != length:
        raise ValueError(
            f"{name} must be a vector of length {length}; "
            f"got an array of shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values; got {arr!r}")
    return np.ascontiguousarray(arr)


def check_state(name, value, length):
    """Like :func:`check_vector` but allows non-finite entries.

    States of a diverging orbit are legitimate inputs to ``step``.
    """
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 1 or arr.shape[0] != length:
        raise ValueError(
            f"{name} must be a state vector of length {length}; "
            f"got an array of shape {arr.shape}"
        )
    return np.ascontiguousarray(arr)


def require_autonomous(F, analysis_name):
    """Raise unless the map F is autonomous (does not depend on the step count).

    Fixed points, cycles, basins, censuses and continuation describe an
    autonomous map; an optimizer with bias correction (Adam, Nadam) carries
    the step count in its state and has no fixed points.  Analyses that need
    autonomy call this first; ``trajectory`` and ``ensemble`` accept any map.
    """
    if not getattr(F, "autonomous", True):
        what = getattr(F, "optimizer", F)
        raise ValueError(
            f"{analysis_name} needs an autonomous map, but {what!r} depends on "
            "the step count (bias correction); use bias_correction=False, or "
            "study it with trajectory/ensemble"
        )
    return F
