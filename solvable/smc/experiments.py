"""Measured cost of sampling π against the bounds of THEORY §5 (reusable by figures).

* `smc_tv`: TV(E[law of the SMC output], π) estimated from ``n_runs`` vmapped runs. Each run
  contributes its whole weighted final population Σ_i W_i δ_{x_i} (whose expectation is the
  law of the output drawn ∝ W: a Rao-Blackwellised estimate). Standard error by the delta
  method (y_r = Σ_x sign(law − π)_x law_r(x)), noise floor = E TV when the true TV is 0
  ≈ ½ Σ_x se_x √(2/π).
* `particles_to_reach_tv`: smallest N in 1, 2, 4, … with TV ≤ δ_TV: SMC (estimated, keys
  fixed), rejection and best-of-N (exact laws).
* `scaling_table`: product model (binary, r fixed) with tilted values of Bellman error
  ε ≈ c/T (polynomial regime) and constant ε, plus rejection, measured against the bounds.
* `bias_decay`: slope of log TV against log N (SMC bias is O(1/N): slope ≈ −1).
* `guided_tv_curve`: exact TV(π̃_t, π̂_t) of the guided sampler against 2tε.

Every function takes size knobs (``n_runs``, ``n_max``, the T grid) so that a tiny run takes
seconds.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import numpy as np

from .. import _validate as v
from .bellman import bellman_error
from .bounds import guided_tv_bound, rejection_cost, smc_particle_bound
from .exact import acceptance_rate, best_of_n_law, guided_tv, rejection_law, target_law, tv_distance
from .models import Process, product_model
from .samplers import _prepare, multinomial, smc_run
from .values import tilted_values

__all__ = [
    "TVEstimate",
    "smc_output_laws",
    "smc_tv",
    "particles_to_reach_tv",
    "scaling_table",
    "format_table",
    "bias_decay",
    "guided_tv_curve",
]


class TVEstimate(NamedTuple):
    tv: float
    stderr: float
    noise_floor: float


def smc_output_laws(key, model: Process, values, n_particles: int, n_runs: int,
                    resampling=multinomial) -> np.ndarray:
    """(n_runs, n_T) conditional output laws Σ_i W_i δ_{x_i} of independent SMC runs."""
    v.check_integer_at_least("n_runs", n_runs, 2)
    lp, ch, lv = _prepare(model, values, n_particles)
    keys = jax.random.split(key, n_runs)
    return np.asarray(_rb_laws(keys, lp, ch, lv, n_particles, model.sizes[-1], resampling))


@partial(jax.jit, static_argnums=(4, 5, 6))
def _rb_laws(keys, lp, ch, lv, n_particles, size, resampling):
    def one(k):
        s = smc_run.__wrapped__(k, lp, ch, lv, n_particles, resampling)
        return jax.ops.segment_sum(jax.nn.softmax(s.log_weights), s.nodes, num_segments=size)

    return jax.vmap(one)(keys)


def _tv_estimate(laws: np.ndarray, pi: np.ndarray) -> TVEstimate:
    mean = laws.mean(0)
    se = laws.std(0, ddof=1) / np.sqrt(len(laws))
    y = laws @ np.sign(mean - pi)
    return TVEstimate(tv_distance(mean, pi), 0.5 * float(y.std(ddof=1) / np.sqrt(len(laws))),
                      0.5 * float(np.sum(se)) * np.sqrt(2 / np.pi))


def smc_tv(key, model: Process, values, n_particles: int, n_runs: int = 2000,
           resampling=multinomial) -> TVEstimate:
    """TV(E[law of the SMC output], π) with its standard error and noise floor."""
    laws = smc_output_laws(key, model, values, n_particles, n_runs, resampling)
    return _tv_estimate(laws, target_law(model))


class ParticleCount(NamedTuple):
    n: float  # smallest power of two reaching the target (inf if none up to n_max)
    tv: float  # TV measured at that n (or at n_max)
    stderr: float  # its standard error (0 for exact laws)


def particles_to_reach_tv(key, model: Process, values=None, tv: float = 0.1, *,
                          method: str = "smc", n_runs: int = 2000, n_max: int = 4096,
                          resampling=multinomial) -> ParticleCount:
    """Smallest N ∈ {1, 2, 4, …, n_max} whose output law is within ``tv`` of π.

    ``method``: "smc" (estimated, common key for every N), "rejection" and "best_of_n"
    (exact laws of `exact`)."""
    v.check_finite("tv", tv)
    if not 0 < tv < 1:
        raise ValueError(f"tv must be in (0, 1), got {tv!r}")
    v.check_integer_at_least("n_max", n_max, 1)
    methods = ("smc", "rejection", "best_of_n")
    if method not in methods:
        raise ValueError(f"method must be one of {methods}, got {method!r}")
    pi = target_law(model)
    n, est = 1, None
    while n <= n_max:
        if method == "smc":
            est = smc_tv(key, model, values, n, n_runs, resampling)
        else:
            law = (rejection_law if method == "rejection" else best_of_n_law)(model, n)
            est = TVEstimate(tv_distance(law, pi), 0.0, 0.0)
        if est.tv <= tv:
            return ParticleCount(float(n), est.tv, est.stderr)
        n *= 2
    return ParticleCount(float("inf"), est.tv, est.stderr)


def scaling_table(key, Ts=(2, 4, 8, 16), *, r: float = 3.0, c: float = 1.0,
                  epsilon: float = 0.5, tv: float = 0.1, n_runs: int = 2000,
                  n_max: int = 4096) -> list[dict]:
    """Particles needed against T on the product model (binary, reward r^{#ones}) with the
    tilted values of `tilted_values` (tilt log(1 + c/T): ε ≈ c/T; tilt log(1 + ε): constant ε),
    and rejection from p (exact), each with its bound. Returns one dict per T."""
    rows = []
    for T in Ts:  # loop over the T grid
        model = product_model(T, r, normalized=True)
        row = {"T": T}
        for name, tilt in (("poly", np.log1p(c / T)), ("const", np.log1p(epsilon))):
            vals = tilted_values(model, tilt)
            be = bellman_error(model, vals)
            got = particles_to_reach_tv(key, model, vals, tv, n_runs=n_runs, n_max=n_max)
            bound = smc_particle_bound(T, be.epsilon, be.ratio_bound, tv)
            row.update({f"eps_{name}": be.epsilon, f"L_{name}": be.ratio_bound,
                        f"N_{name}": got.n, f"tv_{name}": got.tv, f"se_{name}": got.stderr,
                        f"bound_{name}": bound, f"loose_{name}": bound / got.n})
        rej = particles_to_reach_tv(key, model, None, tv, method="rejection", n_max=2**40)
        row.update({"N_rejection": rej.n,
                    "bound_rejection": rejection_cost(acceptance_rate(model), tv)})
        row["loose_rejection"] = row["bound_rejection"] / rej.n
        rows.append(row)
    return rows


def format_table(rows: list[dict], columns=None) -> str:
    """Plain-text table of `scaling_table` rows."""
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
    on log N (weights 1/se² of log TV)."""
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
    """Exact TV(π̃_t, π̂_t), t = 0..T, the bound 2tε and the derived 1 − (1+ε)^{−2t}."""
    eps = bellman_error(model, values).epsilon
    t = np.arange(model.T + 1)
    return {"t": t, "tv": guided_tv(model, values), "bound": guided_tv_bound(t, eps),
            "sharp": guided_tv_bound(t, eps, sharp=True), "epsilon": eps}


