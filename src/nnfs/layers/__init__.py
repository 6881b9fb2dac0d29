"""Layers: one module per concept, each with a hand-written backward."""

# chapters 1-4
from nnfs.layers.activation import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nnfs.layers.dense import Dense

# chapter 6

# chapter 7

# chapter 8

# chapter 9

__all__ = [name for name in dir() if not name.startswith("_") and name[0].isupper()]
