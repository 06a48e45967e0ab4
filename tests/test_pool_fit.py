"""The answer-model fit of real pools (`solvable.pools.model`): model curves against independent
routes, parameter recovery on pools drawn from the model, held-out prediction, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from solvable import pools
from solvable.pools import ModelParams, model_curve, simulate_pool


def test_pass_curve_against_quadrature():
    """E_Δ[1 − (1 − q0(Δ))^k] with scipy quad over Δ ~ N(0, spread²)."""
    p = ModelParams(width=0.7, spread=1.3, misalignment=0.4)
    for k in (1, 3, 9):
        def f(d):
            q0 = stats.norm.cdf((1 - d) / p.width) - stats.norm.cdf((-1 - d) / p.width)
            return (1 - (1 - q0) ** k) * stats.norm.pdf(d, scale=p.spread)

        ref = integrate.quad(f, -12, 12, points=[-1, 1], limit=200, epsabs=1e-13)[0]
        # the GL rule over the half-line Δ ≥ 0 is accurate to ~1e-6 at these widths
        assert model_curve(p, "pass", [k])[0] == pytest.approx(ref, abs=2e-6)


def test_best_of_k_curve_against_simulated_pools():
    """Pools drawn from the model estimate its curve without bias (z-scores over questions)."""
    p = ModelParams(width=0.9, spread=0.8, misalignment=1.5, judge_noise=0.4)
    pool = simulate_pool(p, 3000, 12, seed=3)
    ks = [1, 2, 5, 12]
    curve = pools.selection_curve(pool, "best_of_k", ks)
    model = model_curve(p, "best_of_k", ks)
    z = (curve.mean - model) / curve.stderr
    assert np.all(np.abs(z) < 4.5), z
    maj = pools.selection_curve(pool, "majority", [3, 7])
    z = (maj.mean - model_curve(p, "majority", [3, 7])) / maj.stderr
    assert np.all(np.abs(z) < 4.5), z


@pytest.mark.slow
def test_fit_recovers_the_parameters_and_predicts_beyond_the_fit():
    true = ModelParams(width=1.0, spread=0.6, misalignment=0.5, judge_noise=0.3)
    pool = simulate_pool(true, 400, 16, seed=1)
    f = pools.fit(pool, [1, 2, 3])
    assert f.dof == 2 and f.chi2 < 15          # χ²(2) exceeds 15 with probability 5e-4
    for name in ("width", "spread", "misalignment", "judge_noise"):
        z = (getattr(f.params, name) - getattr(true, name)) / f.stderr[name]
        assert abs(z) < 4, (name, z)
    ks = np.array([8, 16])
    obs = pools.selection_curve(pool, "best_of_k", ks)
    assert np.all(np.abs(f.predict("best_of_k", ks) - obs.mean) < 3 * obs.stderr + 0.005)


def test_fit_bad_input():
    pool = simulate_pool(ModelParams(1.0, 0.5), 5, 4)
    with pytest.raises(ValueError, match="ks must be"):
        pools.fit(pool, [0, 1])
    with pytest.raises(ValueError, match="temperatures"):
        pools.fit(pool, [1, 2], temperatures=[-1.0])
    with pytest.raises(ValueError, match="free must name"):
        pools.fit(pool, [1, 2], free=("colour",))
    with pytest.raises(ValueError, match="0/1 flags"):
        pools.fit(pools.Pool([[0.1, 0.2]], [[0.5, 0.0]]), [1])
    with pytest.raises(ValueError, match="width"):
        ModelParams(width=0.0, spread=1.0)
    with pytest.raises(ValueError, match="judge_noise"):
        ModelParams(width=1.0, spread=1.0, judge_noise=-0.1)
