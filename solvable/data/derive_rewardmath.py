"""Derive ``rewardmath.npz`` (shipped with `solvable.pools`) from the RewardMATH judge files.

Run from the repository root with the folder of the original files as argument::

    python3 solvable/data/derive_rewardmath.py ../shared/data/rewardmath

The originals are the ``results/RewardMATH/*_reward.json`` files of the public repository
``kimsh0507/RewardMATH_official`` (commit cde06ab), released under the MIT license with
"Evaluating Robustness of Reward Models for Mathematical Reasoning" (Kim et al.,
arXiv 2410.01729); ``LICENSE`` beside this script is that repository's license.

What the script keeps, per judge: the 10 scores of each of the 483 MATH problems, in the order
of the problems in ``ArmoRM_reward.json`` (the three OpenAI judges list two problems twice, with
485 entries; the first entry of each problem is kept and the script checks that the duplicates
agree or says how many differ). Candidate 0 of every problem is the only correct solution
(``human_to_GPT-4``). Process reward models give a list of step scores per solution; the script
stores four aggregates of it (min, last, product and mean of the steps). Scores are stored as
float32 (integer judges as int8); the script checks that float32 creates no tie that the
original float64 scores did not have, and that the integer judges are integral.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

PRM_AGGREGATES = ("min", "last", "product", "mean")


def _aggregate(steps: list[float], how: str) -> float:
    s = np.asarray(steps, dtype=np.float64)
    return {"min": s.min(), "last": s[-1], "product": np.prod(s), "mean": s.mean()}[how]


def _ties(x: np.ndarray) -> int:
    """Number of equal adjacent pairs after sorting each row."""
    s = np.sort(x, axis=1)
    return int(np.sum(s[:, 1:] == s[:, :-1]))


def derive(src: Path, out: Path) -> dict:
    files = sorted(src.glob("*_reward.json"))
    order = [e["problem"] for e in json.loads((src / "ArmoRM_reward.json").read_text())]
    index = {p: i for i, p in enumerate(order)}
    arrays: dict[str, np.ndarray] = {}
    report = {}
    for f in files:
        judge = f.name[: -len("_reward.json")]
        entries = json.loads(f.read_text())
        rows: list = [None] * len(order)
        differing = 0
        for e in entries:
            i = index[e["problem"]]
            if e["solution_reference"][0] != "human_to_GPT-4":
                raise ValueError(f"{f.name}: candidate 0 is not the correct solution")
            if rows[i] is None:
                rows[i] = e["score"]
            elif rows[i] != e["score"]:
                differing += 1
        if any(r is None for r in rows):
            raise ValueError(f"{f.name}: some problems are missing")
        kind = "process" if isinstance(rows[0][0], list) else (
            "integer" if all(isinstance(v, int) for r in rows for v in r) else "float")
        report[judge] = {"kind": kind, "entries": len(entries), "differing_duplicates": differing}
        if kind == "process":
            for how in PRM_AGGREGATES:
                full = np.array([[_aggregate(s, how) for s in r] for r in rows])
                small = full.astype(np.float32)
                if _ties(small) != _ties(full):
                    raise ValueError(f"{judge}/{how}: float32 storage creates ties")
                arrays[f"{judge}/{how}"] = small
        else:
            full = np.array(rows, dtype=np.float64)
            small = full.astype(np.int8 if kind == "integer" else np.float32)
            if not np.array_equal(small.astype(np.float64), full) and _ties(small) != _ties(full):
                raise ValueError(f"{judge}: storage creates ties")
            report[judge]["float32_exact"] = bool(np.array_equal(small.astype(np.float64), full))
            arrays[judge] = small
    np.savez_compressed(out, **arrays)
    return report


if __name__ == "__main__":
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/rewardmath")
    out = Path(__file__).resolve().parent / "rewardmath.npz"
    for judge, info in derive(src, out).items():
        print(judge, info)
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")
