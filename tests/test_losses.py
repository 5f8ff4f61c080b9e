"""Loss values, gradients and Hessians against finite differences."""

import numpy as np
import pytest
from numba import njit

from optdyn.losses import CustomLoss, Eq15, Himmelblau, Quadratic, Rosenbrock

LOSSES = [
    Quadratic([0.5, 2.0, 7.0]),
    Eq15(),
    Rosenbrock(),
    Rosenbrock(a=-0.5, b=3.0),
    Himmelblau(),
]


def fd_grad(loss, theta, h=1e-6):
    g = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h * max(1.0, abs(theta[i]))
        g[i] = (loss.value(theta + e) - loss.value(theta - e)) / (2 * e[i])
    return g


def fd_hess(loss, theta, h=1e-6):
    H = np.empty((theta.size, theta.size))
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h * max(1.0, abs(theta[j]))
        H[:, j] = (loss.grad(theta + e) - loss.grad(theta - e)) / (2 * e[j])
    return H


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_gradient_and_hessian_match_finite_differences(loss):
    rng = np.random.default_rng(0)
    for _ in range(5):
        theta = rng.uniform(-2.5, 2.5, loss.dim)
        g = loss.grad(theta)
        np.testing.assert_allclose(g, fd_grad(loss, theta), rtol=1e-6, atol=1e-6)
        H = loss.hessian(theta)
        np.testing.assert_allclose(H, fd_hess(loss, theta), rtol=1e-6, atol=1e-5)
        np.testing.assert_array_equal(H, H.T)


def test_eq15_closed_form_value_and_minimum():
    t = np.array([-1.0, -3.8])
    a = t[0] ** 2 + 2 * t[1] - 7
    c = 2 * t[0] + t[1] - 5
    assert Eq15().value(t) == pytest.approx(a * a + c * c + 1e-3 * (1 + 3.8**6))
    (m,) = Eq15().minima
    np.testing.assert_allclose(m, [1.690, 1.963], atol=5e-4)
    assert np.max(np.abs(Eq15().grad(m))) < 1e-12
    assert Eq15().classify_critical_point(m) == "minimum"


def test_known_minima():
    np.testing.assert_allclose(Rosenbrock(a=2.0).minima[0], [2.0, 4.0], atol=1e-12)
    mins = Himmelblau().minima
    assert len(mins) == 4
    np.testing.assert_allclose(mins[0], [3.0, 2.0], atol=1e-12)
    for m in mins:
        assert Himmelblau().value(m) < 1e-20
    assert Quadratic([1.0, 2.0]).minima[0].tolist() == [0.0, 0.0]
    assert Quadratic([1.0, -2.0]).minima == ()
    # The local maximum of Himmelblau is classified as such.
    top = Himmelblau().newton_critical_point([-0.27, -0.92])
    assert Himmelblau().classify_critical_point(top) == "maximum"


@njit
def _value(t):
    return np.cos(t[0]) + t[0] * t[1] ** 2


@njit
def _grad(t):
    return np.array([-np.sin(t[0]) + t[1] ** 2, 2.0 * t[0] * t[1]])


@njit
def _hess(t):
    return np.array([[-np.cos(t[0]), 2.0 * t[1]], [2.0 * t[1], 2.0 * t[0]]])


def test_custom_loss_with_and_without_hessian():
    exact = CustomLoss(_value, _grad, dim=2, hess=_hess)
    approx = CustomLoss(_value, _grad, dim=2)
    theta = np.array([0.7, -1.3])
    assert exact.value(theta) == pytest.approx(np.cos(0.7) + 0.7 * 1.69)
    np.testing.assert_allclose(exact.grad(theta), fd_grad(exact, theta), rtol=1e-7)
    np.testing.assert_array_equal(exact.hessian(theta), _hess(theta))
    # The documented central-difference Hessian: about 1e-10 relative.
    np.testing.assert_allclose(approx.hessian(theta), _hess(theta), rtol=1e-8,
                               atol=1e-8)


@njit
def _grad_short(t):
    return np.array([2.0 * t[0]])


@njit
def _grad_scalar(t):
    return 2.0 * t[0]


@njit
def _value_untypable(t):
    return t + "x"


def test_custom_loss_with_wrong_shapes_is_refused():
    with pytest.raises(ValueError, match=r"grad must return an array of shape "
                                         r"\(2,\); got \(1,\)"):
        CustomLoss(_value, _grad_short, dim=2)
    with pytest.raises(ValueError, match=r"grad must return an array of shape "
                                         r"\(2,\); got \(\)"):
        CustomLoss(_value, _grad_scalar, dim=2)
    with pytest.raises(ValueError, match=r"hess must return an array of shape "
                                         r"\(2, 2\)"):
        CustomLoss(_value, _grad, dim=2, hess=_grad)
    with pytest.raises(ValueError, match="minima entry must be a vector of length 2"):
        CustomLoss(_value, _grad, dim=2, minima=[[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match=r"shape \(3,\); got \(2,\)"):
        CustomLoss(_value, _grad, dim=3)
    with pytest.raises(ValueError, match="failed on a test point theta of shape"):
        CustomLoss(_value_untypable, _grad, dim=2)


def test_bad_loss_input():
    with pytest.raises(ValueError, match="k must"):
        Quadratic([])
    with pytest.raises(ValueError, match="k must contain only finite"):
        Quadratic([1.0, np.nan])
    with pytest.raises(ValueError, match="theta must be a vector of length 2"):
        Eq15().grad([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="b must be > 0"):
        Rosenbrock(b=-1.0)
    with pytest.raises(ValueError, match="grad must be a Numba-jitted"):
        CustomLoss(_value, lambda t: t, dim=2)
    with pytest.raises(ValueError, match="dim must be an integer >= 1"):
        CustomLoss(_value, _grad, dim=0)


def test_custom_loss_drives_an_optimizer_map_like_the_builtin():
    @njit
    def value(t):
        return 0.5 * (t[0] ** 2 + 4.0 * t[1] ** 2)

    @njit
    def grad(t):
        return np.array([t[0], 4.0 * t[1]])

    import optdyn
    from optdyn.optimizers import SuperNesterov

    opt = SuperNesterov(eta=0.1, g=0.9, sigma=3.0)
    custom = optdyn.OptimizerMap(CustomLoss(value, grad, dim=2, minima=[[0.1, 0]]),
                                 opt)
    builtin = optdyn.OptimizerMap(Quadratic([1.0, 4.0]), opt)
    x0 = builtin.initial_state([1.5, -0.7])
    np.testing.assert_array_equal(optdyn.trajectory(custom, x0, 50),
                                  optdyn.trajectory(builtin, x0, 50))
    np.testing.assert_allclose(custom.jacobian(x0), builtin.jacobian(x0), atol=1e-8)
    res = optdyn.basins(custom, optdyn.Grid((-1, 1, 6), (-1, 1, 6)), 3000)
    assert np.all(res.labels == 0) and res.attractors[0].is_minimum
