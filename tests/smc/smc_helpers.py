"""Independent reference routes for the smc tests (enumeration, z-scores)."""

import itertools

import numpy as np


def tree_arrays(model):
    """Per-level probabilities (numpy) and the reward of a tree model."""
    return [np.exp(np.asarray(a)) for a in model.log_probs], np.exp(np.asarray(model.log_reward))


def path_probs(model):
    """Brute force: p(s_{1:T}) for every path, by explicit products over enumerated paths."""
    probs, _ = tree_arrays(model)
    T, B = model.T, model.B
    out = np.ones(B**T)
    for idx, path in enumerate(itertools.product(range(B), repeat=T)):
        node = 0
        for t, s in enumerate(path):
            out[idx] *= probs[t][node, s]
            node = node * B + s
    return out


def z_scores(counts, n, probs):
    probs = np.asarray(probs)
    se = np.sqrt(np.maximum(probs * (1 - probs), 1e-300) / n)
    return (counts / n - probs) / se
