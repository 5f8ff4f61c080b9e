"""The optimizer interface: hyperparameters plus the names of Numba rules."""

import numpy as np

_RULES = "optdyn.optimizers._rules"


class Optimizer:
    """Hyperparameters of an update rule, validated, as a runtime vector.

    Subclasses define

    - ``param_names``: hyperparameter names, in the order of the ``hp``
      vector the kernels receive;
    - ``n_slots``: how many length-D blocks the state has (theta, m, r, ...);
    - ``slot_names``: their names;
    - ``_rule``: the prefix of the rule's kernels in
      :mod:`optdyn.optimizers._rules` (or ``_binding`` for rules elsewhere);
    - ``_validate(**params)``: returns the checked values in order.

    Instances are immutable; :meth:`with_params` returns a new one.  The
    compiled kernels depend only on the class, never on the values, so
    changing any hyperparameter never recompiles.
    """

    param_names = ()
    n_slots = 1
    slot_names = ("theta",)
    #: Whether the map depends on the step count (bias correction).
    autonomous = True
    _rule = None

    def __init__(self, **params):
        values = self._validate(**params)
        self._hp = np.array(values, dtype=np.float64)
        self._hp.setflags(write=False)

    @property
    def _binding(self):
        return {
            "module": _RULES,
            "lookahead": f"{self._rule}_lookahead",
            "update": f"{self._rule}_update",
            "jacobian": f"{self._rule}_jacobian",
            "style": "lane",
        }

    @property
    def params(self):
        """Dict of hyperparameter values, by name."""
        return dict(zip(self.param_names, self._hp.tolist()))

    @property
    def hp(self):
        """The hyperparameter vector handed to the kernels (read-only)."""
        return self._hp

    def with_params(self, **changes):
        """A copy with some hyperparameters changed (validated again)."""
        unknown = [k for k in changes if k not in self.param_names]
        if unknown:
            raise ValueError(
                f"unknown hyperparameter {unknown[0]!r} for {type(self).__name__}; "
                f"valid names: {', '.join(self.param_names)}"
            )
        new = self.params
        new.update(changes)
        return type(self)(**new)

    def key(self):
        """Hashable identity: class and hyperparameter values."""
        return (type(self).__name__, tuple(self._hp.tolist()))

    def __eq__(self, other):
        return isinstance(other, Optimizer) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())

    def __repr__(self):
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"
