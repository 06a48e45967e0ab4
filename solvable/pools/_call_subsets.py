"""Best-of-k averaged exactly over every subset of a question's shared judge calls.

With m of M shared calls, a candidate's score is the mean of the m chosen calls, and the
best-of-k value of a question is the average over the C(M, m) call subsets S of the exact
best-of-k value on the subset's scores (docs/theory.md §10). On one subset, with the valid
samples sorted by score and c̄_p the correctness at sorted position p averaged over the
samples whose score equals position p's (ties are uniform),

    value_k(S) = Σ_p c̄_p [F(p) − F(p − 1)],    F(a) = C(a, k)/C(n, k)  (or (a/n)^k),

a sum over the hockey-stick identity Σ_{p=lo}^{hi} [F(p) − F(p−1)] = F(hi) − F(lo − 1) of the
§7 form. F does not depend on S, so the average over subsets needs only the average of c̄_p:
one sort per subset and question, and one product with F's table at the end. The sort is the
whole cost (C(16, 8) = 12,870 subsets of 500 questions × 64 samples are 4·10^8 scores), so it
is made cheap:

- the scores of a batch of subsets are one matrix product with the subsets' 0/1 indicators
  (a sum of the chosen calls, then divided by m: calls that are integers, such as pass/fail
  verdicts, give equal means for equal counts whatever the order of summation);
- for 0/1 correctness, the flag is written into the lowest bit of each score's float64 bits
  and the keys are sorted as floats (no argsort, no gather): distinct keys keep the scores'
  order wherever the scores differ by more than one unit in the last place, and a sorted key's
  lowest bit is the flag at that position. A row where two adjacent keys differ in the flag
  alone holds a tie of right and wrong samples or two scores one unit apart, and is recomputed
  exactly with an argsort; a run of equal keys with equal flags needs no averaging.

Batches of subsets run on a thread pool (NumPy's sort and arithmetic release the GIL).
"""

from __future__ import annotations

import threading

import numpy as np

from .._parallel import thread_map

__all__ = ["subset_indicators", "run_bounds", "tie_means", "mean_position_values"]

_BATCH_ENTRIES = 1_000_000   # scores per batch of subsets (8 MB of float64 per buffer)
_ONE = np.int64(1)
_NOT_ONE = ~np.int64(1)
_local = threading.local()


def subset_indicators(subsets, num_calls: int) -> np.ndarray:
    """[R, M] 0/1 matrix of R call subsets given as index rows [R, m]."""
    subsets = np.asarray(subsets, np.int64)
    out = np.zeros((subsets.shape[0], num_calls))
    out[np.arange(subsets.shape[0])[:, None], subsets] = 1.0
    return out


def run_bounds(equal):
    """First and last sorted position of each position's run of equal scores, [B, n] each.

    ``equal`` [B, n − 1]: ``equal[:, j]`` says that sorted positions j and j + 1 hold equal
    scores.
    """
    b, n1 = equal.shape
    n = n1 + 1
    j = np.broadcast_to(np.arange(n), (b, n))
    first = np.ones((b, n), bool)
    first[:, 1:] = ~equal
    last = np.ones((b, n), bool)
    last[:, :-1] = ~equal
    start = np.maximum.accumulate(np.where(first, j, 0), axis=1)
    end = np.flip(np.minimum.accumulate(np.flip(np.where(last, j, n), axis=1), axis=1), axis=1)
    return start, end


def tie_means(equal, values):
    """``values`` [B, n] in sorted order, averaged over each run of equal scores (``equal`` as
    in `run_bounds`)."""
    b, n = values.shape
    start, end = run_bounds(equal)
    total = np.zeros((b, n + 1))
    np.cumsum(values, axis=1, out=total[:, 1:])
    return ((np.take_along_axis(total, end + 1, axis=1) - np.take_along_axis(total, start, axis=1))
            / (end - start + 1))


def _sorted_tie_means(scores, correct):
    """The general route: argsort each row (NaN last), correctness averaged over ties."""
    order = np.argsort(scores, axis=1)
    s = np.take_along_axis(scores, order, axis=1)
    c = np.take_along_axis(correct, order, axis=1)
    equal = s[:, 1:] == s[:, :-1]
    return tie_means(equal, c) if equal.any() else c


def _buffers(b: int, q: int, n: int):
    """This thread's work arrays for a batch of b subsets (reused: no page faults per batch)."""
    bufs = getattr(_local, "bufs", None)
    if bufs is None or bufs[0].shape != (b, q, n):
        bufs = (np.empty((b, q, n)), np.empty((b * q, n - 1), np.int64),
                np.empty((b * q, n - 1), bool), np.empty((b * q, n), np.int64))
        _local.bufs = bufs
    return bufs


def _scores(calls, indicators, m, invalid):
    """Mean scores [b, Q, n] of the subsets ``indicators`` [b, M] (NaN where no sample)."""
    s = np.einsum("bm,qnm->bqn", indicators, calls) / m + 0.0
    if invalid is not None:
        s[:, invalid] = np.nan
    return s


def _batch_binary(calls, flags, correct, indicators, m, invalid):
    """Σ over the batch's subsets of c̄ at each sorted position, [Q, n], for 0/1 correctness."""
    q, n, num_calls = calls.shape
    b = indicators.shape[0]
    keys, diff, equal, tag = _buffers(b, q, n)
    flat = keys.reshape(b, q * n)
    np.matmul(indicators, calls.reshape(q * n, num_calls).T, out=flat)
    flat /= m
    flat += 0.0                                   # −0.0 → +0.0: equal scores, equal bits
    if invalid is not None:
        keys[:, invalid] = np.nan                 # sorts last, flag 0
    bits = keys.view(np.int64)
    bits &= _NOT_ONE
    bits |= flags
    rows2 = bits.reshape(b * q, n)
    keys.reshape(b * q, n).sort(axis=1)
    np.bitwise_xor(rows2[:, 1:], rows2[:, :-1], out=diff)
    np.equal(diff, 1, out=equal)                  # same score bits but the last, flags differ
    mixed = np.flatnonzero(equal.any(axis=1))
    np.bitwise_and(rows2, _ONE, out=tag)
    total = tag.reshape(b, q, n).sum(axis=0).astype(np.float64)
    if mixed.size:
        r, qq = np.divmod(mixed, q)
        s = np.einsum("rm,rnm->rn", indicators[r], calls[qq]) / m + 0.0
        if invalid is not None:
            s[invalid[qq]] = np.nan
        exact = _sorted_tie_means(s, correct[qq])
        np.add.at(total, qq, exact - tag[mixed])
    return total


def _batch_general(calls, correct, indicators, m, invalid):
    """As `_batch_binary` for any correctness: argsort and gather."""
    q, n, _ = calls.shape
    b = indicators.shape[0]
    s = _scores(calls, indicators, m, invalid).reshape(b * q, n)
    c = np.broadcast_to(correct, (b, q, n)).reshape(b * q, n)
    return _sorted_tie_means(s, c).reshape(b, q, n).sum(axis=0)


def mean_position_values(calls, correct, valid, indicators, m: int) -> np.ndarray:
    """The average over call subsets of c̄_p, the correctness at sorted position p averaged
    over ties: [Q, n_max], positions ascending in score, the valid samples first.

    Parameters
    ----------
    calls : [Q, n_max, M] float64, finite (0 where a call or sample is missing)
    correct : [Q, n_max] float64, 0 where no sample
    valid : [Q, n_max] bool
    indicators : [R, M] 0/1, the call subsets (each of m calls)
    m : int
    """
    q, n, _ = calls.shape
    if n == 1:
        return np.where(valid, correct, 0.0)
    invalid = None if valid.all() else ~valid
    # the flag route needs finite means (an infinite key's lowest bit would make it NaN)
    binary = (bool(np.all((correct == 0) | (correct == 1)))
              and float(np.max(np.abs(calls), initial=0.0)) < 1e300 / calls.shape[2])
    flags = correct.astype(np.int64)
    size = max(1, _BATCH_ENTRIES // (q * n))
    batches = [indicators[r:r + size] for r in range(0, indicators.shape[0], size)]
    if binary:
        sums = thread_map(lambda x: _batch_binary(calls, flags, correct, x, m, invalid), batches)
    else:
        sums = thread_map(lambda x: _batch_general(calls, correct, x, m, invalid), batches)
    return sum(sums) / indicators.shape[0]
