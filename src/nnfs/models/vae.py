"""Variational autoencoder (Kingma & Welling, 2014) with MLP encoder and decoder, and its loss.

The encoder maps x to the mean mu and log-variance logvar of a Gaussian q(z | x); a sample
z = mu + exp(logvar / 2) * eps, eps ~ N(0, I), goes through the decoder to Bernoulli means
x_hat in (0, 1). Writing the sample this way (the reparameterization trick) makes z a
differentiable function of mu and logvar, with all the randomness in eps.
"""

from __future__ import annotations

import numpy as np

from nnfs.checks import (
    check_choice,
    check_float_dtype,
    check_int,
    check_real,
    check_rng,
    require_forward,
)
from nnfs.core import Module, Sequential, check_shape
from nnfs.layers.activation import ReLU, Sigmoid
from nnfs.layers.dense import Dense
from nnfs.losses import Loss


def _mlp(sizes: list[int], rng: np.random.Generator, dtype: type) -> list[Module]:
    """Dense layers of the given sizes with a ReLU after each (the caller adds the last layer)."""
    layers: list[Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [Dense(n_in, n_out, rng=rng, dtype=dtype), ReLU()]
    return layers


# --8<-- [start:vae]
class VAE(Module):
    """Encoder x -> (mu, logvar), sample z = mu + exp(logvar/2) * eps, decoder z -> x_hat.

    Args:
        in_features: D, the size of each (flattened) input, values in [0, 1].
        latent_dim: L, the size of z.
        hidden: widths of the encoder's hidden layers; the decoder mirrors them.
        rng: the Generator for the initial weights and, unless `forward` gets `eps`, the noise.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, D) -> x_hat (N, D), mu (N, L), logvar (N, L).
    """

    def __init__(
        self,
        in_features: int,
        latent_dim: int = 2,
        hidden: tuple[int, ...] = (128,),
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        self.in_features = check_int("VAE", "in_features", in_features)
        self.latent_dim = check_int("VAE", "latent_dim", latent_dim)
        if not isinstance(hidden, (tuple, list)) or not hidden:
            raise TypeError(f"VAE: hidden expected a non-empty tuple of widths, got {hidden!r}")
        hidden = tuple(check_int("VAE", "hidden", h) for h in hidden)
        self.rng, self.dtype = check_rng("VAE", rng), check_float_dtype("VAE", dtype)
        self.encoder = Sequential(*_mlp([in_features, *hidden], self.rng, dtype))
        self.mu_head = Dense(hidden[-1], latent_dim, init="xavier", rng=self.rng, dtype=dtype)
        self.logvar_head = Dense(hidden[-1], latent_dim, init="xavier", rng=self.rng, dtype=dtype)
        self.decoder = Sequential(
            *_mlp([latent_dim, *reversed(hidden)], self.rng, dtype),
            Dense(hidden[0], in_features, init="xavier", rng=self.rng, dtype=dtype),
            Sigmoid(),
        )

    def encode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The parameters of q(z | x): mu (N, L) and logvar (N, L)."""
        check_shape("VAE", "input", x, (None, self.in_features))
        h = self.encoder(x)  # (N, hidden[-1])
        return self.mu_head(h), self.logvar_head(h)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Bernoulli means x_hat (N, D) in (0, 1) for latent codes z (N, L)."""
        return self.decoder(z)

    def forward(
        self, x: np.ndarray, eps: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Returns (x_hat, mu, logvar).

        `eps` (N, L) fixes the noise (for gradient checks); without it, training mode draws
        eps ~ N(0, I) from the model's Generator and eval mode uses eps = 0, i.e. z = mu.
        """
        mu, logvar = self.encode(x)
        if eps is not None:
            check_shape("VAE", "eps", eps, mu.shape)
        else:
            if self.training:
                eps = self.rng.standard_normal(mu.shape).astype(mu.dtype)
            else:
                eps = np.zeros_like(mu)
        self.std = np.exp(0.5 * logvar)  # (N, L)
        self.eps = eps
        z = mu + self.std * eps  # (N, L): the reparameterization trick
        return self.decode(z), mu, logvar

    def backward(self, grad_out: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
        """grad_out = (dL/dx_hat, dL/dmu, dL/dlogvar); the last two are the KL term's direct
        gradients, to which the path through z is added. Returns dL/dx (N, D)."""
        require_forward(self, "eps")
        if not isinstance(grad_out, tuple) or len(grad_out) != 3:
            raise TypeError(
                "VAE: grad_out expected a tuple (dL/dx_hat, dL/dmu, dL/dlogvar), as "
                f"VAELoss.backward returns it, got {type(grad_out).__name__}"
            )
        grad_x_hat, grad_mu, grad_logvar = grad_out
        n, latent = self.eps.shape
        check_shape("VAE", "grad_out[0] (dL/dx_hat)", grad_x_hat, (n, self.in_features))
        check_shape("VAE", "grad_out[1] (dL/dmu)", grad_mu, (n, latent))
        check_shape("VAE", "grad_out[2] (dL/dlogvar)", grad_logvar, (n, latent))
        grad_z = self.decoder.backward(grad_x_hat)  # (N, L)
        # z = mu + exp(logvar / 2) * eps: dz/dmu = 1, dz/dlogvar = exp(logvar / 2) * eps / 2.
        grad_mu = grad_mu + grad_z
        grad_logvar = grad_logvar + grad_z * self.eps * self.std * 0.5
        grad_h = self.mu_head.backward(grad_mu) + self.logvar_head.backward(grad_logvar)
        return self.encoder.backward(grad_h)


# --8<-- [end:vae]


# --8<-- [start:elbo]
class VAELoss(Loss):
    """The negative ELBO per sample: reconstruction + beta * KL(q(z|x) || N(0, I)), batch mean.

    reconstruction "bce": -sum_d [x_d log x_hat_d + (1 - x_d) log(1 - x_hat_d)] (Bernoulli);
    reconstruction "gaussian": sum_d (x_d - x_hat_d)^2 / (2 sigma^2) + D/2 log(2 pi sigma^2);
    KL = -1/2 sum_l (1 + logvar_l - mu_l^2 - exp(logvar_l)).

    `forward((x_hat, mu, logvar), x) -> float`; `backward() -> (dx_hat, dmu, dlogvar)`, which is
    exactly what `VAE.backward` takes. The parts of the last call are kept as
    `reconstruction` and `kl` (batch means).

    Args:
        reconstruction: "bce" or "gaussian".
        beta: weight of the KL term (1 gives the ELBO; Higgins et al., 2017 vary it).
        sigma: the decoder's fixed standard deviation for "gaussian".
        eps: x_hat is clipped to [eps, 1 - eps] in "bce" so that log stays finite; raised to
            the dtype's machine epsilon when smaller (1 - 1e-7 is 1 in float16).

    With "bce" the data x must lie in [0, 1] (Bernoulli means); an empty batch raises.
    """

    def __init__(
        self,
        reconstruction: str = "bce",
        beta: float = 1.0,
        sigma: float = 1.0,
        eps: float = 1e-7,
    ) -> None:
        self.kind = check_choice("VAELoss", "reconstruction", reconstruction, ("bce", "gaussian"))
        self.beta = check_real("VAELoss", "beta", beta, 0)
        self.sigma = check_real("VAELoss", "sigma", sigma, 0, low_open=True)
        self.eps = check_real("VAELoss", "eps", eps, 0, 0.5, low_open=True)

    def forward(self, pred: tuple[np.ndarray, np.ndarray, np.ndarray], target: np.ndarray) -> float:
        if not isinstance(pred, tuple) or len(pred) != 3:
            raise TypeError(
                "VAELoss: pred expected the tuple (x_hat, mu, logvar) that VAE.forward returns, "
                f"got {type(pred).__name__}"
            )
        x_hat, mu, logvar = pred
        if x_hat.shape != target.shape or mu.shape != logvar.shape or len(mu) != len(x_hat):
            raise ValueError(
                f"VAELoss: expected x_hat and x of one shape (N, D) and mu, logvar (N, L), got "
                f"x_hat {x_hat.shape}, x {target.shape}, mu {mu.shape}, logvar {logvar.shape}"
            )
        n = len(x_hat)
        if n == 0:
            raise ValueError(
                f"VAELoss: expected a non-empty batch, got x_hat of shape {x_hat.shape}"
            )
        if self.kind == "bce" and not np.all((target >= 0) & (target <= 1)):
            raise ValueError("VAELoss: x expected values in [0, 1] for reconstruction 'bce'")
        self.x, self.mu, self.logvar = target.astype(x_hat.dtype, copy=False), mu, logvar
        if self.kind == "bce":
            eps = max(self.eps, float(np.finfo(x_hat.dtype).eps))
            self.x_hat = np.clip(x_hat, eps, 1 - eps)
            x = self.x
            recon = -np.sum(x * np.log(self.x_hat) + (1 - x) * np.log1p(-self.x_hat))
        else:
            self.x_hat = x_hat
            d = x_hat.size // n
            squared = np.sum((self.x - x_hat) ** 2)
            recon = squared / (2 * self.sigma**2) + n * d / 2 * np.log(2 * np.pi * self.sigma**2)
        kl = -0.5 * np.sum(1 + logvar - mu * mu - np.exp(logvar))
        self.reconstruction, self.kl = float(recon) / n, float(kl) / n
        return self.reconstruction + self.beta * self.kl

    def backward(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        require_forward(self, "x_hat")
        n = len(self.x_hat)
        if self.kind == "bce":
            # The same clipped x_hat as forward, so the gradient stays finite at 0 and 1.
            p = self.x_hat
            grad_x_hat = (p - self.x) / (p * (1 - p)) / n
        else:
            grad_x_hat = (self.x_hat - self.x) / (self.sigma**2 * n)
        # dKL/dmu = mu, dKL/dlogvar = (exp(logvar) - 1) / 2, per sample, then the batch mean.
        grad_mu = self.beta * self.mu / n
        grad_logvar = self.beta * 0.5 * (np.exp(self.logvar) - 1) / n
        return grad_x_hat, grad_mu, grad_logvar


# --8<-- [end:elbo]
