"""Monte Carlo of the finite teacher–student model, graded right/wrong (docs/theory.md §6).

The finite model of `solvable.simulation` (teacher, training set and exact Bayesian posterior per
trial, drawn by `solvable.simulation.draw_student`), with answers graded as correct iff
|y − μ_T| < h and aggregated over the first k of k_max candidates (nested, every k in one pass):

* ``"softmax"``: the selection expectation Σ_i p_i 1{correct_i}, p = softmax(−(y − μ_R)²/T),
  computed exactly given the draws (running, rescaled sums); T = 0 is best-of-k (running argmin);
* ``"majority"``: the plurality answer (bins round((y − μ_T)/(2h))), ties counted
  1/(number of tied answers), i.e. the expectation over a uniform tie-break;
* ``"weighted_vote"``: bin scores Σ e^{−(y_i − μ_R)²/T} (running, rescaled), the top score wins;
  T = ∞ is the plurality vote and T = 0 best-of-k.

Per trial the test inputs' values are averaged; the standard error is that of the per-trial
means over √trials (trials ≥ 2) or the within-trial one. The theory beside it is
`solvable.generalization_accuracy` (the weighted vote's is itself a Monte Carlo estimate, whose
standard error enters the z-score).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Optional

import jax
import numpy as np

from . import _config  # noqa: F401
from ._students import draw_student, normalize_ks, test_offsets

RULES = ("softmax", "majority", "weighted_vote")


@dataclasses.dataclass(frozen=True)
class AccuracySimulation:
    """Monte Carlo accuracies of the finite model at each k, with the theory beside them.

    ``mean[j]`` estimates the accuracy at ``ks[j]``; ``stderr`` its standard error;
    ``theory`` `solvable.generalization_accuracy` (deterministic equivalent), with
    ``theory_stderr`` (nonzero for the weighted vote only); ``z`` = (mean − theory)/combined SE.
    """

    ks: np.ndarray
    rule: str
    temperature: float
    tolerance: float
    mean: np.ndarray
    stderr: np.ndarray
    trial_means: np.ndarray
    theory: Optional[np.ndarray]
    theory_stderr: Optional[np.ndarray]
    predictive: str
    n_test: int
    trials: int
    wall_time: float

    @property
    def z(self):
        if self.theory is None:
            return None
        return (self.mean - self.theory) / np.hypot(self.stderr, self.theory_stderr)


def _running_scores(scores, log_max, onehot, logw):
    """Add one candidate's weight to per-bin scores kept relative to a running max log-weight."""
    new_max = np.maximum(log_max, logw)
    scale = np.exp(log_max - new_max)
    return scores * scale[:, None] + onehot * np.exp(logw - new_max)[:, None], new_max


def nested_accuracy(rng, delta_t, delta_r, s, temperature, tolerance, rule, ks):
    """Per input and k in ``ks``: the rule's correctness (expectation over the pick / the tie
    break) on the first k of max(ks) candidates y = m + s z. Returns an array (len(ks), n)."""
    n = delta_t.shape[0]
    k_max = max(ks)
    z = rng.standard_normal((n, k_max))
    u = delta_t[:, None] + s[:, None] * z          # y − μ_T
    v = delta_r[:, None] + s[:, None] * z          # y − μ_R
    correct = np.abs(u) < tolerance
    bins = np.round(u / (2.0 * tolerance)).astype(np.int64)
    lo = bins.min()
    span = int(bins.max() - lo) + 1
    zero = -lo
    hard, flat = temperature == 0.0, math.isinf(temperature)
    logw = np.zeros_like(v) if flat else -v * v / (temperature if not hard else 1.0)
    if rule == "weighted_vote" and flat:
        rule = "majority"
    if rule == "weighted_vote" and hard:
        rule = "softmax"
    rows = np.arange(n)
    out = np.zeros((len(ks), n))
    want = {k: j for j, k in enumerate(ks)}
    counts = np.zeros((n, span))
    scores = np.zeros((n, span))
    log_max = np.full(n, -np.inf)
    sum_w = np.zeros(n)
    sum_wc = np.zeros(n)
    best = np.full(n, np.inf)
    best_ok = np.zeros(n)
    for i in range(k_max):
        col = bins[:, i] - lo
        onehot = np.zeros((n, span))
        onehot[rows, col] = 1.0
        if rule == "majority":
            counts += onehot
        elif rule == "weighted_vote":
            scores, log_max = _running_scores(scores, log_max, onehot, logw[:, i])
        elif hard:
            better = v[:, i] ** 2 < best
            best = np.where(better, v[:, i] ** 2, best)
            best_ok = np.where(better, correct[:, i], best_ok)
        else:
            new_max = np.maximum(log_max, logw[:, i])
            scale = np.exp(log_max - new_max)
            w = np.exp(logw[:, i] - new_max)
            sum_w = sum_w * scale + w
            sum_wc = sum_wc * scale + w * correct[:, i]
            log_max = new_max
        k = i + 1
        if k not in want:
            continue
        if rule == "majority":
            top = counts.max(axis=1)
            n0 = counts[:, zero] if 0 <= zero < span else np.zeros(n)
            leaders = np.sum(counts == top[:, None], axis=1)
            val = np.where((n0 == top) & (n0 > 0), 1.0 / leaders, 0.0)
        elif rule == "weighted_vote":
            s0 = scores[:, zero].copy() if 0 <= zero < span else np.zeros(n)
            other = scores.copy()
            if 0 <= zero < span:
                other[:, zero] = -1.0
            val = (s0 > other.max(axis=1)).astype(float)
        elif hard:
            val = best_ok
        else:
            val = sum_wc / sum_w
        out[want[k]] = val
    return out


def simulate_accuracy(problem, reward, ks, temperature, *, tolerance, rule="softmax", n_test,
                      trials=1, seed=0, predictive="posterior", teacher_draw="sphere",
                      chunk_size=4096, compute_theory=True, progress=False,
                      theory_samples=2 ** 16, judge=None):
    """Monte Carlo accuracy of the finite model for k in ``ks`` (see the module docstring);
    called by `solvable.simulate` with ``metric="accuracy"``.

    Returns an `AccuracySimulation`. ``judge`` (a `solvable.judge.Judge` without score noise):
    each test input's judge centre is misread by ε̄ ~ N(0, judge.centre_variance), and the
    judge acts at ``judge.temperature(T)`` (docs/theory.md §10).
    """
    from .judge import Judge, judged_law
    judge = Judge() if judge is None else judge
    from ._validate import check_integer_at_least, check_nonnegative, check_positive
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if tolerance is None:
        raise ValueError("tolerance is required with metric='accuracy'")
    check_positive("tolerance", tolerance)
    check_nonnegative("temperature", temperature, allow_inf=True)
    if isinstance(ks, (int, np.integer)) and not isinstance(ks, bool):
        check_integer_at_least("k_max", ks, 1)
        ks = tuple(range(1, int(ks) + 1))
    else:
        ks = normalize_ks(ks)
    for name, value in (("n_test", n_test), ("trials", trials), ("chunk_size", chunk_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        check_integer_at_least(name, value, 1)
    given_temperature, h = float(temperature), float(tolerance)
    temperature = float(judge.temperature(given_temperature))
    centre_sd = math.sqrt(judge.centre_variance)
    root = jax.random.key(seed)
    trial_means = np.zeros((trials, len(ks)))
    within = np.zeros((trials, len(ks)))
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=trials, desc="simulate accuracy", unit="trial")
    start = time.perf_counter()
    for trial in range(trials):
        student = draw_student(jax.random.fold_in(jax.random.fold_in(root, trial), 0), problem,
                               reward, predictive=predictive, teacher_draw=teacher_draw)
        rng = np.random.default_rng([seed, trial])
        total, total2, done = np.zeros(len(ks)), np.zeros(len(ks)), 0
        while done < n_test:
            size = min(chunk_size, n_test - done)
            x = rng.standard_normal((size, problem.d)) * np.asarray(problem.input_std)
            dt, dr, s2 = (np.asarray(v) for v in test_offsets(student, x / math.sqrt(problem.d)))
            if centre_sd > 0:       # the judge's centre μ_R + ε̄: Δ_R = m − μ_R − ε̄
                dr = dr - centre_sd * rng.standard_normal(size)
            vals = nested_accuracy(rng, dt, dr, np.sqrt(s2), temperature, h, rule, ks)
            total += vals.sum(axis=1)
            total2 += (vals * vals).sum(axis=1)
            done += size
        trial_means[trial] = total / n_test
        within[trial] = np.maximum(total2 / n_test - trial_means[trial] ** 2, 0.0) / max(n_test - 1, 1)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    wall = time.perf_counter() - start
    mean = trial_means.mean(axis=0)
    if trials >= 2:
        stderr = trial_means.std(axis=0, ddof=1) / math.sqrt(trials)
    else:
        stderr = np.sqrt(within[0])
    theory = theory_se = None
    if compute_theory:
        from ._laws import law_of
        from .answers import generalization_accuracy, weighted_vote_averaged
        theory, theory_se = np.zeros(len(ks)), np.zeros(len(ks))
        law = judged_law(law_of(problem, reward), judge)
        for j, k in enumerate(ks):
            if rule == "weighted_vote":
                est = weighted_vote_averaged(law, None, k, temperature, tolerance=h,
                                             samples=theory_samples, seed=seed + 1)
                theory[j], theory_se[j] = est.value, est.stderr
            else:
                theory[j] = generalization_accuracy(law, None, k, temperature,
                                                    tolerance=h, rule=rule)
    return AccuracySimulation(np.asarray(ks), rule, given_temperature, h, mean, stderr,
                              trial_means,
                              theory, theory_se, predictive, int(n_test), int(trials), wall)
