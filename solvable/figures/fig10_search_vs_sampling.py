"""Figure 8: search against sampling under an approximate process reward."""

from __future__ import annotations

import numpy as np

from .. import style
from ._common import by_size

_LABELS = {"best_of_n": "best-of-N (outcome score)", "beam": "beam search (b = 2 sampled)",
           "dvts": "DVTS (M = 4, b = 2)", "particle_filter": "particle filter (logit, last)",
           "smc": "FK SMC (sampled answer)"}


@style.styled
def search_vs_sampling(size: str = "quick", seed: int = 0, *, T: int = 8, tree_seed: int = 4,
                       r_decoy: float = 0.2, eps_small: float | None = None,
                       eps_large: float = 1.5, budget_fixed: int = 256):
    """P(correct answer) against budget (generated steps) at a small and a large Bellman error
    ε (dashed: how often beam search and DVTS return a decoy), and against ε at a fixed
    budget, for best-of-N, beam search, DVTS, the LLM particle filter and FK SMC
    (docs/theory.md §9).

    Decoy tree (`smc.search.decoy_tree`: binary, depth T, 3 correct leaves r = 1, 3 decoys
    r = r_decoy, floor 1e-4) with the decoy-favouring PRM of Bellman error exactly ε
    (`smc.search.decoy_prm`; ε = 0 is the exact V*). Above (1+ε)² r_decoy = 1 the outcome
    score ranks decoys above correct answers. Puri et al. (arXiv 2502.01618) compare these
    methods on LLMs. Dotted line: π(correct), the accuracy of an exact sampler of π ∝ p·r.

    Parameters
    ----------
    size : {"tiny", "quick", "full"}
        Budgets, runs per point and the ε grid.
    seed : int
        Seed of the runs.
    T : int
        Depth of the decoy tree.
    tree_seed : int
        Seed of the tree's correct and decoy leaves.
    r_decoy : float
        Reward of a decoy leaf.
    eps_small, eps_large : float
        Bellman errors of the first two panels (default small ε = 1/T).
    budget_fixed : int
        Budget (generated steps) of the third panel.

    Returns
    -------
    FigureOutput
        The figure, the accuracies with standard errors per method, budget and ε, and the
        parameters.

    Examples
    --------
    >>> from solvable.figures import FIGURES
    >>> FIGURES["search_vs_sampling"].__name__
    'search_vs_sampling'
    """
    style.check_size(size)
    import jax

    from ..smc import search as S
    from ..smc.exact import target_law

    eps_small = 1.0 / T if eps_small is None else eps_small
    budgets, n_runs, eps_grid = by_size(
        size, ((64,), 20, (0.0, eps_small, eps_large)),
        ((64, 256, 1024), 200, (0.0, eps_small, 0.25, 0.5, 0.75, 1.0, 1.25, eps_large)),
        ((64, 128, 256, 512, 1024, 2048), 2000,
         (0.0, eps_small, 0.25, 0.5, 0.75, 1.0, 1.25, eps_large, 2.0)))
    if budget_fixed not in budgets:
        budget_fixed = budgets[-1]
    model, correct, decoy = S.decoy_tree(jax.random.key(tree_seed), T, 2, r_decoy=r_decoy)
    pi_correct = float(target_law(model)[correct].sum())
    prms = {e: S.decoy_prm(model, correct, decoy, e) for e in eps_grid}
    opts = {"beam": {"n_children": 2}, "dvts": {"width": 4, "n_children": 2}}
    out = S.compare_search(jax.random.key(seed), model, correct, prms, budgets, n_runs=n_runs,
                           options=opts)
    eps_cross = float(np.sqrt(1 / r_decoy) - 1)
    if len(budgets) < 2:
        ratio = {"ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    else:
        ratio = S.budget_ratio(budgets, out["success"]["dvts"][0], out["success"]["particle_filter"][0],
                               0.5, n_boot=1000, seed=seed)

    fig, axes = style.figure(3, width=3.3, height=3.1)
    b = np.asarray(budgets, float)
    i_small, i_large = eps_grid.index(eps_small), eps_grid.index(eps_large)
    j_fixed = list(budgets).index(budget_fixed)
    for k, method in enumerate(S.METHODS):
        acc, se = out["accuracy"][method], out["stderr"][method]
        for ax, i in ((axes[0], i_small), (axes[1], i_large)):
            style.errorbar(ax, b, acc[i], se[i], c=style.color(k), label=_LABELS[method],
                           linestyle="-", linewidth=1.0)
        style.errorbar(axes[2], np.asarray(eps_grid), acc[:, j_fixed], se[:, j_fixed],
                       c=style.color(k), linestyle="-", linewidth=1.0)
    # reward hacking: how often the mode-seeking searches return a decoy at large ε
    decoy_rate = {}
    for k, method in enumerate(S.METHODS):
        decoy_rate[method] = decoy[out["nodes"][method]].mean(-1)
        if method in ("beam", "dvts"):
            axes[1].plot(b, decoy_rate[method][i_large], color=style.color(k), linestyle="--",
                         marker="x", markersize=4, linewidth=1.0,
                         label=f"{_LABELS[method].split(' (')[0]}: P(decoy)")
    hs, ls = axes[1].get_legend_handles_labels()
    keep = [i for i, lab in enumerate(ls) if "P(decoy)" in lab]
    axes[1].legend([hs[i] for i in keep], [ls[i] for i in keep], loc="center right", fontsize=6.3)
    for ax, eps in ((axes[0], eps_small), (axes[1], eps_large)):
        ax.axhline(pi_correct, color="black", linestyle=":", linewidth=1.2,
                   label="π(correct) (exact)")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("budget (generated steps)")
        ax.set_title(rf"$\varepsilon$ = {eps:g}")
        ax.set_ylim(-0.03, 1.03)
    axes[0].set_ylabel("P(answer correct)")
    hs, ls = axes[0].get_legend_handles_labels()
    axes[2].legend(hs, ls, loc="upper right", fontsize=6.0)
    axes[2].axhline(pi_correct, color="black", linestyle=":", linewidth=1.2)
    axes[2].axvline(eps_cross, color="grey", linestyle="--", linewidth=1.0)
    axes[2].text(eps_cross, 0.45, r" $(1+\varepsilon)^2 r_d = 1$", fontsize=7, va="top",
                 color="grey")
    axes[2].set_xlabel(r"Bellman error $\varepsilon$ of the PRM")
    axes[2].set_title(f"budget {budget_fixed} steps")
    axes[2].set_ylim(-0.03, 1.03)
    rtxt = (f"budget DVTS / PF to reach 0.5 at ε = 0: {ratio['ratio']:.2g} "
            f"(95% CI {ratio['ci_low']:.2g}–{ratio['ci_high']:.2g})")
    style.size_note(fig, f"decoy tree T = {T}, B = 2, seed {tree_seed}; {n_runs} runs a point "
                         f"(±1 s.e.); {rtxt} ({size} size)")
    rows = []
    for method in S.METHODS:
        for i, e in enumerate(eps_grid):
            rows.append(dict(method=method, epsilon=np.full(len(budgets), e), budget=b,
                             accuracy=out["accuracy"][method][i],
                             stderr=out["stderr"][method][i], decoy_rate=decoy_rate[method][i]))
    columns = style.long_table(rows)
    params = dict(T=T, B=2, tree_seed=tree_seed, r_decoy=r_decoy, epsilons=list(eps_grid),
                  budgets=list(budgets), n_runs=n_runs, seed=seed, pi_correct=pi_correct,
                  budget_ratio_dvts_over_pf=ratio)
    notes = (f"π(correct) = {pi_correct:.3f}; {rtxt}; beam accuracy at ε = {eps_large:g}: "
             + ", ".join(f"{a:.2f}" for a in out["accuracy"]["beam"][i_large]))
    return style.FigureOutput(fig, columns, params, notes)
