"""Write tests/data/reference_points.npz: random points of the moderate and extended domains
with δ/s² from the slow independent reference (tests/reference.py). Takes several minutes.

Run: python tests/make_reference_points.py
(the stored file: seeds 11, 12 with 300 points each, then 21, 22 with 1,500 and 1,000; `main`
takes other (domain, seed, n) lists).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference import reference_normalized  # noqa: E402


def sample(domain, n, seed, zero_share=0.15):
    """(n, 4) points (k, t, b, a), log-uniform in k and t, uniform offsets; on the extended
    domain a share ``zero_share`` of the points has t = 0 (the draws do not depend on it)."""
    rng = np.random.default_rng(seed)
    if domain == "moderate":
        return np.stack([np.exp(rng.uniform(0, np.log(1e4), n)),
                         np.exp(rng.uniform(np.log(0.1), np.log(100), n)),
                         rng.uniform(-5, 5, n), rng.uniform(-5, 5, n)], 1)
    t = np.exp(rng.uniform(np.log(1e-3), np.log(1e3), n))
    t[rng.uniform(size=n) < zero_share] = 0.0
    return np.stack([np.exp(rng.uniform(0, np.log(1e6), n)), t,
                     rng.uniform(-10, 10, n), rng.uniform(-10, 10, n)], 1)


def main(specs):
    warnings.filterwarnings("ignore")
    out = {}
    for domain in ("moderate", "extended"):
        pts = np.concatenate([sample(domain, n, seed) for d, seed, n in specs if d == domain])
        out[f"{domain}_points"] = pts
        out[f"{domain}_values"] = np.array([reference_normalized(*p) for p in pts])
        print(domain, len(pts), "points", flush=True)
    path = Path(__file__).resolve().parent / "data" / "reference_points.npz"
    np.savez_compressed(path, **out)
    print("wrote", path)


if __name__ == "__main__":
    main([("moderate", 11, 300), ("extended", 12, 300), ("moderate", 21, 1500),
          ("extended", 22, 1000)])
