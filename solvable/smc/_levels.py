"""Level-by-level drivers: one kernel per level, a single `lax.scan` for Markov models.

Trees have a different shape at every level, so the kernel runs in a Python loop over the T
levels (one compilation per level shape); Markov models are stored stacked, so the same
kernel runs inside one `lax.scan`. Nothing loops over nodes.

"Level containers" are a tuple of per-level arrays (trees) or one stacked array (Markov);
`lmap` applies a level-wise function to either.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from .models import Process, Values


def lmap(fn, *containers):
    """Apply ``fn`` level by level (tuples) or at once on stacked arrays (broadcasting)."""
    if isinstance(containers[0], tuple):
        return tuple(fn(*xs) for xs in zip(*containers))
    return fn(*containers)


def append(container, last):
    """Container of levels 0..T−1 plus level T."""
    if isinstance(container, tuple):
        return container + (last,)
    return jnp.concatenate([container, last[None]])


def sweep(kernel, model: Process, carry, extra=(), *, reverse: bool = False):
    """Run ``carry, outs = kernel(carry, (log_probs_t, children_t, *extra_t))`` over t = 0..T−1
    (or backwards); ``outs`` is a tuple of arrays. Returns the final carry and one level
    container (t = 0..T−1) per output field."""
    xs = (model.log_probs, model.children) + tuple(extra)
    if model.is_markov:
        return _scan(kernel, carry, xs, reverse)
    step = jax.jit(kernel)
    order = range(model.T - 1, -1, -1) if reverse else range(model.T)
    outs = [None] * model.T
    for t in order:  # loop over levels, vectorised within
        carry, outs[t] = step(carry, tuple(x[t] for x in xs))
    return carry, tuple(zip(*outs))


@partial(jax.jit, static_argnums=(0, 3))
def _scan(kernel, carry, stacked, reverse):
    return jax.lax.scan(kernel, carry, stacked, reverse=reverse)


def scatter_logsumexp(logx, index, size: int):
    """log Σ_{j: index_j = i} exp(logx_j) for i < size (−inf for empty bins)."""
    logx, index = logx.reshape(-1), index.reshape(-1)
    m = jax.ops.segment_max(logx, index, num_segments=size)
    m = jnp.where(jnp.isfinite(m), m, 0.0)
    s = jax.ops.segment_sum(jnp.exp(logx - m[index]), index, num_segments=size)
    return jnp.where(s > 0, m + jnp.log(jnp.where(s > 0, s, 1.0)), -jnp.inf)


def child_log_values(lp, ch, lv_next):
    """log p(b | i) + log V_{t+1}(child(i, b)), shape (n_t, B); 0·V counts as 0."""
    return jnp.where(jnp.isneginf(lp), -jnp.inf, lp + lv_next[ch])


def _forward(lq, xs, markov):
    """Push a log-law over level t through log-kernel xs[2] (n_t, B) to level t+1."""
    ch, lk = xs[1], xs[2]
    size = lq.shape[0] if markov else ch.size
    return scatter_logsumexp(lq[:, None] + lk, ch, size), (lq,)


def _forward_markov(lq, xs):
    return _forward(lq, xs, True)


def _forward_tree(lq, xs):
    return _forward(lq, xs, False)


def push_forward(model: Process, log_kernels):
    """Laws of the nodes of levels 0..T (a level container) of the chain that starts at the
    root and moves along child(i, b) with log-probabilities ``log_kernels[t][i, b]``."""
    start = jnp.full(model.sizes[0], -jnp.inf).at[0].set(0.0)
    last, (outs,) = sweep(_forward_markov if model.is_markov else _forward_tree,
                          model, start, (log_kernels,))
    return append(outs, last)


def log_masses(model: Process):
    """Forward masses under p: log p(node of level t), t = 0..T (root = node 0 of level 0)."""
    return push_forward(model, model.log_probs)


def stacked(model: Process, values: Values | None = None):
    """(T, S, B) log-probs and children and (T+1, S) log-values (None without ``values``),
    S = max n_t (trees padded; padded rows are unreachable, with uniform log-probs and child 0).
    Used by samplers."""
    if model.is_markov:
        return model.log_probs, model.children, None if values is None else values.log
    S = max(model.sizes)

    def pad(a, fill):
        width = [(0, S - a.shape[0])] + [(0, 0)] * (a.ndim - 1)
        return jnp.pad(a, width, constant_values=fill)

    lp = jnp.stack([pad(a, -jnp.log(model.B)) for a in model.log_probs])
    ch = jnp.stack([pad(a, 0) for a in model.children])
    lv = None if values is None else jnp.stack([pad(a, 0.0) for a in values.log])
    return lp, ch, lv
