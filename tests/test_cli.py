"""The ``solvable`` command line and its report, run as a user runs them.

* A subprocess (``python3 -m solvable curves``) on the shipped RewardMATH data written as a
  CSV table: the written numbers against `pools.selection_curve` and `pools.best_k` on the same
  pool, the HTML report parsed (every figure an inline, decodable PNG; every rule and k in its
  tables), and, where a headless Chromium is installed, the report rendered with no broken
  image.
* The readers behind ``Pool.from_table``: tidy CSV / TSV / JSON lines, nested JSON lines (one
  line per question, lists per sample, lists of calls), Parquet, and the message where no
  Parquet engine is installed.
* Every bad input of the issue: one line on stderr naming the file, line and column where it
  applies, exit status 2, and no output folder left behind (in-process through ``cli.main``,
  the same code path as the console script, plus one case as a subprocess).
"""

from __future__ import annotations

import base64
import csv
import html.parser
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solvable import cli, pools

ROOT = Path(__file__).resolve().parents[1]


def _write_csv(path: Path, columns: dict) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(zip(*[["" if v is None else v for v in col]
                               for col in columns.values()]))
    return path


def _run(*args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "solvable", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


class _Report(html.parser.HTMLParser):
    """Images and table cells of a report."""

    def __init__(self):
        super().__init__()
        self.images, self.rows, self.scripts = [], [], 0
        self._row, self._cell = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "script":
            self.scripts += 1
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None


def _parse(path: Path) -> _Report:
    report = _Report()
    report.feed(path.read_text(encoding="utf-8"))
    return report


@pytest.fixture(scope="session")
def rewardmath_run(tmp_path_factory):
    """``solvable curves`` on one RewardMATH judge, as a subprocess (once per process)."""
    tmp = tmp_path_factory.mktemp("cli")
    pool = pools.rewardmath("internlm2")
    table = _write_csv(tmp / "rewardmath.csv", pool.to_columns())
    proc = _run("curves", str(table), "--replacement", "--ks", "1..12", "--temperature", "0.5",
                "--rules", "pass", "best_of_k", "softmax", "--n-boot", "200",
                "--out", "report", "--json", cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    return pool, tmp / "report", json.loads(proc.stdout)


def test_written_curves_are_the_library_s(rewardmath_run):
    pool, out, summary = rewardmath_run
    with (out / "curves.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    ks = np.arange(1, 13)
    for rule, t in (("pass", 0.0), ("best_of_k", 0.0), ("softmax", 0.5)):
        want = pools.selection_curve(pool, rule, ks, temperature=t, replacement=True)
        got = [r for r in rows if r["rule"] == rule]
        assert [int(r["k"]) for r in got] == ks.tolist()
        np.testing.assert_allclose([float(r["mean"]) for r in got], want.mean, rtol=1e-12)
        np.testing.assert_allclose([float(r["stderr"]) for r in got], want.stderr, rtol=1e-9,
                                   atol=1e-15)
    best = pools.best_k(pool, "softmax", ks, temperatures=(0.5,), replacement=True,
                        n_boot=200)
    row = next(r for r in summary["best"] if r["rule"] == "softmax")
    assert (row["k"], row["mean"], row["bootstrap_share"]) == (best.k, best.mean,
                                                               best.bootstrap_share)
    assert summary["questions"] == 483 and summary["samples_per_question"] == [10, 10]


def test_report_holds_every_figure_and_row(rewardmath_run):
    _, out, summary = rewardmath_run
    for name in ("curves.png", "curves.pdf", "best.csv", "summary.json"):
        assert (out / name).stat().st_size > 0, name
    report = _parse(out / "report.html")
    assert report.scripts == 0                       # opens without JavaScript
    assert len(report.images) == 1
    for img in report.images:
        src = img["src"]
        assert src.startswith("data:image/png;base64,")      # inline: no file or network
        data = base64.b64decode(src.split(",", 1)[1])
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        assert img.get("alt")
    cells = [row for row in report.rows if row and row[0].isdigit()]
    assert [int(row[0]) for row in cells] == list(range(1, 13))   # every k
    assert all(len(row) == 4 for row in cells)                    # k and three curves
    best_rules = [row[0] for row in report.rows if row and row[0] in ("pass", "best_of_k",
                                                                       "softmax")]
    assert best_rules == ["pass", "best_of_k", "softmax"]
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "solvable curves" in text and "--replacement" in text      # the command
    assert summary["solvable_version"] in text


def test_report_renders_in_chromium(rewardmath_run, tmp_path):
    """Where a headless Chromium is installed: the page loads with no broken image."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no headless Chromium installed (apt-get install chromium)")
    _, out, _ = rewardmath_run
    probe = tmp_path / "probe.html"       # the report plus a probe script (the report has none)
    probe.write_text((out / "report.html").read_text(encoding="utf-8").replace(
        "</body>", "<script>document.body.dataset.broken = Array.from(document.images)"
        ".filter(i => !(i.complete && i.naturalWidth > 0)).length;"
        "document.body.dataset.images = document.images.length;</script></body>"),
        encoding="utf-8")
    dom = _chromium_dom(browser, probe)
    assert 'data-images="1"' in dom and 'data-broken="0"' in dom, dom[-500:]


def _chromium_dom(browser: str, page: Path) -> str:
    """The page's DOM after load, network blocked."""
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000",
                           "--dump-dom", page.as_uri()], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_split_of_a_table_with_several_calls(tmp_path, capsys):
    """Score columns by pattern; split.csv is `pools.allocate` on the same pool."""
    panel = pools.rewardmath_panel(judges=pools.REWARDMATH_JUDGES[:4])
    pool = pools.Pool(panel.calls[:60], panel.correct[:60])
    table = _write_csv(tmp_path / "panel.csv", pool.to_columns())
    assert cli.main(["curves", str(table), "--score-col", "score_*", "--replacement",
                     "--ks", "1..6", "--calls", "1..4", "--call-cost", "0.25", "-q",
                     "--out", str(tmp_path / "out")]) == 0
    with (tmp_path / "out" / "split.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    budgets = [float(r["budget"]) for r in rows]
    want = pools.allocate(pool, budgets, call_cost=0.25, ks=np.arange(1, 7),
                          calls=np.arange(1, 5), replacement=True)
    np.testing.assert_allclose([float(r["mean"]) for r in rows], want.mean, rtol=1e-12)
    assert [r["rule"] for r in rows] == want.rule
    report = _parse(tmp_path / "out" / "report.html")
    assert len(report.images) == 1 and any(row[:1] == ["budget"] for row in report.rows)


def test_help_shows_examples(capsys):
    for args in (["--help"], ["curves", "--help"], ["demo", "--help"], ["figures", "--help"]):
        with pytest.raises(SystemExit) as stop:
            cli.main(args)
        assert stop.value.code == 0
        assert "example" in capsys.readouterr().out, args


def test_figures_lists_the_figures(capsys):
    from solvable.figures import FIGURES

    assert cli.main(["figures", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in FIGURES)


def test_parse_ks():
    assert cli.parse_ks("1..3,8, 16") == [1, 2, 3, 8, 16]
    for bad in ("a", "3..1", "0", "1..x"):
        with pytest.raises(ValueError, match="--ks"):
            cli.parse_ks(bad)


# --- readers -------------------------------------------------------------------------------

ROWS = [("q1", 0.5, 1, "7"), ("q1", 0.9, 0, "8"), ("q2", 0.1, 0, ""), ("q2", 0.3, 1, "2"),
        ("q2", 0.2, 1, "2")]
DIRECT = pools.Pool([[0.5, 0.9], [0.1, 0.3, 0.2]], [[1, 0], [0, 1, 1]], [[7, 8], [-1, 2, 2]])


def _same(pool, direct=DIRECT):
    assert pool.questions == ("q1", "q2")
    for rule in ("best_of_k", "majority"):
        np.testing.assert_array_equal(pools.selection_curve(pool, rule, [1, 2]).per_question,
                                      pools.selection_curve(direct, rule, [1, 2]).per_question)


def test_tsv_nested_jsonl_and_json_array(tmp_path):
    tsv = tmp_path / "pool.tsv"
    tsv.write_text("question\tscore\tcorrect\tanswer\n"
                   + "\n".join("\t".join(map(str, r)) for r in ROWS) + "\n")
    nested = tmp_path / "nested.jsonl"
    nested.write_text('{"question": "q1", "score": [0.5, 0.9], "correct": [1, 0], '
                      '"answer": [7, "8"]}\n{"question": "q2", "score": [0.1, 0.3, 0.2], '
                      '"correct": [false, true, true], "answer": [null, 2, 2.0]}\n')
    array = tmp_path / "pool.json"
    array.write_text(json.dumps([dict(zip(("question", "score", "correct", "answer"), r))
                                 for r in ROWS]))
    for table in (tsv, nested, array):
        _same(pools.Pool.from_table(table))


def test_nested_calls_and_score_columns_agree(tmp_path):
    """Lists of calls per sample, and one column per call, give the same [Q, n, M] pool."""
    calls = np.array([[[0.1, 0.7], [0.4, 0.2], [0.9, 0.3]], [[0.5, 0.5], [0.8, np.nan],
                                                              [0.0, 0.6]]])
    direct = pools.Pool(calls, [[1, 0, 0], [0, 1, 0]])
    nested = tmp_path / "calls.jsonl"
    with nested.open("w") as fh:
        for q in range(2):
            fh.write(json.dumps({"question": f"q{q}", "correct": direct.correct[q].tolist(),
                                 "score": [[v for v in row if not np.isnan(v)]
                                           for row in calls[q]]}) + "\n")
    by_columns = _write_csv(tmp_path / "calls.csv", direct.to_columns())
    for table in (nested, by_columns):
        pool = pools.Pool.from_table(table, score="score*")
        np.testing.assert_array_equal(pool.calls, calls)
        np.testing.assert_array_equal(pool.scores, direct.scores)


def test_parquet(tmp_path, monkeypatch):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow

    path = tmp_path / "pool.parquet"
    pq.write_table(pyarrow.table({k: [r[i] for r in ROWS] for i, k in
                                  enumerate(("question", "score", "correct", "answer"))}), path)
    _same(pools.Pool.from_table(path))
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ValueError, match=r"pool.parquet.*needs pyarrow"):
        pools.Pool.from_table(path)


def test_to_columns_round_trip():
    labelled = pools.Pool([[0.5, 0.2, 0.1]], [[1, 0, 0]], [["x", None, "y"]],
                          questions=["only"])
    back = pools.Pool.from_table(labelled.to_columns())
    np.testing.assert_array_equal(back.scores, labelled.scores)
    np.testing.assert_array_equal(back.answers, labelled.answers)
    assert back.questions == ("only",)


# --- bad input ---------------------------------------------------------------------------------

GOOD = "question,score,correct,answer\n1,0.5,1,7\n1,0.2,0,8\n2,0.4,0,3\n2,0.9,1,4\n"
BAD = [
    # (file name, content or None for a missing file, extra args, fragments of the message)
    ("missing.csv", None, [], ["missing.csv", "no file"]),
    ("score.csv", "question,score,correct\n1,0.5,1\n1,abc,0\n", [],
     ["score.csv", "line 3", "column 'score'", "'abc'"]),
    ("empty.csv", "question,score,correct\n", [], ["empty.csv", "no rows"]),
    ("blank.csv", "", [], ["blank.csv", "empty"]),
    ("column.csv", "question,scor,correct\n1,0.5,1\n", [],
     ["column.csv", "no column 'score'", "did you mean 'scor'"]),
    ("typed.csv", GOOD, ["--correct-col", "correctness"], ["typed.csv", "'correctness'"]),
    ("answers.jsonl", '{"question": 1, "score": 0.5, "correct": 1, "answer": 7}\n'
     '{"question": 1, "score": 0.2, "correct": 0, "answer": [1, 2]}\n', [],
     ["answers.jsonl", "line 2", "column 'answer'"]),
    ("flags.jsonl", '{"question": 1, "score": 0.5, "correct": true, "answer": true}\n', [],
     ["flags.jsonl", "line 1", "column 'answer'"]),
    ("cut.jsonl", '{"question": 1, "score": 0.5, "correct": 1}\n{"question": 1, "sco', [],
     ["cut.jsonl", "line 2", "not valid JSON"]),
    ("ragged.jsonl", '{"question": 1, "score": [0.5, 0.1], "correct": [1, 0, 0]}\n', [],
     ["ragged.jsonl", "line 1", "'score'"]),
    ("fields.csv", "question,score,correct\n1,0.5\n", [], ["fields.csv", "line 2", "fields"]),
    ("vote.csv", "question,score,correct\n1,0.5,1\n1,0.2,0\n", ["--rules", "majority"],
     ["--rules", "'majority'", "answer", "vote.csv"]),
    ("loss.csv", "question,score,correct\n1,0.5,0.3\n1,0.2,0\n", ["--rules", "pass"],
     ["--rules", "'pass'", "0/1", "loss.csv"]),
    ("big_k.csv", GOOD, ["--ks", "1..5"], ["--ks", "k = 5", "big_k.csv"]),
    ("word_k.csv", GOOD, ["--ks", "two"], ["--ks", "'two'"]),
    ("no_t.csv", GOOD, ["--rules", "softmax"], ["--temperature", "softmax"]),
    ("bad_t.csv", GOOD, ["--temperature", "hot"], ["--temperature", "'hot'"]),
    ("table.txt", GOOD, [], ["table.txt", "suffix", "--format"]),
    ("clash.csv", "question,score,correct,answer\nq7,0.5,1,7\nq7,0.2,0,7\n", [],
     ["clash.csv", "'q7'", "same answer label", "--mixed-labels"]),
    ("latin1.csv", None, [], ["latin1.csv", "not UTF-8"]),
    ("no_id.jsonl", '{"question": NaN, "score": 0.5, "correct": 1}\n', [],
     ["no_id.jsonl", "line 1", "column 'question'"]),
    ("calls.csv", GOOD, ["--calls", "1..2"], ["--calls", "calls.csv"]),
]


@pytest.mark.parametrize("name, content, extra, fragments", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_and_leaves_nothing(name, content, extra, fragments, tmp_path,
                                                  capsys):
    table = tmp_path / name
    if name == "latin1.csv":
        table.write_bytes("question,score,correct,answer\n1,0.5,1,café\n".encode("latin-1"))
    elif content is not None:
        table.write_text(content)
    out = tmp_path / "out"
    assert cli.main(["curves", str(table), "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".solvable-")] == []


def test_bad_input_as_a_subprocess(tmp_path):
    (tmp_path / "pool.csv").write_text("question,score,correct\n1,0.5,1\n1,x,0\n")
    proc = _run("curves", "pool.csv", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "solvable curves: error: table 'pool.csv' line 3, column 'score': expected a number, "
        "got 'x'"]
    assert proc.stdout == "" and not (tmp_path / "out").exists()


def test_readers_edge_cases(tmp_path):
    """U+2028 inside a JSON string is not a line break; "NaN" / "None" answers are no answer;
    NaN question ids are refused; array cells are a sample's calls."""
    jsonl = tmp_path / "u2028.jsonl"
    jsonl.write_text(json.dumps({"question": 1, "score": 0.5, "correct": 1,
                                 "answer": "a\u2028b"}, ensure_ascii=False) + "\n"
                     + json.dumps({"question": 1, "score": 0.1, "correct": 0,
                                   "answer": "c"}) + "\r\n", encoding="utf-8")
    pool = pools.Pool.from_table(jsonl)
    assert pool.answer_names == ("a\u2028b", "c") and pool.n.tolist() == [2]
    csv_path = tmp_path / "none.csv"
    csv_path.write_text("question,score,correct,answer\n1,0.5,1,7\n1,0.2,0,NaN\n"
                        "1,0.3,0,None\n1,0.1,0,n/a\n")
    assert pools.Pool.from_table(csv_path).answers.tolist() == [[0, -1, -1, -1]]
    with pytest.raises(ValueError, match="row 2, column 'question'"):
        pools.Pool.from_table({"question": [1.0, float("nan")], "score": [0.1, 0.2],
                               "correct": [1, 0]})
    arrays = {"question": [1, 1], "score": [np.array([0.1, 0.2]), (0.3, 0.4)],
              "correct": [1, 0]}
    assert pools.Pool.from_table(arrays).calls.tolist() == [[[0.1, 0.2], [0.3, 0.4]]]


def test_out_drops_an_earlier_report_s_extra_files(tmp_path):
    """A second run into the same folder leaves no file of the first that it does not write."""
    table = tmp_path / "pool.csv"
    table.write_text("question,s1,s2,correct\n1,0.5,0.4,1\n1,0.2,0.1,0\n2,0.3,0.9,1\n"
                     "2,0.6,0.2,0\n")
    out = tmp_path / "out"
    args = ["curves", str(table), "--out", str(out), "-q", "--n-boot", "10", "--rules", "pass"]
    assert cli.main(args + ["--score-col", "s*"]) == 0
    assert (out / "split.csv").exists()
    assert cli.main(args + ["--score-col", "s1"]) == 0
    assert not (out / "split.csv").exists() and (out / "report.html").exists()


def test_out_keeps_its_other_files_and_refuses_a_file(tmp_path, capsys):
    table = tmp_path / "pool.csv"
    table.write_text(GOOD)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert cli.main(["curves", str(table), "--out", str(out), "-q", "--n-boot", "20"]) == 0
    assert (out / "notes.txt").read_text() == "mine" and (out / "report.html").exists()
    (tmp_path / "file").write_text("")
    assert cli.main(["curves", str(table), "--out", str(tmp_path / "file")]) == 2
    assert "--out" in capsys.readouterr().err


def test_demo_prints_the_theory(capsys):
    """One k = 1 draw involves no choice: δ(1) is the same for both rewards."""
    assert cli.main(["demo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = next(line.split() for line in lines if line.split()[:1] == ["1"])
    assert first[1] == first[2] and float(first[1]) > 0
    assert any(line.startswith("c = 20: best k") for line in lines)


def test_forecast_from_a_pilot_table(tmp_path):
    """--forecast writes `pools.forecast` of the same pool (same seed), inside [0, 1], and
    draws it."""
    pilot = pools.simulate_pool(pools.ModelParams(1.0, 0.6), 60, 4, seed=3)
    table = _write_csv(tmp_path / "pilot.csv", pilot.to_columns())
    assert cli.main(["curves", str(table), "--forecast", "8,16", "--rules", "pass",
                     "best_of_k", "-q", "--n-boot", "20", "--out", str(tmp_path / "out")]) == 0
    with (tmp_path / "out" / "forecast.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    want = pools.forecast(pools.Pool.from_table(table), [8, 16], ("pass", "best_of_k"))
    np.testing.assert_allclose([float(r["forecast"]) for r in rows], want.point.ravel(),
                               rtol=1e-12)
    np.testing.assert_allclose([float(r["upper"]) for r in rows], want.upper.ravel(),
                               rtol=1e-12)
    assert all(0.0 <= float(r["lower"]) <= float(r["upper"]) <= 1.0 for r in rows)
    report = _parse(tmp_path / "out" / "report.html")
    assert [row[:2] for row in report.rows if row[:1] in (["pass"], ["best_of_k"])
            and len(row) == 5] == [["pass", "8"], ["pass", "16"], ["best_of_k", "8"],
                                   ["best_of_k", "16"]]
