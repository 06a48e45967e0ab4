"""Bellman error and ratio bound of an approximate value function (docs/theory.md §8).

Zhu & Lu, "On the Power of (Approximate) Reward Models for Inference-Time Scaling: Sequential
Monte Carlo and Beyond" (arXiv 2602.01381). With the log Bellman residual

    ρ_t(s_{1:t}) = log V_t(s_{1:t}) − log E_p[V_{t+1} | s_{1:t}],   t = 0..T−1,

* multiplicative Bellman error ε: 1/(1+ε) ≤ V_t / E_p[V_{t+1}|s_{1:t}] ≤ 1+ε, i.e.
  log(1+ε) = sup_{t, s_{1:t} reachable} |ρ_t|;
* ratio bound L: 1/L ≤ V_{t+1}/V_t ≤ L, i.e. log L = sup over reachable edges |log V_{t+1} − log V_t|;
* average versions Σ_t E|ρ_t| / T with prefixes drawn from p and from π (π's t-marginal is
  p(s_{1:t}) V*_t / V*_0), so average-case and worst-case accuracy can be compared.

Sups run over prefixes of positive p-probability. A node with V_t = 0 and E_p[V_{t+1}] = 0 is
consistent (ρ = 0); a zero against a positive number gives ε = ∞ (likewise for L).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _validate as v
from ._levels import child_log_values, lmap, log_masses, sweep
from .models import Process
from .values import as_values, exact_values

__all__ = ["BellmanError", "bellman_error"]


class BellmanError(NamedTuple):
    """Worst-case and average-case accuracy of an approximate V (see module docstring).

    Examples
    --------
    >>> from solvable.smc import product_model, bellman_error
    >>> b = bellman_error(product_model(3, 2.0))
    >>> round(b.epsilon, 6), round(b.ratio_bound, 6), b.epsilon_by_level.shape  # (r-1)/2, r, (T,)
    (0.5, 2.0, (3,))
    """

    epsilon: float  # sup-norm multiplicative Bellman error ε
    ratio_bound: float  # L
    mean_log_residual_p: float  # (1/T) Σ_t E_p |ρ_t|
    mean_log_residual_pi: float  # (1/T) Σ_t E_π |ρ_t|
    epsilon_by_level: np.ndarray  # (T,): exp(sup |ρ_t|) − 1
    log_residual_p_by_level: np.ndarray  # (T,): E_p |ρ_t|
    log_residual_pi_by_level: np.ndarray  # (T,): E_π |ρ_t|


def _log_diff(a, b):
    """a − b with (−inf) − (−inf) = 0."""
    return jnp.where(jnp.isneginf(a) & jnp.isneginf(b), 0.0, a - b)


def _weighted(log_mass, x):
    return jnp.sum(jnp.where(jnp.isfinite(log_mass), jnp.exp(log_mass) * x, 0.0))


def _level(carry, xs):
    lp, ch, lv, lv_next, lm, lpi = xs
    log_expect = jax.scipy.special.logsumexp(child_log_values(lp, ch, lv_next), axis=1)
    reach = jnp.isfinite(lm)
    res = jnp.where(reach, jnp.abs(_log_diff(lv, log_expect)), 0.0)
    edge = reach[:, None] & jnp.isfinite(lp)
    ratio = jnp.where(edge, jnp.abs(_log_diff(lv_next[ch], lv[:, None])), 0.0)
    return carry, (jnp.max(res), _weighted(lm, res), _weighted(lpi, res), jnp.max(ratio))


def bellman_error(model: Process, values=None) -> BellmanError:
    """Bellman error ε, ratio bound L and average log residuals of ``values`` (default: the
    model's attached values). Exact: a forward pass for p-masses and one level sweep.

    Parameters
    ----------
    model : Process
        The process.
    values : Values, array_like or None
        The approximate values (see `as_values`); None uses ``model.values``.

    Returns
    -------
    BellmanError
        ε, L, the average log residuals under p and π, and their per-level versions.

    Examples
    --------
    >>> from solvable.smc import product_model, bellman_error
    >>> b = bellman_error(product_model(3, 2.0))
    >>> round(b.epsilon, 6), round(b.ratio_bound, 6)  # (r - 1)/2 and r
    (0.5, 2.0)
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    vals = as_values(model, values)
    star = exact_values(model)
    masses = log_masses(model)
    pi = lmap(lambda m, s: m + s - star.log[0][0], masses, star.log)
    extra = (vals.log[:-1], vals.log[1:], masses[:-1], pi[:-1])
    _, outs = sweep(_level, model, jnp.zeros(()), extra)
    sup, avg_p, avg_pi, lsup = (np.asarray(jnp.stack(o) if isinstance(o, tuple) else o) for o in outs)
    return BellmanError(
        epsilon=float(np.expm1(sup.max())),
        ratio_bound=float(np.exp(lsup.max())),
        mean_log_residual_p=float(avg_p.mean()),
        mean_log_residual_pi=float(avg_pi.mean()),
        epsilon_by_level=np.expm1(sup),
        log_residual_p_by_level=avg_p,
        log_residual_pi_by_level=avg_pi,
    )
