"""The ``solvable`` command line (also ``python3 -m solvable``).

Subcommands:

* ``solvable curves TABLE``: every rule's exact curve on a table of judged samples, the best
  k and T, the optional model fit and the budget split, written as CSV, a figure and one
  self-contained HTML report (`solvable.pools.report`);
* ``solvable figures``: the package's figures with their data and manifest (what
  ``paper_repro.py`` does);
* ``solvable demo``: one screen of the exact theory.

Errors in the input (a missing file or column, a cell that is not a number, a rule the table
cannot support) end the command with one line on stderr and exit status 2; ``--out`` is then
left as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

__all__ = ["main", "parse_ks"]

_RULE_CHOICES = ("pass", "best_of_k", "softmax", "majority", "weighted_vote")


class _UsageError(Exception):
    """Bad command-line usage: one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):           # one line, not argparse's usage block
        raise _UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def parse_ks(text: str, flag: str = "--ks") -> list:
    """Parse a k list: ``"1..16"``, ``"1,2,4,8"`` or both (``"1..8,16,32"``); errors name
    `flag` (the option the text came from).

    Examples
    --------
    >>> parse_ks("1..4,8,16")
    [1, 2, 3, 4, 8, 16]
    """
    out = []
    for part in str(text).split(","):
        part = part.strip()
        try:
            if ".." in part:
                lo, hi = (int(x) for x in part.split(".."))
                if hi < lo:
                    raise ValueError
                out.extend(range(lo, hi + 1))
            else:
                out.append(int(part))
        except ValueError:
            raise ValueError(f"{flag}: cannot read {part!r}; write e.g. 1..16 or 1,2,4,8") \
                from None
    if any(k < 1 for k in out):
        raise ValueError(f"{flag}: k must be >= 1, got {min(out)}")
    return sorted(set(out))


def _floats(name):
    def parse(text):
        try:
            return [float(x) for x in str(text).split(",") if x.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got "
                                             f"{text!r}") from None
    return parse


_CURVES_EXAMPLE = """\
examples:
  solvable curves samples.csv
  solvable curves samples.jsonl --rules best_of_k majority --ks 1..32 --replacement
  solvable curves samples.csv --score-col judge_1 --score-col judge_2 --call-cost 0.5
  solvable curves samples.parquet --temperature 0.1,0.5 --out report/ --json
  solvable curves pilot.csv --forecast 16,64     # a few samples per question

The table has one row per sample (CSV, TSV, JSON lines, a JSON array, Parquet), or one JSON
line per question whose fields are lists. Its columns: the question, the judge's score (one
column per judge call, or a list per cell), 0/1 correctness, and optionally the extracted
answer (for the votes).
"""


def _build_parser() -> _Parser:
    parser = _Parser(prog="solvable", description=textwrap.dedent("""\
        solvable: exact curves of inference-time scaling, from the theory or from a table
        of judged samples."""), formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  solvable curves samples.csv --out report/\n"
               "  solvable figures --only best_of_k\n  solvable demo\n\n"
               "Each command has its own --help.")
    sub = parser.add_subparsers(dest="command", metavar="{curves,figures,demo}",
                                parser_class=_Parser)

    p = sub.add_parser("curves", help="curves, best settings and a report from a table",
                       description="Every rule's exact accuracy curve on a table of judged "
                                   "samples, with standard errors over questions, the best k "
                                   "and T, and an HTML report.",
                       epilog=_CURVES_EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("table", help="the table of samples (.csv, .tsv, .jsonl, .json, .parquet)")
    p.add_argument("--rules", nargs="+", choices=_RULE_CHOICES, metavar="RULE",
                   help=f"rules among {', '.join(_RULE_CHOICES)} (default: all the table "
                        "supports; softmax and weighted_vote need --temperature)")
    p.add_argument("--ks", default=None, metavar="LIST",
                   help="k values, e.g. 1..16 or 1,2,4,8 (default 1..16, at most the "
                        "smallest question's samples without --replacement)")
    p.add_argument("--temperature", type=_floats("--temperature"), default=[],
                   metavar="T[,T...]",
                   help="temperatures in the judge's score units for softmax and "
                        "weighted_vote")
    p.add_argument("--calls", default=None, metavar="LIST",
                   help="judge calls m per candidate for the budget split, e.g. 1..8 "
                        "(tables with several score columns; default all)")
    p.add_argument("--call-cost", type=float, default=1.0, metavar="λ",
                   help="cost of one judge call on one candidate; a sample costs 1 "
                        "(default 1)")
    p.add_argument("--replacement", action="store_true",
                   help="draw with replacement (the table is a fixed set of candidates) "
                        "instead of the unbiased curves of fresh samples")
    p.add_argument("--fit", action="store_true",
                   help="fit the answer model at k <= 3 and extrapolate (tens of seconds)")
    p.add_argument("--forecast", default=None, metavar="LIST",
                   help="forecast every rule to these k from the table as a pilot, e.g. "
                        "16,64 (empirical-Bayes answer model, with intervals)")
    p.add_argument("--out", default="solvable-report", metavar="DIR",
                   help="folder for the CSV files, figure and report.html "
                        "(default solvable-report)")
    p.add_argument("--format", choices=("csv", "tsv", "jsonl", "json", "parquet"),
                   help="the table's format (default: from its suffix)")
    p.add_argument("--question-col", default="question", metavar="NAME")
    p.add_argument("--score-col", action="append", default=None, metavar="NAME",
                   help="score column (default 'score'); repeat for several judge calls")
    p.add_argument("--correct-col", default="correct", metavar="NAME")
    p.add_argument("--answer-col", default="answer", metavar="NAME",
                   help="answer-label column, used where present (default 'answer')")
    p.add_argument("--no-answers", action="store_true", help="ignore the answer column")
    p.add_argument("--mixed-labels", action="store_true",
                   help="allow samples with the same answer label to differ in correctness")
    p.add_argument("--n-boot", type=int, default=400, metavar="N",
                   help="bootstrap resamples for the best settings (default 400)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true",
                   help="print the machine-readable summary on stdout")

    f = sub.add_parser("figures", help="regenerate the package's figures (as paper_repro.py)",
                       add_help=False,
                       description="Regenerate the figures into figures/ with their data and a "
                                   "manifest. Options as paper_repro.py: --list, --only NAME, "
                                   "--tiny/--full, --out DIR, --seed.",
                       epilog="examples:\n  solvable figures --list\n"
                              "  solvable figures --only best_of_k --out /tmp/figs\n")
    f.add_argument("args", nargs=argparse.REMAINDER)

    d = sub.add_parser("demo", help="one screen of the exact theory",
                       description="The exact generalization error δ(k)/σ² of the synthetic "
                                   "setting for a well-specified and a misspecified reward.",
                       epilog="example:\n  solvable demo --t 10 --c 20\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("--t", type=float, default=10.0, help="temperature T/(2σ²) (default 10)")
    d.add_argument("--c", type=float, default=20.0,
                   help="misspecification knob of the bad reward (default 20)")
    d.add_argument("--n", type=float, default=1e4, help="training-set size (default 1e4)")
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0, or 2 for bad input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    if argv[:1] == ["figures"]:         # paper_repro.py's own command line
        from . import reproduce

        return reproduce.main(argv[1:], default_out=Path.cwd() / "figures",
                              prog="solvable figures")
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        if args.command == "demo":
            return _demo(args)
        return _curves(args, argv)
    except _UsageError as err:
        print(err, file=sys.stderr)
        return 2
    except (ValueError, OSError) as err:
        message = " ".join(str(err).split())
        for name, flag in _FLAGS.items():       # the library's argument names as flags
            if message.startswith(name):
                message = flag + message[len(name):]
        message = message.replace("give format=", "give --format")
        print(f"solvable {args.command}: error: {message}", file=sys.stderr)
        return 2


_FLAGS = {"forecast_ks": "--forecast", "ks:": "--ks:", "ks must": "--ks must",
          "temperatures:": "--temperature:", "temperatures must": "--temperature must",
          "rules:": "--rules:", "calls:": "--calls:", "call_cost must": "--call-cost must"}


def _curves(args, argv) -> int:
    import numpy as np
    from tqdm.auto import tqdm

    from .pools.analysis import analyze
    from .pools.curves import Pool
    from .pools.report import FILES, summary, write_report

    table = Path(args.table)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out: {str(out)!r} exists and is not a folder")
    if not args.call_cost > 0:
        raise ValueError(f"--call-cost must be > 0, got {args.call_cost}")
    if args.n_boot < 1:
        raise ValueError(f"--n-boot must be >= 1, got {args.n_boot}")
    ks = parse_ks(args.ks) if args.ks is not None else None
    forecast_ks = parse_ks(args.forecast, "--forecast") if args.forecast is not None else None
    calls = parse_ks(args.calls, "--calls") if args.calls is not None else None
    bar = tqdm(total=1, disable=True if args.quiet else None, file=sys.stderr, unit="step",
               leave=False)
    try:
        bar.set_description_str(f"reading {table}")
        pool = Pool.from_table(table, question=args.question_col,
                               score=args.score_col or "score", correct=args.correct_col,
                               answer=None if args.no_answers else args.answer_col,
                               format=args.format, mixed_labels=args.mixed_labels)

        if calls is not None and (pool.calls is None or int(pool.num_calls.min()) < 2):
            raise ValueError("--calls needs two or more score columns (judge calls) that score "
                             f"every sample; table {str(table)!r} has "
                             f"{'one' if pool.calls is None else 'too few on some questions'}")

        def progress(text, step, steps):
            bar.total = steps + 1               # the report is the last step
            bar.n = step
            bar.set_description_str(text)
            bar.refresh()

        try:
            result = analyze(pool, rules=args.rules,
                             ks=None if ks is None else np.asarray(ks),
                             temperatures=args.temperature, replacement=args.replacement,
                             calls=calls, call_cost=args.call_cost, fit_model=args.fit,
                             forecast_ks=forecast_ks, n_boot=args.n_boot, seed=args.seed,
                             progress=progress)
        except ValueError as err:
            raise ValueError(f"{err} (table {str(table)!r})") from None
        command = "solvable " + " ".join(shlex.quote(a) for a in argv)
        steps = bar.total or 1
        progress("writing the report", steps - 1, steps - 1)
        out.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".solvable-", dir=out.parent))
        try:
            files = write_report(result, scratch, source=str(table), command=command)
            out.mkdir(exist_ok=True)
            for name in FILES:          # an earlier report's files that this one lacks
                if (out / name).is_file() and not (scratch / name).exists():
                    (out / name).unlink()
            for f in sorted(files, key=lambda f: f.name == "report.html"):   # the page last
                os.replace(f, out / f.name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    finally:
        bar.close()
    if args.json:
        print(json.dumps(summary(result, source=str(table), command=command), indent=1))
    elif not args.quiet:
        print(f"{pool}: report in {out / 'report.html'}")
        for rule, b in result.best.items():
            t = f", T = {b.temperature:g}" if rule in ("softmax", "weighted_vote") else ""
            print(f"  {rule:14s} best k = {b.k}{t}: accuracy {b.mean:.4f} ± {b.stderr:.4f} "
                  f"(bootstrap share {b.bootstrap_share:.2f})")
    return 0


def _demo(args) -> int:
    """δ(k)/σ² of `solvable.paper_problem` at T/(2σ²) = t, c = 0 and c (docs/theory.md §1)."""
    import numpy as np

    from .average import generalization_error
    from .problem import KnobReward, paper_problem

    problem = paper_problem(n=args.n)
    sigma = float(problem.sigma)
    temperature = 2 * sigma**2 * args.t
    shown = np.array([1, 2, 4, 8, 16, 32, 64, 128, 200])
    ks = np.unique(np.concatenate([np.round(np.geomspace(1, 200, 40)), shown]))
    rows = {c: np.asarray(generalization_error(problem, KnobReward(c), ks, temperature))
            / sigma**2 for c in (0.0, args.c)}
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
    return 0
