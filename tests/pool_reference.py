"""Brute-force references for `solvable.pools`: every subset (or ordered draw) enumerated.

Written independently of the module under test: plain Python over itertools, exact fractions
for ties, and each rule's definition applied to each draw.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

# The rules' definition of a tie (docs/theory.md §7): scores tie only when equal; weighted-vote
# tallies (sums of e^{s/T}) tie when within this relative distance of the top tally, so that
# tallies equal in exact arithmetic stay tied whatever the order of summation.
TALLY_TIE_RTOL = 1e-12


def _draws(n, k, replacement):
    if replacement:
        return itertools.product(range(n), repeat=k)
    return itertools.combinations(range(n), k)


def rule_value(rule, scores, correct, answers, idx, temperature):
    """The rule's expected value on one draw `idx` (ties uniform)."""
    s = [scores[i] for i in idx]
    c = [correct[i] for i in idx]
    if rule == "pass":
        return float(any(v == 1 for v in c))
    if rule == "best_of_k" or (rule == "softmax" and temperature == 0):
        top = max(s)
        kept = [v for v, x in zip(c, s) if x == top]
        return sum(kept) / len(kept)
    if rule == "softmax":
        if math.isinf(temperature):
            return sum(c) / len(c)
        m = max(s)
        w = [math.exp((x - m) / temperature) for x in s]
        return sum(wi * ci for wi, ci in zip(w, c)) / sum(w)
    labels = [answers[i] for i in idx]
    value = {answers[i]: correct[i] for i in idx}
    tally: dict = {}
    if rule == "majority" or math.isinf(temperature):
        tally = Counter(l for l in labels if l >= 0)
    elif temperature == 0:
        labelled = [x for x, l in zip(s, labels) if l >= 0]
        if labelled:
            top = max(labelled)
            tally = Counter(l for x, l in zip(s, labels) if l >= 0 and x == top)
    else:
        m = max(s)
        for x, l in zip(s, labels):
            if l >= 0:
                tally[l] = tally.get(l, 0.0) + math.exp((x - m) / temperature)
    if not tally:
        return 0.0
    best = max(tally.values())
    if rule == "weighted_vote" and 0 < temperature < math.inf:
        winners = [l for l, v in tally.items() if v >= best * (1.0 - TALLY_TIE_RTOL)]
    else:                                    # counts: integers, compared exactly
        winners = [l for l, v in tally.items() if v == best]
    return sum(value[l] for l in winners) / len(winners)


def brute_force(rule, scores, correct, answers, k, temperature=0.0, replacement=False):
    """Average of `rule_value` over all draws of k from one question's pool."""
    n = len(scores)
    vals = [rule_value(rule, scores, correct, answers, idx, temperature)
            for idx in _draws(n, k, replacement)]
    return sum(vals) / len(vals)
