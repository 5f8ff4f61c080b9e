"""The sigmoid-network loss: NumPy twin, finite differences, mini-batches."""

import numpy as np
import pytest

from optdyn import OptimizerMap, trajectory
from optdyn.losses import SigmoidMLP, minibatch_epochs, one_hot
from optdyn.optimizers import SuperNesterov


def small_net(widths=(5, 4, 3, 2), n=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, widths[0]))
    Y = one_hot(rng.integers(0, widths[-1], n), widths[-1])
    return SigmoidMLP(widths, X, Y)


def numpy_loss(net, theta):
    """Plain NumPy forward pass and quadratic cost (the kernel's twin)."""
    A = net.X
    for W, b in net.unpack(theta):
        A = 1.0 / (1.0 + np.exp(-(A @ W.T + b)))
    return 0.5 * np.mean(np.sum((A - net.Y) ** 2, axis=1)), A


def test_value_and_outputs_match_numpy():
    net = small_net()
    theta = net.init(seed=3)
    value, outputs = numpy_loss(net, theta)
    assert net.value(theta) == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(net.outputs(theta), outputs, rtol=1e-13)
    acc = np.mean(np.argmax(outputs, 1) == np.argmax(net.Y, 1))
    assert net.accuracy(theta) == acc


@pytest.mark.parametrize("widths", [(5, 3), (5, 4, 3, 2)])
def test_gradient_matches_finite_differences(widths):
    net = small_net(widths)
    theta = net.init(seed=1)
    g = net.grad(theta)
    h = 1e-6
    fd = np.empty_like(theta)
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        up, down = numpy_loss(net, theta + e)[0], numpy_loss(net, theta - e)[0]
        fd[j] = (up - down) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-10)


def test_hessian_is_symmetric_and_matches_gradient_differences():
    net = small_net((4, 3, 2), n=5)
    theta = net.init(seed=2)
    H = net.hessian(theta)
    np.testing.assert_array_equal(H, H.T)
    d = np.random.default_rng(0).normal(size=theta.size)
    h = 1e-5
    fd = (net.grad(theta + h * d) - net.grad(theta - h * d)) / (2 * h)
    np.testing.assert_allclose(H @ d, fd, rtol=1e-5, atol=1e-8)


def test_nielsen_initialisation_statistics():
    rng = np.random.default_rng(0)
    net = SigmoidMLP((400, 50, 10), rng.random((3, 400)), one_hot([1, 2, 3]))
    assert net.dim == 400 * 50 + 50 + 50 * 10 + 10
    (W0, b0), (W1, b1) = net.unpack(net.init(seed=5))
    assert W0.std() == pytest.approx(1 / np.sqrt(400), rel=0.03)
    assert W1.std() == pytest.approx(1 / np.sqrt(50), rel=0.1)
    assert np.concatenate([b0, b1]).std() == pytest.approx(1.0, rel=0.25)
    np.testing.assert_array_equal(net.init(seed=5), net.init(seed=5))


def test_full_batch_map_is_gradient_descent_with_momentum():
    net = small_net()
    F = OptimizerMap(net, SuperNesterov(0.5, 0.9, 2.0))
    theta0 = net.init(seed=0)
    xs = trajectory(F, F.initial_state(theta0), 3)
    theta, m = theta0.copy(), np.zeros_like(theta0)
    for t in range(3):
        m = 0.9 * m - 0.5 * net.grad(theta + 2.0 * m)
        theta = theta + m
    np.testing.assert_allclose(xs[3, : net.dim], theta, rtol=1e-12, atol=1e-14)


def test_minibatch_loop_uses_batch_gradients():
    net = small_net(n=8)
    F = OptimizerMap(net, SuperNesterov(0.5, 0.9, 1.0))
    theta0 = net.init(seed=0)
    xs = minibatch_epochs(F, theta0, batch_size=4, n_epochs=2, seed=11)
    # Replay with the same shuffles.
    rng = np.random.default_rng(11)
    theta, m = theta0.copy(), np.zeros_like(theta0)
    for _ in range(2):
        order = rng.permutation(8)
        for k in range(2):
            idx = order[4 * k : 4 * k + 4]
            sub = SigmoidMLP(net.widths, net.X[idx], net.Y[idx])
            m = 0.9 * m - 0.5 * sub.grad(theta + m)
            theta = theta + m
    np.testing.assert_allclose(xs[-1, : net.dim], theta, rtol=1e-12, atol=1e-14)


def test_bad_shapes_are_named():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 4\)"):
        SigmoidMLP((4, 2), rng.random((3, 5)), one_hot([0, 1, 0], 2))
    with pytest.raises(ValueError, match="same number of samples"):
        SigmoidMLP((4, 2), rng.random((3, 4)), one_hot([0, 1], 2))
    with pytest.raises(ValueError, match="at least an input and an output"):
        SigmoidMLP((4,), rng.random((3, 4)), one_hot([0, 1, 0], 2))
    net = small_net()
    F = OptimizerMap(net, SuperNesterov(0.5, 0.9, 1.0))
    with pytest.raises(ValueError, match="batch_size must be at most"):
        minibatch_epochs(F, net.init(), batch_size=100, n_epochs=1)
