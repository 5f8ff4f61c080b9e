"""Optimizers as hyperparameters of Numba update rules.

Combine one with a loss in :class:`optdyn.OptimizerMap` to get the map F.
"""

from ._base import Optimizer
from ._momentum import GD, HeavyBall, Nesterov, SuperNesterov
from ._rmsprop import RMSPropSA

__all__ = ["Optimizer", "GD", "HeavyBall", "Nesterov", "SuperNesterov", "RMSPropSA"]
