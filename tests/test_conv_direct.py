"""conv2d_direct against the nested-loop definition, Conv2D and torch; receptive_field; the
figures of the convolution page are the ones scripts/conv_figures.py draws from conv2d_direct."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from nnfs.layers.conv import Conv2D, conv2d_direct, receptive_field

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "docs" / "07-convolutional-networks" / "figures"

# (C_in, C_out, (H, W), kernel, stride, padding)
CONFIGS = [
    (1, 2, (5, 5), 3, 1, 0),
    (2, 3, (6, 5), 3, 1, 1),
    (2, 3, (8, 7), 3, 2, 0),
    (3, 2, (6, 8), (2, 3), 2, 1),
    (2, 2, (5, 7), (3, 2), (1, 2), (0, 1)),
    (3, 4, (4, 4), 1, 1, 0),
]


def pair(v):
    return (v, v) if isinstance(v, int) else v


def loops(x, K, b, stride, padding):
    """One output element at a time, straight from the formula."""
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    n, c, h, w = x.shape
    o, _, kh, kw = K.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    y = np.empty((n, o, oh, ow))
    for i in range(n):
        for k in range(o):
            for u in range(oh):
                for v in range(ow):
                    patch = x_pad[i, :, u * sh : u * sh + kh, v * sw : v * sw + kw]
                    y[i, k, u, v] = b[k] + np.sum(patch * K[k])
    return y


@pytest.mark.parametrize("c_in, c_out, hw, kernel, stride, padding", CONFIGS)
def test_conv2d_direct_matches_the_loops_and_conv2d(rng, c_in, c_out, hw, kernel, stride, padding):
    layer = Conv2D(c_in, c_out, kernel, stride, padding, rng=rng)
    layer.b.data[:] = rng.standard_normal(c_out)
    x = rng.standard_normal((2, c_in, *hw))
    y = conv2d_direct(x, layer.W.data, layer.b.data, stride, padding)
    np.testing.assert_allclose(y, loops(x, layer.W.data, layer.b.data, stride, padding))
    np.testing.assert_allclose(y, layer(x), rtol=1e-12, atol=1e-12)


def test_conv2d_direct_without_bias_and_dtypes(rng):
    x = rng.standard_normal((1, 2, 6, 6)).astype(np.float32)
    K = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    y = conv2d_direct(x, K)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, loops(x, K, np.zeros(3), 1, 0), rtol=1e-5, atol=1e-5)
    ints = conv2d_direct(np.arange(16).reshape(1, 1, 4, 4), np.ones((1, 1, 2, 2), dtype=int))
    assert ints.dtype.kind == "i" and ints[0, 0, 0, 0] == 0 + 1 + 4 + 5


def test_conv2d_direct_matches_torch_conv2d(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 9, 8))
    K, b = rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    theirs = torch.nn.functional.conv2d(
        torch.tensor(x), torch.tensor(K), torch.tensor(b), stride=(2, 1), padding=(1, 0)
    ).numpy()
    np.testing.assert_allclose(conv2d_direct(x, K, b, (2, 1), (1, 0)), theirs, rtol=1e-12)


@pytest.mark.parametrize("size, padding", [(7, 0), (8, 0), (9, 1), (10, 1)])
def test_input_gradient_is_torch_conv_transpose2d_with_the_remainder_as_output_padding(
    rng, size, padding
):
    # conv2d.md: with stride s, (H + 2p - k) mod s rows are in no window; PyTorch's
    # conv_transpose2d takes that remainder as output_padding to give the input's shape.
    torch = pytest.importorskip("torch")
    layer = Conv2D(2, 3, 3, stride=2, padding=padding, rng=rng)
    x = rng.standard_normal((2, 2, size, size))
    g = rng.standard_normal(layer(x).shape)
    remainder = (size + 2 * padding - 3) % 2
    theirs = torch.nn.functional.conv_transpose2d(
        torch.tensor(g),
        torch.tensor(layer.W.data),
        stride=2,
        padding=padding,
        output_padding=remainder,
    ).numpy()
    np.testing.assert_allclose(layer.backward(g), theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "args, error, message",
    [
        (([1.0], np.ones((1, 1, 1, 1))), TypeError, "conv2d_direct: x expected a numpy.ndarray"),
        ((np.ones((3, 3)), np.ones((1, 1, 1, 1))), ValueError, "x expected shape"),
        ((np.ones((1, 2, 5, 5)), np.ones((1, 3, 3, 3))), ValueError, "W expected shape"),
        ((np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), np.ones(3)), ValueError, "b expected"),
        ((np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), None, 0), ValueError, "stride"),
        ((np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), None, 1, -1), ValueError, "padding"),
        ((np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), None, 1.5), TypeError, "stride"),
        ((np.ones((1, 1, 2, 5)), np.ones((1, 1, 3, 3))), ValueError, "height >= 3"),
    ],
)
def test_conv2d_direct_rejects_bad_arguments(args, error, message):
    with pytest.raises(error, match=re.escape(message)):
        conv2d_direct(*args)


def test_receptive_field_of_lenet5_and_of_stacked_3x3_kernels():
    assert receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)]) == [(5, 1), (6, 2), (14, 2), (16, 4)]
    assert [r for r, _ in receptive_field([(3, 1)] * 4)] == [3, 5, 7, 9]
    with pytest.raises(TypeError, match="receptive_field: kernel expected an integer"):
        receptive_field([(2.5, 1)])
    with pytest.raises(ValueError, match="receptive_field: stride expected an integer >= 1"):
        receptive_field([(3, 0)])


def test_receptive_field_agrees_with_the_gradient_of_one_unit(rng):
    from nnfs import Sequential

    # A stride-2 convolution in place of pooling: max pooling would route each gradient to
    # one pixel of its window only.
    layers = [Conv2D(1, 2, 5, rng=rng), Conv2D(2, 2, 2, 2, rng=rng), Conv2D(2, 1, 3, rng=rng)]
    net = Sequential(*layers)
    y = net(rng.standard_normal((1, 1, 24, 24)))
    g = np.zeros_like(y)
    g[0, 0, 2, 3] = 1.0
    hit = np.abs(net.backward(g)[0, 0]) > 0
    rows, cols = np.flatnonzero(hit.any(axis=1)), np.flatnonzero(hit.any(axis=0))
    field, jump = receptive_field([(5, 1), (2, 2), (3, 1)])[-1]
    assert (len(rows), len(cols)) == (field, field) == (10, 10)
    assert (rows[0], cols[0]) == (2 * jump, 3 * jump)


def load_figure_script():
    spec = importlib.util.spec_from_file_location("conv_figures", ROOT / "scripts/conv_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def svg_texts(path):
    return re.findall(r"<text[^>]*>([^<]*)</text>", path.read_text())


def test_the_committed_figures_are_what_the_script_draws(tmp_path):
    shown = load_figure_script().build(tmp_path)
    assert sorted(p.name for p in FIGURES.glob("*.svg")) == sorted(f"{k}.svg" for k in shown)
    for name, arrays in shown.items():
        committed = svg_texts(FIGURES / f"{name}.svg")
        assert committed == svg_texts(tmp_path / f"{name}.svg"), f"{name}.svg is out of date"
        if "y" in arrays:  # every output number is drawn, in reading order
            numbers = [int(t) for t in committed if re.fullmatch(r"-?\d+", t)]
            y = list(np.ravel(arrays["y"]))
            assert numbers[-len(y) :] == y, name


def test_the_figure_numbers_are_the_convolutions_they_claim_to_be():
    fig = load_figure_script()
    np.testing.assert_array_equal(fig.correlate(fig.X, fig.K), [[-5, 6], [-6, 6]])
    assert fig.correlate(fig.X, fig.K, padding=1).shape == fig.X.shape  # "same" padding
    assert fig.correlate(fig.X5, fig.K, stride=2).shape == (2, 2)
    per_channel = sum(fig.correlate(fig.XC[c], fig.KC[c]) for c in range(2))
    y = conv2d_direct(fig.XC[None], fig.KC[None], np.array([fig.BIAS]))[0, 0]
    np.testing.assert_array_equal(y, per_channel + fig.BIAS)
    # The output-channels figure starts with the channels figure's kernel and bias.
    assert np.array_equal(fig.K3[0], fig.KC) and fig.B3[0] == fig.BIAS
    np.testing.assert_array_equal(conv2d_direct(fig.XC[None], fig.K3, fig.B3)[0, 0], y)
