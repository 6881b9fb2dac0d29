# %% [markdown]
# # Lab: LeNet-5 on handwritten digits
#
# We train the [LeNet-5](lenet5.md) of this chapter on 1,797 real handwritten digits (the UCI
# optical-recognition digits that ship with `nnfs`) and then look inside it:
#
# 1. **The data**: the 8×8 originals and the 32×32 inputs LeNet-5 receives.
# 2. **Training** for 12 epochs with Adam, in float32, with small random shifts of the images.
# 3. **Learning curves**: loss and accuracy on the training and the held-out test set per epoch.
# 4. **The first-layer filters**: the six 5×5 kernels the network learned.
# 5. **Feature maps** of one digit after each convolution.
# 6. **The confusion matrix** and 7. **the misclassified test digits**.
#
# Every random choice (the split, the initial weights, the batch order, the shifts) comes from a
# fixed seed, so the numbers printed below are the same at every run on the same machine.

# %%
import os

# LeNet-5's matrices are thin (6 or 16 rows): two BLAS threads wait for each other more than
# they help, and fight other programs for the cores. One thread (set before NumPy is imported).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time

import matplotlib.pyplot as plt
import numpy as np

from nnfs.datasets import load_digits, train_test_split
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models import LeNet5
from nnfs.optim import Adam
from nnfs.training import accuracy, batches, confusion_matrix

lab_start = time.perf_counter()

# %% [markdown]
# ## 1. The data
#
# Each original image is 8×8; each pixel counts the ink in a 4×4 block of a 32×32 scan.
# `load_digits()` resizes them to LeNet-5's 32×32 input by bilinear interpolation and scales
# the ink to [0, 1]. A stratified split keeps a quarter of the digits, 450 images, as the test
# set; the network never trains on them. We standardize with the training set's mean and
# standard deviation, as LeCun et al. (1998) did (background slightly negative, strokes
# around +2).

# %%
X, y = load_digits(dtype=np.float32)  # (1797, 1, 32, 32), bilinear
X8, _ = load_digits(8)  # the 8x8 originals, for the picture
X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=0)
mean, std = float(X_train.mean()), float(X_train.std())
X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
background = (0.0 - mean) / std
print(f"train {X_train.shape}, test {X_test.shape}, dtype {X_train.dtype}")
print("test digits per class:", np.bincount(y_test))

fig, axes = plt.subplots(2, 8, figsize=(10, 2.8))
for k in range(8):
    axes[0, k].imshow(X8[k, 0], cmap="gray_r")
    axes[1, k].imshow(X[k, 0], cmap="gray_r")
    axes[0, k].set_title(str(y[k]))
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].set_ylabel("8x8")
axes[1, 0].set_ylabel("32x32")
plt.tight_layout()
plt.show()

# %% [markdown]
# The resized digits are blurry: the data set never had more detail than 8×8. That is still
# enough for a convolutional network, as the test accuracy below shows.
#
# ## 2. Training
#
# The recipe: softmax cross-entropy, Adam with a learning rate of 0.002 decayed to zero along a
# half cosine, mini-batches of 32, 12 epochs. With only 1,347 training images, a network of
# 61,706 weights memorizes them quickly; moving each training image by up to 3 pixels in each
# direction at every step (a new shift each time) shows it a slightly different digit every
# epoch, which is the cheapest regularizer for images. The first convolution does not compute
# the gradient with respect to the images (`needs_input_grad = False`): nothing would use it.

# %%
EPOCHS, BATCH, LR, MAX_SHIFT = 12, 32, 2e-3, 3


def random_shift(images, rng, max_shift):
    """Move each image by up to max_shift pixels along each axis, filling with background."""
    pad = max_shift
    padded = np.pad(images, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=background)
    out = np.empty_like(images)
    size = images.shape[-1]
    for k, (dy, dx) in enumerate(rng.integers(0, 2 * pad + 1, size=(len(images), 2))):
        out[k] = padded[k, :, dy : dy + size, dx : dx + size]
    return out


def evaluate(model, loss_fn, X, y, chunk=256):
    # In chunks: im2col of 1,347 images at once would be a 100 MB matrix.
    logits = np.concatenate([model(X[k : k + chunk]) for k in range(0, len(X), chunk)])
    return loss_fn(logits, y), accuracy(logits, y), logits


model = LeNet5(rng=np.random.default_rng(0), dtype=np.float32)
model.conv1.needs_input_grad = False
loss_fn = SoftmaxCrossEntropy()
optimizer = Adam(model.parameters(), lr=LR)
rng = np.random.default_rng(1)
history = {"train_loss": [], "test_loss": [], "train_acc": [], "test_acc": []}

train_start = time.perf_counter()
for epoch in range(EPOCHS):
    optimizer.lr = LR * 0.5 * (1 + np.cos(np.pi * epoch / EPOCHS))
    model.train()
    for xb, yb in batches(X_train, y_train, BATCH, rng):
        optimizer.zero_grad()
        loss_fn(model(random_shift(xb, rng, MAX_SHIFT)), yb)
        model.backward(loss_fn.backward())
        optimizer.step()
    model.eval()
    train_loss, train_acc, _ = evaluate(model, loss_fn, X_train, y_train)
    test_loss, test_acc, test_logits = evaluate(model, loss_fn, X_test, y_test)
    for name, value in zip(history, (train_loss, test_loss, train_acc, test_acc), strict=True):
        history[name].append(value)
    print(
        f"epoch {epoch + 1:2d}: loss {train_loss:.4f} / {test_loss:.4f}, "
        f"accuracy {train_acc:.4f} / {test_acc:.4f} (train / test)"
    )
train_seconds = time.perf_counter() - train_start
test_pred = test_logits.argmax(axis=1)
errors = np.flatnonzero(test_pred != y_test)
print(f"\ntraining took {train_seconds:.1f} s")
print(f"held-out test accuracy: {test_acc:.4f} ({len(errors)} of {len(y_test)} digits wrong)")

# %% [markdown]
# ## 3. Learning curves

# %%
epochs = np.arange(1, EPOCHS + 1)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.5))
ax_loss.plot(epochs, history["train_loss"], "o-", label="train")
ax_loss.plot(epochs, history["test_loss"], "s-", label="test")
ax_loss.set_yscale("log")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("cross-entropy")
ax_loss.legend()
ax_acc.plot(epochs, history["train_acc"], "o-", label="train")
ax_acc.plot(epochs, history["test_acc"], "s-", label="test")
ax_acc.axhline(0.98, color="gray", lw=0.8, ls="--")
ax_acc.set_ylim(0.85, 1.0)
ax_acc.set_xlabel("epoch")
ax_acc.set_ylabel("accuracy")
ax_acc.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# Both losses fall together for the first epochs; after that the training loss keeps falling
# while the test loss levels off, the usual gap between data the network has seen and data it
# has not. In the last epochs, as the learning rate decays, the test accuracy settles above the
# dashed 0.98 line and the training accuracy reaches 1.
#
# ## 4. The first-layer filters
#
# `model.conv1.W` holds six 1×5×5 kernels. Red weights add the ink under them, blue ones
# subtract it, so each kernel responds to a pattern of strokes.

# %%
W1 = model.conv1.W.data[:, 0]  # (6, 5, 5)
limit = np.abs(W1).max()
fig, axes = plt.subplots(1, 6, figsize=(10, 2))
for k, ax in enumerate(axes):
    ax.imshow(W1[k], cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"kernel {k}")
    ax.set_xticks([])
    ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# After 12 epochs on 1,347 small images the kernels are still noisy, but several already show
# an oriented transition from positive to negative weights: a detector for one edge of a stroke,
# in one direction.
#
# ## 5. Feature maps of one digit
#
# `model.feature_maps(x)` returns what each stage computes: the six 28×28 maps of the first
# convolution (after ReLU) and the sixteen 10×10 maps of the second.

# %%
digit = X_test[:1]
c1, s2, c3, s4 = model.feature_maps(digit)
fig = plt.figure(figsize=(10, 3.8))
grid = fig.add_gridspec(3, 10)
ax = fig.add_subplot(grid[:, :2])
ax.imshow(digit[0, 0], cmap="gray_r")
ax.set_title(f"input: {y_test[0]}")
ax.axis("off")
for k in range(6):
    ax = fig.add_subplot(grid[0, 2 + k])
    ax.imshow(c1[0, k], cmap="magma")
    ax.set_title(f"C1 {k}", fontsize=8)
    ax.axis("off")
for k in range(16):
    ax = fig.add_subplot(grid[1 + k // 8, 2 + k % 8])
    ax.imshow(c3[0, k], cmap="magma")
    ax.set_title(f"C3 {k}", fontsize=8)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# Each C1 map is the digit filtered by one kernel: it lights up where that kernel's edge
# direction occurs along the strokes. The C3 maps, computed from all six pooled C1 maps, are
# coarser (10×10) and respond to combinations of edges in a larger region (14×14 input pixels);
# several are nearly blank for this digit, ready for strokes that it does not have.
#
# ## 6. The confusion matrix

# %%
matrix = confusion_matrix(y_test, test_pred, 10)
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.imshow(matrix, cmap="Blues")
for i in range(10):
    for j in range(10):
        if matrix[i, j]:
            color = "white" if matrix[i, j] > matrix.max() / 2 else "black"
            ax.text(j, i, matrix[i, j], ha="center", va="center", color=color, fontsize=8)
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted")
ax.set_ylabel("true")
plt.tight_layout()
plt.show()
print("errors per true class:", matrix.sum(axis=1) - np.diag(matrix))

# %% [markdown]
# Almost everything sits on the diagonal (about 45 digits per class); the few off-diagonal
# counts are the network's mistakes, printed per true class above.
#
# ## 7. The misclassified test digits

# %%
fig, axes = plt.subplots(1, max(len(errors), 1), figsize=(1.3 * max(len(errors), 1), 1.8))
for ax, k in zip(np.atleast_1d(axes), errors, strict=False):
    ax.imshow(X_test[k, 0], cmap="gray_r")
    ax.set_title(f"{y_test[k]} as {test_pred[k]}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# Titles read "true as predicted". Several of these are hard for a person too at this
# resolution: strokes that merge in the 8×8 original leave no trace of the gap that tells the
# two digits apart.
#
# **A longer run.** On the machine this book is built on, the lab ends at a test accuracy of
# 0.982 (8 of 450 wrong). The same recipe with other seeds for the initial weights and the batch
# order ended between 0.982 and 0.989 (five seeds), and 30 epochs instead of 12 reached 0.984:
# on this split, a few more epochs do not buy much. BLAS libraries that add up products in a
# different order give slightly different numbers, so your run may differ in the third digit.

# %%
print(f"lab time: {time.perf_counter() - lab_start:.1f} s")
