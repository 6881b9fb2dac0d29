"""save -> load round-trips every model in nnfs.models bit for bit, buffers included."""

import inspect

import numpy as np
import pytest

from nnfs import models, serialization
from nnfs.core import Module, Sequential
from nnfs.layers import BatchNorm1d, Dense, ReLU

CONFIG = models.BertConfig(vocab_size=12, max_len=6, d_model=8, num_heads=2, d_ff=16)

# One small instance of every model class; a model added to nnfs.models without an entry here
# fails `test_every_model_class_has_a_builder`.
BUILDERS = {
    "LeNet5": lambda rng, dtype: models.LeNet5(rng=rng, dtype=dtype),
    "UNet": lambda rng, dtype: models.UNet(1, 2, base_channels=4, depth=2, rng=rng, dtype=dtype),
    "VAE": lambda rng, dtype: models.VAE(16, 2, (8,), rng=rng, dtype=dtype),
    "SmallCNN": lambda rng, dtype: models.SmallCNN(5, rng=rng, dtype=dtype),
    "CharRNN": lambda rng, dtype: models.CharRNN(11, 6, embed_dim=4, rng=rng, dtype=dtype),
    "BertModel": lambda rng, dtype: models.BertModel(CONFIG, rng=rng, dtype=dtype),
    "BertForMaskedLM": lambda rng, dtype: models.BertForMaskedLM(CONFIG, rng=rng, dtype=dtype),
    "BertForSequenceClassification": lambda rng, dtype: models.BertForSequenceClassification(
        CONFIG, 3, rng=rng, dtype=dtype
    ),
    "GPT": lambda rng, dtype: models.GPT(
        models.GPTConfig(12, 6, 8, 2, 16, 2, tie_weights=False), rng=rng, dtype=dtype
    ),
}

INPUTS = {
    "LeNet5": lambda rng: rng.random((2, 1, 32, 32)),
    "UNet": lambda rng: rng.random((2, 1, 8, 8)),
    "VAE": lambda rng: rng.random((2, 16)),
    "SmallCNN": lambda rng: rng.random((2, 1, 8, 8)),
}


def _model_classes():
    return sorted(
        name
        for name, obj in vars(models).items()
        if inspect.isclass(obj) and issubclass(obj, Module)
    )


def test_every_model_class_has_a_builder():
    assert set(_model_classes()) <= set(BUILDERS), set(_model_classes()) - set(BUILDERS)


def _round_trip(tmp_path, build, name):
    saved = build(np.random.default_rng(1))
    fresh = build(np.random.default_rng(2))  # different weights until loaded
    path = tmp_path / f"{name}.npz"
    serialization.save(saved, path)
    serialization.load(fresh, path)
    return saved, fresh


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_load_round_trip_is_bitwise(tmp_path, name, dtype):
    saved, fresh = _round_trip(tmp_path, lambda rng: BUILDERS[name](rng, dtype), name)
    a, b = saved.state_dict(), fresh.state_dict()
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].dtype == b[key].dtype == dtype, key
        assert np.array_equal(a[key], b[key]), key
    if name in INPUTS:
        x = INPUTS[name](np.random.default_rng(3)).astype(dtype)
        saved.eval(), fresh.eval()
        out_a, out_b = saved(x), fresh(x)
        out_a, out_b = (out_a, out_b) if isinstance(out_a, tuple) else ((out_a,), (out_b,))
        for ya, yb in zip(out_a, out_b, strict=True):
            assert np.array_equal(ya, yb)
    if name.startswith("Bert") or name == "GPT":
        ids = np.array([[1, 5, 7, 0], [1, 4, 4, 9]])
        np.testing.assert_array_equal(saved(ids), fresh(ids))


def test_buffers_round_trip_bitwise(tmp_path):
    def build(rng):
        return Sequential(Dense(4, 3, rng=rng), BatchNorm1d(3), ReLU())

    saved = build(np.random.default_rng(1))
    for _ in range(3):  # move the running statistics away from their initial values
        saved(np.random.default_rng(4).standard_normal((8, 4)) * 3 + 1)
    fresh = build(np.random.default_rng(2))
    serialization.save(saved, tmp_path / "bn.npz")
    serialization.load(fresh, tmp_path / "bn.npz")
    for buf in ("running_mean", "running_var"):
        assert np.array_equal(getattr(saved.layers[1], buf), getattr(fresh.layers[1], buf))
    assert fresh.layers[1].running_mean.any()  # not the initial zeros


def test_pretrained_encoder_loads_into_a_classifier(tmp_path):
    mlm = models.BertForMaskedLM(CONFIG, rng=np.random.default_rng(1))
    serialization.save(mlm.encoder, tmp_path / "encoder.npz")
    clf = models.BertForSequenceClassification(CONFIG, 2, rng=np.random.default_rng(2))
    serialization.load(clf.encoder, tmp_path / "encoder.npz")
    ids = np.array([[1, 3, 4, 5]])
    np.testing.assert_array_equal(mlm.encoder(ids), clf.encoder(ids))


def test_loading_into_a_different_architecture_names_the_problem(tmp_path):
    serialization.save(models.SmallCNN(5, rng=np.random.default_rng(0)), tmp_path / "m.npz")
    with pytest.raises(ValueError, match="expected shape"):
        serialization.load(models.SmallCNN(7, rng=np.random.default_rng(0)), tmp_path / "m.npz")
