"""Shipped real data: CodeGen-Mono-16B code samples on HumanEval with model-written tests.

From the public repository ``microsoft/CodeT`` (commit 35f54d60b152, folder ``CodeT/``), released
with "CodeT: Code Generation with Generated Tests" (Chen et al., ICLR 2023, arXiv 2207.10397)
under the MIT license (Copyright (c) Microsoft Corporation; ``solvable/data/LICENSE.codet``). The
problems are OpenAI's HumanEval (MIT license). ``solvable/data/README.md`` describes the archive
and ``solvable/data/derive_codet.py`` how it was derived (the sampled programs were executed
there, in a sandbox; nothing here runs code).
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np

from .._validate import check_integer_at_least
from .curves import Pool

__all__ = ["CodetArrays", "codet_arrays", "codet_humaneval"]

_DATA = Path(__file__).resolve().parent.parent / "data" / "codet_humaneval.npz"


@dataclasses.dataclass(frozen=True)
class CodetArrays:
    """The CodeT HumanEval pool as arrays (read-only), Q = 164 problems by n = 100 samples.

    Attributes
    ----------
    task_ids : tuple of str
        HumanEval task ids, ``"HumanEval/0"`` ... in the order of the problems.
    correct : ndarray of bool, shape (Q, n)
        Whether each sampled program passes the problem's hidden tests.
    labels : ndarray of int, shape (Q, n)
        Answer labels: samples of one problem share a label iff they pass exactly the same set
        of generated asserts (ids 0, 1, ... in order of first appearance).
    passes : ndarray of float64, shape (Q, n, M_max)
        1.0 where a sample passes a generated (model-written) assert, 0.0 where it fails, NaN
        beyond the problem's `num_asserts` (M_max = ``num_asserts.max()``).
    num_asserts : ndarray of int, shape (Q,)
        M_q, the number of distinct generated asserts of each problem (at most 500).
    """

    task_ids: tuple[str, ...]
    correct: np.ndarray
    labels: np.ndarray
    passes: np.ndarray
    num_asserts: np.ndarray


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@functools.lru_cache(maxsize=1)
def codet_arrays() -> CodetArrays:
    """Load the shipped CodeT HumanEval pool (see `CodetArrays` and the module docstring).

    Returns
    -------
    CodetArrays
        The same (cached, read-only) object on every call.

    Examples
    --------
    >>> from solvable.pools.codet import codet_arrays
    >>> data = codet_arrays()
    >>> data.task_ids[0], data.correct.shape
    ('HumanEval/0', (164, 100))
    >>> bool(data.passes.shape[2] == data.num_asserts.max())
    True
    """
    with np.load(_DATA) as f:
        task_ids = tuple(str(t) for t in f["task_ids"])
        correct = f["correct"].astype(bool)
        labels = f["labels"].astype(np.int64)
        num_asserts = f["num_asserts"].astype(np.int64)
        packed = f["passes"]
    width = int(num_asserts.max())
    bits = np.unpackbits(packed, axis=-1)[..., :width].astype(np.float64)
    beyond = np.arange(width)[None, None, :] >= num_asserts[:, None, None]
    bits[np.broadcast_to(beyond, bits.shape)] = np.nan
    return CodetArrays(task_ids=task_ids, correct=_frozen(correct), labels=_frozen(labels),
                       passes=_frozen(bits), num_asserts=_frozen(num_asserts))


def codet_humaneval(min_asserts: int = 1) -> Pool:
    """The CodeT HumanEval pool as a `Pool` whose judge calls are the model-written tests.

    164 HumanEval problems × 100 programs sampled from CodeGen-Mono-16B (see `codet_arrays` and
    ``solvable/data/README.md``): ``correct`` from the hidden tests; the calls [Q, 100, M_q]
    are the problem's M_q generated asserts (1 passed, 0 failed), so a program's score over m
    calls is the fraction of m asserts it passes, and ``selection_curve(pool, "best_of_k", ks,
    calls=m)`` is best-of-k judged by m random generated tests shared by all candidates
    (docs/theory.md §10); the answer labels group programs that pass the same generated
    asserts (CodeT's consensus sets), which can mix right and wrong programs
    (``mixed_labels=True``: the plurality vote is exact, the weighted vote refused).

    Parameters
    ----------
    min_asserts : int, default 1
        Keep the problems with at least this many generated asserts (9 problems have none; a
        pool's samples need a score).

    Returns
    -------
    Pool
        Questions named by their HumanEval task ids.

    Examples
    --------
    >>> from solvable.pools.codet import codet_humaneval
    >>> pool = codet_humaneval()
    >>> pool.num_questions, int(pool.n[0]), int(pool.num_calls.max())
    (155, 100, 257)
    """
    check_integer_at_least("min_asserts", min_asserts, 1)
    data = codet_arrays()
    keep = data.num_asserts >= int(min_asserts)
    if not keep.any():
        raise ValueError(f"min_asserts = {min_asserts} leaves no problem (the most asserts "
                         f"of a problem is {int(data.num_asserts.max())})")
    width = int(data.num_asserts[keep].max())
    return Pool(np.array(data.passes[keep, :, :width]), data.correct[keep].astype(float),
                np.array(data.labels[keep]),
                questions=[t for t, k in zip(data.task_ids, keep) if k], mixed_labels=True)
