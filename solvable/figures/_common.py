"""Problem presets and small helpers shared by the figure functions."""

from __future__ import annotations

import numpy as np

from ..average import generalization_error
from ..problem import Problem

PAPER = dict(n=1e4, d=10, sigma=1e-4, gamma=1e-3, input_std=1.0, teacher_norm2=40.0)
"""The synthetic setting of Halder & Pehlevan (arXiv 2512.19905): n = 1e4, d = 10, S = 1,
σ = 1e-4, γ = 1e-3, w_T ~ N(0, 4 I) (so ‖w_T‖² = 4d on average)."""


def paper_problem(**changes) -> Problem:
    """The paper's problem, with optional changes (e.g. ``n=2e4``)."""
    kw = dict(PAPER)
    kw.update(changes)
    return Problem(**kw)


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


def _de(problem, reward, k, temperature, nodes_1d, nodes_2d):
    return generalization_error(problem, reward, k, temperature, nodes_1d=nodes_1d,
                                nodes_2d=nodes_2d)


_de_jit = None


def exact_de(problem, reward, k, temperature, *, nodes_1d: int = 64, nodes_2d: int = 40):
    """`solvable.average.generalization_error` under `jax.jit` (same numbers, compiled once
    per argument shape): the figures evaluate it on large grids."""
    global _de_jit
    import jax

    if _de_jit is None:
        _de_jit = jax.jit(_de, static_argnums=(4, 5))
    k = np.asarray(k, dtype=float)
    temperature = np.asarray(temperature, dtype=float)
    return np.asarray(_de_jit(problem, reward, k, temperature, nodes_1d, nodes_2d))
