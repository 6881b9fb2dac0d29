"""Style transfer: Gram matrix, the losses, L-BFGS, and dL/dimage through a frozen VGG16."""

import numpy as np
import pytest

from nnfs import pretrained
from nnfs.apps.style_transfer import (
    ContentLoss,
    StyleLoss,
    StyleObjective,
    gram_backward,
    gram_matrix,
    lbfgs,
    load_example_image,
    stylize,
    total_variation,
)
from nnfs.gradcheck import numerical_gradient, rel_error
from nnfs.pretrained.vgg import VGG16
from tests.conftest import GRAD_TOL


def test_gram_matrix_equals_explicit_sum_over_positions(rng):
    F = rng.standard_normal((2, 3, 4, 5))
    G = gram_matrix(F)
    expected = np.einsum("nihw,njhw->nij", F, F) / 20
    np.testing.assert_allclose(G, expected, rtol=1e-12)
    np.testing.assert_allclose(G, G.transpose(0, 2, 1))  # symmetric


def test_gram_backward_matches_numerical_gradient(rng):
    F = rng.standard_normal((2, 3, 4, 5))
    R = rng.standard_normal((2, 3, 3))  # any upstream gradient, not only symmetric ones
    numeric = numerical_gradient(lambda f: float(np.sum(R * gram_matrix(f))), F)
    assert rel_error(gram_backward(F, R), numeric) < GRAD_TOL


def test_style_loss_gradient_matches_numerical(rng):
    loss = StyleLoss(rng.standard_normal((1, 4, 3, 3)))
    F = rng.standard_normal((1, 4, 5, 2))  # a different size from the style target
    loss.forward(F)
    assert rel_error(loss.backward(), numerical_gradient(loss.forward, F)) < GRAD_TOL


def test_content_loss_gradient_matches_numerical(rng):
    loss = ContentLoss(rng.standard_normal((1, 3, 4, 4)))
    F = rng.standard_normal((1, 3, 4, 4))
    loss.forward(F)
    assert rel_error(loss.backward(), numerical_gradient(loss.forward, F)) < GRAD_TOL


def test_losses_are_zero_at_their_targets_and_one_at_zero_features(rng):
    F = rng.standard_normal((1, 3, 4, 4))
    assert ContentLoss(F).forward(F) == 0.0 and StyleLoss(F).forward(F) == 0.0
    assert ContentLoss(F).forward(np.zeros_like(F)) == pytest.approx(1.0)
    assert StyleLoss(F).forward(np.zeros_like(F)) == pytest.approx(1.0)


def test_total_variation_gradient_matches_numerical(rng):
    x = rng.standard_normal((1, 3, 4, 5))
    value, grad = total_variation(x)
    assert value == pytest.approx(np.sum(np.diff(x, axis=2) ** 2) + np.sum(np.diff(x, axis=3) ** 2))
    assert rel_error(grad, numerical_gradient(lambda z: total_variation(z)[0], x)) < GRAD_TOL
    assert total_variation(np.ones((1, 3, 4, 4)))[0] == 0.0


def test_objective_gradient_wrt_the_image_matches_numerical_through_a_truncated_vgg(rng):
    vgg = VGG16(upto="relu2_1", rng=rng, dtype=np.float64).freeze()
    content, style = rng.standard_normal((1, 3, 6, 6)), rng.standard_normal((1, 3, 8, 8))
    objective = StyleObjective(
        vgg, content, style, style_weight=2.0, tv_weight=0.5,
        content_layer="relu2_1", style_layers=("relu1_1", "relu2_1"),
    )  # fmt: skip
    x = rng.standard_normal((1, 3, 6, 6))
    losses, grad = objective(x)
    assert losses["total"] == pytest.approx(
        losses["content"] + 2.0 * losses["style"] + 0.5 * losses["tv"]
    )
    numeric = numerical_gradient(lambda z: objective(z)[0]["total"], x)
    assert rel_error(grad, numeric) < GRAD_TOL
    assert all(not p.grad.any() for p in vgg.parameters())  # frozen: no weight gradients
    assert objective(content)[0]["content"] == 0.0 and objective(content)[0]["tv"] == 1.0


def test_lbfgs_finds_the_minimum_of_an_ill_conditioned_quadratic(rng):
    A = np.diag([1.0, 10.0, 100.0, 1000.0])
    b = rng.standard_normal(4)
    x_star = np.linalg.solve(A, b)

    def f(x):
        return float(0.5 * x @ A @ x - b @ x), A @ x - b

    x, history = lbfgs(f, np.zeros(4), steps=40)
    assert np.allclose(x, x_star, rtol=1e-6, atol=1e-9)
    assert len(history) <= 40 and history[-1] < history[0]
    # Plain gradient descent with its best fixed step (2 / (1 + 1000)) is still far off.
    z = np.zeros(4)
    for _ in range(40):
        z -= 2 / 1001 * f(z)[1]
    assert np.abs(z - x_star).max() > 100 * np.abs(x - x_star).max()


def test_lbfgs_descends_the_rosenbrock_valley():
    def rosenbrock(v):
        x, y = v
        value = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        return value, np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])

    x, history = lbfgs(rosenbrock, np.array([-1.2, 1.0]), steps=200, first_step=0.1)
    assert np.allclose(x, [1.0, 1.0], atol=1e-4), x
    assert history[0] == pytest.approx(24.2)


@pytest.fixture(scope="module")
def vgg():
    try:
        return pretrained.load("vgg16")
    except (RuntimeError, ImportError) as error:
        pytest.skip(f"the VGG16 checkpoint cannot be loaded here: {error}")


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_stylize_lowers_the_style_loss_and_leaves_the_network_alone(vgg, optimizer):
    content = load_example_image("chelsea", 32)
    style = load_example_image("ihc", 48)  # another size: Gram matrices do not care
    before = vgg.layer("conv3_1").W.data.copy()
    result = stylize(vgg, content, style, steps=8, optimizer=optimizer, style_weight=3.0)
    h = result.history
    assert all(len(h[k]) == 8 for k in ("content", "style", "tv", "total"))
    assert h["content"][0] == 0.0 and h["tv"][0] == 1.0  # the start is the content image
    assert h["style"][-1] < 0.7 * h["style"][0]
    assert min(h["total"]) < 0.7 * h["total"][0]
    assert result.image.shape == (1, 32, 32, 3) and result.image.dtype == np.float32
    assert 0.0 <= result.image.min() and result.image.max() <= 255.0
    np.testing.assert_array_equal(vgg.layer("conv3_1").W.data, before)
    assert all(not p.grad.any() for p in vgg.parameters())


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"steps": 0}, ValueError, "stylize: steps expected an integer >= 1"),
        ({"lr": 0.0}, ValueError, "stylize: lr expected a value in"),
        ({"style_weight": -1.0}, ValueError, "stylize: style_weight expected a value in"),
        ({"optimizer": "sgd"}, ValueError, "stylize: optimizer expected one of"),
    ],
)
def test_stylize_rejects_bad_arguments(vgg, kwargs, error, message):
    image = load_example_image("chelsea", 32)
    with pytest.raises(error, match=message):
        stylize(vgg, image, image, **kwargs)


def test_example_images_are_block_means_of_the_shipped_pictures():
    full = load_example_image("chelsea")
    assert full.shape == (1, 192, 192, 3) and full.dtype == np.uint8
    small = load_example_image("chelsea", 64)
    expected = full[0].astype(float).reshape(64, 3, 64, 3, 3).mean(axis=(1, 3))
    assert np.abs(small[0] - expected).max() <= 0.5
    assert load_example_image("ihc", 96).shape == (1, 96, 96, 3)
    assert not np.array_equal(load_example_image("ihc", 32), load_example_image("chelsea", 32))
    with pytest.raises(ValueError, match="load_example_image: size expected a divisor of 192"):
        load_example_image("ihc", 100)
    with pytest.raises(ValueError, match="load_example_image: name expected one of"):
        load_example_image("mona-lisa")
