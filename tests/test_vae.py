"""The variational autoencoder and its ELBO loss (nnfs/models/vae.py)."""

import numpy as np
import pytest

from nnfs.core import Module
from nnfs.gradcheck import check_module, numerical_gradient, rel_error
from nnfs.models import VAE, VAELoss
from tests.conftest import GRAD_TOL


class VAEWithLoss(Module):
    """The scalar negative ELBO as a function of the input x, for a fixed noise sample eps."""

    def __init__(self, vae: VAE, loss: VAELoss, target: np.ndarray, eps: np.ndarray) -> None:
        super().__init__()
        self.vae, self.loss, self.target, self.eps = vae, loss, target, eps

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.array(self.loss(self.vae(x, eps=self.eps), self.target))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return self.vae.backward(tuple(grad_out * g for g in self.loss.backward()))


@pytest.mark.parametrize("reconstruction", ["bce", "gaussian"])
def test_vae_loss_gradcheck_with_fixed_noise(rng, reconstruction):
    vae = VAE(6, latent_dim=2, hidden=(5, 4), rng=rng)
    for name, p in vae.named_parameters():
        if name.endswith(".b"):
            p.data[...] = 0.1 * rng.standard_normal(p.shape)
    x = rng.random((4, 6))
    wrapped = VAEWithLoss(
        vae, VAELoss(reconstruction, beta=0.7), x.copy(), rng.standard_normal((4, 2))
    )
    errors = check_module(wrapped, x)
    assert set(errors) >= {"input0", "vae.mu_head.W", "vae.logvar_head.W", "vae.encoder.layers.0.W"}
    bad = {name: err for name, err in errors.items() if err > GRAD_TOL}
    assert not bad, f"gradient check failed: {bad}"


@pytest.mark.parametrize("reconstruction", ["bce", "gaussian"])
def test_vae_loss_backward_matches_numerical_gradient(rng, reconstruction):
    loss = VAELoss(reconstruction, sigma=0.5)
    x = rng.random((3, 5))
    x_hat, mu, logvar = (
        rng.uniform(0.1, 0.9, (3, 5)),
        rng.standard_normal((3, 2)),
        rng.standard_normal((3, 2)),
    )
    loss((x_hat, mu, logvar), x)
    analytic = loss.backward()
    numeric = (
        numerical_gradient(lambda a: loss((a, mu, logvar), x), x_hat),
        numerical_gradient(lambda a: loss((x_hat, a, logvar), x), mu),
        numerical_gradient(lambda a: loss((x_hat, mu, a), x), logvar),
    )
    for a, n in zip(analytic, numeric, strict=True):
        assert rel_error(a, n) < GRAD_TOL


def test_kl_formula_matches_monte_carlo():
    """KL(q || p) = E_q[log q(z) - log p(z)], estimated from 400,000 samples of q."""
    rng = np.random.default_rng(7)
    mu, logvar = np.array([[0.8, -1.5]]), np.array([[-0.7, 0.4]])
    loss = VAELoss()
    loss((np.full((1, 1), 0.5), mu, logvar), np.full((1, 1), 0.5))
    std = np.exp(0.5 * logvar)
    z = mu + std * rng.standard_normal((400_000, 2))
    log_q = -0.5 * (((z - mu) / std) ** 2 + logvar + np.log(2 * np.pi))
    log_p = -0.5 * (z**2 + np.log(2 * np.pi))
    samples = (log_q - log_p).sum(axis=1)
    standard_error = samples.std() / np.sqrt(len(samples))
    assert abs(loss.kl - samples.mean()) < 4 * standard_error
    assert standard_error < 0.01


def test_kl_is_zero_only_at_the_prior():
    loss = VAELoss()
    x = np.full((1, 3), 0.5)
    loss((x, np.zeros((1, 2)), np.zeros((1, 2))), x)
    assert loss.kl == 0.0
    loss((x, np.array([[0.1, 0.0]]), np.zeros((1, 2))), x)
    assert loss.kl == pytest.approx(0.5 * 0.1**2)


def test_gaussian_reconstruction_is_the_negative_log_density(rng):
    x, x_hat = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    zeros = np.zeros((2, 1))
    loss = VAELoss("gaussian", sigma=0.3)
    loss((x_hat, zeros, zeros), x)
    log_density = -0.5 * ((x - x_hat) / 0.3) ** 2 - np.log(0.3 * np.sqrt(2 * np.pi))
    assert loss.reconstruction == pytest.approx(-log_density.sum() / 2)


def test_bce_reconstruction_sums_pixels_and_averages_samples():
    loss = VAELoss("bce")
    x = np.array([[1.0, 0.0], [1.0, 1.0]])
    x_hat = np.array([[0.5, 0.5], [0.25, 0.5]])
    zeros = np.zeros((2, 1))
    value = loss((x_hat, zeros, zeros), x)
    expected = (2 * np.log(2) + np.log(4) + np.log(2)) / 2
    assert value == pytest.approx(expected) and loss.kl == 0.0


def test_beta_scales_only_the_kl_term(rng):
    x, x_hat = rng.random((2, 3)), rng.uniform(0.2, 0.8, (2, 3))
    mu, logvar = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    plain, weighted = VAELoss(), VAELoss(beta=4.0)
    a, b = plain((x_hat, mu, logvar), x), weighted((x_hat, mu, logvar), x)
    assert b - a == pytest.approx(3.0 * plain.kl)


def test_reparameterization_uses_given_noise_and_eval_uses_the_mean(rng):
    vae = VAE(5, latent_dim=3, hidden=(4,), rng=rng)
    x = rng.random((2, 5))
    eps = rng.standard_normal((2, 3))
    x_hat, mu, logvar = vae(x, eps=eps)
    np.testing.assert_allclose(vae.decode(mu + np.exp(0.5 * logvar) * eps), x_hat)
    vae.eval()
    np.testing.assert_allclose(vae(x)[0], vae.decode(mu))


def test_training_noise_comes_from_the_models_generator():
    x = np.random.default_rng(0).random((3, 4))
    a = VAE(4, 2, (3,), rng=np.random.default_rng(1))
    b = VAE(4, 2, (3,), rng=np.random.default_rng(1))
    first = a(x)[0]
    np.testing.assert_array_equal(first, b(x)[0])  # the same seed, the same noise
    assert not np.array_equal(first, a(x)[0])  # a fresh eps at every call


def test_vae_keeps_float32(rng):
    vae = VAE(6, 2, (5,), rng=rng, dtype=np.float32)
    x = rng.random((3, 6)).astype(np.float32)
    out = vae(x)
    loss = VAELoss()
    loss(out, x)
    grads = loss.backward()
    dx = vae.backward(grads)
    assert all(a.dtype == np.float32 for a in (*out, *grads, dx))
    assert all(p.grad.dtype == np.float32 for p in vae.parameters())


def test_vae_loss_stays_finite_at_probabilities_zero_and_one():
    loss = VAELoss()
    x = np.array([[0.0, 1.0, 1.0]])
    x_hat = np.array([[1.0, 0.0, 1.0]])
    zeros = np.zeros((1, 1))
    assert np.isfinite(loss((x_hat, zeros, zeros), x))
    assert all(np.all(np.isfinite(g)) for g in loss.backward())


def test_vae_and_loss_reject_bad_input(rng):
    with pytest.raises(ValueError, match=r"VAE: input expected shape \(\*, 6\), got \(3, 5\)"):
        VAE(6, 2, (5,), rng=rng)(rng.random((3, 5)))
    with pytest.raises(ValueError, match="VAELoss: reconstruction"):
        VAELoss("l1")
    with pytest.raises(ValueError, match="VAELoss: expected"):
        VAELoss()((rng.random((2, 3)), np.zeros((2, 1)), np.zeros((2, 1))), rng.random((2, 4)))


def test_vae_backward_checks_its_argument_and_call_order(rng):
    vae = VAE(6, 2, (5,), rng=rng)
    with pytest.raises(RuntimeError, match="VAE: backward called before forward"):
        vae.backward((np.ones((3, 6)), np.ones((3, 2)), np.ones((3, 2))))
    vae(rng.random((3, 6)))
    with pytest.raises(TypeError, match=r"VAE: grad_out expected a tuple \(dL/dx_hat"):
        vae.backward(np.ones((3, 6)))
    with pytest.raises(ValueError, match=r"VAE: grad_out\[1\] \(dL/dmu\) expected shape \(3, 2\)"):
        vae.backward((np.ones((3, 6)), np.ones((1, 2)), np.ones((3, 2))))


def test_vae_loss_is_finite_in_float16_at_reconstructions_of_exactly_0_and_1():
    x_hat = np.array([[0.0, 1.0, 0.0, 1.0]], dtype=np.float16)
    zeros = np.zeros((1, 2), dtype=np.float16)
    loss = VAELoss()
    value = loss((x_hat, zeros, zeros), np.array([[1.0, 0.0, 0.0, 1.0]]))
    assert np.isfinite(value) and all(np.all(np.isfinite(g)) for g in loss.backward())


def test_vae_loss_refuses_data_outside_0_1_for_bce_and_an_empty_batch():
    zeros = np.zeros((1, 2))
    with pytest.raises(ValueError, match=r"VAELoss: x expected values in \[0, 1\]"):
        VAELoss()((np.full((1, 3), 0.5), zeros, zeros), np.array([[0.0, 2.0, 1.0]]))
    with pytest.raises(ValueError, match="VAELoss: expected a non-empty batch"):
        VAELoss()((np.zeros((0, 3)), np.zeros((0, 2)), np.zeros((0, 2))), np.zeros((0, 3)))
