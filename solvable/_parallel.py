"""Evaluate a compiled function over fixed-size blocks of points, in parallel on CPU.

The selection kernel and the optimisers loop over small blocks of points (`jax.lax.map`, so
that each block takes only its own branch of a `jax.lax.switch`); such a loop mostly uses one
core. Concrete inputs are therefore cut into padded blocks of a fixed size (one compiled shape)
and the blocks are spread over a thread pool with one thread per core: a compiled JAX call
releases the GIL while it runs.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import jax
import jax.numpy as jnp

_POOL = None


def on_cpu() -> bool:
    """True when computations run on the CPU backend (point-by-point evaluation pays off)."""
    return jax.default_backend() == "cpu"


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1,
                                   thread_name_prefix="solvable")
    return _POOL


def pad_to(flat, size: int):
    """Pad arrays along their leading axis (repeating the last entry) to a multiple of ``size``."""
    pad = (-flat[0].shape[0]) % size
    return [jnp.concatenate([x, jnp.broadcast_to(x[-1:], (pad,) + x.shape[1:])]) for x in flat]


def map_blocks(fn, flat, size: int):
    """``fn`` applied to consecutive blocks of ``size`` points of the arrays ``flat`` (points on
    the leading axis).

    ``fn(*block)`` returns an array or a tuple of arrays with the points on the leading axis;
    the blocks' results are concatenated and cut back to the number of points. On CPU with more
    than one block of concrete arrays, blocks run concurrently on the thread pool.
    """
    n = flat[0].shape[0]
    flat = pad_to(list(flat), size)
    starts = range(0, flat[0].shape[0], size)

    def run(i):
        return jax.block_until_ready(fn(*(x[i:i + size] for x in flat)))

    traced = any(isinstance(x, jax.core.Tracer) for x in flat)  # tracing stays on this thread
    if len(starts) > 1 and on_cpu() and not traced:
        outs = list(_pool().map(run, starts))
    else:
        outs = [run(i) for i in starts]
    return jax.tree_util.tree_map(lambda *xs: jnp.concatenate(xs)[:n], *outs)
