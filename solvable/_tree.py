"""Frozen dataclasses as JAX pytrees."""

from __future__ import annotations

import dataclasses

import jax


def pytree_dataclass(cls):
    """Register a frozen dataclass as a pytree whose non-static fields are leaves.

    Unflattening bypasses ``__init__`` so that JAX transformations (which rebuild the object
    from tracers or batched arrays) never re-run the boundary validation.
    """
    fields = dataclasses.fields(cls)
    static = [f.name for f in fields if f.metadata.get("static")]
    data = [f.name for f in fields if not f.metadata.get("static")]

    def flatten(obj):
        return [getattr(obj, f) for f in data], tuple(getattr(obj, f) for f in static)

    def unflatten(meta, leaves):
        obj = object.__new__(cls)
        for name, value in zip(static, meta):
            object.__setattr__(obj, name, value)
        for name, value in zip(data, leaves):
            object.__setattr__(obj, name, value)
        return obj

    jax.tree_util.register_pytree_node(cls, flatten, unflatten)
    return cls
