# %% [markdown]
# # Lab: four optimizers on two valleys
#
# We run plain gradient descent, momentum, RMSProp and Adam from the same starting point on two
# functions of two variables and watch them move: an ill-conditioned quadratic bowl (curvatures
# 1 and 25) and Rosenbrock's curved valley. Then we sweep the learning rate of gradient descent
# across its stability limit $2/\lambda_{\max}$, and finally train a linear model with mini-batches
# of different sizes to see what the noise of SGD looks like.
#
# Every optimizer here is the class from `nnfs.optim` that trains networks in later chapters;
# `minimize` wraps the 2-D point in a `Parameter` and calls `step()` with the gradient of the
# function.

# %%
import matplotlib.pyplot as plt
import numpy as np

from nnfs import Dense
from nnfs.datasets import make_linear
from nnfs.losses import MSE
from nnfs.optim import SGD, Adam, Momentum, RMSProp, minimize
from nnfs.training import fit

# %% [markdown]
# ## The two test functions
#
# The quadratic $f(x, y) = \tfrac12 (x^2 + 25 y^2)$ has condition number $\kappa = 25$: plain
# gradient descent must keep $\eta < 2/25 = 0.08$. Rosenbrock's function
# $f(x, y) = (1 - x)^2 + 100 (y - x^2)^2$ has its minimum $f = 0$ at $(1, 1)$, at the end of a
# long curved valley whose floor is almost flat.

# %%
CURVATURE = np.array([1.0, 25.0])


def quadratic(p):
    return 0.5 * (CURVATURE[0] * p[..., 0] ** 2 + CURVATURE[1] * p[..., 1] ** 2)


def quadratic_grad(p):
    return CURVATURE * p


def rosenbrock(p):
    x, y = p[..., 0], p[..., 1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosenbrock_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


COLORS = {"gradient descent": "C0", "momentum": "C1", "RMSProp": "C2", "Adam": "C3"}
PROBLEMS = {
    "quadratic": dict(
        f=quadratic,
        grad=quadratic_grad,
        start=[-4.0, 1.5],
        steps=100,
        settings={
            "gradient descent": (SGD, {"lr": 0.075}),
            "momentum": (Momentum, {"lr": 0.02, "beta": 0.8}),
            "RMSProp": (RMSProp, {"lr": 0.05}),
            "Adam": (Adam, {"lr": 0.3}),
        },
        box=((-4.5, 4.5), (-2.0, 2.0)),
    ),
    "Rosenbrock": dict(
        f=rosenbrock,
        grad=rosenbrock_grad,
        start=[-1.5, 2.0],
        steps=3000,
        settings={
            "gradient descent": (SGD, {"lr": 1e-3}),
            "momentum": (Momentum, {"lr": 2e-4, "beta": 0.9}),
            "RMSProp": (RMSProp, {"lr": 3e-3}),
            "Adam": (Adam, {"lr": 0.02}),
        },
        box=((-2.0, 2.0), (-1.0, 3.0)),
    ),
}

paths = {
    problem: {
        name: minimize(spec["grad"], spec["start"], cls, steps=spec["steps"], **kwargs)
        for name, (cls, kwargs) in spec["settings"].items()
    }
    for problem, spec in PROBLEMS.items()
}
for problem, runs in paths.items():
    f = PROBLEMS[problem]["f"]
    print(problem)
    for name, path in runs.items():
        print(f"  {name:17s} final f = {f(path[-1]):.1e}  at {np.round(path[-1], 3)}")

# %% [markdown]
# ## Trajectories on the contour plots

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 5))
for ax, (problem, spec) in zip(axes, PROBLEMS.items(), strict=True):
    (x_lo, x_hi), (y_lo, y_hi) = spec["box"]
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, 300), np.linspace(y_lo, y_hi, 300))
    values = spec["f"](np.stack([gx, gy], axis=-1))
    levels = np.logspace(-2, np.log10(values.max()), 20)
    ax.contour(gx, gy, values, levels=levels, colors="0.75", linewidths=0.7)
    # Thicker lines first, so that paths that share the valley floor stay visible.
    for width, (name, path) in zip([5, 3.5, 2, 1], paths[problem].items(), strict=True):
        ax.plot(path[:, 0], path[:, 1], "-", color=COLORS[name], lw=width, alpha=0.8, label=name)
        ax.plot(*path[-1], "o", color=COLORS[name], ms=8, mec="k")
    minimum = (0.0, 0.0) if problem == "quadratic" else (1.0, 1.0)
    ax.plot(*spec["start"], "ko", ms=5)
    ax.plot(*minimum, "k*", ms=12)
    ax.set(xlim=(x_lo, x_hi), ylim=(y_lo, y_hi), title=f"{problem}, {spec['steps']} steps")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
axes[0].legend(loc="lower right")
plt.tight_layout()
plt.show()

# %% [markdown]
# On the quadratic, gradient descent at $\eta = 0.075$ (just below the limit 0.08) zig-zags across
# the steep $y$ direction, whose factor per step is $1 - 0.075 \cdot 25 = -0.875$, while it
# creeps along $x$. Momentum overshoots and swings back, but moves along the valley much faster.
# RMSProp moves both coordinates at the same pace (its steps have about the same length in $x$
# and $y$), so it first heads diagonally, and Adam adds momentum to that, overshooting the
# minimum and spiralling in. On Rosenbrock all four find the valley floor within a few hundred
# steps; what separates them is the long walk along the nearly flat, curved floor to $(1, 1)$.

# %% [markdown]
# ## Loss curves

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for ax, (problem, spec) in zip(axes, PROBLEMS.items(), strict=True):
    for name, path in paths[problem].items():
        ax.semilogy(spec["f"](path), color=COLORS[name], label=name)
    ax.set(title=problem, xlabel="step", ylabel="f (log scale)")
axes[0].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# A straight line on a log scale is geometric convergence, as the analysis of the quadratic
# predicts, and its slope is the rate; momentum and Adam trace waves because they overshoot and
# come back. On Rosenbrock every curve drops quickly to the valley floor and then bends: the walk
# along the flat, curved floor is what takes the time. Adam keeps descending at a steady rate and
# ends at the minimum up to rounding (the final values are printed above), while the three
# others are still on their way after 3000 steps. The circles on the contour plots mark where
# each run stopped.

# %% [markdown]
# ## The stability limit of gradient descent
#
# Final value of the quadratic after 100 steps of gradient descent, for learning rates on both
# sides of $2/\lambda_{\max} = 0.08$.

# %%
rates = np.linspace(0.005, 0.0845, 60)
final = [quadratic(minimize(quadratic_grad, [-4.0, 1.5], SGD, steps=100, lr=lr)[-1]) for lr in rates]
best = 2 / (CURVATURE.min() + CURVATURE.max())

fig, ax = plt.subplots(figsize=(7, 4))
ax.semilogy(rates, final, ".-")
ax.axvline(2 / CURVATURE.max(), color="C3", ls="--", label=r"$2/\lambda_{\max} = 0.08$")
ax.axvline(best, color="C2", ls=":", label=rf"$\eta^* = 2/(\lambda_{{\min}}+\lambda_{{\max}}) = {best:.3f}$")
ax.set(xlabel="learning rate", ylabel="f after 100 steps", title="gradient descent on the quadratic")
ax.legend()
plt.show()

# %% [markdown]
# Below the limit, larger is better for a while, because the flat direction (curvature 1)
# decides the speed. The best value $\eta^\ast \approx 0.077$ balances the two directions; past
# it the steep direction oscillates with a factor close to $-1$, and at 0.08 it stops shrinking
# altogether. Just above, $f$ grows geometrically.

# %% [markdown]
# ## Mini-batch noise
#
# Linear regression on 200 points, trained for 20 epochs with SGD at the same learning rate
# $\eta = 0.05$, with batches of 1, 10 and 200 examples (the last is full-batch gradient
# descent). One epoch is one pass over the data: 200, 20 or 1 steps.

# %%
X, y, w_true, b_true = make_linear(n=200, seed=0)
losses = {}
for batch_size in (1, 10, 200):
    model = Dense(2, 1, init="zeros")
    history = fit(
        model,
        MSE(),
        SGD(model.parameters(), lr=0.05),
        X,
        y,
        epochs=20,
        batch_size=batch_size,
        rng=np.random.default_rng(0),
        metrics={},
    )
    losses[batch_size] = history["loss"]
    print(
        f"B={batch_size:3d}: final training loss {history['loss'][-1]:.4f}, "
        f"w = {np.round(model.W.data[:, 0], 3)}, b = {model.b.data[0]:.3f}"
    )

fig, ax = plt.subplots(figsize=(7, 4))
for batch_size, values in losses.items():
    ax.semilogy(np.arange(1, 21), values, "o-", ms=3, label=f"batch size {batch_size}")
ax.axhline(0.01, color="0.5", ls=":", label="noise level of the data (0.1²)")
ax.set(xlabel="epoch", ylabel="mean training loss in the epoch", title="SGD on linear regression")
ax.legend(loc="center")
plt.show()

# %% [markdown]
# Per epoch, the smallest batches make the fastest progress, because they take 200 steps where
# full-batch gradient descent takes one. They cannot go below the noise in the data (the points
# were generated with noise of standard deviation 0.1, so the best possible MSE is about 0.01),
# and with a constant learning rate the batch-of-1 run keeps jittering around the minimum, a
# little above the others. Full-batch gradient descent, with one step per epoch, is still far
# from the answer after 20 epochs; running it for 300 epochs (300 steps) brings it to the same
# loss.
