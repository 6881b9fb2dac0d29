# %% [markdown]
# # Lab: a transformer, a U-Net and a VAE
#
# Three small experiments, one per architecture of the chapter, each trained from scratch in
# a few seconds with the package's layers:
#
# 1. a one-block **transformer encoder** learns to *sort* sequences of digits, and its
#    attention maps show which input position each output position reads;
# 2. a **U-Net** learns to segment shapes on noisy, unevenly lit backgrounds;
# 3. a **variational autoencoder** with a 2-D latent space learns the handwritten digits:
#    its ELBO curve, reconstructions, samples from the prior and the latent space itself.
#
# Every random number comes from a seeded `Generator`, so a rerun repeats the experiment (the
# last digits of float32 results can still differ between machines).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from nnfs.datasets import load_digits, make_shapes_segmentation
from nnfs.layers import Dense, Embedding, PositionalEncoding, TransformerEncoder
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models import VAE, UNet, VAELoss
from nnfs.models.unet import mean_iou
from nnfs.optim import Adam

# %% [markdown]
# ## 1. A transformer encoder sorts digits
#
# Input: 8 random digits; target: the same digits sorted, one output token per position.
# There is no mask: every position may read every other one. Each output position has to find
# the digit of its rank, which means comparing every digit with every other digit, exactly
# what one attention layer computes. The model is an embedding, sinusoidal positional
# encodings, one post-norm `TransformerBlock` (d = 32, 2 heads, d_ff = 64) and a dense layer
# that maps each token vector to 10 digit scores.

# %%
T, V, D_MODEL = 8, 10, 32
rng = np.random.default_rng(0)
embed = Embedding(V, D_MODEL, rng=rng, dtype=np.float32)
pos_enc = PositionalEncoding(T, D_MODEL)
encoder = TransformerEncoder(1, D_MODEL, 2, 2 * D_MODEL, rng=rng, dtype=np.float32)
head = Dense(D_MODEL, V, init="xavier", rng=rng, dtype=np.float32)
parts = [embed, encoder, head]
params = [p for part in parts for p in part.parameters()]


def predict_scores(tokens):
    """tokens (N, T) ints -> digit scores (N, T, V)."""
    h = encoder(pos_enc(embed(tokens)))  # (N, T, d)
    return head(h.reshape(-1, D_MODEL)).reshape(len(tokens), T, V)


data_rng = np.random.default_rng(1)
X_test = np.random.default_rng(2).integers(0, V, size=(2000, T))
loss_fn, optimizer = SoftmaxCrossEntropy(), Adam(params, lr=3e-3)
losses, accuracies = [], []
start = time.perf_counter()
for step in range(1, 1201):
    tokens = data_rng.integers(0, V, size=(64, T))  # fresh sequences at every step
    scores = predict_scores(tokens)
    losses.append(loss_fn(scores.reshape(-1, V), np.sort(tokens, axis=1).reshape(-1)))
    optimizer.zero_grad()
    grad_h = head.backward(loss_fn.backward()).reshape(64, T, D_MODEL)
    embed.backward(pos_enc.backward(encoder.backward(grad_h)))
    optimizer.step()
    if step % 100 == 0:
        predicted = predict_scores(X_test).argmax(axis=-1)
        accuracies.append((step, np.mean(predicted == np.sort(X_test, axis=1))))
print(f"trained in {time.perf_counter() - start:.1f} s")
print(f"held-out token accuracy: {accuracies[-1][1]:.4f}")
print(f"held-out sequences sorted without a single mistake: "
      f"{np.mean(np.all(predicted == np.sort(X_test, axis=1), axis=1)):.4f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.2))
ax1.semilogy(losses)
ax1.set(xlabel="step", ylabel="cross-entropy", title="training loss")
ax2.plot(*zip(*accuracies), marker="o")
ax2.set(xlabel="step", ylabel="token accuracy", title="held-out accuracy", ylim=(0, 1.02))
plt.tight_layout()
plt.show()

# %% [markdown]
# The held-out sequences were never seen in training (they come from another seed), so the
# accuracy measures sorting, not memorizing. Now the attention weights of one held-out sequence:
# row t is output position t (the query), column s is input position s (the key).

# %%
example = X_test[:1]
predict_scores(example)
attn = encoder.layers[0].attn.attn[0]  # (heads, T, T)
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for h, ax in enumerate(axes):
    image = ax.imshow(attn[h], cmap="viridis", vmin=0)
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xticks(range(T), [str(d) for d in example[0]])
    ax.set_yticks(range(T), [str(d) for d in np.sort(example[0])])
    ax.set(xlabel="input digit (key)", ylabel="sorted output (query)", title=f"head {h}")
plt.tight_layout()
plt.show()

# %% [markdown]
# The pattern is a soft one, and it makes sense for sorting: the first output rows (which must
# produce the smallest digits) put most of their weight on the smallest digits of the input,
# the last rows on the largest, and the rows in the middle spread their weight almost evenly,
# reading an average of the whole sequence. The feed-forward network then turns that mixture
# (plus the position, which says which rank to output) into one digit. Nothing told the model
# to do this; it is what lowered the loss.
#
# ## 2. A U-Net segments shapes
#
# `make_shapes_segmentation` draws disks and squares on a background with a random brightness
# ramp and adds Gaussian noise (std 0.3, while the shapes are only 0.5 to 1 brighter than the
# background). We ask for the foreground: label 1 for any shape pixel, 0 for background. A
# pixel's value alone is unreliable, so the network must use its neighbourhood.

# %%
SIZE = 24
X, Y = make_shapes_segmentation(500, size=SIZE, seed=0)
X, Y = X.astype(np.float32), (Y > 0).astype(np.int64)  # binary: shape or background
X_train, Y_train, X_val, Y_val = X[:400], Y[:400], X[400:], Y[400:]

unet = UNet(1, 2, base_channels=8, depth=2, rng=np.random.default_rng(0), dtype=np.float32)
optimizer = Adam(unet.parameters(), lr=5e-3)
loss_fn = SoftmaxCrossEntropy()
shuffle_rng = np.random.default_rng(3)
start = time.perf_counter()
for epoch in range(4):
    order = shuffle_rng.permutation(len(X_train))
    for batch in np.split(order, len(order) // 8):
        logits = unet(X_train[batch])  # (8, 2, SIZE, SIZE)
        # Every pixel is one classification: move the classes last and flatten the pixels.
        flat_logits = logits.transpose(0, 2, 3, 1).reshape(-1, 2)
        loss_fn(flat_logits, Y_train[batch].reshape(-1))
        grad = loss_fn.backward().reshape(len(batch), SIZE, SIZE, 2).transpose(0, 3, 1, 2)
        optimizer.zero_grad()
        unet.backward(grad)
        optimizer.step()
    prediction = unet(X_val).argmax(axis=1)
    print(f"epoch {epoch + 1}: held-out mean IoU {mean_iou(prediction, Y_val, 2):.3f}")
print(f"trained in {time.perf_counter() - start:.1f} s")

fig, axes = plt.subplots(3, 6, figsize=(10, 5.3))
for col in range(6):
    for row, (image, title) in enumerate(
        [(X_val[col, 0], "input"), (Y_val[col], "target"), (prediction[col], "prediction")]
    ):
        axes[row, col].imshow(image, cmap="gray")
        axes[row, col].axis("off")
        if col == 0:
            axes[row, col].set_title(title, loc="left")
plt.tight_layout()
plt.show()

# %% [markdown]
# The predictions follow the shapes' outlines, including where the noise makes a single pixel
# look like the background or the other way round; errors sit on the boundaries. The same
# generator also labels disks and squares apart (`Y` has classes 0, 1, 2 before we merge them).
# Telling those two apart needs the whole shape in view and takes much longer: in our runs the
# same network, trained for 20 epochs on 400 images of 32x32 (about a minute of one core),
# reached a three-class mean IoU of 0.80 and was still improving.
#
# ## 3. A VAE on the handwritten digits
#
# The 1,797 digits of `load_digits(8)` are 8x8 images with values in [0, 1]. The VAE has one
# hidden layer of 128 units on each side and a **2-D latent space**, so that we can draw it.
# The loss is the negative ELBO with a Bernoulli (binary cross-entropy) reconstruction term.

# %%
images, labels = load_digits(8)
data = images.reshape(len(images), 64)
vae = VAE(64, latent_dim=2, hidden=(128,), rng=np.random.default_rng(0))
optimizer = Adam(vae.parameters(), lr=2e-3)
loss_fn = VAELoss("bce")
shuffle_rng = np.random.default_rng(4)
history = {"negative ELBO": [], "reconstruction": [], "KL": []}
start = time.perf_counter()
for epoch in range(60):
    totals = np.zeros(3)
    for batch in np.array_split(shuffle_rng.permutation(len(data)), 28):
        loss = loss_fn(vae(data[batch]), data[batch])
        optimizer.zero_grad()
        vae.backward(loss_fn.backward())
        optimizer.step()
        totals += np.array([loss, loss_fn.reconstruction, loss_fn.kl]) * len(batch)
    for name, total in zip(history, totals / len(data)):
        history[name].append(total)
print(f"trained in {time.perf_counter() - start:.1f} s")
print(f"final negative ELBO {history['negative ELBO'][-1]:.2f} nats per image "
      f"(reconstruction {history['reconstruction'][-1]:.2f} + KL {history['KL'][-1]:.2f})")

for name, values in history.items():
    plt.plot(values, label=name)
plt.xlabel("epoch")
plt.ylabel("nats per image")
plt.title("negative ELBO = reconstruction + KL")
plt.legend()
plt.show()

# %% [markdown]
# Reconstructions (top: the images, bottom: the decoder's output from the mean code z = mu)
# and samples: codes z drawn from the prior N(0, I), decoded.

# %%
vae.eval()  # eval mode: z = mu, no noise
reconstructed = vae(data[:10])[0]
samples = vae.decode(np.random.default_rng(5).standard_normal((10, 2)))
fig, axes = plt.subplots(3, 10, figsize=(10, 3.3))
for i in range(10):
    for row, image in enumerate([data[i], reconstructed[i], samples[i]]):
        axes[row, i].imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        axes[row, i].axis("off")
axes[0, 0].set_title("input", loc="left")
axes[1, 0].set_title("reconstruction", loc="left")
axes[2, 0].set_title("sample from the prior", loc="left")
plt.tight_layout()
plt.show()

# %% [markdown]
# Finally the latent space: the mean code mu of every image, coloured by its digit (the VAE
# never saw a label), next to the decoder's output on a grid of codes.

# %%
mu, _ = vae.encode(data)
grid = np.linspace(-2.2, 2.2, 10)
codes = np.array([[zx, zy] for zy in grid[::-1] for zx in grid])  # top row: largest z_2
decoded = vae.decode(codes).reshape(10, 10, 8, 8)
tiles = np.zeros((10, 10, 10, 10))  # one 8x8 digit per 10x10 tile: a white margin between
tiles[:, :, 1:9, 1:9] = decoded
tiles = tiles.transpose(0, 2, 1, 3).reshape(100, 100)  # (row, y, col, x) -> one image

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 5))
points = ax1.scatter(mu[:, 0], mu[:, 1], c=labels, cmap="tab10", s=6)
ax1.legend(*points.legend_elements(), title="digit", fontsize=7, loc="upper right")
ax1.set(xlabel="$z_1$", ylabel="$z_2$", title="mean codes of all 1,797 digits")
ax2.imshow(tiles, cmap="gray_r", vmin=0, vmax=1, extent=(-2.45, 2.45, -2.45, 2.45))
ax2.set(xlabel="$z_1$", ylabel="$z_2$", title="decoded grid of codes")
plt.tight_layout()
plt.show()

# %% [markdown]
# Digits of one class gather in one region although the labels were never used, and the KL
# term keeps the codes near the origin, where the prior puts its mass, so that decoding any
# code near the origin gives a digit-like image. With only two latent dimensions some classes
# overlap (the reconstructions of thin or unusual digits are blurred towards a typical one); a
# larger `latent_dim` reconstructs better but can no longer be drawn in one picture.
