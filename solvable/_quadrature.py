"""Quadrature rules over the offsets' Gaussian law: the x-average of docs/theory.md §3.

Private to the package; its names are public inside it. `solvable.average` (the error δ) and
`solvable.answers` (the accuracy) average their pointwise values with these nodes.
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

from . import _config  # noqa: F401  (float64)
from ._validate import check_integer_at_least
from .equivalents import OffsetLaw


def hermite_rule(n: int):
    """Gauss–Hermite rule for E[f(ξ)], ξ ~ N(0, 1): nodes √2·x_i, weights w_i/√π.

    Exact for polynomials of degree ≤ 2n − 1. Cached per ``n``.

    Parameters
    ----------
    n : int
        Number of nodes.

    Returns
    -------
    nodes, weights : numpy.ndarray
        Arrays of shape (n,); the weights sum to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.average import hermite_rule
    >>> x, w = hermite_rule(8)
    >>> round(float(np.sum(w * x**2)), 12), round(float(np.sum(w * x**4)), 12)  # E ξ², E ξ⁴
    (1.0, 3.0)
    """
    check_integer_at_least("n", n, 1)
    return _hermite_rule(n)


@lru_cache(maxsize=None)
def _hermite_rule(n: int):
    x, w = np.polynomial.hermite.hermgauss(n)
    return np.sqrt(2.0) * x, w / np.sqrt(np.pi)


@lru_cache(maxsize=None)
def legendre(n: int):
    x, w = np.polynomial.legendre.leggauss(n)
    return (x + 1.0) / 2.0, w / 2.0


# panel edges of the half-line ξ ≥ 0 for the Gaussian itself, and the offsets a/s̄ at which the
# pointwise error has its features (the selection switches where μ_R enters the predictive)
XI_EDGES = np.array([0.0, 1.0, 2.0, 3.5, 5.5, 8.0, 12.0])
A_FEATURES = np.array([0.5, 1.5, 3.0, 6.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0])


def half_line_rule(scale, n: int):
    """Nodes/weights on ξ ∈ [0, 12] for 2·E[f(ξ); ξ > 0], ξ ~ N(0, 1), with extra panel edges
    where |a|/s̄ = scale·ξ crosses the pointwise error's features (a fixed number of nodes).

    When the reward offset's spread is much wider than s̄, the pointwise error changes on a scale
    s̄ ≪ its Gaussian width around a = 0, which a Gauss–Hermite rule on the Gaussian scale
    cannot see; composite Gauss–Legendre panels with those edges can.
    """
    feat = jax.lax.stop_gradient(jnp.asarray(A_FEATURES) / jnp.maximum(scale, 1e-300)[..., None])
    edges = jnp.sort(jnp.concatenate(
        [jnp.broadcast_to(jnp.asarray(XI_EDGES), feat.shape[:-1] + XI_EDGES.shape),
         jnp.clip(feat, 0.0, 12.0)], axis=-1), axis=-1)
    x, w = legendre(n)
    lo, hi = edges[..., :-1, None], edges[..., 1:, None]
    xi = (lo + (hi - lo) * x).reshape(edges.shape[:-1] + (-1,))
    wt = ((hi - lo) * w).reshape(edges.shape[:-1] + (-1,))
    return xi, 2.0 * wt * jnp.exp(-0.5 * xi * xi) / np.sqrt(2.0 * np.pi)


def offset_nodes(law: OffsetLaw, nodes_1d: int, nodes_2d: int):
    """Quadrature nodes (Δ_T, Δ_R) with weights, on a trailing axis.

    δ̂ is even under (b, a) → (−b, −a), so the rules cover half of the plane and double. Rank one
    (Δ_R = g Δ_T): one dimension, ξ ≥ 0 with panels. Otherwise the reward offset's marginal
    (ξ₂ ≥ 0, panels) is outside and the teacher offset given it (Gauss–Hermite) inside.
    """
    s = jnp.sqrt(law.predictive_var)
    if law.rank_one:
        sd_t = jnp.sqrt(law.var_teacher)
        ratio = law.cov / jnp.where(law.var_teacher > 0, law.var_teacher, 1.0)
        xi, w = half_line_rule(jnp.abs(ratio) * sd_t / s, nodes_1d)
        delta_t = sd_t[..., None] * xi
        return delta_t, ratio[..., None] * delta_t, w
    sd_r = jnp.sqrt(law.var_reward)
    xi2, w2 = half_line_rule(sd_r / s, nodes_1d)
    xi1, w1 = _hermite_rule(nodes_2d)   # nodes_2d checked by the public callers
    safe_r = jnp.where(law.var_reward > 0, law.var_reward, 1.0)
    beta = jnp.where(law.var_reward > 0, law.cov / safe_r, 0.0)
    cond_sd = jnp.sqrt(jnp.clip(law.var_teacher - beta * law.cov, 0.0, None))
    delta_r = (sd_r[..., None] * xi2)[..., :, None]
    delta_t = beta[..., None, None] * delta_r + cond_sd[..., None, None] * xi1
    weights = w2[..., :, None] * jnp.asarray(w1)
    shape = delta_t.shape[:-2] + (-1,)
    return (delta_t.reshape(shape), jnp.broadcast_to(delta_r, delta_t.shape).reshape(shape),
            weights.reshape(shape))
