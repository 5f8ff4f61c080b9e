"""An optimizer applied to a loss, as an autonomous map on its state."""

import numpy as np

from . import _codegen
from ._map import Map
from ._validation import check_vector
from .losses import Loss
from .optimizers import Optimizer


class OptimizerMap(Map):
    """The map F: x_i -> x_{i+1} of ``optimizer`` applied to ``loss``.

    The state is the flat vector x = (theta, m[, r]) of length
    ``n_slots * loss.dim``; see ``optimizer.slot_names``.

    Parameters
    ----------
    loss : Loss
    optimizer : Optimizer

    Notes
    -----
    The Numba kernels of a (loss class, optimizer class) pair compile on the
    first call that needs them and are cached on disk (see
    :mod:`optdyn._codegen`); hyperparameters are runtime values, so
    :meth:`with_params` never recompiles.

    Examples
    --------
    >>> from optdyn.losses import Eq15
    >>> from optdyn.optimizers import SuperNesterov
    >>> F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=4.0))
    >>> x = F.initial_state([-1.0, -3.8])
    >>> F.step(x).shape
    (4,)
    """

    def __init__(self, loss, optimizer):
        if not isinstance(loss, Loss):
            raise ValueError(f"loss must be an optdyn Loss; got {loss!r}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(
                f"optimizer must be an optdyn Optimizer; got {optimizer!r}"
            )
        self.loss = loss
        self.optimizer = optimizer
        self.n_params = loss.dim
        self.dim = optimizer.n_slots * loss.dim
        self.param_names = optimizer.param_names
        self._param_values = optimizer.hp
        self.autonomous = optimizer.autonomous
        # The settling test compares every state component.  A second-moment
        # buffer r relaxes only at the rate beta2 (0.999), so adaptive
        # optimizers need long budgets to settle; testing (theta, m) alone
        # would declare points settled while r, and with it the effective
        # learning rate, is still drifting.
        self.n_check = self.dim
        self._kernels_module = None

    # -- kernels -----------------------------------------------------------

    @property
    def kernels(self):
        """The generated kernel module of this (loss, optimizer) pair."""
        if self._kernels_module is None:
            self._kernels_module = _codegen.load_pair(
                self.loss._binding, self.optimizer._binding, self.n_params
            )
        return self._kernels_module

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_kernels_module"] = None
        return state

    # -- the map -----------------------------------------------------------

    def step(self, x):
        """F(x), one optimizer step from state x."""
        x = self._check_state(x)
        return self.kernels.step(x, self._param_values, self.loss.params, self.n_params)

    def jacobian(self, x):
        """dF/dx at x, exact (from the loss Hessian), shape (dim, dim)."""
        x = self._check_state(x)
        return self.kernels.jacobian(
            x, self._param_values, self.loss.params, self.n_params
        )

    def with_params(self, **changes):
        """The same loss with other hyperparameters; kernels are reused."""
        self._check_param_names(changes)
        new = OptimizerMap(self.loss, self.optimizer.with_params(**changes))
        new._kernels_module = self._kernels_module
        return new

    # -- state helpers -----------------------------------------------------

    def initial_state(self, theta0):
        """The state (theta0, 0, ...): momentum and moments start at zero."""
        theta0 = check_vector("theta0", theta0, self.n_params)
        x = np.zeros(self.dim)
        x[: self.n_params] = theta0
        return x

    def theta(self, x):
        """The parameters theta of a state (or of states along the last axis)."""
        return np.asarray(x)[..., : self.n_params]

    @property
    def state_names(self):
        """Component names, e.g. ('theta1', 'theta2', 'm1', 'm2')."""
        D = self.n_params
        return tuple(
            f"{slot}{i + 1}" for slot in self.optimizer.slot_names for i in range(D)
        )

    def key(self):
        """Hashable identity of the map (for result caches)."""
        return (self.loss.key(), self.optimizer.key())

    def __eq__(self, other):
        return isinstance(other, OptimizerMap) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())

    def __repr__(self):
        return f"OptimizerMap({self.loss!r}, {self.optimizer!r})"
