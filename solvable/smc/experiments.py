"""Measured cost of sampling π against the bounds of docs/theory.md §8 (reusable by figures).

* `smc_tv`: TV(E[law of the SMC output], π) estimated from ``n_runs`` vmapped runs. Each run
  contributes its whole weighted final population Σ_i W_i δ_{x_i} (whose expectation is the
  law of the output drawn ∝ W: a Rao-Blackwellised estimate); a run whose particles all got
  weight 0 (it died) contributes "no output", an outcome of π-probability 0. Standard error
  by the delta method (y_r = Σ_x sign(law − π)_x law_r(x)), noise floor = E TV when the true
  TV is 0 ≈ ½ Σ_x se_x √(2/π).
* `particles_to_reach_tv`: smallest N in 1, 2, 4, … (optionally refined by bisection) with TV ≤ δ_TV: SMC (estimated, keys
  fixed), rejection and best-of-N (exact laws).
* `scaling_table`: product model (binary, r fixed) with approximate values of Bellman error
  ε = c/T (polynomial regime) and constant ε (default family `majority_values`, whose errors
  compound along the π-typical paths), plus best-of-N and rejection, against the bounds;
  `growth_rates` fits log N against T and against log T.
* `scaling_curves`: the same at scale (T in the hundreds) on the count statistic, with
  best-of-N ∝ r added and least-squares rates with 95% t intervals (`slope_fit`).
* `bias_decay`: slope of log TV against log N (SMC bias is O(1/N): slope ≈ −1).
* `guided_tv_curve`: exact TV(π̃_t, π̂_t) of the guided sampler against 2tε.

Every function takes size knobs (``n_runs``, ``n_max``, the T grid) so that a tiny run takes
seconds.
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _validate as v
from .bellman import bellman_error
from .bounds import guided_tv_bound, rejection_cost, smc_particle_bound
from .exact import (acceptance_rate, best_of_n_law, guided_tv, importance_resampling_law,
                    rejection_law, target_law, tv_distance)
from .models import Process, product_model
from ._walk import prepare
from .samplers import multinomial, smc_init, smc_scan
from .values import majority_values, tilted_values

__all__ = [
    "TVEstimate",
    "smc_output_laws",
    "smc_tv",
    "particles_to_reach_tv",
    "scaling_table",
    "growth_rates",
    "GrowthFit",
    "SlopeFit",
    "slope_fit",
    "scaling_curves",
    "VALUE_FAMILIES",
    "format_table",
    "bias_decay",
    "guided_tv_curve",
]


class TVEstimate(NamedTuple):
    """A TV distance to π estimated from independent SMC runs (`smc_tv`).

    Parameters
    ----------
    tv : float
        The TV distance between the mean output law and π.
    stderr : float
        Its standard error over the runs.
    noise_floor : float
        The TV expected from Monte Carlo noise alone when the mean law equals π.

    Examples
    --------
    >>> from solvable.smc.experiments import TVEstimate
    >>> TVEstimate(0.05, 0.01, 0.02).tv
    0.05
    """

    tv: float
    stderr: float
    noise_floor: float


def _particle_cap(n: int) -> int:
    """Compiled particle count for n active particles: the power of 2 ≥ max(n, 16) (at most
    2× wasted work; one compilation per power of 2)."""
    return 1 << (max(n, 16) - 1).bit_length()


def _round_up(x: int, step: int = 16) -> int:
    return step * -(-x // step)


def _padded(lp, ch, lv, T_cap: int, S_cap: int):
    """Pad stacked arrays to T_cap levels and S_cap states without changing the SMC law:
    extra states are unreachable; the extra levels come first, keep every particle at the
    root (token 0 w.p. 1, child = itself) with the root's values, so their weights are 0 and
    their resampling acts on identical particles (a no-op in law)."""
    T, S, B = lp.shape
    pad_s = [(0, 0), (0, S_cap - S), (0, 0)]
    lp = jnp.pad(lp, pad_s, constant_values=-np.log(B))
    ch = jnp.pad(ch, pad_s)
    lv = jnp.pad(lv, [(0, 0), (0, S_cap - S)])
    stay_lp = jnp.full((T_cap - T, S_cap, B), -jnp.inf).at[..., 0].set(0.0)
    stay_ch = jnp.broadcast_to(jnp.arange(S_cap, dtype=ch.dtype)[:, None], (T_cap - T, S_cap, B))
    return (jnp.concatenate([stay_lp, lp]), jnp.concatenate([stay_ch, ch]),
            jnp.concatenate([jnp.broadcast_to(lv[0], (T_cap - T, S_cap)), lv]))


def smc_output_laws(key, model: Process, values, n_particles: int, n_runs: int,
                    resampling=multinomial) -> np.ndarray:
    """(n_runs, n_T) conditional output laws Σ_i W_i δ_{x_i} of independent SMC runs.

    Compiled once per bucket (particle cap 16, 256 or a power of 2; levels and states multiples of 16) and
    run with the first ``n_particles`` of the cap active, so a sweep over N and T reuses a
    handful of compilations (see `_padded` for why the padding leaves the law unchanged).

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values (see `as_values`); None uses ``model.values``.
    n_particles : int
        Number of particles N ≥ 1.
    n_runs : int
        Number of independent runs ≥ 2.
    resampling : callable
        Resampling scheme.

    Returns
    -------
    numpy.ndarray
        (n_runs, n_T) array; each row is a law (sums to 1), or all zeros for a run that died
        (every particle got weight 0 at some step, see `samplers.smc_step`: the run has no
        output and its estimate of the normaliser is 0).

    Examples
    --------
    >>> import jax, numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> laws = smc_output_laws(jax.random.key(0), m, exact_values(m), 4, 10)
    >>> laws.shape, bool(np.allclose(laws.sum(1), 1.0))
    ((10, 2), True)
    """
    v.check_key("key", key)
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_callable("resampling", resampling)
    v.check_integer_at_least("n_particles", n_particles, 1)
    v.check_integer_at_least("n_runs", n_runs, 2)
    lp, ch, lv = prepare(model, values, n_particles)
    T, S, _ = lp.shape
    lp, ch, lv = _padded(lp, ch, lv, _round_up(T), _round_up(S))
    keys = jax.random.split(key, n_runs)
    laws = _rb_laws(keys, lp, ch, lv, jnp.int32(n_particles), _particle_cap(n_particles), resampling)
    return np.asarray(laws)[:, : model.sizes[-1]]


@partial(jax.jit, static_argnums=(5, 6))
def _rb_laws(keys, lp, ch, lv, n_active, cap, resampling):
    active = jnp.arange(cap) < n_active

    def one(k):
        s, _ = smc_scan(k, lp, ch, lv, smc_init(cap), resampling, n_active)
        lw = jnp.where(active, s.log_weights, -jnp.inf)
        w = jnp.where(jnp.all(jnp.isneginf(lw)), 0.0, jax.nn.softmax(lw))  # a dead run: 0
        return jax.ops.segment_sum(w, s.nodes, num_segments=lp.shape[1])

    return jax.vmap(one)(keys)


def _tv_estimate(laws: np.ndarray, pi: np.ndarray) -> TVEstimate:
    died = ~np.any(laws > 0, axis=1)
    if died.any():  # "no output" is one more outcome, of π-probability 0
        laws = np.column_stack([laws, died.astype(laws.dtype)])
        pi = np.append(pi, 0.0)
    mean = laws.mean(0)
    se = laws.std(0, ddof=1) / np.sqrt(len(laws))
    y = laws @ np.sign(mean - pi)
    return TVEstimate(tv_distance(mean, pi), 0.5 * float(y.std(ddof=1) / np.sqrt(len(laws))),
                      0.5 * float(np.sum(se)) * np.sqrt(2 / np.pi))


def smc_tv(key, model: Process, values, n_particles: int, n_runs: int = 2000,
           resampling=multinomial) -> TVEstimate:
    """TV(E[law of the SMC output], π) with its standard error and noise floor.

    A run that died (`smc_output_laws`) has no output: "no output" counts as one more
    outcome, which π never gives (it adds half the fraction of runs that died to the TV).

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values (see `as_values`); None uses ``model.values``.
    n_particles : int
        Number of particles N ≥ 1.
    n_runs : int
        Number of independent runs ≥ 2.
    resampling : callable
        Resampling scheme.

    Returns
    -------
    TVEstimate
        The TV, its standard error and the noise floor.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> m = tree_model([np.array([[0.5, 0.5]])], [0.0, 1.0])  # π is the point mass on leaf 1
    >>> est = smc_tv(jax.random.key(0), m, exact_values(m), 16, n_runs=100)
    >>> round(est.tv, 6), round(est.stderr, 6)  # each run puts weight 1 on leaf 1
    (0.0, 0.0)
    """
    laws = smc_output_laws(key, model, values, n_particles, n_runs, resampling)
    return _tv_estimate(laws, target_law(model))


class ParticleCount(NamedTuple):
    n: float  # smallest N found reaching the target (inf if none up to n_max)
    tv: float  # TV measured at that n (or at n_max)
    stderr: float  # its standard error (0 for exact laws)


def particles_to_reach_tv(key, model: Process, values=None, tv: float = 0.1, *,
                          method: str = "smc", n_runs: int = 2000, n_max: int = 4096,
                          resampling=multinomial, refine: int = 0,
                          particle_budget: int | None = None, n_start: int = 1) -> ParticleCount:
    """Smallest N on the doubling grid n_start·2^j (≤ n_max) whose output law is within ``tv``
    of π, then ``refine`` bisection steps (geometric midpoints, integers) below it.

    Parameters
    ----------
    key : jax.Array
        PRNG key (the same key for every N: common random numbers along the search).
    model : Process
        The process; for Markov models the TV is between laws of the terminal state.
    values : Values or None
        Approximate values for SMC (default: the model's).
    tv : float
        Target δ_TV in (0, 1).
    method : {"smc", "rejection", "best_of_n", "importance"}
        "smc" (estimated, with standard error), "rejection", "best_of_n" (argmax r) and
        "importance" (best-of-N by selection ∝ r) (exact laws of `exact`).
    n_runs : int
        Independent SMC runs per estimate (the minimum when ``particle_budget`` is given).
    n_max : int
        Largest N tried; ``inf`` is returned beyond it.
    resampling : callable
        SMC resampling scheme.
    refine : int
        Bisection steps between the last failing and the first passing N.
    particle_budget : int, optional
        Runs per estimate = max(n_runs, particle_budget // cap), cap the compiled particle
        count (so the TV noise floor stays roughly constant as N grows).
    n_start : int
        First N tried; if it already passes, N is halved until it fails (or reaches 1).

    Returns
    -------
    ParticleCount
        N (float; inf if none ≤ n_max passes), the TV at N and its standard error (0 for
        exact laws).

    Examples
    --------
    >>> import jax
    >>> from solvable.smc import product_model
    >>> m = product_model(6, 3.0, normalized=True)
    >>> particles_to_reach_tv(jax.random.key(0), m, None, 0.1, method="rejection", refine=8).n
    19.0
    """
    v.check_key("key", key)
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_levels("values", values)
    v.check_callable("resampling", resampling)
    v.check_integer_at_least("n_runs", n_runs, 2)
    v.check_finite("tv", tv)
    if not 0 < tv < 1:
        raise ValueError(f"tv must be in (0, 1), got {tv!r}")
    v.check_integer_at_least("n_max", n_max, 1)
    v.check_integer_at_least("refine", refine, 0)
    v.check_integer_at_least("n_start", n_start, 1)
    if particle_budget is not None:
        v.check_integer_at_least("particle_budget", particle_budget, 1)
    methods = ("smc", "rejection", "best_of_n", "importance")
    if method not in methods:
        raise ValueError(f"method must be one of {methods}, got {method!r}")
    pi = target_law(model)
    laws = {"rejection": rejection_law, "best_of_n": best_of_n_law,
            "importance": importance_resampling_law}

    def measure(n):
        if method == "smc":
            runs = n_runs if particle_budget is None else max(
                n_runs, particle_budget // _particle_cap(n))
            return smc_tv(key, model, values, n, runs, resampling)
        return TVEstimate(tv_distance(laws[method](model, n), pi), 0.0, 0.0)

    n = min(n_start, n_max)
    est = measure(n)
    if est.tv <= tv:  # walk down to the first failing N
        while n > 1:
            lower = measure(n // 2)
            if lower.tv > tv:
                break
            n, est = n // 2, lower
        if n == 1:
            return ParticleCount(1.0, est.tv, est.stderr)
    else:
        while est.tv > tv:
            if 2 * n > n_max:
                return ParticleCount(float("inf"), est.tv, est.stderr)
            n *= 2
            est = measure(n)
    lo, hi, best = n // 2, n, est  # TV(lo) > tv ≥ TV(hi)
    for _ in range(refine):
        if hi - lo <= 1:
            break
        mid = min(max(math.isqrt(max(lo, 1) * hi), lo + 1), hi - 1)
        got = measure(mid)
        if got.tv <= tv:
            hi, best = mid, got
        else:
            lo = mid
    return ParticleCount(float(hi), best.tv, best.stderr)


VALUE_FAMILIES = ("majority", "tilted")


def scaling_table(key, Ts=(2, 4, 8, 16), *, r: float = 3.0, c: float = 1.0,
                  epsilon: float = 0.5, tv: float = 0.1, n_runs: int = 2000,
                  n_max: int = 4096, family: str = "majority", refine: int = 0) -> list[dict]:
    """Particles needed against T on the product model (binary, reward r^{#ones}), with the
    approximate values at Bellman error ε = c/T ("poly") and constant ε ("const"), and
    best-of-N and rejection from p (exact laws), each with its bound. One dict per T.
    Best-of-N is not a sampler of π here (it converges to the all-ones path), so its N is
    inf and ``tv_best_of_n`` is its TV at N = 2^20.

    ``family``: "majority" (default, `values.majority_values`: the per-step errors compound
    along the π-typical paths, so N grows like exp(Θ(T)) at constant ε and stays bounded at
    ε = c/T) or "tilted" (`values.tilted_values` with tilt log(1 + ε): ε ≲ the target, but its
    per-step weight variance is O(tilt²/T), so SMC stays cheap at affordable T).

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    Ts : sequence of int
        Horizons T.
    r : float
        Reward factor of the product model.
    c : float
        Constant of the polynomial regime ε = c/T.
    epsilon : float
        The constant Bellman error ε.
    tv : float
        Target TV δ_TV in (0, 1).
    n_runs : int
        SMC runs per TV estimate.
    n_max : int
        Largest N tried for SMC.
    family : str
        One of `VALUE_FAMILIES`.
    refine : int
        Bisection steps passed to `particles_to_reach_tv`.

    Returns
    -------
    list of dict
        One row per T with keys "T", "eps_poly", "N_poly", "bound_poly", ..., "N_rejection",
        "N_best_of_n" (see `format_table`).

    Examples
    --------
    >>> import jax
    >>> rows = scaling_table(jax.random.key(0), Ts=(2,), n_runs=50, n_max=64)  # doctest: +SLOW
    >>> rows[0]["T"], round(rows[0]["eps_poly"], 6)  # majority values: ε = c/T
    (2, 0.5)
    """
    v.check_key("key", key)
    v.check_real("Ts", Ts)
    for T in np.atleast_1d(np.asarray(Ts, float)):
        v.check_integer_at_least("Ts", T, 1)
    v.check_positive("r", r)
    for name, value in (("c", c), ("epsilon", epsilon), ("tv", tv)):
        v.check_real(name, value)
    v.check_integer_at_least("n_runs", n_runs, 2)
    v.check_integer_at_least("n_max", n_max, 1)
    v.check_integer_at_least("refine", refine, 0)
    if family not in VALUE_FAMILIES:
        raise ValueError(f"family must be one of {VALUE_FAMILIES}, got {family!r}")
    make = majority_values if family == "majority" else (
        lambda m, e: tilted_values(m, float(np.log1p(e))))
    rows = []
    for T in Ts:  # loop over the T grid
        model = product_model(T, r, normalized=True)
        row = {"T": T}
        for name, eps in (("poly", c / T), ("const", epsilon)):
            vals = make(model, eps)
            be = bellman_error(model, vals)
            got = particles_to_reach_tv(key, model, vals, tv, n_runs=n_runs, n_max=n_max,
                                        refine=refine)
            bound = smc_particle_bound(T, be.epsilon, be.ratio_bound, tv)
            row.update({f"eps_{name}": be.epsilon, f"L_{name}": be.ratio_bound,
                        f"N_{name}": got.n, f"tv_{name}": got.tv, f"se_{name}": got.stderr,
                        f"bound_{name}": bound, f"loose_{name}": bound / got.n})
        # exact laws: bisect down to the exact smallest N (cheap)
        rej = particles_to_reach_tv(key, model, None, tv, method="rejection", n_max=2**40,
                                    refine=64)
        bon = particles_to_reach_tv(key, model, None, tv, method="best_of_n", n_max=2**20,
                                    refine=64)
        row.update({"N_rejection": rej.n,
                    "bound_rejection": rejection_cost(acceptance_rate(model), tv),
                    "N_best_of_n": bon.n, "tv_best_of_n": bon.tv})
        row["loose_rejection"] = row["bound_rejection"] / rej.n
        rows.append(row)
    return rows


class GrowthFit(NamedTuple):
    """Growth of particle counts with T, exponential and polynomial (`growth_rates`).

    Parameters
    ----------
    exp_rate : float
        Slope of log N against T.
    poly_degree : float
        Slope of log N against log T.

    Examples
    --------
    >>> rows = [{"T": t, "N": 2.0**t} for t in (2, 4, 8)]
    >>> round(growth_rates(rows, "N").exp_rate, 4)  # log 2
    0.6931
    """

    exp_rate: float  # least-squares slope of log N against T
    poly_degree: float  # least-squares slope of log N against log T


def growth_rates(rows: list[dict], column: str) -> GrowthFit:
    """Fit log N = a + b T and log N = a' + d log T over the finite entries of ``column``.

    Parameters
    ----------
    rows : list of dict
        `scaling_table` rows (each with "T" and ``column``).
    column : str
        Column of particle counts N.

    Returns
    -------
    GrowthFit
        b ≈ log(1+ε) per step signals exponential growth, a bounded d polynomial growth (see
        `slope_fit` for standard errors).

    Examples
    --------
    >>> rows = [{"T": t, "N": 2.0**t} for t in (2, 4, 8)]
    >>> round(growth_rates(rows, "N").exp_rate, 4)
    0.6931
    """
    if not isinstance(rows, (list, tuple)) or not all(isinstance(row, dict) for row in rows):
        raise ValueError(f"rows must be a list of dicts (the rows of scaling_table), got {rows!r}")
    v.check_choice("column", column, [c for c in rows[0] if all(c in row for row in rows)]
                   if rows else [])
    T = np.array([row["T"] for row in rows], float)
    n = np.array([row[column] for row in rows], float)
    ok = np.isfinite(n)
    if ok.sum() < 2:
        raise ValueError(f"need at least two finite values of {column!r}, got {n}")
    lT, ln = T[ok], np.log(n[ok])
    return GrowthFit(float(np.polyfit(lT, ln, 1)[0]), float(np.polyfit(np.log(lT), ln, 1)[0]))


class SlopeFit(NamedTuple):
    """Least-squares slope with its regression standard error and 95% t interval.

    Parameters
    ----------
    slope : float
        Least-squares slope.
    stderr : float
        Its regression standard error.
    ci_low, ci_high : float
        The 95% Student-t interval.
    n_points : int
        Number of finite pairs used.

    Examples
    --------
    >>> f = slope_fit([1, 2, 3], [1.0, 3.0, 5.0])
    >>> round(f.slope, 6), round(f.stderr, 6), f.n_points  # exact line
    (2.0, 0.0, 3)
    """

    slope: float
    stderr: float  # sqrt(residual variance / Σ (x − x̄)²), n − 2 degrees of freedom
    ci_low: float
    ci_high: float
    n_points: int


def slope_fit(x, y) -> SlopeFit:
    """OLS slope of y on x over the finite pairs, with standard error and 95% CI.

    Parameters
    ----------
    x, y : array_like
        Abscissae and ordinates (pairs with a non-finite y are dropped).

    Returns
    -------
    SlopeFit
        slope, its regression standard error, the 95% Student-t interval (n − 2 dof; NaN
        stderr and an infinite interval for 2 points) and the number of points used.

    Examples
    --------
    >>> f = slope_fit([1, 2, 3, 4], [0.1, 1.0, 2.1, 2.9])
    >>> round(f.slope, 3), round(f.stderr, 3)
    (0.95, 0.039)
    """
    from scipy import stats

    v.check_real("x", x)
    v.check_real("y", y)
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 2:
        raise ValueError(f"need at least two finite points, got {len(x)}")
    xc = x - x.mean()
    b = float(xc @ (y - y.mean()) / (xc @ xc))
    if len(x) == 2:
        return SlopeFit(b, float("nan"), -np.inf, np.inf, 2)
    resid = y - y.mean() - b * xc
    se = float(np.sqrt(resid @ resid / (len(x) - 2) / (xc @ xc)))
    q = float(stats.t.ppf(0.975, len(x) - 2))
    return SlopeFit(b, se, b - q * se, b + q * se, len(x))


def scaling_curves(key, Ts=(8, 16, 32, 64), *, r: float = 3.0, c: float = 1.0,
                   epsilon: float = 0.25, tv: float = 0.1, particle_budget: int = 2**15,
                   min_runs: int = 64, n_max: int = 2**14, refine: int = 3,
                   exact_n_max: int = 2**62, progress: bool = False) -> dict:
    """Particles needed for TV(E[law of the output], π) ≤ ``tv`` against T, at scale.

    Product model (T binary uniform steps, reward r^{#ones}); the TV is between laws of the
    sufficient statistic k = #ones (a (T+1)-state Markov model), so T = 256 costs no more than
    a few hundred states. Methods:

    * ``poly``: SMC with `values.majority_values` at ε = c/T (estimated: ``particle_budget``
      particles per estimate, at least ``min_runs`` runs; stderr reported);
    * ``const``: the same at constant ε (errors compounding along π-typical paths); once N
      exceeds ``n_max`` at some T, larger T are not tried (N = inf);
    * ``importance``: best-of-N by selection ∝ r; ``rejection``: rejection from p (exact
      laws, N up to ``exact_n_max``); ``best_of_n``: argmax r never samples π: its TV at
      N = ``n_max`` is reported.

    Parameters
    ----------
    key : jax.Array
        PRNG key (common random numbers across N).
    Ts : sequence of int
        Increasing T grid.
    r, c, epsilon, tv : float
        Reward base, c of ε = c/T, constant ε and target TV.
    particle_budget, min_runs, n_max, refine : int
        Monte Carlo size and search knobs of `particles_to_reach_tv`.
    exact_n_max : int
        Largest N for the exact-law methods.
    progress : bool
        Show a tqdm bar over T.

    Returns
    -------
    dict
        Arrays over T: ``T``, ``N_<m>`` (m in poly, const, importance, rejection),
        ``tv_<m>``, ``se_<m>`` (SMC), ``eps_<m>``, ``L_<m>``, ``bound_<m>`` (the sufficient
        N of docs/theory.md §8 at the measured ε, L; rejection's ⌈log δ/log(1−a)⌉),
        ``tv_best_of_n``; and ``fits``: `SlopeFit` of log N on T (``rate_<m>``) and on log T
        (``degree_<m>``).

    Notes
    -----
    docs/theory.md §8. The TV of the statistic equals the path TV for π, rejection and
    best-of-N (their laws are uniform given k) and is a lower bound for SMC with
    `majority_values`, whose weights depend on the order of the tokens (tests/smc measure
    the gap by enumerating every particle history at T ≤ 4).

    Examples
    --------
    >>> import jax
    >>> out = scaling_curves(jax.random.key(0), (4, 8), particle_budget=2**10, n_max=64,
    ...                      refine=0)
    >>> out["N_rejection"].tolist()
    [8.0, 44.0]
    """
    v.check_key("key", key)
    v.check_real("Ts", Ts)
    v.check_positive("r", r)
    for name, value in (("c", c), ("epsilon", epsilon), ("tv", tv)):
        v.check_real(name, value)
    for name, value in (("particle_budget", particle_budget), ("min_runs", min_runs),
                        ("n_max", n_max), ("exact_n_max", exact_n_max)):
        v.check_integer_at_least(name, value, 1)
    v.check_integer_at_least("refine", refine, 0)
    v.check_bool("progress", progress)
    Ts = [int(t) for t in Ts]
    for t in Ts:
        v.check_integer_at_least("T", t, 1)
    if any(b <= a for a, b in zip(Ts, Ts[1:])):
        raise ValueError(f"Ts must be increasing, got {Ts}")
    cols: dict = {"T": np.asarray(Ts, float)}
    names = ("poly", "const", "importance", "rejection")

    def put(name, T_index, **vals):
        for k_, val in vals.items():
            cols.setdefault(f"{k_}_{name}", np.full(len(Ts), np.nan))[T_index] = val

    tv_best = np.zeros(len(Ts))
    prev = {"poly": 1, "const": 1, "importance": 1, "rejection": 1}
    loop = range(len(Ts))
    if progress:
        from tqdm.auto import tqdm
        loop = tqdm(loop, desc="scaling T")
    for i in loop:  # loop over the T grid
        T = Ts[i]
        model = product_model(T, r, normalized=True)
        for name, eps in (("poly", c / T), ("const", epsilon)):
            vals = majority_values(model, eps)
            be = bellman_error(model, vals)
            put(name, i, eps=be.epsilon, L=be.ratio_bound,
                bound=smc_particle_bound(T, be.epsilon, be.ratio_bound, tv))
            if not np.isfinite(prev[name]):
                put(name, i, N=np.inf, tv=np.nan, se=np.nan)
                continue
            got = particles_to_reach_tv(key, model, vals, tv, n_runs=min_runs, n_max=n_max,
                                        refine=refine, particle_budget=particle_budget,
                                        n_start=int(prev[name]))
            put(name, i, N=got.n, tv=got.tv, se=got.stderr)
            prev[name] = got.n
        for name in ("importance", "rejection"):
            got = particles_to_reach_tv(key, model, None, tv, method=name, n_max=exact_n_max,
                                        refine=64, n_start=int(min(prev[name], exact_n_max)))
            put(name, i, N=got.n, tv=got.tv, se=0.0)
            prev[name] = got.n if np.isfinite(got.n) else exact_n_max
        put("rejection", i, bound=rejection_cost(acceptance_rate(model), tv))
        tv_best[i] = tv_distance(best_of_n_law(model, n_max), target_law(model))
    cols["tv_best_of_n"] = tv_best
    T_arr = cols["T"]
    fits = {}
    for name in names:
        logn = np.log(cols[f"N_{name}"])
        if np.isfinite(logn).sum() >= 2:
            fits[f"rate_{name}"] = slope_fit(T_arr, logn)
            fits[f"degree_{name}"] = slope_fit(np.log(T_arr), logn)
    cols["fits"] = fits
    return cols


def format_table(rows: list[dict], columns=None) -> str:
    """Plain-text table of `scaling_table` rows.

    Parameters
    ----------
    rows : list of dict
        Rows with the same keys (e.g. from `scaling_table`).
    columns : list of str, optional
        Columns to print (default: the keys of the first row).

    Returns
    -------
    str
        A header line and one line per row, right-aligned in 11 characters.

    Examples
    --------
    >>> print(format_table([{"T": 2, "N": 4.0}, {"T": 4, "N": 16.0}]))
              T           N
              2           4
              4          16
    """
    if not isinstance(rows, (list, tuple)) or not rows or not all(isinstance(row, dict)
                                                                for row in rows):
        raise ValueError(f"rows must be a non-empty list of dicts, got {rows!r}")
    if columns is not None:
        v.check_choices("columns", columns, [c for c in rows[0] if all(c in row for row in rows)])
    columns = columns or list(rows[0])
    head = " ".join(f"{c:>11}" for c in columns)
    lines = [head] + [" ".join(f"{row[c]:>11.4g}" for c in columns) for row in rows]
    return "\n".join(lines)


class BiasFit(NamedTuple):
    n: np.ndarray
    tv: np.ndarray
    stderr: np.ndarray
    slope: float  # fitted d log TV / d log N (≈ −1)
    slope_stderr: float


def bias_decay(key, model: Process, values=None, ns=(4, 8, 16, 32, 64), *, n_runs: int = 4000,
               resampling=multinomial) -> BiasFit:
    """TV(E[law of SMC output], π) against N and the weighted least-squares slope of log TV
    on log N (weights 1/se² of log TV).

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values (see `as_values`); None uses ``model.values``.
    ns : sequence of int
        Particle counts N.
    n_runs : int
        SMC runs per N.
    resampling : callable
        Resampling scheme.

    Returns
    -------
    BiasFit
        ``n``, ``tv``, ``stderr`` per N, and the fitted ``slope`` with ``slope_stderr``.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> fit = bias_decay(jax.random.key(0), m, exact_values(m), ns=(4, 8), n_runs=200)
    >>> fit.n.tolist(), fit.tv.shape
    ([4, 8], (2,))
    """
    v.check_key("key", key)
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_levels("values", values)
    v.check_real("ns", ns)
    v.check_integer_at_least("n_runs", n_runs, 2)
    v.check_callable("resampling", resampling)
    est = [smc_tv(key, model, values, n, n_runs, resampling) for n in ns]
    tvs = np.array([e.tv for e in est])
    ses = np.array([e.stderr for e in est])
    x, y, w = np.log(np.asarray(ns, float)), np.log(tvs), (tvs / ses) ** 2
    X = np.stack([np.ones_like(x), x], 1)
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    beta = cov @ X.T @ (w * y)
    resid = y - X @ beta
    scale = max(1.0, float(np.sum(w * resid**2) / max(len(x) - 2, 1)))
    return BiasFit(np.asarray(ns), tvs, ses, float(beta[1]), float(np.sqrt(cov[1, 1] * scale)))


def guided_tv_curve(model: Process, values=None) -> dict:
    """Exact TV(π̃_t, π̂_t), t = 0..T, the bound 2tε and the derived 1 − (1+ε)^{−2t}.

    Parameters
    ----------
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values; None uses ``model.values``.

    Returns
    -------
    dict
        ``"t"``, ``"tv"``, ``"bound"``, ``"sharp"`` (arrays over t = 0..T) and ``"epsilon"``.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> out = guided_tv_curve(m, exact_values(m))  # V = V*: ε = 0 and no error
    >>> out["tv"].round(9).tolist(), out["epsilon"]
    ([0.0, 0.0], 0.0)
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_levels("values", values)
    eps = bellman_error(model, values).epsilon
    t = np.arange(model.T + 1)
    return {"t": t, "tv": guided_tv(model, values), "bound": guided_tv_bound(t, eps),
            "sharp": guided_tv_bound(t, eps, sharp=True), "epsilon": eps}


