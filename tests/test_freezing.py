"""Freezing per parameter: each gradient depends on its own `frozen` flag only.

For every layer and model with parameters, each parameter is frozen alone: it must get no
gradient, and every other parameter (and the input) must get exactly the gradient it gets when
nothing is frozen. Bias-only fine-tuning, or freezing gamma but training beta, relies on it.
"""

import numpy as np
import pytest

from nnfs import BatchNorm1d, BatchNorm2d, Conv2D, Dense, LayerNorm, NeuralNetwork
from nnfs.models import VAE, LeNet5, UNet
from nnfs.models.vae import VAELoss


def _randomize(model, rng):
    for p in model.parameters():  # gamma = 1, beta = 0, b = 0 would hide mistakes
        p.data[...] = rng.uniform(0.5, 1.5, p.shape) * rng.choice([-1, 1], p.shape)
    return model


def _cases():
    return {
        "Dense": (lambda rng: Dense(3, 4, rng=rng), (5, 3)),
        "Conv2D": (lambda rng: Conv2D(2, 3, 3, padding=1, rng=rng), (2, 2, 5, 5)),
        "LayerNorm": (lambda rng: LayerNorm(4), (2, 3, 4)),
        "BatchNorm1d": (lambda rng: BatchNorm1d(4), (6, 4)),
        "BatchNorm2d": (lambda rng: BatchNorm2d(3), (2, 3, 4, 4)),
        "NeuralNetwork": (lambda rng: NeuralNetwork([3, 5, 2], ["tanh", None], seed=rng), (4, 3)),
        "LeNet5": (lambda rng: LeNet5(rng=rng), (2, 1, 32, 32)),
        "UNet": (lambda rng: UNet(1, 2, base_channels=2, depth=1, rng=rng), (1, 1, 4, 4)),
    }


def _grads(model, x, grad_out):
    model.zero_grad()
    model(x)
    dx = model.backward(grad_out)
    return dx, {name: p.grad.copy() for name, p in model.named_parameters()}


@pytest.mark.parametrize("case", list(_cases()))
def test_freezing_one_parameter_changes_only_its_own_gradient(case, rng):
    build, shape = _cases()[case]
    model = _randomize(build(rng), rng)
    x = rng.standard_normal(shape)
    grad_out = rng.standard_normal(model(x).shape)
    dx_ref, ref = _grads(model, x, grad_out)
    assert all(np.any(g != 0) for g in ref.values()), "every gradient must be nonzero here"
    for name, p in model.named_parameters():
        p.frozen = True
        dx, grads = _grads(model, x, grad_out)
        p.frozen = False
        assert not np.any(grads[name]), f"{case}: frozen {name} got a gradient"
        np.testing.assert_array_equal(dx, dx_ref, err_msg=f"{case}: freezing {name} changed dx")
        for other, g in grads.items():
            if other != name:
                np.testing.assert_array_equal(
                    g, ref[other], err_msg=f"{case}: freezing {name} changed {other}"
                )


def test_freezing_one_parameter_of_a_vae_changes_only_its_own_gradient(rng):
    vae = _randomize(VAE(6, 2, (5,), rng=rng), rng)
    x, eps = rng.uniform(0.1, 0.9, (4, 6)), rng.standard_normal((4, 2))
    loss = VAELoss()

    def grads():
        vae.zero_grad()
        loss(vae(x, eps), x)
        dx = vae.backward(loss.backward())
        return dx, {name: p.grad.copy() for name, p in vae.named_parameters()}

    dx_ref, ref = grads()
    for name, p in vae.named_parameters():
        p.frozen = True
        dx, got = grads()
        p.frozen = False
        assert not np.any(got[name]), name
        np.testing.assert_array_equal(dx, dx_ref)
        for other in got:
            if other != name:
                np.testing.assert_array_equal(got[other], ref[other], err_msg=other)


@pytest.mark.parametrize("case", ["LayerNorm", "BatchNorm1d", "BatchNorm2d"])
def test_bias_only_fine_tuning_of_a_norm_layer_trains_beta(case, rng):
    build, shape = _cases()[case]
    layer = build(rng)
    layer.gamma.frozen = True
    x = rng.standard_normal(shape)
    layer(x)
    layer.backward(np.ones_like(x))
    assert np.all(layer.beta.grad != 0) and not np.any(layer.gamma.grad)


@pytest.mark.parametrize("case", ["LayerNorm", "BatchNorm1d", "BatchNorm2d", "Dense", "Conv2D"])
@pytest.mark.parametrize("frozen", [0, 1])
def test_gradients_with_one_parameter_frozen_match_numerical_float64(case, frozen, rng):
    from nnfs.gradcheck import check_module
    from tests.conftest import GRAD_TOL

    build, shape = _cases()[case]
    layer = _randomize(build(rng), rng)
    name, p = layer.named_parameters()[frozen]
    p.frozen = True
    errors = check_module(layer, rng.standard_normal(shape), seed=3)
    assert name not in errors and len(errors) == 2  # the input and the other parameter
    assert max(errors.values()) < GRAD_TOL, errors
