"""A sigmoid multilayer perceptron with the quadratic cost, as a loss.

The network of the paper's Section 4 (Nielsen's book, chapters 1-3):

    a_0 = x,   a_{l+1} = s(W_l a_l + b_l),   s(z) = 1 / (1 + exp(-z)),

    L(theta) = 1/(2N) sum_n || a_L(x_n) - y_n ||^2

over N samples (x_n, y_n), y_n one-hot.  theta stacks, layer by layer,
W_l (row-major, shape (n_{l+1}, n_l)) and then b_l.

The data are part of the loss parameters: the kernels receive one float64
vector ``p = (L, n_0, ..., n_L, N, X.ravel(), Y.ravel())``, a runtime value
like every loss parameter, so one compiled kernel serves every network
shape, data set and mini-batch.
"""

import hashlib

import numpy as np
from numba import njit

from .._validation import check_int
from ._base import Loss

_MODULE = "optdyn.losses._network"

#: Relative step of the central-difference Hessian: cbrt(machine epsilon).
FD_STEP = np.finfo(np.float64).eps ** (1.0 / 3.0)


# ----------------------------------------------------------------- kernels


@njit(cache=True)
def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@njit(cache=True)
def _forward(theta, p):
    """Activations a_0 .. a_L (list of (N, n_l) arrays) and the targets Y."""
    L = int(p[0])
    N = int(p[L + 2])
    off = L + 3
    n0 = int(p[1])
    A = p[off : off + N * n0].copy().reshape(N, n0)
    off += N * n0
    acts = [A]
    k = 0
    for layer in range(L):
        n_in = int(p[1 + layer])
        n_out = int(p[2 + layer])
        W = theta[k : k + n_out * n_in].copy().reshape(n_out, n_in)
        k += n_out * n_in
        b = theta[k : k + n_out]
        k += n_out
        Z = np.dot(A, W.T.copy())
        for s in range(N):
            for j in range(n_out):
                Z[s, j] = _sigmoid(Z[s, j] + b[j])
        A = Z
        acts.append(A)
    nL = int(p[L + 1])
    Y = p[off : off + N * nL].copy().reshape(N, nL)
    return acts, Y


@njit(cache=True)
def mlp_value(theta, p):
    """L(theta): half the mean squared distance of outputs from targets."""
    acts, Y = _forward(theta, p)
    A = acts[-1]
    N = A.shape[0]
    s = 0.0
    for n in range(N):
        for j in range(A.shape[1]):
            d = A[n, j] - Y[n, j]
            s += d * d
    return 0.5 * s / N


@njit(cache=True)
def mlp_grad(theta, p):
    """grad L(theta) by backpropagation, shape (dim,)."""
    L = int(p[0])
    acts, Y = _forward(theta, p)
    A = acts[-1]
    N = A.shape[0]
    out = np.empty(theta.shape[0])

    # delta_L = (a_L - y) s'(z_L) / N, with s' = a (1 - a).
    delta = (A - Y) * A * (1.0 - A) / N

    # Walk back through the layers; parameter offsets from the end.
    k_end = theta.shape[0]
    for layer in range(L - 1, -1, -1):
        n_in = int(p[1 + layer])
        n_out = int(p[2 + layer])
        a_in = acts[layer]
        k_b = k_end - n_out
        k_w = k_b - n_out * n_in
        gW = np.dot(delta.T.copy(), a_in)
        for j in range(n_out):
            sb = 0.0
            for n in range(N):
                sb += delta[n, j]
            out[k_b + j] = sb
            for i in range(n_in):
                out[k_w + j * n_in + i] = gW[j, i]
        if layer > 0:
            W = theta[k_w:k_b].copy().reshape(n_out, n_in)
            back = np.dot(delta, W)
            delta = back * a_in * (1.0 - a_in)
        k_end = k_w
    return out


@njit(cache=True)
def mlp_grad_block(Y, p, G, n):
    D = Y.shape[0]
    theta = np.empty(D)
    for b in range(n):
        for d in range(D):
            theta[d] = Y[d, b]
        g = mlp_grad(theta, p)
        for d in range(D):
            G[d, b] = g[d]


@njit(cache=True)
def mlp_hess(theta, p, H):
    """Central differences of the exact gradient, symmetrised.

    Column j uses the step h_j = FD_STEP * max(1, |theta_j|): error O(h^2),
    about 1e-10 relative.  It costs 2 dim gradients.
    """
    D = theta.shape[0]
    x = theta.copy()
    for j in range(D):
        h = FD_STEP * max(1.0, abs(theta[j]))
        x[j] = theta[j] + h
        gp = mlp_grad(x, p)
        x[j] = theta[j] - h
        gm = mlp_grad(x, p)
        x[j] = theta[j]
        for i in range(D):
            H[i, j] = (gp[i] - gm[i]) / (2.0 * h)
    for i in range(D):
        for j in range(i + 1, D):
            s = 0.5 * (H[i, j] + H[j, i])
            H[i, j] = s
            H[j, i] = s


@njit(cache=True)
def mlp_outputs(theta, p):
    """The network's outputs a_L for every sample, shape (N, n_L)."""
    acts, _ = _forward(theta, p)
    return acts[-1]


# ------------------------------------------------------------------ the loss


def _pack(widths, X, Y):
    head = [float(len(widths) - 1), *map(float, widths), float(X.shape[0])]
    return np.concatenate([np.array(head), X.ravel(), Y.ravel()])


def one_hot(labels, n_classes=10):
    """One-hot rows for integer labels, shape (N, n_classes)."""
    labels = np.asarray(labels)
    out = np.zeros((labels.size, n_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


class SigmoidMLP(Loss):
    """The quadratic cost of a sigmoid network on a data set (Section 4).

    L(theta) = 1/(2N) sum_n || a_L(x_n; theta) - y_n ||^2, with
    a_{l+1} = sigmoid(W_l a_l + b_l).

    Parameters
    ----------
    widths : sequence of int
        Layer widths (n_0, ..., n_L), e.g. (784, 30, 10); at least two.
    X : array_like of shape (N, n_0)
        Inputs.
    Y : array_like of shape (N, n_L)
        Targets (one-hot rows for classification; see :func:`one_hot`).

    Notes
    -----
    Value and gradient (backpropagation) are Numba kernels; the Hessian,
    needed only for Jacobians, is a central difference of the gradient
    (2 dim gradient evaluations).  Use :meth:`init` for the paper's
    initialisation and :meth:`batch_params` for mini-batches.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> net = SigmoidMLP((4, 3, 2), rng.random((5, 4)), one_hot([0, 1, 1, 0, 1], 2))
    >>> net.dim
    23
    """

    name = "sigmoid_mlp"
    _binding = {
        "module": _MODULE,
        "value": "mlp_value",
        "grad_block": "mlp_grad_block",
        "hess": "mlp_hess",
    }
    _value_kernel = staticmethod(mlp_value)
    _grad_block_kernel = staticmethod(mlp_grad_block)
    _hess_kernel = staticmethod(mlp_hess)

    def __init__(self, widths, X, Y):
        widths = tuple(check_int("widths", w, 1) for w in widths)
        if len(widths) < 2:
            raise ValueError(
                f"widths must list at least an input and an output width; got {widths}"
            )
        X = self._check_data("X", X, widths[0])
        Y = self._check_data("Y", Y, widths[-1])
        if X.shape[0] != Y.shape[0]:
            raise ValueError(
                f"X and Y must hold the same number of samples; got {X.shape[0]} "
                f"and {Y.shape[0]}"
            )
        self.widths = widths
        self.n_samples = X.shape[0]
        self.X, self.Y = X, Y
        self.params = _pack(widths, X, Y)
        self.dim = sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))

    @staticmethod
    def _check_data(name, A, width):
        A = np.ascontiguousarray(np.asarray(A, dtype=np.float64))
        if A.ndim != 2 or A.shape[1] != width or A.shape[0] == 0:
            raise ValueError(
                f"{name} must have shape (N, {width}) with N >= 1; got {A.shape}"
            )
        if not np.all(np.isfinite(A)):
            raise ValueError(f"{name} must contain only finite values")
        return A

    # -- parameters ------------------------------------------------------

    def init(self, seed=0):
        """Nielsen's initialisation: W ~ N(0, 1/n_in), b ~ N(0, 1).

        Returns theta of shape (dim,); the same seed gives the same theta.
        """
        rng = np.random.default_rng(seed)
        parts = []
        for n_in, n_out in zip(self.widths[:-1], self.widths[1:]):
            parts.append(rng.normal(0.0, 1.0 / np.sqrt(n_in), n_out * n_in))
            parts.append(rng.normal(0.0, 1.0, n_out))
        return np.concatenate(parts)

    def unpack(self, theta):
        """[(W_0, b_0), ..., (W_{L-1}, b_{L-1})] views of theta."""
        theta = np.asarray(theta, dtype=np.float64)
        out, k = [], 0
        for n_in, n_out in zip(self.widths[:-1], self.widths[1:]):
            W = theta[k : k + n_in * n_out].reshape(n_out, n_in)
            k += n_in * n_out
            out.append((W, theta[k : k + n_out]))
            k += n_out
        return out

    # -- data ------------------------------------------------------------

    def batch_params(self, index):
        """The loss parameter vector p of the samples ``index`` (a mini-batch)."""
        return _pack(self.widths, self.X[index], self.Y[index])

    def with_data(self, X, Y):
        """The same network on other data (e.g. the test set)."""
        return SigmoidMLP(self.widths, X, Y)

    def outputs(self, theta):
        """Network outputs for every sample, shape (N, n_L)."""
        theta = self._check_theta(theta)
        return mlp_outputs(theta, self.params)

    def accuracy(self, theta):
        """Fraction of samples whose largest output is the target's class."""
        out = self.outputs(theta)
        return float(np.mean(np.argmax(out, axis=1) == np.argmax(self.Y, axis=1)))

    def _check_theta(self, theta):
        theta = np.ascontiguousarray(np.asarray(theta, dtype=np.float64))
        if theta.shape != (self.dim,):
            raise ValueError(
                f"theta must be a vector of length {self.dim}; got shape {theta.shape}"
            )
        return theta

    # -- identity --------------------------------------------------------

    def key(self):
        digest = hashlib.sha256(self.params.tobytes()).hexdigest()[:16]
        return ("SigmoidMLP", self.widths, self.n_samples, digest)

    def __repr__(self):
        w = "-".join(map(str, self.widths))
        return f"SigmoidMLP({w}, N={self.n_samples})"


# ---------------------------------------------------------- mini-batches


def minibatch_epochs(F, theta0, batch_size, n_epochs, seed=0, on_epoch=None):
    """Train with mini-batches: the optimizer map F with a fresh batch per step.

    Each epoch shuffles the training samples (``F.loss``'s data) with a
    generator seeded by ``seed`` and visits them in batches of
    ``batch_size`` (the last, shorter batch is dropped).  The optimizer's
    state (momentum, moments) carries over from batch to batch; each step is
    F with the loss restricted to the batch.

    Parameters
    ----------
    F : OptimizerMap
        An optimizer map on a :class:`SigmoidMLP` loss.
    theta0 : ndarray of shape (F.n_params,)
    batch_size, n_epochs : int
    seed : int
    on_epoch : callable, optional
        ``on_epoch(epoch, x)`` after each epoch (epoch 0 is the start).

    Returns
    -------
    ndarray of shape (n_epochs + 1, F.dim)
        The state at the start and after each epoch.  A diverging run
        simply continues with non-finite values.
    """
    net = F.loss
    if not isinstance(net, SigmoidMLP):
        raise ValueError(f"F.loss must be a SigmoidMLP; got {net!r}")
    batch_size = check_int("batch_size", batch_size, 1)
    n_epochs = check_int("n_epochs", n_epochs, 0)
    if batch_size > net.n_samples:
        raise ValueError(
            f"batch_size must be at most the {net.n_samples} training samples; "
            f"got {batch_size}"
        )
    rng = np.random.default_rng(seed)
    step = F.kernels.step
    hp, D = F._param_values, F.n_params
    x = F.initial_state(theta0)
    out = np.empty((n_epochs + 1, F.dim))
    out[0] = x
    if on_epoch is not None:
        on_epoch(0, x)
    n_batches = net.n_samples // batch_size
    with np.errstate(all="ignore"):
        for epoch in range(1, n_epochs + 1):
            order = rng.permutation(net.n_samples)
            for k in range(n_batches):
                idx = order[k * batch_size : (k + 1) * batch_size]
                x = step(x, hp, net.batch_params(idx), D)
            out[epoch] = x
            if on_epoch is not None:
                on_epoch(epoch, x)
    return out
