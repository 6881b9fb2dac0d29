"""A model built in float32 stays float32 through forward, loss, backward and optimizer step.

One float64 temporary anywhere (a NumPy float64 scalar, an up-casting mask) halves the speed
of every matrix product after it, so each model of the book is checked end to end.
"""

from collections.abc import Callable

import numpy as np
import pytest

import nnfs
from nnfs.losses import MSE, SoftmaxCrossEntropy
from nnfs.models import GPT, VAE, BertConfig, BertForSequenceClassification, CharRNN, GPTConfig
from nnfs.models.masked_lm import BertForMaskedLM
from nnfs.models.vae import VAELoss
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


def _unet(rng):
    return nnfs.models.UNet(2, 3, base_channels=4, depth=2, rng=rng, dtype=F32), (2, 2, 8, 8)


def _small_cnn(rng):
    model = nnfs.models.SmallCNN(3, image_size=8, channels=(2, 4), hidden=8, rng=rng, dtype=F32)
    return model, (2, 1, 8, 8)


BUILDERS: dict[str, Callable] = {
    "unet": _unet,
    "small_cnn": _small_cnn,
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


class _SequenceCrossEntropy:
    """Softmax cross-entropy over every position of (..., V) logits, as the language models use."""

    def __init__(self):
        self.inner = SoftmaxCrossEntropy()

    def __call__(self, logits, labels):
        self.shape = logits.shape
        return self.inner(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))

    def backward(self):
        return self.inner.backward().reshape(self.shape)


def _check_step(name, model, optimizer, forward, loss_fn, target):
    optimizer.zero_grad()
    out = forward()
    outputs = out if isinstance(out, tuple) else (out,)
    for i, o in enumerate(outputs):
        _assert_f32(f"{name} output {i}", o)
    loss_fn(out, target)
    grad = loss_fn.backward()
    for i, g in enumerate(grad if isinstance(grad, tuple) else (grad,)):
        _assert_f32(f"{name} loss gradient {i}", g)
    dx = model.backward(grad)
    if dx is not None:
        _assert_f32(f"{name} input gradient", dx)
    for pname, p in model.named_parameters():
        _assert_f32(f"{name}.{pname}.grad", p.grad)
    optimizer.step()
    for pname, p in model.named_parameters():
        _assert_f32(f"{name}.{pname} after {type(optimizer).__name__}", p.data)
        assert p.data.flags.c_contiguous, f"{name}.{pname} is not C-contiguous"
    for key, value in model.state_dict().items():
        _assert_f32(f"{name} state_dict[{key}]", value)


@pytest.mark.parametrize("optimizer_cls", [SGD, Adam, RMSProp])
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_float32_model_stays_float32_end_to_end(name, optimizer_cls):
    rng = np.random.default_rng(0)
    model, in_shape = BUILDERS[name](rng)
    x = rng.standard_normal(in_shape).astype(F32)
    optimizer = optimizer_cls(model.parameters(), lr=1e-3)
    out_shape = model(x).shape
    if len(out_shape) == 2:  # class logits
        loss_fn, target = SoftmaxCrossEntropy(), rng.integers(0, out_shape[1], size=out_shape[0])
    else:
        loss_fn, target = MSE(), np.zeros(out_shape, dtype=F32)
    for _ in range(2):  # the second step exercises the optimizer's state
        _check_step(name, model, optimizer, lambda: model(x), loss_fn, target)


# Models that read token ids (a vocabulary of 11), by their builders; the loss is softmax
# cross-entropy on the logits, whatever their rank.
TOKEN_MODELS: dict[str, Callable] = {
    "gpt": lambda rng: GPT(
        GPTConfig(vocab_size=11, max_len=6, d_model=8, num_heads=2, d_ff=16, num_layers=2),
        rng=rng,
        dtype=F32,
    ),
    "char_rnn_lstm": lambda rng: CharRNN(11, 8, embed_dim=4, cell="lstm", rng=rng, dtype=F32),
    "char_rnn_gru": lambda rng: CharRNN(11, 8, embed_dim=4, cell="gru", rng=rng, dtype=F32),
    "bert_masked_lm": lambda rng: BertForMaskedLM(
        BertConfig(vocab_size=11, max_len=6, d_model=8, num_heads=2, d_ff=16), rng=rng, dtype=F32
    ),
    "bert_classifier": lambda rng: BertForSequenceClassification(
        BertConfig(vocab_size=11, max_len=6, d_model=8, num_heads=2, d_ff=16), rng=rng, dtype=F32
    ),
}


@pytest.mark.parametrize("name", sorted(TOKEN_MODELS))
def test_float32_token_models_stay_float32(name):
    rng = np.random.default_rng(0)
    model = TOKEN_MODELS[name](rng)
    ids = rng.integers(1, 11, size=(3, 6))
    optimizer = Adam(model.parameters(), lr=1e-3)
    for _ in range(2):
        out_shape = model(ids).shape
        labels = rng.integers(0, out_shape[-1], size=out_shape[:-1])
        loss_fn = _SequenceCrossEntropy()
        _check_step(name, model, optimizer, lambda: model(ids), loss_fn, labels)


def test_float32_vae_stays_float32():
    rng = np.random.default_rng(0)
    model = VAE(6, latent_dim=2, hidden=(8,), rng=rng, dtype=F32)
    x = rng.random((5, 6)).astype(F32)
    optimizer = Adam(model.parameters(), lr=1e-3)
    for _ in range(2):
        _check_step("vae", model, optimizer, lambda: model(x), VAELoss(), x)
