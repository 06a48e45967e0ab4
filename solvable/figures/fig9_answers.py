"""Figure: discrete answers — the judge (best-of-k), the plurality vote and the weighted vote."""

from __future__ import annotations

import numpy as np

from .. import asymptotics
from ..answers import generalization_accuracy, weighted_vote_averaged
from ..equivalents import offset_law
from ..problem import KnobReward
from ..simulation import simulate
from .. import style
from ._common import by_size, fmt_count, paper_problem, problem_params

TOLERANCE = 5e-5    # h: answers within h of μ_T are right (h/s̄ ≈ 0.5 in the paper's setting)
KNOB = 2.0          # Δ_R = (1 + c) Δ_T: a judge that overshoots, so the vote wins at large k
T_FACTORS = (0.5, 1.0, 2.0)   # weighted vote: T/T_c searched at each k (T_c: the k → ∞ best)
RULE_COLOR = {"best_of_k": 0, "majority": 1, "weighted_vote": 2}
RULE_LABEL = {"best_of_k": "judge: best-of-k (T = 0)", "majority": "plurality vote",
              "weighted_vote": "weighted vote at its best T"}


def _accuracy_panel(ax, size, seed, problem, reward):
    """Accuracy against k: exact DE (lines), finite-model simulation (markers), k → ∞ limits
    (dashed), and the judge/vote crossover. Returns (table parts, params, notes)."""
    ks = np.array(by_size(size, (1, 2, 4, 8), (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64),
                          (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)))
    n_test, trials, samples = by_size(size, (2000, 2, 2 ** 11), (20_000, 4, 2 ** 14),
                                      (200_000, 20, 2 ** 17))
    h = TOLERANCE
    law = offset_law(problem, reward)
    t_c = float(asymptotics.weighted_vote_centring_temperature_averaged(problem, reward))
    parts = []
    judge = np.array([generalization_accuracy(problem, reward, k, 0.0, tolerance=h)
                      for k in ks])
    vote = np.array([generalization_accuracy(problem, reward, k, 0.0, tolerance=h,
                                             rule="majority", nodes=4) for k in ks])
    # weighted vote: best of a few T around T_c at each k (Monte Carlo with exact controls;
    # common random numbers across T)
    weighted, weighted_se, weighted_t = [], [], []
    for k, j, m in zip(ks, judge, vote):
        ests = [weighted_vote_averaged(law, None, int(k), f * t_c, tolerance=h, samples=samples,
                                       seed=seed, controls=("majority", "best_of_k"),
                                       exact={"majority": m, "best_of_k": j})
                for f in T_FACTORS]
        i = int(np.argmax([e.value for e in ests]))
        weighted.append(ests[i].value)
        weighted_se.append(ests[i].stderr)
        weighted_t.append(T_FACTORS[i] * t_c)
    weighted, weighted_se = np.array(weighted), np.array(weighted_se)
    curves = {"best_of_k": (judge, 0.0 * judge), "majority": (vote, 0.0 * vote),
              "weighted_vote": (weighted, weighted_se)}
    limits = {"best_of_k": asymptotics.accuracy_large_k_limit_averaged(law, None, 0.0,
                                                                       tolerance=h),
              "majority": asymptotics.accuracy_large_k_limit_averaged(law, None, 0.0,
                                                                      tolerance=h,
                                                                      rule="majority"),
              "weighted_vote": asymptotics.accuracy_large_k_limit_averaged(
                  law, None, t_c, tolerance=h, rule="weighted_vote")}
    sims = {
        "best_of_k": simulate(problem, reward, [int(k) for k in ks], 0.0, n_test=n_test,
                              trials=trials, seed=seed, metric="accuracy", tolerance=h,
                              rule="softmax", compute_theory=False),
        "majority": simulate(problem, reward, [int(k) for k in ks], 0.0, n_test=n_test,
                             trials=trials, seed=seed + 1, metric="accuracy", tolerance=h,
                             rule="majority", compute_theory=False),
    }
    # the weighted vote simulated at each k's best temperature (one nested run per factor)
    by_factor = [simulate(problem, reward, [int(k) for k in ks], f * t_c, n_test=n_test,
                          trials=trials, seed=seed + 2, metric="accuracy", tolerance=h,
                          rule="weighted_vote", compute_theory=False) for f in T_FACTORS]
    pick = [T_FACTORS.index(t / t_c) for t in weighted_t]
    sims["weighted_vote"] = _Picked(
        np.array([by_factor[i].mean[j] for j, i in enumerate(pick)]),
        np.array([by_factor[i].stderr[j] for j, i in enumerate(pick)]))
    for rule, (vals, se) in curves.items():
        col = style.color(RULE_COLOR[rule])
        kind = "exact" if rule != "weighted_vote" else "expansion"
        ax.plot(ks, vals, color=col, **style.KIND_STYLE["exact"])
        if rule == "weighted_vote":
            ax.fill_between(ks, vals - 2 * se, vals + 2 * se, color=col, alpha=0.2, lw=0)
        ax.axhline(float(limits[rule]), color=col, **style.KIND_STYLE["expansion"])
        sim = sims[rule]
        ax.errorbar(ks, sim.mean, yerr=sim.stderr, color=col, **style.KIND_STYLE["simulation"])
        parts.append(dict(rule=rule, k=ks, curve="exact_de" if kind == "exact" else "theory_mc",
                          accuracy=vals, stderr=se))
        parts.append(dict(rule=rule, k=ks, curve="simulation", accuracy=sim.mean,
                          stderr=sim.stderr))
        parts.append(dict(rule=rule, k=np.array([np.inf]), curve="large_k_limit",
                          accuracy=np.array([float(limits[rule])])))
    parts.append(dict(rule="weighted_vote", k=ks, curve="best_temperature",
                      temperature=np.array(weighted_t)))
    cross = asymptotics.judge_vote_crossover(ks, judge, vote)
    if np.isfinite(cross):
        ax.axvline(cross, color="#555555", **style.KIND_STYLE["bound"])
        ax.text(cross / 1.07, 0.30, f"vote overtakes\njudge: k ≈ {cross:.0f}", fontsize=7,
                ha="right", transform=ax.get_xaxis_transform(), color="#333333")
    ax.set_xscale("log", base=2)
    ax.set_ylim(0.3, 1.25)
    ax.set_xlabel("number of answers k")
    ax.set_ylabel("accuracy P(|y − μ_T| < h)")
    ax.set_title(f"Judge or vote? (knob c = {KNOB:g}, h = {h:g})")
    style_handles(ax)
    params = dict(tolerance=h, knob=KNOB, weighted_temperature_factors=list(T_FACTORS),
                  centring_temperature=t_c, ks=ks.tolist(), n_test=n_test, trials=trials,
                  weighted_samples=samples)
    notes = (f"crossover judge/vote at k ≈ {cross:.1f}; limits: judge {float(limits['best_of_k']):.3f}, "
             f"vote {float(limits['majority']):.3f}, weighted vote at T_c "
             f"{float(limits['weighted_vote']):.3f}")
    return parts, params, notes, (n_test, trials)


class _Picked:
    """Simulated means and standard errors picked per k from several runs."""

    def __init__(self, mean, stderr):
        self.mean, self.stderr = mean, stderr


def style_handles(ax):
    """Legends: colours name the rule (upper left), line kinds the curve kind (lower right)."""
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=style.color(RULE_COLOR[r]), lw=1.6, label=RULE_LABEL[r])
               for r in RULE_COLOR]
    first = ax.legend(handles=handles, loc="upper left", fontsize=7)
    ax.add_artist(first)
    kinds = [
        Line2D([], [], color="#444444", label="exact DE\n(weighted vote: MC ±2 s.e.)",
               **style.KIND_STYLE["exact"]),
        Line2D([], [], color="#444444", label="k → ∞ limit", **style.KIND_STYLE["expansion"]),
        Line2D([], [], color="#444444", marker="o", linestyle="none", markersize=3.5,
               label="simulation (±1 s.e.)"),
    ]
    ax.legend(handles=kinds, loc="lower right", fontsize=7)


def _pools_panel(ax, size, seed, problem, reward):
    """The answer model fitted to real judges' pools on k ≤ 3 (RewardMATH, with replacement)
    and its best-of-k prediction up to k = 10, against the exact curves of the data. At the
    tiny size the judge's own noise is held at 0 (one node of its law instead of 12: the fit
    takes ~9 s instead of ~45 s on a 2-core CPU)."""
    from .. import pools

    judges = by_size(size, ("grm_gemma",), ("internlm2", "grm_gemma"),
                     ("internlm2", "gpt4o", "Math_Shepherd", "grm_gemma"))
    free = ("width", "spread", "misalignment") + by_size(size, (), ("judge_noise",),
                                                         ("judge_noise",))
    ks_fit, ks = (1, 2, 3), np.arange(1, 11)
    parts, fits, errors = [], {}, []
    for i, judge in enumerate(judges):
        pool = pools.rewardmath(judge)
        fit = pools.fit(pool, ks_fit, replacement=True, free=free)
        obs = pools.selection_curve(pool, "best_of_k", ks, replacement=True)
        pred = fit.predict("best_of_k", ks)
        col = style.color(3 + i)
        style.errorbar(ax, ks, obs.mean, obs.stderr, c=col, label=f"{judge}: data",
                       **style.KIND_STYLE["data"])
        style.line(ax, ks, pred, "exact", c=col, label=f"{judge}: model fitted on k ≤ 3")
        parts.append(dict(panel="pools_fit", judge=judge, k=ks, curve="data",
                          accuracy=obs.mean, stderr=obs.stderr))
        parts.append(dict(panel="pools_fit", judge=judge, k=ks, curve="model_prediction",
                          accuracy=pred))
        fits[judge] = dict(params=dict(vars(fit.params)),
                           stderr={k: float(v) for k, v in fit.stderr.items()},
                           free=list(free), chi2=fit.chi2, dof=fit.dof,
                           held_out_error_k10=float(pred[-1] - obs.mean[-1]))
        errors.append(f"{judge} {pred[-1] - obs.mean[-1]:+.3f}")
    ax.axvspan(0.5, max(ks_fit) + 0.5, color="0.92", zorder=0)
    ax.text(2.0, 0.02, "fitted", transform=ax.get_xaxis_transform(), fontsize=7, ha="center")
    ax.set_xlabel("number of candidates k")
    ax.set_ylabel("best-of-k accuracy (fraction of problems)")
    ax.set_title("Real judges: the model fitted on k ≤ 3", fontsize=9)
    ax.legend(fontsize=6.5, loc="center right")
    params = dict(data="RewardMATH (Kim et al., arXiv 2410.01729), with replacement",
                  ks_fit=list(ks_fit), fits=fits)
    notes = "held-out error at k = 10: " + ", ".join(errors)
    return parts, params, notes, None


# the figure's panels, in order; a panel is f(ax, size, seed, problem, reward) ->
# (table parts, params, notes, (n_test, trials) or None)
PANELS = {"theory": _accuracy_panel, "pools_fit": _pools_panel}


@style.styled
def answers(size: str = "quick", seed: int = 0, *, panels=None):
    """Accuracy against k on discrete answers: judge (best-of-k), plurality and weighted vote.

    The paper's setting graded right/wrong (|y − μ_T| < h), the judge a knob reward
    Δ_R = (1 + c)Δ_T with c = 2: best-of-k wins at small k, the plurality vote overtakes it
    (the judge's k → ∞ accuracy is P(|cΔ_T| < h), the vote's P(|Δ_T| < h)), and the weighted
    vote at its best temperature (searched around the k → ∞ optimum t = c) beats both.
    Curves: exact DE (`solvable.generalization_accuracy`; the weighted vote by Monte Carlo
    with exact control variates), simulation of the finite model, k → ∞ limits
    (`solvable.asymptotics`). Second panel: the answer model of `solvable.pools.model` fitted to
    RewardMATH judges' pools on k ≤ 3, against their exact best-of-k curves to k = 10.

    Parameters
    ----------
    size : {"tiny", "quick", "full"}
        Monte Carlo sizes, k grid and the number of real judges fitted (1, 2, 4; at the
        tiny size without the judge's own noise).
    seed : int
        Seed of the simulation and of the weighted vote's Monte Carlo.
    panels : sequence of str, optional
        Names from `PANELS` (default: all, "theory" then "pools_fit").

    Returns
    -------
    FigureOutput
        The figure, the plotted data (theory, simulation, limits; real-judge data and model
        predictions) and the parameters, with each judge's fit.

    Examples
    --------
    >>> from solvable.figures import FIGURES
    >>> from solvable.figures.fig9_answers import PANELS
    >>> FIGURES["answers"].__name__, list(PANELS)
    ('answers', ['theory', 'pools_fit'])
    """
    style.check_size(size)
    names = list(PANELS) if panels is None else list(panels)
    fig, axes = style.figure(len(names), width=4.6, height=3.6)
    axes = np.atleast_1d(axes)
    problem = paper_problem()
    reward = KnobReward(KNOB)
    parts, params, notes, sizes = [], dict(problem=problem_params(problem), seed=seed), [], None
    for ax, name in zip(axes, names):
        p, prm, note, sz = PANELS[name](ax, size, seed, problem, reward)
        parts += p
        params[name] = prm
        notes.append(note)
        sizes = sizes or sz
    style.size_note(fig, f"simulation: {fmt_count(sizes[0])} test points × {sizes[1]} trials "
                         f"({size} size); d = 10, σ = 1e-4, γ = 1e-3, ‖w_T‖² = 4d")
    return style.FigureOutput(fig, style.long_table(parts), params, "; ".join(notes))
