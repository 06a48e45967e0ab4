"""Numerical precision of `solvable`.

The theory is computed in float64. Importing `solvable` switches JAX's global flag
``jax_enable_x64`` on (the documented way to get 64-bit arrays in JAX); every public theory
function also converts its inputs with ``jnp.asarray(x, dtype=jnp.float64)``. Code that must
stay in float32 elsewhere can pass explicit float32 arrays, and the simulator offers float32
sampling (with float64 accumulation) for GPU speed.
"""

import jax

jax.config.update("jax_enable_x64", True)

FLOAT = "float64"
