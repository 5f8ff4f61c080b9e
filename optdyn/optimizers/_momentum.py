"""Gradient descent and the momentum family of the paper, equations (1)-(4)."""

from .._validation import check_finite, check_in_range, check_positive
from ._base import Optimizer


def _check_g(g):
    return check_in_range("g", g, 0.0, 1.0, hi_open=True)


class GD(Optimizer):
    """Gradient descent, equation (1): theta <- theta - eta grad L(theta).

    Parameters
    ----------
    eta : float
        Learning rate eta > 0.

    The state is theta alone.
    """

    param_names = ("eta",)
    _rule = "gd"

    def __init__(self, eta):
        super().__init__(eta=eta)

    def _validate(self, eta):
        return [check_positive("eta", eta)]


class _Momentum(Optimizer):
    n_slots = 2
    slot_names = ("theta", "m")


class HeavyBall(_Momentum):
    """Polyak's heavy ball, equation (2).

    m <- g m - eta grad L(theta);  theta <- theta + m.

    Parameters
    ----------
    eta : float
        Learning rate eta > 0.
    g : float
        Momentum coefficient, 0 <= g < 1.
    """

    param_names = ("eta", "g")
    _rule = "heavy_ball"

    def __init__(self, eta, g):
        super().__init__(eta=eta, g=g)

    def _validate(self, eta, g):
        return [check_positive("eta", eta), _check_g(g)]


class Nesterov(_Momentum):
    """Nesterov momentum in Sutskever's form, equation (3).

    m <- g m - eta grad L(theta + g m);  theta <- theta + m.

    This is :class:`SuperNesterov` with sigma = g.
    """

    param_names = ("eta", "g")
    _rule = "nesterov"

    def __init__(self, eta, g):
        super().__init__(eta=eta, g=g)

    def _validate(self, eta, g):
        return [check_positive("eta", eta), _check_g(g)]


class SuperNesterov(_Momentum):
    """Super-accelerated momentum, equation (4).

    m <- g m - eta grad L(theta + sigma m);  theta <- theta + m.

    Parameters
    ----------
    eta : float
        Learning rate eta > 0.
    g : float
        Momentum coefficient, 0 <= g < 1.
    sigma : float
        Look-ahead: the gradient is taken sigma momentum steps ahead.
        sigma = 0 is the heavy ball, sigma = g is Nesterov, sigma > 1 is
        super-acceleration.  Any finite value is accepted.

    Examples
    --------
    >>> SuperNesterov(eta=0.01, g=0.9, sigma=4.0).with_params(sigma=2.0)
    SuperNesterov(eta=0.01, g=0.9, sigma=2)
    """

    param_names = ("eta", "g", "sigma")
    _rule = "super_nesterov"

    def __init__(self, eta, g, sigma):
        super().__init__(eta=eta, g=g, sigma=sigma)

    def _validate(self, eta, g, sigma):
        return [check_positive("eta", eta), _check_g(g), check_finite("sigma", sigma)]
