#!/usr/bin/env python
"""Regenerate the figures of `solvable` into ``figures/`` (the same as ``solvable figures``).

    python paper_repro.py                 # all figures, quick sizes
    python paper_repro.py --full          # the papers' Monte Carlo sizes (GPU recommended)
    python paper_repro.py --only best_of_k --only phase_diagram --out /tmp/figs
    python paper_repro.py --list
    python paper_repro.py --tiny          # seconds; what the test suite runs

The work is done by `solvable.reproduce` (see its docstring for the files written).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from solvable import reproduce as _reproduce  # noqa: E402
from solvable.reproduce import build_parser, read_csv, run_figure, write_csv  # noqa: E402,F401

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    """``python paper_repro.py [options]``: figures into ``figures/`` beside this script."""
    return _reproduce.main(argv, default_out=HERE / "figures", prog="paper_repro.py")


if __name__ == "__main__":
    sys.exit(main())
