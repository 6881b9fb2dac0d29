"""Probes: what a new user tries, through the public API, and the error each must get.

Bad shapes, calls in the wrong order, wrong argument types, lists instead of arrays, wrong
dtypes, out-of-domain values, damaged files. Every probe names the exact exception type and a
message that starts with the layer (or function) and says what it expected; a raw NumPy error
or an AttributeError from deep inside would fail the probe, and so would a silent broadcast.
The behaviour on valid but extreme inputs and on freezing is tested beside each layer
(test_norm.py, test_pool.py, test_freezing.py, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from nnfs import (
    BatchNorm1d,
    BatchNorm2d,
    Concat,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    LayerNorm,
    LeakyReLU,
    MaxPool2D,
    Module,
    NeuralNetwork,
    Neuron,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    Upsample2D,
)
from nnfs.gradcheck import check_module, rel_error
from nnfs.losses import (
    MSE,
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    CategoricalCrossEntropy,
    SoftmaxCrossEntropy,
)
from nnfs.models import VAE, LeNet5, UNet
from nnfs.models.vae import VAELoss
from nnfs.regularization import add_l1_grad, add_l2_grad, l1_penalty, l2_penalty
from nnfs.training import evaluate, predict


@dataclass
class Probe:
    name: str
    call: Callable[[], object]
    error: type[Exception]
    message: str  # a regular expression searched in the message


def _rng():
    return np.random.default_rng(0)


def _after(module: Module, *inputs, **kwargs) -> Module:
    """`module` after one forward pass on `inputs`."""
    module(*inputs, **kwargs)
    return module


def _x(*shape):
    return _rng().standard_normal(shape)


def _ln(x):  # a small helper so that probes read as one line
    return _after(LayerNorm(4), x)


SHAPE = r"expected shape \({}\), got \({}\)"


def shape(expected: str, got: str) -> str:
    return SHAPE.format(re.escape(expected), re.escape(got))


# ---------------------------------------------------------------- constructors

CONSTRUCTORS = [
    Probe(
        "Dense negative size",
        lambda: Dense(-1, 3),
        ValueError,
        r"^Dense: in_features expected an integer >= 1, got -1",
    ),
    Probe(
        "Dense float size",
        lambda: Dense(2.0, 3),
        TypeError,
        r"^Dense: in_features expected an integer, got 2.0",
    ),
    Probe(
        "Dense zero outputs",
        lambda: Dense(2, 0),
        ValueError,
        r"^Dense: out_features expected an integer >= 1, got 0",
    ),
    Probe(
        "Dense rng=0",
        lambda: Dense(2, 3, rng=0),
        TypeError,
        r"^Dense: rng expected a numpy.random.Generator .* got int 0",
    ),
    Probe(
        "Dense integer dtype",
        lambda: Dense(2, 3, dtype=np.int64),
        TypeError,
        r"^Dense: dtype expected a floating-point dtype",
    ),
    Probe(
        "Dense unknown init",
        lambda: Dense(2, 3, init="kaiming"),
        ValueError,
        r"^Dense: unknown initializer 'kaiming', expected one of .*'he'",
    ),
    Probe(
        "Dense init of the wrong shape",
        lambda: Dense(2, 3, init=lambda s, r, d: np.zeros((3, 2))),
        ValueError,
        r"^Dense: init returned shape \(3, 2\), expected \(2, 3\)",
    ),
    Probe(
        "Conv2D kernel 2.5",
        lambda: Conv2D(1, 2, kernel_size=2.5),
        TypeError,
        r"^Conv2D: kernel_size expected an integer, got 2.5",
    ),
    Probe(
        "Conv2D kernel triple",
        lambda: Conv2D(1, 2, (3, 3, 3)),
        ValueError,
        r"^Conv2D: kernel_size expected an int or a pair of ints, got \(3, 3, 3\)",
    ),
    Probe(
        "Conv2D stride 0",
        lambda: Conv2D(1, 2, 3, stride=0),
        ValueError,
        r"^Conv2D: stride expected an integer >= 1, got 0",
    ),
    Probe(
        "Conv2D negative padding",
        lambda: Conv2D(1, 2, 3, padding=-1),
        ValueError,
        r"^Conv2D: padding expected an integer >= 0, got -1",
    ),
    Probe(
        "Conv2D no input channels",
        lambda: Conv2D(0, 2, 3),
        ValueError,
        r"^Conv2D: in_channels expected an integer >= 1, got 0",
    ),
    Probe(
        "Conv2D rng=0",
        lambda: Conv2D(1, 2, 3, rng=0),
        TypeError,
        r"^Conv2D: rng expected a numpy.random.Generator",
    ),
    Probe(
        "MaxPool2D kernel 0",
        lambda: MaxPool2D(0),
        ValueError,
        r"^MaxPool2D: kernel_size expected an integer >= 1, got 0",
    ),
    Probe(
        "MaxPool2D stride 1.5",
        lambda: MaxPool2D(2, stride=1.5),
        TypeError,
        r"^MaxPool2D: stride expected an integer, got 1.5",
    ),
    Probe(
        "LayerNorm no features",
        lambda: LayerNorm(0),
        ValueError,
        r"^LayerNorm: num_features expected an integer >= 1, got 0",
    ),
    Probe(
        "LayerNorm negative eps",
        lambda: LayerNorm(4, eps=-1e-5),
        ValueError,
        r"^LayerNorm: eps expected a value in \[0, inf\], got -1e-05",
    ),
    Probe(
        "LayerNorm integer dtype",
        lambda: LayerNorm(4, dtype=int),
        TypeError,
        r"^LayerNorm: dtype expected a floating-point dtype",
    ),
    Probe(
        "BatchNorm1d momentum 1.5",
        lambda: BatchNorm1d(4, momentum=1.5),
        ValueError,
        r"^BatchNorm1d: momentum expected a value in \[0, 1\], got 1.5",
    ),
    Probe(
        "BatchNorm2d float features",
        lambda: BatchNorm2d(4.0),
        TypeError,
        r"^BatchNorm2d: num_features expected an integer, got 4.0",
    ),
    Probe(
        "BatchNorm1d eps as a string",
        lambda: BatchNorm1d(4, eps="small"),
        TypeError,
        r"^BatchNorm1d: eps expected a real number, got 'small'",
    ),
    Probe(
        "Dropout p = 1",
        lambda: Dropout(1.0),
        ValueError,
        r"^Dropout: p expected a value in \[0, 1\), got 1.0",
    ),
    Probe(
        "Dropout negative p",
        lambda: Dropout(-0.1),
        ValueError,
        r"^Dropout: p expected a value in \[0, 1\), got -0.1",
    ),
    Probe(
        "Dropout p as a string",
        lambda: Dropout("0.5"),
        TypeError,
        r"^Dropout: p expected a real number, got '0.5'",
    ),
    Probe(
        "Dropout rng=0",
        lambda: Dropout(0.5, rng=0),
        TypeError,
        r"^Dropout: rng expected a numpy.random.Generator",
    ),
    Probe(
        "Upsample2D scale 0",
        lambda: Upsample2D(0),
        ValueError,
        r"^Upsample2D: scale expected an integer >= 1, got 0",
    ),
    Probe(
        "Upsample2D scale 1.5",
        lambda: Upsample2D(1.5),
        TypeError,
        r"^Upsample2D: scale expected an integer, got 1.5",
    ),
    Probe(
        "Concat float axis",
        lambda: Concat(axis=1.0),
        TypeError,
        r"^Concat: axis expected an integer, got 1.0",
    ),
    Probe(
        "LeakyReLU alpha as a string",
        lambda: LeakyReLU("0.1"),
        TypeError,
        r"^LeakyReLU: alpha expected a real number, got '0.1'",
    ),
    Probe(
        "Softmax float axis",
        lambda: Softmax(axis=0.5),
        TypeError,
        r"^Softmax: axis expected an integer, got 0.5",
    ),
    Probe(
        "NeuralNetwork float size",
        lambda: NeuralNetwork([2.0, 3, 1], ["relu", None]),
        TypeError,
        r"^NeuralNetwork: sizes expected integers, got 2.0",
    ),
    Probe(
        "NeuralNetwork unknown activation",
        lambda: NeuralNetwork([2, 3, 1], ["relu", "swish"]),
        ValueError,
        r"^NeuralNetwork: unknown activation 'swish', expected one of",
    ),
    Probe(
        "NeuralNetwork activations as a string",
        lambda: NeuralNetwork([2, 3, 1], "relu"),
        TypeError,
        r"^NeuralNetwork: sizes and activations expected lists, got list and str",
    ),
    Probe(
        "NeuralNetwork too few activations",
        lambda: NeuralNetwork([2, 3, 1], ["relu"]),
        ValueError,
        r"^NeuralNetwork: expected 2 activations for sizes \[2, 3, 1\], got 1",
    ),
    Probe(
        "NeuralNetwork integer dtype",
        lambda: NeuralNetwork([2, 1], [None], dtype=np.int32),
        TypeError,
        r"^NeuralNetwork: dtype expected a floating-point dtype",
    ),
    Probe(
        "Sequential of a class",
        lambda: Sequential(Dense(2, 2), ReLU),
        TypeError,
        r"^Sequential: layer 1 expected a Module, got <class",
    ),
    Probe(
        "LeNet5 no classes",
        lambda: LeNet5(num_classes=0),
        ValueError,
        r"^LeNet5: num_classes expected an integer >= 1, got 0",
    ),
    Probe(
        "LeNet5 unknown activation",
        lambda: LeNet5("gelu"),
        ValueError,
        r"^LeNet5: activation expected one of 'relu', 'tanh', got 'gelu'",
    ),
    Probe("LeNet5 rng=0", lambda: LeNet5(rng=0), TypeError, r"^LeNet5: rng expected"),
    Probe(
        "UNet depth 0",
        lambda: UNet(1, 2, depth=0),
        ValueError,
        r"^UNet: depth expected an integer >= 1, got 0",
    ),
    Probe(
        "UNet float width",
        lambda: UNet(1, 2, base_channels=2.5),
        TypeError,
        r"^UNet: base_channels expected an integer, got 2.5",
    ),
    Probe(
        "VAE no features",
        lambda: VAE(0),
        ValueError,
        r"^VAE: in_features expected an integer >= 1, got 0",
    ),
    Probe(
        "VAE empty hidden",
        lambda: VAE(6, 2, hidden=()),
        TypeError,
        r"^VAE: hidden expected a non-empty tuple of widths, got \(\)",
    ),
    Probe("VAE rng=0", lambda: VAE(6, 2, (5,), rng=0), TypeError, r"^VAE: rng expected"),
    Probe(
        "VAELoss unknown kind",
        lambda: VAELoss("l1"),
        ValueError,
        r"^VAELoss: reconstruction expected one of 'bce', 'gaussian', got 'l1'",
    ),
    Probe(
        "VAELoss sigma 0",
        lambda: VAELoss(sigma=0),
        ValueError,
        r"^VAELoss: sigma expected a value in \(0, inf\], got 0.0",
    ),
    Probe(
        "VAELoss negative beta",
        lambda: VAELoss(beta=-1),
        ValueError,
        r"^VAELoss: beta expected a value in \[0, inf\], got -1.0",
    ),
    Probe(
        "BinaryCrossEntropy eps 0",
        lambda: BinaryCrossEntropy(eps=0),
        ValueError,
        r"^BinaryCrossEntropy: eps expected a value in \(0, 0.5\], got 0.0",
    ),
    Probe(
        "CategoricalCrossEntropy eps 1",
        lambda: CategoricalCrossEntropy(eps=1),
        ValueError,
        r"^CategoricalCrossEntropy: eps expected a value in \(0, 1\), got 1.0",
    ),
    Probe(
        "Parameter of ints",
        lambda: Parameter(np.arange(3)),
        TypeError,
        r"^Parameter: data expected a floating-point array, got dtype int64",
    ),
    Probe(
        "Parameter of a list",
        lambda: Parameter([1.0, 2.0]),
        TypeError,
        r"^Parameter: data expected a numpy.ndarray, got list",
    ),
    Probe(
        "Neuron unknown activation",
        lambda: Neuron(np.ones(3), activation="swish"),
        ValueError,
        r"^Neuron: unknown activation 'swish', expected one of",
    ),
    Probe(
        "Neuron matrix of weights",
        lambda: Neuron(np.ones((2, 2))),
        ValueError,
        r"^Neuron: weights expected shape \(D,\), got \(2, 2\)",
    ),
    Probe(
        "Neuron bias as a string",
        lambda: Neuron(np.ones(3), bias="0.5"),
        TypeError,
        r"^Neuron: bias expected a real number, got '0.5'",
    ),
    Probe(
        "train('eval')",
        lambda: Dense(2, 2).train("eval"),
        TypeError,
        r"^Dense.train: mode expected a bool, got 'eval'",
    ),
]

# ---------------------------------------------------------------- forward inputs

LIST = [[1.0, -2.0], [3.0, 4.0]]

FORWARD = [
    Probe(
        "Dense on a list",
        lambda: Dense(2, 3)(LIST),
        TypeError,
        r"^Dense: input expected a numpy.ndarray, got list",
    ),
    Probe(
        "Dense wrong width",
        lambda: Dense(3, 3)(_x(4, 2)),
        ValueError,
        r"^Dense: input " + shape("*, 3", "4, 2"),
    ),
    Probe(
        "ReLU on a list",
        lambda: ReLU()(LIST),
        TypeError,
        r"^ReLU: input expected a numpy.ndarray, got list",
    ),
    Probe(
        "Sigmoid on a list",
        lambda: Sigmoid()(LIST),
        TypeError,
        r"^Sigmoid: input expected a numpy.ndarray, got list",
    ),
    Probe(
        "Tanh on a list",
        lambda: Tanh()(LIST),
        TypeError,
        r"^Tanh: input expected a numpy.ndarray, got list",
    ),
    Probe(
        "LeakyReLU on a list",
        lambda: LeakyReLU()(LIST),
        TypeError,
        r"^LeakyReLU: input expected a numpy.ndarray, got list",
    ),
    Probe(
        "Softmax on a list",
        lambda: Softmax()(LIST),
        TypeError,
        r"^Softmax: input expected a numpy.ndarray, got list",
    ),
    Probe(
        "Softmax axis out of range",
        lambda: Softmax(axis=2)(_x(3, 4)),
        ValueError,
        r"^Softmax: axis expected a value in \[-2, 2\) for an input of shape \(3, 4\), got 2",
    ),
    Probe(
        "Conv2D wrong channels",
        lambda: Conv2D(1, 2, 3)(_x(2, 3, 8, 8)),
        ValueError,
        r"^Conv2D: input " + shape("*, 1, *, *", "2, 3, 8, 8"),
    ),
    Probe(
        "Conv2D image smaller than the kernel",
        lambda: Conv2D(1, 2, 5)(_x(1, 1, 4, 8)),
        ValueError,
        r"^Conv2D: input expected height >= 5 and width >= 5",
    ),
    Probe(
        "Conv2D on a list",
        lambda: Conv2D(1, 2, 1)([[[[1.0]]]]),
        TypeError,
        r"^Conv2D: input expected a numpy.ndarray, got list",
    ),
    Probe(
        "MaxPool2D on a 3-D input",
        lambda: MaxPool2D(2)(_x(1, 4, 4)),
        ValueError,
        r"^MaxPool2D: input " + shape("*, *, *, *", "1, 4, 4"),
    ),
    Probe(
        "MaxPool2D image smaller than the window",
        lambda: MaxPool2D(3)(_x(1, 1, 2, 5)),
        ValueError,
        r"^MaxPool2D: input expected height >= 3 and width >= 3",
    ),
    Probe(
        "Flatten on a 1-D input",
        lambda: Flatten()(_x(5)),
        ValueError,
        r"^Flatten: input " + shape("N, *", "5,"),
    ),
    Probe(
        "Flatten on a list",
        lambda: Flatten()(LIST),
        TypeError,
        r"^Flatten: input expected a numpy.ndarray, got list",
    ),
    Probe(
        "LayerNorm on integers",
        lambda: LayerNorm(2)(np.ones((3, 2), dtype=np.int64)),
        TypeError,
        r"^LayerNorm: input expected a floating-point array, got dtype int64",
    ),
    Probe(
        "LayerNorm wrong width",
        lambda: LayerNorm(4)(_x(2, 3)),
        ValueError,
        r"^LayerNorm: input " + shape("*, 4", "2, 3"),
    ),
    Probe(
        "LayerNorm on a 1-D input",
        lambda: LayerNorm(4)(_x(4)),
        ValueError,
        r"^LayerNorm: input " + shape("*, 4", "4,"),
    ),
    Probe(
        "BatchNorm1d trained on one sample",
        lambda: BatchNorm1d(3)(_x(1, 3)),
        ValueError,
        r"^BatchNorm1d: training needs more than 1 value per feature, got input shape",
    ),
    Probe(
        "BatchNorm2d wrong channels",
        lambda: BatchNorm2d(3)(_x(2, 4, 5, 5)),
        ValueError,
        r"^BatchNorm2d: input " + shape("*, 3, *, *", "2, 4, 5, 5"),
    ),
    Probe(
        "BatchNorm1d on a list",
        lambda: BatchNorm1d(2)(LIST),
        TypeError,
        r"^BatchNorm1d: input expected a numpy.ndarray, got list",
    ),
    Probe(
        "Dropout on integers",
        lambda: Dropout(0.5)(np.ones((2, 3), dtype=np.int32)),
        TypeError,
        r"^Dropout: input expected a floating-point array, got dtype int32",
    ),
    Probe(
        "Dropout on a list",
        lambda: Dropout(0.5)(LIST),
        TypeError,
        r"^Dropout: input expected a numpy.ndarray, got list",
    ),
    Probe(
        "Dropout fixed mask of another shape",
        lambda: Dropout(0.5).fix_mask(np.ones((2, 3), bool))(_x(4, 3)),
        ValueError,
        r"^Dropout: input expected shape \(2, 3\) \(the fixed mask\), got \(4, 3\)",
    ),
    Probe(
        "Upsample2D on a 3-D input",
        lambda: Upsample2D(2)(_x(1, 4, 4)),
        ValueError,
        r"^Upsample2D: input " + shape("*, *, *, *", "1, 4, 4"),
    ),
    Probe(
        "Concat of one input",
        lambda: Concat()(_x(1, 2, 3, 3)),
        ValueError,
        r"^Concat: expected at least 2 inputs, got 1",
    ),
    Probe(
        "Concat of mismatched inputs",
        lambda: Concat()(_x(1, 2, 3, 3), _x(1, 2, 4, 3)),
        ValueError,
        r"^Concat: inputs must match except along axis 1",
    ),
    Probe(
        "Concat along a missing axis",
        lambda: Concat(axis=5)(_x(2, 2), _x(2, 2)),
        ValueError,
        r"^Concat: input 0 expected more than axis 5 dimensions, got shape",
    ),
    Probe(
        "Concat of a list",
        lambda: Concat()(LIST, _x(2, 2)),
        TypeError,
        r"^Concat: input 0 expected a numpy.ndarray, got list",
    ),
    Probe(
        "LeNet5 on 28x28 images",
        lambda: LeNet5(rng=_rng())(_x(2, 1, 28, 28)),
        ValueError,
        r"^LeNet5: input " + shape("*, 1, 32, 32", "2, 1, 28, 28"),
    ),
    Probe(
        "UNet on an odd size",
        lambda: UNet(1, 2, 2, 1, rng=_rng())(_x(1, 1, 5, 4)),
        ValueError,
        r"^UNet: input expected shape \(N, 1, H, W\) with H and W divisible by 2",
    ),
    Probe(
        "UNet wrong channels",
        lambda: UNet(1, 2, 2, 1, rng=_rng())(_x(1, 3, 4, 4)),
        ValueError,
        r"^UNet: input " + shape("*, 1, *, *", "1, 3, 4, 4"),
    ),
    Probe(
        "VAE wrong width",
        lambda: VAE(6, 2, (5,), rng=_rng())(_x(3, 5)),
        ValueError,
        r"^VAE: input " + shape("*, 6", "3, 5"),
    ),
    Probe(
        "VAE noise of the wrong shape",
        lambda: VAE(6, 2, (5,), rng=_rng())(_x(3, 6), eps=_x(3, 3)),
        ValueError,
        r"^VAE: eps " + shape("3, 2", "3, 3"),
    ),
    Probe(
        "predict on a list",
        lambda: predict(Dense(2, 1), LIST),
        TypeError,
        r"^predict: X expected a numpy.ndarray, got list",
    ),
    Probe(
        "predict batch size 0",
        lambda: predict(Dense(2, 1), _x(3, 2), batch_size=0),
        ValueError,
        r"^predict: batch_size expected an integer >= 1, got 0",
    ),
    Probe(
        "predict on nothing",
        lambda: predict(Dense(2, 1), _x(0, 2)),
        ValueError,
        r"^predict: X expected at least one sample, got shape \(0, 2\)",
    ),
    Probe(
        "evaluate with fewer labels",
        lambda: evaluate(Dense(2, 2), SoftmaxCrossEntropy(), _x(3, 2), np.array([0, 1])),
        ValueError,
        r"^evaluate: X has 3 rows but y has 2",
    ),
]

# ---------------------------------------------------------------- backward: order and shape


def _before(layer):
    return Probe(
        f"{type(layer).__name__}.backward before forward",
        lambda: layer.backward(np.ones((2, 2))),
        RuntimeError,
        rf"^{type(layer).__name__}: backward called before forward .*call forward first",
    )


BEFORE_FORWARD = [
    _before(layer)
    for layer in (
        Dense(2, 2),
        ReLU(),
        LeakyReLU(),
        Sigmoid(),
        Tanh(),
        Softmax(),
        Conv2D(1, 1, 1),
        MaxPool2D(2),
        Flatten(),
        LayerNorm(2),
        BatchNorm1d(2),
        BatchNorm2d(2),
        Dropout(0.5),
        Upsample2D(),
        Concat(),
        UNet(1, 2, 2, 1),
        VAE(2, 1, (2,)),
    )
] + [
    Probe(
        f"{cls.__name__}.backward before forward",
        lambda cls=cls: cls().backward(),
        RuntimeError,
        rf"^{cls.__name__}: backward called before forward",
    )
    for cls in (
        MSE,
        BinaryCrossEntropy,
        BinaryCrossEntropyWithLogits,
        CategoricalCrossEntropy,
        SoftmaxCrossEntropy,
        VAELoss,
    )
]

BACKWARD_SHAPES = [
    Probe(
        "Dense grad_out one column too many",
        lambda: _after(Dense(3, 3), _x(4, 3)).backward(np.ones((4, 4))),
        ValueError,
        r"^Dense: grad_out " + shape("4, 3", "4, 4"),
    ),
    Probe(
        "ReLU grad_out that would broadcast",
        lambda: _after(ReLU(), _x(4, 3)).backward(np.ones((1, 3))),
        ValueError,
        r"^ReLU: grad_out " + shape("4, 3", "1, 3"),
    ),
    Probe(
        "Softmax grad_out transposed",
        lambda: _after(Softmax(), _x(4, 3)).backward(np.ones((3, 4))),
        ValueError,
        r"^Softmax: grad_out " + shape("4, 3", "3, 4"),
    ),
    Probe(
        "LayerNorm grad_out that would broadcast",
        lambda: _ln(_x(5, 4)).backward(np.ones((1, 4))),
        ValueError,
        r"^LayerNorm: grad_out " + shape("5, 4", "1, 4"),
    ),
    Probe(
        "BatchNorm1d grad_out that would broadcast",
        lambda: _after(BatchNorm1d(4), _x(5, 4)).backward(np.ones((1, 4))),
        ValueError,
        r"^BatchNorm1d: grad_out " + shape("5, 4", "1, 4"),
    ),
    Probe(
        "BatchNorm2d grad_out per channel only",
        lambda: _after(BatchNorm2d(2), _x(3, 2, 4, 4)).backward(np.ones((3, 2, 1, 1))),
        ValueError,
        r"^BatchNorm2d: grad_out " + shape("3, 2, 4, 4", "3, 2, 1, 1"),
    ),
    Probe(
        "Dropout grad_out that would broadcast",
        lambda: _after(Dropout(0.5, rng=_rng()), _x(4, 3)).backward(np.ones((1, 3))),
        ValueError,
        r"^Dropout: grad_out " + shape("4, 3", "1, 3"),
    ),
    Probe(
        "Dropout in eval mode, grad_out that would pass through",
        lambda: _after(Dropout(0.5).eval(), _x(4, 3)).backward(np.ones((5, 3))),
        ValueError,
        r"^Dropout: grad_out " + shape("4, 3", "5, 3"),
    ),
    Probe(
        "Flatten grad_out of the right size and the wrong shape",
        lambda: _after(Flatten(), _x(2, 3, 4)).backward(np.ones((4, 6))),
        ValueError,
        r"^Flatten: grad_out " + shape("2, 12", "4, 6"),
    ),
    Probe(
        "Upsample2D grad_out of another size",
        lambda: _after(Upsample2D(2), _x(1, 1, 3, 3)).backward(np.ones((1, 1, 4, 4))),
        ValueError,
        r"^Upsample2D: grad_out " + shape("1, 1, 6, 6", "1, 1, 4, 4"),
    ),
    Probe(
        "Concat grad_out with an extra channel",
        lambda: _after(Concat(), _x(1, 2, 2, 2), _x(1, 1, 2, 2)).backward(np.ones((1, 4, 2, 2))),
        ValueError,
        r"^Concat: grad_out " + shape("1, 3, 2, 2", "1, 4, 2, 2"),
    ),
    Probe(
        "Conv2D grad_out of the input's size",
        lambda: _after(Conv2D(1, 2, 3), _x(1, 1, 5, 5)).backward(np.ones((1, 2, 5, 5))),
        ValueError,
        r"^Conv2D: grad_out " + shape("1, 2, 3, 3", "1, 2, 5, 5"),
    ),
    Probe(
        "MaxPool2D grad_out of the input's size",
        lambda: _after(MaxPool2D(2), _x(1, 1, 4, 4)).backward(np.ones((1, 1, 4, 4))),
        ValueError,
        r"^MaxPool2D: grad_out " + shape("1, 1, 2, 2", "1, 1, 4, 4"),
    ),
    Probe(
        "UNet grad_out of the wrong class count",
        lambda: _after(UNet(1, 2, 2, 1, rng=_rng()), _x(1, 1, 4, 4)).backward(
            np.ones((1, 3, 4, 4))
        ),
        ValueError,
        r"^UNet: grad_out " + shape("1, 2, 4, 4", "1, 3, 4, 4"),
    ),
    Probe(
        "VAE grad_out that is one array",
        lambda: _after(VAE(2, 1, (2,), rng=_rng()), _x(3, 2)).backward(np.ones((3, 2))),
        TypeError,
        r"^VAE: grad_out expected a tuple \(dL/dx_hat, dL/dmu, dL/dlogvar\)",
    ),
    Probe(
        "NeuralNetwork grad_out of the wrong width",
        lambda: _after(NeuralNetwork([2, 3, 1], ["relu", None]), _x(4, 2)).backward(
            np.ones((4, 3))
        ),
        ValueError,
        r"^Dense: grad_out " + shape("4, 1", "4, 3"),
    ),
]

# ---------------------------------------------------------------- losses

P = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])

LOSSES = (
    [
        Probe(
            "BinaryCrossEntropy on logits",
            lambda: BinaryCrossEntropy()(np.array([3.0, -2.0]), np.array([1.0, 0.0])),
            ValueError,
            r"^BinaryCrossEntropy: pred expected probabilities in \[0, 1\], got 2 values outside",
        ),
        Probe(
            "BinaryCrossEntropy target 2",
            lambda: BinaryCrossEntropy()(np.array([0.3, 0.6]), np.array([1.0, 2.0])),
            ValueError,
            r"^BinaryCrossEntropy: target expected probabilities in \[0, 1\]",
        ),
        Probe(
            "BinaryCrossEntropyWithLogits target -1",
            lambda: BinaryCrossEntropyWithLogits()(np.array([3.0]), np.array([-1.0])),
            ValueError,
            r"^BinaryCrossEntropyWithLogits: target expected probabilities in",
        ),
        Probe(
            "BinaryCrossEntropy (N, 1) against (N,)",
            lambda: BinaryCrossEntropy()(np.full((3, 1), 0.5), np.ones(3)),
            ValueError,
            r"^BinaryCrossEntropy: target expected shape \(3, 1\) \(same as pred\), got \(3,\)",
        ),
        Probe(
            "CategoricalCrossEntropy on logits",
            lambda: CategoricalCrossEntropy()(np.array([[2.0, -1.0]]), np.array([0])),
            ValueError,
            r"^CategoricalCrossEntropy: pred expected probabilities in \[0, 1\]",
        ),
        Probe(
            "CategoricalCrossEntropy label -1",
            lambda: CategoricalCrossEntropy()(P, np.array([-1, 2])),
            ValueError,
            r"^CategoricalCrossEntropy: labels must lie in \[0, 3\), got range \[-1, 2\]",
        ),
        Probe(
            "SoftmaxCrossEntropy label 3 of 3 classes",
            lambda: SoftmaxCrossEntropy()(P, np.array([0, 3])),
            ValueError,
            r"^SoftmaxCrossEntropy: labels must lie in \[0, 3\), got range \[0, 3\]",
        ),
        Probe(
            "SoftmaxCrossEntropy float labels",
            lambda: SoftmaxCrossEntropy()(P, np.array([0.0, 1.0])),
            TypeError,
            r"^SoftmaxCrossEntropy: label targets of shape \(2,\) must be integers, got float64",
        ),
        Probe(
            "SoftmaxCrossEntropy a column of labels",
            lambda: SoftmaxCrossEntropy()(P, np.array([[0], [1]])),
            ValueError,
            r"^SoftmaxCrossEntropy: target expected shape \(2,\) or \(2, 3\), got \(2, 1\)",
        ),
        Probe(
            "SoftmaxCrossEntropy 1-D logits",
            lambda: SoftmaxCrossEntropy()(np.zeros(3), np.array([0])),
            ValueError,
            r"^SoftmaxCrossEntropy: pred expected shape \(N, C\), got \(3,\)",
        ),
        Probe(
            "SoftmaxCrossEntropy multi-hot target",
            lambda: SoftmaxCrossEntropy()(P, np.array([[1, 1, 0], [0, 0, 1]])),
            ValueError,
            r"^SoftmaxCrossEntropy: each target row must sum to 1",
        ),
        Probe(
            "MSE of two shapes",
            lambda: MSE()(np.zeros((3, 1)), np.zeros(3)),
            ValueError,
            r"^MSE: target expected shape \(3, 1\) \(same as pred\), got \(3,\)",
        ),
    ]
    + [
        Probe(
            f"{cls.__name__} of an empty batch",
            lambda cls=cls, p=p, y=y: cls()(p, y),
            ValueError,
            rf"^{cls.__name__}: expected a non-empty batch, got pred of shape",
        )
        for cls, p, y in (
            (MSE, np.zeros((0, 2)), np.zeros((0, 2))),
            (BinaryCrossEntropy, np.zeros(0), np.zeros(0)),
            (BinaryCrossEntropyWithLogits, np.zeros(0), np.zeros(0)),
            (CategoricalCrossEntropy, np.zeros((0, 3)), np.zeros(0, dtype=int)),
            (SoftmaxCrossEntropy, np.zeros((0, 3)), np.zeros(0, dtype=int)),
        )
    ]
    + [
        Probe(
            "VAELoss given x_hat alone",
            lambda: VAELoss()(np.full((2, 3), 0.5), np.zeros((2, 3))),
            TypeError,
            r"^VAELoss: pred expected the tuple \(x_hat, mu, logvar\)",
        ),
        Probe(
            "VAELoss with data outside [0, 1]",
            lambda: VAELoss()(
                (np.full((1, 2), 0.5), np.zeros((1, 1)), np.zeros((1, 1))), np.array([[0.0, 3.0]])
            ),
            ValueError,
            r"^VAELoss: x expected values in \[0, 1\] for reconstruction 'bce'",
        ),
    ]
)

# ---------------------------------------------------------------- helpers and the module API

MISC = [
    Probe(
        "l2_penalty of a model",
        lambda: l2_penalty(Dense(2, 2), 0.1),
        TypeError,
        r"^l2_penalty: params expected an iterable of Parameters .* got Dense",
    ),
    Probe(
        "l1_penalty of arrays",
        lambda: l1_penalty([np.ones(2)], 0.1),
        TypeError,
        r"^l1_penalty: params expected Parameters, got ndarray",
    ),
    Probe(
        "add_l1_grad negative lambda",
        lambda: add_l1_grad(Dense(2, 2).parameters(), -1.0),
        ValueError,
        r"^add_l1_grad: lam expected a value in \[0, inf\], got -1.0",
    ),
    Probe(
        "add_l2_grad lambda as a string",
        lambda: add_l2_grad(Dense(2, 2).parameters(), "1e-4"),
        TypeError,
        r"^add_l2_grad: lam expected a real number, got '1e-4'",
    ),
    Probe(
        "check_module in float32",
        lambda: check_module(Dense(2, 2, dtype=np.float32), np.ones((2, 2))),
        TypeError,
        r"^check_module: parameter 'W' expected float64, got float32",
    ),
    Probe(
        "check_module of a function",
        lambda: check_module(np.tanh, np.ones(2)),
        TypeError,
        r"^check_module: module expected a Module, got ufunc",
    ),
    Probe(
        "rel_error of different sizes",
        lambda: rel_error(np.ones(3), np.ones(4)),
        ValueError,
        r"^rel_error: a and b expected the same size, got \(3,\) and \(4,\)",
    ),
    Probe(
        "a Module without forward",
        lambda: Module()(np.ones(2)),
        NotImplementedError,
        r"^Module does not define forward",
    ),
]

# ---------------------------------------------------------------- load_state_dict and files


def _state_with(key, value):
    net = NeuralNetwork([2, 3], [None], seed=0)
    state = net.state_dict()
    state[key] = value
    return lambda: net.load_state_dict(state)


LOADING = [
    Probe(
        "load_state_dict complex weights",
        _state_with("layers.0.W", np.ones((2, 3), dtype=complex)),
        TypeError,
        r"^NeuralNetwork.load_state_dict: 'layers.0.W' expected a floating-point array "
        r"\(the model holds float64\), got complex128",
    ),
    Probe(
        "load_state_dict string weights",
        _state_with("layers.0.W", np.full((2, 3), "w")),
        TypeError,
        r"^NeuralNetwork.load_state_dict: 'layers.0.W' expected a floating-point",
    ),
    Probe(
        "load_state_dict boolean bias",
        _state_with("layers.0.b", np.ones(3, dtype=bool)),
        TypeError,
        r"'layers.0.b' expected a floating-point array .* got bool",
    ),
    Probe(
        "load_state_dict integer bias",
        _state_with("layers.0.b", np.ones(3, dtype=int)),
        TypeError,
        r"'layers.0.b' expected a floating-point array .* got int64",
    ),
    Probe(
        "load_state_dict wrong shape",
        _state_with("layers.0.b", np.ones(4)),
        ValueError,
        r"^NeuralNetwork.load_state_dict: 'layers.0.b' " + shape("3,", "4,"),
    ),
    Probe(
        "load_state_dict an extra key",
        _state_with("layers.1.W", np.ones(3)),
        ValueError,
        r"^NeuralNetwork.load_state_dict: missing keys \[\], unexpected keys \['layers.1.W'\]",
    ),
    Probe(
        "load_state_dict of a list",
        lambda: Dense(2, 2).load_state_dict([np.ones(2)]),
        TypeError,
        r"^Dense.load_state_dict: state expected a dict of arrays, got list",
    ),
]

ALL = CONSTRUCTORS + FORWARD + BEFORE_FORWARD + BACKWARD_SHAPES + LOSSES + MISC + LOADING


def test_there_are_enough_probes_and_their_names_are_unique():
    assert len(ALL) >= 80
    assert len({p.name for p in ALL}) == len(ALL)


@pytest.mark.parametrize("probe", ALL, ids=[p.name for p in ALL])
def test_probe(probe):
    with pytest.raises(Exception) as info:
        probe.call()
    assert type(info.value) is probe.error, f"{type(info.value).__name__}: {info.value}"
    assert re.search(probe.message, str(info.value)), str(info.value)


# ---------------------------------------------------------------- files


def _save_then(tmp_path, content: bytes | None, name="m.npz"):
    from nnfs.serialization import save

    path = tmp_path / name
    save(NeuralNetwork([2, 3], [None], seed=0), path)
    if content is not None:
        path.write_bytes(content(path.read_bytes()) if callable(content) else content)
    return path


@pytest.mark.parametrize(
    "name, damage, message",
    [
        ("text", lambda b: b"not a checkpoint", r"is not an .npz archive .* starts with b'not a '"),
        ("empty", lambda b: b"", r"is empty"),
        ("truncated", lambda b: b[: len(b) // 2], r"is corrupt or truncated"),
        ("cut at the end", lambda b: b[:-20], r"is corrupt or truncated"),
    ],
)
def test_probe_loading_a_damaged_file(tmp_path, name, damage, message):
    from nnfs.serialization import load

    path = _save_then(tmp_path, damage)
    net = NeuralNetwork([2, 3], [None], seed=1)
    before = net.state_dict()
    with pytest.raises(ValueError) as info:
        load(net, path)
    assert type(info.value) is ValueError
    assert str(info.value).startswith("serialization.load_state: ") and str(path) in str(info.value)
    assert re.search(message, str(info.value))
    assert all(np.array_equal(before[k], v) for k, v in net.state_dict().items())


def test_probe_loading_a_npy_file(tmp_path):
    from nnfs.serialization import load

    path = tmp_path / "weights.npy"
    np.save(path, np.ones(3))
    with pytest.raises(ValueError, match=r"weights.npy is a single .npy array, not an .npz"):
        load(Dense(2, 2), path)


def test_probe_loading_into_another_architecture_names_the_file_and_the_key(tmp_path):
    from nnfs.serialization import load

    path = _save_then(tmp_path, None)
    with pytest.raises(ValueError) as info:
        load(NeuralNetwork([2, 4], [None]), path)
    assert type(info.value) is ValueError
    assert re.search(
        rf"^serialization.load: {re.escape(str(path))}: NeuralNetwork.load_state_dict"
        r": 'layers.0.W' " + shape("2, 4", "2, 3"),
        str(info.value),
    )
