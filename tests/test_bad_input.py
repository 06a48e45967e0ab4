"""Bad input names its argument everywhere.

A sweep of the public API (every name in the ``__all__`` of `solvable`, its theory modules,
`solvable.pools` and `solvable.smc`, constructors of the input classes included): each argument
gets values of the wrong type, and the call must fail with a `ValueError` whose message names
that argument, raised at the Python boundary before any computation (no NumPy or JAX message,
no `TypeError` from deep inside). Every call here is made with one bad value only, so the file
runs no numerics.

* numeric or array arguments: a string, None (unless None is a documented value) and a
  ragged nested list;
* arguments that pick one of several names (``rule``, ``method``, ...): a number and an
  unknown name;
* object arguments (a problem, reward, pool, model, PRNG key, callable, ...): a string and
  None (unless None is a documented value);
* flags (True / False): a string and None.

Result containers (``Optimum``, ``SimulationResult``, ``SMCState``, ...) are made by the package
and are not swept; nor are `smc.Process` and `smc.Values`, named tuples that JAX rebuilds from
arbitrary leaves.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import solvable
from solvable import (answers, asymptotics, average, budget, equivalents, judge, optimize, pools,
                      selection, simulation, smc)
from solvable.judge import Judge

RAGGED = [[1, 2], [3]]
NUM = ("a", None, RAGGED)        # a numeric or array argument
NUM_OPT = ("a", RAGGED)          # ... for which None is a documented value
CHOICE = (3, "nonsense")         # one name among several
OBJ = ("a", None)                # an object: problem, reward, pool, model, key, callable, ...
OBJ_OPT = ("a",)                 # ... for which None is a documented value
FLAG = ("a", None)               # True or False

_LABELS = {"a": "str", None: "None", 3: "int", "nonsense": "nonsense"}


def _label(bad):
    if bad is RAGGED:
        return "ragged"
    try:
        return _LABELS.get(bad, repr(bad))
    except TypeError:
        return repr(bad)


# --- valid inputs, cheap to build (nothing here is computed) -----------------------------------

KEY = jax.random.key(0)
PROBLEM = solvable.Problem(n=100.0, d=2, sigma=0.5, gamma=1.0, teacher=[1.0, 0.5])
REWARD = solvable.KnobReward(1.0)
LAW = solvable.OffsetLaw(var_teacher=0.5, var_reward=2.0, cov=1.0, predictive_var=1.0,
                         rank_one=True)
POOL = pools.Pool([[0.1, 0.5, 0.2]], [[1, 0, 0]], [[0, 1, 2]])
POOL2 = pools.Pool([[0.1, 0.5, 0.2], [0.3, 0.2, 0.9]], [[1, 0, 0], [0, 0, 1]])
PARAMS = pools.ModelParams(1.0, 1.0)
POOL_FIT = pools.PoolFit(params=PARAMS, stderr={}, ks=np.array([1, 2]), temperatures=(0.0,),
                         observed=np.zeros((2, 2)), observed_stderr=np.zeros((2, 2)),
                         fitted=np.zeros((2, 2)), chi2=0.0, dof=1, pool=POOL, replacement=False)
TABLE = {"q": [1, 1, 2], "s": [0.3, 0.9, 0.5], "c": [1, 0, 1]}
MODEL = smc.product_model(2, 3.0, normalized=True)          # Markov, with attached values
LP, CH, LV = MODEL.log_probs, MODEL.children, MODEL.values.log
ROWS = [{"T": 2, "N": 4.0}, {"T": 4, "N": 8.0}]
POINT = dict(mean=0.2, std=1.0, teacher=0.0, reward=0.0)
CALL_POOL = pools.Pool([[[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]]], [[1, 0, 1]], [[0, 1, 0]])
JUDGE = Judge(calls=2, call_noise=0.5)


def _quadratic(x):
    return (x - 1.0) ** 2


# (callable, valid keyword arguments, {argument: bad values})
TABLE_OF_CALLS = [
    # --- problem and rewards -------------------------------------------------------------------
    (solvable.Problem, dict(n=100.0, d=2, sigma=0.5, gamma=1.0, input_std=1.0, teacher=None,
                            teacher_norm2=None),
     dict(n=NUM, d=NUM, sigma=NUM, gamma=NUM, input_std=NUM, teacher=NUM_OPT,
          teacher_norm2=NUM_OPT)),
    (solvable.paper_problem, dict(),
     dict(n=NUM, d=NUM, sigma=NUM, gamma=NUM, input_std=NUM, teacher_norm2=NUM_OPT)),
    (solvable.KnobReward, dict(c=1.0), dict(c=NUM)),
    (solvable.WeightsReward, dict(weights=[1.0, 0.0]), dict(weights=NUM)),
    (solvable.AlignedReward, dict(cosine=0.5, norm_ratio=1.0), dict(cosine=NUM, norm_ratio=NUM)),
    # --- deterministic equivalents -------------------------------------------------------------
    (solvable.renormalized_ridge, dict(problem=PROBLEM), dict(problem=OBJ)),
    (solvable.predictive_moments, dict(problem=PROBLEM), dict(problem=OBJ)),
    (solvable.offset_law, dict(problem=PROBLEM, reward=REWARD), dict(problem=OBJ, reward=OBJ)),
    (solvable.OffsetLaw, dict(var_teacher=0.5, var_reward=2.0, cov=1.0, predictive_var=1.0,
                              rank_one=True),
     dict(var_teacher=NUM, var_reward=NUM, cov=NUM, predictive_var=NUM, rank_one=FLAG)),
    (equivalents.renormalized_ridge_isotropic, dict(alpha=0.5, ridge_hat=0.1, input_var=1.0),
     dict(alpha=NUM, ridge_hat=NUM, input_var=NUM)),
    (equivalents.renormalized_ridge_spectrum,
     dict(alpha=0.5, ridge_hat=0.1, spectrum=[0.5, 1.0, 2.0], iterations=80),
     dict(alpha=NUM, ridge_hat=NUM, spectrum=NUM, iterations=NUM)),
    (equivalents.offset_variance_teacher, dict(problem=PROBLEM, ridge=None),
     dict(problem=OBJ, ridge=NUM_OPT)),
    # --- pointwise selection error -------------------------------------------------------------
    (solvable.selection_error, dict(k=4, temperature=1.0, **POINT),
     dict(k=NUM, temperature=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM, judge=OBJ_OPT)),
    (solvable.best_of_k_error, dict(k=4, **POINT),
     dict(k=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM, judge=OBJ_OPT)),
    (selection.centre_averaged_error, dict(k=4.0, t=0.5, b=0.3, a=1.0, sd=0.5),
     dict(k=NUM, t=NUM, b=NUM, a=NUM, sd=NUM)),
    # --- repeated and noisy judge calls, the budget -----------------------------------------------
    (solvable.Judge, dict(calls=2, call_noise=0.5, floor=0.0, score_noise=0.0, aggregate="mean"),
     dict(calls=NUM, call_noise=NUM, floor=NUM, score_noise=NUM, aggregate=CHOICE)),
    (judge.judged_law, dict(law=LAW, judge=JUDGE), dict(law=OBJ, judge=("a",))),
    (budget.compute_cost, dict(k=2, calls=1, call_cost=1.0, call_scope="candidate"),
     dict(k=NUM, calls=NUM, call_cost=NUM, call_scope=CHOICE)),
    (budget.crossover_budget, dict(budget=[1, 2], wins=[False, True]),
     dict(budget=NUM, wins=NUM)),
    (budget.default_grid, dict(largest=16, small=8, points=16),
     dict(largest=NUM, small=NUM, points=NUM)),
    (budget.optimal_split, dict(budget=4, tolerance=0.5, judge=JUDGE, call_cost=1.0,
                                call_scope="candidate", temperatures=(0.0,), ks=[1, 2],
                                calls=[1], metric="accuracy", **POINT),
     dict(budget=NUM, tolerance=("a", RAGGED), judge=OBJ_OPT, call_cost=NUM, call_scope=CHOICE,
          temperatures=NUM, ks=NUM_OPT, calls=NUM_OPT, metric=CHOICE, mean=NUM, std=NUM,
          teacher=NUM, reward=NUM)),
    (budget.optimal_split_averaged, dict(problem=LAW, reward=None, budget=4, tolerance=0.5,
                                         judge=JUDGE, call_cost=1.0, call_scope="candidate",
                                         temperatures=(0.0,), ks=[1, 2], calls=[1], nodes=8),
     dict(problem=OBJ, budget=NUM, tolerance=NUM, judge=OBJ_OPT, call_cost=NUM,
          call_scope=CHOICE, temperatures=NUM, ks=NUM_OPT, calls=NUM_OPT, nodes=NUM)),
    (asymptotics.noisy_best_of_k_coefficient, dict(centre_variance=0.1, **POINT),
     dict(centre_variance=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM)),
    (asymptotics.split_asymptote, dict(budget=1e4, call_noise=0.5, floor=0.0, call_cost=1.0,
                                       call_scope="candidate", **POINT),
     dict(budget=NUM, call_noise=NUM, floor=NUM, call_cost=NUM, call_scope=CHOICE, mean=NUM,
          std=NUM, teacher=NUM, reward=NUM)),
    (selection.selection_error_normalized, dict(k=4.0, t=0.5, b=0.3, a=1.0, where=None),
     dict(k=NUM, t=NUM, b=NUM, a=NUM, where=NUM_OPT)),
    # --- averaged error ------------------------------------------------------------------------
    (solvable.generalization_error,
     dict(problem=PROBLEM, reward=REWARD, k=4, temperature=1.0, nodes_1d=8, nodes_2d=24),
     dict(problem=OBJ, reward=OBJ, k=NUM, temperature=NUM, nodes_1d=NUM, nodes_2d=NUM,
          judge=OBJ_OPT)),
    (average.average_over_offsets, dict(law=LAW, k=4, temperature=1.0, nodes_1d=8, nodes_2d=24),
     dict(law=OBJ, k=NUM, temperature=NUM, nodes_1d=NUM, nodes_2d=NUM)),
    (average.hermite_rule, dict(n=8), dict(n=NUM)),
    # --- asymptotics ---------------------------------------------------------------------------
    (asymptotics.large_k_limit, dict(temperature=1.0, **POINT),
     dict(temperature=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM)),
    (asymptotics.large_k_limit_averaged, dict(problem=PROBLEM, reward=REWARD, temperature=1.0),
     dict(problem=OBJ, reward=OBJ_OPT, temperature=NUM)),
    (asymptotics.large_k_correction, dict(temperature=1.0, **POINT),
     dict(temperature=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM)),
    (asymptotics.monotone_threshold, dict(**POINT),
     dict(mean=NUM, std=NUM, teacher=NUM, reward=NUM)),
    (asymptotics.expansion_coefficients, dict(k=4, **POINT),
     dict(k=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM)),
    (asymptotics.high_temperature_expansion, dict(k=4, temperature=10.0, order=2, **POINT),
     dict(k=NUM, temperature=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM,
          order=NUM + (4,))),
    (asymptotics.high_temperature_expansion_averaged,
     dict(problem=PROBLEM, reward=REWARD, k=4.0, temperature=10.0, order=2),
     dict(problem=OBJ, reward=OBJ_OPT, k=NUM, temperature=NUM, order=NUM + (4,))),
    (asymptotics.best_of_k_asymptote, dict(k=4, mean=0.2, std=1.0, teacher=0.0, reward=None),
     dict(k=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM_OPT)),
    (asymptotics.best_of_k_asymptote_averaged, dict(problem=PROBLEM, k=4),
     dict(problem=OBJ, k=NUM)),
    (asymptotics.expansion_optimal_temperature, dict(k=10, mean=0.2, std=1.0, teacher=0.0,
                                                     reward=4.0),
     dict(k=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM)),
    (asymptotics.expansion_optimal_k, dict(temperature=1.0, **POINT),
     dict(temperature=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM)),
    (asymptotics.scaling_slopes, dict(problem=PROBLEM, reward=REWARD, k=4.0, temperature=1.0,
                                      n=None),
     dict(problem=OBJ, reward=OBJ, k=NUM, temperature=NUM, n=NUM_OPT)),
    (asymptotics.best_of_k_slopes, dict(problem=PROBLEM), dict(problem=OBJ)),
    # --- optima --------------------------------------------------------------------------------
    (optimize.minimize_scalar, dict(fun=_quadratic, lo=0.0, hi=2.0, grid=16, golden=14),
     dict(fun=OBJ, lo=NUM, hi=NUM, grid=NUM, golden=NUM)),
    (optimize.optimal_k, dict(temperature=1.0, k_max=1e3, **POINT),
     dict(temperature=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM, k_max=NUM)),
    (optimize.optimal_temperature, dict(k=4, t_range=(1e-4, 1e5), **POINT),
     dict(k=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM, t_range=NUM)),
    (optimize.optimal_knob, dict(k=4, temperature=1.0, mean=0.2, std=1.0, teacher=0.0,
                                 c_range=None),
     dict(k=NUM, temperature=NUM, mean=NUM, std=NUM, teacher=NUM, c_range=NUM_OPT)),
    (optimize.optimal_k_averaged, dict(problem=PROBLEM, reward=REWARD, temperature=1.0,
                                       k_max=1e3),
     dict(problem=OBJ, reward=OBJ_OPT, temperature=NUM, k_max=NUM)),
    (optimize.optimal_temperature_averaged, dict(problem=PROBLEM, reward=REWARD, k=4.0,
                                                 t_range=(1e-4, 1e5)),
     dict(problem=OBJ, reward=OBJ_OPT, k=NUM, t_range=NUM)),
    (optimize.optimal_knob_averaged, dict(problem=PROBLEM, k=4, temperature=1.0, c_range=None),
     dict(problem=OBJ, k=NUM, temperature=NUM, c_range=NUM_OPT)),
    # --- accuracy on discrete answers ----------------------------------------------------------
    (solvable.selection_accuracy, dict(k=4, temperature=1.0, tolerance=0.5, rule="softmax",
                                       samples=1024, seed=0, **POINT),
     dict(k=NUM, temperature=NUM, mean=NUM, std=NUM, teacher=NUM, reward=NUM, tolerance=NUM,
          rule=CHOICE, samples=NUM, seed=NUM, judge=OBJ_OPT)),
    (answers.centre_averaged_accuracy, dict(k=4.0, t=0.5, b=0.1, a=0.2, eta=0.5, sd=0.3),
     dict(k=NUM, t=NUM, b=NUM, a=NUM, eta=NUM, sd=NUM)),
    (solvable.generalization_accuracy,
     dict(problem=PROBLEM, reward=REWARD, k=4, temperature=1.0, tolerance=0.5, rule="softmax",
          nodes=8, samples=1024, seed=0),
     dict(problem=OBJ, reward=OBJ_OPT, k=NUM, temperature=NUM, tolerance=NUM, rule=CHOICE,
          nodes=NUM, samples=NUM, seed=NUM, judge=OBJ_OPT)),
    (answers.accuracy_normalized, dict(k=4.0, t=0.5, b=0.1, a=0.2, eta=0.5),
     dict(k=NUM, t=NUM, b=NUM, a=NUM, eta=NUM)),
    (answers.bin_probabilities, dict(b=0.1, eta=0.5), dict(b=NUM, eta=NUM)),
    (answers.majority_accuracy, dict(k=4, q0=0.5, others=[0.2, 0.1]),
     dict(k=NUM, q0=NUM, others=NUM)),
    (answers.weighted_vote_accuracy, dict(k=4, t=0.5, b=0.1, a=0.2, eta=0.5, samples=1024,
                                          seed=0),
     dict(k=NUM, t=NUM, b=NUM, a=NUM, eta=NUM, samples=NUM, seed=NUM, centre_sd=NUM)),
    (answers.weighted_vote_averaged,
     dict(problem=PROBLEM, reward=REWARD, k=4, temperature=1.0, tolerance=0.5, samples=1024,
          seed=0, controls=("softmax", "majority"), exact=None),
     dict(problem=OBJ, reward=OBJ_OPT, k=NUM, temperature=NUM, tolerance=NUM, samples=NUM,
          seed=NUM, controls=CHOICE + (None, ["nonsense"]), exact=OBJ_OPT)),
    (answers.offset_rule, dict(law=LAW, temperature=1.0, tolerance=0.5, rule="softmax", nodes=8),
     dict(law=OBJ, temperature=NUM, tolerance=NUM, rule=CHOICE, nodes=NUM)),
    (answers.vote_draws, dict(rng=np.random.default_rng(0), k=4, t=0.5, b=0.1, a=0.2, eta=0.5,
                              n=16),
     dict(rng=OBJ, k=NUM, t=NUM, b=NUM, a=NUM, eta=NUM, n=NUM)),
    (answers.controlled_mean, dict(values=[0.1, 0.2, 0.4], controls=[[0.1, 0.3, 0.2]],
                                   exact=[0.2]),
     dict(values=NUM, controls=NUM, exact=NUM)),
    # --- simulation ----------------------------------------------------------------------------
    (solvable.simulate,
     dict(problem=PROBLEM, reward=REWARD, ks=4, temperature=1.0, n_test=16, trials=1, seed=0,
          predictive="posterior", method="sampling", chunk_size=16, sample_dtype="float64",
          teacher_draw="sphere", progress=False, compute_theory=False, strata=0,
          metric="error", tolerance=None, rule="softmax"),
     dict(problem=OBJ, reward=OBJ, ks=NUM, temperature=NUM, n_test=NUM, trials=NUM, seed=NUM,
          predictive=CHOICE, method=CHOICE, chunk_size=NUM, sample_dtype=CHOICE,
          teacher_draw=CHOICE, progress=FLAG, compute_theory=FLAG, strata=NUM, metric=CHOICE,
          tolerance=NUM_OPT, rule=CHOICE, judge=OBJ_OPT)),
    (simulation.softmax_init, dict(shape=(3,), dtype=jnp.float64),
     dict(shape=NUM, dtype=("a", "nonsense", 3))),
    (simulation.softmax_step, dict(state=simulation.softmax_init((3,)), u=np.zeros(3),
                                   v=np.zeros(3), beta=1.0),
     dict(state=OBJ, u=NUM, v=NUM, beta=NUM)),
    (simulation.best_of_init, dict(shape=(3,), dtype=jnp.float64),
     dict(shape=NUM, dtype=("a", "nonsense", 3))),
    (simulation.best_of_step, dict(state=simulation.best_of_init((3,)), u=np.zeros(3),
                                   v=np.zeros(3), beta=None),
     dict(state=OBJ, u=NUM, v=NUM, beta=NUM_OPT)),
    (simulation.nested_selection, dict(key=KEY, b=0.1, a=0.2, t=1.0, k_max=4, dtype=jnp.float64),
     dict(key=OBJ, b=NUM, a=NUM, t=NUM, k_max=NUM, dtype=("a", "nonsense", 3))),
    (simulation.draw_student, dict(key=KEY, problem=PROBLEM, reward=REWARD,
                                   predictive="posterior", teacher_draw="sphere"),
     dict(key=OBJ, problem=OBJ, reward=OBJ, predictive=CHOICE, teacher_draw=CHOICE)),
    # --- pools ---------------------------------------------------------------------------------
    (pools.Pool, dict(scores=[[0.1, 0.5, 0.2]], correct=[[1, 0, 0]], answers=[[0, 1, 2]]),
     dict(scores=("a", None), correct=("a", None), answers=NUM_OPT)),   # ragged pools are valid
    (pools.Pool.from_table, dict(table=TABLE, question="q", score="s", correct="c"),
     dict(table=(None, 3), question=CHOICE, score=CHOICE + ([],), correct=CHOICE, answer=(3,),
          format=CHOICE, mixed_labels=FLAG)),
    (pools.forecast, dict(pilot=POOL2, ks=[4], rules=("pass",), temperature=0.0, n_boot=0,
                          level=0.9, seed=0, n_mc=100),
     dict(pilot=OBJ, ks=NUM, rules=CHOICE, temperature=NUM, n_boot=NUM, level=NUM, seed=NUM,
          n_mc=NUM)),
    (pools.analyze, dict(pool=CALL_POOL, rules=None, ks=[1, 2], temperatures=(), replacement=False,
                         calls=None, budgets=None, call_cost=1.0, fit_model=False, n_boot=10,
                         seed=0),
     dict(pool=OBJ, rules=CHOICE + (["majority", "nope"],), ks=NUM_OPT, temperatures=NUM_OPT,
          replacement=FLAG, calls=NUM_OPT, budgets=NUM_OPT, call_cost=NUM, fit_model=FLAG,
          n_boot=NUM, seed=NUM)),
    (pools.selection_curve,
     dict(pool=POOL, rule="best_of_k", ks=[1, 2], temperature=0.0, replacement=False,
          max_exact=20000, n_subsets=2000, seed=0),
     dict(pool=OBJ, rule=CHOICE, ks=NUM, temperature=NUM, replacement=FLAG, max_exact=NUM,
          n_subsets=NUM, seed=NUM)),
    (pools.best_k, dict(pool=POOL, rule="best_of_k", ks=[1, 2], temperatures=(0.0,),
                        replacement=False, n_boot=10, seed=0),
     dict(pool=OBJ, rule=CHOICE, ks=NUM, temperatures=NUM, replacement=FLAG, n_boot=NUM,
          seed=NUM)),
    (pools.rewardmath, dict(judge="Math_Shepherd", aggregate="min"),
     dict(judge=CHOICE, aggregate=CHOICE)),
    (pools.rewardmath_panel, dict(judges=["ArmoRM"], aggregate="min"),
     dict(judges=CHOICE, aggregate=CHOICE)),
    (pools.codet_humaneval, dict(min_asserts=1), dict(min_asserts=NUM)),
    (pools.allocate, dict(pool=CALL_POOL, budget=4, call_cost=1.0, call_scope="candidate",
                          shared_calls=True, ks=[1, 2], calls=[1], temperatures=(0.0,),
                          replacement=False, seed=0, max_call_subsets=256, n_call_subsets=256),
     dict(pool=OBJ, budget=NUM, call_cost=NUM, call_scope=CHOICE, shared_calls=FLAG,
          ks=NUM_OPT, calls=NUM_OPT, temperatures=NUM, replacement=FLAG, seed=NUM,
          max_call_subsets=NUM, n_call_subsets=NUM)),
    (pools.fit, dict(pool=POOL, ks=[1, 2], temperatures=(0.0,), replacement=False,
                     free=("width", "spread"), start=None),
     dict(pool=OBJ, ks=NUM, temperatures=NUM, replacement=FLAG, free=CHOICE + (None,),
          start=OBJ_OPT)),
    (pools.ModelParams, dict(width=1.0, spread=1.0, misalignment=0.0, judge_noise=0.0, beta=1.0),
     dict(width=NUM, spread=NUM, misalignment=NUM, judge_noise=NUM, beta=NUM)),
    (pools.simulate_pool, dict(params=PARAMS, n_questions=2, n_samples=3, seed=0),
     dict(params=OBJ, n_questions=NUM, n_samples=NUM, seed=NUM)),
    (pools.model_curve, dict(params=PARAMS, rule="best_of_k", ks=[1, 2], temperature=0.0,
                             samples=256, seed=0),
     dict(params=OBJ, rule=CHOICE, ks=NUM, temperature=NUM, samples=NUM, seed=NUM)),
    (POOL_FIT.predict, dict(rule="best_of_k", ks=[1, 2], temperature=0.0),
     dict(rule=CHOICE, ks=NUM, temperature=NUM)),
    # --- SMC: models and values ----------------------------------------------------------------
    (smc.tree_model, dict(probs=[[[0.5, 0.5]]], reward=[1.0, 3.0]), dict(probs=NUM, reward=NUM)),
    (smc.markov_model, dict(probs=np.full((1, 2, 2), 0.5), children=[[[0, 1], [1, 1]]],
                            reward=[1.0, 2.0]),
     dict(probs=NUM, children=NUM, reward=NUM)),
    (smc.random_tree, dict(key=KEY, T=2, B=2, spread=1.0, zero_fraction=0.0),
     dict(key=OBJ, T=NUM, B=NUM, spread=NUM, zero_fraction=NUM)),
    (smc.product_model, dict(T=2, r=3.0, normalized=True), dict(T=NUM, r=NUM, normalized=FLAG)),
    (smc.hard_instance, dict(key=KEY, T=3, epsilon=0.5, B=2),
     dict(key=OBJ, T=NUM, epsilon=NUM, B=NUM)),
    (smc.exact_values, dict(model=MODEL), dict(model=OBJ)),
    (smc.as_values, dict(model=MODEL, values=None), dict(model=OBJ, values=OBJ_OPT)),
    (smc.perturbed_values, dict(key=KEY, model=MODEL, eta=0.1, kind="random", base=None),
     dict(key=OBJ, model=OBJ, eta=NUM, kind=CHOICE, base=OBJ_OPT)),
    (smc.tilted_values, dict(model=MODEL, tilt=0.1, direction=None, base=None),
     dict(model=OBJ, tilt=NUM, direction=NUM_OPT, base=OBJ_OPT)),
    (smc.noisy_values, dict(key=KEY, model=MODEL, sigma=0.1, base=None),
     dict(key=OBJ, model=OBJ, sigma=NUM, base=OBJ_OPT)),
    (smc.residual_values, dict(model=MODEL, epsilon=0.1, exponents=np.zeros((2, 3))),
     dict(model=OBJ, epsilon=NUM, exponents=NUM)),
    (smc.majority_values, dict(model=MODEL, epsilon=0.1), dict(model=OBJ, epsilon=NUM)),
    (smc.bellman_error, dict(model=MODEL, values=None), dict(model=OBJ, values=OBJ_OPT)),
    # --- SMC: bounds ---------------------------------------------------------------------------
    (smc.lower_bound_ratio, dict(T=4, ratio_bound=2.0, log=False),
     dict(T=NUM, ratio_bound=NUM, log=FLAG)),
    (smc.lower_bound_bellman, dict(T=4, epsilon=0.1, log=False),
     dict(T=NUM, epsilon=NUM, log=FLAG)),
    (smc.guided_tv_bound, dict(t=2, epsilon=0.1, sharp=False), dict(t=NUM, epsilon=NUM,
                                                                   sharp=FLAG)),
    (smc.smc_particle_bound, dict(T=4, epsilon=0.1, ratio_bound=2.0, tv=0.1, log=False),
     dict(T=NUM, epsilon=NUM, ratio_bound=NUM, tv=NUM, log=FLAG)),
    (smc.smc_cost_bound, dict(T=4, epsilon=0.1, ratio_bound=2.0, tv=0.1, log=False),
     dict(T=NUM, epsilon=NUM, ratio_bound=NUM, tv=NUM, log=FLAG)),
    (smc.polynomial_regime_bound, dict(T=4, c=1.0, ratio_bound=2.0, tv=0.1, log=False),
     dict(T=NUM, c=NUM, ratio_bound=NUM, tv=NUM, log=FLAG)),
    (smc.pool_mh_cost, dict(T=4, ratio_bound=2.0, delta=0.1, tv=0.1, log=False),
     dict(T=NUM, ratio_bound=NUM, delta=NUM, tv=NUM, log=FLAG)),
    (smc.rejection_cost, dict(acceptance=0.5, tv=0.1, log=False),
     dict(acceptance=NUM, tv=NUM, log=FLAG)),
    # --- SMC: exact laws -----------------------------------------------------------------------
    (smc.tv_distance, dict(p=[0.5, 0.5], q=[0.25, 0.75]), dict(p=NUM, q=NUM)),
    (smc.base_law, dict(model=MODEL), dict(model=OBJ)),
    (smc.target_law, dict(model=MODEL), dict(model=OBJ)),
    (smc.intermediate_targets, dict(model=MODEL, values=None), dict(model=OBJ, values=OBJ_OPT)),
    (smc.guided_law, dict(model=MODEL, values=None), dict(model=OBJ, values=OBJ_OPT)),
    (smc.guided_tv, dict(model=MODEL, values=None), dict(model=OBJ, values=OBJ_OPT)),
    (smc.acceptance_rate, dict(model=MODEL), dict(model=OBJ)),
    (smc.best_of_n_law, dict(model=MODEL, n=4), dict(model=OBJ, n=NUM)),
    (smc.rejection_law, dict(model=MODEL, n=4), dict(model=OBJ, n=NUM)),
    (smc.importance_resampling_law, dict(model=MODEL, n=4, grid=201),
     dict(model=OBJ, n=NUM, grid=NUM)),
    # --- SMC: samplers -------------------------------------------------------------------------
    (smc.multinomial, dict(key=KEY, log_weights=[0.0, -1.0], n=3, n_active=None),
     dict(key=OBJ, log_weights=NUM, n=NUM, n_active=NUM_OPT)),
    (smc.systematic, dict(key=KEY, log_weights=[0.0, -1.0], n=3, n_active=None),
     dict(key=OBJ, log_weights=NUM, n=NUM, n_active=NUM_OPT)),
    (smc.smc_init, dict(n_particles=4), dict(n_particles=NUM)),
    (smc.smc_step, dict(key=KEY, state=smc.smc_init(4), lp_t=LP[0], ch_t=CH[0], lv_t=LV[0],
                        lv_next=LV[1], resampling=smc.multinomial, n_active=None),
     dict(key=OBJ, state=OBJ, lp_t=NUM, ch_t=NUM, lv_t=NUM, lv_next=NUM, resampling=OBJ,
          n_active=NUM_OPT)),
    (smc.smc_scan, dict(key=KEY, lp=LP, ch=CH, lv=LV, state=smc.smc_init(4),
                        resampling=smc.multinomial, n_active=None),
     dict(key=OBJ, lp=NUM, ch=NUM, lv=NUM, state=OBJ, resampling=OBJ, n_active=NUM_OPT)),
    (smc.smc_run, dict(key=KEY, lp=LP, ch=CH, lv=LV, n_particles=4, resampling=smc.multinomial),
     dict(key=OBJ, lp=NUM, ch=NUM, lv=NUM, n_particles=NUM, resampling=OBJ)),
    (smc.smc_sample, dict(key=KEY, model=MODEL, values=None, n_particles=4,
                          resampling=smc.multinomial),
     dict(key=OBJ, model=OBJ, values=OBJ_OPT, n_particles=NUM, resampling=OBJ)),
    (smc.guided_sample, dict(key=KEY, model=MODEL, values=None, n_samples=2),
     dict(key=OBJ, model=OBJ, values=OBJ_OPT, n_samples=NUM)),
    (smc.pool_level, dict(node=0, tokens=[0, 1], choice=1, lp_t=LP[0], ch_t=CH[0], lv_t=LV[0],
                          lv_next=LV[1]),
     dict(node=NUM, tokens=NUM, choice=NUM, lp_t=NUM, ch_t=NUM, lv_t=NUM, lv_next=NUM)),
    (smc.pool_path_weight, dict(model=MODEL, values=None, tokens=[[0, 1], [0, 1]],
                                choices=[1, 0]),
     dict(model=OBJ, values=OBJ_OPT, tokens=NUM, choices=NUM)),
    (smc.pool_mh_sample, dict(key=KEY, model=MODEL, values=None, pool_size=4, n_steps=8,
                              n_chains=1),
     dict(key=OBJ, model=OBJ, values=OBJ_OPT, pool_size=NUM, n_steps=NUM, n_chains=NUM)),
    (smc.best_of_n, dict(key=KEY, model=MODEL, n=4), dict(key=OBJ, model=OBJ, n=NUM)),
    (smc.rejection_sample, dict(key=KEY, model=MODEL, n=4), dict(key=OBJ, model=OBJ, n=NUM)),
    (smc.particle_filter, dict(key=KEY, model=MODEL, values=None, n_particles=4, temperature=1.0,
                               aggregation="product", step_rewards=None,
                               resampling=smc.multinomial),
     dict(key=OBJ, model=OBJ, values=OBJ_OPT, n_particles=NUM, temperature=NUM,
          aggregation=CHOICE, step_rewards=NUM_OPT, resampling=OBJ)),
    # --- SMC: experiments ----------------------------------------------------------------------
    (smc.smc_output_laws, dict(key=KEY, model=MODEL, values=None, n_particles=4, n_runs=16,
                               resampling=smc.multinomial),
     dict(key=OBJ, model=OBJ, values=OBJ_OPT, n_particles=NUM, n_runs=NUM, resampling=OBJ)),
    (smc.smc_tv, dict(key=KEY, model=MODEL, values=None, n_particles=4, n_runs=16,
                      resampling=smc.multinomial),
     dict(key=OBJ, model=OBJ, values=OBJ_OPT, n_particles=NUM, n_runs=NUM, resampling=OBJ)),
    (smc.particles_to_reach_tv,
     dict(key=KEY, model=MODEL, values=None, tv=0.1, method="smc", n_runs=16, n_max=16,
          resampling=smc.multinomial, refine=0, particle_budget=None, n_start=1),
     dict(key=OBJ, model=OBJ, values=OBJ_OPT, tv=NUM, method=CHOICE, n_runs=NUM, n_max=NUM,
          resampling=OBJ, refine=NUM, particle_budget=NUM_OPT, n_start=NUM)),
    (smc.scaling_table, dict(key=KEY, Ts=(2,), r=3.0, c=1.0, epsilon=0.5, tv=0.1, n_runs=16,
                             n_max=16, family="majority", refine=0),
     dict(key=OBJ, Ts=NUM, r=NUM, c=NUM, epsilon=NUM, tv=NUM, n_runs=NUM, n_max=NUM,
          family=CHOICE, refine=NUM)),
    (smc.scaling_curves, dict(key=KEY, Ts=(2,), r=3.0, c=1.0, epsilon=0.25, tv=0.1,
                              particle_budget=64, min_runs=4, n_max=16, refine=0,
                              exact_n_max=64, progress=False),
     dict(key=OBJ, Ts=NUM, r=NUM, c=NUM, epsilon=NUM, tv=NUM, particle_budget=NUM,
          min_runs=NUM, n_max=NUM, refine=NUM, exact_n_max=NUM, progress=FLAG)),
    (smc.growth_rates, dict(rows=ROWS, column="N"), dict(rows=OBJ + (RAGGED,), column=CHOICE)),
    (smc.slope_fit, dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0, 4.0]), dict(x=NUM, y=NUM)),
    (smc.format_table, dict(rows=ROWS, columns=None),
     dict(rows=OBJ + (RAGGED,), columns=CHOICE + (["nonsense"],))),
    (smc.bias_decay, dict(key=KEY, model=MODEL, values=None, ns=(4, 8), n_runs=16,
                          resampling=smc.multinomial),
     dict(key=OBJ, model=OBJ, values=OBJ_OPT, ns=NUM, n_runs=NUM, resampling=OBJ)),
    (smc.guided_tv_curve, dict(model=MODEL, values=None), dict(model=OBJ, values=OBJ_OPT)),
]


def _name(fn):
    owner = getattr(fn, "__self__", None)
    if owner is not None and not isinstance(owner, type):
        return f"{type(owner).__name__}.{fn.__name__}"
    qual = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))
    return qual


CASES = [pytest.param(fn, base, arg, bad, id=f"{_name(fn)}-{arg}-{_label(bad)}")
         for fn, base, spec in TABLE_OF_CALLS
         for arg, bads in spec.items()
         for bad in bads]


@pytest.mark.parametrize("fn, base, arg, bad", CASES)
def test_bad_argument_is_named(fn, base, arg, bad):
    """One bad value of one argument: a ValueError naming that argument."""
    with pytest.raises(ValueError, match=rf"(?<![\w.]){re.escape(arg)}(?!\w)"):
        fn(**{**base, arg: bad})


def test_sweep_covers_the_public_api():
    """Every public callable of the swept modules is in the table or listed as left out."""
    left_out = {
        # result containers and states made by the package
        "PredictiveMoments", "Slopes", "Optimum", "SearchState", "SoftmaxState", "BestOfState",
        "Student", "SimulationResult", "WeightedVote", "SelectionCurve", "BestSetting",
        "PoolFit", "BellmanError", "SMCState", "SMCInfo", "TVEstimate", "GrowthFit", "SlopeFit",
        "Split", "SplitAsymptote", "Allocation", "Analysis", "Forecast",
        # named tuples that JAX rebuilds from arbitrary leaves
        "Process", "Values",
        # no arguments
        "Reward",
    }
    swept = {getattr(fn, "__name__", None) for fn, _, _ in TABLE_OF_CALLS}
    modules = [solvable, solvable.problem, equivalents, selection, average, asymptotics, optimize,
               simulation, answers, pools, smc, judge, budget]
    missing = []
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, type(solvable)) and name not in left_out \
                    and name not in swept:
                missing.append(f"{module.__name__}.{name}")
    assert missing == []


def test_issue_selection_error_names_k():
    """The first case of the issue: a string k."""
    with pytest.raises(ValueError, match=r"^k must be a real number"):
        solvable.selection_error(k="a", temperature=1.0)


def test_issue_truncated_json_lines_names_file_and_line(tmp_path):
    """The second case of the issue: a JSON-lines table cut off in its second line."""
    path = tmp_path / "pool.jsonl"
    path.write_text('{"question": 1, "score": 0.5, "correct": 1}\n{"question": 1, "sco')
    with pytest.raises(ValueError) as err:
        pools.Pool.from_table(path)
    assert str(path) in str(err.value)
    assert "line 2" in str(err.value)
    with pytest.raises(ValueError) as err:
        pools.Pool.from_table(str(path))
    assert str(path) in str(err.value) and "line 2" in str(err.value)


def test_checks_skip_tracers():
    """The checks pass traced values through, so jit, vmap and grad keep working."""
    f = jax.jit(lambda t, m: asymptotics.large_k_limit(t, mean=m))
    assert np.isfinite(float(f(1.0, 0.2)))
    g = jax.grad(lambda c: solvable.KnobReward(c).c ** 2)
    assert float(g(3.0)) == 6.0
    h = jax.vmap(lambda a: equivalents.renormalized_ridge_isotropic(a, 0.1, 1.0))
    assert h(jnp.array([0.5, 2.0])).shape == (2,)
