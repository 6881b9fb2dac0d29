"""Weight initializers: fans, variances, dtypes, reproducibility, and the symmetry of zero init."""

import numpy as np
import pytest

from nnfs import Dense, Sequential, Sigmoid, init
from nnfs.losses import MSE
from nnfs.optim import SGD


def test_fans_of_dense_and_convolution_shapes():
    assert init.fans((300, 100)) == (300, 100)  # Dense W (in, out)
    assert init.fans((16, 3, 5, 5)) == (75, 400)  # Conv2D W (out, in, kh, kw)
    assert init.fans((8, 4, 3)) == (12, 24)  # a 1-D convolution kernel (out, in, k)
    with pytest.raises(ValueError, match="init: cannot compute fans"):
        init.fans((10,))


@pytest.mark.parametrize(
    "name, shape, expected_var",
    [
        ("he_normal", (1000, 500), 2 / 1000),
        ("he_uniform", (1000, 500), 2 / 1000),
        ("xavier_normal", (1000, 500), 2 / 1500),
        ("xavier_uniform", (1000, 500), 2 / 1500),
        ("he_normal", (64, 32, 5, 5), 2 / (32 * 25)),
        ("he_uniform", (64, 32, 3, 3), 2 / (32 * 9)),
        ("xavier_normal", (64, 32, 3, 3), 2 / (32 * 9 + 64 * 9)),
        ("xavier_uniform", (64, 32, 3, 3), 2 / (32 * 9 + 64 * 9)),
        ("normal", (1000, 500), 1e-4),
    ],
)
def test_variance_matches_the_formula(name, shape, expected_var):
    """The sample variance of n >= 18,000 draws has relative std sqrt(2 / n) <= 1.1%."""
    W = init.initialize(name, shape, np.random.default_rng(0), np.float64)
    assert W.shape == shape
    assert abs(W.mean()) < 5 * np.sqrt(expected_var / W.size)
    assert W.var() == pytest.approx(expected_var, rel=0.05)


@pytest.mark.parametrize("name, fan", [("he_uniform", 1000), ("xavier_uniform", 1500)])
def test_uniform_initializers_respect_their_limit(name, fan):
    W = init.initialize(name, (1000, 500), np.random.default_rng(1), np.float64)
    limit = np.sqrt(6 / fan)
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.99 * limit


def test_aliases_and_zeros():
    rng = np.random.default_rng(0)
    assert not init.initialize("zeros", (3, 4), rng, np.float64).any()
    for alias, target in [("he", "he_normal"), ("xavier", "xavier_normal"), ("glorot", "xavier")]:
        a = init.initialize(alias, (5, 6), np.random.default_rng(3), np.float64)
        b = init.initialize(target, (5, 6), np.random.default_rng(3), np.float64)
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(init.INITIALIZERS))
def test_dtype_contiguity_and_same_seed_same_weights(name):
    a = init.initialize(name, (7, 5, 3, 3), np.random.default_rng(11), np.float32)
    b = init.initialize(name, (7, 5, 3, 3), np.random.default_rng(11), np.float32)
    assert a.dtype == np.float32 and a.flags.c_contiguous
    np.testing.assert_array_equal(a, b)


def test_a_callable_initializer_is_used_and_cast():
    def ones(shape, rng, dtype):
        return np.ones(shape)  # float64 on purpose: initialize must cast

    W = init.initialize(ones, (2, 3), np.random.default_rng(0), np.float32)
    assert W.dtype == np.float32 and (W == 1).all()
    layer = Dense(2, 3, init=ones, rng=np.random.default_rng(0))
    assert (layer.W.data == 1).all()


def test_unknown_initializer_raises_naming_the_choices():
    with pytest.raises(ValueError, match="init: unknown initializer 'kaiming'.*he_normal"):
        init.initialize("kaiming", (2, 2), np.random.default_rng(0), np.float64)


def _train_regression_net(initializer, steps=200):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 3))
    y = np.sin(X @ np.array([[1.0], [-2.0], [0.5]]))
    model = Sequential(
        Dense(3, 6, init=initializer, rng=rng),
        Sigmoid(),
        Dense(6, 6, init=initializer, rng=rng),
        Sigmoid(),
        Dense(6, 1, init=initializer, rng=rng),
    )
    loss_fn, opt = MSE(), SGD(model.parameters(), lr=0.5)
    first = None
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        first = loss if first is None else first
        model.backward(loss_fn.backward())
        opt.step()
    return model, first, loss


def test_zero_initialization_leaves_all_hidden_units_identical_after_training():
    """Symmetry: units that start equal get equal gradients, so they stay equal forever.

    "Equal" up to rounding: the matrix products may sum the columns in a different order,
    which can differ in the last bit (1e-18 here), and nothing ever amplifies that.
    """
    model, first_loss, last_loss = _train_regression_net("zeros")
    assert last_loss < first_loss  # it did train ...
    for layer in (model[0], model[2], model[4]):
        W, b = layer.W.data, layer.b.data
        assert np.abs(W).max() > 1e-3  # ... and every weight matrix moved away from zero,
    for layer in (model[0], model[2]):
        # but every hidden unit (a column of W, an entry of b) is a copy of the first one.
        W, b = layer.W.data, layer.b.data
        np.testing.assert_allclose(W, np.repeat(W[:, :1], W.shape[1], axis=1), atol=1e-14)
        np.testing.assert_allclose(b, b[0], atol=1e-14)
    W_out = model[4].W.data
    np.testing.assert_allclose(W_out, np.repeat(W_out[:1], len(W_out), axis=0), atol=1e-14)


def test_random_initialization_breaks_the_symmetry():
    model, _, _ = _train_regression_net("xavier_normal", steps=5)
    W = model[0].W.data
    assert np.abs(W - W[:, :1]).max() > 1e-2
