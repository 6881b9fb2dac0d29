# %% [markdown]
# # Lab: initialization, batch normalization and regularization
#
# Three short experiments, each one a plot:
#
# 1. **Activations through depth.** We push a batch of random inputs through a 10-layer
#    network, with tanh and with ReLU, under four initializations, and draw the histogram of
#    every layer's activations. Small weights make the signal vanish, large ones make it
#    saturate (tanh) or explode (ReLU); Xavier keeps tanh alive and He keeps ReLU alive.
# 2. **Batch normalization.** The same deep MLP (10 hidden layers) trained with and without
#    `BatchNorm1d`, on the spiral data, with plain SGD.
# 3. **Over-fitting.** A large network on a small, noisy training set, trained with no
#    regularization, with an L2 penalty and with dropout: training and validation curves, and
#    the test accuracy of each.
#
# Everything is seeded, so the numbers printed below are the same at every run. The runs are
# kept short so that the lab runs in seconds; the last cell says what longer runs reach.

# %%
import functools

import matplotlib.pyplot as plt
import numpy as np

from nnfs import BatchNorm1d, Dense, Dropout, ReLU, Sequential, Sigmoid, Tanh, init
from nnfs.datasets import make_spiral, train_test_split
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.optim import SGD, Adam
from nnfs.regularization import add_l2_grad, l2_penalty, weight_parameters
from nnfs.training import accuracy, batches, fit

# %% [markdown]
# ## 1. Activations through a 10-layer network
#
# 500 inputs with 256 standard-normal features go through 10 layers `Dense(256, 256)` followed
# by the activation (biases are zero). Four initializations of the weights:
#
# | name | $\operatorname{Var}(W)$ | with $n = 256$ |
# |---|---|---|
# | small normal | $0.01^2$ | $10^{-4}$ |
# | unit normal | $1$ | $1$ |
# | Xavier (Glorot & Bengio, 2010) | $2 / (n_{in} + n_{out})$ | $1/256$ |
# | He (He et al., 2015) | $2 / n_{in}$ | $2/256$ |

# %%
INITS = {
    "small normal (std 0.01)": "normal",
    "unit normal (std 1)": functools.partial(init.normal, std=1.0),
    "Xavier": "xavier_normal",
    "He": "he_normal",
}


def layer_outputs(activation, initializer, depth=10, width=256, n=500, seed=0):
    """The activations after each of `depth` Dense + activation layers, for random inputs."""
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n, width))
    outputs = []
    for _ in range(depth):
        h = activation()(Dense(width, width, init=initializer, rng=rng)(h))
        outputs.append(h)
    return outputs


results = {
    (act.__name__, name): layer_outputs(act, initializer)
    for act in (Tanh, ReLU)
    for name, initializer in INITS.items()
}

print("standard deviation of the activations, layers 1 to 10")
for (act, name), outputs in results.items():
    stds = " ".join(f"{h.std():8.1e}" for h in outputs)
    print(f"{act:<5} {name:<24} {stds}")

# %%
SHOWN_LAYERS = [1, 4, 7, 10]
for act in ("Tanh", "ReLU"):
    fig, axes = plt.subplots(4, len(SHOWN_LAYERS), figsize=(11, 7.5))
    for row, name in enumerate(INITS):
        outputs = [results[(act, name)][layer - 1].ravel() for layer in SHOWN_LAYERS]
        if act == "Tanh":
            value_range = (-1.0, 1.0)  # tanh lives in [-1, 1]: the same axis for every panel
        else:
            # ReLU: show the positive half (the other half is exactly 0) on one axis per row,
            # the range of the widest layer, so that a collapsing layer shows up as a spike.
            outputs = [h[h > 0] for h in outputs]
            value_range = (0.0, max(np.quantile(h, 0.995) for h in outputs))
        for col, (layer, h) in enumerate(zip(SHOWN_LAYERS, outputs)):
            ax = axes[row, col]
            ax.hist(h, bins=60, range=value_range, color=f"C{row}")
            ax.set_yticks([])
            ax.set_title(f"layer {layer}: std {h.std():.1e}", fontsize=9)
            if col == 0:
                ax.set_ylabel(name, fontsize=9)
    part = "" if act == "Tanh" else " (positive part)"
    fig.suptitle(f"{act} network: histograms of the activations{part}")
    fig.tight_layout()
    plt.show()

# %% [markdown]
# **Tanh.** With small weights each layer multiplies the spread by about
# $0.01 \sqrt{256} = 0.16$, so after ten layers everything is squeezed into a spike at 0 (the
# standard deviation printed above falls by eight orders of magnitude). With unit weights the
# pre-activations have a standard deviation near $\sqrt{256} = 16$ and almost every unit sits at
# $\pm 1$, where $\tanh' \approx 0$: the units are saturated and pass no gradient. Xavier keeps a
# spread that shrinks only slowly from layer to layer (tanh is contracting, so a little is lost
# at each layer). He, meant for ReLU, gives the tanh units a wider spread that stays put, with
# more of them near the flat ends.
#
# **ReLU.** Half the outputs are exactly 0, so we plot the positive half. Small weights shrink
# the spread by $0.01 \sqrt{256/2} \approx 0.11$ per layer, unit weights grow it by
# $\sqrt{128} \approx 11$ per layer (to about $10^{10}$ at layer 10: the early layers are a spike
# on that axis), Xavier loses a factor $\sqrt{2}$ per layer, and He, which doubles Xavier's
# variance to make up for the half of the units that ReLU zeroes, keeps it constant.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, act in zip(axes, ("Tanh", "ReLU")):
    for name in INITS:
        stds = [h.std() for h in results[(act, name)]]
        ax.semilogy(range(1, 11), stds, marker="o", label=name)
    ax.set_title(f"{act}: std of the activations")
    ax.set_xlabel("layer")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. The same deep MLP with and without batch normalization
#
# Spiral data (3 classes, 600 points, 70% for training), a network of 10 hidden layers of 64
# units, Xavier initialization, plain SGD with learning rate 0.1, batches of 60, 20 epochs. The
# only difference between the two runs is a `BatchNorm1d(64)` between each `Dense` and its
# activation. We try it with sigmoid units, whose gradient shrinks by at least 4 at every layer,
# and with ReLU units and He initialization, which already train without help.

# %%
X, y = make_spiral(200, 3, noise=0.2, seed=0)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_fraction=0.3, seed=0)


def deep_mlp(activation, initializer, batch_norm, depth=10, width=64, seed=0):
    rng = np.random.default_rng(seed)
    layers, d = [], 2
    for _ in range(depth):
        layers.append(Dense(d, width, init=initializer, rng=rng))
        if batch_norm:
            layers.append(BatchNorm1d(width))
        layers.append(activation())
        d = width
    layers.append(Dense(d, 3, init="xavier", rng=rng))
    return Sequential(*layers)


histories = {}
for activation, initializer in [(Sigmoid, "xavier"), (ReLU, "he")]:
    for batch_norm in (False, True):
        model = deep_mlp(activation, initializer, batch_norm)
        histories[(activation.__name__, batch_norm)] = fit(
            model,
            SoftmaxCrossEntropy(),
            SGD(model.parameters(), lr=0.1),
            X_train,
            y_train,
            epochs=20,
            batch_size=60,  # 420 training points: 7 equal batches, no tiny last batch
            rng=np.random.default_rng(0),
            validation=(X_val, y_val),
        )

for (act, batch_norm), history in histories.items():
    label = f"{act} {'with' if batch_norm else 'without'} BatchNorm"
    print(
        f"{label:<26} training loss {history['loss'][-1]:.3f}, "
        f"validation accuracy {history['val_accuracy'][-1]:.3f}"
    )

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for (act, batch_norm), history in histories.items():
    style = "-" if batch_norm else "--"
    color = "C0" if act == "Sigmoid" else "C1"
    label = f"{act}, {'BatchNorm' if batch_norm else 'no BatchNorm'}"
    epochs = range(1, len(history["loss"]) + 1)
    axes[0].plot(epochs, history["loss"], style, color=color, label=label)
    axes[1].plot(epochs, history["val_accuracy"], style, color=color, label=label)
axes[0].axhline(np.log(3), color="gray", lw=0.8)
axes[0].set_title("training loss (gray: log 3, chance)")
axes[1].set_title("validation accuracy (eval mode)")
for ax in axes:
    ax.set_xlabel("epoch")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Without batch normalization the sigmoid network does not learn at all in 20 epochs: its loss
# stays at $\log 3$, the loss of a uniform guess, because the gradient that reaches the first
# layers is tiny. With a `BatchNorm1d` before every sigmoid, the same network with the same
# learning rate trains. The ReLU network with He initialization learns without help, but at this
# learning rate its loss jumps up and down; with batch normalization it falls faster and more
# steadily. The validation accuracy of the batch-normalized sigmoid network jumps around more
# than its training loss suggests: it is measured in eval mode, with running averages that lag
# behind weights that are still changing quickly (see the pitfalls on the
# [batch normalization page](batch-normalization.md)).

# %% [markdown]
# ## 3. Over-fitting: no regularization, L2, dropout
#
# A small training set (150 points of the spiral, of which 30% get a wrong label on purpose:
# noise the network can memorize) and a large network (2 → 256 → 256 → 3, ReLU, He). The
# validation and test sets are clean, 675 points each. Adam, learning rate 0.01, 100 epochs of
# batches of 32. Three runs that differ only in the regularization:
#
# - none;
# - L2: the penalty $\frac{\lambda}{2}\sum W^2$ on the weight matrices, $\lambda = 0.003$, its
#   gradient $\lambda W$ added after the backward pass;
# - dropout: `Dropout(0.3)` after each hidden ReLU.

# %%
X, y = make_spiral(500, 3, noise=0.2, seed=1)
X_rest, X_train, y_rest, y_train = train_test_split(X, y, test_fraction=0.1, seed=0)
X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, test_fraction=0.5, seed=1)
noise_rng = np.random.default_rng(9)
flipped = noise_rng.random(len(y_train)) < 0.3
y_train = y_train.copy()
# Shift a flipped label by 1 or 2 classes, so it is always wrong.
y_train[flipped] = (y_train[flipped] + noise_rng.integers(1, 3, flipped.sum())) % 3
print(f"{len(y_train)} training points, {flipped.sum()} of them with a wrong label")


def wide_mlp(dropout, seed=0, width=256):
    rng = np.random.default_rng(seed)
    layers = [Dense(2, width, rng=rng), ReLU()]
    layers += [Dropout(dropout, rng=rng)] if dropout else []
    layers += [Dense(width, width, rng=rng), ReLU()]
    layers += [Dropout(dropout, rng=rng)] if dropout else []
    layers += [Dense(width, 3, rng=rng)]
    return Sequential(*layers)


def train(model, lam, epochs=100, seed=0):
    """Mini-batch Adam on cross-entropy + (lam / 2) * sum(W^2); returns per-epoch curves."""
    loss_fn, optimizer = SoftmaxCrossEntropy(), Adam(model.parameters(), lr=0.01)
    weights, rng = weight_parameters(model), np.random.default_rng(seed)
    curves = {"train loss": [], "val loss": [], "train acc": [], "val acc": []}
    for _ in range(epochs):
        model.train()
        for xb, yb in batches(X_train, y_train, 32, rng):
            optimizer.zero_grad()
            loss_fn(model(xb), yb)  # the data loss; the penalty's value is logged below
            model.backward(loss_fn.backward())
            add_l2_grad(weights, lam)
            optimizer.step()
        model.eval()
        for split, (Xs, ys) in {"train": (X_train, y_train), "val": (X_val, y_val)}.items():
            scores = model(Xs)
            curves[f"{split} loss"].append(loss_fn(scores, ys))
            curves[f"{split} acc"].append(accuracy(scores, ys))
    curves["penalty"] = l2_penalty(weights, lam)
    return curves


runs = {
    "no regularization": (wide_mlp(dropout=0.0), 0.0),
    "L2, lambda = 0.003": (wide_mlp(dropout=0.0), 0.003),
    "dropout, p = 0.3": (wide_mlp(dropout=0.3), 0.0),
}
curves = {name: train(model, lam) for name, (model, lam) in runs.items()}

for name, (model, _) in runs.items():
    model.eval()
    c = curves[name]
    print(
        f"{name:<20} train acc {c['train acc'][-1]:.3f} (noisy labels), "
        f"val loss min {min(c['val loss']):.3f} -> last {c['val loss'][-1]:.3f}, "
        f"test accuracy {accuracy(model(X_test), y_test):.3f}"
    )

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for i, (name, c) in enumerate(curves.items()):
    epochs = range(1, len(c["train loss"]) + 1)
    axes[0].plot(epochs, c["train loss"], "--", color=f"C{i}")
    axes[0].plot(epochs, c["val loss"], color=f"C{i}", label=name)
    axes[1].plot(epochs, c["train acc"], "--", color=f"C{i}")
    axes[1].plot(epochs, c["val acc"], color=f"C{i}", label=name)
axes[0].set_title("cross-entropy (dashed: training, solid: validation)")
axes[1].set_title("accuracy (dashed: training, solid: validation)")
for ax in axes:
    ax.set_xlabel("epoch")
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
grid = np.stack(np.meshgrid(np.linspace(-1.1, 1.1, 150), np.linspace(-1.1, 1.1, 150)), -1)
fig, axes = plt.subplots(1, 3, figsize=(12, 4))
for ax, (name, (model, _)) in zip(axes, runs.items()):
    model.eval()
    regions = model(grid.reshape(-1, 2)).argmax(axis=1).reshape(grid.shape[:2])
    ax.contourf(grid[..., 0], grid[..., 1], regions, levels=[-0.5, 0.5, 1.5, 2.5], alpha=0.3)
    ax.scatter(*X_train[~flipped].T, c=y_train[~flipped], s=12, vmin=0, vmax=2)
    ax.scatter(*X_train[flipped].T, c=y_train[flipped], s=30, marker="x", vmin=0, vmax=2)
    ax.set_title(name)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("decision regions; crosses are the training points with a wrong label")
fig.tight_layout()
plt.show()

# %% [markdown]
# Without regularization the training loss keeps falling while the validation loss, after a
# minimum early on, climbs again: the network spends its capacity on the wrong labels, carving
# small regions around the crosses, and grows ever more confident in them. Both regularizers
# keep the validation loss near its minimum for these 100 epochs and the decision regions
# smoother, and both reach a clearly higher test accuracy (printed above). Note that the
# "training" curves are measured in eval mode, without dropout, on the noisy labels: a
# regularized network that refuses to learn the wrong labels has a *lower* training accuracy.
#
# **Longer runs.** Run the same cells with `epochs=300` (about three times as long) and the
# picture sharpens, and one nuance appears. The unregularized network memorizes more wrong labels
# (training accuracy 0.89), its validation loss climbs to 1.43 and its test accuracy falls to
# 0.78. With L2 the network reaches an equilibrium between the data gradient and the decay:
# validation loss 0.45 and test accuracy 0.95 after 300 epochs (0.93 after 100). Dropout with
# $p = 0.3$ only *slows* memorization: after 300 epochs its validation loss has risen to 0.95
# and its test accuracy fallen to 0.84 ($p = 0.5$: 0.90). Dropout is usually combined with early
# stopping, keeping the weights of the epoch with the lowest validation loss.
