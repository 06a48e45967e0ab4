"""Repeated and noisy judge calls (docs/theory.md §10).

A judge call j scores every candidate with the quadratic reward around its own preferred answer,
r_j(y) = −(y − μ_R − ε_j)², with ε_j ~ N(0, τ²) a misreading of the question that the call
shares with all the candidates it scores, and optionally per-candidate noise η_ij ~ N(0, σ²) on
each score. Because the reward is quadratic, the mean of m calls' scores is, up to a term
the same for every candidate,

    (1/m) Σ_j r_j(y) = −(y − μ_R − ε̄)² + const,   ε̄ ~ N(0, τ₀² + τ²/m),

one quadratic judge with a random centre (τ₀: a floor that more calls cannot remove, e.g. the
part of the misreading all calls share), plus per-candidate noise of variance σ²/m. The sum of
the m scores is m times the mean: the softmax at temperature T over sums is the softmax at T/m
over means. So every exact formula of the noiseless judge holds conditional on the centre, and
the noisy judge is one more Gaussian integral over ε̄ (docs/theory.md §10).

`Judge` holds the numbers; the exact functions (`solvable.selection_error`,
`solvable.selection_accuracy`, `solvable.generalization_error`,
`solvable.generalization_accuracy`) and `solvable.simulate` accept it as ``judge=``.
`centre_rule` gives the nodes of the centre's Gaussian law used by the pointwise functions.
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache

import numpy as np

from ._kernel import gauss_legendre
from ._quadrature import hermite_rule
from ._validate import check_choice, check_integer_at_least, check_nonnegative
from .equivalents import OffsetLaw

__all__ = ["Judge", "AGGREGATES", "judged_law"]
# centre_rule, step_centre_rule(s) and error_centre_rules are the quadrature rules the exact
# functions use; public inside the package, not part of its API.

AGGREGATES = ("mean", "sum")
"""How a candidate's m scores combine: their mean (temperature unchanged) or their sum
(the softmax over sums at T is the softmax over means at T/m)."""

CENTRE_NODES = 48
"""Gauss–Hermite nodes of the centre's law for smooth integrands (the error δ)."""


@dataclasses.dataclass(frozen=True)
class Judge:
    """A judge whose score is the aggregate of ``calls`` noisy calls (docs/theory.md §10).

    Parameters
    ----------
    calls : int, default 1
        m ≥ 1, the number of judge calls per candidate.
    call_noise : float, default 0
        τ ≥ 0, the standard deviation of one call's misreading ε_j of the right answer, shared
        by the candidates the call scores (units of y).
    floor : float, default 0
        τ₀ ≥ 0, the standard deviation of a misreading common to all calls (units of y): the
        centre's variance is τ₀² + τ²/m, so more calls cannot remove it.
    score_noise : float, default 0
        σ ≥ 0, the standard deviation of independent noise on each call's score of each
        candidate (units of the reward, y²). Supported by `solvable.simulate`, by pools, and
        by `solvable.selection_error` and `solvable.selection_accuracy` without centre noise
        (best-of-k, and the softmax where σ/√m ≤ π/√6 · T); the averaged and budget
        functions require 0.
    aggregate : {"mean", "sum"}
        The candidate's score is the mean of its m scores, or their sum (which divides the
        softmax temperature by m).

    Examples
    --------
    >>> from solvable.judge import Judge
    >>> j = Judge(calls=4, call_noise=0.2, floor=0.05)
    >>> round(j.centre_variance, 6)     # τ₀² + τ²/m
    0.0125
    >>> Judge(calls=4, aggregate="sum").temperature(2.0)
    0.5
    """

    calls: int = 1
    call_noise: float = 0.0
    floor: float = 0.0
    score_noise: float = 0.0
    aggregate: str = "mean"

    def __post_init__(self):
        check_integer_at_least("calls", self.calls, 1)
        for name in ("call_noise", "floor", "score_noise"):
            value = getattr(self, name)
            check_nonnegative(name, value)
            if np.ndim(value):
                raise ValueError(f"{name} must be a scalar, got an array of shape "
                                 f"{np.shape(value)}")
        if np.ndim(self.calls):
            raise ValueError(f"calls must be a scalar, got an array of shape "
                             f"{np.shape(self.calls)}")
        check_choice("aggregate", self.aggregate, AGGREGATES)
        object.__setattr__(self, "calls", int(self.calls))
        for name in ("call_noise", "floor", "score_noise"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def centre_variance(self) -> float:
        """Var ε̄ = τ₀² + τ²/m: the variance of the aggregated judge's centre (units of y²)."""
        return self.floor ** 2 + self.call_noise ** 2 / self.calls

    @property
    def score_variance(self) -> float:
        """σ²/m: the variance of the per-candidate noise on the mean score."""
        return self.score_noise ** 2 / self.calls

    @property
    def noiseless(self) -> bool:
        """True when the aggregated judge is the plain quadratic judge."""
        return self.centre_variance == 0.0 and self.score_variance == 0.0

    def temperature(self, temperature):
        """The temperature at which the softmax over mean scores acts: T for ``"mean"``,
        T/m for ``"sum"``."""
        return temperature / self.calls if self.aggregate == "sum" else temperature

    def replace(self, **changes) -> "Judge":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


def check_judge(judge, *, exact: bool = True) -> Judge:
    """``judge`` as a `Judge` (None: the noiseless judge), or a ValueError naming it; with
    ``exact``, per-candidate score noise is refused (the exact functions integrate over the
    shared centre only)."""
    if judge is None:
        return Judge()
    if not isinstance(judge, Judge):
        raise ValueError(f"judge must be a solvable.judge.Judge or None, got "
                         f"{type(judge).__name__}")
    if exact and judge.score_noise > 0:
        raise ValueError("judge: score_noise > 0 (per-candidate noise) is supported by "
                         "solvable.simulate, by pools, and by selection_error and "
                         "selection_accuracy; this function needs "
                         "score_noise = 0")
    return judge


def check_score_noise_judge(judge: Judge) -> None:
    """The exact functions compute per-candidate score noise for best-of-k on its own: a
    ValueError naming ``judge`` when it also misreads the centre."""
    if judge.score_variance > 0.0 and judge.centre_variance > 0.0:
        raise ValueError("judge: per-candidate score noise together with call_noise or floor "
                         "is not computed exactly; use solvable.simulate, or one of the two")


def centre_rule(sd, n: int = CENTRE_NODES):
    """Nodes and weights for E[f(e)], e ~ N(0, sd²): Gauss–Hermite (exact for polynomials
    of degree ≤ 2n − 1). ``sd`` is a scalar or an array; the nodes are on a new last axis.

    Examples
    --------
    >>> import numpy as np
    >>> e, w = centre_rule(0.5)
    >>> round(float(np.sum(w * e**2)), 12)
    0.25
    """
    x, w = hermite_rule(n)
    sd = np.asarray(sd, np.float64)[..., None]
    return sd * x, np.broadcast_to(w, sd.shape[:-1] + (n,))


GRADING = 4.0 ** -np.arange(0, 10)       # panel edges at these multiples of the scale
_SPAN = 9.0                               # the centre's law is cut at ±9 sd (mass 2e-19)
_GAUSS_EDGES = np.array([-9.0, -7.0, -5.5, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0,
                         5.5, 7.0, 9.0])      # panels of the Gaussian itself (in units of sd)


@lru_cache(maxsize=8)
def _unit_panels(nodes: int):
    """Gauss–Legendre nodes and weights on [0, 1] (weights sum to 1)."""
    return gauss_legendre(nodes)


def step_centre_rule(sd, steps, *, nodes: int = 8, finest=None):
    """Nodes and weights for E[f(e)], e ~ N(0, sd²), where f may change fast near ``steps``.

    Composite Gauss–Legendre on [−9 sd, 9 sd] (the rest has mass 2e−19) on panels of the
    Gaussian (edges at 0, ±1, ±2, ±3, ±4, ±5.5, ±7, ±9 sd) and edges graded geometrically
    towards each step (at step ± sd · 4^{−j}, j = 0..9), so a function that is
    smooth except for a jump or a steep transition at a step is integrated to high relative
    accuracy (tested against rules of twice the size). ``finest`` (optional): the grading
    stops at the first level below this width (the caller's estimate of how sharp the
    transition can be). ``sd`` is a float, ``steps`` a 1-D sequence of floats; returns NumPy
    arrays (nodes, weights). `step_centre_rules` builds the rules of many points at once.

    Examples
    --------
    The probability that e lies in (0.1, 0.4), against the normal CDF:

    >>> import numpy as np
    >>> from scipy.special import ndtr
    >>> e, w = step_centre_rule(0.3, [0.1, 0.4])
    >>> p = np.sum(w * ((e > 0.1) & (e < 0.4)))
    >>> bool(abs(p - (ndtr(0.4 / 0.3) - ndtr(0.1 / 0.3))) < 1e-14)
    True
    """
    steps = np.asarray(steps, np.float64).ravel()
    steps = steps[np.isfinite(steps)]
    e, w, _ = step_centre_rules(np.array([float(sd)]), steps[None, :],
                                finest=None if finest is None else np.array([float(finest)]),
                                nodes=nodes)
    return e, w


def step_centre_rules(sd, steps, *, finest=None, nodes: int = 8, extra=None):
    """`step_centre_rule` for N points at once: ``sd`` [N] > 0, ``steps`` [N, S], ``finest``
    [N] or None, ``extra`` [N, X] more panel edges or None. Returns flat (nodes, weights,
    owner): owner[i] is the point of node i; panels of zero width (repeated or clipped edges,
    unused grading levels) carry no nodes."""
    sd = np.asarray(sd, np.float64)
    steps = np.asarray(steps, np.float64)
    n = sd.size
    levels = sd[:, None] * GRADING[None, :]                                     # [N, G]
    if finest is not None:
        last = np.sum(levels > np.asarray(finest, np.float64)[:, None], axis=1)  # first ≤ finest
        used = np.arange(GRADING.size)[None, :] <= last[:, None]
        levels = np.where(used, levels, 0.0)            # unused levels: edges at the step
    grading = (steps[:, :, None] + np.concatenate([levels, -levels], axis=1)[:, None, :])
    edges = [sd[:, None] * _GAUSS_EDGES[None, :], steps, grading.reshape(n, -1)]
    if extra is not None:
        edges.append(np.asarray(extra, np.float64))
    edges = np.concatenate(edges, axis=1)
    edges = np.sort(np.clip(edges, -_SPAN * sd[:, None], _SPAN * sd[:, None]), axis=1)
    width = np.diff(edges, axis=1)                                               # [N, P]
    point, panel = np.nonzero(width > 0)
    x, w = _unit_panels(nodes)
    left, span = edges[point, panel][:, None], width[point, panel][:, None]
    e = (left + span * x[None, :]).ravel()
    owner = np.repeat(point, nodes)
    scale = sd[owner]
    weight = (span * w[None, :]).ravel() * np.exp(-0.5 * (e / scale) ** 2) / (
        scale * math.sqrt(2.0 * math.pi))
    return e, weight, owner


def judged_law(law: OffsetLaw, judge: Judge) -> OffsetLaw:
    """The offsets' law seen by a noisy judge: Δ_R = m − μ_R − ε̄ with ε̄ ~ N(0, Var ε̄)
    independent of x, so Var Δ_R grows by ``judge.centre_variance`` and nothing else changes
    (the law is no longer rank one where it grows). docs/theory.md §10.

    Parameters
    ----------
    law : OffsetLaw
        The offsets' law of the exact judge.
    judge : Judge
        The noisy judge.

    Returns
    -------
    OffsetLaw
        ``law`` itself when the centre has no noise.

    Examples
    --------
    >>> from solvable import OffsetLaw
    >>> law = OffsetLaw(var_teacher=0.5, var_reward=2.0, cov=1.0, predictive_var=1.0,
    ...                 rank_one=True)
    >>> noisy = judged_law(law, Judge(calls=4, call_noise=1.0))
    >>> float(noisy.var_reward), float(noisy.cov), noisy.rank_one
    (2.25, 1.0, False)
    """
    if not isinstance(law, OffsetLaw):
        raise ValueError(f"law must be an OffsetLaw, got {type(law).__name__}")
    judge = check_judge(judge, exact=False)
    v = judge.centre_variance
    if v == 0.0:
        return law
    return OffsetLaw(var_teacher=law.var_teacher, var_reward=law.var_reward + v, cov=law.cov,
                     predictive_var=law.predictive_var, rank_one=False)


def average_over_centre(value, k, t, b, a, sd, rules, *extra):
    """E_e[value(k, t, b, a − e, *extra)], e ~ N(0, sd²), at N points (flat NumPy arrays,
    normalised units): the skeleton shared by the noisy judge's error and accuracy.

    Points that do not see the centre (sd = 0, k = 1, t = ∞) are evaluated directly; for the
    others ``rules(idx)`` gives the flat (nodes, weights, owner) of the centre's rule at the
    points ``idx`` (`step_centre_rules`, `error_centre_rules`), and all their nodes go through
    one call of ``value``.
    """
    out = np.zeros(k.shape)
    noisy = (sd > 0) & (k != 1.0) & np.isfinite(t)
    quiet, idx = np.nonzero(~noisy)[0], np.nonzero(noisy)[0]
    if quiet.size:
        out[quiet] = np.asarray(value(k[quiet], t[quiet], b[quiet], a[quiet],
                                      *(x[quiet] for x in extra)))
    if idx.size:
        e, w, owner = rules(idx)
        rep = idx[owner]
        vals = np.asarray(value(k[rep], t[rep], b[rep], a[rep] - e, *(x[rep] for x in extra)))
        out[idx] = np.bincount(owner, weights=w * vals, minlength=idx.size)
    return out


DELTA_PANEL = 0.5       # panel width (units of s) where the error changes with the centre


def error_centre_rules(k, t, a, sd, *, nodes: int = 8):
    """Nodes for E_e[δ̂(k, t, b, a − e)], e ~ N(0, sd²) (normalised units), at N points.

    δ̂ changes with the centre on the scale of the predictive (width ~1) out to where the
    centre leaves the candidates' reach, |a − e| ≈ a* = √(2 ln(k/√(2π))) + 1 (beyond it the
    best-of-k pick stops following the centre; a Gauss–Hermite rule over a wide centre law
    misses this: 1.6% at k = 2, sd = 5 with 48 nodes). So: the Gaussian's panels, panels of
    width 0.5 on a ± (a* + 4) and grading towards a ± a*. Returns flat (nodes, weights,
    owner) as `step_centre_rules`.
    """
    k, t, a, sd = (np.asarray(x, np.float64) for x in (k, t, a, sd))
    reach = np.sqrt(np.maximum(2.0 * np.log(np.maximum(k, 2.0) / math.sqrt(2.0 * math.pi)),
                               0.0)) + 1.0
    reach = reach * np.sqrt(1.0 + np.where(np.isfinite(t), t, 0.0))   # the tilt widens it
    span = reach + 4.0
    count = int(np.ceil(2.0 * float(np.max(span)) / DELTA_PANEL)) + 1
    grid = (a - span)[:, None] + DELTA_PANEL * np.arange(count)[None, :]
    grid = np.minimum(grid, (a + span)[:, None])
    steps = np.stack([a - reach, a + reach], axis=1)
    return step_centre_rules(sd, steps, finest=0.05 / reach, nodes=nodes, extra=grid)
