"""SMC with approximate reward models, and search against sampling (docs/theory.md §8, §9).

The public names are listed explicitly below; helpers stay in their modules
(`solvable.smc.samplers`, `solvable.smc.experiments`, ...); the search methods of docs/theory.md §9
live in `solvable.smc.search`.
"""
from .bellman import BellmanError, bellman_error
from .bounds import (guided_tv_bound, lower_bound_bellman, lower_bound_ratio, polynomial_regime_bound,
                     pool_mh_cost, rejection_cost, smc_cost_bound, smc_particle_bound)
from .exact import (acceptance_rate, base_law, best_of_n_law, guided_law, guided_tv,
                    importance_resampling_law, intermediate_targets, rejection_law, target_law,
                    tv_distance)
from .experiments import (GrowthFit, SlopeFit, TVEstimate, VALUE_FAMILIES, bias_decay,
                          format_table, growth_rates, guided_tv_curve, particles_to_reach_tv,
                          scaling_curves, scaling_table, slope_fit, smc_output_laws, smc_tv)
from .models import (MAX_TREE_PATHS, Process, Values, hard_instance, markov_model, product_model,
                     random_tree, tree_model)
from .samplers import (AGGREGATIONS, SMCInfo, SMCState, best_of_n, guided_sample, multinomial,
                       particle_filter, pool_level, pool_mh_sample, pool_path_weight,
                       rejection_sample, smc_init, smc_run, smc_sample, smc_scan, smc_step,
                       systematic)
from .values import (as_values, exact_values, majority_values, noisy_values, perturbed_values,
                     residual_values, tilted_values)

__all__ = [
    # models and values
    "Process", "Values", "MAX_TREE_PATHS", "tree_model", "markov_model", "random_tree",
    "product_model", "hard_instance", "exact_values", "as_values", "perturbed_values",
    "tilted_values", "noisy_values", "residual_values", "majority_values",
    # Bellman error and bounds
    "BellmanError", "bellman_error", "lower_bound_ratio", "lower_bound_bellman",
    "guided_tv_bound", "smc_particle_bound", "smc_cost_bound", "polynomial_regime_bound",
    "pool_mh_cost", "rejection_cost",
    # exact laws
    "tv_distance", "base_law", "target_law", "intermediate_targets", "guided_law", "guided_tv",
    "acceptance_rate", "best_of_n_law", "rejection_law", "importance_resampling_law",
    # samplers
    "multinomial", "systematic", "SMCState", "SMCInfo", "smc_init", "smc_step", "smc_scan",
    "smc_run", "smc_sample", "guided_sample", "pool_level", "pool_path_weight",
    "pool_mh_sample", "best_of_n", "rejection_sample", "particle_filter", "AGGREGATIONS",
    # experiments
    "TVEstimate", "smc_output_laws", "smc_tv", "particles_to_reach_tv", "scaling_table",
    "scaling_curves", "growth_rates", "GrowthFit", "SlopeFit", "slope_fit", "VALUE_FAMILIES",
    "format_table", "bias_decay", "guided_tv_curve",
]
