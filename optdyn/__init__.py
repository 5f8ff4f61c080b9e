"""optdyn: gradient-based optimizers as discrete dynamical systems.

An optimizer applied to a loss is an autonomous map F on its state
(theta, m[, r]).  optdyn iterates it with Numba kernels, finds its fixed
points and cycles, maps basins of attraction and scans hyperparameters.
"""

from . import losses, optimizers
from ._map import FunctionMap, Map
from ._optimizer_map import OptimizerMap
from .basins import (
    DIVERGED,
    UNRESOLVED,
    Attractor,
    BasinResult,
    CensusResult,
    Grid,
    basins,
    census,
)
from .iterate import EnsembleResult, ensemble, trajectory
from .plotting import AttractorPalette

__version__ = "0.1.0"

__all__ = [
    "losses",
    "optimizers",
    "Map",
    "FunctionMap",
    "OptimizerMap",
    "trajectory",
    "ensemble",
    "EnsembleResult",
    "Grid",
    "basins",
    "census",
    "Attractor",
    "BasinResult",
    "CensusResult",
    "DIVERGED",
    "UNRESOLVED",
    "AttractorPalette",
]
