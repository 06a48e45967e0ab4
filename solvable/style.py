"""Shared look and output format of the figures: `solvable.figures`, `PoolFit.plot`, notebooks.

One palette (Okabe–Ito, safe for the common forms of colour blindness), one set of
matplotlib rc parameters, one marker/line convention per *kind* of curve:

* ``simulation``  — markers with error bars (Monte Carlo of the finite model),
* ``exact``       — solid line (exact deterministic equivalent, "exact DE"),
* ``expansion``   — dashed line (high-temperature or extreme-value expansion),
* ``bound``       — dotted line (a proven upper or lower bound),
* ``optimum``     — star markers (exact optima),
* ``data``        — square markers joined by thin lines (exact curves of real data, with
  ±1 standard error over questions).

Every figure function returns a `FigureOutput`: the matplotlib figure, the plotted data as
equal-length columns (written as CSV) and the parameters (written to the manifest).
The module does not choose a backend: `paper_repro.py` selects Agg (headless), a notebook
keeps its inline backend, and matplotlib falls back to Agg without a display.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Iterable, Mapping, Optional

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "OKABE_ITO",
    "SIZES",
    "FigureOutput",
    "color",
    "rc",
    "figure",
    "size_note",
    "check_size",
    "KIND_STYLE",
]

# Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable under
# protanopia, deuteranopia and tritanopia.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "skyblue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
_CYCLE = ["blue", "vermillion", "green", "orange", "purple", "skyblue", "black"]

SIZES = ("tiny", "quick", "full")
"""Monte Carlo / grid sizes: ``tiny`` (tests, seconds), ``quick`` (all figures ≤ 5 min on a
2-core CPU), ``full`` (the papers' sizes; GPU recommended, runs on CPU)."""

KIND_STYLE = {
    "simulation": dict(linestyle="none", marker="o", markersize=3.5, capsize=1.5,
                       elinewidth=0.8),
    "exact": dict(linestyle="-", linewidth=1.6),
    "expansion": dict(linestyle="--", linewidth=1.4),
    "bound": dict(linestyle=":", linewidth=1.8),
    "optimum": dict(linestyle="none", marker="*", markersize=9),
    "data": dict(linestyle="-", linewidth=1.0, marker="s", markersize=3.0, capsize=1.5,
                 elinewidth=0.8),
}


def color(i) -> str:
    """The i-th colour of the cycle (an int), or an Okabe–Ito colour by name."""
    if isinstance(i, str):
        return OKABE_ITO[i]
    return OKABE_ITO[_CYCLE[int(i) % len(_CYCLE)]]


def rc() -> Dict[str, Any]:
    """The rc parameters every figure is drawn under."""
    return {
        "figure.dpi": 110,
        "savefig.dpi": 160,
        "savefig.bbox": "tight",
        "font.size": 9.5,
        "axes.titlesize": 10,
        "axes.labelsize": 10,
        "legend.fontsize": 8,
        "legend.frameon": False,
        "xtick.labelsize": 8.5,
        "ytick.labelsize": 8.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.25,
        "grid.linewidth": 0.6,
        "lines.linewidth": 1.5,
        "axes.prop_cycle": matplotlib.cycler(color=[color(i) for i in range(len(_CYCLE))]),
        "mathtext.fontset": "dejavusans",
        "pdf.fonttype": 42,
    }


def figure(ncols: int = 1, nrows: int = 1, *, width: float = 3.6, height: float = 3.0,
           **kwargs):
    """A new figure with the project style: ``(fig, axes)`` as `plt.subplots` returns them."""
    with plt.rc_context(rc()):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows),
                                 layout="constrained", **kwargs)
    return fig, axes


def styled(func):
    """Decorator: run a figure function under the project's rc parameters."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with plt.rc_context(rc()):
            return func(*args, **kwargs)

    return wrapper


def check_size(size: str) -> str:
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    return size


def size_note(fig, text: str) -> None:
    """Write the Monte Carlo / grid sizes in small grey type below the axes (the layout keeps
    a strip free for it)."""
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0, 0.045, 1, 0.955))
    fig.text(0.995, 0.004, text, ha="right", va="bottom", fontsize=6.5, color="#555555")


@dataclasses.dataclass
class FigureOutput:
    """What a figure function returns: the figure, its data, its parameters and a note.

    ``paper_repro.py`` writes ``figure`` to PNG and PDF, ``columns`` to CSV and ``params`` and
    ``notes`` to the manifest.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The drawn figure.
    columns : dict of str to 1-D array
        The plotted data as named, equal-length 1-D columns (one row per plotted point, long
        format; missing entries are NaN). Checked on construction.
    params : dict
        Problem parameters, sizes and seed (JSON-serialisable).
    notes : str, default ""
        A one-line summary with the key number the figure shows.

    Returns
    -------
    FigureOutput
        The record; a `ValueError` names a column that is not 1-D or of another length.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from solvable.figures import FigureOutput
    >>> fig, ax = plt.subplots()
    >>> out = FigureOutput(fig, {"k": [1, 2, 4], "delta": [1.0, 0.9, 0.95]}, {"seed": 0})
    >>> out.columns["delta"].shape
    (3,)
    >>> FigureOutput(fig, {"k": [1, 2], "delta": [1.0]}, {})
    Traceback (most recent call last):
    ...
    ValueError: columns have different lengths: {'k': 2, 'delta': 1}
    >>> plt.close(fig)
    """

    figure: Any
    columns: Dict[str, np.ndarray]
    params: Dict[str, Any]
    notes: str = ""

    def __post_init__(self):
        cols = {}
        lengths = set()
        for name, col in self.columns.items():
            arr = np.asarray(col)
            if arr.ndim != 1:
                raise ValueError(f"column {name!r} must be 1-D, got shape {arr.shape}")
            lengths.add(arr.shape[0])
            cols[name] = arr
        if len(lengths) > 1:
            raise ValueError(f"columns have different lengths: "
                             f"{ {k: v.shape[0] for k, v in cols.items()} }")
        self.columns = cols


def stack_rows(rows: Iterable[Mapping[str, Any]]) -> Dict[str, np.ndarray]:
    """Turn an iterable of dict rows (possibly with differing keys) into columns (NaN-filled
    for numbers, empty string for text)."""
    rows = list(rows)
    keys: list = []
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(k)
    cols = {}
    for k in keys:
        vals = [r.get(k, None) for r in rows]
        if any(isinstance(v, str) for v in vals):
            cols[k] = np.array(["" if v is None else str(v) for v in vals], dtype=object)
        else:
            cols[k] = np.array([np.nan if v is None else float(v) for v in vals], dtype=float)
    return cols


def long_table(parts: Iterable[Mapping[str, Any]]) -> Dict[str, np.ndarray]:
    """Concatenate column blocks (dicts of equal-length arrays or scalars broadcast to the
    block's length) into one long table."""
    rows = []
    for part in parts:
        n = max(np.size(v) for v in part.values() if not isinstance(v, str))
        for i in range(n):
            row = {}
            for k, v in part.items():
                if isinstance(v, str) or np.ndim(v) == 0:
                    row[k] = v if isinstance(v, str) else float(v)
                else:
                    row[k] = float(np.asarray(v).ravel()[i])
            rows.append(row)
    return stack_rows(rows)


def errorbar(ax, x, y, err, *, label: Optional[str] = None, c=None, **kwargs):
    """Simulation points with ±1 standard-error bars."""
    style = dict(KIND_STYLE["simulation"])
    style.update(kwargs)
    return ax.errorbar(x, y, yerr=err, color=c, label=label, **style)


def line(ax, x, y, kind: str, *, label: Optional[str] = None, c=None, **kwargs):
    """A curve of the given kind (``exact``, ``expansion``, ``bound``, ``optimum``)."""
    style = dict(KIND_STYLE[kind])
    style.update(kwargs)
    return ax.plot(x, y, color=c, label=label, **style)


KIND_LABEL = {
    "simulation": "simulation (±1 s.e.)",
    "exact": "exact DE",
    "expansion": "expansion",
    "bound": "bound",
    "optimum": "exact optimum",
    "data": "data (±1 s.e.)",
}


def color_legend(ax, colors: Mapping[str, str], *, loc="upper right", title=None, **kw):
    """Legend of colours (parameter values): ``colors`` maps label -> colour."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, linewidth=2.5) for c in colors.values()]
    return ax.legend(handles, list(colors), loc=loc, title=title, **kw)


def kind_legend(ax, kinds: Mapping[str, str], *, loc="lower left", **kw):
    """Legend of curve kinds drawn in black: ``kinds`` maps kind -> label."""
    from matplotlib.lines import Line2D

    handles = []
    for kind in kinds:
        st = {k: v for k, v in KIND_STYLE[kind].items() if k not in ("capsize", "elinewidth")}
        handles.append(Line2D([], [], color="black", **st))
    return ax.legend(handles, list(kinds.values()), loc=loc, handlelength=2.4, **kw)


def two_legends(ax, colors: Mapping[str, str], kinds: Mapping[str, str], *,
                loc_colors="upper right", loc_kinds="lower left", title_colors=None):
    """A legend of the colours (parameter values) and a second one of the curve kinds
    (drawn in black): ``colors`` maps label -> colour, ``kinds`` maps kind -> label."""
    first = color_legend(ax, colors, loc=loc_colors, title=title_colors)
    ax.add_artist(first)
    kind_legend(ax, kinds, loc=loc_kinds)
    return first
