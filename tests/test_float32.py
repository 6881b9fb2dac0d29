"""A model built in float32 stays float32 through forward, loss, backward and optimizer step.

One float64 temporary anywhere (a NumPy float64 scalar, an up-casting mask) halves the speed
of every matrix product after it, so each model of the book is checked end to end.
"""

from collections.abc import Callable

import numpy as np
import pytest

import nnfs
from nnfs.losses import MSE, SoftmaxCrossEntropy
from nnfs.optim import SGD, Adam, RMSProp

F32 = np.float32


def _mlp(rng):
    return nnfs.NeuralNetwork([6, 8, 3], ["relu", "linear"], seed=rng, dtype=F32), (5, 6)


def _cnn(rng):
    model = nnfs.Sequential(
        nnfs.Conv2D(2, 4, 3, padding=1, rng=rng, dtype=F32),
        nnfs.BatchNorm2d(4, dtype=F32),
        nnfs.ReLU(),
        nnfs.MaxPool2D(2),
        nnfs.Flatten(),
        nnfs.Dropout(0.2, rng=rng),
        nnfs.Dense(4 * 4 * 4, 3, rng=rng, dtype=F32),
    )
    return model, (5, 2, 8, 8)


def _lenet(rng):
    return nnfs.models.LeNet5(rng=rng, dtype=F32), (2, 1, 32, 32)


def _transformer(rng):
    model = nnfs.Sequential(
        nnfs.TransformerBlock(8, 2, 16, dropout=0.1, rng=rng, dtype=F32),
        nnfs.LayerNorm(8, dtype=F32),
    )
    return model, (2, 5, 8)


def _recurrent(cls):
    def build(rng):
        return cls(4, 6, num_layers=2, rng=rng, dtype=F32), (3, 5, 4)

    return build


BUILDERS: dict[str, Callable] = {
    "mlp": _mlp,
    "cnn": _cnn,
    "lenet5": _lenet,
    "transformer": _transformer,
    "rnn": _recurrent(nnfs.RNN),
    "lstm": _recurrent(nnfs.LSTM),
    "gru": _recurrent(nnfs.GRU),
}


def _assert_f32(what: str, array: np.ndarray) -> None:
    assert array.dtype == F32, f"{what} is {array.dtype}, expected float32"


@pytest.mark.parametrize("optimizer_cls", [SGD, Adam, RMSProp])
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_float32_model_stays_float32_end_to_end(name, optimizer_cls):
    rng = np.random.default_rng(0)
    model, in_shape = BUILDERS[name](rng)
    x = rng.standard_normal(in_shape).astype(F32)
    optimizer = optimizer_cls(model.parameters(), lr=1e-3)

    for _ in range(2):  # the second step exercises the optimizer's state
        optimizer.zero_grad()
        out = model(x)
        _assert_f32(f"{name} output", out)
        if out.ndim == 2:
            loss_fn = SoftmaxCrossEntropy()
            loss_fn(out, rng.integers(0, out.shape[1], size=out.shape[0]))
        else:
            loss_fn = MSE()
            loss_fn(out, np.zeros_like(out))
        grad = loss_fn.backward()
        _assert_f32(f"{name} loss gradient", grad)
        dx = model.backward(grad)
        _assert_f32(f"{name} input gradient", dx)
        for pname, p in model.named_parameters():
            _assert_f32(f"{name}.{pname}.grad", p.grad)
        optimizer.step()
        for pname, p in model.named_parameters():
            _assert_f32(f"{name}.{pname} after {optimizer_cls.__name__}", p.data)
            assert p.data.flags.c_contiguous, f"{name}.{pname} is not C-contiguous"
    for key, value in model.state_dict().items():
        _assert_f32(f"{name} state_dict[{key}]", value)
