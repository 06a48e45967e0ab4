"""Particles needed to sample π within TV δ against T, measured and bounded (docs/theory.md §8).

    PYTHONPATH=. python benchmarks/bench_smc.py [--quick]

Part 1 (scale): `smc.scaling_curves` on the count statistic (T up to 64 quick, 256 full):
measured N for ε = c/T, constant ε, best-of-N ∝ r and rejection, with OLS rates and 95% t
intervals. Part 2 (search, docs/theory.md §9): accuracy of best-of-N, beam search, DVTS,
the LLM particle filter and FK SMC on the decoy tree at equal budgets, the DVTS/PF budget
ratio (bootstrap CI), then the older small-T table below.

Product model (binary uniform base, reward r^{#ones}) with `majority_values` (per-step Bellman
error exactly ε, errors compounding along π-typical paths) at ε = c/T and at constant ε, and
best-of-N / rejection from p (exact laws); prints the measured N, the bound, the looseness
bound/measured and the fitted growth rates (log N against T and against log T); then the
SMC bias against N with its fitted slope (≈ −1), and the guided sampler's TV against 2tε.
"""

import argparse
import time

import jax
import numpy as np

import solvable  # noqa: F401
from solvable import smc


def scale_and_search(quick: bool) -> None:
    from solvable.smc import search as S

    key = jax.random.key(0)
    t0 = time.time()
    Ts = (8, 16, 24, 32, 48, 64) if quick else (8, 16, 24, 32, 48, 64, 96, 128, 192, 256)
    out = smc.scaling_curves(key, Ts, epsilon=0.25, particle_budget=2**12 if quick else 2**15,
                             n_max=2**12 if quick else 2**15, refine=2 if quick else 3,
                             progress=True)
    cols = ["N_poly", "tv_poly", "se_poly", "N_const", "N_importance", "N_rejection"]
    print("T      " + " ".join(f"{c:>12}" for c in cols))
    for i, T in enumerate(out["T"]):
        print(f"{T:<6.0f} " + " ".join(f"{out[c][i]:>12.4g}" for c in cols))
    for name, f in out["fits"].items():
        print(f"{name:>18}: {f.slope:8.4f} ± {f.stderr:.4f}  95% CI [{f.ci_low:.4f}, {f.ci_high:.4f}]"
              f"  ({f.n_points} points)")
    print(f"scaling {time.time() - t0:.1f} s")
    t0 = time.time()
    model, correct, decoy = S.decoy_tree(jax.random.key(4), 8, 2, r_decoy=0.2)
    eps = (0.0, 0.125, 0.5, 1.0, 1.5)
    budgets = (64, 128, 256, 512, 1024) if quick else (64, 128, 256, 512, 1024, 2048)
    res = S.compare_search(key, model, correct, {e: S.decoy_prm(model, correct, decoy, e) for e in eps},
                           budgets, n_runs=200 if quick else 1000,
                           options={"beam": {"n_children": 2}, "dvts": {"width": 4, "n_children": 2}})
    print("P(correct) by budget", budgets, f"(π(correct) = {smc.target_law(model)[correct].sum():.3f})")
    for i, e in enumerate(eps):
        for m in S.METHODS:
            print(f"ε = {e:<5} {m:>16}: " + " ".join(f"{a:.2f}" for a in res["accuracy"][m][i]))
    for target in (0.5, 0.8):
        r = S.budget_ratio(budgets, res["success"]["dvts"][0], res["success"]["particle_filter"][0], target)
        print(f"budget DVTS / PF to reach {target} at ε = 0: {r['ratio']:.3g} "
              f"(95% bootstrap CI {r['ci_low']:.3g}-{r['ci_high']:.3g})")
    print(f"search {time.time() - t0:.1f} s")


def main(quick: bool) -> None:
    scale_and_search(quick)
    key = jax.random.key(0)
    Ts = (4, 6, 8, 10, 12, 14) if quick else (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    runs = 500 if quick else 2000
    t0 = time.time()
    rows = smc.scaling_table(key, Ts, r=3.0, c=1.0, epsilon=0.5, tv=0.1, n_runs=runs,
                             n_max=4096, refine=2 if quick else 3)
    cols = ["T", "eps_poly", "L_poly", "N_poly", "bound_poly", "loose_poly", "eps_const",
            "L_const", "N_const", "bound_const", "loose_const", "N_best_of_n", "N_rejection",
            "bound_rejection", "loose_rejection"]
    print(smc.format_table(rows, cols))
    print("best-of-N TV at N = 2^20 (it converges to the all-ones path, not to π):",
          np.round([row["tv_best_of_n"] for row in rows], 3))
    for col in ("N_poly", "N_const", "N_rejection"):
        fit = smc.growth_rates(rows, col)
        print(f"{col:>12}: d log N / dT = {fit.exp_rate:.3f}   d log N / d log T = {fit.poly_degree:.2f}")
    print(f"reference: log(1+ε) = {np.log1p(0.5):.3f}, log(3/2) (rejection) = {np.log(1.5):.3f}")
    print(f"scaling table {time.time() - t0:.1f} s")
    model = smc.product_model(8, 3.0, normalized=True)
    fit = smc.bias_decay(key, model, None, (4, 8, 16, 32) if quick else (4, 8, 16, 32, 64),
                         n_runs=runs * 4)
    print("SMC bias (TV of E[output law]) against N:", dict(zip(fit.n.tolist(), np.round(fit.tv, 4))))
    print(f"fitted slope d log TV / d log N = {fit.slope:.2f} ± {fit.slope_stderr:.2f} (theory −1)")
    tree = smc.random_tree(key, 6, 2)
    curve = smc.guided_tv_curve(tree, smc.perturbed_values(key, tree, 0.05))
    print("guided TV(π̃_t, π̂_t):", np.round(curve["tv"], 4))
    print("bound 2tε:           ", np.round(curve["bound"], 4))
    print(f"total {time.time() - t0:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
