"""Fit of the Gaussian answer model to the selection curves of a real pool (docs/theory.md §7).

The smallest version of the model of `solvable.answers` that can describe a population of
questions, in units of the tolerance h (an answer is right iff |y − μ_T| < h = 1):

* at each question the model's answers are y ~ N(Δ, s²) around the right answer μ_T = 0,
  with a common predictive width ``s`` and an offset Δ ~ N(0, ``spread``²) over questions;
* the judge prefers answers near μ_R = −c Δ + σ_J ζ, ζ ~ N(0, 1) independent of Δ: its offset
  from the model's mean is (1 + c) Δ (the knob of the error model: ``c`` = 0 is a judge that
  knows the right answer, |c| > 1 a judge pulled further from it than the model itself) plus
  an error of its own, of size ``judge_noise`` σ_J (a judge wrong on some questions whatever
  the model does);
* a judge score of s_J corresponds to the model reward −(y − μ_R)²/h² times ``beta`` plus a
  constant, so a softmax over scores at temperature T is the model's softmax at T/β (fitted
  only when the data include softmax curves at T > 0).

The fit matches the model's population curves (Gauss–Legendre over Δ ≥ 0, using the symmetry
Δ → −Δ) to the pool's mean curves at the given k by generalised least squares with the
curves' covariance over questions (a small ridge keeps it invertible where a curve has no
spread, e.g. k = 1 on pools whose pass rate is the same for every question). Parameters are
fitted in logs (s, spread, β) and directly (c); their standard errors come from the delta
method, (Jᵀ Σ⁻¹ J)⁻¹ at the optimum. `PoolFit.predict` then extrapolates to any k, rule and
temperature; `PoolFit.plot` draws observed against predicted curves.

The model draws i.i.d. answers, so the natural target is the pool's unbiased curve without
replacement when the pool's answers are samples of one model, and its with-replacement curve
(the pool's empirical law) when they are a fixed set of candidates (as in RewardMATH).
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache
from typing import Optional, Sequence

import numpy as np
from scipy import optimize

from .. import _config  # noqa: F401  (float64)
from .._validate import (check_bool, check_choice, check_instance, check_integer_at_least,
                         check_real)
from .curves import RULES, Pool, selection_curve

__all__ = ["ModelParams", "PoolFit", "fit", "simulate_pool", "model_curve"]

_JUDGE_NODES = 12   # Gauss–Hermite nodes over the judge's own error
_MAX_EVALUATIONS = 40   # residual evaluations per start of the least-squares search
_LOG_PARAMS = ("width", "spread", "judge_noise", "beta")   # fitted in logs


@dataclasses.dataclass(frozen=True)
class ModelParams:
    """Parameters of the answer model in units of the tolerance.

    Parameters
    ----------
    width : float
        Predictive standard deviation s (> 0).
    spread : float
        Standard deviation of the model's offset Δ over questions (> 0).
    misalignment : float
        The judge's knob c: its preferred answer is μ_R = −c Δ + σ_J ζ.
    judge_noise : float
        σ_J ≥ 0, the judge's own error, independent of the model's offset.
    beta : float
        Judge score units per unit of model reward (> 0).

    Examples
    --------
    >>> from solvable.pools import ModelParams
    >>> ModelParams(width=1.0, spread=0.5).misalignment
    0.0
    """

    width: float
    spread: float
    misalignment: float = 0.0
    judge_noise: float = 0.0
    beta: float = 1.0

    def __post_init__(self):
        for name in ("width", "spread", "misalignment", "judge_noise", "beta"):
            check_real(name, getattr(self, name))
        for name in ("width", "spread", "beta"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be finite and > 0, got {v!r}")
        if not (np.isfinite(self.judge_noise) and self.judge_noise >= 0):
            raise ValueError(f"judge_noise must be finite and >= 0, got {self.judge_noise!r}")
        if not np.isfinite(self.misalignment):
            raise ValueError(f"misalignment must be finite, got {self.misalignment!r}")


@lru_cache(maxsize=4)
def _offset_rule(n_per_panel: int = 8):
    """Nodes ξ ≥ 0 and weights for E[f(ξ)], ξ ~ N(0, 1), f even: 2·∫₀^8 f φ dξ, GL panels."""
    edges = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.5, 8.0])
    x, w = np.polynomial.legendre.leggauss(n_per_panel)
    lo, hi = edges[:-1, None], edges[1:, None]
    xi = (lo + (hi - lo) * (x + 1) / 2).ravel()
    wt = ((hi - lo) * w / 2).ravel() * 2 * np.exp(-0.5 * xi**2) / math.sqrt(2 * math.pi)
    return xi, wt


def model_curve(params: ModelParams, rule: str, ks, temperature: float = 0.0, *,
                samples: int = 2**12, seed: int = 0) -> np.ndarray:
    """Population accuracy of the model, E_Δ[selection_accuracy], for each k.

    Parameters
    ----------
    params : ModelParams
    rule : {"pass", "best_of_k", "softmax", "majority", "weighted_vote"}
    ks : sequence of int
    temperature : float
        In judge score units (converted to the model's as T/β); 0 for best-of-k.
    samples, seed : int
        Monte Carlo size of the weighted vote.

    Returns
    -------
    ndarray [len(ks)]

    Examples
    --------
    >>> from solvable.pools import ModelParams, model_curve
    >>> p = ModelParams(width=1.0, spread=0.5, misalignment=0.0)
    >>> model_curve(p, "pass", [1]).round(4).tolist()   # P(|N(0, 1 + 0.5²)| < 1)
    [0.6289]
    """
    from ..answers import selection_accuracy

    check_instance("params", params, ModelParams, "a ModelParams")
    check_choice("rule", rule, RULES)
    check_real("ks", ks)
    check_real("temperature", temperature)
    check_integer_at_least("samples", samples, 1)
    check_integer_at_least("seed", seed, 0)
    ks = np.asarray(ks, dtype=float)
    xi, wt = _offset_rule()
    delta = params.spread * xi
    if rule == "pass":
        from scipy.stats import norm

        q0 = norm.cdf((1 - delta) / params.width) - norm.cdf((-1 - delta) / params.width)
        return (1 - (1 - q0[None, :]) ** ks[:, None]) @ wt
    if rule == "best_of_k":
        rule, temperature = "softmax", 0.0
    zeta, wz = _judge_rule(params.judge_noise > 0)
    t_model = temperature / params.beta if np.isfinite(temperature) else temperature
    reward = (-params.misalignment * delta[:, None] + params.judge_noise * zeta[None, :])
    acc = selection_accuracy(ks[:, None, None], t_model, mean=delta[None, :, None],
                             std=params.width, teacher=0.0, reward=reward[None],
                             tolerance=1.0, rule=rule,
                             **({"samples": samples, "seed": seed}
                                if rule == "weighted_vote" else {}))
    return np.einsum("kxz,x,z->k", np.asarray(acc), wt, wz)


@lru_cache(maxsize=2)
def _judge_rule(noisy: bool):
    """Gauss–Hermite nodes for E over the judge's own error ζ ~ N(0, 1) (one node if none)."""
    if not noisy:
        return np.zeros(1), np.ones(1)
    x, w = np.polynomial.hermite_e.hermegauss(_JUDGE_NODES)
    return x, w / w.sum()


def simulate_pool(params: ModelParams, n_questions: int, n_samples: int, *, seed: int = 0):
    """A pool drawn from the model: per question Δ, μ_R = −cΔ + σ_J ζ, answers y ~ N(Δ, s²),
    scores −β(y − μ_R)², labels the bins round(y/2) (shifted to labels ≥ 0).

    Parameters
    ----------
    params : ModelParams
    n_questions, n_samples : int
    seed : int

    Returns
    -------
    solvable.pools.Pool

    Examples
    --------
    >>> from solvable.pools import ModelParams, simulate_pool
    >>> simulate_pool(ModelParams(1.0, 0.5, 0.0), 3, 4).scores.shape
    (3, 4)
    """

    check_instance("params", params, ModelParams, "a ModelParams")
    check_integer_at_least("n_questions", n_questions, 1)
    check_integer_at_least("n_samples", n_samples, 1)
    check_integer_at_least("seed", seed, 0)
    rng = np.random.default_rng(seed)
    delta = params.spread * rng.normal(size=(n_questions, 1))
    y = delta + params.width * rng.normal(size=(n_questions, n_samples))
    mu_r = -params.misalignment * delta + params.judge_noise * rng.normal(size=(n_questions, 1))
    scores = -params.beta * (y - mu_r) ** 2
    correct = (np.abs(y) < 1.0).astype(float)
    bins = np.round(y / 2.0).astype(np.int64)
    return Pool(scores, correct, bins - bins.min())       # labels ≥ 0; the right one is −min


@dataclasses.dataclass(frozen=True)
class PoolFit:
    """A fitted answer model (made by `fit`).

    Parameters
    ----------
    params : ModelParams
        Best fit.
    stderr : dict
        Delta-method standard errors of ``width``, ``spread``, ``misalignment`` (and ``beta``).
    ks, temperatures : the k and T (judge units) fitted
    observed, observed_stderr : ndarray [1 + len(temperatures), len(ks)]
        The pool's mean curves (pass@k first, then best-of-k or softmax at each T) and their
        standard errors.
    fitted : ndarray, same shape
        The model's curves at the best fit.
    chi2, dof : float, int
        Generalised least-squares misfit and degrees of freedom.
    pool : the pool fitted; replacement : whether its with-replacement curves were the target

    Examples
    --------
    >>> from solvable import pools
    >>> from solvable.pools import ModelParams, simulate_pool
    >>> f = pools.fit(simulate_pool(ModelParams(1.0, 0.6, 0.5), 200, 8, seed=2), [1, 2],
    ...              free=("width", "spread"))
    >>> f.observed.shape          # pass@k and best-of-k at two k
    (2, 2)
    """

    params: ModelParams
    stderr: dict
    ks: np.ndarray
    temperatures: tuple
    observed: np.ndarray
    observed_stderr: np.ndarray
    fitted: np.ndarray
    chi2: float
    dof: int
    pool: object
    replacement: bool

    def predict(self, rule: str, ks, temperature: float = 0.0, **options) -> np.ndarray:
        """The fitted model's mean accuracy for `rule` at each k (see `model_curve`).

        Parameters
        ----------
        rule : {"pass", "best_of_k", "softmax", "majority", "weighted_vote"}
        ks : sequence of int
        temperature : float
            In judge score units; T > 0 needs a fit that included softmax curves (beta).
        **options
            ``samples``, ``seed`` of the weighted vote's Monte Carlo.

        Returns
        -------
        ndarray [len(ks)]

        Examples
        --------
        >>> from solvable import pools
        >>> from solvable.pools import ModelParams, simulate_pool
        >>> pool = simulate_pool(ModelParams(1.0, 0.6), 300, 16, seed=1)   # judge = teacher
        >>> f = pools.fit(pool, [1, 2, 3], free=("width", "spread"))
        >>> bool(abs(f.predict("best_of_k", [8])[0] - pools.selection_curve(
        ...     pool, "best_of_k", [8]).mean[0]) < 0.05)
        True
        """
        check_real("temperature", temperature)
        if (temperature != 0.0 and np.isfinite(temperature) and rule in ("softmax",
                                                                          "weighted_vote")
                and not any(t > 0 for t in self.temperatures)):
            raise ValueError("temperature > 0 needs the score scale beta: fit with "
                             "temperatures=(...) including a T > 0")
        return model_curve(self.params, rule, ks, temperature, **options)

    def plot(self, ks=None, ax=None):
        """Observed (data) against fitted and predicted (model) best-of-k / softmax curves.

        Parameters
        ----------
        ks : sequence of int, optional
            The k drawn (default 1..the smallest pool).
        ax : matplotlib Axes, optional

        Returns
        -------
        matplotlib Axes
            The fitted range of k is shaded.

        Examples
        --------
        >>> from solvable import pools
        >>> from solvable.pools import ModelParams, simulate_pool
        >>> f = pools.fit(simulate_pool(ModelParams(1.0, 0.6), 200, 8, seed=2), [1, 2],
        ...              free=("width", "spread"))
        >>> f.plot().get_xlabel()
        'number of samples k'
        """
        import matplotlib.pyplot as plt

        from .. import style

        ks = np.arange(1, int(self.pool.n.min()) + 1) if ks is None else np.asarray(ks)
        if ax is None:
            with plt.rc_context(style.rc()):
                _, ax = plt.subplots(figsize=(4.2, 3.2), layout="constrained")

        for i, t in enumerate(self.temperatures):
            rule = "best_of_k" if t == 0 else "softmax"
            obs = selection_curve(self.pool, rule, ks, temperature=t,
                                        replacement=self.replacement)
            col = style.color(i)
            label = "T = 0" if t == 0 else f"T = {t:g}"
            style.errorbar(ax, ks, obs.mean, obs.stderr, c=col, label=f"data, {label}",
                           **style.KIND_STYLE["data"])
            style.line(ax, ks, self.predict(rule, ks, t), "exact", c=col,
                       label=f"model fit on k ≤ {int(self.ks.max())}")
        ax.axvspan(0.5, self.ks.max() + 0.5, color="0.9", zorder=0)
        ax.set_xlabel("number of samples k")
        ax.set_ylabel("accuracy")
        ax.legend(fontsize=7)
        return ax


def _observed(pool, ks, temperatures, replacement):
    """Mean curves [1 + len(temperatures), K] (pass@k first), their s.e., per-question values."""

    per_q, means, ses = [], [], []
    for rule, t in [("pass", 0.0)] + [("softmax" if t > 0 else "best_of_k", t)
                                      for t in temperatures]:
        c = selection_curve(pool, rule, ks, temperature=t, replacement=replacement)
        per_q.append(c.per_question)
        means.append(c.mean)
        ses.append(c.stderr)
    per_q = np.concatenate(per_q, axis=1)                 # [Q, T·K]
    return np.array(means), np.array(ses), per_q


def fit(pool, ks, *, temperatures: Sequence[float] = (0.0,), replacement: bool = False,
        free: Sequence[str] = ("width", "spread", "misalignment", "judge_noise"),
        start: Optional[ModelParams] = None) -> PoolFit:
    """Fit the answer model to a pool's pass@k and best-of-k (and softmax) curves at the ks.

    Parameters
    ----------
    pool : solvable.pools.Pool
        Needs 0/1 correctness flags.
    ks : sequence of int
        The k fitted (e.g. (1, 2, 3)); predictions beyond them are the model's.
    temperatures : sequence of float
        Judge temperatures of the selection curves fitted (0: best-of-k). Any T > 0 adds the
        score scale ``beta`` to the free parameters.
    replacement : bool
        Fit the pool's with-replacement curves (its empirical law) instead of the unbiased
        without-replacement ones; see the module docstring.
    free : sequence of str
        The parameters fitted; the others stay at `start`'s values.
    start : ModelParams, optional
        Starting point, and the values of the parameters not in `free` (default: width 1,
        spread 1, misalignment 0, beta 1, judge_noise 0.5 if fitted and 0 otherwise).

    Returns
    -------
    PoolFit

    Examples
    --------
    >>> from solvable import pools
    >>> from solvable.pools import ModelParams, simulate_pool
    >>> pool = simulate_pool(ModelParams(1.0, 0.6), 300, 16, seed=1)
    >>> f = pools.fit(pool, [1, 2, 3], free=("width", "spread"))
    >>> f.dof          # pass@k and best-of-k at 3 k, 2 parameters
    4
    """

    if not isinstance(pool, Pool):
        raise ValueError(f"pool must be a solvable.pools.Pool, got {type(pool).__name__}")
    check_real("ks", ks)
    check_real("temperatures", temperatures)
    check_bool("replacement", replacement)
    if isinstance(free, str) or not isinstance(free, (list, tuple)):
        raise ValueError("free must name parameters among ('width', 'spread', 'misalignment', "
                         f"'judge_noise', 'beta'), got {free!r}")
    if start is not None:
        check_instance("start", start, ModelParams, "a ModelParams")
    if not pool.is_binary:
        raise ValueError("correct must hold 0/1 flags to fit the answer model")
    ks = np.asarray(ks)
    if ks.ndim != 1 or ks.size == 0 or np.any(ks < 1) or np.any(ks != np.round(ks)):
        raise ValueError(f"ks must be a non-empty sequence of integers >= 1, got {ks!r}")
    ks = ks.astype(int)
    temps = tuple(float(t) for t in temperatures)
    if not temps or any(not (t >= 0) or not np.isfinite(t) for t in temps):
        raise ValueError(f"temperatures must be finite and >= 0, got {temperatures!r}")
    free = list(dict.fromkeys(free))
    known = ("width", "spread", "misalignment", "judge_noise", "beta")
    if not free or any(f not in known for f in free):
        raise ValueError(f"free must name parameters among {known}, got {free!r}")
    if any(t > 0 for t in temps) and "beta" not in free:
        free.append("beta")
    if start is None:       # judge noise starts at 0.5 when fitted, and is 0 when held fixed
        start = ModelParams(1.0, 1.0, 0.0, 0.5 if "judge_noise" in free else 0.0, 1.0)
    obs, obs_se, per_q = _observed(pool, ks, temps, replacement)
    rules = [("pass", 0.0)] + [("softmax" if t > 0 else "best_of_k", t) for t in temps]
    y = obs.ravel()
    cov = np.cov(per_q, rowvar=False).reshape(y.size, y.size) / per_q.shape[0]
    cov = cov + np.eye(y.size) * (1e-3 * max(np.max(np.diag(cov)), 1e-8) + 1e-10)
    chol = np.linalg.cholesky(cov)

    def unpack(theta):
        values = dataclasses.asdict(start)
        for name, v in zip(free, theta):
            values[name] = math.exp(v) if name in _LOG_PARAMS else float(v)
        return ModelParams(**values)

    def curves(theta):
        p = unpack(theta)
        return np.concatenate([model_curve(p, rule, ks, t) for rule, t in rules])

    def residual(theta):
        return np.linalg.solve(chol, curves(theta) - y)

    lower = [-50.0 if f == "misalignment" else (-8.0 if f == "judge_noise" else -5.0)
             for f in free]
    upper = [50.0 if f == "misalignment" else 5.0 for f in free]
    theta0 = np.array([math.log(max(getattr(start, f), 1e-3)) if f in _LOG_PARAMS
                       else getattr(start, f) for f in free])
    best = None
    starts = [theta0]
    if "misalignment" in free:           # falling curves need |c| > 1: try a few knobs
        i = free.index("misalignment")
        for c0 in (2.0, -0.5):
            th = theta0.copy()
            th[i] = c0
            starts.append(th)
    for th in starts:
        res = optimize.least_squares(residual, th, method="trf", diff_step=1e-4,
                                     bounds=(lower, upper), x_scale="jac", xtol=1e-6,
                                     ftol=1e-8, max_nfev=_MAX_EVALUATIONS)
        if best is None or res.cost < best.cost:
            best = res
    cov_theta = np.linalg.pinv(best.jac.T @ best.jac)          # whitened Jacobian
    p = unpack(best.x)
    se = np.sqrt(np.maximum(np.diag(cov_theta), 0.0))
    stderr = {f: (getattr(p, f) * se[i] if f in _LOG_PARAMS else se[i])
              for i, f in enumerate(free)}
    fitted = curves(best.x).reshape(obs.shape)
    return PoolFit(params=p, stderr=stderr, ks=ks, temperatures=temps, observed=obs,
                   observed_stderr=obs_se, fitted=fitted, chi2=float(2 * best.cost),
                   dof=int(y.size - best.x.size), pool=pool, replacement=bool(replacement))
