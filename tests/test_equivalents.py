"""Deterministic equivalents (docs/theory.md §2): ridge equation, its limits, moments and the
offsets' law.

Independent routes: the defining fixed-point equation itself, the isotropic closed form against
the general root solve, finite differences for gradients, and finite-d random-matrix numerics
(NumPy linear algebra on sampled data) for the predictive moments.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import solvable
from solvable.equivalents import (
    offset_law,
    predictive_moments,
    renormalized_ridge,
    renormalized_ridge_isotropic,
    renormalized_ridge_spectrum,
)

alphas = st.floats(1e-4, 50.0)
ridges = st.floats(1e-12, 1e4)
variances = st.floats(1e-3, 1e3)


def ridge_equation_residual(r, alpha, ridge_hat, spectrum):
    """R̂ − R(1 − α⟨λ/(λ+R)⟩), relative to R̂ (NumPy, independent of the package)."""
    spectrum = np.atleast_1d(np.asarray(spectrum, float))
    return (r * (1 - alpha * np.mean(spectrum / (spectrum + r))) - ridge_hat) / ridge_hat


@settings(max_examples=60, deadline=None)
@given(alphas, ridges, variances)
def test_isotropic_closed_form_solves_ridge_equation(alpha, ridge_hat, s2):
    r = float(renormalized_ridge_isotropic(alpha, ridge_hat, s2))
    assert r > 0 and np.isfinite(r)
    # the ridge equation is a difference of O(R) terms: relative residual ~ eps * R / R̂
    scale = max(1.0, r / ridge_hat)
    assert abs(ridge_equation_residual(r, alpha, ridge_hat, s2)) < 1e-12 * scale


@settings(max_examples=40, deadline=None)
@given(alphas, ridges, st.lists(variances, min_size=1, max_size=8))
@example(alpha=15.0, ridge_hat=1e-12, spectrum=[227.0])  # factor R̂/R = 3e-16, under rounding
def test_spectrum_solve_solves_ridge_equation(alpha, ridge_hat, spectrum):
    r = float(renormalized_ridge_spectrum(alpha, ridge_hat, jnp.asarray(spectrum)))
    assert r > 0 and np.isfinite(r)
    scale = max(1.0, r / ridge_hat)
    assert abs(ridge_equation_residual(r, alpha, ridge_hat, spectrum)) < 1e-10 * scale
    # on the physical branch the effective-ridge factor is positive: it equals R̂/R, which can be
    # 1e-16 (R̂ = 1e-12), below the rounding of 1 − α⟨·⟩ (a few α·eps), so allow that rounding
    factor = 1 - alpha * np.mean(np.asarray(spectrum) / (np.asarray(spectrum) + r))
    assert factor > -4 * alpha * np.finfo(float).eps
    assert factor == pytest.approx(ridge_hat / r, rel=1e-10, abs=4 * alpha * np.finfo(float).eps)


@settings(max_examples=40, deadline=None)
@given(alphas, ridges, variances)
def test_spectrum_solve_matches_closed_form_for_flat_spectrum(alpha, ridge_hat, s2):
    iso = float(renormalized_ridge_isotropic(alpha, ridge_hat, s2))
    gen = float(renormalized_ridge_spectrum(alpha, ridge_hat, jnp.full(5, s2)))
    assert gen == pytest.approx(iso, rel=1e-11)


def test_ridge_limits():
    # α → 0: R → R̂
    assert float(renormalized_ridge_isotropic(1e-9, 0.3, 1.0)) == pytest.approx(0.3, rel=1e-8)
    # small R̂, α < 1: R ≈ R̂/(1 − α) (next order O(R̂²))
    for alpha in (0.1, 0.5, 0.9):
        rh = 1e-9
        assert float(renormalized_ridge_isotropic(alpha, rh, 1.0)) == pytest.approx(
            rh / (1 - alpha), rel=1e-7)
    # R̂ → 0, α > 1: R → S²(α − 1)
    for alpha, s2 in ((2.0, 1.0), (5.0, 0.3)):
        assert float(renormalized_ridge_isotropic(alpha, 1e-12, s2)) == pytest.approx(
            s2 * (alpha - 1), rel=1e-9)


def test_ridge_gradients_match_finite_differences():
    spectrum = jnp.array([0.2, 1.0, 3.0, 7.0])

    def general(alpha, rh):
        return renormalized_ridge_spectrum(alpha, rh, spectrum)

    for f in (general, lambda a, rh: renormalized_ridge_isotropic(a, rh, 1.7)):
        for alpha, rh in ((0.3, 0.05), (2.5, 1e-4), (1.0, 1.0)):
            ga, gr = jax.grad(f, argnums=(0, 1))(alpha, rh)
            h = 1e-4  # central differences: O(h²) truncation, round-off ~ eps·R/(h·R̂)
            fa = (f(alpha * (1 + h), rh) - f(alpha * (1 - h), rh)) / (2 * h * alpha)
            fr = (f(alpha, rh * (1 + h)) - f(alpha, rh * (1 - h))) / (2 * h * rh)
            assert float(ga) == pytest.approx(float(fa), rel=1e-6)
            assert float(gr) == pytest.approx(float(fr), rel=1e-6)


def test_problem_ridge_dispatches_on_spectrum():
    iso = solvable.Problem(800, 400, 0.5, 1.0, input_std=1.3)
    flat = solvable.Problem(800, 400, 0.5, 1.0, input_std=jnp.full(400, 1.3))
    assert float(renormalized_ridge(flat)) == pytest.approx(float(renormalized_ridge(iso)), rel=1e-11)


def _posterior_traces(d, n, sigma, gamma, s, seed):
    """Finite-d numerics: E_x (x/√d)ᵀΩ(x/√d) = S² Tr Ω / d for one sampled design."""
    rng = np.random.default_rng(seed)
    phi = rng.normal(0.0, s, (n, d)) / np.sqrt(d)
    prec = np.eye(d) / gamma**2 + phi.T @ phi / sigma**2
    chol = np.linalg.cholesky(prec)
    omega_trace = np.sum(np.linalg.solve(chol, np.eye(d)) ** 2)  # Tr(Ω) = ‖L⁻¹‖_F²
    return s**2 * omega_trace / d


@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_predictive_variance_matches_finite_model_at_large_d(alpha):
    d, sigma, gamma, s = 600, 0.5, 1.0, 1.2
    n = int(d / alpha)
    problem = solvable.Problem(n, d, sigma, gamma, input_std=s)
    de = float(predictive_moments(problem).variance) - sigma**2
    finite = np.mean([_posterior_traces(d, n, sigma, gamma, s, seed) for seed in range(3)])
    # finite-size corrections are O(1/d) relative; 3 designs average out fluctuations
    assert finite == pytest.approx(de, rel=10 / d)


def test_offset_law_identities():
    d = 6
    w = jnp.linspace(-1.5, 2.0, d)
    problem = solvable.Problem(500, d, 0.3, 0.8, input_std=jnp.linspace(0.5, 1.5, d), teacher=w)
    r = renormalized_ridge(problem)
    lam = problem.spectrum
    b = r / (lam + r)
    teacher_law = offset_law(problem, solvable.Reward.teacher())
    for other in (solvable.WeightsReward(w), solvable.AlignedReward(1.0, 1.0)):
        law = offset_law(problem, other)
        for f in ("var_teacher", "var_reward", "cov", "predictive_var"):
            assert float(getattr(law, f)) == pytest.approx(float(getattr(teacher_law, f)), rel=1e-12)
    # knob c ⇔ weights w_R = A w_T + (1 + c) B w_T (then Δ_R = (1 + c) Δ_T exactly)
    c = 7.5
    knob = offset_law(problem, solvable.KnobReward(c))
    weights = offset_law(problem, solvable.WeightsReward((1 - b) * w + (1 + c) * b * w))
    assert knob.rank_one and not weights.rank_one
    for f in ("var_teacher", "var_reward", "cov"):
        assert float(getattr(weights, f)) == pytest.approx(float(getattr(knob, f)), rel=1e-12)
    assert float(knob.var_reward) == pytest.approx((1 + c) ** 2 * float(knob.var_teacher), rel=1e-14)


def test_offset_law_matches_sampled_inputs():
    """Cov of (Δ_T, Δ_R) from sampled x against the closed form (z-scores, fixed seed)."""
    d = 5
    w_t = jnp.array([1.0, -2.0, 0.5, 0.0, 1.5])
    w_r = jnp.array([0.5, -1.0, 1.5, 1.0, 0.0])
    std = jnp.array([0.6, 1.0, 1.4, 0.8, 1.1])
    problem = solvable.Problem(40, d, 0.7, 1.0, input_std=std, teacher=w_t)
    law = offset_law(problem, solvable.WeightsReward(w_r))
    moments = predictive_moments(problem)
    x = np.random.default_rng(0).normal(size=(400_000, d)) * np.asarray(std)
    m = np.asarray(moments.mean(x, w_t))
    dt = m - x @ np.asarray(w_t) / np.sqrt(d)
    dr = m - x @ np.asarray(w_r) / np.sqrt(d)
    for sample, exact in ((dt * dt, law.var_teacher), (dr * dr, law.var_reward),
                          (dt * dr, law.cov)):
        z = (sample.mean() - float(exact)) / (sample.std() / np.sqrt(sample.size))
        assert abs(z) < 4


def test_aligned_reward_is_average_over_orthogonal_directions():
    """AlignedReward averages w_R over random directions orthogonal to w_T (exact as d → ∞)."""
    d, cos, rho = 2000, 0.6, 1.3
    rng = np.random.default_rng(1)
    w_t = rng.normal(size=d)
    problem = solvable.Problem(4000, d, 0.4, 1.0, teacher=w_t)
    aligned = offset_law(problem, solvable.AlignedReward(cos, rho))
    e = rng.normal(size=d)
    e -= e @ w_t / (w_t @ w_t) * w_t
    e /= np.linalg.norm(e)
    w_r = rho * np.linalg.norm(w_t) * (cos * w_t / np.linalg.norm(w_t) + np.sqrt(1 - cos**2) * e)
    explicit = offset_law(problem, solvable.WeightsReward(w_r))
    for f in ("var_teacher", "var_reward", "cov"):
        assert float(getattr(explicit, f)) == pytest.approx(float(getattr(aligned, f)), rel=1e-9)


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="sigma"):
        solvable.Problem(100, 10, 0.0, 1.0)
    with pytest.raises(ValueError, match="gamma"):
        solvable.Problem(100, 10, 1.0, -1.0)
    with pytest.raises(ValueError, match="n must"):
        solvable.Problem(float("nan"), 10, 1.0, 1.0)
    with pytest.raises(ValueError, match="d must"):
        solvable.Problem(100, 0, 1.0, 1.0)
    with pytest.raises(ValueError, match="input_std"):
        solvable.Problem(100, 3, 1.0, 1.0, input_std=[1.0, 2.0])
    with pytest.raises(ValueError, match="teacher must have shape"):
        solvable.Problem(100, 3, 1.0, 1.0, teacher=[1.0, 2.0])
    with pytest.raises(ValueError, match="teacher_norm2"):
        solvable.Problem(100, 3, 1.0, 1.0, teacher_norm2=-1.0)
    with pytest.raises(ValueError, match="cosine"):
        solvable.AlignedReward(1.5)
    with pytest.raises(ValueError, match="c must be finite"):
        solvable.KnobReward(float("inf"))
    with pytest.raises(ValueError, match="teacher's weights"):
        offset_law(solvable.Problem(100, 3, 1.0, 1.0), solvable.WeightsReward([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="shape"):
        offset_law(solvable.Problem(100, 3, 1.0, 1.0, teacher=[1.0, 0, 0]),
                   solvable.WeightsReward([1.0, 2.0]))


def test_problem_is_a_pytree_through_jit_vmap_grad(paper_problem):
    problem = paper_problem
    law = jax.jit(offset_law)(problem, solvable.KnobReward(5.0))
    assert law.rank_one
    batch = jax.tree_util.tree_map(lambda x: jnp.stack([x, 2 * x]), problem)
    var = jax.vmap(lambda p: offset_law(p, solvable.KnobReward(5.0)).var_teacher)(batch)
    assert var.shape == (2,) and np.all(np.isfinite(var))
    g = jax.grad(lambda n: offset_law(problem.replace(n=n), solvable.KnobReward(0.0)).var_teacher)(1e4)
    h = 1.0
    fd = (offset_law(problem.replace(n=1e4 + h), solvable.KnobReward(0.0)).var_teacher
          - offset_law(problem.replace(n=1e4 - h), solvable.KnobReward(0.0)).var_teacher) / (2 * h)
    assert float(g) == pytest.approx(float(fd), rel=1e-6)


def test_paper_problem_is_the_papers_setting(paper_problem):
    """One definition of the paper's setting (Halder & Pehlevan, arXiv 2512.19905, synthetic
    figures): n = 1e4, d = 10, S = 1, σ = 1e-4, γ = 1e-3, w_T ~ N(0, 4 I) so ‖w_T‖² = 4d; the
    figures use the same object and changes give a validated copy."""
    from solvable.figures import _common

    p = paper_problem
    assert (float(p.n), p.d, float(p.input_std), float(p.sigma), float(p.gamma),
            float(p.teacher_norm2)) == (1e4, 10, 1.0, 1e-4, 1e-3, 4.0 * 10)
    assert _common.paper_problem is solvable.paper_problem
    assert float(solvable.paper_problem(n=2e4).n) == 2e4
    with pytest.raises(ValueError, match="n must be > 0"):
        solvable.paper_problem(n=-1.0)
