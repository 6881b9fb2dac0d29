# %% [markdown]
# # Lab: loss functions
#
# Experiments with the losses of this chapter, all computed with `nnfs.losses`:
#
# 1. MSE and binary cross-entropy as functions of the predicted probability;
# 2. their gradients with respect to the logit, behind a sigmoid;
# 3. one sigmoid neuron trained from a confidently wrong start, with BCE and with MSE;
# 4. the naive softmax against the stable one as the logits grow;
# 5. a separate softmax and cross-entropy against the fused `SoftmaxCrossEntropy` on a
#    confident mistake: the loss and the gradient each of them reports.

# %%
import matplotlib.pyplot as plt
import numpy as np

from nnfs import Sigmoid, Softmax
from nnfs import functional as F
from nnfs.losses import (
    MSE,
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    SoftmaxCrossEntropy,
)

# %% [markdown]
# ## 1. The losses as functions of the prediction
#
# For one prediction p and a target of 1 (left) or 0 (right): squared error (p − y)²,
# and binary cross-entropy, −log p or −log(1 − p). Each curve is computed by calling the
# loss object once per point.

# %%
p = np.linspace(0.001, 0.999, 500)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, target in zip(axes, (1.0, 0.0)):
    y = np.array([target])
    bce = np.array([BinaryCrossEntropy()(np.array([v]), y) for v in p])
    mse = np.array([MSE()(np.array([v]), y) for v in p])
    assert mse.max() <= 1 and bce.max() > 6.9  # -log(0.001) = 6.91 at the range's end
    ax.plot(p, bce, label="binary cross-entropy")
    ax.plot(p, mse, label="squared error")
    ax.set_title(f"target y = {target:g}")
    ax.set_xlabel("predicted probability p")
    ax.set_ylim(0, 5)
axes[0].set_ylabel("loss")
axes[0].legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Squared error never exceeds 1, however wrong a probability is; cross-entropy grows
# without bound as the probability of the correct answer goes to 0. A model that is
# confidently wrong pays for it. (The categorical cross-entropy of the correct class,
# −log p, is the left blue curve.)

# %% [markdown]
# ## 2. Gradients with respect to the logit
#
# In a network p = σ(z). We chain a `Sigmoid` layer and each loss, run `backward`, and
# plot the size of dL/dz for a target of 1 as the logit z goes from very wrong
# (negative) to very right. The losses average over their S elements, so we multiply by
# S to get the per-sample derivative.

# %%
z = np.linspace(-12, 12, 481)
y = np.ones_like(z)
fig, ax = plt.subplots(figsize=(7, 4))
sizes = {}
for loss in (BinaryCrossEntropy(), MSE()):
    sigmoid = Sigmoid()
    loss(sigmoid(z), y)
    grad = sigmoid.backward(loss.backward()) * z.size
    size = sizes[type(loss).__name__] = np.abs(grad)
    ax.semilogy(z, size, label=type(loss).__name__)
    at_minus_10 = size[np.argmin(abs(z + 10))]
    print(f"{type(loss).__name__:<18} |dL/dz| at z = -10: {at_minus_10:.1e}")
ax.set_xlabel("logit z (target 1)")
ax.set_ylabel("|dL/dz| per sample")
ax.legend()
plt.show()

# %%
bce_size, mse_size = sizes["BinaryCrossEntropy"], sizes["MSE"]
assert np.all(bce_size[z < -2] > 0.88) and np.all(np.diff(bce_size) < 0)
assert abs(z[np.argmax(mse_size)]) < 1 and mse_size[np.argmin(abs(z + 10))] < 1e-3

# %% [markdown]
# With cross-entropy the gradient is σ(z) − 1: close to 1 in size for every wrong
# answer, falling only as the answer becomes right. With squared error it carries the
# extra factor σ'(z), so it is largest near z = 0 and fades for confident mistakes,
# exactly where the model most needs to move.

# %% [markdown]
# ## 3. Learning from a confident mistake
#
# One sigmoid neuron, p = σ(w x + b), and 200 points on a line labelled 1 when x > 0. We
# start at w = −10, a neuron that is confidently wrong about almost every point, and run
# 300 steps of plain gradient descent (learning rate 1) with each loss. The gradient for
# w is the chain rule from the loss through the `Sigmoid` layer: dL/dw = Σ dL/dz · x.

# %%
rng = np.random.default_rng(0)
x = rng.standard_normal(200)
y = (x > 0).astype(float)

histories = {}
for name, loss_type in (("BCE", BinaryCrossEntropy), ("MSE", MSE)):
    w, b, weights, accuracies = -10.0, 0.0, [], []
    for _ in range(300):
        sigmoid, loss = Sigmoid(), loss_type()
        p = sigmoid(w * x + b)
        loss(p, y)
        dz = sigmoid.backward(loss.backward())  # dL/dz for every sample
        w -= 1.0 * np.sum(dz * x)
        b -= 1.0 * np.sum(dz)
        weights.append(w)
        accuracies.append(np.mean((p > 0.5) == y))
    histories[name] = (weights, accuracies)
    print(f"{name}: w after 300 steps = {w:6.2f}, accuracy = {accuracies[-1]:.3f}")

bce_weights, bce_accuracies = histories["BCE"]
first_positive = int(np.argmax(np.array(bce_weights) > 0))
print("BCE: w > 0 after", first_positive + 1, "steps")
assert first_positive < 20 and bce_accuracies[-1] == 1.0
assert histories["MSE"][1][-1] < 0.5  # more than half of the points still wrong

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for name, (weights, accuracies) in histories.items():
    axes[0].plot(weights, label=name)
    axes[1].plot(accuracies, label=name)
axes[0].axhline(0, color="gray", lw=0.5)
axes[0].set_ylabel("weight w")
axes[1].set_ylabel("training accuracy")
for ax in axes:
    ax.set_xlabel("gradient step")
    ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# With cross-entropy the weight swings from −10 to positive values within a few steps
# (the count is printed above) and the neuron classifies every point correctly. With
# squared error the saturated sigmoid lets almost no gradient through: the weight creeps
# up, and after 300 steps the neuron still gets more than half of the points wrong (the
# numbers are printed above). Same model, same data, same learning rate; only the loss
# differs.

# %% [markdown]
# ## 4. Naive and stable softmax on large logits
#
# The logits s · (1, 0.5, −1) for a growing scale s. The naive softmax exp(z) / Σ exp(z)
# overflows once the largest logit passes 709.78 (float64's limit for exp) and returns
# inf / inf = NaN. We compute it inside `np.errstate(over="ignore", invalid="ignore")`
# only so that the NaN can be printed and plotted; without that, NumPy would warn, and
# in this project's tests a warning is an error. The stable softmax subtracts the
# largest logit first.

# %%
base = np.array([1.0, 0.5, -1.0])
scales = np.logspace(0, 4, 200)


def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum()


with np.errstate(over="ignore", invalid="ignore"):
    naive = np.array([naive_softmax(s * base) for s in scales])
stable = np.array([F.softmax(s * base) for s in scales])

for s in (1.0, 100.0, 709.0, 710.0, 10_000.0):
    with np.errstate(over="ignore", invalid="ignore"):
        naive_row, stable_row = naive_softmax(s * base), F.softmax(s * base)
        print(f"scale {s:>7g}: naive {naive_row}, stable {stable_row}")

fig, ax = plt.subplots(figsize=(7, 4))
ax.semilogx(scales, stable[:, 0], lw=5, alpha=0.4, label="stable")
ax.semilogx(scales, naive[:, 0], "k-", label="naive (NaN is not drawn)")
ax.axvline(709.78, color="C3", ls=":", label="exp overflows")
ax.set_xlabel("scale s of the logits")
ax.set_ylabel("probability of class 0 (largest logit)")
ax.legend()
plt.show()
has_nan = np.isnan(naive).any(axis=1)
print("scales with a NaN from the naive softmax:", has_nan.sum(), "of", scales.size)
assert np.array_equal(has_nan, scales * base.max() > 709.78)
assert np.allclose(naive[~has_nan], stable[~has_nan], rtol=1e-12, atol=0)
assert np.all(np.isfinite(stable)) and np.allclose(stable[-1], [1, 0, 0])
with np.errstate(over="ignore", invalid="ignore"):
    assert np.isnan(naive_softmax(710 * base)).sum() == 1
    assert np.isnan(naive_softmax(10_000 * base)).sum() == 2

# %% [markdown]
# The two agree until the largest logit reaches about 710; from there on the naive curve
# simply stops, because every value is NaN, while the stable one stays at the correct
# limit, 1. The printed rows show the failure in detail: at s = 710 the naive version
# returns NaN for the top class, and at s = 10,000 for two of the three. The stable
# version is exact for logits of ±1e4.

# %% [markdown]
# ## 5. Separate or fused: what the loss and the gradient see
#
# Two classes, logits (g, 0), correct class 1: a mistake by a margin g. We compare a
# `Softmax` layer followed by `CategoricalCrossEntropy` (backward chained by hand) with
# the fused `SoftmaxCrossEntropy`, in float64. The exact loss is log(1 + e^g) ≈ g, and
# the exact gradient for the correct logit is −(1 − p₁) ≈ −1.

# %%
gaps = np.linspace(0, 60, 241)
results = {"separate": ([], []), "fused": ([], [])}
for g in gaps:
    z, labels = np.array([[g, 0.0]]), np.array([1])
    softmax, cce, fused = Softmax(), CategoricalCrossEntropy(), SoftmaxCrossEntropy()
    results["separate"][0].append(cce(softmax(z), labels))
    results["separate"][1].append(-softmax.backward(cce.backward())[0, 1])
    results["fused"][0].append(fused(z, labels))
    results["fused"][1].append(-fused.backward()[0, 1])

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for name, (losses, grads) in results.items():
    axes[0].plot(gaps, losses, label=name)
    axes[1].semilogy(gaps, np.maximum(grads, 1e-300), label=name)
axes[0].set_ylabel("reported loss")
axes[1].set_ylabel("|dL/dz| for the correct class")
for ax in axes:
    ax.set_xlabel("margin g of the mistake")
    ax.legend()
fig.tight_layout()
plt.show()
index = np.argmin(abs(gaps - 40))
separate_loss, separate_grad = map(np.array, results["separate"])
fused_loss, fused_grad = map(np.array, results["fused"])
print(
    f"g = 40: separate loss {separate_loss[index]:.2f}, gradient "
    f"{separate_grad[index]:.1e}; fused loss {fused_loss[index]:.2f}, "
    f"gradient {fused_grad[index]:.1e}"
)
below = gaps <= 27
assert np.allclose(separate_loss[below], fused_loss[below], rtol=1e-6)
assert np.isclose(separate_loss.max(), -np.log(1e-12))  # frozen at the clipping margin
assert separate_grad[index] < 1e-5 * fused_grad[index] and fused_grad[index] > 0.999

# %% [markdown]
# Up to a margin of about 27 both report the same. Beyond that, the probability of the
# correct class falls below the clipping margin 1e-12: the separate loss freezes at
# −log(1e-12) ≈ 27.6, and its gradient collapses by orders of magnitude, because the
# Jacobian of a saturated softmax is almost 0. The fused loss keeps growing with the
# mistake and keeps pushing with full strength.
