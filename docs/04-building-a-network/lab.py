# %% [markdown]
# # Lab: a network on the spiral data
#
# Three interleaved spiral arms, one per class, 100 points each: a data set that no
# straight line can separate. We check the gradients of a small network on it against
# numerical derivatives, then train two models with the same loss and optimizer, a
# linear classifier (no hidden layer) and a network with one hidden layer of 64 ReLU
# units, and draw the regions of the plane that each assigns to each class.

# %%
import matplotlib.pyplot as plt
import numpy as np

from nnfs import NeuralNetwork, Tanh
from nnfs.datasets import make_spiral
from nnfs.gradcheck import check_module, numerical_gradient, rel_error
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.optim import Adam
from nnfs.training import accuracy

X, y = make_spiral(n_per_class=100, n_classes=3, noise=0.2, seed=0)
print("X", X.shape, X.dtype, " y", y.shape, " classes", np.bincount(y))

CMAP = plt.get_cmap("viridis", 3)
fig, ax = plt.subplots(figsize=(5, 5))
ax.scatter(X[:, 0], X[:, 1], c=y, cmap=CMAP, s=12, edgecolors="k", linewidths=0.3)
ax.set(title="the spiral data", xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
plt.show()

# %% [markdown]
# ## Checking the gradients first
#
# Before training anything, we compare the network's backward pass with central
# differences, in float64. `check_module` checks the network alone (its output
# contracted with a random array); the second check differentiates the actual training
# loss, network and softmax cross-entropy together. A tanh network keeps the check away
# from ReLU's kink. The third check breaks the network on purpose, with a `Tanh` whose
# backward forgets its derivative, to see what a bug looks like.

# %%
net = NeuralNetwork([2, 16, 3], ["tanh", None], seed=1)
for layer in net.layers[::2]:  # nonzero biases, so that they are really tested
    layer.b.data[...] = np.random.default_rng(2).standard_normal(layer.b.shape) * 0.1
X_small, y_small = X[::30].copy(), y[::30].copy()  # 10 points, contiguous

errors = check_module(net, X_small)
print("network alone:   ", {name: f"{err:.1e}" for name, err in errors.items()})

loss_fn = SoftmaxCrossEntropy()
net.zero_grad()
loss_fn(net(X_small), y_small)
net.backward(loss_fn.backward())


def loss_of(_):
    return loss_fn(net(X_small), y_small)


loss_errors = {
    name: rel_error(p.grad, numerical_gradient(loss_of, p.data))
    for name, p in net.named_parameters()
}
print("network and loss:", {name: f"{err:.1e}" for name, err in loss_errors.items()})
every = [*errors.values(), *loss_errors.values()]
print(f"all relative errors between {min(every):.1e} and {max(every):.1e}")


class ForgetfulTanh(Tanh):
    def backward(self, grad_out):
        return grad_out  # the bug: no multiplication by 1 - y^2


broken = NeuralNetwork([2, 16, 3], ["tanh", None], seed=1)
broken.layers[1] = ForgetfulTanh()
bug_errors = check_module(broken, X_small)
print("with the bug:    ", {name: f"{err:.1e}" for name, err in bug_errors.items()})

# %% [markdown]
# Relative errors of at most a few times $10^{-9}$ (the range is printed; its ends move
# with the CPU's rounding): the backward pass is right to nearly the precision that
# central differences can resolve. The forgotten derivative shows up as errors of about 0.15 to 0.2 in every
# gradient that passes through it, while the last layer's, which does not, stays
# correct.

# %%
assert max(every) < 3e-9
through = [bug_errors[n] for n in ("input0", "layers.0.W", "layers.0.b")]
assert 0.1 < min(through) and max(through) < 0.25
assert max(bug_errors[n] for n in ("layers.2.W", "layers.2.b")) < 1e-8

# %% [markdown]
# ## Training a linear model and a network
#
# Both models are trained on all 300 points for 1000 full-batch Adam steps, with the
# training loop of the network-class page. The network is trained from three seeds of
# its initial weights; the linear model's loss is convex, so its seed hardly matters.


# %%
def train(sizes, activations, lr, steps=1000, seed=0):
    model = NeuralNetwork(sizes, activations, seed=seed)
    optimizer, loss_fn = Adam(model.parameters(), lr=lr), SoftmaxCrossEntropy()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        losses.append(loss_fn(model(X), y))
        model.backward(loss_fn.backward())
        optimizer.step()
    return model, losses


models = {
    "linear: Dense(2, 3)": train([2, 3], [None], lr=0.05),
    "hidden layer: 2-64-3, ReLU": train([2, 64, 3], ["relu", None], lr=0.02),
}
final = {}
for name, (model, losses) in models.items():
    final[name] = (losses[-1], accuracy(model(X), y))
    print(f"{name:28s} final loss {final[name][0]:.3f}, accuracy {final[name][1]:.3f}")
other_seeds = [train([2, 64, 3], ["relu", None], lr=0.02, seed=s) for s in (1, 2)]
seed_acc = [final["hidden layer: 2-64-3, ReLU"][1]]
seed_acc += [accuracy(m(X), y) for m, _ in other_seeds]
seed_loss = [final["hidden layer: 2-64-3, ReLU"][0]] + [ls[-1] for _, ls in other_seeds]
print(
    f"network, seeds 0-2: accuracy {min(seed_acc):.3f} to {max(seed_acc):.3f}, "
    f"loss {min(seed_loss):.3f} to {max(seed_loss):.3f}"
)

fig, ax = plt.subplots(figsize=(7, 4))
for name, (_, losses) in models.items():
    ax.semilogy(losses, label=name)
ax.set(xlabel="Adam step", ylabel="softmax cross-entropy (log scale)")
ax.set_title("training loss")
ax.legend()
plt.show()

# %% [markdown]
# The linear model stalls at a loss near 0.73 with about half of the points right: the
# best it can do is cut the plane into three wedges. The network keeps going down, to
# more than 98% of the points right from each of the three seeds (the range is
# printed).

# %%
(linear_loss, linear_acc), (net_loss, net_acc) = final.values()
assert 0.70 < linear_loss < 0.76 and 0.45 < linear_acc < 0.6
assert min(seed_acc) > 0.98 and max(seed_loss) < 0.1

# %% [markdown]
# ## Decision regions
#
# Each point of a fine grid is coloured by the class with the highest score.

# %%
gx, gy = np.meshgrid(np.linspace(-1.2, 1.2, 300), np.linspace(-1.2, 1.2, 300))
grid = np.column_stack([gx.ravel(), gy.ravel()])  # (90000, 2)

fig, axes = plt.subplots(1, 2, figsize=(11, 5))
for ax, (name, (model, _)) in zip(axes, models.items(), strict=True):
    regions = model(grid).argmax(axis=1).reshape(gx.shape)
    ax.contourf(gx, gy, regions, levels=[-0.5, 0.5, 1.5, 2.5], cmap=CMAP, alpha=0.35)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=CMAP, s=12, edgecolors="k", linewidths=0.3)
    ax.set(title=f"{name}\naccuracy {accuracy(model(X), y):.2f}", aspect="equal")
plt.tight_layout()
plt.show()

# %% [markdown]
# The linear classifier's regions are convex wedges meeting at one point: whatever its
# weights, $\arg\max_c (x W + b)_c$ is decided by comparing linear functions. The hidden
# layer gives the network 64 ReLU units, each a bent plane, and their combination
# follows the arms of the spiral. This is training accuracy on the points the network
# has seen; chapter 5 holds out a test set to measure what a network has actually
# learned.
