"""Layers: one module per concept, each with a hand-written backward."""

# chapters 1-4
from nnfs.layers.activation import GELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nnfs.layers.dense import Dense

# chapter 6
from nnfs.layers.dropout import Dropout
from nnfs.layers.norm import BatchNorm1d, BatchNorm2d, LayerNorm

# chapter 7
from nnfs.layers.conv import Conv2D
from nnfs.layers.pool import MaxPool2D
from nnfs.layers.reshape import Flatten

# chapter 8
from nnfs.layers.embedding import Embedding
from nnfs.layers.gru import GRU, GRUCell
from nnfs.layers.lstm import LSTM, LSTMCell
from nnfs.layers.recurrent import Recurrent, RecurrentCell
from nnfs.layers.rnn import RNN, RNNCell

# chapter 9
from nnfs.layers.attention import MultiHeadAttention, ScaledDotProductAttention
from nnfs.layers.transformer import PositionalEncoding, TransformerBlock, TransformerEncoder
from nnfs.layers.upsample import Concat, Upsample2D

__all__ = [name for name in dir() if not name.startswith("_") and name[0].isupper()]
