"""Data augmentation for image batches (N, C, H, W): shifts, crops, flips and small rotations.

Each function transforms the whole batch at once (one gather over precomputed indices, no
Python loop over the images), draws its random numbers from the `rng` it is given (the same
Generator state gives the same batch, bit for bit), and returns a new array of the input's
dtype. `image_transform` turns a list of them into the `transform=` argument of
`nnfs.training.fit`, which applies it to training batches only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnfs.checks import (
    check_choice,
    check_floating,
    check_int,
    check_int_pair,
    check_real,
    check_rng,
    check_shape,
)

PAD_MODES = ("constant", "edge", "reflect")


def _check_images(owner: str, x: np.ndarray) -> None:
    check_shape(owner, "x", x, (None, None, None, None))


def _offsets(owner: str, name: str, value: int | np.ndarray, n: int) -> np.ndarray:
    """An int, or one int per image, as an (N,) int64 array."""
    offsets = np.asarray(value)
    if not np.issubdtype(offsets.dtype, np.integer):
        raise TypeError(f"{owner}: {name} expected integers, got dtype {offsets.dtype}")
    if offsets.shape not in ((), (n,)):
        raise ValueError(f"{owner}: {name} expected an int or shape ({n},), got {offsets.shape}")
    return np.broadcast_to(offsets, (n,)).astype(np.int64)


def _pad(x: np.ndarray, pad_h: int, pad_w: int, mode: str, fill: float) -> np.ndarray:
    widths = ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w))
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=fill)
    return np.pad(x, widths, mode=mode)


# --8<-- [start:crop]
def crop(
    x: np.ndarray, top: int | np.ndarray, left: int | np.ndarray, size: int | tuple
) -> np.ndarray:
    """Cut an (h, w) window out of every image, each at its own corner.

    y[n] = x[n, :, top[n] : top[n] + h, left[n] : left[n] + w]

    Args:
        x: images (N, C, H, W).
        top: the window's first row, an int or (N,) ints in [0, H - h].
        left: the window's first column, an int or (N,) ints in [0, W - w].
        size: h, or (h, w).

    Returns:
        (N, C, h, w), the dtype of x.
    """
    _check_images("crop", x)
    n, _, height, width = x.shape
    h, w = check_int_pair("crop", "size", size)
    if h > height or w > width:
        raise ValueError(f"crop: size expected at most ({height}, {width}), got ({h}, {w})")
    top, left = _offsets("crop", "top", top, n), _offsets("crop", "left", left, n)
    for name, corner, limit in (("top", top, height - h), ("left", left, width - w)):
        if corner.size and (corner.min() < 0 or corner.max() > limit):
            raise ValueError(
                f"crop: {name} expected values in [0, {limit}], "
                f"got [{corner.min()}, {corner.max()}]"
            )
    # Every (h, w) window of every image, as a view: (N, C, H - h + 1, W - w + 1, h, w).
    windows = sliding_window_view(x, (h, w), axis=(2, 3))
    # One window per image; the advanced indices (N,) move to the front: (N, C, h, w).
    return windows[np.arange(n), :, top, left]


# --8<-- [end:crop]


# --8<-- [start:translate]
def translate(
    x: np.ndarray,
    dy: int | np.ndarray,
    dx: int | np.ndarray,
    *,
    mode: str = "constant",
    fill: float = 0.0,
) -> np.ndarray:
    """Shift every image by whole pixels: y[n, c, i, j] = x[n, c, i - dy[n], j - dx[n]].

    Positive dy moves the content down, positive dx moves it right. Pixels that come from
    outside the image are `fill` (mode "constant"), the nearest border pixel ("edge"), or the
    mirror image ("reflect").

    Args:
        x: images (N, C, H, W).
        dy: the shift down (negative: up), an int or (N,) ints.
        dx: the shift right (negative: left), an int or (N,) ints.
        mode: "constant", "edge" or "reflect".
        fill: the value of the new pixels in mode "constant".

    Returns:
        (N, C, H, W), the dtype of x.
    """
    _check_images("translate", x)
    check_choice("translate", "mode", mode, PAD_MODES)
    n, _, height, width = x.shape
    # A shift by H or more leaves nothing of the image; clipping keeps the padding small.
    dy = np.clip(_offsets("translate", "dy", dy, n), -height, height)
    dx = np.clip(_offsets("translate", "dx", dx, n), -width, width)
    pad_h = int(np.abs(dy).max(initial=0))
    pad_w = int(np.abs(dx).max(initial=0))
    if mode == "reflect" and (pad_h >= height or pad_w >= width):
        raise ValueError(
            f"translate: mode 'reflect' expected shifts below ({height}, {width}), "
            f"got up to ({pad_h}, {pad_w})"
        )
    padded = _pad(x, pad_h, pad_w, mode, fill)  # (N, C, H + 2 pad_h, W + 2 pad_w)
    # Output pixel i is padded pixel i + pad_h - dy, which is input pixel i - dy.
    return crop(padded, pad_h - dy, pad_w - dx, (height, width))


def random_shift(
    x: np.ndarray,
    max_shift: int,
    *,
    rng: np.random.Generator | None,
    mode: str = "constant",
    fill: float = 0.0,
) -> np.ndarray:
    """Shift each image by its own (dy, dx), each drawn uniformly from -max_shift..max_shift.

    Args:
        x: images (N, C, H, W).
        max_shift: the largest shift in pixels, 0 <= max_shift < min(H, W).
        rng: the Generator to draw the shifts from.
        mode: how to fill the uncovered pixels, as in `translate`.
        fill: the value of the new pixels in mode "constant".

    Returns:
        (N, C, H, W), the dtype of x.
    """
    _check_images("random_shift", x)
    rng = check_rng("random_shift", rng)
    max_shift = check_int("random_shift", "max_shift", max_shift, minimum=0)
    if max_shift >= min(x.shape[2:]):
        raise ValueError(
            f"random_shift: max_shift expected less than the image size {x.shape[2:]}, "
            f"got {max_shift}"
        )
    dy, dx = rng.integers(-max_shift, max_shift + 1, size=(2, len(x)))
    return translate(x, dy, dx, mode=mode, fill=fill)


# --8<-- [end:translate]


# --8<-- [start:random_crop]
def random_crop(
    x: np.ndarray,
    size: int | tuple[int, int],
    *,
    padding: int = 0,
    rng: np.random.Generator | None,
    mode: str = "constant",
    fill: float = 0.0,
) -> np.ndarray:
    """Pad every image by `padding` pixels, then cut an (h, w) window at a random position.

    With padding p and size (H, W), this is the CIFAR recipe (pad 4, crop 32): a random shift
    by -p..p in each direction. Each of the (H + 2p - h + 1)(W + 2p - w + 1) positions is
    equally likely.

    Args:
        x: images (N, C, H, W).
        size: h, or (h, w), at most the padded size.
        padding: pixels added on every side first.
        rng: the Generator to draw the positions from.
        mode: how the padding is filled, as in `translate`.
        fill: the value of the padding in mode "constant".

    Returns:
        (N, C, h, w), the dtype of x.
    """
    _check_images("random_crop", x)
    rng = check_rng("random_crop", rng)
    check_choice("random_crop", "mode", mode, PAD_MODES)
    padding = check_int("random_crop", "padding", padding, minimum=0)
    h, w = check_int_pair("random_crop", "size", size)
    padded = _pad(x, padding, padding, mode, fill) if padding else x
    height, width = padded.shape[2:]
    if h > height or w > width:
        raise ValueError(
            f"random_crop: size expected at most the padded size ({height}, {width}), "
            f"got ({h}, {w})"
        )
    top = rng.integers(0, height - h + 1, size=len(x))
    left = rng.integers(0, width - w + 1, size=len(x))
    return crop(padded, top, left, (h, w))


# --8<-- [end:random_crop]


# --8<-- [start:flip]
def random_horizontal_flip(
    x: np.ndarray, p: float = 0.5, *, rng: np.random.Generator | None
) -> np.ndarray:
    """Mirror each image left-right with probability p: y[n, c, i, j] = x[n, c, i, W - 1 - j].

    Use it only where a mirrored example is still an example of its class: photographs of
    animals or vehicles, yes; digits and letters, no (a mirrored 3 is not a 3).

    Args:
        x: images (N, C, H, W).
        p: the probability of flipping each image, in [0, 1].
        rng: the Generator to draw the coin flips from.

    Returns:
        (N, C, H, W), a new array of the dtype of x.
    """
    _check_images("random_horizontal_flip", x)
    rng = check_rng("random_horizontal_flip", rng)
    p = check_real("random_horizontal_flip", "p", p, 0.0, 1.0)
    flip = rng.random(len(x)) < p  # (N,)
    return np.where(flip[:, None, None, None], x[..., ::-1], x)


# --8<-- [end:flip]


# --8<-- [start:rotate]
def rotate(x: np.ndarray, degrees: float | np.ndarray, *, fill: float = 0.0) -> np.ndarray:
    """Rotate every image counter-clockwise about its centre, with bilinear interpolation.

    Output pixel (i, j), at (u, v) = (j - c_x, c_y - i) from the centre (c_y, c_x) =
    ((H - 1) / 2, (W - 1) / 2), takes the value of the input at the point rotated back by
    theta: (u cos theta + v sin theta, -u sin theta + v cos theta), interpolated between its
    four neighbouring pixels; points outside the image count as `fill`.

    Args:
        x: floating-point images (N, C, H, W).
        degrees: the angle theta, a number or (N,) numbers.
        fill: the value outside the image.

    Returns:
        (N, C, H, W), the dtype of x.
    """
    _check_images("rotate", x)
    check_floating("rotate", "x", x)
    n, _, height, width = x.shape
    degrees = np.asarray(degrees, dtype=np.float64)
    if degrees.shape not in ((), (n,)):
        raise ValueError(f"rotate: degrees expected a number or shape ({n},), got {degrees.shape}")
    theta = np.deg2rad(np.broadcast_to(degrees, (n,)))
    cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]  # (N, 1, 1)
    c_y, c_x = (height - 1) / 2, (width - 1) / 2
    v = c_y - np.arange(height, dtype=np.float64)[:, None]  # (H, 1), up is positive
    u = np.arange(width, dtype=np.float64)[None, :] - c_x  # (1, W)
    rows = c_y - (-u * sin + v * cos)  # (N, H, W): where each output pixel comes from
    cols = c_x + (u * cos + v * sin)
    return _bilinear(x, rows, cols, fill)


def _bilinear(x: np.ndarray, rows: np.ndarray, cols: np.ndarray, fill: float) -> np.ndarray:
    """Sample x (N, C, H, W) at real-valued (rows, cols) (N, H', W') -> (N, C, H', W')."""
    n, _, height, width = x.shape
    images = x.transpose(0, 2, 3, 1)  # (N, H, W, C): one gather fetches every channel
    r0, c0 = np.floor(rows), np.floor(cols)
    out = np.zeros((*rows.shape, x.shape[1]), dtype=x.dtype)  # (N, H', W', C)
    batch = np.arange(n)[:, None, None]
    for dr, dc in ((0, 0), (0, 1), (1, 0), (1, 1)):  # the four neighbours
        r, c = r0 + dr, c0 + dc
        weight = (1 - np.abs(rows - r)) * (1 - np.abs(cols - c))  # (N, H', W')
        inside = (r >= 0) & (r <= height - 1) & (c >= 0) & (c <= width - 1)
        ri = np.clip(r, 0, height - 1).astype(np.intp)
        ci = np.clip(c, 0, width - 1).astype(np.intp)
        values = np.where(inside[..., None], images[batch, ri, ci], x.dtype.type(fill))
        out += weight.astype(x.dtype)[..., None] * values
    return out.transpose(0, 3, 1, 2)  # (N, C, H', W')


def random_rotation(
    x: np.ndarray, max_degrees: float, *, rng: np.random.Generator | None, fill: float = 0.0
) -> np.ndarray:
    """Rotate each image by its own angle, drawn uniformly from [-max_degrees, max_degrees].

    Args:
        x: floating-point images (N, C, H, W).
        max_degrees: the largest angle, in [0, 180].
        rng: the Generator to draw the angles from.
        fill: the value outside the image.

    Returns:
        (N, C, H, W), the dtype of x.
    """
    _check_images("random_rotation", x)
    rng = check_rng("random_rotation", rng)
    max_degrees = check_real("random_rotation", "max_degrees", max_degrees, 0.0, 180.0)
    return rotate(x, rng.uniform(-max_degrees, max_degrees, size=len(x)), fill=fill)


# --8<-- [end:rotate]


# --8<-- [start:image_transform]
ImageAugmentation = Callable[..., np.ndarray]  # f(x, *, rng) -> x


def image_transform(
    *steps: ImageAugmentation,
) -> Callable[[np.ndarray, np.ndarray, np.random.Generator], tuple[np.ndarray, np.ndarray]]:
    """Chain augmentations into a `fit` transform: (xb, yb, rng) -> (step_k(...step_1(xb)), yb).

    Each step is called as `step(x, rng=rng)`; fix the other arguments with `functools.partial`,
    e.g. `image_transform(partial(random_shift, max_shift=2))`. The labels pass unchanged.
    """
    for step in steps:
        if not callable(step):
            raise TypeError(f"image_transform: steps expected functions, got {step!r}")

    def transform(
        xb: np.ndarray, yb: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        for step in steps:
            xb = step(xb, rng=rng)
        return xb, yb

    return transform


# --8<-- [end:image_transform]
