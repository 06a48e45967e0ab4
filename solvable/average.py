"""The x-averaged generalization error δ(k, T) of the deterministic equivalent (docs/theory.md §3).

    δ(k, T) = E_{(Δ_T, Δ_R) ~ N(0, C)} [ s̄² · δ̂(k, T/(2 s̄²), Δ_T/s̄, Δ_R/s̄) ],

where δ̂ is the exact pointwise selection error of `solvable.selection` in units of s̄² and
(Δ_T, Δ_R) = (m − μ_T, m − μ_R) is the offsets' Gaussian law of `solvable.offset_law`.
The expectation is one-dimensional when Δ_R is a multiple of Δ_T (the knob reward) and
two-dimensional otherwise (the reward offset outside, the teacher offset given it inside, by
Gauss–Hermite). Using the sign symmetry δ̂(k, t, −b, −a) = δ̂(k, t, b, a) the outer variable runs
over a half-line, by composite Gauss–Legendre panels whose edges include the points where
|Δ_R|/s̄ crosses the scales on which δ̂ changes (a wide reward-offset law would otherwise hide
δ̂'s features near Δ_R = 0 between Gauss–Hermite nodes). Tests compare against rules of twice
the size and against exact limits.

Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
Inference-Time Scaling", arXiv 2512.19905.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _config  # noqa: F401
from ._quadrature import hermite_rule, offset_nodes
from ._validate import (check_at_least, check_instance, check_integer_at_least, check_nonnegative,
                        check_real)
from .equivalents import OffsetLaw, offset_law
from .judge import check_judge, judged_law
from .problem import AlignedReward, KnobReward, Problem, Reward, WeightsReward
from .selection import selection_error_normalized

__all__ = ["generalization_error", "average_over_offsets", "hermite_rule"]

DEFAULT_NODES_1D = 8   # Gauss–Legendre nodes per panel of the half-line rule
DEFAULT_NODES_2D = 24  # Gauss–Hermite nodes of the conditional teacher offset


def average_over_offsets(law: OffsetLaw, k, temperature, *, nodes_1d: int = DEFAULT_NODES_1D,
                         nodes_2d: int = DEFAULT_NODES_2D):
    """δ(k, T) = E_{(Δ_T, Δ_R) ~ law}[s̄² δ̂(k, T/(2s̄²), Δ_T/s̄, Δ_R/s̄)], without validation.

    The core of `generalization_error` for a given `OffsetLaw` (docs/theory.md §3).
    Jittable and differentiable in ``k``, ``temperature`` and every field of ``law``.

    Parameters
    ----------
    law : OffsetLaw
        The offsets' Gaussian law and the predictive variance s̄².
    k : float or array
        Number of samples, real ≥ 1.
    temperature : float or array
        T ≥ 0 (0: best-of-k; inf: uniform pick). Broadcasts against ``k`` and the law.
    nodes_1d : int, default 8
        Gauss–Legendre nodes per panel of the outer half-line rule.
    nodes_2d : int, default 24
        Gauss–Hermite nodes of the conditional teacher offset (non-rank-one laws).

    Returns
    -------
    jax.Array
        δ, in the units of s̄², of the broadcast shape.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable import OffsetLaw
    >>> from solvable.average import average_over_offsets
    >>> law = OffsetLaw(var_teacher=0.5, var_reward=2.0, cov=1.0, predictive_var=1.0,
    ...                 rank_one=True)
    >>> round(float(average_over_offsets(law, 1.0, 1.0)), 6)  # k = 1: s̄² + Var Δ_T
    ... # doctest: +SLOW
    1.5
    >>> np.round(np.asarray(average_over_offsets(law, [1.0, 4.0, 16.0], 2.0)), 4)
    array([1.5   , 0.6127, 0.5146])
    """
    check_instance("law", law, OffsetLaw, "an OffsetLaw")
    check_real("k", k)
    check_real("temperature", temperature)
    check_integer_at_least("nodes_1d", nodes_1d, 1)
    check_integer_at_least("nodes_2d", nodes_2d, 1)
    args = (law, k, temperature)
    if any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(args)):
        s2, k, t, b, a, weights = _pointwise_args(law, k, temperature, nodes_1d, nodes_2d)
        pointwise = selection_error_normalized(k, t, b, a, where=weights > 0)
        return s2 * jnp.sum(weights * pointwise, axis=-1)
    # concrete: the set-up in one compiled program and the sum in NumPy (a fresh process
    # would otherwise compile some thirty small programs, one per eager operation)
    s2, k, t, b, a, weights = _pointwise_args_jit(law, k, temperature, nodes_1d, nodes_2d)
    weights = np.asarray(weights)
    pointwise = selection_error_normalized(k, t, b, a, where=weights > 0)  # zero-width: skipped
    return jnp.asarray(np.asarray(s2) * np.sum(weights * np.asarray(pointwise), axis=-1))


def _pointwise_args(law, k, temperature, nodes_1d, nodes_2d):
    """(s̄², k, t, b, a, weights) at the offsets' quadrature nodes (nodes on the last axis)."""
    s2 = jnp.asarray(law.predictive_var, jnp.float64)
    k = jnp.asarray(k, jnp.float64)
    temperature = jnp.asarray(temperature, jnp.float64)
    delta_t, delta_r, weights = offset_nodes(law, nodes_1d, nodes_2d)
    s = jnp.sqrt(s2)[..., None]
    t = (temperature / (2.0 * s2))[..., None]
    return s2, k[..., None], t, delta_t / s, delta_r / s, weights


_pointwise_args_jit = jax.jit(_pointwise_args, static_argnums=(3, 4))
_offset_law_jit = jax.jit(offset_law)


def generalization_error(problem: Problem, reward: Reward, k, temperature, *,
                         nodes_1d: int = DEFAULT_NODES_1D, nodes_2d: int = DEFAULT_NODES_2D,
                         judge=None):
    """Generalization error δ(k, T) = E_x E_y[Σ_i p_i (y_i − μ_T(x))²], p = softmax(−(y − μ_R)²/T).

    The deterministic equivalent (docs/theory.md §3): y_i ~ N(m(x), s̄²), averaged over the
    Gaussian law of the offsets (Δ_T, Δ_R) by quadrature (Halder & Pehlevan, arXiv
    2512.19905). Smooth in real k; differentiable in k, T and the problem's fields.

    Parameters
    ----------
    problem : Problem
        The teacher–student problem.
    reward : Reward
        The judge (`KnobReward`, `WeightsReward` or `AlignedReward`).
    k : float or array
        Number of samples, real ≥ 1.
    temperature : float or array
        T ≥ 0 in the units of y² (0: best-of-k; ``inf``: uniform pick). Broadcasts with ``k``.
    nodes_1d, nodes_2d : int
        Quadrature sizes (see `average_over_offsets`); the defaults are converged (tests).
    judge : solvable.judge.Judge, optional
        Repeated noisy calls (docs/theory.md §10): the judge's centre misreading ε̄, independent
        of x, adds ``judge.centre_variance`` to Var Δ_R (`solvable.judge.judged_law`), and the
        softmax acts at ``judge.temperature(T)``. None: the exact judge.

    Returns
    -------
    jax.Array
        δ, in the units of σ² (plot δ/σ²), of shape broadcast(k, temperature).

    Notes
    -----
    Limits (tested): k = 1 or T = ∞ gives s̄² + Var Δ_T; k → ∞ at T > 0 gives
    E(Δ_T − Δ_R/(1 + t))² + s̄² t/(1 + t) with t = T/(2 s̄²) (docs/theory.md §4).

    Examples
    --------
    >>> import numpy as np
    >>> import solvable
    >>> problem = solvable.paper_problem()
    >>> sigma2 = float(problem.sigma) ** 2
    >>> delta = solvable.generalization_error(problem, solvable.KnobReward(10.0),
    ...                                       k=[1, 8, 64], temperature=2 * sigma2 * 10)
    ... # doctest: +SLOW
    >>> np.round(np.asarray(delta) / sigma2, 4)  # δ/σ² at T/(2σ²) = 10
    array([1.0411, 0.917 , 0.9107])
    """
    check_instance("problem", problem, Problem, "a solvable.Problem")
    check_instance("reward", reward, (KnobReward, WeightsReward, AlignedReward),
                   "a KnobReward, WeightsReward or AlignedReward")
    check_at_least("k", k, 1.0)
    check_nonnegative("temperature", temperature, allow_inf=True)
    check_integer_at_least("nodes_1d", nodes_1d, 1)
    check_integer_at_least("nodes_2d", nodes_2d, 1)
    judge = check_judge(judge)
    law = judged_law(_offset_law_jit(problem, reward), judge)
    return average_over_offsets(law, k, judge.temperature(temperature),
                                nodes_1d=nodes_1d, nodes_2d=nodes_2d)
