"""Regenerate tests/data/answers_reference.npz: judge-accuracy points by the slow route of
tests/answers_reference.py (run from the repository root: python -m tests.make_answers_reference).

Domains (normalised units, k log-uniform): "moderate" t ∈ [0.1, 100] log-uniform, k ∈ [1, 1e4],
|b|, |a| ≤ 3, η ∈ [0.05, 3]; "extended" the same t and k with |b|, |a| ≤ 10, η ∈ [0.01, 10];
"small_t" t ∈ [1e-3, 0.1]; "best_of_k" t = 0, k ∈ [1, 1e6], |b|, |a| ≤ 10, η ∈ [0.01, 10];
"best_of_k_moderate" the same with |b|, |a| ≤ 3, η ∈ [0.05, 3].
"""

from __future__ import annotations

import sys

import numpy as np
from tqdm import tqdm

from tests.answers_reference import reference

DOMAINS = {
    # name: (n, t range or 0, k max, offset bound, eta range)
    "moderate": (24, (0.1, 100.0), 1e4, 3.0, (0.05, 3.0)),
    "extended": (24, (0.1, 100.0), 1e4, 10.0, (0.01, 10.0)),
    "small_t": (12, (1e-3, 0.1), 1e4, 3.0, (0.05, 3.0)),
    "best_of_k": (16, None, 1e6, 10.0, (0.01, 10.0)),
    "best_of_k_moderate": (16, None, 1e6, 3.0, (0.05, 3.0)),
}


def sample(n, t_range, k_max, bound, eta_range, rng):
    k = np.exp(rng.uniform(0.0, np.log(k_max), n))
    t = np.zeros(n) if t_range is None else np.exp(rng.uniform(*np.log(t_range), n))
    b, a = rng.uniform(-bound, bound, (2, n))
    eta = np.exp(rng.uniform(*np.log(eta_range), n))
    return np.stack([k, t, b, a, eta], axis=1)


def main(path="tests/data/answers_reference.npz", seed=13):
    rng = np.random.default_rng(seed)
    out = {}
    for name, spec in DOMAINS.items():
        pts = sample(*spec, rng)
        vals = np.array([reference(*p) for p in tqdm(pts, desc=name)])
        out[name] = np.concatenate([pts, vals[:, None]], axis=1)
    np.savez(path, **out)


if __name__ == "__main__":
    main(*sys.argv[1:])
