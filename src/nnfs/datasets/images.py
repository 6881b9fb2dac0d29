"""Image data sets: the UCI digits, MNIST and Fashion-MNIST (shipped subsets, or full sets from a
folder), and a helper that places images at random on a larger canvas.

Sources, licences and counts of the shipped files are in `nnfs/data/README.md`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from nnfs.checks import check_choice, check_int
from nnfs.datasets._files import shipped_file
from nnfs.datasets.idx import read_idx
from nnfs.datasets.synthetic import _rng


# --8<-- [start:load_digits]
def linear_resize_matrix(size_out: int, size_in: int) -> np.ndarray:
    """(size_out, size_in) weights of 1-D linear interpolation with pixel centres aligned.

    Output pixel u sits at input coordinate s = (u + 0.5) * size_in / size_out - 0.5 (clamped
    to the edge pixels) and mixes the two nearest input pixels; every row sums to 1.
    """
    s = np.clip((np.arange(size_out) + 0.5) * size_in / size_out - 0.5, 0, size_in - 1)
    low = np.floor(s).astype(int)
    high = np.minimum(low + 1, size_in - 1)
    A = np.zeros((size_out, size_in))
    np.add.at(A, (np.arange(size_out), low), 1 - (s - low))
    np.add.at(A, (np.arange(size_out), high), s - low)
    return A


def load_digits(
    image_size: int = 32, interpolation: str = "bilinear", dtype: type = np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """The UCI optical-recognition handwritten digits: 1,797 images of 0-9, shipped in the package.

    Each original image is 8x8, and each of its pixels counts the inked pixels (0..16) in one
    4x4 block of a 32x32 binary scan (Alpaydin & Kaynak, 1998). By default the images are
    resized to 32x32, LeNet-5's input, by bilinear interpolation: X = A x A^T with
    A = linear_resize_matrix(32, 8), which gives smooth strokes rather than 4x4 blocks.

    Args:
        image_size: 8 for the raw images, or the side of the resized images.
        interpolation: "bilinear", or "nearest" (each pixel repeated image_size / 8 times
            along both axes; image_size must then be a multiple of 8).
        dtype: dtype of the images.

    Returns:
        X: (1797, 1, image_size, image_size), ink fraction in [0, 1] (pixel / 16).
        y: (1797,) int64 labels 0..9.
    """
    check_choice("load_digits", "interpolation", interpolation, ("bilinear", "nearest"))
    image_size = check_int("load_digits", "image_size", image_size, minimum=8)
    if interpolation == "nearest" and image_size % 8:
        raise ValueError(
            f"load_digits: image_size expected a multiple of 8 for 'nearest', got {image_size}"
        )
    table = np.loadtxt(shipped_file("load_digits", "digits.csv.gz"), delimiter=",")
    images = (table[:, :64] / 16.0).reshape(-1, 1, 8, 8)
    if image_size != 8 and interpolation == "nearest":
        factor = image_size // 8
        images = images.repeat(factor, axis=2).repeat(factor, axis=3)
    elif image_size != 8:
        A = linear_resize_matrix(image_size, 8)
        images = A @ images @ A.T  # resize rows and columns: (S, 8) (8, 8) (8, S)
    return np.ascontiguousarray(images, dtype=dtype), table[:, 64].astype(np.int64)


# --8<-- [end:load_digits]


FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
"""The ten Fashion-MNIST labels: y = k is `FASHION_CLASSES[k]` (Xiao, Rasul & Vollgraf, 2017)."""

FASHION_MNIST_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where the Debian package `dataset-fashion-mnist` installs the full 70,000 images."""


def _idx_names(split: str, kind: str, ndim: int) -> list[str]:
    prefix = "train" if split == "train" else "t10k"
    names = [f"{prefix}-{kind}-idx{ndim}-ubyte", f"{prefix}-{kind}.idx{ndim}-ubyte"]
    return [n + suffix for n in names for suffix in (".gz", "")]


def _find(owner: str, folder: str | os.PathLike, names: list[str]) -> Path:
    for name in names:
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    raise FileNotFoundError(f"{owner}: no {names[0]} (or {names[2]}) in {folder}")


# --8<-- [start:load_mnist]
def _load_idx_images(
    owner: str,
    folder: str | os.PathLike | None,
    shipped: str,
    split: str,
    pad: int,
    dtype: type,
) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of one split from IDX files: a folder's, or the shipped subset's."""
    check_choice(owner, "split", split, ("train", "test"))
    pad = check_int(owner, "pad", pad, minimum=0)
    if folder is None:  # the subset shipped in nnfs/data/<shipped>/, sha256-checked
        prefix = "train" if split == "train" else "t10k"
        files = [
            shipped_file(owner, f"{shipped}/{prefix}-{kind}-idx{ndim}-ubyte.gz")
            for kind, ndim in (("images", 3), ("labels", 1))
        ]
    else:
        kinds = (("images", 3), ("labels", 1))
        files = [_find(owner, folder, _idx_names(split, kind, ndim)) for kind, ndim in kinds]
    images, labels = read_idx(files[0]), read_idx(files[1])
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{owner}: {files[0]} expected uint8 images of shape (N, H, W), "
            f"got {images.dtype} {images.shape}"
        )
    if labels.shape != (len(images),) or labels.size and labels.max() > 9:
        raise ValueError(
            f"{owner}: {files[1]} expected {len(images)} labels in 0..9 (one per image of "
            f"{files[0].name}), got shape {labels.shape} with maximum {labels.max(initial=0)}"
        )
    X = images[:, None].astype(dtype) / 255  # bytes 0..255 -> [0, 1]
    if pad:  # zeros around every image: pad=2 turns 28x28 into LeNet-5's 32x32
        X = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return X, labels.astype(np.int64)


def load_mnist(
    path: str | os.PathLike | None = None,
    split: str = "train",
    *,
    pad: int = 0,
    dtype: type = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Handwritten digits of MNIST (LeCun, Cortes & Burges): the shipped 10,000, or a folder's.

    With `path=None`, the 10,000 real MNIST digits shipped in the package, split once and for
    all into 8,000 for "train" and 2,000 for "test" (200 of each digit, drawn at random with a
    fixed seed by `scripts/build_data.py`; the two splits share no image). With a folder, the
    standard IDX files in it (`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
    or the `t10k-` pair for "test"), e.g. the full 60,000 / 10,000.

    Args:
        path: None for the shipped digits, or a folder with the IDX files.
        split: "train" or "test".
        pad: zero pixels added on every side (pad=2 gives LeNet-5's 32x32, as in LeCun et
            al., 1998).
        dtype: dtype of the images.

    Returns:
        X: (N, 1, 28 + 2 pad, 28 + 2 pad), values in [0, 1] (byte / 255).
        y: (N,) int64 labels 0..9.
    """
    return _load_idx_images("load_mnist", path, "mnist", split, pad, dtype)


# --8<-- [end:load_mnist]


def load_fashion_mnist(
    path: str | os.PathLike | None = None,
    split: str = "train",
    *,
    pad: int = 0,
    dtype: type = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017): 28x28 grey photos of ten kinds of clothing.

    With `path=None`, the subset shipped in the package: the first 1,200 images of each class
    of the original training file (12,000 for "train") and the first 300 of each class of the
    original test file (3,000 for "test"). With a folder, its standard IDX files: the full
    60,000 / 10,000, e.g. `load_fashion_mnist(FASHION_MNIST_SYSTEM_DIR)` where the Debian
    package `dataset-fashion-mnist` is installed (`find_fashion_mnist()` tells whether it is).
    Labels name the classes of `FASHION_CLASSES`.

    Args:
        path: None for the shipped subset, or a folder with the IDX files.
        split: "train" or "test".
        pad: zero pixels added on every side.
        dtype: dtype of the images.

    Returns:
        X: (N, 1, 28 + 2 pad, 28 + 2 pad), values in [0, 1] (byte / 255).
        y: (N,) int64 labels 0..9.
    """
    return _load_idx_images("load_fashion_mnist", path, "fashion-mnist", split, pad, dtype)


def find_fashion_mnist() -> Path | None:
    """The folder of the full Fashion-MNIST installed by Debian's package, or None."""
    folder = FASHION_MNIST_SYSTEM_DIR
    return folder if (folder / "train-images-idx3-ubyte.gz").is_file() else None


# --8<-- [start:place_randomly]
def place_randomly(
    images: np.ndarray, canvas_size: int, seed: int | np.random.Generator | None = 0
) -> np.ndarray:
    """Paste each image at a uniformly random position on a larger blank canvas.

    A translated copy of the data set: the same digits, but a model must now find them.

    Args:
        images: (N, C, h, w).
        canvas_size: S >= max(h, w), the side of the square canvas.

    Returns:
        (N, C, S, S) in the dtype of `images`, zero outside each pasted image.
    """
    n, c, h, w = images.shape
    if canvas_size < max(h, w):
        raise ValueError(f"place_randomly: canvas_size must be >= {max(h, w)}, got {canvas_size}")
    rng = _rng(seed)
    top = rng.integers(0, canvas_size - h + 1, n)
    left = rng.integers(0, canvas_size - w + 1, n)
    canvas = np.zeros((n, c, canvas_size, canvas_size), dtype=images.dtype)
    rows = (top[:, None] + np.arange(h))[:, :, None]  # (n, h, 1): canvas row of each pixel
    cols = (left[:, None] + np.arange(w))[:, None, :]  # (n, 1, w)
    # Three index arrays around a slice: NumPy puts their broadcast shape (n, h, w) first,
    # so the channel axis of the assigned images goes last.
    canvas[np.arange(n)[:, None, None], :, rows, cols] = images.transpose(0, 2, 3, 1)
    return canvas


# --8<-- [end:place_randomly]
