"""Selection curves from real pools of judged samples (docs/theory.md §7).

A *pool* holds, for each of Q questions, n_q sampled answers with a judge score s_i, a
correctness c_i (a 0/1 flag, or a float such as a loss) and optionally an answer label a_i.
For a fresh draw of k answers, this module computes the accuracy of a selection rule

===================  ========================================================================
``"pass"``           pass@k: 1 if any of the k is correct (an oracle picks)
``"best_of_k"``      the top-scoring answer, ties broken uniformly at random
``"softmax"``        answer i with probability ∝ e^{s_i/T}; T = 0 is best-of-k, T = ∞ uniform
``"majority"``       the most frequent answer label, ties broken uniformly at random
``"weighted_vote"``  the label of largest Σ_i e^{s_i/T} over its answers; T = ∞ is the
                     majority vote, T = 0 its limit (the plurality among the top-scoring
                     answers)
===================  ========================================================================

in one of two sampling modes:

* ``replacement=False`` (default): the exact average over all C(n, k) subsets of the pool, which
  is the unbiased estimate of the rule's accuracy for a fresh draw of k ≤ n answers from the
  model that produced the pool;
* ``replacement=True``: the rule under the pool's empirical law (k i.i.d. draws from the pool,
  any k), the plug-in estimate.

Exact forms (no Monte Carlo), with A samples scoring below a level, m at it, c correct among n:

* pass@k = 1 − C(n − c, k)/C(n, k)  (with replacement: 1 − (1 − c/n)^k);
* best-of-k: the subset's maximum is at a level with probability [C(A + m, k) − C(A, k)]/C(n, k)
  (with replacement ((A + m)/n)^k − (A/n)^k), and each of the m is then kept with equal chance;
* softmax at T > 0, from 1/Z = ∫₀^∞ e^{−uZ} du with w_i = e^{s_i/T}, x_i(u) = e^{−u w_i}:
  acc = ∫₀^∞ E_S[Σ_{i∈S} c_i w_i Π_{j∈S} x_j] du. Without replacement the subset average of
  the products is an elementary symmetric polynomial, computed for every k at once by the
  recursion of subset means M_r ← ((j − r)/j) M_r + (r/j) x_j M_{r−1} (all terms ≥ 0, so no
  cancellation); with replacement it is k ∫ (n⁻¹Σ c_i w_i x_i)(n⁻¹Σ x_j)^{k−1} du. The
  u-integral is a trapezoidal rule in λ = ln u of step h = 0.35: each term is a Gumbel density
  in λ, whose Fourier transform is Γ(1 − iω), so the rule's relative error is at most
  2|Γ(1 + 2πi/h)| ≈ 1.2e−11;
* majority vote: the multivariate hypergeometric (or multinomial) law of the label counts. For
  the correct label with count a = m, the other labels must have counts ≤ m, a tie among t + 1
  leaders counting 1/(t + 1) = ∫₀¹ y^t dy (Gauss–Legendre in y, exact for this polynomial);
  labels with fewer than m members in the pool cannot reach m and are summed out in closed form;
* weighted vote at 0 < T < ∞: enumeration of all subsets where there are few (``max_exact``),
  otherwise a Monte Carlo over random subsets whose standard error is reported (the result's
  ``exact`` is then False and ``mc_stderr`` is positive); at T = ∞ it is the majority vote.

Answer label −1 means "no answer extracted": such an answer never wins a vote, and a subset
without any labelled answer counts as wrong. Standard errors treat questions as the sampling
unit (the standard deviation of the per-question values over √Q).

Layout: `solvable.pools.curves` holds the pool, its exact curves and the shipped data;
`solvable.pools.model` the Gaussian answer model fitted to a pool's curves (`fit`). Both are
re-exported here.

The shipped real data (`rewardmath`) are judge scores from "Evaluating Robustness of Reward
Models for Mathematical Reasoning" (Kim et al., arXiv 2410.01729), MIT license; see
``solvable/data/README.md``.
"""

from __future__ import annotations

from .curves import (RULES, BestSetting, Pool, SelectionCurve, best_k, rewardmath,
                     rewardmath_panel, selection_curve)
from .model import ModelParams, PoolFit, fit, model_curve, simulate_pool
from .split import Allocation, allocate
from .codet import codet_humaneval
from .pilot import Forecast, forecast
from .analysis import Analysis, analyze
from . import curves

__all__ = [
    "Pool",
    "SelectionCurve",
    "BestSetting",
    "RULES",
    "selection_curve",
    "best_k",
    "rewardmath",
    "rewardmath_panel",
    "REWARDMATH_JUDGES",
    "fit",
    "PoolFit",
    "ModelParams",
    "simulate_pool",
    "model_curve",
    "allocate",
    "Allocation",
    "codet_humaneval",
    "forecast",
    "Forecast",
    "analyze",
    "Analysis",
]


def __getattr__(name):
    if name == "REWARDMATH_JUDGES":     # the judges of the shipped data, read on first use
        return curves.REWARDMATH_JUDGES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
