"""Problem presets and small helpers shared by the figure functions."""

from __future__ import annotations

import numpy as np

from ..average import DEFAULT_NODES_1D, DEFAULT_NODES_2D, generalization_error
from ..problem import PAPER_SETTING as PAPER  # noqa: F401  (the one definition, in problem.py)
from ..problem import Problem, paper_problem  # noqa: F401


def problem_params(problem: Problem) -> dict:
    """JSON-ready description of an isotropic `Problem` built with ``teacher_norm2``."""
    return dict(n=float(problem.n), d=int(problem.d), sigma=float(problem.sigma),
                gamma=float(problem.gamma), input_std=float(np.asarray(problem.input_std)),
                teacher_norm2=float(problem.teacher_norm2),
                teacher=("norm² = teacher_norm2, uniformly random direction (redrawn per "
                              "simulation trial)"))


def by_size(size: str, tiny, quick, full):
    """Pick the value of a size preset."""
    return {"tiny": tiny, "quick": quick, "full": full}[size]


def fmt_count(x: float) -> str:
    """1000000 -> '1e6', 20000 -> '2e4', 300 -> '300'."""
    x = float(x)
    if x < 1000:
        return f"{x:g}"
    e = int(np.floor(np.log10(x)))
    m = x / 10**e
    return f"{m:g}e{e}" if m != 1 else f"1e{e}"


def exact_de(problem, reward, k, temperature, *, nodes_1d: int = DEFAULT_NODES_1D,
             nodes_2d: int = DEFAULT_NODES_2D):
    """`solvable.average.generalization_error` as a NumPy array. Called with concrete inputs,
    so the kernel runs through its point scheduler in blocks of a fixed size: every figure,
    whatever its grid, shares the same few compiled programs."""
    k = np.asarray(k, dtype=float)
    temperature = np.asarray(temperature, dtype=float)
    return np.asarray(generalization_error(problem, reward, k, temperature, nodes_1d=nodes_1d,
                                           nodes_2d=nodes_2d))


def exact_and_expansion(problem, reward, k, temperature):
    """The exact DE and the second-order high-temperature expansion at (k, T), both in units
    of σ² (what figures 1 and 3 plot side by side)."""
    from .. import asymptotics

    sigma2 = float(problem.sigma) ** 2
    exact = np.asarray(exact_de(problem, reward, k, temperature)) / sigma2
    expan = np.asarray(asymptotics.high_temperature_expansion_averaged(
        problem, reward, k, temperature, order=2)) / sigma2
    return exact, expan


def _averaged_c1_c2(problem, reward):
    """x-averaged expansion coefficients E C1 = s̄² + 2 Cov, E C2 = E C1 + Var Δ_R and s̄²."""
    from ..equivalents import offset_law

    law = offset_law(problem, reward)
    c1 = law.predictive_var + 2.0 * law.cov
    return np.asarray(c1), np.asarray(c1 + law.var_reward), np.asarray(law.predictive_var)


def expansion_t_star(problem, reward, k):
    """T* = 2s̄² t*, t* = 2(1 − 2/k) E C2/E C1: the minimiser over T of the x-averaged
    second-order expansion (`asymptotics.high_temperature_expansion_averaged`, which is the
    pointwise expansion with the coefficients replaced by their averages)."""
    c1, c2, s2 = _averaged_c1_c2(problem, reward)
    k = np.asarray(k, float)
    return 2.0 * s2 * 2.0 * (1.0 - 2.0 / k) * c2 / c1


def expansion_threshold(problem, reward):
    """T = 2s̄² · 3 E C2/E C1: above it the x-averaged second-order expansion is
    non-increasing in k (`asymptotics.expansion_optimal_k` with averaged coefficients)."""
    c1, c2, s2 = _averaged_c1_c2(problem, reward)
    return 2.0 * s2 * 3.0 * c2 / c1


def simulated(problem, reward, ks, temperature, n_test, trials, seed):
    """δ/σ² and its standard error from `solvable.simulation.simulate` (finite model; the
    error bar is the spread of the per-trial means over √trials)."""
    from ..simulation import simulate

    sim = simulate(problem, reward, ks, temperature, n_test=n_test, trials=trials, seed=seed,
                   compute_theory=False)
    sigma2 = float(problem.sigma) ** 2
    return np.asarray(sim.mean) / sigma2, np.asarray(sim.stderr) / sigma2
