"""Input checks at the Python boundary.

Every public function of `solvable` validates its arguments here before any traced
computation, so a bad value fails with a `ValueError` that names the parameter and shows
the offending value. Inside `jit`, `vmap` or `grad` the arguments are tracers whose values are
unknown; the checks then pass silently and the caller is responsible for the domain.
"""

from __future__ import annotations

import warnings

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
    "check_real",
    "check_pair",
    "check_choice",
    "check_choices",
    "check_instance",
    "check_callable",
    "check_key",
    "check_bool",
    "check_shape",
    "check_dtype",
    "check_levels",
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
    raise ValueError(f"{name} must be a real number or an array of real numbers, "
                     f"got {_shown(x)}")


def _show(v: np.ndarray, mask: np.ndarray) -> str:
    bad = v[mask] if v.ndim else v
    bad = np.ravel(bad)
    shown = ", ".join(repr(float(b)) for b in bad[:3])
    return shown + (", ..." if bad.size > 3 else "")


def check_finite(name: str, x, *, allow_inf: bool = False) -> None:
    """Raise ValueError if `x` is not numbers or has NaN (or ±inf unless `allow_inf`)."""
    if not is_concrete(x):
        return
    v = numbers(name, x)
    mask = np.isnan(v) if allow_inf else ~np.isfinite(v)
    if np.any(mask):
        raise ValueError(f"{name} must be finite, got {_show(v, mask)}")


def check_positive(name: str, x, *, allow_inf: bool = False) -> None:
    """Raise ValueError unless every entry of `x` is finite and > 0."""
    if not is_concrete(x):
        return
    check_finite(name, x, allow_inf=allow_inf)
    v = numbers(name, x)
    mask = ~(v > 0)
    if np.any(mask):
        raise ValueError(f"{name} must be > 0, got {_show(v, mask)}")


def check_nonnegative(name: str, x, *, allow_inf: bool = False) -> None:
    """Raise ValueError unless every entry of `x` is >= 0 (and not NaN)."""
    if not is_concrete(x):
        return
    check_finite(name, x, allow_inf=allow_inf)
    v = numbers(name, x)
    mask = ~(v >= 0)
    if np.any(mask):
        raise ValueError(f"{name} must be >= 0, got {_show(v, mask)}")


def check_at_least(name: str, x, lower: float, *, allow_inf: bool = False) -> None:
    """Raise ValueError unless every entry of `x` is >= `lower`."""
    if not is_concrete(x):
        return
    check_finite(name, x, allow_inf=allow_inf)
    v = numbers(name, x)
    mask = ~(v >= lower)
    if np.any(mask):
        raise ValueError(f"{name} must be >= {lower:g}, got {_show(v, mask)}")


def check_integer_at_least(name: str, x, lower: int) -> None:
    """Raise ValueError unless `x` is an integer (or integer array) >= `lower`."""
    if not is_concrete(x):
        return
    check_at_least(name, x, lower)
    v = numbers(name, x)
    mask = v != np.round(v)
    if np.any(mask):
        raise ValueError(f"{name} must be an integer, got {_show(v, mask)}")


# --- type checks: the value's kind, not its range --------------------------------------------

def _shown(x) -> str:
    shown = repr(x)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _has_tracer(x) -> bool:
    try:
        return any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(x))
    except Exception:  # noqa: BLE001  (an unreadable container holds no tracer we can see)
        return False


def check_real(name: str, x) -> None:
    """Raise ValueError unless `x` is real numbers: a number or an array (or nested list) of
    them; a string, None, a ragged list or complex values fail. No range check; tracers, and
    containers holding tracers, pass."""
    if isinstance(x, jax.core.Tracer):
        return
    if isinstance(x, (jax.Array, np.ndarray, np.generic)) and x.dtype.kind in "biuf":
        return
    if isinstance(x, (bool, int, float)):
        return
    try:
        numbers(name, x)
    except ValueError:
        if _has_tracer(x):
            return
        raise


def check_pair(name: str, x) -> None:
    """Raise ValueError unless `x` is two real numbers (an interval such as ``(lo, hi)``)."""
    check_real(name, x)
    if not _has_tracer(x) and np.shape(numbers(name, x)) != (2,):
        raise ValueError(f"{name} must be a pair of numbers (low, high), got {_shown(x)}")


def check_choice(name: str, value, choices) -> None:
    """Raise ValueError unless `value` is one of `choices`."""
    try:
        ok = bool(value in tuple(choices))
    except Exception:  # noqa: BLE001  (an array or other value that does not compare)
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {_shown(value)}")


def check_choices(name: str, values, choices) -> None:
    """Raise ValueError unless `values` is a list or tuple whose entries are among `choices`."""
    ok = isinstance(values, (list, tuple))
    if ok:
        for value in values:
            try:
                ok = ok and bool(value in tuple(choices))
            except Exception:  # noqa: BLE001
                ok = False
    if not ok:
        raise ValueError(f"{name} must be a list of names among {tuple(choices)}, "
                         f"got {_shown(values)}")


def check_instance(name: str, value, types, what: str) -> None:
    """Raise ValueError unless `value` is an instance of `types` (``what`` describes them)."""
    if not isinstance(value, types):
        raise ValueError(f"{name} must be {what}, got {_shown(value)}")


def check_callable(name: str, value) -> None:
    """Raise ValueError unless `value` is callable."""
    if not callable(value):
        raise ValueError(f"{name} must be a function, got {_shown(value)}")


def check_key(name: str, key) -> None:
    """Raise ValueError unless `key` is a JAX PRNG key (typed, or raw uint32 data)."""
    if isinstance(key, jax.core.Tracer):
        return
    if isinstance(key, (jax.Array, np.ndarray)) and (
            key.dtype == np.uint32 or jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)):
        return
    raise ValueError(f"{name} must be a jax PRNG key (jax.random.key), got {_shown(key)}")


def check_bool(name: str, value) -> None:
    """Raise ValueError unless `value` is True or False (a traced flag passes)."""
    if isinstance(value, jax.core.Tracer):
        return
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {_shown(value)}")


def check_shape(name: str, shape) -> None:
    """Raise ValueError unless `shape` is an array shape: an integer >= 0 or a tuple of them."""
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    try:
        ok = isinstance(dims, (tuple, list)) and all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0 for d in dims)
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"{name} must be an array shape (a tuple of integers >= 0), "
                         f"got {_shown(shape)}")


def check_dtype(name: str, dtype) -> None:
    """Raise ValueError unless `dtype` names a floating-point dtype (e.g. ``jnp.float64``)."""
    try:
        with warnings.catch_warnings():   # NumPy warns on some deprecated aliases (e.g. "a")
            warnings.simplefilter("ignore", DeprecationWarning)
            ok = jax.numpy.issubdtype(np.dtype(dtype), jax.numpy.floating)
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"{name} must be a floating-point dtype such as jnp.float64, "
                         f"got {_shown(dtype)}")


def check_levels(name: str, values) -> None:
    """Raise ValueError unless `values` is None, an object with per-level ``log`` values (such
    as `solvable.smc.Values`), an array, or a list or tuple of per-level arrays."""
    if values is None or isinstance(values, jax.core.Tracer):
        return
    if not isinstance(values, (str, bytes)) and hasattr(values, "log"):
        return
    if isinstance(values, (list, tuple)):
        for t, level in enumerate(values):
            check_real(f"{name}[{t}]", level)
        return
    if isinstance(values, (jax.Array, np.ndarray)):
        check_real(name, values)
        return
    raise ValueError(f"{name} must be Values, an array or a list of per-level arrays, "
                     f"got {_shown(values)}")
