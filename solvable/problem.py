"""The teacher–student problem and the reward ("judge") models (docs/theory.md §1).

`Problem` and the rewards are frozen dataclasses registered as JAX pytrees: their numeric
fields are leaves, so a problem flows through `jit`, `vmap` and `grad` (e.g. ``grad`` of the
generalization error with respect to ``n``). Construction validates concrete values and raises
`ValueError` naming the offending parameter.

Conventions (Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
Inference-Time Scaling", arXiv 2512.19905):

* inputs x ~ N(0, Σ) with Σ = diag(input_std²) (a scalar ``input_std`` means Σ = S² I),
  features x/√d, teacher output μ_T(x) = w_T·x/√d, labels y = μ_T + η with η ~ N(0, σ²);
* student prior w ~ N(0, γ² I), n training pairs, aspect ratio α = d/n;
* reward r(y) = −(y − μ_R(x))², μ_R(x) = w_R·x/√d.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np

from . import _config  # noqa: F401
from ._tree import pytree_dataclass
from ._validate import check_finite, check_positive, is_concrete

__all__ = ["Problem", "paper_problem", "PAPER_SETTING", "Reward", "KnobReward", "WeightsReward",
           "AlignedReward"]


def _f64(x):
    return None if x is None else jnp.asarray(x, dtype=jnp.float64)


@pytree_dataclass
@dataclasses.dataclass(frozen=True)
class Problem:
    """Teacher–student Bayesian linear regression: y = w_T·x/√d + η, prior w ~ N(0, γ² I).

    Inputs x ~ N(0, Σ) with Σ = diag(input_std²), label noise η ~ N(0, σ²), n training pairs
    (docs/theory.md §1). A frozen dataclass registered as a JAX pytree: ``n``, ``sigma``,
    ``gamma``, ``input_std`` and the teacher are leaves (so derivatives in ``n`` work), ``d``
    is static. Concrete values are validated; a bad one raises `ValueError` naming it.

    Parameters
    ----------
    n : float
        Training-set size (real, > 0; may be traced for derivatives in n).
    d : int
        Input dimension (static, ≥ 1).
    sigma : float
        Label-noise standard deviation σ > 0.
    gamma : float
        Prior standard deviation γ > 0 of each student weight.
    input_std : float or array of shape (d,), default 1.0
        S for an isotropic input (Σ = S² I), or the d per-direction standard deviations of a
        diagonal input spectrum Σ = diag(input_std²).
    teacher : array of shape (d,), optional
        Teacher weights w_T. Give either these or ``teacher_norm2``.
    teacher_norm2 : float, optional
        Squared norm ‖w_T‖² when the weights are not given; the teacher's direction is then
        uniformly random (each direction carries ‖w_T‖²/d). Default ``d`` (components of unit
        variance). The paper's figures use w_T ~ N(0, 4 I), i.e. ``4 * d``.

    Returns
    -------
    Problem
        The validated, immutable problem; `replace` makes changed copies.

    See Also
    --------
    paper_problem : the synthetic setting of the paper's figures.

    Examples
    --------
    >>> import solvable
    >>> p = solvable.Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)
    >>> float(p.alpha), round(float(p.ridge_hat), 6)
    (0.001, 1e-05)
    >>> float(p.replace(n=2e4).alpha)
    0.0005
    >>> solvable.Problem(n=100, d=10, sigma=-1.0, gamma=1.0)
    Traceback (most recent call last):
    ...
    ValueError: sigma must be > 0, got -1.0
    """

    n: jax.Array
    d: int = dataclasses.field(metadata=dict(static=True))
    sigma: jax.Array
    gamma: jax.Array
    input_std: jax.Array = 1.0
    teacher: Optional[jax.Array] = None
    teacher_norm2: Optional[jax.Array] = None

    def __init__(self, n, d, sigma, gamma, input_std=1.0, teacher=None, teacher_norm2=None):
        if not isinstance(d, (int, np.integer)) or d < 1:
            raise ValueError(f"d must be an integer >= 1, got {d!r}")
        check_positive("n", n)
        check_positive("sigma", sigma)
        check_positive("gamma", gamma)
        check_positive("input_std", input_std)
        if teacher is not None and teacher_norm2 is not None:
            raise ValueError("give the teacher either as weights (teacher=) or by its squared norm "
                             "(teacher_norm2=), not both")
        if teacher is not None:
            check_finite("teacher", teacher)
            if is_concrete(teacher) and np.shape(teacher) != (d,):
                raise ValueError(f"teacher must have shape (d,) = ({d},), got {np.shape(teacher)}")
        elif teacher_norm2 is None:
            teacher_norm2 = float(d)
        if teacher_norm2 is not None:
            check_positive("teacher_norm2", teacher_norm2)
        if is_concrete(input_std) and np.ndim(input_std) not in (0,) and np.shape(input_std) != (d,):
            raise ValueError(f"input_std must be a scalar or have shape (d,) = ({d},), "
                             f"got {np.shape(input_std)}")
        set_ = object.__setattr__
        set_(self, "n", _f64(n))
        set_(self, "d", int(d))
        set_(self, "sigma", _f64(sigma))
        set_(self, "gamma", _f64(gamma))
        set_(self, "input_std", _f64(input_std))
        set_(self, "teacher", _f64(teacher))
        set_(self, "teacher_norm2", _f64(teacher_norm2))

    # -- derived scalars -------------------------------------------------------------------
    @property
    def alpha(self) -> jax.Array:
        """Aspect ratio α = d/n."""
        return self.d / self.n

    @property
    def ridge_hat(self) -> jax.Array:
        """Explicit ridge R̂ = α σ²/γ² (docs/theory.md §2)."""
        return self.alpha * self.sigma**2 / self.gamma**2

    @property
    def spectrum(self) -> jax.Array:
        """Input variances: S² (isotropic scalar) or the d eigenvalues of Σ."""
        return self.input_std**2

    @property
    def isotropic(self) -> bool:
        """Whether Σ = S² I (a scalar ``input_std``)."""
        return jnp.ndim(self.input_std) == 0

    @property
    def teacher_power(self) -> jax.Array:
        """Per-direction teacher power w_{T,i}² (a scalar ‖w_T‖²/d for a random direction)."""
        if self.teacher is not None:
            return self.teacher**2
        return self.teacher_norm2 / self.d

    @property
    def teacher_sq_norm(self) -> jax.Array:
        """‖w_T‖²."""
        if self.teacher is not None:
            return jnp.sum(self.teacher**2)
        return self.teacher_norm2

    def replace(self, **changes) -> "Problem":
        """A copy with some fields changed (validated again)."""
        fields = dict(n=self.n, d=self.d, sigma=self.sigma, gamma=self.gamma,
                      input_std=self.input_std, teacher=self.teacher,
                      teacher_norm2=self.teacher_norm2)
        if "teacher" in changes:
            fields["teacher_norm2"] = None
        if "teacher_norm2" in changes:
            fields["teacher"] = None
        fields.update(changes)
        return Problem(**fields)


PAPER_SETTING = dict(n=1e4, d=10, sigma=1e-4, gamma=1e-3, input_std=1.0, teacher_norm2=40.0)
"""The synthetic setting of the paper's figures (Halder & Pehlevan, arXiv 2512.19905):
n = 1e4, d = 10, S = 1, σ = 1e-4, γ = 1e-3, w_T ~ N(0, 4 I), i.e. ‖w_T‖² = 4d = 40."""


def paper_problem(**changes) -> Problem:
    """The paper's problem: n = 1e4, d = 10, S = 1, σ = 1e-4, γ = 1e-3, ‖w_T‖² = 40.

    The one definition of the synthetic setting of Halder & Pehlevan, "Demystifying
    LLM-as-a-Judge: Analytically Tractable Model for Inference-Time Scaling" (arXiv
    2512.19905), used by the figures, ``solvable demo``, the notebooks and the test
    fixtures (docs/theory.md §1).

    Parameters
    ----------
    **changes
        Fields of `Problem` to change, e.g. ``n=2e4`` or ``teacher_norm2=80.0``.

    Returns
    -------
    Problem
        The `Problem` built from `PAPER_SETTING` updated with ``changes``.

    Examples
    --------
    >>> import solvable
    >>> p = solvable.paper_problem()
    >>> float(p.n), p.d, float(p.sigma), float(p.gamma), float(p.teacher_norm2)
    (10000.0, 10, 0.0001, 0.001, 40.0)
    >>> float(solvable.paper_problem(n=2e4).alpha)
    0.0005
    """
    return Problem(**{**PAPER_SETTING, **changes})


class Reward:
    """Base class of the reward models: r(y) = −(y − μ_R(x))², μ_R(x) = w_R·x/√d.

    Use one of `KnobReward` (the paper's knob c), `WeightsReward` (explicit w_R) or
    `AlignedReward` (cosine with the teacher and norm ratio); docs/theory.md §1.
    ``Reward.teacher()`` is the aligned judge μ_R = μ_T.

    Examples
    --------
    >>> from solvable import Reward
    >>> float(Reward.teacher().c)
    0.0
    """

    @staticmethod
    def teacher() -> "KnobReward":
        """The reward that equals the teacher (c = 0)."""
        return KnobReward(0.0)


@pytree_dataclass
@dataclasses.dataclass(frozen=True)
class KnobReward(Reward):
    """The paper's misspecification knob: μ_R = μ_T − c (m − μ_T), i.e. Δ_R = (1 + c) Δ_T.

    c = 0 is the teacher; c > 0 pushes the judge's centre away from the teacher, past the
    student's mean (docs/theory.md §1). The authors' two scripts define c differently; this
    definition is used throughout `solvable`.

    Parameters
    ----------
    c : float or array
        The knob (finite; arrays broadcast through the theory functions).

    Returns
    -------
    KnobReward
        A frozen pytree with the leaf ``c``.

    Examples
    --------
    >>> import solvable
    >>> law = solvable.offset_law(solvable.paper_problem(), solvable.KnobReward(2.0))
    >>> round(float(law.var_reward / law.var_teacher), 6)  # (1 + c)²
    9.0
    """

    c: jax.Array

    def __init__(self, c):
        check_finite("c", c)
        object.__setattr__(self, "c", _f64(c))


@pytree_dataclass
@dataclasses.dataclass(frozen=True)
class WeightsReward(Reward):
    """A reward given by its weights: μ_R(x) = w_R·x/√d.

    Needs a `Problem` built with the teacher's weights (``teacher=``), since the offsets'
    law depends on how w_R sits against w_T.

    Parameters
    ----------
    weights : array of shape (d,)
        The judge's weights w_R (finite).

    Returns
    -------
    WeightsReward
        A frozen pytree with the leaf ``weights``.

    Examples
    --------
    >>> import solvable
    >>> p = solvable.Problem(n=400, d=2, sigma=0.1, gamma=1.0, teacher=[1.0, 0.0])
    >>> law = solvable.offset_law(p, solvable.WeightsReward([1.0, 0.0]))  # judge = teacher
    >>> bool(abs(law.var_reward - law.var_teacher) < 1e-15)
    True
    """

    weights: jax.Array

    def __init__(self, weights):
        check_finite("weights", weights)
        if is_concrete(weights) and np.ndim(weights) != 1:
            raise ValueError(f"weights must be a vector of shape (d,), got shape {np.shape(weights)}")
        object.__setattr__(self, "weights", _f64(weights))


@pytree_dataclass
@dataclasses.dataclass(frozen=True)
class AlignedReward(Reward):
    """A reward given by its cosine with the teacher and its norm ratio ρ = ‖w_R‖/‖w_T‖.

    w_R = ρ ‖w_T‖ (cos θ ŵ_T + sin θ e) with e a unit vector orthogonal to w_T in a uniformly
    random direction, averaged over (exact as d → ∞; docs/theory.md §1).
    ``AlignedReward(1, 1)`` is the teacher.

    Parameters
    ----------
    cosine : float
        cos θ in [−1, 1].
    norm_ratio : float, default 1.0
        ρ = ‖w_R‖/‖w_T‖ ≥ 0.

    Returns
    -------
    AlignedReward
        A frozen pytree with the leaves ``cosine`` and ``norm_ratio``.

    Examples
    --------
    >>> import solvable
    >>> p = solvable.paper_problem()
    >>> same = solvable.offset_law(p, solvable.AlignedReward(1.0, 1.0))
    >>> bool(abs(same.var_reward - same.var_teacher) < 1e-20)
    True
    >>> solvable.AlignedReward(1.5)
    Traceback (most recent call last):
    ...
    ValueError: cosine must lie in [-1, 1], got 1.5
    """

    cosine: jax.Array
    norm_ratio: jax.Array = 1.0

    def __init__(self, cosine, norm_ratio=1.0):
        check_finite("cosine", cosine)
        check_finite("norm_ratio", norm_ratio)
        if is_concrete(cosine) and np.any(np.abs(np.asarray(cosine, float)) > 1):
            raise ValueError(f"cosine must lie in [-1, 1], got {cosine!r}")
        if is_concrete(norm_ratio) and np.any(np.asarray(norm_ratio, float) < 0):
            raise ValueError(f"norm_ratio must be >= 0, got {norm_ratio!r}")
        object.__setattr__(self, "cosine", _f64(cosine))
        object.__setattr__(self, "norm_ratio", _f64(norm_ratio))
