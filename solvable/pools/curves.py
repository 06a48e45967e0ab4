"""Pools of judged samples and their exact selection curves (the rules of `solvable.pools`).

The exact forms behind every rule are listed in the docstring of `solvable.pools` and on the
theory page (docs/theory.md §7).
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import functools
import itertools
import math
import os
import re
from pathlib import Path
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import gammaln

from .. import _config  # noqa: F401  (float64)
from .._parallel import map_blocks
from .._validate import (check_bool, check_choice, check_instance, check_integer_at_least,
                         check_real)
from . import tables
from ._call_subsets import mean_position_values, run_bounds, subset_indicators

__all__ = [
    "Pool",
    "SelectionCurve",
    "BestSetting",
    "RULES",
    "selection_curve",
    "best_k",
    "best_of_curves",
    "rewardmath",
    "rewardmath_panel",
    "REWARDMATH_JUDGES",
]

RULES = ("pass", "best_of_k", "softmax", "majority", "weighted_vote")
_FLAG_RULES = ("pass", "majority", "weighted_vote")
TIE_RTOL = 1e-12
"""Weighted vote: label tallies within this relative distance of the top tally are tied (and
share the win uniformly), so that tallies equal in exact arithmetic stay tied after rounding.
Scores (best-of-k, and the weighted vote at T = 0) are data and tie only when equal."""
_LAMBDA_STEP = 0.35       # trapezoid step in λ = ln u: relative error ≤ 2|Γ(1 + 2πi/h)| ≈ 1.2e−11
_SOFTMAX_BLOCK = 32       # questions per compiled block of the softmax recursion
_PHASE = 32               # samples per phase of the subset-mean recursion
_NODE_CHUNK = 1024        # λ-nodes per call of the softmax kernel (bounds its memory)
_LAMBDA_LOW = -34.0       # λ below this (plus −ln k) carries less than e^{−34} of the value
_LAMBDA_HIGH = math.log(36.0)  # e^{−e^λ Z} < e^{−36} above this (plus −ln Z_min)


# --------------------------------------------------------------------------------------------
# the pool
# --------------------------------------------------------------------------------------------

def _pad_rows(rows, name, fill):
    if len(rows) == 0:
        raise ValueError(f"{name} has no questions")
    width = max(len(r) for r in rows)
    out = np.full((len(rows), width), fill, dtype=object)
    for q, r in enumerate(rows):
        out[q, : len(r)] = list(r)
    return out


def _as_matrix(x, name):
    """[Q, n] array from a 2-D array or a list of 1-D rows (ragged rows padded with NaN)."""
    if isinstance(x, np.ndarray) and x.ndim == 2:
        return x
    if isinstance(x, (list, tuple)) and len(x) and all(np.ndim(r) == 1 for r in x):
        lengths = {len(r) for r in x}
        if len(lengths) == 1:
            return np.array([list(r) for r in x], dtype=object)
        return _pad_rows(x, name, np.nan)
    arr = np.asarray(x, dtype=object)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a [questions, samples] array or a list of 1-D arrays, "
                         f"got shape {arr.shape}")
    return arr


def _float_matrix(x, name):
    try:
        return np.asarray(_as_matrix(x, name), dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must hold numbers: {err}") from None


def _rank(x) -> int:
    """Number of dimensions of ``x`` as an array, −1 for ragged nesting or text."""
    if isinstance(x, (str, bytes)):
        return -1
    try:
        return int(np.ndim(x))
    except ValueError:
        return -1


def _call_array(x):
    """[Q, n, M] float64 array of call scores (NaN: missing), or a ValueError."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"scores must hold numbers: {err}") from None
    if arr.ndim != 3 or 0 in arr.shape:
        raise ValueError(f"scores with calls must be a [questions, samples, calls] array, got "
                         f"shape {arr.shape}")
    if np.any(np.isinf(arr)):
        raise ValueError("scores must be finite (NaN only where a call is missing)")
    return arr


def _answer_matrix(answers, shape, valid):
    """Integer labels (≥ 0, −1 for no answer) from integers or strings; padding gets −1."""
    if isinstance(answers, np.ndarray) and answers.dtype.kind in "iu":   # the common case
        if answers.shape != shape:
            raise ValueError(f"answers has shape {answers.shape}, scores has shape {shape}")
        bad = valid & (answers < -1)
        if np.any(bad):
            raise ValueError(f"answers must be integers >= -1 (-1: no answer), got "
                             f"{int(answers[bad][0])}")
        labels = np.where(valid, answers, -1).astype(np.int64)
        return labels, tuple(int(v) for v in np.unique(labels[labels >= 0]))
    raw = _as_matrix(answers, "answers")
    if raw.shape != shape:
        raise ValueError(f"answers has shape {raw.shape}, scores has shape {shape}")
    names: dict = {}
    out = np.full(shape, -1, dtype=np.int64)
    for (q, i), v in np.ndenumerate(raw):
        if not valid[q, i]:
            continue
        if v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v == ""):
            continue
        if isinstance(v, (bool, np.bool_)):
            raise ValueError(f"answers must be integer or string labels, got {v!r}")
        if isinstance(v, (int, np.integer)) or (isinstance(v, (float, np.floating))
                                                and float(v).is_integer()):
            iv = int(v)
            if iv < -1:
                raise ValueError(f"answers must be integers >= -1 (-1: no answer), got {iv}")
            key = ("int", iv)
            if iv == -1:
                continue
        elif isinstance(v, str):
            key = ("str", v)
        else:
            raise ValueError(f"answers must be integer or string labels, got {v!r}")
        out[q, i] = names.setdefault(key, len(names))
    return out, tuple(k[1] for k in sorted(names, key=names.get))


@dataclasses.dataclass(frozen=True, eq=False)
class Pool:
    """Judged samples of Q questions: scores, correctness and optional answer labels.

    Parameters
    ----------
    scores : array_like [Q, n], or a list of Q 1-D arrays (ragged), or an array [Q, n, M]
        The judge's score of each sample. NaN marks padding (absent samples) and must then be
        NaN in `correct` (and any label in `answers` is ignored there). A 3-D array holds M
        judge calls (or M judges, or M unit tests) per sample, NaN where a call is missing;
        the pool's `scores` are then the mean of each sample's calls, and
        ``selection_curve(..., calls=m)`` uses m of them (docs/theory.md §10).
    correct : array_like, same layout as `scores`
        1/0 flags (the rules ``"pass"``, ``"majority"``, ``"weighted_vote"`` need flags), or any
        finite number (e.g. a loss) for ``"best_of_k"`` and ``"softmax"``, which then average it.
    answers : array_like, same layout, optional
        Answer labels: integers ≥ 0 or strings (mapped to integers), −1 / None / "" for "no
        answer extracted". Needed by the vote rules. Samples that share a label must agree on
        `correct` (the label is the answer that is right or wrong).
    questions : sequence, optional
        Question identifiers, kept for reference.
    mixed_labels : bool, default False
        Allow a label to hold right and wrong samples (e.g. programs that pass the same tests
        but differ on hidden ones). The plurality vote then answers with a random drawn member
        of the winning label, whose expected correctness is the label's fraction of correct
        samples in the pool (exact: the vote depends on the label counts only); the weighted
        vote, whose winning members depend on their scores, refuses such a pool.

    Attributes
    ----------
    scores, correct : ndarray [Q, n_max], float64, NaN-padded
    answers : ndarray [Q, n_max] of int64, or None
    calls : ndarray [Q, n_max, M] float64, or None
        The individual calls' scores (3-D `scores` given), NaN where missing.
    answer_names : tuple
        The original label of each integer label (for string labels).
    n : ndarray [Q]
        Samples per question.

    Examples
    --------
    >>> from solvable import pools
    >>> pool = pools.Pool([[0.9, 0.1, 0.5], [0.2, 0.8]], [[1, 0, 0], [0, 1]])
    >>> pool.num_questions, pool.n.tolist()
    (2, [3, 2])
    """

    scores: np.ndarray
    correct: np.ndarray
    answers: Optional[np.ndarray] = None
    questions: Optional[tuple] = None
    answer_names: tuple = ()
    calls: Optional[np.ndarray] = None
    mixed_labels: bool = False

    def __init__(self, scores, correct, answers=None, *, questions=None, mixed_labels=False):
        calls = None
        if _rank(scores) == 3:
            calls = _call_array(scores)
            present = ~np.isnan(calls)
            with np.errstate(invalid="ignore"):
                s = np.where(present.any(axis=2),
                             np.nansum(calls, axis=2) / np.maximum(present.sum(axis=2), 1),
                             np.nan)
        else:
            s = _float_matrix(scores, "scores")
        c = _float_matrix(correct, "correct")
        if s.shape != c.shape:
            raise ValueError(f"correct has shape {c.shape}, scores has shape {s.shape}")
        pad = np.isnan(s)
        if np.any(np.isinf(s)):
            raise ValueError("scores must be finite (NaN only as padding of ragged pools)")
        if not np.array_equal(pad, np.isnan(c)):
            raise ValueError("scores and correct must be NaN (padding) at the same places")
        if np.any(np.isinf(c)):
            raise ValueError("correct must be finite")
        counts = np.sum(~pad, axis=1)
        if np.any(counts == 0):
            q = int(np.flatnonzero(counts == 0)[0])
            raise ValueError(f"scores: question {q} has no samples")
        valid = ~pad
        names: tuple = ()
        a = None
        if answers is not None:
            a, names = _answer_matrix(answers, s.shape, valid)
            check_bool("mixed_labels", mixed_labels)
            if not mixed_labels:
                _check_label_consistency(a, c, valid)
        if questions is not None:
            questions = tuple(questions)
            if len(questions) != s.shape[0]:
                raise ValueError(f"questions has {len(questions)} entries, scores has "
                                 f"{s.shape[0]} questions")
        object.__setattr__(self, "scores", s)
        object.__setattr__(self, "correct", c)
        object.__setattr__(self, "answers", a)
        object.__setattr__(self, "questions", questions)
        object.__setattr__(self, "answer_names", names)
        object.__setattr__(self, "calls", calls)
        object.__setattr__(self, "mixed_labels", bool(mixed_labels) and a is not None)

    @property
    def num_calls(self) -> np.ndarray:
        """[Q] calls that scored every sample of each question (1 without calls)."""
        if self.calls is None:
            return np.ones(self.num_questions, np.int64)
        full = np.all(~np.isnan(self.calls) | ~self.valid[:, :, None], axis=1)
        return np.sum(full, axis=1)

    @property
    def valid(self) -> np.ndarray:
        """[Q, n_max] mask of the samples present."""
        return ~np.isnan(self.scores)

    @property
    def n(self) -> np.ndarray:
        """Number of samples of each question."""
        return np.sum(self.valid, axis=1)

    @property
    def num_questions(self) -> int:
        return self.scores.shape[0]

    @property
    def is_binary(self) -> bool:
        """True when `correct` holds only 0/1 flags."""
        c = self.correct[self.valid]
        return bool(np.all((c == 0) | (c == 1)))

    def __repr__(self):
        n = self.n
        labels = "with" if self.answers is not None else "without"
        calls = ("" if self.calls is None else
                 f", {self.num_calls.min()}–{self.num_calls.max()} calls per sample")
        return (f"Pool({self.num_questions} questions, {n.min()}–{n.max()} samples each, "
                f"{labels} answer labels{calls})")

    @classmethod
    def from_table(cls, table, *, question="question", score="score", correct="correct",
                   answer="answer", format=None, mixed_labels=False):
        """A pool from a table with one row per sample (or one JSON line per question).

        Parameters
        ----------
        table : str, path, pandas.DataFrame or mapping of columns
            A file (CSV, TSV, JSON lines, a JSON array, Parquet where pyarrow or pandas is
            installed; see `solvable.pools.tables`), a DataFrame or a dict of equal-length
            columns. A JSON line whose `correct` field is a list is one question: its
            list-valued fields hold one entry per sample.
        question, correct, answer : str
            Column names. The answer column is optional (absent, or ``answer=None``: no
            labels); its empty cells (and "NaN", "None", "null", "NA", "N/A") mean "no answer
            extracted". Labels that read as integers ("7", 7, 7.0) are the same label.
        score : str or sequence of str
            The score column, or several (one per judge call: scores [Q, n, M]); a name with
            ``*`` or ``?`` stands for every column it matches (``"judge_*"``), in table
            order. A score cell holding a list is a sample's calls too. Empty cells are
            missing calls.
        format : str, optional
            The file's format (default: from its suffix).
        mixed_labels : bool
            As in `Pool`.

        Returns
        -------
        Pool
            Questions in order of first appearance; samples in row order.

        Raises
        ------
        ValueError
            Naming the file, line and column of the first bad cell.

        Examples
        --------
        >>> from solvable import pools
        >>> table = {"question": [1, 1, 2], "score": [0.3, 0.9, 0.5],
        ...          "correct": [1, 0, 1], "answer": ["7", "8", "2"]}
        >>> pools.Pool.from_table(table).n.tolist()
        [2, 1]
        """
        if not (isinstance(table, (str, os.PathLike, dict)) or hasattr(table, "columns")):
            raise ValueError(f"table must be a file path, a DataFrame or a dict of columns, "
                             f"got {table!r}")
        for param, name in (("question", question), ("correct", correct), ("answer", answer)):
            if name is not None or param != "answer":     # answer=None: no label column
                check_instance(param, name, str, "a column name (str)")
        score_cols = [score] if isinstance(score, str) else score
        if (not isinstance(score_cols, (list, tuple)) or not score_cols
                or not all(isinstance(c, str) for c in score_cols)):
            raise ValueError(f"score must be a column name (str) or a list of them, got "
                             f"{score!r}")
        check_bool("mixed_labels", mixed_labels)
        if format is not None:
            check_choice("format", format, tables.FORMATS)
        cols, where = tables.read_columns(table, format=format, nested_on=correct)
        if not where:
            raise ValueError(f"{_source(table)} has no rows")
        score_cols = [m for c in score_cols for m in (         # a pattern matching nothing
            [name for name in cols if fnmatch.fnmatchcase(name, c)] or [c]  # stays, and fails
            if _is_pattern(c) else [c])]                                     # as a column
        for param, name in [("question", question), ("correct", correct)] + [
                ("score", c) for c in score_cols]:
            if name not in cols:
                near = difflib.get_close_matches(name, list(cols), n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ValueError(f"{_source(table)} has no column {name!r} for {param} "
                                 f"(columns: {sorted(cols)}){hint}")
        order: dict = {}
        rows: dict = {}
        for r, q in enumerate(cols[question]):
            if (q is None or isinstance(q, (list, dict)) or (isinstance(q, str) and not q.strip())
                    or (isinstance(q, float) and math.isnan(q)) or _is_missing(q)):
                raise ValueError(f"{where[r]}, column {question!r}: expected a question "
                                 f"identifier, got {q!r}")
            rows.setdefault(order.setdefault(q, len(order)), []).append(r)
        idx = [rows[i] for i in range(len(order))]

        def number(v, col, r):
            if v is None or (isinstance(v, str) and v.strip() == ""):
                return np.nan
            if isinstance(v, bool):
                return float(v)
            if isinstance(v, str) and v.strip().lower() in ("true", "false"):
                return float(v.strip().lower() == "true")
            try:
                if isinstance(v, (list, dict)):
                    raise TypeError
                x = float(v)
            except (TypeError, ValueError):
                raise ValueError(f"{where[r]}, column {col!r}: expected a number, got "
                                 f"{v!r}") from None
            if math.isinf(x):
                raise ValueError(f"{where[r]}, column {col!r}: {v!r} is not finite")
            return x

        def sample_calls(r):
            out = []
            for col in score_cols:
                v = cols[col][r]
                if isinstance(v, (list, tuple, np.ndarray)):
                    out.extend(number(x, col, r) for x in np.ravel(np.asarray(v, dtype=object)))
                else:
                    out.append(number(v, col, r))
            return out

        correct_rows = [[number(cols[correct][r], correct, r) for r in rs] for rs in idx]
        for rs, cs in zip(idx, correct_rows):
            for r, c in zip(rs, cs):
                if math.isnan(c):
                    raise ValueError(f"{where[r]}, column {correct!r}: got "
                                     f"{cols[correct][r]!r}; every sample needs its "
                                     "correctness (0/1 or a number)")
        calls = [[sample_calls(r) for r in rs] for rs in idx]
        width = max(len(c) for q in calls for c in q)
        for rs, q in zip(idx, calls):
            for r, c in zip(rs, q):
                if all(math.isnan(x) for x in c):
                    raise ValueError(f"{where[r]}, columns {score_cols}: no score")
        if width == 1 and len(score_cols) == 1:
            scores = [np.array([c[0] for c in q]) for q in calls]
        else:
            n_max = max(len(q) for q in calls)
            scores = np.full((len(calls), n_max, width), np.nan)
            for i, q in enumerate(calls):
                for j, c in enumerate(q):
                    scores[i, j, :len(c)] = c
            correct_rows = [row + [np.nan] * (n_max - len(row)) for row in correct_rows]
        answers = None
        if answer is not None and answer in cols:
            answers = [[_table_label(cols[answer][r], answer, where[r]) for r in rs]
                       for rs in idx]
            if isinstance(scores, np.ndarray):
                answers = [row + [None] * (scores.shape[1] - len(row)) for row in answers]
        try:
            return cls(scores, correct_rows, answers, questions=list(order),
                       mixed_labels=mixed_labels)
        except ValueError as err:
            message = str(err)
            clash = re.match(r"answers: in question (\d+) ", message)
            if clash:                   # the table's question id, and the way out
                message = (f"question {list(order)[int(clash.group(1))]!r}: samples with the "
                           "same answer label disagree on correct (pass mixed_labels=True, "
                           "--mixed-labels on the command line, if labels are not answers)")
            raise ValueError(f"{_source(table)}: {message}") from None


    def to_columns(self) -> dict:
        """The pool as a tidy table: one row per sample, the inverse of `from_table`.

        Returns
        -------
        dict of str to list
            ``question`` (the pool's identifiers, or 0..Q−1), ``score`` (or ``score_1`` ..
            ``score_M`` for a pool with calls, empty where a call is missing), ``correct``
            and, with labels, ``answer`` (the original labels, empty for no answer).

        Examples
        --------
        >>> from solvable import pools
        >>> pools.Pool([[0.5, 0.2]], [[1, 0]]).to_columns()["score"]
        [0.5, 0.2]
        """
        names = list(self.questions if self.questions is not None
                     else range(self.num_questions))
        q_idx, s_idx = np.nonzero(self.valid)
        cols = {"question": [names[q] for q in q_idx]}
        if self.calls is None:
            cols["score"] = [float(v) for v in self.scores[q_idx, s_idx]]
        else:
            for m in range(self.calls.shape[2]):
                cols[f"score_{m + 1}"] = [None if math.isnan(v) else float(v)
                                          for v in self.calls[q_idx, s_idx, m]]
        cols["correct"] = [float(v) if not float(v).is_integer() else int(v)
                           for v in self.correct[q_idx, s_idx]]
        if self.answers is not None:
            labels = self.answers[q_idx, s_idx]
            cols["answer"] = [None if a < 0 else self.answer_names[a] for a in labels]
        return cols

def _is_missing(v) -> bool:
    """pandas' missing values (NA, NaT) and NumPy NaN scalars, without importing pandas."""
    try:
        return bool(v != v)
    except (TypeError, ValueError):
        return type(v).__name__ in ("NAType", "NaTType")


_NO_ANSWER = ("nan", "none", "null", "na", "n/a")


def _is_pattern(name: str) -> bool:
    return any(ch in name for ch in "*?[")


def _source(table) -> str:
    return f"table {str(table)!r}" if isinstance(table, (str, os.PathLike)) else "table"


def _table_label(v, column="answer", where="table"):
    """An answer cell as a label: integers (also "7" and 7.0) as int, other text as str."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, bool) or isinstance(v, (list, dict)):
        raise ValueError(f"{where}, column {column!r}: an answer must be a number or a "
                         f"string, got {v!r}")
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        v = v.strip()
        if v == "" or v.lower() in _NO_ANSWER:
            return None
        try:
            return int(v)
        except ValueError:
            try:
                x = float(v)
                return int(x) if x.is_integer() else v
            except ValueError:
                return v
    if isinstance(v, float):
        return repr(v)
    return v


def _check_label_consistency(a, c, valid):
    """Samples sharing a label within a question must agree on correctness."""
    keep = valid & (a >= 0)
    q = np.broadcast_to(np.arange(a.shape[0])[:, None], a.shape)[keep]
    lab, cor = a[keep], c[keep]
    order = np.lexsort((lab, q))
    q, lab, cor = q[order], lab[order], cor[order]
    clash = (q[1:] == q[:-1]) & (lab[1:] == lab[:-1]) & (cor[1:] != cor[:-1])
    if np.any(clash):
        raise ValueError(f"answers: in question {int(q[1:][clash][0])} samples with the same "
                         "answer label disagree on correct")


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SelectionCurve:
    """Accuracy of one rule against k, per question and averaged (made by `selection_curve`).

    Parameters
    ----------
    rule : str
    temperature : float
    replacement : bool
    k : ndarray [K]
    per_question : ndarray [Q, K]
        The rule's expected accuracy on each question (exact, or a Monte Carlo estimate where
        ``exact`` is False).
    mean : ndarray [K]
        Mean over questions.
    stderr : ndarray [K]
        Standard error of `mean` over questions (std of `per_question` / √Q), including the
        Monte Carlo error where there is one.
    exact : ndarray [K] of bool
        False where the value was estimated by Monte Carlo over subsets.
    mc_stderr : ndarray [K]
        Monte Carlo standard error of `mean` (0 where exact).

    Examples
    --------
    >>> from solvable import pools
    >>> curve = pools.selection_curve(pools.Pool([[1.0, 0.0]], [[1, 0]]), "best_of_k", [1, 2])
    >>> curve.mean.tolist(), curve.exact.tolist()
    ([0.5, 1.0], [True, True])
    """

    rule: str
    temperature: float
    replacement: bool
    k: np.ndarray
    per_question: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    exact: np.ndarray
    mc_stderr: np.ndarray

    def best(self):
        """The k of highest mean accuracy.

        Returns
        -------
        tuple
            (k, mean, stderr) at that k.

        Examples
        --------
        >>> from solvable import pools
        >>> pool = pools.Pool([[3.0, 1.0, 2.0]], [[1, 0, 0]])
        >>> pools.selection_curve(pool, "best_of_k", [1, 2, 3]).best()
        (3, 1.0, 0.0)
        """
        i = int(np.argmax(self.mean))
        return int(self.k[i]), float(self.mean[i]), float(self.stderr[i])


@dataclasses.dataclass(frozen=True)
class BestSetting:
    """The best (k, T) of a grid, with its uncertainty (made by `best_k`).

    Parameters
    ----------
    k, temperature : the grid point of highest mean accuracy
    mean, stderr : its accuracy and standard error over questions
    bootstrap_share : fraction of bootstrap resamples of the questions whose best point it is
    plausible : list of (k, T) whose accuracy is not below the best by more than 1.96 paired
        standard errors (the set the data cannot tell apart from the best)
    grid : ndarray [len(temperatures), len(ks)] of mean accuracies

    Examples
    --------
    >>> from solvable import pools
    >>> best = pools.best_k(pools.Pool([[1.0, 0.0]], [[1, 0]]), "best_of_k", [1, 2], n_boot=10)
    >>> best.k, best.mean, best.bootstrap_share
    (2, 1.0, 1.0)
    """

    k: int
    temperature: float
    mean: float
    stderr: float
    bootstrap_share: float
    plausible: list
    grid: np.ndarray


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------

def _check_rule(rule):
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")


def _check_ks(ks, pool: Pool, replacement: bool):
    k = np.atleast_1d(np.asarray(ks, dtype=np.float64))
    if k.ndim != 1 or k.size == 0:
        raise ValueError(f"ks must be a non-empty 1-D sequence of integers, got {ks!r}")
    if np.any(~np.isfinite(k)) or np.any(k != np.round(k)):
        raise ValueError(f"ks must be integers, got {ks!r}")
    if np.any(k < 1):
        raise ValueError(f"ks must be >= 1, got {k[k < 1][0]:g}")
    k = k.astype(np.int64)
    n_min = int(pool.n.min())
    if not replacement and k.max() > n_min:
        raise ValueError(f"ks: k = {k.max()} exceeds the smallest pool (n = {n_min}) without "
                         "replacement; use replacement=True or smaller k")
    return k


def _check_temperature(temperature):
    try:
        t = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number, got {temperature!r}") from None
    if math.isnan(t) or t < 0:
        raise ValueError(f"temperature must be >= 0 (0: best-of-k, inf: uniform), got {t}")
    return t


def _check_flags(pool: Pool, rule):
    if not pool.is_binary:
        raise ValueError(f"correct must hold 0/1 flags for rule {rule!r}")


# --------------------------------------------------------------------------------------------
# exact rules
# --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def _log_factorial(n_max: int) -> np.ndarray:
    """ln j! for j = 0..n_max (a table: the recursions below look it up many times)."""
    return gammaln(np.arange(n_max + 1) + 1.0)


def _log_choose(n, k):
    """ln C(n, k) for integer arrays (k is clipped to [0, n]: callers mask k outside it)."""
    n = np.asarray(n, dtype=np.int64)
    k = np.clip(np.asarray(k, dtype=np.int64), 0, n)
    lf = _log_factorial(int(max(np.max(n, initial=0), 1)))
    return lf[n] - lf[k] - lf[n - k]


def _frac_choose(a, k, n):
    """C(a, k)/C(n, k) for integer arrays (0 where a < k)."""
    a, k, n = np.broadcast_arrays(np.asarray(a, np.int64), np.asarray(k, np.int64),
                                  np.asarray(n, np.int64))
    ok = a >= k
    aa = np.where(ok, a, k)
    return np.where(ok, np.exp(_log_choose(aa, k) - _log_choose(n, k)), 0.0)


def _pass(pool: Pool, k, replacement):
    n = pool.n[:, None]
    c = np.nansum(pool.correct, axis=1)[:, None].astype(np.int64)
    if replacement:
        return 1.0 - (1.0 - c / n) ** k[None, :]
    return 1.0 - _frac_choose(n - c, k[None, :], n)


def _levels(scores, valid):
    """For each sample: A = valid samples strictly below it, m = valid samples at its score."""
    s = np.where(valid, scores, -np.inf)
    order = np.argsort(s, axis=1, kind="stable")
    srt = np.take_along_axis(s, order, axis=1)
    first_pos, last_pos = run_bounds(srt[:, 1:] == srt[:, :-1])
    below, at = np.empty_like(first_pos), np.empty_like(first_pos)
    np.put_along_axis(below, order, first_pos, axis=1)
    np.put_along_axis(at, order, last_pos - first_pos + 1, axis=1)
    return below - np.sum(~valid, axis=1, keepdims=True), at


def _best_of_k(pool: Pool, k, replacement):
    """Exact best-of-k accuracy [Q, K], ties uniform.

    Σ_i (c_i/m_i) [F(A_i + m_i) − F(A_i)] with F(a) = C(a, k)/C(n, k) (or (a/n)^k): the weights
    c_i/m_i are binned by a, so the sum is one product of a [Q, n + 1] histogram with the
    [n + 1, K] table of F.
    """
    valid = pool.valid
    below, at = _levels(pool.scores, valid)
    w = np.where(valid, pool.correct, 0.0) / np.maximum(at, 1)
    n_max = pool.scores.shape[1]
    Q = pool.num_questions
    rows = np.broadcast_to(np.arange(Q)[:, None] * (n_max + 1), w.shape)
    hist = (np.bincount((rows + np.where(valid, below + at, 0)).ravel(), weights=w.ravel(),
                        minlength=Q * (n_max + 1))
            - np.bincount((rows + np.where(valid, below, 0)).ravel(), weights=w.ravel(),
                          minlength=Q * (n_max + 1))).reshape(Q, n_max + 1)
    return _best_of_k_from_hist(hist, pool.n, k, replacement)


def _best_of_k_from_hist(hist, sizes, k, replacement):
    """Σ_a hist[q, a] F(min(a, n_q)) for a = 0..n_max: [Q, K]."""
    out = np.empty((hist.shape[0], k.size))
    a = np.arange(hist.shape[1])
    for n in np.unique(sizes):             # one table per distinct pool size
        sel = sizes == n
        if replacement:
            table = (np.minimum(a, n)[:, None] / n) ** k[None, :]
        else:
            table = _frac_choose(np.minimum(a, n)[:, None], k[None, :], n)
        out[sel] = hist[sel] @ table
    return out


def _best_of_k_from_positions(values, sizes, k, replacement):
    """Σ_p c̄_p [F(p) − F(p − 1)] from the tie-averaged correctness at each sorted position
    ``values`` [Q, n_max] (positions p = 1..n_max): the same sum as `_best_of_k`, written
    as Σ_a F(a) (c̄_a − c̄_{a+1})."""
    padded = np.pad(values, ((0, 0), (1, 1)))
    return _best_of_k_from_hist(padded[:, :-1] - padded[:, 1:], sizes, k, replacement)


def _softmax_one(logw, c, valid, lam, lam_w, k_max: int, replacement: bool):
    """∫ E_S[Σ_{i∈S} c_i w_i Π_{j∈S} e^{−u w_j}] du for k = 0..k_max, one question.

    logw, c, valid: [n]; lam, lam_w: [N] nodes in λ = ln u and their trapezoid weights
    (u du = u dλ is folded into the integrand).
    """
    le = jnp.where(valid[None, :], lam[:, None] + logw[None, :], -jnp.inf)          # ln(u w_j)
    e = jnp.exp(le)
    x = jnp.exp(-e)                                                                 # [N, n]
    g = c[None, :] * jnp.exp(le - e)                                                # c u w x
    r = jnp.arange(k_max + 1, dtype=jnp.float64)
    if replacement:
        n = jnp.sum(valid)
        num = jnp.sum(g, axis=1) / n                                                # [N]
        log_den = jnp.log1p(-jnp.minimum(jnp.sum(-jnp.expm1(-e), axis=1) / n, 1.0))
        powk = jnp.where(r[None, :] <= 1.0, 1.0,
                         jnp.exp(jnp.maximum(r - 1.0, 0.0)[None, :] * log_den[:, None]))
        return jnp.sum(lam_w[:, None] * r[None, :] * num[:, None] * powk, axis=0)

    def step(carry, inputs):
        # subset means over r-subsets of the j samples seen: M0 = E Π x, M1 = E Σ c u w Π x,
        # stored [r, node]; rows r ≤ R of the current phase only
        m0, m1, j = carry
        xj, gj, vj = inputs
        rr = r[: m0.shape[0], None]
        jn = j + vj
        keep = jnp.where(vj, jnp.clip(jn - rr, 0.0, None) / jnp.maximum(jn, 1.0), 1.0)
        add = jnp.where(vj & (rr <= jn), rr / jnp.maximum(jn, 1.0), 0.0)
        zero = jnp.zeros((1, m0.shape[1]))
        s0 = jnp.concatenate([zero, m0[:-1]], axis=0)
        s1 = jnp.concatenate([zero, m1[:-1]], axis=0)
        m1 = keep * m1 + add * (xj[None, :] * s1 + gj[None, :] * s0)
        m0 = keep * m0 + add * xj[None, :] * s0
        return (m0, m1, jn), None

    # M_r = 0 for r above the number of samples seen, so the samples are processed in phases
    # of _PHASE, each updating only the rows r ≤ (samples seen by its end): ~45% less work
    n_nodes, n_samples = x.shape
    m0 = jnp.zeros((k_max + 1, n_nodes)).at[0].set(1.0)
    m1 = jnp.zeros((k_max + 1, n_nodes))
    j = jnp.zeros(())
    for start in range(0, n_samples, _PHASE):
        stop = min(start + _PHASE, n_samples)
        rows = min(k_max + 1, stop + 1)
        (a0, a1, j), _ = jax.lax.scan(step, (m0[:rows], m1[:rows], j),
                                      (x.T[start:stop], g.T[start:stop], valid[start:stop]))
        m0, m1 = m0.at[:rows].set(a0), m1.at[:rows].set(a1)
    return jnp.sum(lam_w[None, :] * m1, axis=1)


@functools.partial(jax.jit, static_argnames=("k_max", "replacement"))
def _softmax_kernel(logw, c, valid, lam, lam_w, *, k_max, replacement):
    """`_softmax_one` over questions, one at a time (its arrays stay in cache)."""
    one = functools.partial(_softmax_one, k_max=k_max, replacement=replacement)
    return jax.lax.map(lambda args: one(*args), (logw, c, valid, lam, lam_w))


def _lambda_nodes(logw, valid, k_max):
    """Trapezoid nodes in λ = ln u where the integrand can matter, per question.

    Every subset S has ln Z_S within [ln w_max(S), ln w_max(S) + ln k], and its term
    u Z_S e^{−u Z_S} (in λ) is below e^{−34}·k left of −ln Z_S − 34 − ln k... and below
    36·e^{−36} right of −ln Z_S + ln 36. So only nodes of the uniform grid λ_m = m·h that lie in
    ∪_i [−ln w_i − ln k − 34, −ln w_i + ln 36] are kept (the grid is the same for all samples,
    so the rule is the plain trapezoid rule with negligible nodes dropped). Returns the nodes,
    their weights (h, or 0 for padding) as [Q, N] arrays.
    """
    h = _LAMBDA_STEP
    lo = np.floor((-logw + _LAMBDA_LOW - math.log(k_max)) / h).astype(np.int64)
    hi = np.ceil((-logw + _LAMBDA_HIGH) / h).astype(np.int64)
    rows = []
    for q in range(logw.shape[0]):          # merge each question's intervals (sorted)
        ivals = sorted(zip(lo[q][valid[q]], hi[q][valid[q]]))
        merged = [list(ivals[0])]
        for a, b in ivals[1:]:
            if a <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        rows.append(np.concatenate([np.arange(a, b + 1) for a, b in merged]))
    width = _bucket(max(r.size for r in rows), 64)
    lam = np.zeros((len(rows), width))
    wts = np.zeros((len(rows), width))
    for q, r in enumerate(rows):
        lam[q, : r.size] = r * h
        wts[q, : r.size] = h
    return lam, wts


def _softmax(pool: Pool, k, temperature, replacement):
    """Exact softmax-selection accuracy [Q, K] at 0 < T < ∞."""
    valid = pool.valid
    s = np.where(valid, pool.scores, -np.inf)
    logw = np.where(valid, (s - np.max(s, axis=1, keepdims=True)) / temperature, 0.0)
    k_max = int(k.max())
    lam, lam_w = _lambda_nodes(logw, valid, k_max)
    # sizes rounded up to buckets so that few shapes are compiled (padded samples are masked)
    width = _bucket(pool.scores.shape[1], 8)
    pad = ((0, 0), (0, width - pool.scores.shape[1]))
    c = np.pad(np.where(valid, pool.correct, 0.0), pad)
    kernel = functools.partial(_softmax_kernel, k_max=_bucket(k_max, 8),
                               replacement=bool(replacement))
    args = [jnp.asarray(np.pad(logw, pad)), jnp.asarray(c), jnp.asarray(np.pad(valid, pad))]
    total = 0.0
    # the integral is a sum over nodes: at most _NODE_CHUNK of them at a time bounds the
    # memory (nodes × k_max per question) when a small T spreads the weights over many scales
    for n0 in range(0, lam.shape[1], _NODE_CHUNK):
        sl = slice(n0, n0 + _NODE_CHUNK)
        total = total + np.asarray(map_blocks(
            kernel, args + [jnp.asarray(lam[:, sl]), jnp.asarray(lam_w[:, sl])],
            _SOFTMAX_BLOCK))
    return total[:, k]


def _bucket(size: int, step: int) -> int:
    return -(-size // step) * step


def _majority(pool: Pool, k, replacement):
    """Exact plurality-vote accuracy [Q, K] (ties uniform; label −1 never wins)."""
    valid = pool.valid
    Q = pool.num_questions
    k_max = int(k.max())
    out = np.zeros((Q, k.size))
    for q in range(Q):
        lab = pool.answers[q][valid[q]]
        cor = pool.correct[q][valid[q]]
        n = lab.size
        labels, counts = np.unique(lab[lab >= 0], return_counts=True)
        value = np.array([cor[lab == l].mean() for l in labels])   # one value unless mixed
        n_free = int(np.sum(lab < 0))
        for j in np.flatnonzero(value != 0):
            others = np.delete(counts, j)
            out[q] += value[j] * _label_wins(int(counts[j]), others, n_free, n, k, k_max,
                                             replacement)
    return out


@functools.lru_cache(maxsize=64)
def _tie_rule(n_nodes: int):
    """Gauss–Legendre on [0, 1]: ∫₀¹ y^t dy = 1/(t + 1) exactly for t < 2·n_nodes."""
    y, w = np.polynomial.legendre.leggauss(n_nodes)
    return (y + 1) / 2, w / 2


@functools.lru_cache(maxsize=4096)
def _scaled_binomial_full(n: int) -> np.ndarray:
    """C(n, a)·2^{−n/2} for a = 0..n (the scale keeps products of rows in range)."""
    a = np.arange(n + 1)
    row = np.exp(_log_choose(n, a) - 0.5 * n * math.log(2.0))
    row.flags.writeable = False
    return row


def _scaled_binomial_row(n: int, top: int) -> np.ndarray:
    """The first min(n, top) + 1 entries of `_scaled_binomial_full` (a fresh array)."""
    return _scaled_binomial_full(n)[: top + 1].copy()


def _label_wins(n_j, others, n_free, n, k, k_max, replacement):
    """P(a label with n_j members wins the plurality vote of k draws), for each k in `k`.

    Sum over the label's count m: P(count = m) · E[1/(1 + #others at m); others ≤ m | m].
    Without replacement the others' subsets are counted by the polynomial
    (1 + z)^F · Π_{big l} (Σ_{a<m} C(n_l, a) z^a + y C(n_l, m) z^m), F the samples of labels
    smaller than m and of no answer; its z^s coefficient over C(N_others, s) is the
    probability for a uniform s-subset, and y → 1/(t + 1) by Gauss–Legendre in y.
    """
    others = np.sort(others)[::-1]
    result = np.zeros(k.size)
    m_top = min(n_j, k_max) if not replacement else k_max
    n_others = n - n_j
    # log-binomials looked up in the loop: ln C(N_others, s), ln C(n, k), ln C(n_j, m)
    s_all = np.arange(k_max + 1)
    lc_others = np.where(s_all <= n_others,
                         _log_choose(n_others, np.minimum(s_all, n_others)), -np.inf)
    lc_n = _log_choose(n, np.minimum(k, n))
    lc_j = _log_choose(n_j, np.arange(n_j + 1))
    half_log2 = 0.5 * n_others * math.log(2.0)
    for m in range(1, m_top + 1):
        s_max = k_max - m
        big = others[others >= m] if not replacement else others
        t_max = min(big.size, s_max // m)
        y, wy = _tie_rule(max(1, (t_max + 2) // 2))
        kk = k - m
        ok = kk >= 0
        if replacement:
            prob = _multinomial_others(big, n_free, n, n_j, m, s_max, y)
            p_target = np.where(ok, np.exp(_log_choose(k, np.maximum(kk, 0))
                                           + m * math.log(n_j / n)), 0.0)
            p_target = p_target * np.where(ok, (1.0 - n_j / n) ** np.maximum(kk, 0), 0.0)
        else:
            free = n_free + int(np.sum(others[others < m]))
            prob = np.zeros((y.size, s_max + 1))
            for iy, yv in enumerate(y):
                poly = _scaled_binomial_row(free, s_max)
                for n_l in big:
                    row = _scaled_binomial_row(int(n_l), m)
                    row[m] *= yv
                    poly = np.convolve(poly, row)[: s_max + 1]
                prob[iy, : poly.size] = poly
            lc = lc_others[: s_max + 1]
            finite = np.isfinite(lc)                                      # s ≤ N_others
            prob = np.where(finite, prob * np.exp(half_log2 - np.where(finite, lc, 0.0)), 0.0)
            p_target = np.exp(lc_j[m] + lc_others[np.clip(kk, 0, k_max)] - lc_n) * ok
        tie = wy @ prob                                                   # [s]
        result += p_target * np.where(ok, tie[np.clip(kk, 0, s_max)], 0.0)
    return result


def _multinomial_others(big, n_free, n, n_j, m, s_max, y):
    """As `_merge_group`'s product, for i.i.d. draws among the non-target samples."""
    s = np.arange(s_max + 1)
    prob = np.ones((y.size, s_max + 1))
    mass = n_free / n          # probability mass processed so far (free samples first)
    for n_l in big:
        q_l = n_l / n
        new_mass = mass + q_l
        if new_mass <= 0:
            continue
        rho = q_l / new_mass
        a = np.arange(m + 1)[None, :]
        rest = s[:, None] - a
        ok = rest >= 0
        logb = (_log_choose(s[:, None], a) + a * math.log(rho) + (np.log1p(-rho) * np.clip(rest, 0, None) if rho < 1
                                       else np.where(rest > 0, -np.inf, 0.0)))
        w = np.where(ok, np.exp(logb), 0.0)
        g = np.where(a < m, 1.0, 0.0)[None] + (a == m)[None] * y[:, None, None]
        src = prob[:, np.clip(rest, 0, None)] * ok[None]
        prob = np.sum(w[None] * g * src, axis=2)
        mass = new_mass
    if mass == 0:  # no other samples: any s > 0 draws are impossible
        prob = prob * (s == 0)[None]
    return prob


def _winner_value(tally, label_value):
    """Expected value of the top tally's label, ties (within `TIE_RTOL` relative) shared
    uniformly."""
    best = np.max(tally, axis=-1, keepdims=True)
    winners = (tally >= best * (1.0 - TIE_RTOL)) & (tally > 0)
    return (winners @ label_value) / np.maximum(np.sum(winners, axis=-1), 1)


def _tallies(scores, labels, n_labels, temperature):
    """Label tallies of each draw: scores, labels [D, k] → [D, n_labels]."""
    onehot = (labels[:, :, None] == np.arange(n_labels)).astype(float)
    if math.isinf(temperature):
        return onehot.sum(axis=1)
    lw = np.where(labels >= 0, scores, -np.inf)
    top = np.max(lw, axis=1, keepdims=True)
    if temperature == 0.0:
        return np.einsum("dkl,dk->dl", onehot, (lw == top) & np.isfinite(top))
    ok = np.isfinite(lw)
    shifted = np.where(ok, (np.where(ok, lw, 0.0) - np.where(ok, top, 0.0)) / temperature,
                       -np.inf)
    return np.einsum("dkl,dk->dl", onehot, np.exp(shifted))


def _nested_vote_values(scores, labels, label_value, order, temperature, k_max):
    """Weighted-vote value of every prefix (k = 1..k_max) of each row of `order` [D, n]."""
    D = order.shape[0]
    L = label_value.size
    tally = np.zeros((D, L))
    top = np.full(D, -np.inf)
    rows = np.arange(D)
    out = np.empty((D, k_max))
    for kk in range(k_max):                     # running tallies along the draws
        idx = order[:, kk]
        lab, sc = labels[idx], scores[idx]
        has = lab >= 0
        if math.isinf(temperature):
            tally[rows[has], lab[has]] += 1.0
        elif temperature == 0.0:
            higher = has & (sc > top)
            tally[higher] = 0.0
            top = np.where(higher, sc, top)
            at = has & (sc == top)
            tally[rows[at], lab[at]] += 1.0
        else:
            higher = has & (sc > top)
            # rescale the tallies to the new top score, then add the new weight
            tally[higher] *= np.exp((top[higher] - sc[higher]) / temperature)[:, None]
            top = np.where(higher, sc, top)
            tally[rows[has], lab[has]] += np.exp((sc[has] - top[has]) / temperature)
        out[:, kk] = _winner_value(tally, label_value)
    return out


def _weighted_vote(pool: Pool, k, temperature, replacement, max_exact, n_subsets, seed):
    """Weighted-vote accuracy [Q, K] and its Monte Carlo standard error [Q, K] (0 if exact).

    Where a question has at most `max_exact` draws of size k, all are enumerated. Otherwise
    `n_subsets` random orderings of the pool (or i.i.d. sequences, with replacement) are drawn
    once per question and their prefixes of length k serve every k (a prefix of a uniform
    random ordering is a uniform k-subset), with running tallies.
    """
    Q = pool.num_questions
    out = np.zeros((Q, k.size))
    err = np.zeros((Q, k.size))
    rng = np.random.default_rng(seed)
    for q in range(Q):
        v = pool.valid[q]
        s, lab, cor = pool.scores[q][v], pool.answers[q][v], pool.correct[q][v]
        n = s.size
        uniq, lab = np.unique(lab, return_inverse=True)
        label_value = np.zeros(max(int(np.sum(uniq >= 0)), 1))
        labelled = uniq >= 0
        lab = np.where(labelled[lab], lab - int(np.sum(~labelled)), -1)
        label_value[lab[lab >= 0]] = cor[lab >= 0]
        counts = np.array([n ** int(kk) if replacement else math.comb(n, int(kk)) for kk in k])
        exact = counts <= max_exact
        for ik in np.flatnonzero(exact):
            kk = int(k[ik])
            draws = (itertools.product(range(n), repeat=kk) if replacement
                     else itertools.combinations(range(n), kk))
            idx = np.array(list(draws)).reshape(-1, kk)
            tally = _tallies(s[idx], lab[idx], label_value.size, temperature)
            out[q, ik] = np.mean(_winner_value(tally, label_value))
        if np.all(exact):
            continue
        k_top = int(k[~exact].max())
        if replacement:
            order = rng.integers(0, n, size=(n_subsets, k_top))
        else:
            order = np.argsort(rng.random((n_subsets, n)), axis=1)[:, :k_top]
        vals = _nested_vote_values(s, lab, label_value, order, temperature, k_top)
        for ik in np.flatnonzero(~exact):
            col = vals[:, int(k[ik]) - 1]
            out[q, ik] = col.mean()
            err[q, ik] = col.std(ddof=1) / math.sqrt(n_subsets)
    return out, err


# --------------------------------------------------------------------------------------------
# several judge calls per sample (docs/theory.md §10)
# --------------------------------------------------------------------------------------------

def _check_calls(pool: Pool, calls, shared: bool) -> int:
    """m as an int, or a ValueError naming ``calls``: the pool must have calls, and some
    question (shared: calls that scored every sample) or sample (per candidate) must have m."""
    if pool.calls is None:
        raise ValueError("calls: this pool has one score per sample; build it with scores of "
                         "shape [questions, samples, calls]")
    if isinstance(calls, bool) or not isinstance(calls, (int, np.integer)) or calls < 1:
        raise ValueError(f"calls must be an integer >= 1, got {calls!r}")
    m = int(calls)
    if shared:
        most = int(pool.num_calls.max())
        if m > most:
            raise ValueError(f"calls = {m} exceeds the most shared calls of any question "
                             f"({most}: calls that scored every sample of the question)")
    else:
        most = int(np.max(np.where(pool.valid, np.sum(~np.isnan(pool.calls), axis=2), 0)))
        if m > most:
            raise ValueError(f"calls = {m} exceeds the most calls of any sample ({most})")
    return m


def _call_means(calls, index, weight):
    """Σ weight · calls at ``index`` ([Q, n, m]) over each sample's chosen calls: [Q, n]."""
    shape = calls.shape[:2] + index.shape[2:]
    return np.sum(np.take_along_axis(calls, np.broadcast_to(index, shape), axis=2)
                  * np.broadcast_to(weight, shape), axis=2)


_STACKED_ENTRIES = 2_000_000   # samples per batch of call-subset rounds run through a rule at once


def _stacked(pool: Pool, scores) -> Pool:
    """The pool repeated len(scores)/Q times under the given scores [b·Q, n_max] (a batch of
    call-subset rounds as extra questions)."""
    reps = scores.shape[0] // pool.num_questions
    new = object.__new__(Pool)
    valid = np.tile(pool.valid, (reps, 1))
    object.__setattr__(new, "scores", np.where(valid, scores, np.nan))
    object.__setattr__(new, "correct", np.tile(pool.correct, (reps, 1)))
    object.__setattr__(new, "answers", None if pool.answers is None
                       else np.tile(pool.answers, (reps, 1)))
    for field in ("questions", "calls"):
        object.__setattr__(new, field, None)
    object.__setattr__(new, "answer_names", pool.answer_names)
    object.__setattr__(new, "mixed_labels", pool.mixed_labels)
    return new


def _shared_subsets(pool: Pool, m: int, max_subsets: int, n_random: int, rng):
    """Each question's shared call subsets as 0/1 indicator rows over the pool's M calls.

    Returns (owners, exact, widths): ``owners`` is a list of (indicators [R, M], questions)
    where the questions share the same subsets (every subset of the same full calls, where
    there are at most ``max_subsets``), or one question with its own ``n_random`` random
    subsets; ``exact`` [Q] flags the enumerated questions; ``widths`` [Q] the calls per subset
    (m, or all the full calls of a question with fewer)."""
    full = np.all(~np.isnan(pool.calls) | ~pool.valid[:, :, None], axis=1)         # [Q, M]
    num_calls = pool.calls.shape[2]
    Q = pool.num_questions
    exact, widths = np.zeros(Q, bool), np.zeros(Q, np.int64)
    groups, owners = {}, []
    for q in range(Q):
        idx = np.flatnonzero(full[q])
        widths[q] = mq = min(m, idx.size)
        if math.comb(idx.size, mq) <= max_subsets:
            exact[q] = True
            groups.setdefault(tuple(idx), []).append(q)
        else:
            keys = rng.random((n_random, idx.size))
            owners.append((subset_indicators(idx[np.argsort(keys, axis=1)[:, :mq]], num_calls),
                           np.array([q])))
    for idx, qs in groups.items():
        subsets = list(itertools.combinations(idx, min(m, len(idx))))
        owners.append((subset_indicators(subsets, num_calls), np.array(qs)))
    return owners, exact, widths


def _take_questions(pool: Pool, idx) -> Pool:
    """The pool restricted to the questions ``idx`` (no checks: a view for internal use)."""
    new = object.__new__(Pool)
    for field in ("scores", "correct", "answers", "calls"):
        value = getattr(pool, field)
        object.__setattr__(new, field, None if value is None else value[idx])
    object.__setattr__(new, "questions", None)
    object.__setattr__(new, "answer_names", pool.answer_names)
    object.__setattr__(new, "mixed_labels", pool.mixed_labels)
    return new


def _over_calls(pool: Pool, m: int, shared: bool, rule_values, max_subsets: int,
                n_random: int, seed: int, best_of_k=None):
    """A rule's per-question values averaged over the choice of m calls (a question or sample
    with fewer uses all of its own): exact over every call subset where a question has at
    most ``max_subsets`` of them (shared calls), else over ``n_random`` random choices, whose
    spread gives the Monte Carlo error [Q, K].

    ``best_of_k`` = (k, replacement): the rule is best-of-k, whose average over enumerated
    subsets needs only the average tie-averaged correctness at each sorted position
    (`solvable.pools._call_subsets`)."""
    rng = np.random.default_rng([seed, 7, m])
    Q = pool.num_questions
    present = ~np.isnan(pool.calls)
    calls = np.where(present, pool.calls, 0.0)
    if shared:
        owners, exact, widths = _shared_subsets(pool, m, max_subsets, n_random, rng)
        if best_of_k is not None and exact.any():
            k, replacement = best_of_k
            values, err = np.zeros((Q, k.size)), np.zeros((Q, k.size))
            valid = pool.valid
            correct = np.where(valid, pool.correct, 0.0)
            for indicators, qs in owners:
                if exact[qs[0]]:
                    position = mean_position_values(calls[qs], correct[qs], valid[qs],
                                                    indicators, int(widths[qs[0]]))
                    values[qs] = _best_of_k_from_positions(position, pool.n[qs], k,
                                                           replacement)
            rest = np.flatnonzero(~exact)
            if rest.size:
                values[rest], err[rest] = _over_calls(
                    _take_questions(pool, rest), m, True, rule_values, max_subsets, n_random,
                    seed)
            return values, err
        sizes = np.zeros(Q, np.int64)
        for indicators, qs in owners:
            sizes[qs] = indicators.shape[0]
        rounds = int(sizes.max())
    else:
        own = present.sum(axis=2)
        exact = np.all(~pool.valid | (own <= m), axis=1)
        rounds = 1 if exact.all() else n_random
        exact[:] = rounds == 1
        sizes = np.full(Q, rounds)
        used = np.minimum(own, m)[:, :, None]
        weight = np.where(np.arange(m)[None, None, :] < used, 1.0 / np.maximum(used, 1), 0.0)
    total = sq = mc2 = 0.0
    n_max = pool.scores.shape[1]
    batch = max(1, min(rounds, _STACKED_ENTRIES // max(Q * n_max, 1)))
    for r0 in range(0, rounds, batch):
        b = min(batch, rounds - r0)
        if shared:        # each question's chosen calls: one batched product
            chosen = np.zeros((b, Q, calls.shape[2]))
            for indicators, qs in owners:
                chosen[:, qs, :] = indicators[(r0 + np.arange(b)) % len(indicators)][:, None]
            means = (np.einsum("qnm,bqm->bqn", calls, chosen)
                     / widths[None, :, None]).reshape(b * Q, n_max)
        else:
            means = []
            for _ in range(b):
                keys = np.where(present, rng.random(pool.calls.shape), np.inf)
                index = np.argsort(keys, axis=2)[:, :, :m]
                means.append(_call_means(calls, index, weight))
            means = np.concatenate(means)
        # the rounds of a batch go through the rule at once, as extra questions
        values, mc = rule_values(_stacked(pool, means))
        for j in range(b):
            r = r0 + j
            share = np.where(r < sizes, 1.0 / sizes, 0.0)[:, None]
            v, e = values[j * Q:(j + 1) * Q], mc[j * Q:(j + 1) * Q]
            total = total + share * v
            sq = sq + share * v ** 2
            mc2 = mc2 + share * e ** 2
    spread = np.where(exact[:, None], 0.0,
                      np.maximum(sq - total ** 2, 0.0) * sizes[:, None] / np.maximum(
                          sizes[:, None] - 1, 1))
    err = np.sqrt((spread + mc2) / sizes[:, None])
    return total, err


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------

def selection_curve(pool: Pool, rule: str, ks, *, temperature: float = 0.0,
                    replacement: bool = False, max_exact: int = 20_000,
                    n_subsets: int = 2_000, seed: int = 0, calls: Optional[int] = None,
                    shared_calls: bool = True, max_call_subsets: int = 256,
                    n_call_subsets: int = 256) -> SelectionCurve:
    """Accuracy of a selection rule on a pool, against k, exactly where possible.

    For each question the accuracy of the rule over a fresh draw of k answers: without
    replacement the exact average over all C(n, k) subsets (the unbiased estimate for the
    model that produced the pool), with replacement the exact law of k i.i.d. draws from the
    pool. See the module docstring for the formulas.

    Parameters
    ----------
    pool : Pool
    rule : {"pass", "best_of_k", "softmax", "majority", "weighted_vote"}
    ks : int or sequence of int
        Numbers of answers drawn, each ≥ 1 (and ≤ the smallest pool without replacement).
    temperature : float, default 0
        In the judge's score units: ``"softmax"`` picks i ∝ e^{s_i/T} (0: best-of-k, inf:
        uniform pick); ``"weighted_vote"`` weighs each answer by e^{s_i/T} (inf: majority vote,
        0: plurality among the top-scoring answers). Ignored by the other rules.
    replacement : bool, default False
    max_exact : int
        The weighted vote at 0 < T < ∞ enumerates every subset (or ordered draw) where there
        are at most this many, and otherwise estimates by Monte Carlo.
    n_subsets : int
        Random subsets per question and k for that Monte Carlo estimate.
    seed : int
        Seed of the Monte Carlo estimates (no rule is random where it is exact).
    calls : int, optional
        For a pool with several calls per sample (3-D scores): score each candidate by the
        mean of m = ``calls`` of them (docs/theory.md §10). None: the mean of all its calls.
        The rules that do not use scores (pass, majority) ignore it.
    shared_calls : bool, default True
        True: the same m calls score every candidate (a panel, unit tests run on every
        solution, reward-model samples scoring the whole set), drawn uniformly among the
        calls that scored every sample of the question (a question with fewer uses all of
        them); the value is averaged exactly over
        all C(M, m) call subsets where there are at most ``max_call_subsets``, and over
        ``n_call_subsets`` random subsets otherwise (flagged, with its Monte Carlo error).
        False: each candidate gets its own m calls, drawn uniformly among its own (all of
        them where it has fewer); averaged over ``n_call_subsets`` random assignments (Monte
        Carlo, flagged) unless every sample has at most m calls.
    max_call_subsets, n_call_subsets : int
        See ``shared_calls``. Best-of-k (and the softmax at T = 0) averages over enumerated
        subsets by sorting each subset's scores once, about 20 times faster per subset than
        the other rules (docs/theory.md §10): enumerating all 65,535 subsets of 16 calls for
        500 questions × 64 samples takes about 25 s on two cores, so a larger
        ``max_call_subsets`` is cheap for it.

    Returns
    -------
    SelectionCurve
        ``k``, ``mean``, ``stderr`` (over questions), ``per_question`` [Q, K], and ``exact`` /
        ``mc_stderr`` saying where a Monte Carlo estimate was used.

    Examples
    --------
    >>> from solvable import pools
    >>> pool = pools.Pool([[3.0, 1.0, 2.0, 0.0]], [[0, 1, 0, 0]])
    >>> pools.selection_curve(pool, "best_of_k", [1, 2, 4]).mean.round(4).tolist()
    [0.25, 0.1667, 0.0]
    >>> pools.selection_curve(pool, "pass", [1, 2]).mean.round(4).tolist()
    [0.25, 0.5]
    """
    if not isinstance(pool, Pool):
        raise ValueError(f"pool must be a solvable.pools.Pool, got {type(pool).__name__}")
    _check_rule(rule)
    if not isinstance(replacement, (bool, np.bool_)):
        raise ValueError(f"replacement must be True or False, got {replacement!r}")
    t = _check_temperature(temperature)
    check_real("ks", ks)
    check_integer_at_least("seed", seed, 0)
    k = _check_ks(ks, pool, bool(replacement))
    for name, value in (("max_exact", max_exact), ("n_subsets", n_subsets)):
        if not isinstance(value, (int, np.integer)) or value < (1 if name == "max_exact" else 2):
            raise ValueError(f"{name} must be an integer >= {1 if name == 'max_exact' else 2}, "
                             f"got {value!r}")
    if rule in _FLAG_RULES:
        _check_flags(pool, rule)
    if rule in ("majority", "weighted_vote") and pool.answers is None:
        raise ValueError(f"rule {rule!r} needs answer labels: build the Pool with answers=")
    if rule == "weighted_vote" and pool.mixed_labels and not math.isinf(t):
        raise ValueError("rule 'weighted_vote' needs labels whose samples agree on correct; "
                         "this pool has mixed_labels=True (the plurality vote is exact there)")
    check_bool("shared_calls", shared_calls)
    check_integer_at_least("max_call_subsets", max_call_subsets, 1)
    check_integer_at_least("n_call_subsets", n_call_subsets, 2)

    def rule_values(p: Pool):
        mc = np.zeros((p.num_questions, k.size))
        if rule == "pass":
            per_q = _pass(p, k, replacement)
        elif rule == "best_of_k" or (rule == "softmax" and t == 0.0):
            per_q = _best_of_k(p, k, replacement)
        elif rule == "softmax" and math.isinf(t):
            per_q = np.repeat((np.nansum(p.correct, axis=1) / p.n)[:, None], k.size, axis=1)
        elif rule == "softmax":
            per_q = _softmax(p, k, t, replacement)
        elif rule == "majority" or (rule == "weighted_vote" and math.isinf(t)):
            per_q = _majority(p, k, replacement)
        else:
            per_q, mc = _weighted_vote(p, k, t, replacement, max_exact, n_subsets, seed)
        return per_q, mc

    if calls is None:
        per_q, mc = rule_values(pool)
    else:
        m = _check_calls(pool, calls, shared_calls)
        uses_scores = rule not in ("pass", "majority") and not (
            rule in ("softmax", "weighted_vote") and math.isinf(t))
        if not uses_scores:
            per_q, mc = rule_values(pool)
        else:
            bok = (k, bool(replacement)) if (
                rule == "best_of_k" or (rule == "softmax" and t == 0.0)) else None
            per_q, mc = _over_calls(pool, m, bool(shared_calls), rule_values,
                                    max_call_subsets, n_call_subsets, seed, best_of_k=bok)
    if not np.all(np.isfinite(per_q)):   # a defect, never an answer: say so
        raise FloatingPointError(f"selection_curve: non-finite value for rule {rule!r}, T = {t}")
    per_q = np.clip(per_q, *(_value_range(pool)))
    Q = pool.num_questions
    mean = per_q.mean(axis=0)
    sd = per_q.std(axis=0, ddof=1) if Q > 1 else np.zeros(k.size)
    mc_se = np.sqrt(np.sum(mc ** 2, axis=0)) / Q
    stderr = np.sqrt(sd ** 2 / Q + mc_se ** 2)
    return SelectionCurve(rule=rule, temperature=t, replacement=bool(replacement), k=k,
                          per_question=per_q, mean=mean, stderr=stderr,
                          exact=np.all(mc == 0, axis=0), mc_stderr=mc_se)


def _value_range(pool: Pool):
    """Rounding guard: a rule's value lies between the smallest and largest correctness."""
    c = pool.correct[pool.valid]
    return min(0.0, float(c.min())), max(1.0, float(c.max()))


def best_k(pool: Pool, rule: str, ks, *, temperatures=(0.0,), replacement: bool = False,
           n_boot: int = 1000, seed: int = 0, **curve_options) -> BestSetting:
    """The best k (and T) of a grid for a rule on a pool, with its uncertainty.

    The accuracy of every (k, T) on the grid is computed by `selection_curve`; the best point
    is the argmax of the mean over questions. Its uncertainty is reported two ways: the share
    of bootstrap resamples of the questions (``n_boot``, paired across the grid) whose argmax
    it is, and the set of grid points whose paired difference to the best is within 1.96
    standard errors (``plausible``).

    Parameters
    ----------
    pool : Pool
    rule : str
        As in `selection_curve`.
    ks : sequence of int
    temperatures : sequence of float, default (0.0,)
    replacement : bool
    n_boot : int
        Bootstrap resamples of the questions.
    seed : int
        Seed of the bootstrap.
    **curve_options
        Passed to `selection_curve` (``max_exact``, ``n_subsets``).

    Returns
    -------
    BestSetting

    Examples
    --------
    >>> from solvable import pools
    >>> pool = pools.Pool([[3.0, 1.0, 2.0, 0.0], [0.5, 0.1, 0.2, 0.3]],
    ...                   [[1, 0, 0, 0], [0, 0, 1, 0]])
    >>> best = pools.best_k(pool, "best_of_k", [1, 2, 3, 4], n_boot=200)
    >>> best.k, round(best.mean, 3)
    (4, 0.5)
    """
    check_instance("pool", pool, Pool, "a solvable.pools.Pool")
    _check_rule(rule)
    check_real("ks", ks)
    check_real("temperatures", temperatures)
    check_bool("replacement", replacement)
    check_integer_at_least("seed", seed, 0)
    temps = [float(t) for t in np.atleast_1d(temperatures)]
    if len(temps) == 0:
        raise ValueError("temperatures must not be empty")
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be an integer >= 1, got {n_boot!r}")
    curves = [selection_curve(pool, rule, ks, temperature=t, replacement=replacement,
                              **curve_options) for t in temps]
    return best_of_curves(curves, n_boot=n_boot, seed=seed)


def best_of_curves(curves, *, n_boot: int = 1000, seed: int = 0) -> BestSetting:
    """`best_k` on curves already computed: one rule's curves at several temperatures.

    Parameters
    ----------
    curves : list of SelectionCurve
        The same rule and ks, one per temperature (their ``temperature`` fields are the T
        grid).
    n_boot, seed : int
        As in `best_k`.

    Returns
    -------
    BestSetting
    """
    temps = [float(c.temperature) for c in curves]
    k = curves[0].k
    per_q = np.stack([c.per_question for c in curves])                  # [T, Q, K]
    grid = per_q.mean(axis=1)
    it, ik = np.unravel_index(int(np.argmax(grid)), grid.shape)
    Q = per_q.shape[1]
    rng = np.random.default_rng(seed)
    boot = rng.integers(0, Q, size=(n_boot, Q))
    best_counts = np.zeros(grid.shape)
    for b in boot:
        g = per_q[:, b, :].mean(axis=1)
        best_counts[np.unravel_index(int(np.argmax(g)), g.shape)] += 1
    diff = per_q[it, :, ik][None, :, None] - per_q                       # [T, Q, K]
    se = diff.std(axis=1, ddof=1) / math.sqrt(Q) if Q > 1 else np.zeros(grid.shape)
    plausible = [(int(k[j]), temps[i]) for i in range(len(temps)) for j in range(k.size)
                 if diff[i, :, j].mean() <= 1.96 * se[i, j]]
    return BestSetting(k=int(k[ik]), temperature=temps[it], mean=float(grid[it, ik]),
                       stderr=float(curves[it].stderr[ik]),
                       bootstrap_share=float(best_counts[it, ik] / n_boot),
                       plausible=plausible, grid=grid)


# --------------------------------------------------------------------------------------------
# shipped data: RewardMATH
# --------------------------------------------------------------------------------------------

_DATA = Path(__file__).resolve().parent.parent / "data" / "rewardmath.npz"
_PRM_AGGREGATES = ("min", "last", "product", "mean")


@functools.lru_cache(maxsize=1)
def _rewardmath_arrays():
    with np.load(_DATA) as f:
        return {name: f[name] for name in f.files}


def _judges():
    names = sorted({key.split("/")[0] for key in _rewardmath_arrays()}, key=str.lower)
    return tuple(names)


def __getattr__(name):
    if name == "REWARDMATH_JUDGES":     # read from the shipped data on first use
        return _judges()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def rewardmath(judge: str, aggregate: str = "min") -> Pool:
    """Real judge scores on MATH solutions: 483 problems × 10 candidate solutions.

    From "Evaluating Robustness of Reward Models for Mathematical Reasoning" (Kim et al.,
    arXiv 2410.01729; MIT license, see ``solvable/data/README.md``). Each problem has ten
    candidate solutions of which exactly the first is correct, scored by one of 22 judges:
    LLM judges (integer scores, frequent ties), classifier reward models, and process reward
    models (a score per step, aggregated here by `aggregate`). The candidates are not samples
    of one model, so the pool answers "how well does this judge pick the correct solution
    out of k random candidates". No answer labels are available (the vote rules need them).

    Parameters
    ----------
    judge : str
        One of `REWARDMATH_JUDGES` (case-insensitive).
    aggregate : {"min", "last", "product", "mean"}
        Aggregation of a process reward model's step scores (ignored for other judges).

    Returns
    -------
    Pool

    Examples
    --------
    >>> from solvable import pools
    >>> pool = pools.rewardmath("internlm2")
    >>> pool.num_questions, int(pool.n[0])
    (483, 10)
    >>> round(float(pools.selection_curve(pool, "best_of_k", [1]).mean[0]), 3)
    0.1
    """
    arrays = _rewardmath_arrays()
    by_lower = {j.lower(): j for j in _judges()}
    if not isinstance(judge, str) or judge.lower() not in by_lower:
        raise ValueError(f"judge must be one of {', '.join(_judges())}; got {judge!r}")
    name = by_lower[judge.lower()]
    if name in arrays:
        scores = arrays[name]
    else:
        if aggregate not in _PRM_AGGREGATES:
            raise ValueError(f"aggregate must be one of {_PRM_AGGREGATES}, got {aggregate!r}")
        scores = arrays[f"{name}/{aggregate}"]
    scores = scores.astype(np.float64)
    correct = np.zeros_like(scores)
    correct[:, 0] = 1.0
    return Pool(scores, correct)




def rewardmath_panel(judges=None, aggregate: str = "min") -> Pool:
    """The RewardMATH judges as a panel: a pool whose M calls are M judges (docs/theory.md §10).

    Each judge's scores are standardised over all its scores (zero mean, unit variance over
    the 4,830 scored solutions), so that the mean over a subset of judges weighs them alike;
    ``selection_curve(panel, "best_of_k", ks, calls=m)`` is then the accuracy of a random
    panel of m of them.

    Parameters
    ----------
    judges : sequence of str, optional
        Judges of `REWARDMATH_JUDGES` (default: all 22).
    aggregate : {"min", "last", "product", "mean"}
        Aggregation of the process reward models' step scores.

    Returns
    -------
    Pool
        Scores of shape [483, 10, M] (the pool's `scores` are the whole panel's mean).

    Examples
    --------
    >>> from solvable import pools
    >>> panel = pools.rewardmath_panel(["internlm2", "ArmoRM", "gpt4"])
    >>> panel.calls.shape, int(panel.num_calls.max())
    ((483, 10, 3), 3)
    """
    names = _judges() if judges is None else judges
    if isinstance(names, str) or not isinstance(names, (list, tuple)) or not len(names):
        raise ValueError(f"judges must be a non-empty list of judge names, got {judges!r}")
    if aggregate not in _PRM_AGGREGATES:
        raise ValueError(f"aggregate must be one of {_PRM_AGGREGATES}, got {aggregate!r}")
    columns = []
    for name in names:
        s = rewardmath(name, aggregate).scores
        sd = s.std()
        columns.append((s - s.mean()) / (sd if sd > 0 else 1.0))
    calls = np.stack(columns, axis=2)
    correct = np.zeros(calls.shape[:2])
    correct[:, 0] = 1.0
    return Pool(calls, correct)
