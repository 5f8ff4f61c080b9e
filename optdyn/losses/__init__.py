"""Losses with Numba kernels for value, gradient and Hessian."""

from ._base import Loss
from ._builtin import Eq15, Himmelblau, Quadratic, Rosenbrock
from ._custom import CustomLoss
from ._network import SigmoidMLP, minibatch_epochs, one_hot

__all__ = ["Loss", "Quadratic", "Eq15", "Rosenbrock", "Himmelblau", "CustomLoss"]
__all__ += ["SigmoidMLP", "minibatch_epochs", "one_hot"]
