"""An `Analysis` written out: CSV tables, a figure (PNG and PDF) and one HTML page.

`write_report` writes into a folder

=================  ===========================================================================
``curves.csv``     rule, temperature, k, mean, stderr, exact, mc_stderr (one row per point)
``best.csv``       each rule's best (k, T), accuracy, standard error, bootstrap share
``fit.csv``        the fitted answer model's curves beside the data (with ``--fit``)
``split.csv``      the best (rule, k, calls) per budget (tables with several judge calls)
``forecast.csv``   each rule forecast to larger k, with its interval (with ``--forecast``)
``curves.png/pdf`` the figure
``report.html``    everything above on one self-contained page: the figures are inlined as
                   PNG data, no script and no network are needed to read it
``summary.json``   the machine-readable summary
=================  ===========================================================================
"""

from __future__ import annotations

import base64
import csv
import datetime
import html
import io
import json
import math
from pathlib import Path

import matplotlib.ticker
import numpy as np

from .. import style
from .analysis import Analysis, curve_label

__all__ = ["FILES", "write_report", "summary"]

FILES = ("curves.csv", "best.csv", "fit.csv", "forecast.csv", "split.csv", "curves.png",
         "curves.pdf", "report.html", "summary.json")
"""Every file a report may write (a run writes the ones that apply)."""


def _version() -> str:
    import importlib.metadata as md

    try:
        return md.version("solvable")
    except md.PackageNotFoundError:
        return "unknown"


def _number(x, digits=4):
    x = float(x)
    return "—" if math.isnan(x) else f"{x:.{digits}f}"


def _general(x):
    x = float(x)
    return "—" if math.isnan(x) else f"{x:g}"


def curve_rows(result: Analysis) -> list:
    """One dict per (curve, k): rule, temperature, k, mean, stderr, exact, mc_stderr."""
    rows = []
    for c in result.curves:
        for j, k in enumerate(c.k):
            rows.append({"rule": c.rule, "temperature": float(c.temperature), "k": int(k),
                         "mean": float(c.mean[j]), "stderr": float(c.stderr[j]),
                         "exact": bool(c.exact[j]), "mc_stderr": float(c.mc_stderr[j])})
    return rows


def best_rows(result: Analysis) -> list:
    """One dict per rule: its best k and T, accuracy, standard error, bootstrap share."""
    return [{"rule": rule, "k": b.k, "temperature": b.temperature, "mean": b.mean,
             "stderr": b.stderr, "bootstrap_share": b.bootstrap_share,
             "plausible_k": " ".join(str(k) for k, t in b.plausible if t == b.temperature)}
            for rule, b in result.best.items()]


def fit_rows(result: Analysis) -> list:
    """The fitted model's pass@k and best-of-k beside the data's, per k (empty without fit)."""
    if result.fit is None:
        return []
    rows = []
    for rule in ("pass", "best_of_k"):
        data = next((c for c in result.curves if c.rule == rule), None)
        pred = result.fit.predict(rule, result.ks)
        for j, k in enumerate(result.ks):
            rows.append({"rule": rule, "k": int(k), "model": float(pred[j]),
                         "data": float(data.mean[j]) if data is not None else float("nan"),
                         "data_stderr": float(data.stderr[j]) if data is not None
                         else float("nan"),
                         "fitted": bool(k in result.fit.ks)})
    return rows


def forecast_rows(result: Analysis) -> list:
    """The forecast of each rule at each k, with its interval (empty without a forecast)."""
    f = result.forecast
    if f is None:
        return []
    return [{"rule": rule, "k": int(k), "forecast": float(f.point[i, j]),
             "lower": float(f.lower[i, j]), "upper": float(f.upper[i, j]),
             "mc_stderr": float(f.mc_stderr[i, j])}
            for i, rule in enumerate(f.rules) for j, k in enumerate(f.k)]


def split_rows(result: Analysis) -> list:
    """The best setting per budget (empty without several calls per sample)."""
    s = result.split
    if s is None:
        return []
    return [{"budget": float(s.budget[i]), "rule": s.rule[i], "k": float(s.k[i]),
             "calls": float(s.calls[i]), "mean": float(s.mean[i]),
             "stderr": float(s.stderr[i]), "vote_mean": float(s.vote_mean[i]),
             "advantage": float(s.advantage[i]),
             "advantage_stderr": float(s.advantage_stderr[i])}
            for i in range(s.budget.size)]


def summary(result: Analysis, *, source: str = "", command: str = "") -> dict:
    """The machine-readable summary (what ``--json`` prints)."""
    pool = result.pool

    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v

    return {
        "source": source,
        "command": command,
        "solvable_version": _version(),
        "questions": int(pool.num_questions),
        "samples_per_question": [int(pool.n.min()), int(pool.n.max())],
        "answer_labels": pool.answers is not None,
        "calls_per_sample": (None if pool.calls is None
                             else [int(pool.num_calls.min()), int(pool.num_calls.max())]),
        "replacement": result.replacement,
        "best": [{k: clean(v) for k, v in row.items()} for row in best_rows(result)],
        "curves": [{k: clean(v) for k, v in row.items()} for row in curve_rows(result)],
        "fit": result.fit_note,
        "split": [{k: clean(v) for k, v in row.items()} for row in split_rows(result)],
        "forecast": [{k: clean(v) for k, v in row.items()} for row in forecast_rows(result)],
        "crossover_budget": (None if result.split is None
                             or not math.isfinite(result.split.crossover)
                             else float(result.split.crossover)),
    }


def _write_csv(path: Path, rows: list, header: tuple) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(header))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (repr(v) if isinstance(v, float) else v)
                             for k, v in row.items()})


@style.styled
def figure(result: Analysis):
    """The report's figure: every curve against k (and the budget split where there is one).

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = 2 if result.split is not None else 1
    fig, axes = style.figure(panels, 1, width=4.4, height=3.3)
    axes = np.atleast_1d(axes)
    ax = axes[0]
    colors = {}
    for i, c in enumerate(result.curves):
        label = curve_label(c)
        colors[label] = style.color(i)
        ax.errorbar(c.k, c.mean, yerr=c.stderr, color=colors[label], **style.KIND_STYLE["data"])
    kinds = {"data": "data: exact over draws (±1 s.e.)"}
    if result.fit is not None:
        for i, c in enumerate(result.curves):
            if c.rule in ("pass", "best_of_k"):
                style.line(ax, result.ks, result.fit.predict(c.rule, result.ks), "expansion",
                           c=style.color(i))
        kinds["expansion"] = "answer-model fit (k ≤ 3), extrapolated"
    f = result.forecast
    if f is not None:
        for i, c in enumerate(result.curves):
            if c.rule in f.rules and (c.rule not in ("softmax", "weighted_vote")
                                      or c.temperature == f.temperature):
                r = f.rules.index(c.rule)
                ax.fill_between(f.k, f.lower[r], f.upper[r], color=style.color(i), alpha=0.18,
                                linewidth=0)
                style.line(ax, f.k, f.point[r], "bound", c=style.color(i), marker="o",
                           markersize=3)
        kinds["bound"] = f"forecast from this table (band: {round(100 * f.level)}% interval)"
    ax.set_xlabel("k (answers drawn per question)")
    ax.set_ylabel("accuracy (fraction of questions)")
    k_all = np.concatenate([result.ks, f.k]) if f is not None else result.ks
    if k_all.max() / k_all.min() >= 8:
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_ylim(max(0.0, ax.get_ylim()[0]), min(1.0, ax.get_ylim()[1]))
    from matplotlib.lines import Line2D

    fig.legend([Line2D([], [], color=c, linewidth=2.5) for c in colors.values()], list(colors),
               loc="outside lower center", ncols=min(3, len(colors)))
    style.kind_legend(ax, kinds, loc="upper left")
    ax.set_title("accuracy against k")
    if result.split is not None:
        ax = axes[1]
        s = result.split
        ok = np.isfinite(s.mean)
        ax.errorbar(s.budget[ok], s.mean[ok], yerr=s.stderr[ok], color=style.color(1),
                    label="best judge setting (rule, k, calls)", **style.KIND_STYLE["data"])
        if np.any(np.isfinite(s.vote_mean)):
            vote = np.isfinite(s.vote_mean)
            ax.plot(s.budget[vote], s.vote_mean[vote], color=style.color(2),
                    label="best plurality vote", **{k: v for k, v in style.KIND_STYLE["data"]
                                                    .items() if k not in ("capsize",
                                                                          "elinewidth")})
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("budget (compute, in samples)")
        ax.set_ylabel("accuracy (fraction of questions)")
        ax.set_title("generate or verify: data, exact")
        ax.legend(loc="lower right")
    return fig


def _table(rows: list, columns: list) -> str:
    """An HTML table: columns are (key, heading, formatter)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in columns)
    body = []
    for row in rows:
        cells = "".join(f"<td>{html.escape(fmt(row[key]) if fmt else str(row[key]))}</td>"
                        for key, _, fmt in columns)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2rem 0.7rem; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
code, pre { background: #f6f6f6; padding: 0.1rem 0.3rem; font-size: 0.85rem; }
pre { padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; }
img { max-width: 100%; border: 1px solid #eee; }
.note { color: #555; font-size: 0.9rem; }
"""


def _html(result: Analysis, png: bytes, source: str, command: str) -> str:
    pool = result.pool
    pct = lambda v: _number(v, 4)           # noqa: E731
    facts = [("table", source), ("questions", str(pool.num_questions)),
             ("samples per question", f"{int(pool.n.min())}–{int(pool.n.max())}"),
             ("answer labels", "yes" if pool.answers is not None else "no"),
             ("judge calls per sample", "1" if pool.calls is None else
              f"{int(pool.num_calls.min())}–{int(pool.num_calls.max())}"),
             ("draws", "with replacement (the table's empirical law)" if result.replacement
              else "without replacement (unbiased for fresh samples of the same model)")]
    parts = [
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>solvable report: {html.escape(source)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>solvable report: {html.escape(Path(source).name or source)}</h1>",
        "<table class='facts'><tbody>" + "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
        + "</tbody></table>",
        "<h2>Best setting of each rule</h2>",
        "<p class='note'>The k (and temperature T, in the judge's score units) of highest mean "
        "accuracy; the share of bootstrap resamples of the questions that pick it; and the k "
        "the data cannot tell apart from it (within 1.96 paired standard errors).</p>",
        _table(best_rows(result), [("rule", "rule", None), ("k", "best k", str),
                                   ("temperature", "T", lambda t: f"{t:g}"),
                                   ("mean", "accuracy", pct), ("stderr", "s.e.", pct),
                                   ("bootstrap_share", "bootstrap share",
                                    lambda v: f"{v:.2f}"),
                                   ("plausible_k", "plausible k", None)]),
        "<h2>Accuracy against k</h2>",
        f"<img alt='accuracy of each rule against k' src='data:image/png;base64,"
        f"{base64.b64encode(png).decode()}'>",
        "<p class='note'>Each point is the exact expected accuracy of the rule for a fresh "
        "draw of k answers per question, averaged over questions; error bars are ±1 standard "
        "error over questions. Points marked * are Monte Carlo estimates (their error is "
        "included).</p>",
    ]
    columns = [("k", "k", str)]
    wide = {int(k): {"k": int(k)} for k in result.ks}
    for i, c in enumerate(result.curves):
        key = f"c{i}"
        for j, k in enumerate(c.k):
            mark = "" if c.exact[j] else "*"
            wide[int(k)][key] = f"{c.mean[j]:.4f} ± {c.stderr[j]:.4f}{mark}"
        columns.append((key, curve_label(c), None))
    parts.append(_table(list(wide.values()), columns))
    parts.append("<h2>Answer-model fit</h2>")
    parts.append(f"<p class='note'>{html.escape(result.fit_note)}.</p>")
    if result.fit is not None:
        p = result.fit.params
        parts.append(_table([{"name": n, "value": getattr(p, n),
                              "se": result.fit.stderr.get(n, float("nan"))}
                             for n in ("width", "spread", "misalignment", "judge_noise")],
                            [("name", "parameter", None), ("value", "value", pct),
                             ("se", "s.e.", pct)]))
        parts.append(_table(fit_rows(result),
                            [("rule", "rule", None), ("k", "k", str), ("data", "data", pct),
                             ("data_stderr", "s.e.", pct), ("model", "model", pct),
                             ("fitted", "fitted at this k", lambda v: "yes" if v else "")]))
    parts.append("<h2>Forecast</h2>")
    parts.append(f"<p class='note'>{html.escape(result.forecast_note)}.</p>")
    if result.forecast is not None:
        parts.append(_table(forecast_rows(result),
                            [("rule", "rule", None), ("k", "k", str),
                             ("forecast", "forecast", pct), ("lower", "lower", pct),
                             ("upper", "upper", pct)]))
    parts.append("<h2>Generate or verify</h2>")
    parts.append(f"<p class='note'>{html.escape(result.split_note)}.</p>")
    if result.split is not None:
        cross = result.split.crossover
        if pool.answers is None:
            verdict = "Without answer labels there is no plurality vote to compare with."
        elif math.isfinite(cross):
            verdict = (f"From a budget of {cross:g} samples on, the best judge setting beats "
                       "the best plurality vote.")
        else:
            verdict = ("No budget on this grid from which the best judge setting beats the "
                       "best plurality vote at every larger budget.")
        parts.append(f"<p>{verdict} A dash: nothing is affordable at that budget.</p>")
        columns = [("budget", "budget", _general), ("rule", "rule", lambda v: v or "—"),
                   ("k", "k", _general), ("calls", "calls m", _general),
                   ("mean", "accuracy", pct), ("stderr", "s.e.", pct)]
        if pool.answers is not None:
            columns += [("vote_mean", "best vote", pct), ("advantage", "judge − vote", pct),
                        ("advantage_stderr", "s.e.", pct)]
        parts.append(_table(split_rows(result), columns))
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    parts += ["<h2>How this was made</h2>",
              f"<pre>{html.escape(command)}</pre>",
              f"<p class='note'>solvable {html.escape(_version())}, {now}. The tables are "
              "also in this folder as CSV (curves.csv, best.csv, fit.csv, forecast.csv, split.csv) and "
              "summary.json.</p>",
              "</body></html>"]
    return "\n".join(parts) + "\n"


def write_report(result: Analysis, out, *, source: str = "", command: str = "") -> list:
    """Write the report's files into the folder `out` (created if missing).

    Parameters
    ----------
    result : Analysis
    out : str or path
    source : str
        The table's name, shown in the report.
    command : str
        The command line that made it, shown in the report.

    Returns
    -------
    list of Path
        The files written.
    """
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    _write_csv(out / "curves.csv", curve_rows(result),
               ("rule", "temperature", "k", "mean", "stderr", "exact", "mc_stderr"))
    _write_csv(out / "best.csv", best_rows(result),
               ("rule", "k", "temperature", "mean", "stderr", "bootstrap_share", "plausible_k"))
    written += [out / "curves.csv", out / "best.csv"]
    if result.fit is not None:
        _write_csv(out / "fit.csv", fit_rows(result),
                   ("rule", "k", "model", "data", "data_stderr", "fitted"))
        written.append(out / "fit.csv")
    if result.forecast is not None:
        _write_csv(out / "forecast.csv", forecast_rows(result),
                   ("rule", "k", "forecast", "lower", "upper", "mc_stderr"))
        written.append(out / "forecast.csv")
    if result.split is not None:
        _write_csv(out / "split.csv", split_rows(result),
                   ("budget", "rule", "k", "calls", "mean", "stderr", "vote_mean", "advantage",
                    "advantage_stderr"))
        written.append(out / "split.csv")
    fig = figure(result)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches="tight",
                dpi=140)
    png = buffer.getvalue()
    (out / "curves.png").write_bytes(png)
    fig.savefig(out / "curves.pdf", metadata={"CreationDate": None}, bbox_inches="tight")
    plt.close(fig)
    (out / "report.html").write_text(_html(result, png, source, command), encoding="utf-8")
    (out / "summary.json").write_text(json.dumps(summary(result, source=source,
                                                         command=command), indent=1) + "\n")
    written += [out / "curves.png", out / "curves.pdf", out / "report.html",
                out / "summary.json"]
    return written
