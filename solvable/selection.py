"""Exact pointwise selection error of a Gaussian predictive (docs/theory.md §3).

Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
Inference-Time Scaling", arXiv 2512.19905. At a fixed input the predictive is N(m, s²);
y_1..y_k are i.i.d. draws, reward r(y) = −(y − μ_R)², selection p = softmax(r / T), and

    δ = E[ Σ_i p_i (y_i − μ_T)² ].

In normalised units (s = 1, t = T/(2s²), b = (m − μ_T)/s, a = (m − μ_R)/s, z = y − μ_R ~ N(a, 1),
w = exp(−z²/(2t)), f = (z + b − a)²), 1/Z = ∫₀^∞ e^{−uZ} du gives the exact integral

    δ/s² = k ∫₀^∞ E[f w e^{−u w}] A(u)^{k−1} du,   A(u) = E[e^{−u w}],

valid for real k ≥ 1. With λ = ln u and x = e^λ w: δ/s² = ∫ k B(λ) A(λ)^{k−1} dλ,
B = E[f x e^{−x}], and 1 − A = E[1 − e^{−x}]. (An exponential race: the selected index is
the argmin of E_i/w_i with E_i ~ Exp(1), and λ is the log of the winning clock.) At T = 0 it
becomes best-of-k,

    δ/s² = ∫₀^∞ k G(r)^{k−1} [φ(r − a)(r + b − a)² + φ(r + a)(r − b + a)²] dr,

G(r) = P(|z| > r). Limits: k = 1 or T = ∞ gives 1 + b²; k → ∞ at T > 0 gives
(b − a/(1+t))² + t/(1+t).

The numerical rule (panels, series, closed-form tails, the rule of ∂δ/∂t) is described in
the private module `solvable._kernel`, which evaluates it; `solvable._schedule` sends
each point through only the branch it needs.

Accuracy against an independent slow reference (tests/reference.py) and Monte Carlo is
tested in tests/test_selection.py; speed is measured in benchmarks/bench_selection.py.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from . import _config  # noqa: F401  (float64)
from ._schedule import evaluate
from ._validate import (check_at_least, check_finite, check_nonnegative, check_positive,
                        check_real, is_concrete)
from ._score_noise import score_noise_best_of_k
from .judge import (average_over_centre, centre_rule, check_judge, check_score_noise_judge,
                    error_centre_rules)

__all__ = ["selection_error", "best_of_k_error", "selection_error_normalized",
           "centre_averaged_error"]



def _delta_vec(k, t, b, a, live=None):
    """δ/s² at broadcast (k, t, b, a), 0 where ``live`` is False: the rule run point by point
    through the scheduler (`solvable._schedule.evaluate`)."""
    return evaluate(k, t, b, a, live)


def selection_error_normalized(k, t, b, a, *, where=None):
    """δ/s² = k ∫₀^∞ E[(z + b − a)² w e^{−uw}] (E[e^{−uw}])^{k−1} du in normalised units.

    Jittable core without validation (broadcasts; float64); z ~ N(a, 1), w = e^{−z²/(2t)}.
    See the module docstring for the rule. t = 0 is exact best-of-k, t = ∞ gives 1 + b².
    Differentiable in all four arguments; the derivative in t has its own rule (the module
    docstring), accurate to about 3e−8 relatively on the extended domain.
    Concrete inputs run through the point scheduler (`solvable._schedule`: blocks sorted by
    branch, a thread pool on CPU); traced inputs (inside jit/grad/vmap) run one compiled loop.

    Parameters
    ----------
    k : array_like
        Number of candidates, real k ≥ 1.
    t : array_like
        T/(2s²) ≥ 0, ``inf`` allowed.
    b : array_like
        (m − μ_T)/s, the predictive mean's offset from the teacher.
    a : array_like
        (m − μ_R)/s, the predictive mean's offset from the reward's centre.
    where : array_like of bool, optional
        Points where it is False are not evaluated and give 0 (quadrature rules pass their
        zero-weight nodes this way).

    Returns
    -------
    jax.Array
        δ/s² at the broadcast shape of the inputs.

    Notes
    -----
    Accuracy against an independent slow reference: relative 3.3e-9 on the moderate domain
    and 1.0e-8 on the extended one (README). docs/theory.md §3.

    References
    ----------
    Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
    Inference-Time Scaling", arXiv 2512.19905.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.selection import selection_error_normalized
    >>> round(float(selection_error_normalized(1.0, 0.5, 0.3, 1.0)), 6)   # k = 1: 1 + b²
    1.09
    >>> np.round(np.asarray(selection_error_normalized([1.0, 8.0, 64.0], 0.5, 0.0, 0.0)), 4)
    array([1.    , 0.3589, 0.3362])
    """
    for name, value in (("k", k), ("t", t), ("b", b), ("a", a)):
        check_real(name, value)
    if where is not None:
        check_real("where", where)
    k, t, b, a = (jnp.asarray(v, dtype=jnp.float64) for v in (k, t, b, a))
    return _delta_vec(k, t, b, a, where)


def selection_error(k, temperature, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0, judge=None):
    """Exact pointwise selection error δ = E[Σ_i p_i (y_i − μ_T)²] (docs/theory.md §3).

    y_1..y_k i.i.d. N(mean, std²), p = softmax(−(y − reward)²/temperature), μ_T = teacher.
    With s = std, t = T/(2s²), b = (m − μ_T)/s, a = (m − μ_R)/s:

        δ = s² · k ∫₀^∞ E[(z + b − a)² w e^{−uw}] (E[e^{−uw}])^{k−1} du,  z ~ N(a, 1),
        w = exp(−z²/(2t)).

    Broadcasts over all arguments; jit/vmap/grad friendly.

    Parameters
    ----------
    k : array_like
        Number of candidates, real k ≥ 1.
    temperature : array_like
        T in [0, ∞] (0: best-of-k; ∞: uniform pick, δ = s² + (m − μ_T)²).
    mean, std : array_like
        The predictive N(mean, std²) (std > 0).
    teacher : array_like
        μ_T, the target.
    reward : array_like
        μ_R, the centre of the reward r(y) = −(y − μ_R)².
    judge : solvable.judge.Judge, optional
        Repeated noisy calls (docs/theory.md §10): the aggregated judge is centred at
        μ_R + ε̄, ε̄ ~ N(0, judge.centre_variance), at temperature ``judge.temperature(T)``;
        δ is averaged over ε̄ (`centre_averaged_error`). With per-candidate score noise
        (``score_noise`` > 0, no centre noise) the judge picks by the noisy scores, computed
        by `solvable._score_noise` (docs/theory.md §10): best-of-k at T = 0, the softmax at
        T > 0 where the noise on the mean score is at most π/√6 · T.
        None: the exact judge.

    Returns
    -------
    jax.Array
        δ, in the units of std².

    Raises
    ------
    ValueError
        Naming the parameter, for k < 1, a negative or NaN temperature, std ≤ 0 or a
        non-finite mean, teacher or reward, or a judge with per-candidate score noise above
        π/√6 · T at T > 0, together with centre noise, or on traced values.

    References
    ----------
    Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
    Inference-Time Scaling", arXiv 2512.19905.

    Examples
    --------
    >>> from solvable.selection import selection_error
    >>> round(float(selection_error(16, 0.5, mean=0.2, std=1.0, teacher=0.0, reward=0.0)), 4)
    0.2121
    """
    check_at_least("k", k, 1.0)
    check_nonnegative("temperature", temperature, allow_inf=True)
    check_finite("mean", mean)
    check_positive("std", std)
    check_finite("teacher", teacher)
    check_finite("reward", reward)
    judge = check_judge(judge, exact=False)
    k, temperature, mean, std, teacher, reward = (
        jnp.asarray(v, dtype=jnp.float64) for v in (k, temperature, mean, std, teacher, reward)
    )
    s2 = std * std
    t = judge.temperature(temperature) / (2.0 * s2)
    b = (mean - teacher) / std
    a = (mean - reward) / std
    if judge.score_variance > 0.0:
        check_score_noise_judge(judge)
        return s2 * score_noise_best_of_k(k, t, b, a, judge.score_variance ** 0.5 / s2)
    if judge.centre_variance == 0.0:
        return s2 * _delta_vec(k, t, b, a)
    sd = judge.centre_variance ** 0.5 / std                   # the centre's misreading ε̄ / s
    return s2 * centre_averaged_error(k, t, b, a, sd)


def centre_averaged_error(k, t, b, a, sd):
    """E_e[δ̂(k, t, b, a − e)], e ~ N(0, sd²): the error of a judge whose centre is misread by
    e (normalised units, docs/theory.md §10); broadcasts; no validation.

    Concrete inputs: panels that follow δ̂'s dependence on the centre
    (`solvable.judge.error_centre_rules`, 6 Gauss–Legendre nodes per panel; within 1e-10 of
    rules of 16 nodes and of a brute-force rule); all nodes of all points go through one call
    of the kernel. Traced inputs (jit, grad): a 48-node Gauss–Hermite rule over the centre,
    accurate while the centre's spread stays within the candidates' reach (1.6% off at k = 2
    with sd = 5).

    Parameters
    ----------
    k, t, b, a : array_like
        As in `selection_error_normalized`: k ≥ 1, t = T/(2s²), b = (m − μ_T)/s,
        a = (m − μ_R)/s.
    sd : array_like
        √Var ε̄ / s ≥ 0, the centre's misreading in units of s.

    Returns
    -------
    jax.Array
        δ/s², of the broadcast shape.

    Examples
    --------
    sd = 0 is the exact judge, and k = 1 does not see the judge:

    >>> import numpy as np
    >>> bool(centre_averaged_error(4.0, 0.0, 0.3, 0.1, 0.0) == selection_error_normalized(
    ...     4.0, 0.0, 0.3, 0.1))
    True
    >>> round(float(centre_averaged_error(1.0, 0.2, 0.3, 0.1, 0.8)), 8)   # 1 + b²
    1.09
    """
    for name, value in (("k", k), ("t", t), ("b", b), ("a", a), ("sd", sd)):
        check_real(name, value)
    k, t, b, a, sd = jnp.broadcast_arrays(*(jnp.asarray(x, jnp.float64) for x in (k, t, b, a,
                                                                                sd)))
    if not all(is_concrete(x) for x in (k, t, b, a, sd)):
        e, w = centre_rule(1.0)
        e = sd[..., None] * e
        k, t, b, a = (x[..., None] for x in (k, t, b, a))
        return jnp.sum(w * _delta_vec(k, t, b, a - e), axis=-1)
    shape = k.shape
    k, t, b, a, sd = (np.asarray(x).ravel() for x in (k, t, b, a, sd))
    out = average_over_centre(
        _delta_vec, k, t, b, a, sd,
        lambda idx: error_centre_rules(k[idx], t[idx], a[idx], sd[idx], nodes=6))
    return jnp.asarray(out.reshape(shape))


def best_of_k_error(k, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0, judge=None):
    """Best-of-k error (T = 0): δ = ∫₀^∞ k G(r)^{k−1}[φ(μ_R + r)(μ_R + r − μ_T)²
    + φ(μ_R − r)(μ_R − r − μ_T)²] dr, G(r) = P(|y − μ_R| > r), φ the predictive density.

    The candidate closest to μ_R is selected (docs/theory.md §3); `selection_error` at
    temperature 0.

    Parameters
    ----------
    k : array_like
        Number of candidates, real k ≥ 1.
    mean, std, teacher, reward : array_like
        As in `selection_error`.
    judge : solvable.judge.Judge, optional
        Repeated noisy calls, as in `selection_error`.

    Returns
    -------
    jax.Array
        δ, in the units of std².

    References
    ----------
    Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
    Inference-Time Scaling", arXiv 2512.19905.

    Examples
    --------
    Two standard normal draws, the one nearer 0 kept: E[min(z₁², z₂²)] = 1 − 2/π.

    >>> from solvable.selection import best_of_k_error
    >>> round(float(best_of_k_error(2)), 6)
    0.36338
    """
    return selection_error(k, 0.0, mean=mean, std=std, teacher=teacher, reward=reward,
                           judge=judge)
