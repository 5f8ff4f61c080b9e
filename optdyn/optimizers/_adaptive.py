"""Adam, Nadam and the conventions of published momentum and RMSProp rules.

The same algorithm is written differently by different frameworks, and the
differences change the map F:

- **eps inside or outside the square root**: 1/sqrt(r + eps) (the paper,
  optax's ``rmsprop``) or 1/(sqrt(r) + eps) (PyTorch's ``RMSprop``, Adam).
  They agree far from the minimum and differ at it, where r -> 0: the
  effective learning rate there is eta/sqrt(eps) or eta/eps.
- **learning rate on the gradient or on the velocity**: m <- g m - eta G,
  theta <- theta + m (the paper, optax) or b <- g b + G,
  theta <- theta - eta b (PyTorch).  For a fixed eta the two are the same
  map in the variables m = -eta b.
- **look-ahead or shifted variable**: the paper evaluates the gradient at
  y = theta + sigma m; PyTorch and optax keep phi = theta + sigma m itself as
  the parameter and evaluate the gradient there, so that their Nesterov
  update reads phi <- phi + (1 + sigma) m' - sigma m.  The two are
  conjugate by the linear change of variables (theta, m) -> (phi, m) (see
  :func:`change_of_variables`).

Conventions are keyword options of :class:`MomentumSA` and
:class:`RMSPropMomentum`; the ``torch_*`` and ``optax_*`` presets choose
them so that the map reproduces each framework's documented update rule
(without weight decay, dampening or centring).
"""

import numpy as np

from .._validation import check_finite, check_in_range, check_positive
from ._base import Optimizer

_RULES = "optdyn.optimizers._adaptive_rules"

_LR_ON = ("gradient", "velocity")
_FORMS = ("lookahead", "shifted")


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}"
        )
    return value


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {value!r}")
    return bool(value)


class _Conventional(Optimizer):
    """An optimizer whose hp vector ends with 0/1 convention flags.

    ``params`` lists only the hyperparameters (``param_names``); the flags
    follow them in ``hp`` and are fixed per instance (``options``).
    """

    _prefix = None

    def __init__(self, options, **params):
        self._options = dict(options)
        super().__init__(**params)

    @property
    def _binding(self):
        return {
            "module": _RULES,
            "lookahead": f"{self._prefix}_lookahead",
            "update": f"{self._prefix}_update",
            "jacobian": f"{self._prefix}_jacobian",
        }

    @property
    def options(self):
        """The convention options (keyword arguments that are not numbers)."""
        return dict(self._options)

    def with_params(self, **changes):
        """A copy with some hyperparameters changed; conventions are kept."""
        unknown = [k for k in changes if k not in self.param_names]
        if unknown:
            raise ValueError(
                f"unknown hyperparameter {unknown[0]!r} for {type(self).__name__}; "
                f"valid names: {', '.join(self.param_names)}"
            )
        new = self.params
        new.update(changes)
        return type(self)(**new, **self._options)

    def __repr__(self):
        args = [f"{k}={v:g}" for k, v in self.params.items()]
        args += [f"{k}={v!r}" for k, v in self._options.items()]
        return f"{type(self).__name__}({', '.join(args)})"


def _slot_names(lr_on, form, extra=()):
    first = "phi" if form == "shifted" else "theta"
    second = "b" if lr_on == "velocity" else "m"
    return (first, second, *extra)


# ------------------------------------------------------------------ momentum


class MomentumSA(_Conventional):
    """Super-accelerated momentum in the conventions of published code.

    With m the step and y the point where the gradient is taken:

        m' = g m - eta grad L(y)
        look-ahead form (the paper's (4)):  y = theta + sigma m,
                                            theta' = theta + m'
        shifted form (PyTorch, optax):      y = phi,
                                            phi' = phi + (1 + sigma) m' - sigma m

    where phi = theta + sigma m.  With the learning rate on the velocity
    the state holds b = -m / eta instead of m: b' = g b + grad L(y).

    Parameters
    ----------
    eta : float
        Learning rate eta > 0.
    g : float
        Momentum coefficient, 0 <= g < 1.
    sigma : float
        Look-ahead sigma; sigma = g is Nesterov, any finite value allowed.
    lr_on : {'gradient', 'velocity'}, default 'gradient'
        Where the learning rate multiplies.
    form : {'lookahead', 'shifted'}, default 'lookahead'
        Which variable the state holds: theta, or phi = theta + sigma m.

    The look-ahead form with the learning rate on the gradient is exactly
    :class:`optdyn.optimizers.SuperNesterov`.  The state is (theta or phi,
    m or b); :func:`change_of_variables` converts between conventions.

    Examples
    --------
    >>> MomentumSA(0.01, 0.9, 0.9, lr_on="velocity", form="shifted")
    MomentumSA(eta=0.01, g=0.9, sigma=0.9, lr_on='velocity', form='shifted')
    """

    param_names = ("eta", "g", "sigma")
    n_slots = 2
    _prefix = "momentum_conv"

    def __init__(self, eta, g, sigma, lr_on="gradient", form="lookahead"):
        lr_on = _check_choice("lr_on", lr_on, _LR_ON)
        form = _check_choice("form", form, _FORMS)
        self.slot_names = _slot_names(lr_on, form)
        super().__init__({"lr_on": lr_on, "form": form}, eta=eta, g=g, sigma=sigma)

    def _validate(self, eta, g, sigma):
        o = self._options
        return [
            check_positive("eta", eta),
            check_in_range("g", g, 0.0, 1.0, hi_open=True),
            check_finite("sigma", sigma),
            float(o["lr_on"] == "velocity"),
            float(o["form"] == "shifted"),
        ]


# ------------------------------------------------------------------- RMSProp


class RMSPropMomentum(_Conventional):
    """RMSProp with momentum and look-ahead in either eps convention.

    Per component, with m, y and phi as in :class:`MomentumSA`:

        r' = beta2 r + (1 - beta2) G^2,          G = grad L(y)
        s  = 1 / sqrt(r' + eps)                  (eps_in_sqrt=True)
        s  = 1 / (sqrt(r') + eps)                (eps_in_sqrt=False)
        m' = g m - eta G s

    followed by the theta (or phi) update of the chosen form.  The defaults
    are the paper's equation (16), i.e. :class:`optdyn.optimizers.RMSPropSA`.

    Parameters
    ----------
    eta : float
        Learning rate eta > 0.
    g : float
        Momentum coefficient, 0 <= g < 1.
    sigma : float
        Look-ahead sigma, any finite value.
    beta2 : float, default 0.999
        Decay of the squared-gradient average, 0 <= beta2 < 1.
    eps : float, default 1e-7
        Regulariser eps > 0.
    eps_in_sqrt : bool, default True
        True: eps inside the square root (paper, optax); False: outside
        (PyTorch).
    lr_on : {'gradient', 'velocity'}, default 'gradient'
    form : {'lookahead', 'shifted'}, default 'lookahead'

    Notes
    -----
    The state is (theta or phi, m or b, r); r >= 0 always.  With eps
    outside, d sqrt(r')/dr' is infinite at r' = 0; since r' = 0 forces
    G = 0, every Jacobian entry that contains it is multiplied by G and has
    the one-sided limit 0 as r -> 0+, which is the exact derivative of the
    map there (see :mod:`optdyn.optimizers._adaptive_rules`).  So the
    Jacobian at the minimum (theta*, 0, 0) is finite: its (theta, m) block
    is the heavy-ball-type matrix with learning rate eta/eps (eta/sqrt(eps)
    with eps inside) and its r block is beta2 I.
    """

    param_names = ("eta", "g", "sigma", "beta2", "eps")
    n_slots = 3
    _prefix = "rmsprop_conv"

    def __init__(
        self,
        eta,
        g,
        sigma,
        beta2=0.999,
        eps=1e-7,
        eps_in_sqrt=True,
        lr_on="gradient",
        form="lookahead",
    ):
        eps_in_sqrt = _check_bool("eps_in_sqrt", eps_in_sqrt)
        lr_on = _check_choice("lr_on", lr_on, _LR_ON)
        form = _check_choice("form", form, _FORMS)
        self.slot_names = _slot_names(lr_on, form, ("r",))
        options = {"eps_in_sqrt": eps_in_sqrt, "lr_on": lr_on, "form": form}
        super().__init__(options, eta=eta, g=g, sigma=sigma, beta2=beta2, eps=eps)

    def _validate(self, eta, g, sigma, beta2, eps):
        o = self._options
        return [
            check_positive("eta", eta),
            check_in_range("g", g, 0.0, 1.0, hi_open=True),
            check_finite("sigma", sigma),
            check_in_range("beta2", beta2, 0.0, 1.0, hi_open=True),
            check_positive("eps", eps),
            float(not o["eps_in_sqrt"]),
            float(o["lr_on"] == "velocity"),
            float(o["form"] == "shifted"),
        ]


# --------------------------------------------------------------- Adam, Nadam


class _AdamFamily(_Conventional):
    param_names = ("eta", "beta1", "beta2", "sigma", "eps")
    _prefix = "adam_sa"
    _nadam = False

    def __init__(
        self, eta, beta1=0.9, beta2=0.999, sigma=0.0, eps=1e-8, bias_correction=False
    ):
        bias_correction = _check_bool("bias_correction", bias_correction)
        if bias_correction:
            self.n_slots = 4
            self.slot_names = ("theta", "m", "v", "t")
            self.autonomous = False
        else:
            self.n_slots = 3
            self.slot_names = ("theta", "m", "v")
            self.autonomous = True
        super().__init__(
            {"bias_correction": bias_correction},
            eta=eta,
            beta1=beta1,
            beta2=beta2,
            sigma=sigma,
            eps=eps,
        )

    def _validate(self, eta, beta1, beta2, sigma, eps):
        return [
            check_positive("eta", eta),
            check_in_range("beta1", beta1, 0.0, 1.0, hi_open=True),
            check_in_range("beta2", beta2, 0.0, 1.0, hi_open=True),
            check_finite("sigma", sigma),
            check_positive("eps", eps),
            float(self._options["bias_correction"]),
            float(self._nadam),
        ]


class AdamSA(_AdamFamily):
    """Adam with look-ahead sigma.

    Per component, with d = theta_i - theta_{i-1} the last step as the
    current moments predict it:

        d  = -eta c1(t) m / (sqrt(c2(t) v) + eps)      (d = 0 at t = 0)
        G  = grad L(theta + sigma d)
        m' = beta1 m + (1 - beta1) G
        v' = beta2 v + (1 - beta2) G^2
        theta' = theta - eta c1(t+1) m' / (sqrt(c2(t+1) v') + eps)

    with c1(t) = 1/(1 - beta1^t), c2(t) = 1/(1 - beta2^t) under bias
    correction and c1 = c2 = 1 without.  sigma = 0 is Adam; eps sits outside
    the square root, as in the Adam paper, PyTorch and optax.

    Parameters
    ----------
    eta : float
        Learning rate eta > 0.
    beta1, beta2 : float, default 0.9, 0.999
        Moment decays, in [0, 1).
    sigma : float, default 0
        Look-ahead, in units of the last step.
    eps : float, default 1e-8
    bias_correction : bool, default False
        Without it the map on (theta, m, v) is autonomous.  With it the map
        depends on the step count t, which the state carries as a fourth
        slot (t, one copy per component; ``initial_state`` sets t = 0 and
        each step adds 1).  The extended map (theta, m, v, t) is
        autonomous again but has no fixed points (t grows), so: ``step``,
        ``jacobian``, ``trajectory``, ``ensemble``, ``jacobian_spectrum``,
        ``lyapunov_spectrum`` and ``orbit_diagram`` accept it; analyses
        that look for fixed points or cycles (``fixed_points``,
        ``periodic_orbits``, ``refine_orbit``, ``census``, ``basins``,
        ``continuation``) refuse it with a ValueError, since
        ``autonomous`` is False (see
        :func:`optdyn._validation.require_autonomous`).

    Examples
    --------
    >>> from optdyn import OptimizerMap
    >>> from optdyn.losses import Quadratic
    >>> F = OptimizerMap(Quadratic([1.0]), AdamSA(0.1, bias_correction=True))
    >>> F.state_names, F.autonomous
    (('theta1', 'm1', 'v1', 't1'), False)
    """

    _nadam = False


class NadamSA(_AdamFamily):
    """Nadam with super-acceleration sigma.

    Nadam takes the gradient at the current iterate and puts the look-ahead
    into the update, as PyTorch-style Nesterov does (the shifted form of
    :class:`MomentumSA`):

        G  = grad L(theta)
        m' = beta1 m + (1 - beta1) G
        v' = beta2 v + (1 - beta2) G^2
        theta' = theta - eta c1(t+1) [(1 + sigma) m' - sigma m]
                         / (sqrt(c2(t+1) v') + eps)

    sigma = 0 gives Adam.  sigma = beta1 gives Nadam (Dozat 2016) without
    bias correction exactly: the numerator is beta1 m' + (1 - beta1) G.
    With bias correction the two differ in the first steps: here both terms
    are divided by (1 - beta1^(t+1)), while Dozat's rule (and optax's
    ``nadam``) divides the momentum term by (1 - beta1^(t+2)), the factor of
    the next step.  The difference decays like beta1^t (at t = 1 the
    momentum term is 1.9 times Dozat's for beta1 = 0.9, less than 1% off
    after about 25 steps), and the fixed points and cycles of the map, which
    analyses study without bias correction, are the same.  Parameters and
    bias correction as in :class:`AdamSA`.
    """

    _nadam = True


# ------------------------------------------------------------------ presets


def torch_sgd(lr, momentum, nesterov=True):
    """PyTorch's ``torch.optim.SGD`` (no dampening or weight decay) as a map.

    PyTorch's documented rule is b <- mu b + G(theta),
    theta <- theta - lr (G + mu b) with Nesterov, theta <- theta - lr b
    without.  That is :class:`MomentumSA` with the learning rate on the
    velocity, in the shifted form, with sigma = mu (Nesterov) or 0.  The
    state is (PyTorch's parameter, its ``momentum_buffer``).

    Examples
    --------
    >>> torch_sgd(0.1, 0.9)
    MomentumSA(eta=0.1, g=0.9, sigma=0.9, lr_on='velocity', form='shifted')
    """
    sigma = momentum if nesterov else 0.0
    form = "shifted" if nesterov else "lookahead"
    return MomentumSA(lr, momentum, sigma, lr_on="velocity", form=form)


def optax_sgd(learning_rate, momentum, nesterov=True):
    """optax's ``sgd(learning_rate, momentum, nesterov)`` as a map.

    optax accumulates the raw gradient (``trace``) before scaling by the
    learning rate: t <- G + mu t, update -lr (G + mu t) with Nesterov,
    -lr t without; the same map as :func:`torch_sgd`.  The state is
    (params, trace).
    """
    return torch_sgd(learning_rate, momentum, nesterov)


def torch_rmsprop(lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0):
    """PyTorch's ``torch.optim.RMSprop`` (not centred) as a map.

    v <- alpha v + (1 - alpha) G^2;  b <- mu b + G / (sqrt(v) + eps);
    theta <- theta - lr b  (with mu = 0, theta <- theta - lr G/(sqrt(v)+eps)).
    That is :class:`RMSPropMomentum` with eps outside the square root and
    the learning rate on the velocity.  The state is (param,
    momentum_buffer, square_avg).
    """
    return RMSPropMomentum(
        lr, momentum, 0.0, beta2=alpha, eps=eps, eps_in_sqrt=False, lr_on="velocity"
    )


def optax_rmsprop(
    learning_rate, decay=0.9, eps=1e-8, momentum=None, nesterov=False,
    eps_in_sqrt=True,
):
    """optax's ``rmsprop`` (not centred, ``initial_scale=0``) as a map.

    optax scales by the RMS first, then by the learning rate, then
    accumulates: u = -lr G / sqrt(nu + eps), t <- u + mu t, update t, or
    u + mu t with Nesterov.  That is :class:`RMSPropMomentum` with the
    learning rate on the gradient, in the shifted form with sigma = mu when
    ``nesterov``.  ``momentum=None`` (no trace) is mu = 0.  The state is
    (params, trace, nu).
    """
    mu = 0.0 if momentum is None else momentum
    sigma = mu if nesterov else 0.0
    form = "shifted" if nesterov else "lookahead"
    return RMSPropMomentum(
        learning_rate, mu, sigma, beta2=decay, eps=eps,
        eps_in_sqrt=eps_in_sqrt, lr_on="gradient", form=form,
    )


# ------------------------------------------------------ change of variables


def _paper_params(opt):
    """(family, hyperparameters with sigma) of an optimizer we can convert."""
    from ._momentum import HeavyBall, Nesterov, SuperNesterov
    from ._rmsprop import RMSPropSA

    p = opt.params
    if isinstance(opt, (MomentumSA, SuperNesterov)):
        return "momentum", p
    if isinstance(opt, Nesterov):
        return "momentum", {**p, "sigma": p["g"]}
    if isinstance(opt, HeavyBall):
        return "momentum", {**p, "sigma": 0.0}
    if isinstance(opt, (RMSPropMomentum, RMSPropSA)):
        return "rmsprop", p
    raise ValueError(
        "change_of_variables needs momentum (HeavyBall, Nesterov, "
        "SuperNesterov, MomentumSA) or RMSProp (RMSPropSA, RMSPropMomentum) "
        f"optimizers; got {opt!r}"
    )


def _family_key(opt):
    """The conventions-free identity two optimizers must share to convert."""
    family, p = _paper_params(opt)
    eps_in_sqrt = getattr(opt, "_options", {}).get("eps_in_sqrt", True)
    if family != "rmsprop":
        eps_in_sqrt = None
    return family, tuple(sorted(p.items())), eps_in_sqrt


def _convention(opt):
    o = getattr(opt, "_options", {})
    return o.get("lr_on", "gradient"), o.get("form", "lookahead")


def change_of_variables(source, target, n_params):
    """The matrix P with x_target = P x_source for one algorithm.

    Two conventions of the same algorithm (same hyperparameters, different
    ``lr_on``/``form``) are conjugate maps: F_target = P F_source P^-1.
    With m = kappa u (kappa = 1, or -eta when the state holds the velocity
    b) and phi = theta + sigma m:

        (theta, m) -> (theta + sigma m, m) -> (theta + sigma m, m / kappa)

    Trajectories correspond point by point and Jacobians are similar
    (J_target(P x) = P J_source(x) P^-1), so spectra agree.

    Parameters
    ----------
    source, target : Optimizer
        Momentum (HeavyBall, Nesterov, SuperNesterov, MomentumSA) or RMSProp
        (RMSPropSA, RMSPropMomentum); same family and hyperparameters (with
        sigma = g for Nesterov, 0 for HeavyBall), any conventions.
    n_params : int
        D, the number of parameters theta.

    Returns
    -------
    ndarray of shape (k D, k D)
        k = 2 (momentum) or 3 (RMSProp: r is unchanged).

    Examples
    --------
    PyTorch's Nesterov state is (theta + g m, -m / eta) of the paper's:

    >>> from optdyn.optimizers import Nesterov
    >>> change_of_variables(Nesterov(0.1, 0.9), torch_sgd(0.1, 0.9), 1)
    array([[  1. ,   0.9],
           [  0. , -10. ]])
    """
    ks, kt = _family_key(source), _family_key(target)
    if ks != kt:
        raise ValueError(
            "source and target must be the same algorithm with the same "
            f"hyperparameters; got {source!r} and {target!r}"
        )
    D = int(n_params)
    k = 3 if ks[0] == "rmsprop" else 2
    I = np.eye(D)

    def to_paper(opt):
        # (p, u) -> (theta, m)
        lr_on, form = _convention(opt)
        p = _paper_params(opt)[1]
        kappa = -p["eta"] if lr_on == "velocity" else 1.0
        sigma = p["sigma"]
        M = np.eye(k * D)
        M[D : 2 * D, D : 2 * D] = kappa * I  # m = kappa u
        if form == "shifted":
            S = np.eye(k * D)
            S[:D, D : 2 * D] = -sigma * I  # theta = phi - sigma m
            M = S @ M
        return M

    A = to_paper(source)
    B = to_paper(target)
    return np.linalg.solve(B, A) + 0.0  # + 0.0 turns -0.0 into 0.0


def convert_state(x, source, target):
    """A state of ``source`` written in the variables of ``target``.

    See :func:`change_of_variables`; ``x`` may hold states along its last
    axis.
    """
    x = np.asarray(x, dtype=np.float64)
    k = 3 if _family_key(source)[0] == "rmsprop" else 2
    if x.shape[-1] % k:
        raise ValueError(
            f"x must have a multiple of {k} components for {source!r}; "
            f"got shape {x.shape}"
        )
    P = change_of_variables(source, target, x.shape[-1] // k)
    return x @ P.T
