"""The x-averaged generalization error δ(k, T) of the deterministic equivalent (THEORY §2–3).

    δ(k, T) = E_{(Δ_T, Δ_R) ~ N(0, C)} [ s̄² · δ̂(k, T/(2 s̄²), Δ_T/s̄, Δ_R/s̄) ],

where δ̂ is the exact pointwise selection error of `solvable.selection` in units of s̄² and
(Δ_T, Δ_R) = (m − μ_T, m − μ_R) is the offsets' Gaussian law of `solvable.offset_law`.
The expectation is taken by Gauss–Hermite quadrature: one-dimensional when Δ_R is a multiple of
Δ_T (the knob reward), a two-dimensional product rule otherwise (using the sign symmetry
δ̂(k, t, −b, −a) = δ̂(k, t, b, a) to halve the nodes). The integrand is analytic in the offsets
and grows only polynomially, so the rule converges geometrically; tests compare against a rule
of four times the size and against exact limits.

Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
Inference-Time Scaling", arXiv 2512.19905.
"""

from __future__ import annotations

from functools import lru_cache

import jax.numpy as jnp
import numpy as np

from . import _config  # noqa: F401
from ._validate import check_at_least, check_nonnegative
from .equivalents import OffsetLaw, offset_law
from .problem import Problem, Reward
from .selection import selection_error_normalized

__all__ = ["generalization_error", "average_over_offsets", "hermite_rule"]

DEFAULT_NODES_1D = 64
DEFAULT_NODES_2D = 40


@lru_cache(maxsize=None)
def hermite_rule(n: int):
    """Gauss–Hermite rule for E[f(ξ)], ξ ~ N(0, 1): nodes √2·x_i, weights w_i/√π."""
    x, w = np.polynomial.hermite.hermgauss(n)
    return np.sqrt(2.0) * x, w / np.sqrt(np.pi)


def _offset_nodes(law: OffsetLaw, nodes_1d: int, nodes_2d: int):
    """Quadrature nodes (Δ_T, Δ_R) with weights, on a trailing axis."""
    sd_t = jnp.sqrt(law.var_teacher)
    if law.rank_one:
        xi, w = hermite_rule(nodes_1d)
        ratio = law.cov / jnp.where(law.var_teacher > 0, law.var_teacher, 1.0)
        half = xi >= 0  # δ̂ is even under (b, a) → (−b, −a): fold the rule onto ξ ≥ 0
        xi, w = xi[half], np.where(xi[half] > 0, 2.0 * w[half], w[half])
        delta_t = sd_t[..., None] * xi
        return delta_t, ratio[..., None] * delta_t, jnp.asarray(w)
    xi, w = hermite_rule(nodes_2d)
    x1, x2 = (a.ravel() for a in np.meshgrid(xi, xi, indexing="ij"))
    ww = np.outer(w, w).ravel()
    keep = (x1 > 0) | ((x1 == 0) & (x2 >= 0))
    ww = np.where((x1 == 0) & (x2 == 0), ww, 2.0 * ww)[keep]
    x1, x2 = x1[keep], x2[keep]
    safe_t = jnp.where(law.var_teacher > 0, sd_t, 1.0)
    loading = jnp.where(law.var_teacher > 0, law.cov / safe_t, 0.0)
    resid = jnp.sqrt(jnp.clip(law.var_reward - loading**2, 0.0, None))
    delta_t = sd_t[..., None] * x1
    delta_r = loading[..., None] * x1 + resid[..., None] * x2
    return delta_t, delta_r, jnp.asarray(ww)


def average_over_offsets(law: OffsetLaw, k, temperature, *, nodes_1d: int = DEFAULT_NODES_1D,
                         nodes_2d: int = DEFAULT_NODES_2D):
    """E over the offsets' law of the pointwise selection error (no input validation).

    Jittable and differentiable in `k`, `temperature` and every field of `law`; `k` and
    `temperature` broadcast against each other and against the law's fields.
    """
    s2 = jnp.asarray(law.predictive_var, jnp.float64)
    k = jnp.asarray(k, jnp.float64)
    temperature = jnp.asarray(temperature, jnp.float64)
    delta_t, delta_r, weights = _offset_nodes(law, nodes_1d, nodes_2d)
    s = jnp.sqrt(s2)[..., None]
    t = (temperature / (2.0 * s2))[..., None]
    pointwise = selection_error_normalized(k[..., None], t, delta_t / s, delta_r / s)
    return s2 * jnp.sum(weights * pointwise, axis=-1)


def generalization_error(problem: Problem, reward: Reward, k, temperature, *,
                         nodes_1d: int = DEFAULT_NODES_1D, nodes_2d: int = DEFAULT_NODES_2D):
    """Deterministic-equivalent generalization error δ(k, T) (THEORY §3).

    δ(k, T) = E_x E_{y_1..y_k}[Σ_i p_i (y_i − μ_T(x))²] with p = softmax(−(y − μ_R)²/T),
    y_i ~ N(m(x), s̄²) the DE predictive, averaged exactly over the Gaussian law of the offsets
    (Δ_T, Δ_R). Real k ≥ 1 (smooth in k), T ≥ 0 (T = 0 is best-of-k, T = ∞ a uniform pick);
    `k` and `temperature` broadcast. Same units as σ² (plot δ/σ²).

    Limits (tested): k = 1 or T = ∞ gives s̄² + Var Δ_T; k → ∞ at T > 0 gives
    E(Δ_T − Δ_R/(1 + t))² + s̄² t/(1 + t) with t = T/(2 s̄²).
    """
    check_at_least("k", k, 1.0)
    check_nonnegative("temperature", temperature, allow_inf=True)
    return average_over_offsets(offset_law(problem, reward), k, temperature,
                                nodes_1d=nodes_1d, nodes_2d=nodes_2d)
