"""Data sets: small synthetic problems generated from a seed, and real data shipped in the package.

Every generator takes a `numpy.random.Generator` (or a seed) so the same call gives the same
data bit for bit. Real data sets live in `nnfs/data/` with their source and licence in
`nnfs/data/README.md`.
"""

from __future__ import annotations

import numpy as np


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def make_linear(
    n: int = 200,
    weights: np.ndarray | None = None,
    bias: float = 0.5,
    noise: float = 0.1,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """y = X w + b + noise, X ~ N(0, 1). Returns X (n, D), y (n, 1), the true w (D,) and b."""
    rng = _rng(seed)
    w = np.array([2.0, -3.0]) if weights is None else np.asarray(weights, dtype=float)
    X = rng.standard_normal((n, w.size))
    y = X @ w + bias + noise * rng.standard_normal(n)
    return X, y[:, None], w, bias


def make_xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points: X (4, 2) in {0, 1}^2 and y (4, 1) = x1 xor x2."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    return X, y


def make_spiral(
    n_per_class: int = 100,
    n_classes: int = 3,
    noise: float = 0.2,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: X (n_per_class * K, 2), integer labels y (N,)."""
    rng = _rng(seed)
    X, y = [], []
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        theta = np.linspace(k * 4.0, (k + 1) * 4.0, n_per_class) + noise * rng.standard_normal(
            n_per_class
        )
        X.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        y.append(np.full(n_per_class, k))
    return np.concatenate(X), np.concatenate(y)


def train_test_split(
    X: np.ndarray,
    y: np.ndarray,
    test_fraction: float = 0.25,
    seed: int | np.random.Generator | None = 0,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into X_train, X_test, y_train, y_test.

    With `stratify` and integer labels, each class keeps its proportion in both parts.
    """
    rng = _rng(seed)
    if stratify and y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        test_idx = []
        for label in np.unique(y):
            idx = rng.permutation(np.flatnonzero(y == label))
            test_idx.extend(idx[: round(len(idx) * test_fraction)])
        test_mask = np.zeros(len(y), dtype=bool)
        test_mask[test_idx] = True
        train_idx = rng.permutation(np.flatnonzero(~test_mask))
        test_idx = rng.permutation(np.flatnonzero(test_mask))
    else:
        order = rng.permutation(len(X))
        n_test = round(len(X) * test_fraction)
        test_idx, train_idx = order[:n_test], order[n_test:]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def standardize(X_train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Scale features to zero mean, unit variance using the training set's statistics only."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-12
    return tuple((X - mean) / std for X in (X_train, *others))


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
    from pathlib import Path

    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(
            f"load_digits: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}"
        )
    if image_size < 8 or (interpolation == "nearest" and image_size % 8):
        raise ValueError(
            f"load_digits: image_size must be >= 8 (a multiple of 8 for 'nearest'), "
            f"got {image_size}"
        )
    table = np.loadtxt(Path(__file__).parent / "data" / "digits.csv.gz", delimiter=",")
    images = (table[:, :64] / 16.0).reshape(-1, 1, 8, 8)
    if image_size != 8 and interpolation == "nearest":
        factor = image_size // 8
        images = images.repeat(factor, axis=2).repeat(factor, axis=3)
    elif image_size != 8:
        A = linear_resize_matrix(image_size, 8)
        images = A @ images @ A.T  # resize rows and columns: (S, 8) (8, 8) (8, S)
    return np.ascontiguousarray(images, dtype=dtype), table[:, 64].astype(np.int64)


# --8<-- [end:load_digits]


# --8<-- [start:read_idx]
# IDX type codes (LeCun et al.'s MNIST file format) and the big-endian NumPy dtypes they name.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(file: str) -> np.ndarray:
    """Read one IDX file (the format MNIST is distributed in), gzipped or not.

    Layout: two zero bytes, a type code, the number of dimensions d, then d big-endian uint32
    sizes, then the values in C order, big-endian. Returns an array of that shape.
    """
    import gzip

    with open(file, "rb") as handle:
        raw = handle.read()
    if raw[:2] == b"\x1f\x8b":  # the gzip magic number
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"read_idx: {file} does not start with an IDX magic number")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    data = np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(
            f"read_idx: {file} header says shape {shape} ({int(np.prod(shape))} values), "
            f"but holds {data.size} values"
        )
    return data.reshape(shape).astype(dtype.newbyteorder("="))


# --8<-- [end:read_idx]


# --8<-- [start:load_mnist]
def load_mnist(
    path: str, split: str = "train", *, pad: int = 0, dtype: type = np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST from the standard IDX files in a local folder (nothing is downloaded).

    The folder holds `train-images-idx3-ubyte` and `train-labels-idx1-ubyte` (or the `t10k-`
    test pair), each optionally gzipped (`.gz`); `train-images.idx3-ubyte` also works.

    Args:
        path: the folder with the IDX files (a str or a pathlib.Path).
        split: "train" (60,000 images) or "test" (10,000; the "t10k" files).
        pad: zero pixels added on every side; pad=2 turns 28x28 into LeNet-5's 32x32, as in
            LeCun et al. (1998).
        dtype: dtype of the images.

    Returns:
        X: (N, 1, 28 + 2 pad, 28 + 2 pad), values in [0, 1] (byte / 255).
        y: (N,) int64 labels 0..9.
    """
    from pathlib import Path

    prefix = {"train": "train", "test": "t10k", "t10k": "t10k"}.get(split)
    if prefix is None:
        raise ValueError(f"load_mnist: split must be 'train' or 'test', got {split!r}")

    def find(kind: str, ndim: int) -> Path:
        names = [f"{prefix}-{kind}-idx{ndim}-ubyte", f"{prefix}-{kind}.idx{ndim}-ubyte"]
        for name in names:
            for candidate in (Path(path) / name, Path(path) / f"{name}.gz"):
                if candidate.is_file():
                    return candidate
        raise FileNotFoundError(f"load_mnist: no {names[0]}[.gz] in {path}")

    images, labels = read_idx(find("images", 3)), read_idx(find("labels", 1))
    if images.ndim != 3 or labels.shape != (images.shape[0],):
        raise ValueError(
            f"load_mnist: images expected shape (N, H, W) and labels (N,), "
            f"got {images.shape} and {labels.shape}"
        )
    X = (images[:, None] / 255.0).astype(dtype)
    if pad:
        X = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return X, labels.astype(np.int64)


# --8<-- [end:load_mnist]


# --8<-- [start:iris]
IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def load_iris() -> tuple[np.ndarray, np.ndarray]:
    """Fisher's Iris data, shipped as `nnfs/data/iris.csv` (source and licence in its README).

    Returns:
        X (150, 4) float64 measurements in cm, columns in the order of `IRIS_FEATURES`, and
        y (150,) int64 labels: y = k is the species `IRIS_CLASSES[k]`, 50 of each.
    """
    from importlib import resources

    text = resources.files("nnfs").joinpath("data/iris.csv").read_text(encoding="utf-8")
    rows = [line.split(",") for line in text.splitlines()[1:] if line]
    X = np.array([[float(value) for value in row[:4]] for row in rows])
    y = np.array([IRIS_CLASSES.index(row[4]) for row in rows], dtype=np.int64)
    return X, y


# --8<-- [end:iris]


# --8<-- [start:shapes_segmentation]
SHAPE_CLASSES = ("background", "disk", "square")


def make_shapes_segmentation(
    n: int = 500,
    size: int = 32,
    noise: float = 0.3,
    max_shapes: int = 3,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Grey images of disks and squares on noisy, unevenly lit backgrounds, with pixel labels.

    Each image holds 1 to `max_shapes` shapes (a later shape covers an earlier one), each a
    disk or an axis-aligned square of random size, position and brightness. The background
    has a random brightness ramp, and Gaussian noise of std `noise` covers everything, so a
    single pixel's value does not tell its class: the shape around it does.

    Returns:
        X: (n, 1, size, size) float64 images.
        Y: (n, size, size) int64 labels, y = k is `SHAPE_CLASSES[k]` (0 background, 1 disk,
        2 square).
    """
    rng = _rng(seed)
    rows, cols = np.mgrid[0:size, 0:size] + 0.5  # pixel centres
    X = np.empty((n, 1, size, size))
    Y = np.zeros((n, size, size), dtype=np.int64)
    for i in range(n):
        # Background: a level in [0, 0.3] plus a ramp of up to 0.3 in a random direction.
        angle = rng.uniform(0, 2 * np.pi)
        ramp = (np.cos(angle) * rows + np.sin(angle) * cols) / size
        background = rng.uniform(0, 0.3) + rng.uniform(0, 0.3) * ramp
        image = background
        for _ in range(rng.integers(1, max_shapes + 1)):
            kind = rng.integers(1, len(SHAPE_CLASSES))
            radius = rng.uniform(size / 10, size / 5)  # half the side for squares
            cy, cx = rng.uniform(radius, size - radius, size=2)
            if SHAPE_CLASSES[kind] == "disk":
                inside = (rows - cy) ** 2 + (cols - cx) ** 2 <= radius**2
            else:
                inside = (np.abs(rows - cy) <= radius) & (np.abs(cols - cx) <= radius)
            image = np.where(inside, background + rng.uniform(0.5, 1.0), image)
            Y[i][inside] = kind
        X[i, 0] = image + noise * rng.standard_normal((size, size))
    return X, Y


# --8<-- [end:shapes_segmentation]


# --8<-- [start:sentences]
_SUBJECTS = (
    "the cat", "the old dog", "a small bird", "my friend", "the teacher", "a robot",
    "the farmer", "her brother", "a little girl", "a tired fox",
)  # fmt: skip
_VERBS = ("sees", "likes", "finds", "paints", "carries", "follows", "watches", "builds")
_OBJECTS = (
    "a red ball", "the green door", "an old boat", "the tall tree", "a paper kite",
    "the blue house", "some bread", "the river", "a yellow hat", "the moon",
)  # fmt: skip
_PLACES = ("", "", " in the park", " by the sea", " at night", " every morning", " near the hill")


def make_sentences(n: int = 400, seed: int | np.random.Generator | None = 0) -> str:
    """A text of `n` short sentences from a tiny grammar, for character-level language models.

    Each sentence is "subject verb object [place]." with every part drawn uniformly from a
    fixed list, separated by single spaces: 25 distinct characters (22 lower-case letters,
    space and full stop). The grammar and word lists were written for this package, so the
    text carries no third-party licence.
    """
    rng = _rng(seed)
    sentences = [
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}{rng.choice(_PLACES)}."
        for _ in range(n)
    ]
    return " ".join(sentences)


# --8<-- [end:sentences]


# --8<-- [start:delayed_sign]
def make_delayed_sign(
    n: int = 1000,
    max_delay: int = 40,
    skew: float = 1.0,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A long-range memory task: remember the sign of the marked number.

    Each sequence has T = max_delay + 1 steps with two features: a number u_t ~ U(-1, 1) at
    every step and a marker that is 1 at exactly one step, `delay` steps before the end.
    The label is 1 if the marked number is positive, else 0; a model reading the last step
    must carry it across `delay` later numbers. Delays are floor((max_delay + 1) * v**skew)
    with v ~ U(0, 1): uniform for skew = 1, more short delays for skew > 1.

    Returns:
        X: (n, T, 2) float64 sequences, y: (n,) int labels, delay: (n,) int delays.
    """
    rng = _rng(seed)
    T = max_delay + 1
    X = np.zeros((n, T, 2))
    X[:, :, 0] = rng.uniform(-1.0, 1.0, size=(n, T))
    delay = np.minimum(np.floor(T * rng.random(n) ** skew), max_delay).astype(np.int64)
    rows, marked = np.arange(n), T - 1 - delay
    X[rows, marked, 1] = 1.0
    y = (X[rows, marked, 0] > 0).astype(np.int64)
    return X, y, delay


# --8<-- [end:delayed_sign]


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
    for i in range(n):
        canvas[i, :, top[i] : top[i] + h, left[i] : left[i] + w] = images[i]
    return canvas


# --8<-- [end:place_randomly]
