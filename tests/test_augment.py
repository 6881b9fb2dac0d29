"""Image augmentations: shapes, dtypes, what each moves where, determinism, argument checks."""

import itertools
from functools import partial

import numpy as np
import pytest

from nnfs.augment import (
    crop,
    image_transform,
    random_crop,
    random_horizontal_flip,
    random_rotation,
    random_shift,
    rotate,
    translate,
)


@pytest.fixture
def images():
    return np.random.default_rng(0).random((6, 2, 7, 9))


# ---------------------------------------------------------------- translate and crop


@pytest.mark.parametrize("dy, dx", [(2, 3), (-1, 2), (0, -4), (-3, -1), (0, 0)])
def test_a_shift_by_k_moves_every_pixel_by_k(images, dy, dx):
    y = translate(images, dy, dx)
    H, W = images.shape[2:]
    for i, j in itertools.product(range(H), range(W)):
        src_i, src_j = i - dy, j - dx
        expected = images[:, :, src_i, src_j] if 0 <= src_i < H and 0 <= src_j < W else 0.0
        np.testing.assert_array_equal(y[:, :, i, j], expected)


def test_translate_takes_one_shift_per_image(images):
    dy, dx = np.array([0, 1, -1, 2, 0, 3]), np.array([1, 0, 0, -2, 0, 1])
    y = translate(images, dy, dx)
    for n in range(len(images)):
        np.testing.assert_array_equal(y[n : n + 1], translate(images[n : n + 1], dy[n], dx[n]))


def test_translate_fill_modes(images):
    np.testing.assert_array_equal(translate(images, 0, 2, fill=-1.0)[..., :2], -1.0)
    edge = translate(images, 0, 2, mode="edge")
    np.testing.assert_array_equal(edge[..., 0], images[..., 0])
    np.testing.assert_array_equal(edge[..., 1], images[..., 0])
    reflect = translate(images, 0, 2, mode="reflect")
    np.testing.assert_array_equal(reflect[..., 0], images[..., 2])
    np.testing.assert_array_equal(reflect[..., 2:], images[..., :-2])


def test_a_shift_by_the_whole_image_leaves_only_fill(images):
    np.testing.assert_array_equal(translate(images, 7, 0), 0.0)
    np.testing.assert_array_equal(translate(images, 0, -100), 0.0)


def test_crop_equals_slicing(images):
    top, left = np.array([0, 1, 2, 3, 0, 1]), np.array([4, 0, 1, 2, 3, 4])
    y = crop(images, top, left, (4, 5))
    assert y.shape == (6, 2, 4, 5)
    for n in range(6):
        expected = images[n, :, top[n] : top[n] + 4, left[n] : left[n] + 5]
        np.testing.assert_array_equal(y[n], expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_shift_crop_and_flip_keep_the_dtype(dtype):
    x = (np.random.default_rng(1).random((4, 1, 8, 8)) * 200).astype(dtype)
    rng = np.random.default_rng(0)
    assert random_shift(x, 2, rng=rng).dtype == dtype
    assert random_crop(x, 6, padding=1, rng=rng).dtype == dtype
    assert random_horizontal_flip(x, rng=rng).dtype == dtype


# ---------------------------------------------------------------- random shifts and crops


def _matching_shifts(x, y, max_shift):
    """The (dy, dx) in range with translate(x, dy, dx) == y, for one image."""
    return [
        (dy, dx)
        for dy in range(-max_shift, max_shift + 1)
        for dx in range(-max_shift, max_shift + 1)
        if np.array_equal(translate(x[None], dy, dx)[0], y)
    ]


def test_random_shift_applies_one_shift_in_range_to_each_image(images):
    y = random_shift(images, 2, rng=np.random.default_rng(3))
    assert y.shape == images.shape
    for n in range(len(images)):
        assert len(_matching_shifts(images[n], y[n], 2)) == 1


def test_random_shift_draws_every_offset(images):
    many = np.repeat(images[:1], 400, axis=0)
    y = random_shift(many, 1, rng=np.random.default_rng(0))
    seen = {_matching_shifts(many[0], y[n], 1)[0] for n in range(len(y))}
    assert seen == set(itertools.product((-1, 0, 1), repeat=2))


def test_same_rng_same_augmentation_other_rng_other(images):
    for augment in (
        partial(random_shift, max_shift=2),
        partial(random_crop, size=(5, 5), padding=1),
        random_horizontal_flip,
        partial(random_rotation, max_degrees=20.0),
    ):
        a = augment(images, rng=np.random.default_rng(5))
        b = augment(images, rng=np.random.default_rng(5))
        c = augment(images, rng=np.random.default_rng(6))
        assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_random_crop_with_padding_is_a_random_shift(images):
    y = random_crop(images, images.shape[2:], padding=2, rng=np.random.default_rng(1))
    assert y.shape == images.shape
    for n in range(len(images)):
        assert len(_matching_shifts(images[n], y[n], 2)) == 1


def test_random_crop_without_padding_cuts_windows_of_the_image(images):
    y = random_crop(images, (3, 4), rng=np.random.default_rng(2))
    assert y.shape == (6, 2, 3, 4)
    for n in range(len(images)):
        found = [
            (t, l)
            for t in range(5)
            for l in range(6)
            if np.array_equal(images[n, :, t : t + 3, l : l + 4], y[n])
        ]
        assert len(found) == 1


# ---------------------------------------------------------------- flips


def test_flip_with_probability_0_and_1(images):
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(random_horizontal_flip(images, 0.0, rng=rng), images)
    np.testing.assert_array_equal(random_horizontal_flip(images, 1.0, rng=rng), images[..., ::-1])


def test_flip_mirrors_about_half_the_images_and_leaves_the_rest():
    x = np.random.default_rng(0).random((1000, 1, 3, 4))
    y = random_horizontal_flip(x, rng=np.random.default_rng(1))
    flipped = np.all(y == x[..., ::-1], axis=(1, 2, 3))
    kept = np.all(y == x, axis=(1, 2, 3))
    assert np.all(flipped ^ kept)
    assert 450 < flipped.sum() < 550


# ---------------------------------------------------------------- rotations


def test_rotation_by_90_degrees_is_rot90_and_by_0_the_identity():
    x = np.random.default_rng(0).random((3, 2, 8, 8))
    np.testing.assert_allclose(rotate(x, 90.0), np.rot90(x, 1, axes=(2, 3)), atol=1e-12)
    np.testing.assert_allclose(rotate(x, -90.0), np.rot90(x, -1, axes=(2, 3)), atol=1e-12)
    np.testing.assert_array_equal(rotate(x, 0.0), x)
    x_odd = np.random.default_rng(1).random((2, 1, 7, 5))
    np.testing.assert_allclose(rotate(x_odd, 180.0), x_odd[..., ::-1, ::-1], atol=1e-12)


def test_rotation_turns_counter_clockwise():
    x = np.zeros((1, 1, 9, 9))
    x[0, 0, 4, 7] = 1.0  # three pixels right of the centre (4, 4)
    y = rotate(x, 90.0)
    assert np.unravel_index(y.argmax(), y.shape)[2:] == (1, 4)  # three pixels above it


def test_rotation_interpolates_without_nan_and_keeps_float32():
    x = np.random.default_rng(0).uniform(-1e30, 1e30, (4, 3, 10, 12)).astype(np.float32)
    y = rotate(x, np.array([7.5, -13.0, 45.0, 180.0]), fill=0.5)
    assert y.dtype == np.float32 and y.shape == x.shape and np.all(np.isfinite(y))
    corner = rotate(np.zeros((1, 1, 10, 10)), 45.0, fill=0.5)[0, 0, 0, 0]
    assert corner == 0.5  # the corner comes from outside the image


def test_a_constant_image_stays_constant_inside():
    y = rotate(np.full((1, 1, 21, 21), 3.0), 30.0)
    np.testing.assert_allclose(y[0, 0, 6:15, 6:15], 3.0, rtol=1e-12)


def test_random_rotation_stays_within_the_angle_range():
    x = np.zeros((200, 1, 15, 15))
    x[:, 0, 7, 14] = 1.0  # at radius 7 on the right
    y = random_rotation(x, 30.0, rng=np.random.default_rng(0))
    rows, cols = np.unravel_index(y.reshape(200, -1).argmax(axis=1), (15, 15))
    angles = np.degrees(np.arctan2(7 - rows, cols - 7))
    assert np.abs(angles).max() <= 30.0 + 5.0 and np.abs(angles).max() > 20.0


# ---------------------------------------------------------------- composing for fit


def test_image_transform_chains_steps_and_passes_labels():
    x, y = np.random.default_rng(0).random((5, 1, 6, 6)), np.arange(5)
    transform = image_transform(partial(random_shift, max_shift=1), random_horizontal_flip)
    xb, yb = transform(x, y, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    expected = random_horizontal_flip(random_shift(x, 1, rng=rng), rng=rng)
    np.testing.assert_array_equal(xb, expected)
    assert yb is y
    with pytest.raises(TypeError, match="image_transform: steps expected functions"):
        image_transform(3)


# ---------------------------------------------------------------- argument checks


def test_augmentations_name_themselves_and_the_bad_argument():
    rng, x = np.random.default_rng(0), np.zeros((2, 1, 8, 8))
    with pytest.raises(ValueError, match=r"random_shift: x expected shape \(\*, \*, \*, \*\)"):
        random_shift(np.zeros((28, 28)), 2, rng=rng)
    with pytest.raises(ValueError, match="random_shift: max_shift expected less than"):
        random_shift(x, 8, rng=rng)
    with pytest.raises(ValueError, match="random_shift: max_shift expected an integer >= 0"):
        random_shift(x, -1, rng=rng)
    with pytest.raises(TypeError, match="random_shift: rng expected a numpy.random.Generator"):
        random_shift(x, 1, rng=0)
    with pytest.raises(ValueError, match="translate: mode expected one of"):
        translate(x, 1, 1, mode="wrap")
    with pytest.raises(TypeError, match="translate: dy expected integers"):
        translate(x, 1.5, 0)
    with pytest.raises(ValueError, match=r"translate: dx expected an int or shape \(2,\)"):
        translate(x, 0, np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="random_crop: size expected at most the padded"):
        random_crop(x, 11, padding=1, rng=rng)
    with pytest.raises(ValueError, match=r"crop: top expected values in \[0, 4\]"):
        crop(x, 5, 0, 4)
    with pytest.raises(ValueError, match=r"random_horizontal_flip: p expected a value in"):
        random_horizontal_flip(x, 1.5, rng=rng)
    with pytest.raises(TypeError, match="rotate: x expected a floating-point array"):
        rotate(x.astype(np.uint8), 10.0)
    with pytest.raises(ValueError, match=r"rotate: degrees expected a number or shape \(2,\)"):
        rotate(x, np.zeros(3))
    with pytest.raises(ValueError, match=r"random_rotation: max_degrees expected a value in"):
        random_rotation(x, 200.0, rng=rng)


# ---------------------------------------------------------------- PyTorch parity


@pytest.mark.parametrize("shape", [(3, 2, 9, 9), (2, 1, 7, 12)])
def test_rotation_matches_torch_grid_sample(shape):
    """Bilinear rotation about the centre equals affine_grid + grid_sample (zeros padding,
    align_corners=True puts -1 and 1 on the centres of the corner pixels, as our c_y, c_x do)."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    degrees = np.array([17.0, -33.0, 95.0])[: shape[0]]
    theta = np.deg2rad(degrees)
    c_y, c_x = (shape[2] - 1) / 2, (shape[3] - 1) / 2
    # output (x, y) in normalized coordinates (x right, y down) -> input coordinates
    affine = np.zeros((shape[0], 2, 3))
    affine[:, 0, 0], affine[:, 0, 1] = np.cos(theta), -np.sin(theta) * c_y / c_x
    affine[:, 1, 0], affine[:, 1, 1] = np.sin(theta) * c_x / c_y, np.cos(theta)
    grid = torch.nn.functional.affine_grid(
        torch.from_numpy(affine), list(shape), align_corners=True
    )
    expected = torch.nn.functional.grid_sample(
        torch.from_numpy(x), grid, mode="bilinear", padding_mode="zeros", align_corners=True
    ).numpy()
    np.testing.assert_allclose(rotate(x, degrees), expected, atol=1e-12)
