"""Regenerate the figures of `solvable` into ``figures/`` (``paper_repro.py``, ``solvable figures``).

    python paper_repro.py                 # all figures, quick sizes (≤ 5 min on a 2-core CPU)
    python paper_repro.py --full          # the papers' Monte Carlo sizes (GPU recommended)
    python paper_repro.py --only best_of_k --only phase_diagram --out /tmp/figs
    python paper_repro.py --list
    python paper_repro.py --tiny          # seconds; what the test suite runs

Each figure is a function of `solvable.figures`; this module only orchestrates: it calls the
function, writes ``<out>/<name>.png``, ``.pdf`` and ``.csv`` (the plotted data) and records
parameters, seed, sizes, package versions, runtime and device in ``<out>/manifest.json``
(entries of figures not rerun are kept).

The figures reproduce and extend the synthetic experiments of Halder & Pehlevan,
"Demystifying LLM-as-a-Judge: Analytically Tractable Model for Inference-Time Scaling"
(arXiv 2512.19905) and the SMC theory of Zhu & Lu, "On the Power of (Approximate) Reward
Models for Inference-Time Scaling: Sequential Monte Carlo and Beyond" (arXiv 2602.01381).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]   # the checkout, for its git commit


def _versions() -> dict:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("solvable", "jax", "jaxlib", "numpy", "scipy", "matplotlib"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    try:
        out["git_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        out["git_commit"] = None
    return out


def _device() -> dict:
    import jax

    dev = jax.devices()[0]
    return {
        "platform": dev.platform,
        "device_kind": getattr(dev, "device_kind", str(dev)),
        "device_count": jax.device_count(),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
    }


def _json_ready(obj):
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if np.isfinite(v) else str(v)
    if isinstance(obj, np.ndarray) or hasattr(obj, "__array__"):
        return _json_ready(np.asarray(obj).tolist())
    return obj


def write_csv(path: Path, columns: dict) -> None:
    """Write equal-length columns as CSV (floats with 17 significant digits: lossless)."""
    import numpy as np

    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i in range(n):
            row = []
            for name in names:
                v = columns[name][i]
                if isinstance(v, (str, bytes)):
                    row.append(v)
                else:
                    v = float(v)
                    row.append("nan" if np.isnan(v) else repr(v))
            w.writerow(row)


def read_csv(path) -> dict:
    """Read a CSV written by `write_csv` back into columns (floats where possible)."""
    import numpy as np

    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    names, body = rows[0], rows[1:]
    cols = {}
    for j, name in enumerate(names):
        vals = [r[j] for r in body]
        try:
            cols[name] = np.array([float(v) for v in vals])
        except ValueError:
            cols[name] = np.array(vals, dtype=object)
    return cols


def _load_manifest(path: Path) -> dict:
    if path.exists():
        try:
            data = json.loads(path.read_text())
            if isinstance(data, dict) and isinstance(data.get("figures"), dict):
                return data
        except json.JSONDecodeError:
            pass
    return {"figures": {}}


def run_figure(name: str, func, out: Path, size: str, seed: int) -> dict:
    """Make one figure, write its files and return its manifest entry."""
    import matplotlib.pyplot as plt

    start = time.perf_counter()
    result = func(size=size, seed=seed)
    runtime = time.perf_counter() - start
    files = {}
    for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None})):
        path = out / f"{name}.{ext}"
        result.figure.savefig(path, metadata=meta)
        files[ext] = path.name
    plt.close(result.figure)
    write_csv(out / f"{name}.csv", result.columns)
    files["csv"] = f"{name}.csv"
    return {
        "title": (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else name,
        "function": f"solvable.figures.{func.__name__}",
        "size": size,
        "seed": seed,
        "params": result.params,
        "notes": result.notes,
        "runtime_s": round(runtime, 3),
        "files": files,
        "rows": int(len(next(iter(result.columns.values())))) if result.columns else 0,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def build_parser(default_out="figures", prog=None) -> argparse.ArgumentParser:
    """The command line of ``paper_repro.py`` (and ``solvable figures``)."""
    name = prog or "paper_repro.py"
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=f"examples:\n  {name}                      # every figure, "
                                       f"quick sizes\n  {name} --list\n  {name} --only "
                                       f"best_of_k --out /tmp/figs\n")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--full", action="store_const", const="full", dest="size",
                   help="the papers' Monte Carlo sizes (GPU recommended; runs on CPU)")
    g.add_argument("--tiny", action="store_const", const="tiny", dest="size",
                   help="smallest sizes, seconds per figure (used by the tests)")
    g.add_argument("--size", choices=("tiny", "quick", "full"), dest="size",
                   help="size preset (default: quick)")
    p.add_argument("--only", action="append", metavar="NAME", default=None,
                   help="make only this figure (repeatable); see --list")
    p.add_argument("--out", default=str(default_out), metavar="DIR",
                   help="output directory (default: figures/)")
    p.add_argument("--seed", type=int, default=0, help="base random seed (default 0)")
    p.add_argument("--list", action="store_true", help="list the figures and exit")
    p.set_defaults(size="quick")
    return p


def main(argv=None, *, default_out="figures", prog=None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser(default_out, prog).parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    from .figures import FIGURES

    if args.list:
        for name, func in FIGURES.items():
            doc = (func.__doc__ or "").strip().splitlines()
            print(f"{name:24s} {doc[0] if doc else ''}")
        return 0
    names = list(FIGURES) if not args.only else args.only
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        print(f"unknown figure(s): {', '.join(unknown)}; choose from {', '.join(FIGURES)}",
              file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    manifest = _load_manifest(manifest_path)
    manifest["versions"] = _versions()
    manifest["device"] = _device()
    total = time.perf_counter()
    for i, name in enumerate(names, 1):
        print(f"[{i}/{len(names)}] {name} ({args.size}) ...", flush=True)
        entry = run_figure(name, FIGURES[name], out, args.size, args.seed)
        entry["versions"] = manifest["versions"]
        entry["device"] = manifest["device"]
        manifest["figures"][name] = _json_ready(entry)
        manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n")
        print(f"[{i}/{len(names)}] {name}: {entry['runtime_s']:.1f} s  {entry['notes']}",
              flush=True)
    print(f"done: {len(names)} figure(s) in {time.perf_counter() - total:.1f} s -> {out}",
          flush=True)
    return 0
