"""One trial of the finite teacher–student model (docs/theory.md §1), shared by the simulators.

Private to the package; its names are public inside it. `draw_student` (exported by
`solvable.simulation`) draws a teacher, the reward weights, a training set and the exact Bayesian
posterior; `test_offsets` gives the offsets Δ_T, Δ_R and the predictive variance s² at test
inputs. `solvable.simulation` (the error δ) and `solvable._simulate_answers` (right/wrong
answers) both simulate from these.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple, Optional

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import cho_solve, solve_triangular

from . import _config  # noqa: F401
from ._validate import check_choice, check_instance, check_integer_at_least, check_key
from .equivalents import predictive_moments
from .problem import AlignedReward, KnobReward, Problem, Reward, WeightsReward


# ----------------------------------------------------------------------------------------------
# One trial: teacher, reward, training set, posterior (docs/theory.md §1)
# ----------------------------------------------------------------------------------------------

class Student(NamedTuple):
    """What a trial needs to evaluate the predictive and the reward at test inputs.

    m − μ_T = (w̄ − w_T)·φ with ``mean_minus_teacher`` = w̄ − w_T (formed in float64);
    Δ_R = m − μ_R = ``knob_gain`` · Δ_T + ``mean_minus_reward`` · φ (knob reward: gain 1 + c and
    zero vector; weights reward: gain 0 and w̄ − w_R);
    s² = ``noise_var`` + ``noise_var`` ‖L⁻¹φ‖² with L the Cholesky factor of
    ΦᵀΦ + (σ²/γ²) I (``chol``; None for the deterministic predictive, where s² = ``noise_var``).

    Parameters
    ----------
    mean_minus_teacher : jax.Array
        w̄ − w_T, shape (d,).
    mean_minus_reward : jax.Array
        w̄ − w_R for a weights reward, zeros for a `KnobReward`; shape (d,).
    knob_gain : jax.Array
        1 + c for a `KnobReward`, else 0.
    noise_var : jax.Array
        σ² (posterior predictive) or the DE variance s̄² (deterministic predictive).
    chol : jax.Array or None
        Lower Cholesky factor L, shape (d, d); None for the deterministic predictive.
    teacher : jax.Array
        Teacher weights w_T, shape (d,).
    reward : jax.Array
        Reward weights w_R, shape (d,) (zeros for a `KnobReward`).

    Examples
    --------
    >>> import jax
    >>> from solvable import KnobReward, Problem
    >>> from solvable.simulation import draw_student
    >>> student = draw_student(jax.random.key(0), Problem(n=50, d=5, sigma=0.3, gamma=1.0),
    ...                        KnobReward(2.0))
    >>> student._fields[:3]
    ('mean_minus_teacher', 'mean_minus_reward', 'knob_gain')
    """

    mean_minus_teacher: jax.Array
    mean_minus_reward: jax.Array
    knob_gain: jax.Array
    noise_var: jax.Array
    chol: Optional[jax.Array]
    teacher: jax.Array
    reward: jax.Array


def _draw_teacher(key, problem: Problem, teacher_draw: str):
    d = problem.d
    if problem.teacher is not None:
        return problem.teacher
    g = jax.random.normal(key, (d,), jnp.float64)
    if teacher_draw == "sphere":
        return g * jnp.sqrt(problem.teacher_norm2) / jnp.linalg.norm(g)
    return g * jnp.sqrt(problem.teacher_norm2 / d)


def _draw_reward_weights(key, reward: Reward, w_t, d: int):
    if isinstance(reward, WeightsReward):
        if reward.weights.shape != (d,):
            raise ValueError(f"reward weights must have shape (d,) = ({d},), "
                             f"got {reward.weights.shape}")
        return reward.weights
    if isinstance(reward, AlignedReward):
        norm = jnp.linalg.norm(w_t)
        unit = w_t / norm
        e = jax.random.normal(key, (d,), jnp.float64)
        e = e - jnp.dot(e, unit) * unit
        e = e / jnp.linalg.norm(e)
        sin = jnp.sqrt(jnp.clip(1.0 - reward.cosine**2, 0.0, 1.0))
        return reward.norm_ratio * norm * (reward.cosine * unit + sin * e)
    return jnp.zeros((d,), jnp.float64)


def draw_student(key, problem: Problem, reward: Reward, *, predictive: str = "posterior",
                 teacher_draw: str = "sphere") -> Student:
    """Draw one trial: teacher, reward weights, training set and the exact BLR posterior.

    The posterior is fitted in the scaled form P = ΦᵀΦ + (σ²/γ²) I = L Lᵀ (Cholesky),
    w̄ = P⁻¹ Φᵀ y by `cho_solve`, Ω = σ² P⁻¹; the predictive variance is then
    s² = σ² (1 + ‖L⁻¹ φ‖²) by a triangular solve at each test input.

    Parameters
    ----------
    key : jax PRNG key
        Key of the trial (split for teacher, reward, inputs and noise).
    problem : Problem
        The teacher–student problem; ``problem.n`` is rounded to an integer for the posterior.
    reward : Reward
        `KnobReward`, `WeightsReward` (weights of shape (d,)) or `AlignedReward`.
    predictive : {"posterior", "deterministic"}, default "posterior"
        Fit the BLR posterior on n drawn pairs, or use the DE mean and variance.
    teacher_draw : {"sphere", "gaussian"}, default "sphere"
        Teacher law when the problem has no teacher weights: uniform on the sphere of squared
        norm ``teacher_norm2``, or Gaussian with that expected squared norm.

    Returns
    -------
    Student
        The trial's offsets' ingredients.

    Examples
    --------
    >>> import jax
    >>> from solvable import KnobReward, Problem
    >>> from solvable.simulation import draw_student
    >>> problem = Problem(n=50, d=5, sigma=0.3, gamma=1.0)
    >>> student = draw_student(jax.random.key(0), problem, KnobReward(2.0))
    >>> student.chol.shape, float(student.knob_gain), round(float(student.noise_var), 12)
    ((5, 5), 3.0, 0.09)
    >>> draw_student(jax.random.key(0), problem, KnobReward(2.0),
    ...              predictive="deterministic").chol is None
    True
    """
    check_key("key", key)
    check_instance("problem", problem, Problem, "a solvable.Problem")
    check_instance("reward", reward, (KnobReward, WeightsReward, AlignedReward),
                   "a KnobReward, WeightsReward or AlignedReward")
    check_choice("predictive", predictive, ("posterior", "deterministic"))
    check_choice("teacher_draw", teacher_draw, ("sphere", "gaussian"))
    n_train = int(round(float(problem.n))) if predictive == "posterior" else 0
    return _draw_student(key, problem, reward, n_train=n_train, predictive=predictive,
                         teacher_draw=teacher_draw)


@partial(jax.jit, static_argnames=("n_train", "predictive", "teacher_draw"))
def _draw_student(key, problem, reward, *, n_train, predictive, teacher_draw):
    d = problem.d
    k_teacher, k_reward, k_x, k_noise = jax.random.split(key, 4)
    w_t = _draw_teacher(k_teacher, problem, teacher_draw)
    w_r = _draw_reward_weights(k_reward, reward, w_t, d)
    sigma2 = problem.sigma**2
    if predictive == "posterior":
        x = jax.random.normal(k_x, (n_train, d), jnp.float64) * problem.input_std
        phi = x / jnp.sqrt(d)
        y = phi @ w_t + problem.sigma * jax.random.normal(k_noise, (n_train,), jnp.float64)
        precision = phi.T @ phi + (sigma2 / problem.gamma**2) * jnp.eye(d)
        chol = jnp.linalg.cholesky(precision)
        # w̄ − w_T = P⁻¹ Φᵀ(y − Φ w_T) − (σ²/γ²) P⁻¹ w_T, free of cancellation
        resid = y - phi @ w_t
        mean_minus_teacher = cho_solve((chol, True), phi.T @ resid
                                       - (sigma2 / problem.gamma**2) * w_t)
        noise_var = sigma2
    else:
        moments = predictive_moments(problem)
        mean_minus_teacher = -(1.0 - moments.mean_scale) * w_t  # −B_R w_T
        chol = None
        noise_var = moments.variance
    if isinstance(reward, KnobReward):
        gain, mean_minus_reward = 1.0 + reward.c, jnp.zeros((d,), jnp.float64)
    else:
        gain, mean_minus_reward = jnp.zeros(()), mean_minus_teacher + w_t - w_r
    return Student(mean_minus_teacher, mean_minus_reward, jnp.asarray(gain, jnp.float64),
                   jnp.asarray(noise_var, jnp.float64), chol, w_t, w_r)


def test_offsets(student: Student, phi):
    """Δ_T, Δ_R and s² at the rows of φ = x/√d (float64)."""
    delta_t = phi @ student.mean_minus_teacher
    delta_r = student.knob_gain * delta_t + phi @ student.mean_minus_reward
    if student.chol is None:
        s2 = jnp.broadcast_to(student.noise_var, delta_t.shape)
    else:
        half = solve_triangular(student.chol, phi.T, lower=True)
        s2 = student.noise_var * (1.0 + jnp.sum(half * half, axis=0))
    return delta_t, delta_r, s2


def normalize_ks(ks):
    arr = np.atleast_1d(np.asarray(ks))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"ks must be a positive integer or a non-empty list of them, got {ks!r}")
    if not np.issubdtype(arr.dtype, np.number) or np.any(~np.isfinite(arr.astype(float))):
        raise ValueError(f"ks must be positive integers, got {ks!r}")
    check_integer_at_least("ks", arr.astype(float), 1)
    return tuple(int(k) for k in arr)
