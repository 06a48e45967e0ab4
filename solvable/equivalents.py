"""Deterministic equivalents of the Bayesian linear regression student (docs/theory.md §2).

In the proportional limit d, n → ∞ at fixed α = d/n the student's posterior predictive at a
test input x concentrates on simple closed forms governed by the renormalized ridge R
(Halder & Pehlevan, arXiv 2512.19905, building on the standard deterministic equivalents of
ridge regression):

* explicit ridge R̂ = α σ²/γ²; R > 0 solves R̂ = R (1 − (α/d) Tr[Σ (Σ + R)⁻¹]);
* shrinkage B_R = R (Σ + R)⁻¹, A_R = I − B_R;
* predictive mean m(x) ≈ (x/√d)ᵀ A_R w_T, predictive variance
  s̄² = σ² + γ² Tr(B_R Σ)/d;
* the offsets Δ_T = m − μ_T = −(x/√d)ᵀ B_R w_T and Δ_R = m − μ_R are jointly Gaussian over x
  with mean zero.

Where it holds: the DE of the mean drops the label-noise fluctuation of the posterior mean w̄,
so it is accurate when σ is small against the signal (the paper's regime σ = 1e-4, γ = 1e-3,
d = 10, n = 1e4) and visibly off otherwise (docs/theory.md §2; the simulator measures the gap).

All functions are pure JAX (float64), vectorise over leading axes of their scalar inputs and
are differentiable, including through the general-spectrum root solve.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp

from . import _config  # noqa: F401
from ._tree import pytree_dataclass
from ._validate import check_bool, check_instance, check_integer_at_least, check_real
from .problem import AlignedReward, KnobReward, Problem, Reward, WeightsReward

__all__ = [
    "renormalized_ridge",
    "renormalized_ridge_isotropic",
    "renormalized_ridge_spectrum",
    "PredictiveMoments",
    "predictive_moments",
    "OffsetLaw",
    "offset_law",
    "offset_variance_teacher",
]


def renormalized_ridge_isotropic(alpha, ridge_hat, input_var=1.0):
    """Renormalized ridge for Σ = S² I: R = ½ [X + √(X² + 4 R̂ S²)], X = S²(α − 1) + R̂.

    The positive root of R² − (S²(α − 1) + R̂) R − R̂ S² = 0 (docs/theory.md §2), evaluated
    without cancellation (R = 2R̂S² / (√(X² + 4R̂S²) − X) when X < 0), so the limits
    R → R̂ (α → 0), R ≈ R̂/(1 − α) (small R̂, α < 1) and R → S²(α − 1) (R̂ → 0, α > 1) are
    reached to full precision. Pure JAX: broadcasts, jit/grad friendly, no validation.

    Parameters
    ----------
    alpha : float or array
        Aspect ratio α = d/n > 0.
    ridge_hat : float or array
        Explicit ridge R̂ = α σ²/γ² > 0.
    input_var : float or array, default 1.0
        Input variance S².

    Returns
    -------
    jax.Array
        R, the broadcast shape of the inputs.

    Examples
    --------
    >>> from solvable.equivalents import renormalized_ridge_isotropic
    >>> round(float(renormalized_ridge_isotropic(0.5, 0.1)), 6)
    0.174166
    >>> round(float(renormalized_ridge_isotropic(2.0, 1e-12)), 6)  # → S²(α − 1)
    1.0
    """
    check_real("alpha", alpha)
    check_real("ridge_hat", ridge_hat)
    check_real("input_var", input_var)
    alpha, ridge_hat, s2 = (jnp.asarray(v, jnp.float64) for v in (alpha, ridge_hat, input_var))
    x = s2 * (alpha - 1.0) + ridge_hat
    root = jnp.sqrt(x * x + 4.0 * ridge_hat * s2)
    pos = 0.5 * (x + root)
    safe_den = jnp.where(x < 0, root - x, 1.0)
    neg = 2.0 * ridge_hat * s2 / safe_den
    return jnp.where(x < 0, neg, pos)


def _ridge_residual(log_r, alpha, ridge_hat, spectrum):
    """F(R) = R (1 − α ⟨λ/(λ + R)⟩) − R̂ as a function of log R (⟨·⟩ = mean over directions)."""
    r = jnp.exp(log_r)
    return r * (1.0 - alpha * jnp.mean(spectrum / (spectrum + r), axis=-1)) - ridge_hat


def renormalized_ridge_spectrum(alpha, ridge_hat, spectrum, *, iterations: int = 80):
    """Renormalized ridge for a general spectrum: the root R > 0 of R̂ = R (1 − α ⟨λ/(λ + R)⟩).

    ⟨·⟩ is the mean over the eigenvalues λ_i of Σ (docs/theory.md §2). The root is taken on
    the branch where 1 − α⟨λ/(λ + R)⟩ > 0; there g(R) = R(1 − α⟨λ/(λ+R)⟩) is increasing and
    the root is bracketed by R̂ ≤ R ≤ R̂ + α⟨λ⟩; bisection in log R (robust for any
    conditioning) is followed by Newton polishing. Derivatives come from the implicit function
    theorem: the solve is done under `stop_gradient` and one differentiable Newton step
    R ← R − F(R)/F'(R) carries dR/dθ = −∂_θF/∂_RF exactly.

    Parameters
    ----------
    alpha : float or array
        Aspect ratio α = d/n > 0 (broadcasts over the leading axes of ``spectrum``).
    ridge_hat : float or array
        Explicit ridge R̂ > 0 (broadcasts likewise).
    spectrum : array of shape (..., d)
        The eigenvalues λ_i > 0 of Σ on the last axis.
    iterations : int, default 80
        Bisection steps in log R before the Newton polish.

    Returns
    -------
    jax.Array
        R, the broadcast shape of ``alpha``, ``ridge_hat`` and ``spectrum[..., 0]``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from solvable.equivalents import renormalized_ridge_spectrum
    >>> round(float(renormalized_ridge_spectrum(0.5, 0.1, jnp.ones(4))), 6)  # flat: as isotropic
    0.174166
    >>> round(float(renormalized_ridge_spectrum(0.5, 0.1, jnp.array([0.5, 1.0, 2.0]))), 6)
    0.172288
    """
    check_real("alpha", alpha)
    check_real("ridge_hat", ridge_hat)
    check_real("spectrum", spectrum)
    check_integer_at_least("iterations", iterations, 0)
    alpha = jnp.asarray(alpha, jnp.float64)
    ridge_hat = jnp.asarray(ridge_hat, jnp.float64)
    spectrum = jnp.asarray(spectrum, jnp.float64)

    def residual(log_r, a, rh):
        return _ridge_residual(log_r, a, rh, spectrum)

    lo0 = jnp.log(ridge_hat)
    hi0 = jnp.log(ridge_hat + alpha * jnp.mean(spectrum, axis=-1))
    lo0, hi0 = jax.lax.stop_gradient(lo0), jax.lax.stop_gradient(hi0)
    a_sg, rh_sg = jax.lax.stop_gradient(alpha), jax.lax.stop_gradient(ridge_hat)

    def bisect(_, bounds):
        lo, hi = bounds
        mid = 0.5 * (lo + hi)
        f = _ridge_residual(mid, a_sg, rh_sg, spectrum)
        return jnp.where(f > 0, lo, mid), jnp.where(f > 0, mid, hi)

    lo, hi = jax.lax.fori_loop(0, iterations, bisect, (lo0, hi0))
    log_r = 0.5 * (lo + hi)
    d_res = jax.grad(lambda lr, a, rh: jnp.sum(residual(lr, a, rh)))
    for _ in range(2):  # Newton polish at fixed parameters
        log_r = log_r - residual(log_r, a_sg, rh_sg) / d_res(log_r, a_sg, rh_sg)
    log_r = jax.lax.stop_gradient(log_r)
    # one differentiable Newton step: exact first derivatives by the implicit function theorem
    log_r = log_r - residual(log_r, alpha, ridge_hat) / jax.lax.stop_gradient(
        d_res(log_r, a_sg, rh_sg))
    return jnp.exp(log_r)


def renormalized_ridge(problem: Problem):
    """Renormalized ridge R of a `Problem`: R̂ = R (1 − (α/d) Tr[Σ(Σ + R)⁻¹]), R̂ = ασ²/γ².

    Closed form if the input is isotropic (`renormalized_ridge_isotropic`), a root solve
    otherwise (`renormalized_ridge_spectrum`); docs/theory.md §2. Differentiable in every
    field of the problem.

    Parameters
    ----------
    problem : Problem
        The teacher–student problem.

    Returns
    -------
    jax.Array
        R (a scalar).

    Examples
    --------
    >>> import solvable
    >>> p = solvable.Problem(n=800, d=400, sigma=0.5, gamma=1.0)
    >>> round(float(solvable.renormalized_ridge(p)), 6)
    0.212695
    """
    check_instance("problem", problem, Problem, "a solvable.Problem")
    if problem.isotropic:
        return renormalized_ridge_isotropic(problem.alpha, problem.ridge_hat, problem.spectrum)
    return renormalized_ridge_spectrum(problem.alpha, problem.ridge_hat, problem.spectrum)


class PredictiveMoments(NamedTuple):
    """Deterministic-equivalent predictive moments: m(x) = (x/√d)ᵀ A_R w_T, s̄², R.

    Fields: ``mean_scale``, the diagonal of A_R = Σ (Σ + R)⁻¹ per direction (a scalar
    κ = S²/(S² + R) if isotropic), so that m(x) = Σ_i A_ii w_{T,i} x_i/√d (isotropic:
    m = κ μ_T); ``variance``, s̄² = σ² + γ² Tr(B_R Σ)/d; ``ridge``, R (docs/theory.md §2).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> import solvable
    >>> m = solvable.predictive_moments(solvable.Problem(n=800, d=400, sigma=0.5, gamma=1.0))
    >>> round(float(m.mean_scale), 6)
    0.824609
    >>> round(float(m.mean(jnp.ones(400), jnp.ones(400))), 4)  # κ · μ_T with μ_T = 20
    16.4922
    """

    mean_scale: jax.Array
    variance: jax.Array
    ridge: jax.Array

    def mean(self, x, teacher):
        """m(x) = (x/√d)ᵀ A_R w_T for inputs x of shape (..., d) and teacher weights (d,)."""
        x = jnp.asarray(x, jnp.float64)
        return jnp.sum(x * self.mean_scale * teacher, axis=-1) / jnp.sqrt(x.shape[-1])


def predictive_moments(problem: Problem) -> PredictiveMoments:
    """Predictive moments of the deterministic equivalent: A_R = Σ(Σ + R)⁻¹, s̄² = σ² + γ²Tr(B_RΣ)/d.

    docs/theory.md §2 (Halder & Pehlevan, arXiv 2512.19905).

    Parameters
    ----------
    problem : Problem
        The teacher–student problem.

    Returns
    -------
    PredictiveMoments
        ``mean_scale`` (diagonal of A_R), ``variance`` (s̄²) and ``ridge`` (R).

    Examples
    --------
    >>> import solvable
    >>> m = solvable.predictive_moments(solvable.Problem(n=800, d=400, sigma=0.5, gamma=1.0))
    >>> round(float(m.variance), 6), round(float(m.ridge), 6)
    (0.425391, 0.212695)
    """
    check_instance("problem", problem, Problem, "a solvable.Problem")
    r = renormalized_ridge(problem)
    lam = problem.spectrum
    shrink = r / (lam + r)  # B_R per direction
    variance = problem.sigma**2 + problem.gamma**2 * _dir_mean(shrink * lam, problem.d)
    return PredictiveMoments(mean_scale=1.0 - shrink, variance=variance, ridge=r)


@pytree_dataclass
@dataclasses.dataclass(frozen=True)
class OffsetLaw:
    """Joint law over x of the offsets (Δ_T, Δ_R) = (m − μ_T, m − μ_R): N(0, C), plus s̄².

    A frozen pytree (docs/theory.md §2); usually built by `offset_law`.

    Parameters
    ----------
    var_teacher : float or array
        Var Δ_T.
    var_reward : float or array
        Var Δ_R.
    cov : float or array
        Cov(Δ_T, Δ_R).
    predictive_var : float or array
        s̄², the predictive variance of the deterministic equivalent.
    rank_one : bool, default False
        Static flag: Δ_R is an exact multiple of Δ_T (the knob reward), so averages over x
        are one-dimensional.

    Returns
    -------
    OffsetLaw
        The law, accepted by `solvable.average.average_over_offsets` and the ``*_averaged``
        functions of `solvable.asymptotics`.

    Examples
    --------
    >>> from solvable import OffsetLaw
    >>> from solvable.asymptotics import large_k_limit_averaged
    >>> law = OffsetLaw(var_teacher=0.5, var_reward=2.0, cov=1.0, predictive_var=1.0,
    ...                 rank_one=True)
    >>> round(float(large_k_limit_averaged(law, temperature=0.0)), 6)  # E(Δ_T − Δ_R)²
    0.5
    """

    var_teacher: jax.Array
    var_reward: jax.Array
    cov: jax.Array
    predictive_var: jax.Array
    rank_one: bool = dataclasses.field(default=False, metadata=dict(static=True))

    def __post_init__(self):
        for name in ("var_teacher", "var_reward", "cov", "predictive_var"):
            check_real(name, getattr(self, name))
        check_bool("rank_one", self.rank_one)


def _dir_mean(x, d):
    """Mean over the d directions of a per-direction quantity (a scalar is the same in each)."""
    return jnp.mean(jnp.broadcast_to(x, (d,)))


def offset_variance_teacher(problem: Problem, ridge=None):
    """Var Δ_T = w_Tᵀ B_R Σ B_R w_T / d (isotropic: (R/(S² + R))² S² ‖w_T‖²/d).

    docs/theory.md §2.

    Parameters
    ----------
    problem : Problem
        The teacher–student problem.
    ridge : float, optional
        The renormalized ridge R, if already computed (default: `renormalized_ridge`).

    Returns
    -------
    jax.Array
        Var Δ_T over x (a scalar).

    Examples
    --------
    >>> import solvable
    >>> from solvable.equivalents import offset_variance_teacher
    >>> p = solvable.Problem(n=800, d=400, sigma=0.5, gamma=1.0)
    >>> round(float(offset_variance_teacher(p)), 6)
    0.030762
    """
    check_instance("problem", problem, Problem, "a solvable.Problem")
    if ridge is not None:
        check_real("ridge", ridge)
    r = renormalized_ridge(problem) if ridge is None else ridge
    lam = problem.spectrum
    b = r / (lam + r)
    return _dir_mean(b * b * lam * problem.teacher_power, problem.d)


def offset_law(problem: Problem, reward: Reward) -> OffsetLaw:
    """Joint Gaussian law over x of the offsets (Δ_T, Δ_R) = (m − μ_T, m − μ_R), for any reward.

    With b = R/(λ + R), a = 1 − b per direction and ⟨·⟩ the mean over directions
    (docs/theory.md §2): Var Δ_T = ⟨λ b² w_T²⟩, Var Δ_R = ⟨λ (a w_T − w_R)²⟩ and
    Cov(Δ_T, Δ_R) = −⟨λ b w_T (a w_T − w_R)⟩. For `KnobReward` Δ_R = (1 + c) Δ_T exactly; for
    `AlignedReward` the component of w_R orthogonal to w_T points in a uniformly random
    direction and is averaged over (its cross terms vanish; its power ρ² sin²θ ‖w_T‖²/d
    spreads evenly over directions).

    Parameters
    ----------
    problem : Problem
        The teacher–student problem.
    reward : KnobReward, WeightsReward or AlignedReward
        The judge. `WeightsReward` needs a problem built with ``teacher=`` weights.

    Returns
    -------
    OffsetLaw
        Var Δ_T, Var Δ_R, Cov(Δ_T, Δ_R) and s̄² (rank one for the knob reward).

    Examples
    --------
    >>> import solvable
    >>> p = solvable.Problem(n=800, d=400, sigma=0.5, gamma=1.0)
    >>> law = solvable.offset_law(p, solvable.KnobReward(1.0))
    >>> [round(float(v), 6) for v in (law.var_teacher, law.var_reward, law.cov)]
    [0.030762, 0.123047, 0.061524]
    >>> law.rank_one
    True
    """
    check_instance("problem", problem, Problem, "a solvable.Problem")
    check_instance("reward", reward, (KnobReward, WeightsReward, AlignedReward),
                   "a KnobReward, WeightsReward or AlignedReward")
    moments = predictive_moments(problem)
    r, lam, d = moments.ridge, problem.spectrum, problem.d
    b = r / (lam + r)
    a = 1.0 - b
    var_t = offset_variance_teacher(problem, r)
    s2 = moments.variance
    if isinstance(reward, KnobReward):
        g = 1.0 + reward.c
        return OffsetLaw(var_t, g * g * var_t, g * var_t, s2, rank_one=True)
    if isinstance(reward, WeightsReward):
        if problem.teacher is None:
            raise ValueError("a WeightsReward needs the teacher's weights: build the Problem "
                             "with teacher=<weights>, or use AlignedReward")
        if reward.weights.shape != (d,):
            raise ValueError(f"reward weights must have shape (d,) = ({d},), "
                             f"got {reward.weights.shape}")
        wt, wr = problem.teacher, reward.weights
        resid = a * wt - wr
        var_r = _dir_mean(lam * resid * resid, d)
        cov = -_dir_mean(lam * b * wt * resid, d)
        return OffsetLaw(var_t, var_r, cov, s2)
    if isinstance(reward, AlignedReward):
        rho, cos = reward.norm_ratio, reward.cosine
        sin2 = jnp.clip(1.0 - cos * cos, 0.0, 1.0)
        p_t = problem.teacher_power
        var_r = (_dir_mean(lam * (a - rho * cos) ** 2 * p_t, d)
                 + rho**2 * sin2 * problem.teacher_sq_norm / d * _dir_mean(lam, d))
        cov = -_dir_mean(lam * b * (a - rho * cos) * p_t, d)
        return OffsetLaw(var_t, var_r, cov, s2)
    raise TypeError(f"reward must be a KnobReward, WeightsReward or AlignedReward, got {reward!r}")
