"""optdyn: gradient-based optimizers as discrete dynamical systems.

An optimizer applied to a loss is an autonomous map F on its state
(theta, m[, r]).  optdyn iterates it with Numba kernels, finds its fixed
points and cycles, maps basins of attraction and scans hyperparameters.
"""

from . import losses, maps, optimizers, phase_diagram, quadratic
from ._map import FunctionMap, Map
from ._optimizer_map import OptimizerMap
from .basin_measures import (
    basin_entropies,
    basin_entropy,
    boundary_basin_entropy,
    fractal_boundary_test,
    uncertainty_exponent,
)
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
from .continuation import BifurcationPoint, Branch, continuation
from .fitting import fit_timescale, fitted_sigma_star
from .iterate import EnsembleResult, ensemble, trajectory
from .orbit_diagram import OrbitDiagram, orbit_diagram
from .orbits import Orbit, OrbitSearch, fixed_points, periodic_orbits, refine_orbit
from .plotting import AttractorPalette
from .scan import ScanResult, scan
from .spectra import LyapunovResult, jacobian_spectrum, lyapunov_spectrum
from .stability import critical_sigma, flip_boundary, sigma_stability_interval

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
    "maps",
    "fixed_points",
    "periodic_orbits",
    "refine_orbit",
    "Orbit",
    "OrbitSearch",
    "jacobian_spectrum",
    "lyapunov_spectrum",
    "LyapunovResult",
    "continuation",
    "Branch",
    "BifurcationPoint",
    "orbit_diagram",
    "OrbitDiagram",
    "flip_boundary",
    "critical_sigma",
    "sigma_stability_interval",
    "quadratic",
    "phase_diagram",
    "fit_timescale",
    "fitted_sigma_star",
    "scan",
    "ScanResult",
    "basin_entropy",
    "boundary_basin_entropy",
    "basin_entropies",
    "uncertainty_exponent",
    "fractal_boundary_test",
]
