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
    "numbers",
    "check_finite",
    "check_positive",
    "check_nonnegative",
    "check_at_least",
    "check_integer_at_least",
]


def is_concrete(x) -> bool:
    """True when `x` holds actual numbers (not a JAX tracer)."""
    return not isinstance(x, jax.core.Tracer)


def numbers(name: str, x) -> np.ndarray:
    """``x`` as a float array, or a ValueError naming ``name`` when it is not numbers: a string,
    None, a ragged nested list, or anything else NumPy cannot read as real numbers."""
    bad = isinstance(x, (str, bytes)) or x is None
    if not bad:
        try:
            raw = np.asarray(x)
            bad = raw.dtype.kind in "USVM" or (raw.dtype.kind == "O" and any(
                v is None or isinstance(v, (str, bytes)) for v in raw.ravel()))
            if not bad:
                if raw.dtype.kind == "c":
                    raise TypeError("complex")
                return np.asarray(raw, dtype=float)
        except (TypeError, ValueError, OverflowError):
            bad = True
    shown = repr(x)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise ValueError(f"{name} must be a real number or an array of real numbers, got {shown}")


def _values(name, x):
    return numbers(name, x)


def _show(v: np.ndarray, mask: np.ndarray) -> str:
    bad = v[mask] if v.ndim else v
    bad = np.ravel(bad)
    shown = ", ".join(repr(float(b)) for b in bad[:3])
    return shown + (", ..." if bad.size > 3 else "")


def check_finite(name: str, x, *, allow_inf: bool = False) -> None:
    """Raise ValueError if `x` is not numbers or has NaN (or ±inf unless `allow_inf`)."""
    if not is_concrete(x):
        return
    v = _values(name, x)
    mask = np.isnan(v) if allow_inf else ~np.isfinite(v)
    if np.any(mask):
        raise ValueError(f"{name} must be finite, got {_show(v, mask)}")


def check_positive(name: str, x, *, allow_inf: bool = False) -> None:
    """Raise ValueError unless every entry of `x` is finite and > 0."""
    if not is_concrete(x):
        return
    check_finite(name, x, allow_inf=allow_inf)
    v = _values(name, x)
    mask = ~(v > 0)
    if np.any(mask):
        raise ValueError(f"{name} must be > 0, got {_show(v, mask)}")


def check_nonnegative(name: str, x, *, allow_inf: bool = False) -> None:
    """Raise ValueError unless every entry of `x` is >= 0 (and not NaN)."""
    if not is_concrete(x):
        return
    check_finite(name, x, allow_inf=allow_inf)
    v = _values(name, x)
    mask = ~(v >= 0)
    if np.any(mask):
        raise ValueError(f"{name} must be >= 0, got {_show(v, mask)}")


def check_at_least(name: str, x, lower: float, *, allow_inf: bool = False) -> None:
    """Raise ValueError unless every entry of `x` is >= `lower`."""
    if not is_concrete(x):
        return
    check_finite(name, x, allow_inf=allow_inf)
    v = _values(name, x)
    mask = ~(v >= lower)
    if np.any(mask):
        raise ValueError(f"{name} must be >= {lower:g}, got {_show(v, mask)}")


def check_integer_at_least(name: str, x, lower: int) -> None:
    """Raise ValueError unless `x` is an integer (or integer array) >= `lower`."""
    if not is_concrete(x):
        return
    check_at_least(name, x, lower)
    v = _values(name, x)
    mask = v != np.round(v)
    if np.any(mask):
        raise ValueError(f"{name} must be an integer, got {_show(v, mask)}")
