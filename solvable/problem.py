"""The teacher–student problem and the reward ("judge") models (THEORY §1, §3).

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

__all__ = ["Problem", "Reward", "KnobReward", "WeightsReward", "AlignedReward"]


def _f64(x):
    return None if x is None else jnp.asarray(x, dtype=jnp.float64)


@pytree_dataclass
@dataclasses.dataclass(frozen=True)
class Problem:
    """Teacher–student Bayesian linear regression (THEORY §1).

    Parameters
    ----------
    n : training-set size (real, > 0; may be traced for derivatives in n).
    d : input dimension (static int ≥ 1).
    sigma : label-noise standard deviation σ > 0.
    gamma : prior standard deviation γ > 0 of each student weight.
    input_std : S (isotropic, Σ = S² I) or an array of d per-direction standard deviations
        (a general diagonal input spectrum Σ = diag(input_std²)).
    teacher : teacher weights w_T, shape (d,). Either this or ``teacher_norm2``.
    teacher_norm2 : squared norm ‖w_T‖² when the weights are not given; the teacher's direction
        is then taken as uniformly random (each direction carries ‖w_T‖²/d). Default ``d``
        (components of unit variance). The paper's figures use w_T ~ N(0, 4 I): ``4 * d``.
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
        """Explicit ridge R̂ = α σ²/γ² (THEORY §2)."""
        return self.alpha * self.sigma**2 / self.gamma**2

    @property
    def spectrum(self) -> jax.Array:
        """Input variances: S² (isotropic scalar) or the d eigenvalues of Σ."""
        return self.input_std**2

    @property
    def isotropic(self) -> bool:
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


class Reward:
    """Base class of the reward models; μ_R(x) = w_R·x/√d, r(y) = −(y − μ_R)².

    Use one of `KnobReward` (the paper's knob c), `WeightsReward` (explicit w_R) or
    `AlignedReward` (cosine with the teacher and norm ratio). ``Reward.teacher()`` is the
    aligned judge μ_R = μ_T.
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
    student's mean. (The authors' two scripts define c differently; this is the definition
    of THEORY §3 used throughout `solvable`.)
    """

    c: jax.Array

    def __init__(self, c):
        check_finite("c", c)
        object.__setattr__(self, "c", _f64(c))


@pytree_dataclass
@dataclasses.dataclass(frozen=True)
class WeightsReward(Reward):
    """A reward given by its weights w_R (shape (d,)); needs a problem with teacher weights."""

    weights: jax.Array

    def __init__(self, weights):
        check_finite("weights", weights)
        if is_concrete(weights) and np.ndim(weights) != 1:
            raise ValueError(f"weights must be a vector of shape (d,), got shape {np.shape(weights)}")
        object.__setattr__(self, "weights", _f64(weights))


@pytree_dataclass
@dataclasses.dataclass(frozen=True)
class AlignedReward(Reward):
    """A reward given by its cosine with the teacher and its norm ratio ‖w_R‖/‖w_T‖.

    w_R = ρ ‖w_T‖ (cos θ ŵ_T + sin θ e) with e a unit vector orthogonal to w_T in a uniformly
    random direction (averaged over, which is exact as d → ∞). ``AlignedReward(1, 1)`` is the
    teacher.
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
