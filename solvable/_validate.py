"""Input checks at the Python boundary.

Every public function of `solvable` validates its arguments here before any traced
computation, so a bad value fails with a `ValueError` that names the parameter and shows
the offending value. Inside `jit`, `vmap` or `grad` the arguments are tracers whose values are
unknown; the checks then pass silently and the caller is responsible for the domain.
"""

from __future__ import annotations

import jax
import numpy as np

__all__ = [
    "is_concrete",
    "check_finite",
    "check_positive",
    "check_nonnegative",
    "check_at_least",
    "check_integer_at_least",
]


def is_concrete(x) -> bool:
    """True when `x` holds actual numbers (not a JAX tracer)."""
    return not isinstance(x, jax.core.Tracer)


def _values(x):
    return np.asarray(x, dtype=float)


def _show(v: np.ndarray, mask: np.ndarray) -> str:
    bad = v[mask] if v.ndim else v
    bad = np.ravel(bad)
    shown = ", ".join(repr(float(b)) for b in bad[:3])
    return shown + (", ..." if bad.size > 3 else "")


def check_finite(name: str, x, *, allow_inf: bool = False) -> None:
    """Raise ValueError if `x` has NaN (or ±inf unless `allow_inf`)."""
    if not is_concrete(x) or x is None:
        return
    v = _values(x)
    mask = np.isnan(v) if allow_inf else ~np.isfinite(v)
    if np.any(mask):
        raise ValueError(f"{name} must be finite, got {_show(v, mask)}")


def check_positive(name: str, x, *, allow_inf: bool = False) -> None:
    """Raise ValueError unless every entry of `x` is finite and > 0."""
    if not is_concrete(x):
        return
    check_finite(name, x, allow_inf=allow_inf)
    v = _values(x)
    mask = ~(v > 0)
    if np.any(mask):
        raise ValueError(f"{name} must be > 0, got {_show(v, mask)}")


def check_nonnegative(name: str, x, *, allow_inf: bool = False) -> None:
    """Raise ValueError unless every entry of `x` is >= 0 (and not NaN)."""
    if not is_concrete(x):
        return
    check_finite(name, x, allow_inf=allow_inf)
    v = _values(x)
    mask = ~(v >= 0)
    if np.any(mask):
        raise ValueError(f"{name} must be >= 0, got {_show(v, mask)}")


def check_at_least(name: str, x, lower: float, *, allow_inf: bool = False) -> None:
    """Raise ValueError unless every entry of `x` is >= `lower`."""
    if not is_concrete(x):
        return
    check_finite(name, x, allow_inf=allow_inf)
    v = _values(x)
    mask = ~(v >= lower)
    if np.any(mask):
        raise ValueError(f"{name} must be >= {lower:g}, got {_show(v, mask)}")


def check_integer_at_least(name: str, x, lower: int) -> None:
    """Raise ValueError unless `x` is an integer (or integer array) >= `lower`."""
    if not is_concrete(x):
        return
    check_at_least(name, x, lower)
    v = _values(x)
    mask = v != np.round(v)
    if np.any(mask):
        raise ValueError(f"{name} must be an integer, got {_show(v, mask)}")
