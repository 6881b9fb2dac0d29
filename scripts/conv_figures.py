"""Draw the figures of the page "What a convolution computes" (chapter 7) as SVG files.

Every number in a figure is computed here with `nnfs.layers.conv.conv2d_direct`, so the figures
cannot disagree with the package. Text stays text in the SVG (`svg.fonttype = "none"`), which
keeps the files small and lets the tests read the numbers back.

    python scripts/conv_figures.py            # writes docs/07-convolutional-networks/figures/
    python scripts/conv_figures.py OUT_DIR    # writes elsewhere (the tests use this)
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from nnfs.layers.conv import conv2d_direct  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "07-convolutional-networks" / "figures"
ORANGE, BLUE, PAD = "#ffcc80", "#90caf9", "#d6d6d6"

# The examples, shared with the page's "Try it" blocks (which recompute them).
X = np.array([[0, 2, 2, 0], [0, 2, 2, 1], [1, 3, 2, 0], [0, 2, 3, 0]])  # (4, 4): a vertical stroke
K = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])  # (3, 3): left minus right
X5 = np.arange(25).reshape(5, 5) % 4  # (5, 5), for the stride figure
XC = np.array([[[1, 0, 2], [0, 1, 1], [2, 1, 0]], [[0, 1, 1], [1, 0, 2], [1, 1, 0]]])  # (2, 3, 3)
KC = np.array([[[1, 0], [0, 1]], [[0, -1], [1, 0]]])  # (2, 2, 2)
BIAS = 1
# Three kernels on the same input: the first is KC, the layer's output has three channels.
K3 = np.stack([KC, [[[0, 1], [1, 0]], [[1, 0], [0, 0]]], [[[1, 1], [0, 0]], [[0, 0], [-1, -1]]]])
B3 = np.array([BIAS, 0, -1])


def correlate(x: np.ndarray, k: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """One channel in, one kernel, no bias: (H, W) -> (H_out, W_out)."""
    return conv2d_direct(x[None, None], k[None, None], stride=stride, padding=padding)[0, 0]


def grid(ax, values, x0, y0, *, colors=None, label=None, fmt="{:d}"):
    """Draw `values` as a grid of unit squares with its top-left corner at (x0, y0)."""
    rows, cols = values.shape
    for r in range(rows):
        for c in range(cols):
            color = (colors or {}).get((r, c), "white")
            ax.add_patch(Rectangle((x0 + c, y0 - r - 1), 1, 1, fc=color, ec="#555", lw=0.8))
            text = "" if values[r, c] is None else fmt.format(values[r, c])
            ax.text(x0 + c + 0.5, y0 - r - 0.5, text, ha="center", va="center", fontsize=11)
    if label:
        ax.text(x0 + cols / 2, y0 + 0.35, label, ha="center", va="bottom", fontsize=10)


def window(ax, x0, y0, r, c, kh, kw, color):
    """A thick frame around the kh x kw window whose top-left cell is (r, c)."""
    ax.add_patch(Rectangle((x0 + c, y0 - r - kh), kw, kh, fill=False, ec=color, lw=2.5))


def symbol(ax, x, y, text):
    ax.text(x, y, text, ha="center", va="center", fontsize=24 if text == "⋆" else 18)


def new_figure(width, height, xlim, ylim):
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def cells(r, c, kh, kw):
    return {(r + i, c + j) for i in range(kh) for j in range(kw)}


def figure_correlation():
    y = correlate(X, K)
    fig, ax = new_figure(6.4, 2.4, (-0.2, 13.2), (-4.4, 1.2))
    grid(ax, X, 0, 0, colors=dict.fromkeys(cells(0, 1, 3, 3), ORANGE), label="input x (4×4)")
    window(ax, 0, 0, 0, 1, 3, 3, "#e65100")
    symbol(ax, 4.75, -2, "⋆")
    grid(ax, K, 5.5, -0.5, colors=dict.fromkeys(cells(0, 0, 3, 3), ORANGE), label="kernel K (3×3)")
    symbol(ax, 9.25, -2, "=")
    grid(ax, y, 10, -1, colors={(0, 1): ORANGE}, label="output y (2×2)")
    return fig, {"x": X, "K": K, "y": y}


def figure_padding():
    y = correlate(X, K, padding=1)
    padded = np.full((6, 6), None, dtype=object)
    padded[1:5, 1:5] = X
    colors = {(r, c): PAD for r in range(6) for c in range(6) if r in (0, 5) or c in (0, 5)}
    colors.update({rc: ORANGE for rc in cells(0, 0, 3, 3)})
    shown = np.where(padded == None, 0, padded)  # noqa: E711 (elementwise on an object array)
    fig, ax = new_figure(6.4, 2.9, (-0.2, 13.2), (-6.4, 1.2))
    grid(ax, shown, 0, 0, colors=colors, label="x padded with p = 1 (6×6)")
    window(ax, 0, 0, 0, 0, 3, 3, "#e65100")
    symbol(ax, 6.75, -3, "⋆")
    grid(ax, K, 7.5, -1.5, label="K (3×3)")
    symbol(ax, 11.1, -3, "=")
    grid(ax, y, 11.6, -1, colors={(0, 0): ORANGE}, label="y (4×4)")
    ax.set_xlim(-0.2, 16)
    return fig, {"x": X, "K": K, "y": y}


def figure_stride():
    y = correlate(X5, K, stride=2)
    colors = dict.fromkeys(cells(0, 0, 3, 3), ORANGE)
    colors.update(dict.fromkeys(cells(0, 2, 3, 3) - cells(0, 0, 3, 3), BLUE))
    fig, ax = new_figure(6.4, 2.7, (-0.2, 14.2), (-5.4, 1.2))
    grid(ax, X5, 0, 0, colors=colors, label="x (5×5), stride s = 2")
    window(ax, 0, 0, 0, 0, 3, 3, "#e65100")
    window(ax, 0, 0, 0, 2, 3, 3, "#1565c0")
    symbol(ax, 5.75, -2.5, "⋆")
    grid(ax, K, 6.5, -1, label="K (3×3)")
    symbol(ax, 10.25, -2.5, "=")
    grid(ax, y, 11, -1.5, colors={(0, 0): ORANGE, (0, 1): BLUE}, label="y (2×2)")
    return fig, {"x": X5, "K": K, "y": y}


def figure_channels():
    per_channel = [correlate(XC[c], KC[c]) for c in range(2)]
    y = conv2d_direct(XC[None], KC[None], np.array([BIAS]))[0, 0]
    fig, ax = new_figure(7.2, 3.6, (-0.2, 19.5), (-8.2, 1.4))
    for c, top in enumerate((0, -4.5)):
        grid(
            ax,
            XC[c],
            0,
            top,
            colors=dict.fromkeys(cells(0, 0, 2, 2), ORANGE),
            label=f"x, channel {c}",
        )
        symbol(ax, 3.75, top - 1.5, "⋆")
        grid(ax, KC[c], 4.5, top - 0.5, label=f"K, channel {c}")
        symbol(ax, 7.25, top - 1.5, "=")
        grid(ax, per_channel[c], 8, top - 0.5, colors={(0, 0): ORANGE})
    symbol(ax, 11, -3.7, "+")
    ax.text(11.9, -3.7, f"b = {BIAS}", ha="left", va="center", fontsize=11)
    symbol(ax, 14.6, -3.7, "=")
    grid(ax, y, 15.4, -2.7, colors={(0, 0): ORANGE}, label="y (one map)")
    return fig, {"x": XC, "K": KC, "y": y, "per_channel": np.stack(per_channel)}


def figure_output_channels():
    y = conv2d_direct(XC[None], K3, B3)[0]  # (3, 2, 2)
    fig, ax = new_figure(7.2, 4.6, (-0.2, 17.5), (-11.4, 1.4))
    for c, top in enumerate((-1.5, -6.0)):
        grid(ax, XC[c], 0, top, label=f"x, channel {c}")
    for o, top in enumerate((0, -4, -8)):
        grid(ax, K3[o, 0], 5, top - 0.5, label=f"K[{o}, 0]" if o == 0 else None)
        grid(ax, K3[o, 1], 7.5, top - 0.5, label=f"K[{o}, 1]" if o == 0 else None)
        ax.text(10.3, top - 1.5, f"b = {B3[o]}", ha="left", va="center", fontsize=10)
        symbol(ax, 13.2, top - 1.5, "→")
    symbol(ax, 4.0, -5.0, "⋆")
    for o, top in enumerate((0, -4, -8)):  # the outputs last, in channel order
        grid(ax, y[o], 14, top - 0.5, label=f"y, channel {o}")
    return fig, {"x": XC, "K": K3, "b": B3, "y": y}


def figure_receptive_field():
    fig, ax = new_figure(6.4, 2.6, (-0.2, 17.5), (-7.4, 1.2))
    input_colors = dict.fromkeys(cells(1, 1, 5, 5), BLUE)
    input_colors.update(dict.fromkeys(cells(2, 2, 3, 3), ORANGE))
    empty7, empty5, empty3 = (np.full((n, n), None, dtype=object) for n in (7, 5, 3))
    grid(ax, empty7, 0, 0, colors=input_colors, label="input (7×7)")
    symbol(ax, 7.9, -3.5, "→")
    grid(
        ax,
        empty5,
        8.8,
        -1,
        colors=dict.fromkeys(cells(1, 1, 3, 3), BLUE) | {(2, 2): ORANGE},
        label="layer 1 (5×5)",
    )
    symbol(ax, 14.5, -3.5, "→")
    grid(ax, empty3, 15.0, -2, colors={(1, 1): BLUE}, label="layer 2 (3×3)")
    ax.set_xlim(-0.2, 18.2)
    return fig, {"fields": [3, 5]}


FIGURES = {
    "correlation": figure_correlation,
    "padding": figure_padding,
    "stride": figure_stride,
    "channels": figure_channels,
    "output-channels": figure_output_channels,
    "receptive-field": figure_receptive_field,
}


def build(out: Path = OUT) -> dict[str, dict]:
    """Write every figure as `out/<name>.svg`; return the arrays each one shows."""
    out.mkdir(parents=True, exist_ok=True)
    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "nnfs", "font.size": 10})
    shown = {}
    for name, draw in FIGURES.items():
        fig, shown[name] = draw()
        fig.savefig(
            out / f"{name}.svg", bbox_inches="tight", pad_inches=0.05, metadata={"Date": None}
        )
        plt.close(fig)
    return shown


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    for name, arrays in build(target).items():
        print(name, {key: np.asarray(value).tolist() for key, value in arrays.items()})
