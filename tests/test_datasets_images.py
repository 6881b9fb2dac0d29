"""The shipped digits (shapes, labels, value range, upsampling) and the MNIST IDX reader."""

import gzip

import numpy as np
import pytest

from nnfs.datasets import linear_resize_matrix, load_digits, load_mnist, read_idx


def test_digits_have_1797_images_of_ten_balanced_classes():
    X, y = load_digits()
    assert X.shape == (1797, 1, 32, 32) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.size == 10 and counts.min() >= 174 and counts.max() <= 183
    assert X.min() == 0.0 and X.max() == 1.0


def test_digit_pixels_are_multiples_of_one_sixteenth():
    X, _ = load_digits(8)
    assert X.shape == (1797, 1, 8, 8)
    np.testing.assert_array_equal(X * 16, np.round(X * 16))


def test_nearest_upsampling_repeats_each_pixel_in_a_block():
    X8, y8 = load_digits(8, dtype=np.float32)
    X32, y32 = load_digits(32, interpolation="nearest", dtype=np.float32)
    assert X32.dtype == np.float32 and X32.flags.c_contiguous
    np.testing.assert_array_equal(y8, y32)
    for i in range(4):
        for j in range(4):
            np.testing.assert_array_equal(X32[:, :, i::4, j::4], X8)


def test_first_digit_is_a_zero_with_a_known_first_row():
    X, y = load_digits(8)
    assert y[0] == 0
    np.testing.assert_array_equal(X[0, 0, 0] * 16, [0, 0, 5, 13, 9, 1, 0, 0])


def test_linear_resize_matrix_rows_mix_the_two_nearest_pixels():
    A = linear_resize_matrix(32, 8)
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    # Output pixel 5 sits at input coordinate (5.5) / 4 - 0.5 = 0.875.
    np.testing.assert_allclose(A[5, :2], [0.125, 0.875])
    np.testing.assert_array_equal(A[0], A[1])  # both clamp to the first pixel's centre
    ramp = np.arange(8.0)
    np.testing.assert_allclose(np.diff(A @ ramp)[2:-2], 0.25)  # linear stays linear inside


def test_bilinear_digits_are_the_resize_matrix_applied_to_rows_and_columns():
    X8, _ = load_digits(8)
    X32, _ = load_digits()
    A = linear_resize_matrix(32, 8)
    np.testing.assert_allclose(X32[17, 0], A @ X8[17, 0] @ A.T)
    X28, _ = load_digits(28, dtype=np.float32)
    assert X28.shape == (1797, 1, 28, 28) and X28.dtype == np.float32


def test_digits_reject_bad_size_and_interpolation():
    with pytest.raises(ValueError, match="load_digits: image_size expected a multiple of 8"):
        load_digits(28, interpolation="nearest")
    with pytest.raises(ValueError, match="load_digits: image_size expected an integer >= 8"):
        load_digits(4)
    with pytest.raises(ValueError, match="load_digits: interpolation expected one of"):
        load_digits(32, interpolation="cubic")


def write_idx(path, array, type_code=0x08, compress=False):
    """Write `array` in the IDX format (big-endian header and values), as MNIST's files are."""
    dtype = {0x08: ">u1", 0x0B: ">i2", 0x0D: ">f4"}[type_code]
    header = bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    raw = header + np.asarray(array, dtype=dtype).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_reads_shape_and_values(tmp_path, rng, compress):
    images = rng.integers(0, 256, (3, 4, 5)).astype(np.uint8)
    write_idx(tmp_path / "x", images, compress=compress)
    np.testing.assert_array_equal(read_idx(tmp_path / "x"), images)


def test_read_idx_handles_big_endian_multibyte_types(tmp_path):
    values = np.array([[1, -2, 300], [-32768, 32767, 0]], dtype=np.int16)
    write_idx(tmp_path / "s", values, type_code=0x0B)
    out = read_idx(tmp_path / "s")
    np.testing.assert_array_equal(out, values)
    assert out.dtype.isnative
    floats = np.array([0.5, -1.25], dtype=np.float32)
    write_idx(tmp_path / "f", floats, type_code=0x0D)
    np.testing.assert_array_equal(read_idx(tmp_path / "f"), floats)


def test_read_idx_rejects_a_file_that_is_not_idx(tmp_path):
    (tmp_path / "bad").write_bytes(b"PK\x03\x04 not an idx file")
    with pytest.raises(ValueError, match="does not start with an IDX magic number"):
        read_idx(tmp_path / "bad")


def test_read_idx_rejects_a_truncated_file(tmp_path):
    write_idx(tmp_path / "x", np.zeros((4, 3), dtype=np.uint8))
    (tmp_path / "x").write_bytes((tmp_path / "x").read_bytes()[:-2])
    with pytest.raises(ValueError, match=r"header says shape \(4, 3\)"):
        read_idx(tmp_path / "x")


def fake_mnist(folder, rng, prefix="train", n=5, compress=True, sep="-"):
    images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    suffix = ".gz" if compress else ""
    write_idx(folder / f"{prefix}-images{sep}idx3-ubyte{suffix}", images, compress=compress)
    write_idx(folder / f"{prefix}-labels{sep}idx1-ubyte{suffix}", labels, compress=compress)
    return images, labels


def test_load_mnist_scales_to_unit_range_and_adds_the_channel_axis(tmp_path, rng):
    images, labels = fake_mnist(tmp_path, rng)
    X, y = load_mnist(tmp_path)
    assert X.shape == (5, 1, 28, 28) and X.dtype == np.float64
    np.testing.assert_allclose(X[:, 0] * 255, images)
    np.testing.assert_array_equal(y, labels)
    assert y.dtype == np.int64


def test_load_mnist_pad_2_gives_lenet_input_size(tmp_path, rng):
    images, _ = fake_mnist(tmp_path, rng, prefix="t10k", compress=False)
    X, _ = load_mnist(str(tmp_path), "test", pad=2, dtype=np.float32)
    assert X.shape == (5, 1, 32, 32) and X.dtype == np.float32
    assert not X[:, :, :2].any() and not X[:, :, :, -2:].any()
    np.testing.assert_allclose(X[:, 0, 2:30, 2:30] * 255, images, rtol=1e-6)


def test_load_mnist_accepts_the_dotted_file_names(tmp_path, rng):
    _, labels = fake_mnist(tmp_path, rng, sep=".", compress=False)
    np.testing.assert_array_equal(load_mnist(tmp_path)[1], labels)


def test_load_mnist_reports_missing_files_and_bad_split(tmp_path):
    with pytest.raises(FileNotFoundError, match="load_mnist: no train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="load_mnist: split expected one of 'train', 'test'"):
        load_mnist(tmp_path, "validation")


def test_load_mnist_rejects_labels_that_do_not_match_the_images(tmp_path, rng):
    fake_mnist(tmp_path, rng)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(3, np.uint8), compress=True)
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.gz expected 5 labels in 0..9"):
        load_mnist(tmp_path)
