"""Evaluate a compiled function over fixed-size blocks of points, in parallel on CPU.

The selection kernel and the optimisers loop over small blocks of points (`jax.lax.map`, so
that each block takes only its own branch of a `jax.lax.switch`); such a loop mostly uses one
core. Concrete inputs are therefore cut into padded blocks of a fixed size (one compiled shape)
and the blocks are spread over a thread pool with one thread per core: a compiled JAX call
releases the GIL while it runs. Concrete inputs are padded and cut in NumPy, so that no small
slicing program is compiled per block offset.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import jax
import jax.numpy as jnp
import numpy as np

_POOL = None
_SEEN = set()   # (function, block shapes) already run once in this process


def on_cpu() -> bool:
    """True when computations run on the CPU backend (point-by-point evaluation pays off)."""
    return jax.default_backend() == "cpu"


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1,
                                   thread_name_prefix="solvable")
    return _POOL


def thread_map(fn, items) -> list:
    """``[fn(x) for x in items]``, run on the thread pool on CPU when there is more than one
    item (for NumPy work that releases the GIL)."""
    items = list(items)
    if len(items) > 1 and on_cpu():
        return list(_pool().map(fn, items))
    return [fn(x) for x in items]


def _traced(flat) -> bool:
    return any(isinstance(x, jax.core.Tracer) for x in flat)


def pad_to(flat, size: int):
    """Pad arrays along their leading axis (repeating the last entry) to a multiple of ``size``."""
    pad = (-flat[0].shape[0]) % size
    if not _traced(flat):
        return [np.concatenate([x, np.broadcast_to(x[-1:], (pad,) + x.shape[1:])])
                for x in (np.asarray(x) for x in flat)]
    return [jnp.concatenate([x, jnp.broadcast_to(x[-1:], (pad,) + x.shape[1:])]) for x in flat]


def _key(fn, flat):
    base = getattr(fn, "func", fn)
    base = getattr(base, "__code__", base)   # closures made afresh per call share their code
    return (base, tuple(sorted(getattr(fn, "keywords", {}).items())),
            tuple((x.shape[1:], str(x.dtype)) for x in flat))


def map_blocks(fn, flat, size: int):
    """``fn`` applied to consecutive blocks of ``size`` points of the arrays ``flat`` (points on
    the leading axis).

    ``fn(*block)`` returns an array or a tuple of arrays with the points on the leading axis;
    the blocks' results are concatenated and cut back to the number of points. On CPU with more
    than one block of concrete arrays, blocks run concurrently on the thread pool (the first
    block of a new function or shape runs alone first, so that the threads do not each compile
    the same program).
    """
    n = flat[0].shape[0]
    traced = _traced(flat)   # tracing stays on this thread
    flat = pad_to(list(flat), size)
    starts = range(0, flat[0].shape[0], size)

    def run(i):
        return jax.block_until_ready(fn(*(x[i:i + size] for x in flat)))

    if traced:
        outs = [run(i) for i in starts]
        return jax.tree_util.tree_map(lambda *xs: jnp.concatenate(xs)[:n], *outs)
    if len(starts) > 1 and on_cpu():
        key = _key(fn, flat)
        first = []
        if key not in _SEEN:
            first = [run(starts[0])]
            _SEEN.add(key)
            starts = starts[1:]
        outs = first + list(_pool().map(run, starts))
    else:
        outs = [run(i) for i in starts]
    # cut in NumPy (an eager slice would compile a program per length)
    return jax.tree_util.tree_map(
        lambda *xs: jnp.asarray(np.concatenate([np.asarray(x) for x in xs])[:n]), *outs)
