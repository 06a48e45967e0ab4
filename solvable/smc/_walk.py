"""Pieces shared by the samplers and the search: stacked arrays of a (model, values) pair, one
step down the base model, and finite log-weights. Private to `solvable.smc`; its names are
public inside the package.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from .. import _validate as v
from ._levels import stacked
from .values import as_values


def propagate(key, nodes, lp_t, ch_t):
    """Each particle at ``nodes`` moves to a child drawn from the base model's log-probabilities."""
    return ch_t[nodes, jax.random.categorical(key, lp_t[nodes])]


def no_nan(x):
    """NaN (from −∞ − (−∞), a dead branch) → −∞, so a dead branch gets weight 0."""
    return jnp.where(jnp.isnan(x), -jnp.inf, x)


def prepare(model, values, n_particles=None):
    """Stacked (log-probs, children, log-values) of ``model`` with ``values``; checks the count."""
    if n_particles is not None:
        v.check_integer_at_least("n_particles", n_particles, 1)
    return stacked(model, as_values(model, values))


@partial(jax.jit, static_argnums=(3,))
def walk_from_base(key, lp, ch, n):
    """Terminal nodes of ``n`` independent walks from the root down the base model."""
    def body(nodes, xs):
        return propagate(xs[0], nodes, xs[1], xs[2]), None

    keys = jax.random.split(key, lp.shape[0])
    return jax.lax.scan(body, jnp.zeros(n, jnp.int32), (keys, lp, ch))[0]
