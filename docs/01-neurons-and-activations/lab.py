# %% [markdown]
# # Lab: neurons and activation functions
#
# Short experiments with the functions of this chapter, all computed with `nnfs`:
#
# 1. each activation with its derivative, and the numerical derivative on top of it;
# 2. how softmax shares probability among three classes, and what temperature does;
# 3. how the error of a numerical derivative depends on the step size, in float64 and
#    float32;
# 4. the gradient that survives a chain of sigmoid, tanh or ReLU units;
# 5. what a single neuron computes in the plane: its decision boundary, the effect of
#    scaling its weights, and the AND and XOR gates.

# %%
import matplotlib.pyplot as plt
import numpy as np

from nnfs import Neuron
from nnfs import functional as F

# %% [markdown]
# ## 1. Activations and their derivatives
#
# Solid lines are the functions, dashed lines the derivatives derived on the
# [derivatives](../derivatives/) page, and the dots are central differences (f(x + h) −
# f(x − h)) / 2h with h = 1e-6, computed independently of the formulas. The leaky ReLU
# uses a slope of 0.1 instead of the default 0.01 so that its negative side is visible.
# The fifth panel is softmax over the logits (z, 1, 0): the probability of class 0 and
# two entries of the Jacobian-vector product with v = (1, 0, 0), which are ∂s₀/∂z and
# ∂s₁/∂z. The last panel puts the four derivatives on one axis.

# %%
x = np.linspace(-5, 5, 401)
x_dots = np.linspace(-4.75, 4.75, 20)  # skips x = 0, the ReLU kink
h = 1e-6
activations = {
    "sigmoid": (F.sigmoid, F.sigmoid_grad),
    "tanh": (F.tanh, F.tanh_grad),
    "ReLU": (F.relu, F.relu_grad),
    "leaky ReLU (alpha = 0.1)": (
        lambda v: F.leaky_relu(v, 0.1),
        lambda v: F.leaky_relu_grad(v, 0.1),
    ),
}


def softmax_of_z(z):
    """Softmax of the logits (z, 1, 0) for every z: (len(z), 3)."""
    return F.softmax(np.stack([z, np.ones_like(z), np.zeros_like(z)], axis=-1))


errors = {}
fig, axes = plt.subplots(2, 3, figsize=(13, 7))
for ax, (name, (f, f_grad)) in zip(axes.flat, activations.items()):
    numeric = (f(x_dots + h) - f(x_dots - h)) / (2 * h)
    errors[name] = np.max(np.abs(f_grad(x_dots) - numeric))
    ax.plot(x, f(x), label="f(x)")
    ax.plot(x, f_grad(x), "--", label="f'(x), derived")
    ax.plot(x_dots, numeric, "o", ms=4, label="f'(x), central difference")
    ax.set_ylim(-1.2, 1.6 if name != "ReLU" else 2.5)
    ax.set_title(name)

ax = axes[1, 1]
e0 = np.array([1.0, 0.0, 0.0])  # the direction v: move the first logit only
s, s_dots = softmax_of_z(x), softmax_of_z(x_dots)
jvp = F.softmax_backward(s, np.broadcast_to(e0, s.shape))  # J v, row by row
jvp_dots = F.softmax_backward(s_dots, np.broadcast_to(e0, s_dots.shape))
numeric = (softmax_of_z(x_dots + h) - softmax_of_z(x_dots - h)) / (2 * h)
errors["softmax"] = np.max(np.abs(jvp_dots - numeric))
ax.plot(x, s[:, 0], label="s₀")
ax.plot(x, jvp[:, 0], "--", label="∂s₀/∂z")
ax.plot(x, jvp[:, 1], ":", color="C3", label="∂s₁/∂z")
ax.plot(x_dots, numeric[:, 0], "o", ms=4, color="C2")
ax.plot(x_dots, numeric[:, 1], "o", ms=4, color="C2")
ax.set(title="softmax of (z, 1, 0)", ylim=(-0.4, 1.1))
ax.legend(loc="upper left", fontsize=8)

ax = axes[1, 2]
for name, (_, f_grad) in activations.items():
    ax.plot(x, f_grad(x), label=name.split(" (")[0])
ax.axhline(0.25, color="k", ls=":", lw=1, label="0.25, the sigmoid's maximum")
ax.set(title="the derivatives together", ylim=(-0.05, 1.15))
ax.legend(loc="center left", fontsize=8)

for ax in axes.flat:
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(0, color="gray", lw=0.5)
axes[0, 0].legend(loc="upper left", fontsize=8)
for ax in axes[1]:
    ax.set_xlabel("x (pre-activation)")
fig.tight_layout()
plt.show()
for name, error in errors.items():
    print(f"{name:<26} max |derived - numerical| = {error:.1e}")

# %% [markdown]
# The dots sit on the dashed curves, and the printed differences are all below 1e-9: the
# derivations are right. The plot also shows the difference that matters for training:
# the sigmoid's derivative never exceeds 0.25 and, like tanh's, is below 0.02 beyond
# |x| = 4, while the ReLUs keep a slope of exactly 1 for every positive input. Softmax's
# derivative is the sigmoid's shape again on the diagonal, ∂s₀/∂z = s₀(1 − s₀), and
# negative off it: raising z takes probability from class 1.

# %%
assert max(errors.values()) < 1e-9
far = np.abs(x) > 4
assert F.sigmoid_grad(x).max() == 0.25 and F.sigmoid_grad(x[far]).max() < 0.02
assert F.tanh_grad(x[far]).max() < 0.02 and np.all(F.relu_grad(x[x > 0]) == 1)
assert np.allclose(jvp[:, 0], s[:, 0] * (1 - s[:, 0])) and np.all(jvp[:, 1] < 0)

# %% [markdown]
# ## 2. Softmax over three classes
#
# Three logits (z, 1, 0): we move the first one from −6 to 6 and plot the three
# probabilities, stacked, so that each vertical slice adds up to 1. Dividing the logits
# by a temperature T flattens (T > 1) or sharpens (T < 1) the distribution.

# %%
z = np.linspace(-6, 6, 241)
logits = np.stack([z, np.ones_like(z), np.zeros_like(z)], axis=1)  # (241, 3)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.5), sharey=True)
labels = ["class 0 (logit z)", "class 1 (logit 1)", "class 2 (logit 0)"]
top = {}
for ax, T in zip(axes, (0.3, 1.0, 3.0)):
    probs = F.softmax(logits / T)  # each row sums to 1
    top[T] = probs[-1, 0]  # class 0 at z = 6
    ax.stackplot(z, probs.T, labels=labels)
    ax.set_title(f"T = {T}")
    ax.set_xlabel("z")
axes[0].set_ylabel("probability")
axes[0].legend(loc="center left", fontsize=8)
fig.tight_layout()
plt.show()
row_error = np.abs(F.softmax(logits).sum(axis=1) - 1).max()
print("largest deviation of a row sum from 1:", row_error)
print(
    "probability of class 0 at z = 6:", {T: round(float(p), 3) for T, p in top.items()}
)

# %% [markdown]
# Class 0 takes over as its logit passes the others; the crossover with class 1 is at
# z = 1 for every temperature (softmax preserves order), but at T = 0.3 the switch is
# almost a step, and at T = 3 it is gradual: even at z = 6, five units above the next
# logit, class 0 gets only 0.755 of the probability, against 0.991 at T = 1.

# %%
at_one = F.softmax(np.array([1.0, 1.0, 0.0]) / np.array([[0.3], [1.0], [3.0]]))
assert np.allclose(at_one[:, 0], at_one[:, 1]) and row_error < 1e-15
assert (
    abs(top[3.0] - 0.755) < 5e-4 and abs(top[1.0] - 0.991) < 5e-4 and top[0.3] > 0.9999
)

# %% [markdown]
# ## 3. How small should the step of a numerical derivative be?
#
# The central-difference error for tanh at x = 0.5, as a function of the step h. The
# dotted lines are the two error terms from the [activation
# layers](../activation-layers/) page: truncation, h² |f'''| / 6, and rounding, ε |f| /
# h, with ε the machine epsilon of each dtype.

# %%
steps = np.logspace(-12, -0.5, 60)
exact = F.tanh_grad(np.array(0.5))
best, at_default, at_tiny = {}, {}, {}
fig, ax = plt.subplots(figsize=(7, 4.5))
for dtype, color in ((np.float64, "C0"), (np.float32, "C3")):
    x0 = np.array(0.5, dtype=dtype)
    step_errors = []
    for step in steps:
        s = dtype(step)
        estimate = float((F.tanh(x0 + s) - F.tanh(x0 - s)) / (2 * s))
        step_errors.append(abs(estimate - exact))
    step_errors = np.array(step_errors)
    name = np.dtype(dtype).name
    best[name] = (steps[np.argmin(step_errors)], step_errors.min())
    at_default[name] = step_errors[np.argmin(np.abs(steps - 1e-6))] / exact  # relative
    at_tiny[name] = step_errors[0] / exact  # h = 1e-12
    shown = np.maximum(step_errors, 1e-17)  # an error of exactly 0 has no log
    ax.loglog(steps, shown, "o-", ms=3, color=color, label=name)
    eps = np.finfo(dtype).eps
    ax.loglog(steps, eps * abs(np.tanh(0.5)) / steps, ":", color=color)
    print(
        f"{name}: smallest error {best[name][1]:.1e} at h = {best[name][0]:.0e}, "
        f"relative error {at_default[name]:.1e} at h = 1e-6"
    )
third_derivative = abs(-2 * (1 - np.tanh(0.5) ** 2) * (1 - 3 * np.tanh(0.5) ** 2))
ax.loglog(steps, steps**2 * third_derivative / 6, "k:", label="h² |f'''| / 6")
ax.set_xlabel("step h")
ax.set_ylabel("|numerical − exact derivative|")
ax.set_ylim(1e-17, 10)
ax.legend()
plt.show()

# %% [markdown]
# Coming from the right, both curves follow the h² line until rounding error, which
# grows like 1/h, takes over; where they turn is where the two dotted lines cross.
# Float64 turns near h ≈ 4e-6 and float32 near h ≈ 4e-3, at an error about six orders of
# magnitude larger (printed above). At h = 1e-6, the package's default step, float32 is
# off by more than 1%, which is why every gradient check in this book runs in float64.
# For tiny h in float32, x + h and x − h round to the same number and the estimate is 0:
# an error of 100%.

# %%
assert 2e-6 < best["float64"][0] < 8e-6 and 2e-3 < best["float32"][0] < 8e-3
assert 10**5.5 < best["float32"][1] / best["float64"][1] < 10**6.5
assert at_default["float32"] > 0.01 and at_default["float64"] < 1e-9
assert at_tiny["float32"] == 1.0

# %% [markdown]
# ## 4. The gradient through a chain of units
#
# A chain of one-input units, each computing y = f(y_previous) and starting from 0.5. By
# the chain rule, the derivative of the last output with respect to the first input is
# the product of the local slopes f'(·) along the way. We plot its size against the
# length of the chain.

# %%
depths = np.arange(1, 31)
chains = {}
fig, ax = plt.subplots(figsize=(7, 4.5))
for name, f, f_grad in (
    ("sigmoid", F.sigmoid, F.sigmoid_grad),
    ("tanh", F.tanh, F.tanh_grad),
    ("ReLU", F.relu, F.relu_grad),
):
    value, derivative, history = np.array(0.5), 1.0, []
    for _ in depths:
        derivative *= float(f_grad(value))
        value = f(value)
        history.append(derivative)
    chains[name] = np.array(history)
    ax.semilogy(depths, history, "o-", ms=3, label=name)
    print(f"{name:<8} after 10 units: {history[9]:.1e}, after 30: {history[-1]:.1e}")
ax.semilogy(depths, 0.25**depths, "k:", label="0.25^L (sigmoid's bound)")
ax.set_xlabel("number of units L")
ax.set_ylabel("d output / d input")
ax.legend()
plt.show()

# %% [markdown]
# Through sigmoids the derivative shrinks by a factor of at least 4 per unit, below
# 1e-6 after ten: the vanishing gradient. Tanh loses far less (its slope is 1 at 0, and
# this chain drifts toward 0), and ReLU passes the gradient unchanged. Real networks
# also multiply by weight matrices; the [derivatives](../derivatives/) page measures a
# ten-layer network, and chapter 6 takes the weights into account when choosing the
# initial values.

# %%
per_unit = chains["sigmoid"][1:] / chains["sigmoid"][:-1]
assert np.all(per_unit <= 0.25) and chains["sigmoid"][9] < 1e-6
assert chains["tanh"][9] > 1e3 * chains["sigmoid"][9] and np.all(chains["ReLU"] == 1)

# %% [markdown]
# ## 5. A neuron in the plane
#
# A sigmoid neuron with w = (1, −2), b = 1. The colour is its output over the plane; the
# black line is the decision boundary w · x + b = 0, where the output is exactly 0.5,
# and the arrow, drawn from the boundary point closest to the origin, points along w,
# which is perpendicular to the line (it is drawn with the same length in both panels).
# On the right the same neuron with w and b multiplied by 4: the same line, a much
# sharper transition.

# %%
grid = np.linspace(-3, 3, 201)
G1, G2 = np.meshgrid(grid, grid)
points = np.column_stack([G1.ravel(), G2.ravel()])  # (201 * 201, 2)
w, b = np.array([1.0, -2.0]), 1.0
unit = w / np.linalg.norm(w)
foot = -b * w / (w @ w)  # the point of the boundary closest to the origin

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
across = {}
for ax, scale in zip(axes, (1, 4)):
    neuron = Neuron(scale * w, scale * b, activation="sigmoid")
    out = neuron(points).reshape(G1.shape)
    image = ax.contourf(G1, G2, out, levels=np.linspace(0, 1, 21), cmap="RdBu_r")
    ax.contour(G1, G2, out, levels=[0.5], colors="k")
    arrow = {"arrowstyle": "->", "lw": 2}
    ax.annotate("", xy=foot + 1.5 * unit, xytext=foot, arrowprops=arrow)
    ax.set_title(f"weights and bias × {scale}")
    ax.set_xlabel("x1")
    ax.set_aspect("equal")
    # the output half a unit away from the line, on either side
    across[scale] = neuron(np.array([foot - 0.5 * unit, foot, foot + 0.5 * unit]))
axes[0].set_ylabel("x2")
fig.colorbar(image, ax=axes, label="neuron output")
plt.show()
for scale, values in across.items():
    shown = np.round(values, 3)
    print(f"× {scale}: output at distances -0.5, 0, +0.5 from the line: {shown}")

# %% [markdown]
# Half a unit from the line the original neuron outputs 0.246 and 0.754; the scaled
# one 0.011 and 0.989: scaling w and b keeps the line and the direction of w and
# sharpens the transition. The output grows in the direction the arrow points.

# %%
for values in across.values():
    assert values[0] < 0.5 < values[2] and abs(values[1] - 0.5) < 1e-12
assert np.allclose(across[1][[0, 2]], [0.246, 0.754], atol=5e-4)
assert np.allclose(across[4][[0, 2]], [0.011, 0.989], atol=5e-4)

# %% [markdown]
# Finally the gates from the [neuron](../neuron/) page. AND is one neuron, w = (20, 20),
# b = −30, and its boundary separates (1, 1) from the other three corners. For XOR, the
# two classes sit on opposite diagonals of the square: no straight line puts both 1s on
# one side and both 0s on the other, so no single neuron computes it.

# %%
corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
and_gate = Neuron(np.array([20.0, 20.0]), -30.0)
print("AND outputs:", np.round(and_gate(corners), 4))

fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
line = np.linspace(-0.5, 1.5, 2)
for ax, (title, labels) in zip(axes, (("AND", [0, 0, 0, 1]), ("XOR", [0, 1, 1, 0]))):
    labels = np.array(labels)
    for label, marker in ((0, "o"), (1, "s")):
        chosen = corners[labels == label]
        ax.scatter(
            chosen[:, 0], chosen[:, 1], s=120, marker=marker, label=f"output {label}"
        )
    ax.set_title(title)
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.5, 1.5)
    ax.set_aspect("equal")
    ax.set_xlabel("x1")
axes[0].plot(line, 1.5 - line, "k-", label="20 x1 + 20 x2 − 30 = 0")
axes[0].set_ylabel("x2")
axes[0].legend(loc="lower left", fontsize=8)
axes[1].text(0.5, 0.5, "no line\nseparates\nthese", ha="center", va="center")
fig.tight_layout()
plt.show()

# %% [markdown]
# The AND neuron's outputs (printed above) are below 0.0001 on the three corners with a
# 0 and above 0.9999 on (1, 1).

# %%
outputs = and_gate(corners)
assert np.all(outputs[:3] < 1e-4) and outputs[3] > 1 - 1e-4
