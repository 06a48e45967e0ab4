"""Command-line demo: ``python -m solvable``.

Prints the deterministic-equivalent generalization error δ(k)/σ² of the paper's synthetic
setting (`solvable.paper_problem`: n = 1e4, d = 10, S = 1, σ = 1e-4, γ = 1e-3,
w_T ~ N(0, 4 I); docs/theory.md §1) at T/(2σ²) = 10, for the
teacher as reward (c = 0: δ falls monotonically with k) and a misspecified reward (c = 20:
δ has a finite optimal k).
"""

from __future__ import annotations

import argparse

import numpy as np

from .average import generalization_error
from .problem import KnobReward, paper_problem


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m solvable", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--t", type=float, default=10.0, help="temperature T/(2σ²) (default 10)")
    parser.add_argument("--c", type=float, default=20.0,
                        help="misspecification knob of the bad reward (default 20)")
    parser.add_argument("--n", type=float, default=1e4, help="training-set size (default 1e4)")
    args = parser.parse_args(argv)

    problem = paper_problem(n=args.n)
    sigma = float(problem.sigma)
    temperature = 2 * sigma**2 * args.t
    ks = np.unique(np.concatenate([np.round(np.geomspace(1, 200, 40)), [1, 2, 4, 8, 16, 32, 64, 128, 200]]))
    rows = {c: np.asarray(generalization_error(problem, KnobReward(c), ks, temperature)) / sigma**2
            for c in (0.0, args.c)}
    shown = [1, 2, 4, 8, 16, 32, 64, 128, 200]
    print(f"solvable demo: δ(k)/σ² at T/(2σ²) = {args.t:g}, n = {args.n:g}, d = {problem.d}, "
          f"σ = {sigma:g}, γ = {float(problem.gamma):g} (exact deterministic equivalent)")
    print(f"{'k':>6} {'reward = teacher (c=0)':>24} {f'misspecified (c={args.c:g})':>24}")
    for k in shown:
        i = int(np.flatnonzero(ks == k)[0])
        print(f"{k:>6d} {rows[0.0][i]:>24.6f} {rows[args.c][i]:>24.6f}")
    for c, values in rows.items():
        i = int(np.argmin(values))
        where = "monotone up to k = 200" if i == len(ks) - 1 else "finite optimum on this grid"
        print(f"c = {c:g}: best k = {int(ks[i])} (δ/σ² = {values[i]:.6f}; {where})")


if __name__ == "__main__":
    main()
