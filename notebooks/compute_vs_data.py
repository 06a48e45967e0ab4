# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # When is inference-time compute worth more than data?
#
# Spend one more unit of log-compute either on samples (k → e·k) or on data (n → e·n). The
# first lowers log δ by −∂log δ/∂log k, the second by −∂log δ/∂log n. Halder & Pehlevan
# ("Demystifying LLM-as-a-Judge: Analytically Tractable Model for Inference-Time Scaling",
# arXiv 2512.19905) call inference compute provably preferable in the best-of-k regime, where
# the k-exponent is 2, and note that the advantage degrades as the task gets harder. Here both
# exponents are computed exactly (autodiff through the deterministic equivalent).

# %%
import numpy as np

from solvable import KnobReward, paper_problem
from solvable.asymptotics import best_of_k_slopes, scaling_slopes

SIGMA = float(paper_problem().sigma)
slopes = scaling_slopes   # concrete calls run in blocks of a fixed size: one compiled program


def problem_of(n, power=4.0):
    """Paper setting with teacher power ‖w_T‖²/d = power (difficulty at fixed noise)."""
    return paper_problem(n=n, teacher_norm2=paper_problem().d * power)


# %% [markdown]
# ## Best-of-k with the teacher as judge (T = 0)
#
# Regime slopes (k → ∞): d log δ/d log k = −2 and d log δ/d log n = −α∂_α Var Δ_T/(s̄² − 2 Var Δ_T).
# Data win when Var Δ_T (the student's squared bias over x) approaches s̄²/4; past
# 2 Var Δ_T = s̄² the 1/k² regime does not exist (nan below).

# %%
print(" n        power   n-exponent (k→∞)   exact at k=100: k-exp   n-exp   winner")
for power in (1.0, 4.0, 16.0):
    for n in (3e3, 1e4, 3e4):
        p = problem_of(n, power)
        try:
            regime = -float(best_of_k_slopes(p).n_paper)
        except ValueError:  # 2 Var Δ_T ≥ s̄²: the 1/k² regime does not exist
            regime = float("nan")
        ex = slopes(p, KnobReward(0.0), 100.0, 0.0)
        gk, gn = -float(ex.k), -float(ex.n)
        print(f"{n:8.0f} {power:6.1f}   {regime:12.4f}"
              f"        {gk:12.4f} {gn:9.4f}   {'k' if gk > gn else 'n'}")

# %% [markdown]
# ## A misspecified judge saturates
#
# With c > 0 the error tends to a floor as k → ∞ (δ_∞ > 0), so the k-exponent decays to zero
# while data keep shrinking the student's bias: past some k, data win whatever the size.

# %%
ks = np.array([2.0, 8.0, 32.0, 128.0, 512.0])
p = problem_of(1e4, 4.0)
for c in (0.0, 1.0, 3.0):
    s = slopes(p, KnobReward(c), ks, 0.0)
    print(f"c = {c:3.1f}: k-exponent " + " ".join(f"{-v:6.3f}" for v in np.asarray(s.k))
          + " | n-exponent " + " ".join(f"{-v:6.3f}" for v in np.asarray(s.n)))

# %% [markdown]
# ## The map over (n, k)
#
# The figure function behind `paper_repro.py --only compute_vs_data` (small grid here):
# contours of δ, the region where k beats n, and its boundary for three teacher powers.

# %%
from solvable.figures import compute_vs_data

result = compute_vs_data(size="tiny")
print(result.notes)
result.figure
