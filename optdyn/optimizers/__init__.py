"""Optimizers as hyperparameters of Numba update rules.

Combine one with a loss in :class:`optdyn.OptimizerMap` to get the map F.
"""

from ._adaptive import (
    AdamSA,
    MomentumSA,
    NadamSA,
    RMSPropMomentum,
    change_of_variables,
    convert_state,
    optax_rmsprop,
    optax_sgd,
    torch_rmsprop,
    torch_sgd,
)
from ._base import Optimizer
from ._momentum import GD, HeavyBall, Nesterov, SuperNesterov
from ._rmsprop import RMSPropSA

__all__ = ["Optimizer", "GD", "HeavyBall", "Nesterov", "SuperNesterov", "RMSPropSA"]
__all__ += [
    "AdamSA",
    "NadamSA",
    "MomentumSA",
    "RMSPropMomentum",
    "torch_sgd",
    "optax_sgd",
    "torch_rmsprop",
    "optax_rmsprop",
    "change_of_variables",
    "convert_state",
]
