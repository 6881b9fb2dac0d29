"""Data sets: small synthetic problems generated from a seed, and real data shipped inside the
package (nothing is downloaded at run time).

- `nnfs.datasets.synthetic`: lines, XOR, spirals, segmentation shapes, a sentence grammar, a
  long-range memory task;
- `nnfs.datasets.tabular`: Fisher's Iris;
- `nnfs.datasets.images`: the UCI digits, MNIST and Fashion-MNIST (IDX files via
  `nnfs.datasets.idx`);
- `nnfs.datasets.text`: Shakespeare's tragedies and movie-review sentences;
- `nnfs.datasets.splits`: train/test splits and standardization.

Every public name is importable from `nnfs.datasets` itself. Sources, licences, counts and
checksums of the shipped files are in `nnfs/data/README.md`.
"""

from nnfs.datasets.idx import read_idx, write_idx
from nnfs.datasets.images import (
    FASHION_CLASSES,
    FASHION_MNIST_SYSTEM_DIR,
    find_fashion_mnist,
    linear_resize_matrix,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    place_randomly,
)
from nnfs.datasets.splits import standardize, train_test_split
from nnfs.datasets.synthetic import (
    SHAPE_CLASSES,
    make_delayed_sign,
    make_linear,
    make_sentences,
    make_shapes_segmentation,
    make_spiral,
    make_xor,
)
from nnfs.datasets.tabular import IRIS_CLASSES, IRIS_FEATURES, load_iris
from nnfs.datasets.text import SHAKESPEARE_PLAYS, load_movie_reviews, load_shakespeare

__all__ = [
    "FASHION_CLASSES", "FASHION_MNIST_SYSTEM_DIR", "IRIS_CLASSES", "IRIS_FEATURES",
    "SHAKESPEARE_PLAYS", "SHAPE_CLASSES", "find_fashion_mnist", "linear_resize_matrix",
    "load_digits", "load_fashion_mnist", "load_iris", "load_mnist", "load_movie_reviews",
    "load_shakespeare", "make_delayed_sign", "make_linear", "make_sentences",
    "make_shapes_segmentation", "make_spiral", "make_xor", "place_randomly", "read_idx",
    "standardize", "train_test_split", "write_idx",
]  # fmt: skip
