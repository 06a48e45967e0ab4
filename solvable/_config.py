"""Numerical precision and the persistent compilation cache of `solvable`.

Precision: the theory is computed in float64. Importing `solvable` switches JAX's global flag
``jax_enable_x64`` on (the documented way to get 64-bit arrays in JAX); every public theory
function also converts its inputs with ``jnp.asarray(x, dtype=jnp.float64)``. Code that must
stay in float32 elsewhere can pass explicit float32 arrays, and the simulator offers float32
sampling (with float64 accumulation) for GPU speed.

Compilation cache: most of a fresh process's first δ(k) curve is XLA compilation of the
selection kernel (about 15 s on a 2-core CPU). Importing `solvable` therefore turns on JAX's
persistent compilation cache, so that later processes load the compiled programs from disk
(`enable_compilation_cache`). The cache lives in a per-user folder (`default_cache_dir`:
``$XDG_CACHE_HOME/solvable/jax`` or ``~/.cache/solvable/jax`` on Linux,
``~/Library/Caches/solvable/jax`` on macOS, ``%LOCALAPPDATA%\\solvable\\jax`` on Windows).
JAX's own settings win: if ``JAX_COMPILATION_CACHE_DIR`` (or ``jax_compilation_cache_dir``) is
already set, that folder is used; ``JAX_ENABLE_COMPILATION_CACHE=false`` disables it as usual,
and ``JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS`` / ``JAX_COMPILATION_CACHE_MAX_SIZE`` keep
their values when set. Set ``SOLVABLE_NO_COMPILE_CACHE=1`` to leave JAX's cache settings
untouched altogether. The cache is trusted code: keep it in a folder only you can write to.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Optional

import jax

jax.config.update("jax_enable_x64", True)

FLOAT = "float64"

OPT_OUT_ENV = "SOLVABLE_NO_COMPILE_CACHE"
"""Environment variable: a value other than ``""``, ``"0"`` or ``"false"`` turns the default
compilation cache off (JAX's own settings are then left as they are)."""

MIN_COMPILE_TIME_S = 0.2
"""Programs that took at least this long to compile are written to the cache (JAX's default
is 1 s; the kernel's set-up programs take 0.2–1 s each and add up in a fresh process)."""

MAX_CACHE_BYTES = 2 * 1024**3
"""Size bound of the default cache folder (least recently used entries are dropped; JAX
enforces it only where the ``filelock`` package is installed, otherwise the folder is
unbounded: about 10 MB after the whole test suite)."""


def default_cache_dir() -> str:
    """Per-user folder of the default persistent compilation cache.

    Returns
    -------
    str
        ``<user cache folder>/solvable/jax``, where the user cache folder is
        ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS and
        ``%LOCALAPPDATA%`` on Windows.

    Examples
    --------
    >>> from solvable._config import default_cache_dir
    >>> default_cache_dir().replace("\\\\", "/").endswith("solvable/jax")
    True
    """
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"),
                                                              "AppData", "Local")
    elif sys.platform == "darwin":
        base = os.path.join(os.path.expanduser("~"), "Library", "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                ".cache")
    return os.path.join(base, "solvable", "jax")


def _opted_out() -> bool:
    return os.environ.get(OPT_OUT_ENV, "").strip().lower() not in ("", "0", "false", "no")


def enable_compilation_cache(path: Optional[str] = None) -> Optional[str]:
    """Turn on JAX's persistent compilation cache, respecting JAX's own settings.

    Called once when `solvable` is imported. Without ``path``: if the opt-out variable
    ``SOLVABLE_NO_COMPILE_CACHE`` is set, nothing changes; if JAX already has a cache folder
    (``JAX_COMPILATION_CACHE_DIR`` or ``jax.config.update("jax_compilation_cache_dir", ...)``
    before the import), that folder stays; otherwise `default_cache_dir` is used. The minimum
    compile time of cached programs (`MIN_COMPILE_TIME_S`) and the size bound
    (`MAX_CACHE_BYTES`) are set only where their JAX environment variables are not.

    Parameters
    ----------
    path : str, optional
        Cache folder to use (overrides JAX's setting and the opt-out; created if missing).

    Returns
    -------
    str or None
        The cache folder in use, or None when the cache is off (opted out, or
        ``JAX_ENABLE_COMPILATION_CACHE=false``).

    Examples
    --------
    >>> import jax
    >>> from solvable._config import enable_compilation_cache
    >>> enable_compilation_cache() == jax.config.jax_compilation_cache_dir
    True
    """
    if path is None:
        if _opted_out():
            return None
        path = jax.config.jax_compilation_cache_dir or default_cache_dir()
    if "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS" not in os.environ:
        jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_TIME_S)
    if ("JAX_COMPILATION_CACHE_MAX_SIZE" not in os.environ
            and importlib.util.find_spec("filelock") is not None):  # JAX's LRU needs it
        jax.config.update("jax_compilation_cache_max_size", MAX_CACHE_BYTES)
    if path != jax.config.jax_compilation_cache_dir:
        try:
            os.makedirs(path, exist_ok=True)
        except OSError:   # read-only home: run without the cache rather than fail
            return None
        jax.config.update("jax_compilation_cache_dir", path)
    if not jax.config.jax_enable_compilation_cache:
        return None
    return path


CACHE_DIR = enable_compilation_cache()
"""The persistent compilation cache folder chosen at import (None: off)."""
