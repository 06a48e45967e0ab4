"""Search methods against exact enumeration on small trees (docs/theory.md §9)."""

import itertools

import jax
import numpy as np
import pytest

from solvable import smc
from solvable.smc import search as S

from smc_helpers import z_scores
from test_scale import exact_smc_law

Z_MAX = 4.5  # two-sided per-bin z tolerance, ≤ 16 bins per test


@pytest.fixture(scope="module")
def small():
    """T = 4, B = 2 decoy tree with a generic (tie-free) PRM: decoy errors plus node noise."""
    m, c, d = S.decoy_tree(jax.random.key(5), 4, 2, n_correct=2, n_decoys=2)
    base = S.decoy_prm(m, c, d, 0.4)
    noisy = smc.noisy_values(jax.random.key(6), m, 0.3, base=None)
    logs = tuple(a + b - e for a, b, e in zip(base.log, noisy.log, smc.exact_values(m).log))
    return m, c, d, smc.Values(logs)


def brute_beam(model, prm, width):
    """Deterministic beam search with all children, by explicit lists and sorting."""
    B, beams = model.B, [0]
    lv = [np.asarray(a) for a in prm.log]
    steps = 0
    for t in range(model.T):
        cand = []
        for q in beams:
            for b in range(B):
                if q * B + b not in cand:
                    cand.append(q * B + b)
            steps += B
        beams = sorted(cand, key=lambda x: -lv[t + 1][x])[:width]
    return max(beams, key=lambda x: lv[-1][x]), steps


@pytest.mark.parametrize("width", [1, 2, 3, 5])
def test_beam_all_children_matches_brute_force(small, width):
    m, _, _, prm = small
    got = S.beam_search(jax.random.key(0), m, prm, width * 2 * m.T, width=width)
    node, steps = brute_beam(m, prm, width)
    assert int(got.node) == node and int(got.steps) == steps


def beam_law_sampled(model, prm, width, b):
    """Law of the sampled beam search's answer: enumerate every draw of the M·b children per
    level (root: M copies), keep the M best (copies count), answer the best outcome score."""
    probs = [np.exp(np.asarray(a)) for a in model.log_probs]
    lv = [np.asarray(a) for a in prm.log]
    B = model.B
    law = np.zeros(model.sizes[-1])

    def rec(t, beams, pr):
        if t == model.T:
            law[max(beams, key=lambda x: lv[-1][x])] += pr
            return
        parents = [q for q in beams for _ in range(b)]
        for toks in itertools.product(range(B), repeat=len(parents)):
            p = pr * np.prod([probs[t][q, s] for q, s in zip(parents, toks)])
            kids = [q * B + s for q, s in zip(parents, toks)]  # copies kept
            rec(t + 1, sorted(kids, key=lambda x: -lv[t + 1][x])[:width], p)

    rec(0, [0] * width, 1.0)
    return law


def test_sampled_beam_and_dvts_success_against_enumeration(small):
    m, c, _, prm = small
    m3 = smc.tree_model([np.exp(np.asarray(a)) for a in m.log_probs[:3]],
                        np.ones(8))  # T = 3 prefix tree: enumeration 4^2 · 4^2 · 4^2 draws
    c3 = c.reshape(8, 2).any(1)
    prm3 = smc.Values(tuple(prm.log[:3]) + (prm.log[3],))
    law = beam_law_sampled(m3, prm3, 2, 1)
    p_beam = law[c3].sum()
    # DVTS with two subtrees: the better of two independent answers by outcome score
    lvT = np.asarray(prm3.log[-1])
    p_dvts = sum(law[i] * law[j] for i in range(8) for j in range(8)
                 if c3[i if lvT[i] >= lvT[j] else j])
    n = 6000
    keys = jax.random.split(jax.random.key(1), n)
    beam = np.asarray(jax.vmap(lambda k: S.beam_search(k, m3, prm3, 6, width=2, n_children=1).node)(keys))
    tree = np.asarray(jax.vmap(lambda k: S.dvts(k, m3, prm3, 12, width=2, n_children=1).node)(keys))
    assert np.max(np.abs(z_scores(np.bincount(beam, minlength=8), n, law))) < Z_MAX
    for got, p in ((beam, p_beam), (tree, p_dvts)):
        assert abs(c3[got].mean() - p) / np.sqrt(p * (1 - p) / n) < Z_MAX


def test_best_of_n_search_law(small):
    """Its answer law is best-of-N under the outcome score (exact law of `exact`)."""
    m, _, _, prm = small
    scored = m._replace(log_reward=prm.log[-1])
    n = 8000
    keys = jax.random.split(jax.random.key(2), n)
    got = np.asarray(jax.vmap(lambda k: S.best_of_n_search(k, m, prm, 3 * m.T + 1).node)(keys))
    law = smc.best_of_n_law(scored, 3)
    assert np.max(np.abs(z_scores(np.bincount(got, minlength=16), n, law))) < Z_MAX


def test_particle_filter_last_log_ratio_is_fk_smc():
    """Step scores V_t/V_{t−1}, 'last', log link, τ = 1, sampled answer: the filter's output
    law equals FK SMC's, enumerated over every particle history (T = 3, N = 2); 'product' of
    the prefix scores V_t is another law (its z-scores against FK are large)."""
    m, c, d = S.decoy_tree(jax.random.key(3), 3, 2, n_correct=1, n_decoys=1)
    prm = S.decoy_prm(m, c, d, 0.5)
    lv = [np.asarray(a) for a in prm.log]
    lp = [np.asarray(a) for a in m.log_probs]
    fk = exact_smc_law(8, 2, 3, 2, lambda t, q: lp[t][q], lambda t, q: lv[t][q])
    n = 20_000
    keys = jax.random.split(jax.random.key(4), n)
    ratio = S.ratio_scores(m, prm)

    def hist(**kw):
        f = lambda k: S.llm_particle_filter(k, m, prm, 6, answer="sample", **kw).node  # noqa: E731
        return np.bincount(np.asarray(jax.vmap(f)(keys)), minlength=8)

    pf = hist(aggregation="last", link="log", temperature=1.0, step_scores=ratio)
    assert np.max(np.abs(z_scores(pf, n, fk))) < Z_MAX
    smc_nodes = np.asarray(jax.vmap(lambda k: S.smc_search(k, m, prm, 6).node)(keys))
    assert np.max(np.abs(z_scores(np.bincount(smc_nodes, minlength=8), n, fk))) < Z_MAX
    prod = hist(aggregation="product", link="log", temperature=1.0)
    assert np.max(np.abs(z_scores(prod, n, fk))) > 2 * Z_MAX  # measured max |z| = 12.2


def test_budgets_counted(small):
    m, _, _, prm = small
    assert int(S.best_of_n_search(jax.random.key(0), m, prm, 4 * m.T + 3).steps) == 4 * m.T
    assert int(S.llm_particle_filter(jax.random.key(0), m, prm, 5 * m.T).steps) == 5 * m.T
    # all children, width 3, B = 2: 2·min(3, 2^t) generated at level t+1: 2 + 4 + 6 + 6
    assert int(S.beam_search(jax.random.key(0), m, prm, 24, width=3).steps) == 18
    got = S.dvts(jax.random.key(0), m, prm, 100, width=2, n_children=3)  # ⌊100/24⌋ = 4 trees
    assert int(got.steps) <= 4 * 2 * 3 * m.T


@pytest.mark.parametrize("call,match", [
    (lambda m, p: S.beam_search(jax.random.key(0), m, p, 100, width=0), "width"),
    (lambda m, p: S.beam_search(jax.random.key(0), m, p, 100, n_children=0), "n_children"),
    (lambda m, p: S.dvts(jax.random.key(0), m, p, 100, width=0), "width"),
    (lambda m, p: S.beam_search(jax.random.key(0), m, p, 7), "budget"),
    (lambda m, p: S.best_of_n_search(jax.random.key(0), m, p, 3), "budget"),
    (lambda m, p: S.llm_particle_filter(jax.random.key(0), m, p, 3), "budget"),
    (lambda m, p: S.smc_search(jax.random.key(0), m, p, 0), "budget"),
    (lambda m, p: S.llm_particle_filter(jax.random.key(0), m, p, 40, temperature=0.0), "temperature"),
    (lambda m, p: S.llm_particle_filter(jax.random.key(0), m, p, 40, aggregation="mean"), "aggregation"),
    (lambda m, p: S.llm_particle_filter(jax.random.key(0), m, p, 40, link="probit"), "link"),
    (lambda m, p: S.smc_search(jax.random.key(0), m, p, 40, answer="mode"), "answer"),
    (lambda m, p: S.decoy_prm(m, np.zeros(3, bool), np.zeros(3, bool), 0.1), "shape"),
    (lambda m, p: S.decoy_tree(jax.random.key(0), 3, 2, r_decoy=2.0), "r_decoy"),
])
def test_search_bad_input(small, call, match):
    m, _, _, prm = small
    with pytest.raises(ValueError, match=match):
        call(m, prm)
