"""Style transfer: Gram matrix, content and style losses, and dL/dimage through a frozen CNN."""

import numpy as np
import pytest

from nnfs.apps.style_transfer import (
    ContentLoss,
    FeatureExtractor,
    StyleLoss,
    gram_backward,
    gram_matrix,
    make_content_image,
    make_style_image,
    random_cnn,
    style_transfer_loss,
    stylize,
)
from nnfs.gradcheck import check_module, numerical_gradient, rel_error
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


def test_feature_extractor_input_gradient_through_frozen_cnn(rng):
    extractor = random_cnn((3, 4, 5, 6), (3, 3, 3), rng=rng)
    x = rng.random((2, 3, 8, 8))
    errors = check_module(extractor, x)
    assert list(errors) == ["input0"]  # frozen parameters are not checked ...
    assert errors["input0"] < GRAD_TOL


def test_backward_through_frozen_cnn_does_no_weight_gradient_work(rng):
    extractor = random_cnn((3, 4, 5), (3, 3), rng=rng)
    feats = extractor(rng.random((1, 3, 8, 8)))
    extractor.backward(tuple(np.ones_like(f) for f in feats))
    assert all(not p.grad.any() for p in extractor.parameters())


def test_total_loss_gradient_wrt_image_matches_numerical(rng):
    extractor = random_cnn((3, 4, 6), (3, 3), rng=rng)
    content, style = rng.random((1, 3, 8, 8)), rng.random((1, 3, 6, 6))
    content_losses = {1: ContentLoss(extractor(content)[1])}
    style_losses = {0: StyleLoss(extractor(style)[0]), 1: StyleLoss(extractor(style)[1])}
    image = rng.random((1, 3, 8, 8))

    def total(img):
        c, s, _ = style_transfer_loss(extractor, img, content_losses, style_losses, 3.0)
        return c + 3.0 * s

    _, _, grad = style_transfer_loss(extractor, image, content_losses, style_losses, 3.0)
    assert rel_error(grad, numerical_gradient(total, image)) < GRAD_TOL


def test_feature_extractor_rejects_taps_outside_its_layers(rng):
    layers = random_cnn((3, 4), (3,), rng=rng).layers
    with pytest.raises(ValueError, match="FeatureExtractor"):
        FeatureExtractor(layers, [5])


def test_stylize_lowers_the_style_loss_and_keeps_weights_and_pixel_range():
    rng = np.random.default_rng(0)
    extractor = random_cnn((3, 8, 16), (3, 3), rng=rng, dtype=np.float32)
    before = {k: v.copy() for k, v in extractor.state_dict().items()}
    content = make_content_image(16, dtype=np.float32)
    style = make_style_image(16, dtype=np.float32)
    result = stylize(extractor, content, style, steps=30, lr=0.05)
    assert result.image.dtype == np.float32 and result.image.shape == content.shape
    assert 0.0 <= result.image.min() and result.image.max() <= 1.0
    assert result.history["style"][-1] < 0.5 * result.history["style"][0]
    for name, value in extractor.state_dict().items():
        assert np.array_equal(value, before[name])


def test_generated_images_are_rgb_in_unit_range_and_deterministic():
    for image in (make_content_image(24), make_style_image(24), make_style_image(24, "checker")):
        assert image.shape == (1, 3, 24, 24)
        assert 0.0 <= image.min() and image.max() <= 1.0
    assert np.array_equal(make_content_image(24), make_content_image(24))
    with pytest.raises(ValueError, match="make_style_image"):
        make_style_image(24, "plaid")
