"""BatchNorm1d, BatchNorm2d and LayerNorm: gradients, running statistics, modes, shapes, dtypes."""

import numpy as np
import pytest

from nnfs import Dense, Dropout, ReLU, Sequential
from nnfs.gradcheck import check_module
from nnfs.layers.norm import BatchNorm1d, BatchNorm2d, LayerNorm, normalize_backward
from tests.conftest import GRAD_TOL


def _randomize_affine(layer, rng):
    """gamma = 1, beta = 0 would hide a wrong gamma/beta term in backward."""
    layer.gamma.data[...] = rng.uniform(0.5, 1.5, layer.gamma.shape)
    layer.beta.data[...] = rng.standard_normal(layer.beta.shape)
    return layer


def _assert_grads_ok(errors):
    assert errors, "no gradient was checked"
    bad = {name: err for name, err in errors.items() if err > GRAD_TOL}
    assert not bad, f"relative errors above {GRAD_TOL}: {bad}"


# ---------------------------------------------------------------- gradient checks


def test_layernorm_gradients_2d_input(rng):
    layer = _randomize_affine(LayerNorm(6), rng)
    _assert_grads_ok(check_module(layer, rng.standard_normal((5, 6)), seed=7))


def test_layernorm_gradients_sequence_input(rng):
    layer = _randomize_affine(LayerNorm(4), rng)
    _assert_grads_ok(check_module(layer, rng.standard_normal((2, 3, 4)), seed=7))


def test_batchnorm1d_gradients_in_training_mode(rng):
    layer = _randomize_affine(BatchNorm1d(5), rng)
    _assert_grads_ok(check_module(layer, 3.0 + 2.0 * rng.standard_normal((8, 5)), seed=7))


def test_batchnorm2d_gradients_in_training_mode(rng):
    layer = _randomize_affine(BatchNorm2d(3), rng)
    _assert_grads_ok(check_module(layer, rng.standard_normal((2, 3, 4, 5)), seed=7))


@pytest.mark.parametrize("layer_cls, shape", [(BatchNorm1d, (6, 4)), (BatchNorm2d, (2, 4, 3, 3))])
def test_batchnorm_gradients_in_eval_mode(rng, layer_cls, shape):
    layer = _randomize_affine(layer_cls(4), rng)
    layer.running_mean = rng.standard_normal(4)
    layer.running_var = rng.uniform(0.5, 2.0, 4)
    layer.eval()
    _assert_grads_ok(check_module(layer, rng.standard_normal(shape), seed=7))


def test_batchnorm_in_a_network_gradients_and_the_bias_before_it_gets_none(rng):
    model = Sequential(Dense(3, 5, rng=rng), BatchNorm1d(5), ReLU(), Dense(5, 2, rng=rng))
    model[0].b.frozen = True  # its true gradient is 0: a relative error would compare noise
    _assert_grads_ok(check_module(model, rng.standard_normal((7, 3)), seed=7))
    # BatchNorm subtracts the batch mean, so a constant shift before it cancels exactly.
    model[0].b.frozen = False
    model.zero_grad()
    model(rng.standard_normal((7, 3)))
    model.backward(rng.standard_normal((7, 2)))
    np.testing.assert_allclose(model[0].b.grad, 0.0, atol=1e-14)
    assert np.abs(model[0].W.grad).max() > 1e-3


def test_normalize_backward_equals_the_long_chain_rule(rng):
    """The compact formula against the step-by-step graph (mean, centre, var, inv_std, scale)."""
    x = rng.standard_normal((6, 3))
    g = rng.standard_normal((6, 3))
    m, eps = x.shape[0], 1e-5
    mu = x.mean(0)
    xc = x - mu
    var = (xc**2).mean(0)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = xc * inv_std
    # Backward through every node of the graph, one step at a time.
    d_inv_std = (g * xc).sum(0)
    d_var = d_inv_std * (-0.5) * (var + eps) ** -1.5
    d_xc = g * inv_std + d_var * 2 * xc / m
    d_x = d_xc - d_xc.mean(0)
    compact = normalize_backward(g, x_hat, inv_std[None, :], axes=(0,))
    np.testing.assert_allclose(compact, d_x, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- forward values


def test_layernorm_rows_have_zero_mean_unit_variance(rng):
    x = 5.0 + 3.0 * rng.standard_normal((4, 3, 16))
    y = LayerNorm(16, eps=0.0)(x)
    np.testing.assert_allclose(y.mean(-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(-1), 1.0, rtol=1e-12)


def test_layernorm_ignores_the_other_samples_and_the_mode(rng):
    layer = _randomize_affine(LayerNorm(8), rng)
    x = rng.standard_normal((5, 8))
    y_batch = layer(x)
    y_alone = layer(x[2:3])
    layer.eval()
    np.testing.assert_allclose(y_alone[0], y_batch[2], rtol=1e-13)
    np.testing.assert_allclose(layer(x), y_batch, rtol=1e-13)


def test_batchnorm1d_training_output_is_standardized_per_feature(rng):
    x = rng.standard_normal((64, 3)) * np.array([0.1, 10.0, 1000.0]) + np.array([-5, 0, 50])
    y = BatchNorm1d(3, eps=0.0)(x)
    np.testing.assert_allclose(y.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(0), 1.0, rtol=1e-12)


def test_batchnorm2d_standardizes_each_channel_over_batch_and_space(rng):
    x = rng.standard_normal((4, 2, 3, 3)) * np.array([2.0, 7.0])[None, :, None, None] + 1.0
    y = BatchNorm2d(2, eps=0.0)(x)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1.0, rtol=1e-12)


# ---------------------------------------------------------------- running statistics


def test_batchnorm1d_running_statistics_follow_the_pytorch_formula_with_numbers():
    """running = 0.9 * running + 0.1 * batch stat, variance unbiased (divide by m - 1).

    Batch A = [[1, 2], [3, 6]]: mean (2, 4), unbiased var (2, 8).
    Batch B = [[0, 0], [2, -4], [4, 4]]: mean (2, 0), unbiased var (4, 16).
    Start (0, 0) / (1, 1).
    After A: mean 0.1 * (2, 4) = (0.2, 0.4); var 0.9 + 0.1 * (2, 8) = (1.1, 1.7).
    After B: mean 0.9 * (0.2, 0.4) + (0.2, 0) = (0.38, 0.36);
             var 0.9 * (1.1, 1.7) + (0.4, 1.6) = (1.39, 3.13).
    After A: mean 0.9 * (0.38, 0.36) + (0.2, 0.4) = (0.542, 0.724);
             var 0.9 * (1.39, 3.13) + (0.2, 0.8) = (1.451, 3.617).
    """
    a = np.array([[1.0, 2.0], [3.0, 6.0]])
    b = np.array([[0.0, 0.0], [2.0, -4.0], [4.0, 4.0]])
    bn = BatchNorm1d(2)
    expected = [
        ([0.2, 0.4], [1.1, 1.7]),
        ([0.38, 0.36], [1.39, 3.13]),
        ([0.542, 0.724], [1.451, 3.617]),
    ]
    for batch, (mean, var) in zip([a, b, a], expected, strict=True):
        bn(batch)
        np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)
        np.testing.assert_allclose(bn.running_var, var, rtol=1e-12)


def test_batchnorm2d_running_statistics_with_numbers():
    """One channel, values 1, 2, 3, 4 over (N, H, W): mean 2.5, unbiased var 5/3 (m = 4).

    After one step: mean 0.1 * 2.5 = 0.25, var 0.9 + 0.1 * 5 / 3 = 1.0666...; after a second
    step with the same batch: mean 0.9 * 0.25 + 0.25 = 0.475, var 0.9 * (0.9 + 1/6) + 1/6.
    """
    x = np.array([1.0, 2.0, 3.0, 4.0]).reshape(2, 1, 1, 2)
    bn = BatchNorm2d(1)
    bn(x)
    np.testing.assert_allclose(bn.running_mean, [0.25], rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, [0.9 + 1 / 6], rtol=1e-12)
    bn(x)
    np.testing.assert_allclose(bn.running_mean, [0.475], rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, [0.9 * (0.9 + 1 / 6) + 1 / 6], rtol=1e-12)


def test_batchnorm_momentum_argument_weights_the_new_batch():
    bn = BatchNorm1d(1, momentum=0.5)
    bn(np.array([[2.0], [4.0]]))  # mean 3, unbiased var 2
    np.testing.assert_allclose(bn.running_mean, [1.5])
    np.testing.assert_allclose(bn.running_var, [1.5])


def test_batchnorm_eval_mode_uses_running_statistics_and_does_not_update_them(rng):
    bn = _randomize_affine(BatchNorm2d(3), rng)
    for _ in range(4):
        bn(rng.standard_normal((5, 3, 2, 2)) * 2 + 1)
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    bn.eval()
    x = rng.standard_normal((2, 3, 2, 2))
    y = bn(x)
    c = (slice(None), None, None)
    expected = (x - mean[c]) / np.sqrt(var[c] + 1e-5) * bn.gamma.data[c] + bn.beta.data[c]
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    np.testing.assert_array_equal(bn.running_mean, mean)
    np.testing.assert_array_equal(bn.running_var, var)


def test_batchnorm_eval_mode_accepts_a_single_sample_training_mode_refuses_it(rng):
    bn = BatchNorm1d(3)
    with pytest.raises(ValueError, match="BatchNorm1d.*more than 1 value"):
        bn(rng.standard_normal((1, 3)))
    bn.eval()
    assert bn(rng.standard_normal((1, 3))).shape == (1, 3)


def test_batchnorm_state_dict_includes_the_running_buffers(rng):
    model = Sequential(Dense(2, 3, rng=rng), BatchNorm1d(3))
    model(rng.standard_normal((10, 2)))
    state = model.state_dict()
    assert {"layers.1.running_mean", "layers.1.running_var"} <= set(state)
    fresh = Sequential(Dense(2, 3, rng=rng), BatchNorm1d(3))
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh[1].running_mean, model[1].running_mean)
    np.testing.assert_array_equal(fresh[1].running_var, model[1].running_var)


# ---------------------------------------------------------------- modes


def test_train_and_eval_reach_every_nested_child(rng):
    inner = Sequential(Dense(2, 4, rng=rng), BatchNorm1d(4), Dropout(0.5, rng=rng))
    model = Sequential(inner, ReLU(), Sequential(LayerNorm(4), Dense(4, 1, rng=rng)))
    assert all(m.training for _, m in model.named_modules())
    assert model.eval() is model
    assert not any(m.training for _, m in model.named_modules())
    model.train()
    assert all(m.training for _, m in model.named_modules())
    model.train(False)
    assert not any(m.training for _, m in model.named_modules())


# ---------------------------------------------------------------- backward contract


@pytest.mark.parametrize(
    "layer, shape",
    [(LayerNorm(4), (3, 4)), (BatchNorm1d(4), (3, 4)), (BatchNorm2d(4), (2, 4, 2, 2))],
)
def test_backward_accumulates_and_does_not_mutate_grad_out(rng, layer, shape):
    layer.zero_grad()
    layer(rng.standard_normal(shape))
    g = rng.standard_normal(shape)
    g_copy = g.copy()
    layer.backward(g)
    once = layer.gamma.grad.copy(), layer.beta.grad.copy()
    layer.backward(g)
    np.testing.assert_array_equal(g, g_copy)
    np.testing.assert_allclose(layer.gamma.grad, 2 * once[0])
    np.testing.assert_allclose(layer.beta.grad, 2 * once[1])


def test_frozen_batchnorm_gets_no_parameter_gradient(rng):
    bn = BatchNorm1d(3).freeze()
    bn(rng.standard_normal((4, 3)))
    dx = bn.backward(rng.standard_normal((4, 3)))
    assert dx.shape == (4, 3)
    assert not bn.gamma.grad.any() and not bn.beta.grad.any()


# ---------------------------------------------------------------- shapes, dtypes, extremes


def test_wrong_shapes_raise_value_errors_naming_the_layer(rng):
    with pytest.raises(ValueError, match=r"BatchNorm1d: input expected shape \(\*, 3\)"):
        BatchNorm1d(3)(rng.standard_normal((4, 5)))
    with pytest.raises(ValueError, match=r"BatchNorm2d: input expected shape \(\*, 3, \*, \*\)"):
        BatchNorm2d(3)(rng.standard_normal((4, 3, 5)))
    with pytest.raises(ValueError, match=r"LayerNorm: input expected shape .*, got \(4, 3, 5\)"):
        LayerNorm(3)(rng.standard_normal((4, 3, 5)))
    with pytest.raises(ValueError, match="LayerNorm"):
        LayerNorm(3)(rng.standard_normal(3))


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: LayerNorm(4, dtype=np.float32), (2, 3, 4)),
        (lambda: BatchNorm1d(4, dtype=np.float32), (5, 4)),
        (lambda: BatchNorm2d(4, dtype=np.float32), (2, 4, 3, 3)),
    ],
)
def test_float32_stays_float32(rng, make, shape):
    layer = make()
    x = rng.standard_normal(shape).astype(np.float32)
    for mode in (True, False):
        layer.train(mode)
        y = layer(x)
        dx = layer.backward(np.ones_like(y))
        assert y.dtype == dx.dtype == np.float32
        assert layer.gamma.grad.dtype == np.float32
        for buffer in getattr(layer, "_buffers", ()):
            assert getattr(layer, buffer).dtype == np.float32


def test_constant_features_and_huge_inputs_give_finite_results():
    x = np.full((4, 3), 7.0)
    x[:, 2] = [1e8, -1e8, 3e8, 0.0]
    for layer in (BatchNorm1d(3), LayerNorm(3)):
        y = layer(x)
        dx = layer.backward(np.ones_like(y))
        assert np.isfinite(y).all() and np.isfinite(dx).all()
    # A constant feature normalizes to exactly 0 (x - mean = 0), not to NaN.
    np.testing.assert_array_equal(BatchNorm1d(3)(x)[:, 0], 0.0)


# ---------------------------------------------------------------- robustness


@pytest.mark.parametrize("layer_cls, shape", [(BatchNorm1d, (6, 4)), (BatchNorm2d, (2, 4, 3, 3))])
def test_batchnorm_backward_follows_the_mode_of_its_forward(rng, layer_cls, shape):
    """Switching to eval between forward and backward must not change the gradient."""
    x, g = rng.standard_normal(shape), rng.standard_normal(shape)
    reference = _randomize_affine(layer_cls(4), rng)
    reference(x)
    expected = reference.backward(g)
    layer = _randomize_affine(layer_cls(4), np.random.default_rng(1234))
    layer.gamma.data[...], layer.beta.data[...] = reference.gamma.data, reference.beta.data
    layer(x)
    layer.eval()
    np.testing.assert_array_equal(layer.backward(g), expected)
    # And the other way round: an eval-mode forward, then train(), then backward.
    layer(x)
    eval_grad = layer.backward(g)
    layer(x)
    layer.train()
    np.testing.assert_array_equal(layer.backward(g), eval_grad)
    assert not np.allclose(eval_grad, expected)


@pytest.mark.parametrize("layer_cls, shape", [(BatchNorm1d, (6, 4)), (BatchNorm2d, (2, 4, 3, 3))])
def test_float32_batchnorm_fed_float64_keeps_float32_buffers(rng, layer_cls, shape):
    layer = layer_cls(4, dtype=np.float32)
    layer(rng.standard_normal(shape))  # float64 data
    assert layer.running_mean.dtype == layer.running_var.dtype == np.float32
    assert {v.dtype for v in layer.state_dict().values()} == {np.dtype(np.float32)}
    assert np.any(layer.running_mean != 0)


@pytest.mark.parametrize("scale", [1e20, -1e20, 3e37])
def test_float32_layernorm_is_finite_for_huge_inputs_and_matches_float64(rng, scale):
    x = rng.standard_normal((3, 2, 8))
    x[0] *= scale  # one overflowing row among ordinary ones
    x[1, 0] = 7.0  # a constant row: normalizes to 0, not NaN
    layer32, layer64 = LayerNorm(8, dtype=np.float32), LayerNorm(8)
    y32 = layer32(x.astype(np.float32))
    assert y32.dtype == np.float32 and np.all(np.isfinite(y32))
    np.testing.assert_allclose(y32, layer64(x.astype(np.float32).astype(np.float64)), atol=1e-5)
    dx = layer32.backward(np.ones_like(y32))
    assert np.all(np.isfinite(dx))


def test_inverse_std_rescales_only_overflowing_rows():
    from nnfs.layers.norm import inverse_std

    c = np.array([[1.0, -1.0, 2.0, -2.0], [3e20, -3e20, 1e20, -1e20]], dtype=np.float32)
    inv = inverse_std(c, axes=(-1,), eps=1e-5)
    assert inv.dtype == np.float32 and inv.shape == (2, 1)
    np.testing.assert_allclose(inv[0, 0], 1 / np.sqrt(2.5 + 1e-5), rtol=1e-6)
    np.testing.assert_allclose(inv[1, 0], 1 / np.sqrt(5e40), rtol=1e-6)


@pytest.mark.parametrize("layer", [LayerNorm(3), BatchNorm1d(3)])
def test_norm_layers_refuse_integer_input(layer):
    with pytest.raises(
        TypeError, match=rf"{type(layer).__name__}: input expected a floating-point"
    ):
        layer(np.ones((4, 3), dtype=int))
