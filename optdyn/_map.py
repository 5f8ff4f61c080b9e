"""The map abstraction: an autonomous discrete dynamical system x -> F(x).

Every analysis in optdyn (orbits, spectra, continuation, basins) works on an
object with this interface.  :class:`optdyn.OptimizerMap` is the main
implementation; :class:`FunctionMap` wraps any pair of Numba-jitted
``step(x, p)`` and ``jacobian(x, p)`` functions, for instance the reference
logistic and Henon maps in :mod:`optdyn.maps`.
"""

import numpy as np

from ._validation import check_finite, check_state


class Map:
    """Base class: an autonomous map on R^dim with named runtime parameters.

    Subclasses set ``dim`` (state dimension), ``param_names`` (tuple of str)
    and ``_param_values`` (float64 array in that order), and implement
    :meth:`step`, :meth:`jacobian` and :meth:`with_params`.
    """

    dim: int
    param_names: tuple = ()
    autonomous = True

    @property
    def params(self):
        """Dict of the current parameter values, by name."""
        return dict(zip(self.param_names, self._param_values.tolist()))

    def step(self, x):
        raise NotImplementedError

    def jacobian(self, x):
        raise NotImplementedError

    def with_params(self, **changes):
        raise NotImplementedError

    def _check_param_names(self, changes):
        unknown = [k for k in changes if k not in self.param_names]
        if unknown:
            raise ValueError(
                f"unknown parameter {unknown[0]!r} for {type(self).__name__}; "
                f"valid names: {', '.join(self.param_names)}"
            )

    def _check_state(self, x, name="x"):
        return check_state(name, x, self.dim)


class FunctionMap(Map):
    """A map given by Numba-jitted functions ``step(x, p)`` and ``jacobian(x, p)``.

    Parameters
    ----------
    step : numba dispatcher
        ``step(x, p) -> ndarray of shape (dim,)``, with ``x`` of shape (dim,)
        and ``p`` the float64 vector of parameter values.
    jacobian : numba dispatcher
        ``jacobian(x, p) -> ndarray of shape (dim, dim)``.
    dim : int
        State dimension.
    params : dict
        Parameter names and values, in the order ``p`` holds them.
    name : str, optional
        A label for reprs and plots.
    """

    def __init__(self, step, jacobian, dim, params, name="map"):
        self._step = step
        self._jacobian = jacobian
        self.dim = int(dim)
        self.param_names = tuple(params)
        self._param_values = np.array(
            [check_finite(k, v) for k, v in params.items()], dtype=np.float64
        )
        self.name = name

    def step(self, x):
        """One application of the map, F(x)."""
        return np.asarray(self._step(self._check_state(x), self._param_values))

    def jacobian(self, x):
        """The Jacobian dF/dx at ``x``, shape (dim, dim)."""
        return np.asarray(
            self._jacobian(self._check_state(x), self._param_values)
        )

    def with_params(self, **changes):
        """A copy with some parameters changed; the compiled code is reused."""
        self._check_param_names(changes)
        new = dict(self.params)
        new.update(changes)
        return FunctionMap(self._step, self._jacobian, self.dim, new, self.name)

    def __repr__(self):
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"FunctionMap({self.name}: {args})"
