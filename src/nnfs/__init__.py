"""nnfs: the NumPy package behind the book *Neural Networks from Scratch*.

Every layer has a hand-written forward and backward, checked against numerical gradients.
"""

from nnfs import (
    augment,
    datasets,
    functional,
    gradcheck,
    init,
    losses,
    models,
    optim,
    regularization,
    serialization,
    training,
)
from nnfs.core import Module, Parameter, Sequential
from nnfs.layers import *  # noqa: F403 -- every layer class is public at the top level
from nnfs.layers import __all__ as _layer_names
from nnfs.network import NeuralNetwork
from nnfs.neuron import Neuron

__version__ = "0.1.0"

__all__ = [
    "Module",
    "Parameter",
    "Sequential",
    "NeuralNetwork",
    "Neuron",
    "augment",
    "datasets",
    "models",
    "functional",
    "gradcheck",
    "init",
    "losses",
    "optim",
    "regularization",
    "serialization",
    "training",
    *_layer_names,
]
