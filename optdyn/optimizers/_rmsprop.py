"""RMSProp with momentum and look-ahead, the paper's equation (16)."""

from .._validation import check_finite, check_in_range, check_positive
from ._base import Optimizer


class RMSPropSA(Optimizer):
    """RMSProp with momentum and look-ahead sigma, equation (16).

    Per component, with y = theta + sigma m:

        r <- beta2 r + (1 - beta2) grad L(y)^2
        m <- g m - eta grad L(y) / sqrt(r + eps)
        theta <- theta + m

    eps sits inside the square root, as in the paper and optax's default.
    The state is (theta, m, r); r starts at 0.  Since r relaxes at the rate
    beta2, orbits settle (all of theta, m and r) only after a few times
    1 / (1 - beta2) steps: give :func:`optdyn.basins` and
    :func:`optdyn.census` budgets of tens of thousands of steps.

    Parameters
    ----------
    eta : float
        Learning rate eta > 0.
    g : float
        Momentum coefficient, 0 <= g < 1.
    sigma : float
        Look-ahead; any finite value.
    beta2 : float, default 0.999
        Decay of the second-moment average, 0 <= beta2 < 1.
    eps : float, default 1e-7
        Regulariser eps > 0.
    """

    param_names = ("eta", "g", "sigma", "beta2", "eps")
    n_slots = 3
    slot_names = ("theta", "m", "r")
    _rule = "rmsprop_sa"

    def __init__(self, eta, g, sigma, beta2=0.999, eps=1e-7):
        super().__init__(eta=eta, g=g, sigma=sigma, beta2=beta2, eps=eps)

    def _validate(self, eta, g, sigma, beta2, eps):
        return [
            check_positive("eta", eta),
            check_in_range("g", g, 0.0, 1.0, hi_open=True),
            check_finite("sigma", sigma),
            check_in_range("beta2", beta2, 0.0, 1.0, hi_open=True),
            check_positive("eps", eps),
        ]
