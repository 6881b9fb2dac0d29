"""VGG16 from the HED checkpoint: structure, weights, preprocessing, extract/extract_backward."""

import sys

import numpy as np
import pytest

from nnfs import pretrained
from nnfs.gradcheck import check_module, numerical_gradient, rel_error
from nnfs.layers import Conv2D, MaxPool2D, ReLU
from nnfs.pretrained import vgg as vgg_module
from nnfs.pretrained.vgg import FEATURE_NAMES, LAYER_NAMES, MEAN_BGR, VGG16, load_vgg16
from tests.conftest import GRAD_TOL

h5py = pytest.importorskip("h5py", reason="h5py is not installed; the HDF5 checkpoint is unread")


@pytest.fixture(scope="module")
def files():
    try:
        return pretrained.files("vgg16")
    except RuntimeError as error:  # offline with nothing cached
        pytest.skip(f"the VGG16 checkpoint is not available: {error}")


@pytest.fixture(scope="module")
def vgg(files):
    return load_vgg16(files)


def _image(rng, size=32, n=1):
    return rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def test_the_stack_has_vgg16s_31_layers_in_order():
    net = VGG16(rng=np.random.default_rng(0))
    assert len(net.layers) == len(LAYER_NAMES) == 31
    assert LAYER_NAMES[:5] == ("conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1")
    assert LAYER_NAMES[-3:] == ("conv5_3", "relu5_3", "pool5")
    convs = [layer for layer in net.layers if isinstance(layer, Conv2D)]
    assert [c.out_channels for c in convs] == [64, 64, 128, 128, 256, 256, 256] + [512] * 6
    assert all(c.kernel_size == (3, 3) and c.padding == (1, 1) for c in convs)
    pools = [layer for layer in net.layers if isinstance(layer, MaxPool2D)]
    assert len(pools) == 5 and all(p.kernel_size == p.stride == (2, 2) for p in pools)
    kinds = {"conv": Conv2D, "relu": ReLU, "pool": MaxPool2D}
    pairs = zip(net.names, net.layers, strict=True)
    assert all(isinstance(layer, kinds[name[:4]]) for name, layer in pairs)
    assert sum(p.data.size for p in net.parameters()) == 14_714_688  # VGG16 without its top


def test_upto_truncates_and_rejects_unknown_names():
    net = VGG16(upto="relu2_1", rng=np.random.default_rng(0))
    assert net.names == list(LAYER_NAMES[:7]) and len(net.layers) == 7
    with pytest.raises(ValueError, match="VGG16: upto expected a layer name"):
        VGG16(upto="relu6_1")


def test_load_converts_every_keras_kernel_and_freezes(files, vgg):
    with h5py.File(files[vgg_module.WEIGHTS_FILE]) as f:
        first = np.asarray(f["block1/layers/conv2d/vars/0"])  # (kh, kw, in, out)
        last = np.asarray(f["block5/layers/conv2d_2/vars/0"])
        last_bias = np.asarray(f["block5/layers/conv2d_2/vars/1"])
    np.testing.assert_array_equal(vgg.layer("conv1_1").W.data, first.transpose(3, 2, 0, 1))
    np.testing.assert_array_equal(vgg.layer("conv5_3").W.data, last.transpose(3, 2, 0, 1))
    np.testing.assert_array_equal(vgg.layer("conv5_3").b.data, last_bias)
    assert vgg.layer("conv1_1").W.data.dtype == np.float32
    assert all(p.frozen for p in vgg.parameters()) and not vgg.training
    assert pretrained.load("vgg16", dtype=np.float64).layer("conv2_1").W.dtype == np.float64


def test_the_layer_order_is_right_hed_side_outputs_find_the_edges(files, vgg):
    """HED reads each block's last ReLU with a 1x1 convolution (dsn1..dsn5) to score edges. With
    the convolutions in the right order the scores follow the true edges of a drawn disc; with
    conv5_2 and conv5_3 swapped they do not."""
    yy, xx = np.mgrid[0:128, 0:128]
    image = np.full((1, 128, 128, 3), 30, dtype=np.uint8)
    image[0][(yy - 70) ** 2 + (xx - 60) ** 2 < 30**2] = 250
    grey = image[0, :, :, 0].astype(float)
    edges = (
        np.abs(np.diff(grey, axis=0, prepend=0)) + np.abs(np.diff(grey, axis=1, prepend=0))
    ) > 0
    edges[0, :] = edges[:, 0] = False
    with h5py.File(files[vgg_module.WEIGHTS_FILE]) as f:
        side = {
            b: (np.asarray(f[f"dsn{b}/vars/0"])[0, 0, :, 0], f[f"dsn{b}/vars/1"][0]) for b in (3, 5)
        }

    def correlation(net, block, name):
        features = net.extract(net.preprocess(image), [name])[name][0]  # (C, h, w)
        weights, bias = side[block]
        score = np.tensordot(weights, features, axes=(0, 0)) + bias
        k = 128 // score.shape[0]
        target = edges.reshape(score.shape[0], k, score.shape[1], k).mean(axis=(1, 3))
        return np.corrcoef(score.ravel(), target.ravel())[0, 1]

    assert correlation(vgg, 3, "relu3_3") > 0.4
    assert correlation(vgg, 5, "relu5_3") > 0.4
    swapped = load_vgg16(files)
    c2, c3 = swapped.layer("conv5_2"), swapped.layer("conv5_3")
    c2.W.data[...], c3.W.data[...] = c3.W.data.copy(), c2.W.data.copy()
    c2.b.data[...], c3.b.data[...] = c3.b.data.copy(), c2.b.data.copy()
    assert abs(correlation(swapped, 5, "relu5_3")) < 0.25


def _torch_stack_from_file(torch, path, upto):
    """torch Conv2d/ReLU/MaxPool2d layers built straight from the HDF5 file (not from nnfs)."""
    nn = torch.nn
    modules, names = [], []
    with h5py.File(path) as f:
        for b, widths in enumerate(vgg_module.BLOCKS, start=1):
            for i, _ in enumerate(widths):
                group = f[f"block{b}/layers/conv2d{'' if i == 0 else f'_{i}'}/vars"]
                kernel = torch.from_numpy(np.asarray(group["0"])).permute(3, 2, 0, 1)
                conv = nn.Conv2d(kernel.shape[1], kernel.shape[0], 3, padding=1)
                with torch.no_grad():
                    conv.weight.copy_(kernel)
                    conv.bias.copy_(torch.from_numpy(np.asarray(group["1"])))
                modules += [conv, nn.ReLU()]
                names += [f"conv{b}_{i + 1}", f"relu{b}_{i + 1}"]
            modules.append(nn.MaxPool2d(2, 2))
            names.append(f"pool{b}")
    stop = names.index(upto) + 1
    return [m.float().requires_grad_(False) for m in modules[:stop]], names[:stop]


def test_features_and_input_gradient_match_torch_built_from_the_same_file(files, vgg):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity test skipped")
    rng = np.random.default_rng(0)
    x = vgg.preprocess(_image(rng, 64))
    names = ["relu1_1", "relu2_2", "relu3_3", "relu4_2", "pool4", "relu5_1"]
    weights = {}
    features = vgg.extract(x, names)
    for name in names:
        weights[name] = rng.standard_normal(features[name].shape).astype(np.float32)
    grad = vgg.extract_backward(weights)

    modules, torch_names = _torch_stack_from_file(torch, files[vgg_module.WEIGHTS_FILE], "relu5_1")
    x_t = torch.from_numpy(x).requires_grad_(True)
    h, loss, theirs = x_t, 0.0, {}
    for name, module in zip(torch_names, modules, strict=True):
        h = module(h)
        if name in weights:
            theirs[name] = h.detach().numpy()
            loss = loss + (h * torch.from_numpy(weights[name])).sum()
    loss.backward()
    for name in names:
        err = np.abs(features[name] - theirs[name]).max() / np.abs(theirs[name]).max()
        assert features[name].dtype == np.float32 and err < 2e-5, (name, err)
    grad_t = x_t.grad.numpy()
    assert grad.shape == x.shape and grad.dtype == np.float32
    assert np.abs(grad - grad_t).max() / np.abs(grad_t).max() < 2e-5


def test_preprocess_flips_to_bgr_subtracts_the_mean_and_goes_channels_first(vgg):
    image = np.zeros((2, 4, 5, 3), dtype=np.uint8)
    image[..., 0], image[..., 1], image[..., 2] = 200, 100, 10  # R, G, B
    x = vgg.preprocess(image)
    assert x.shape == (2, 3, 4, 5) and x.dtype == np.float32 and x.flags.c_contiguous
    np.testing.assert_allclose(x[0, :, 0, 0], np.array([10, 100, 200]) - np.array(MEAN_BGR), 1e-6)
    np.testing.assert_array_equal(vgg.preprocess(image.astype(np.float64)), x)
    np.testing.assert_allclose(vgg.deprocess(x), image.astype(np.float32), atol=1e-4)


@pytest.mark.parametrize(
    "images, error, message",
    [
        (np.zeros((4, 5, 3), np.uint8), ValueError, r"expected shape \(N, H, W, 3\)"),
        (np.zeros((1, 3, 4, 5), np.uint8), ValueError, r"expected shape \(N, H, W, 3\)"),
        (np.zeros((1, 4, 5, 3), bool), TypeError, "expected uint8 or floats"),
        (np.full((1, 4, 5, 3), 0.5) + np.eye(5)[:4, :, None] * 300, ValueError, "0..255"),
        (np.full((1, 4, 5, 3), -1.0), ValueError, "0..255"),
        (np.full((1, 4, 5, 3), np.nan), ValueError, "0..255"),
        ([[[[0, 0, 0]]]], TypeError, "numpy.ndarray"),
    ],
)
def test_preprocess_rejects_bad_images(vgg, images, error, message):
    with pytest.raises(error, match=r"VGG16.preprocess: images .*" + message):
        vgg.preprocess(images)


def test_extract_returns_the_named_maps_with_their_shapes():
    net = VGG16(rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 3, 64, 48)).astype(np.float32)
    feats = net.extract(x, ["relu1_1", "pool1", "relu3_3", "relu5_3", "pool5"])
    assert feats["relu1_1"].shape == (2, 64, 64, 48)
    assert feats["pool1"].shape == (2, 64, 32, 24)
    assert feats["relu3_3"].shape == (2, 256, 16, 12)
    assert feats["relu5_3"].shape == (2, 512, 4, 3)
    assert feats["pool5"].shape == (2, 512, 2, 1)
    assert all(f.dtype == np.float32 for f in feats.values())
    assert net.forward(x).shape == (2, 512, 2, 1)
    odd = net.extract(x[:, :, :7, :9], ["pool1", "relu2_1"])  # pooling floors: 7 -> 3
    assert odd["pool1"].shape == odd["relu2_1"].shape[:1] + (64, 3, 4)


def test_odd_sizes_are_floored_through_the_poolings_as_torch_does():
    """The pitfall of the transfer-learning page: a 100x100 image reaches pool5 as 3x3
    (100 -> 50 -> 25 -> 12 -> 6 -> 3), as torch's MaxPool2d(2, 2) of torchvision's VGG gives."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity test skipped")
    net = VGG16(rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((1, 3, 100, 100)).astype(np.float32)
    shapes = {
        name: f.shape[2:] for name, f in net.extract(x, [f"pool{i}" for i in range(1, 6)]).items()
    }
    size, theirs = torch.zeros(1, 1, 100, 100), []
    for _ in range(5):
        size = torch.nn.MaxPool2d(2, 2)(size)
        theirs.append(tuple(size.shape[2:]))
    assert list(shapes.values()) == theirs == [(50, 50), (25, 25), (12, 12), (6, 6), (3, 3)]


def test_extract_runs_only_as_far_as_the_deepest_name():
    net = VGG16(rng=np.random.default_rng(0))

    def fail(x):
        raise AssertionError("a layer past the deepest requested name ran")

    for layer in net.layers[net.index["relu2_2"] + 1 :]:
        layer.forward = fail
    net.extract(np.zeros((1, 3, 16, 16), np.float32), ["relu2_2", "relu1_1"])


@pytest.mark.parametrize("names", [["relu6_1"], ["conv1_1"], [], ["relu1_1", "fc6"]], ids=str)
def test_extract_rejects_unknown_names(names):
    net = VGG16(upto="pool1", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="VGG16: names expected some of"):
        net.extract(np.zeros((1, 3, 8, 8)), names)


def test_extract_rejects_names_past_a_truncated_stack():
    net = VGG16(upto="relu2_1", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="VGG16: names expected some of"):
        net.extract(np.zeros((1, 3, 8, 8)), ["relu2_2"])


def test_extract_rejects_bad_inputs():
    net = VGG16(upto="pool1", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"VGG16: x expected shape \(\*, 3, \*, \*\)"):
        net.extract(np.zeros((1, 8, 8, 3)), ["relu1_1"])  # channels last: call preprocess
    with pytest.raises(TypeError, match="VGG16: x expected a floating-point array"):
        net.extract(np.zeros((1, 3, 8, 8), np.uint8), ["relu1_1"])


def test_extract_backward_checks_its_arguments():
    net = VGG16(upto="pool1", rng=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="VGG16: extract_backward called before extract"):
        net.extract_backward({"relu1_1": np.zeros((1, 64, 8, 8))})
    feats = net.extract(np.zeros((1, 3, 8, 8)), ["relu1_1"])
    with pytest.raises(ValueError, match="VGG16: names expected some of"):
        net.extract_backward({"pool1": np.zeros((1, 64, 4, 4))})  # not extracted
    with pytest.raises(ValueError, match=r"VGG16: grads\['relu1_1'\] expected shape"):
        net.extract_backward({"relu1_1": np.zeros((1, 64, 4, 4))})
    with pytest.raises(TypeError, match=r"VGG16: grads\['relu1_1'\] expected a floating"):
        net.extract_backward({"relu1_1": np.zeros(feats["relu1_1"].shape, int)})
    with pytest.raises(ValueError, match="VGG16: grads expected at least one"):
        net.extract_backward({})


def test_extract_backward_matches_central_differences_in_float64():
    """L = sum_l <R_l, F_l(x)> over three taps of a truncated stack: dL/dx by extract_backward."""
    rng = np.random.default_rng(0)
    net = VGG16(upto="relu2_1", rng=rng, dtype=np.float64).freeze()
    x = rng.standard_normal((1, 3, 6, 6))
    names = ["relu1_1", "pool1", "relu2_1"]
    shapes = {name: f.shape for name, f in net.extract(x, names).items()}
    R = {name: rng.standard_normal(shape) for name, shape in shapes.items()}

    def loss(x):
        feats = net.extract(x, names)
        return float(sum(np.sum(R[n] * feats[n]) for n in names))

    numeric = numerical_gradient(loss, x)
    net.extract(x, names)
    analytic = net.extract_backward(R)
    assert rel_error(analytic, numeric) < GRAD_TOL
    assert all(not p.grad.any() for p in net.parameters())  # frozen: no weight gradient work
    # A gradient on a shallower name only: the backward starts there, not at the deepest.
    net.extract(x, names)
    only_first = net.extract_backward({"relu1_1": R["relu1_1"]})
    net2 = VGG16(upto="relu1_1", rng=np.random.default_rng(0), dtype=np.float64)
    net2.layers[0].W.data[...] = net.layers[0].W.data
    net2.layers[0].b.data[...] = net.layers[0].b.data
    net2.extract(x, ["relu1_1"])
    np.testing.assert_allclose(only_first, net2.extract_backward({"relu1_1": R["relu1_1"]}))


def test_a_truncated_stack_with_conv1_1_unfrozen_passes_the_gradient_check():
    rng = np.random.default_rng(0)
    net = VGG16(upto="pool1", rng=rng, dtype=np.float64)
    net.layer("conv1_2").freeze()  # 37k weights: too many for central differences here
    errors = check_module(net, rng.standard_normal((1, 3, 4, 4)))
    assert set(errors) == {"layers.0.W", "layers.0.b", "input0"}
    assert max(errors.values()) < GRAD_TOL, errors


def test_load_without_h5py_says_how_to_install_it(files, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py now raises ImportError
    with pytest.raises(ImportError, match="pip install h5py"):
        load_vgg16(files)


def test_load_rejects_a_file_laid_out_differently(tmp_path):
    path = tmp_path / "bad.weights.h5"
    with h5py.File(path, "w") as f:
        f["block1/layers/conv2d/vars/0"] = np.zeros((3, 3, 3, 32), np.float32)
        f["block1/layers/conv2d/vars/1"] = np.zeros(32, np.float32)
    with pytest.raises(ValueError, match="load_vgg16: .* has no group block1/layers/conv2d_1"):
        load_vgg16({vgg_module.WEIGHTS_FILE: path})
    with h5py.File(path, "a") as f:
        for b, widths in enumerate(vgg_module.BLOCKS, start=1):
            for i, width in enumerate(widths):
                key = f"block{b}/layers/conv2d{'' if i == 0 else f'_{i}'}/vars"
                if key not in f:
                    f[key + "/0"] = np.zeros((3, 3, 1, width), np.float32)
                    f[key + "/1"] = np.zeros(width, np.float32)
    with pytest.raises(ValueError, match=r"load_vgg16: a kernel expected shape \(3, 3, 3, 64\)"):
        load_vgg16({vgg_module.WEIGHTS_FILE: path})


def test_feature_names_are_the_relu_and_pool_outputs():
    assert len(FEATURE_NAMES) == 13 + 5
    assert "relu4_2" in FEATURE_NAMES and "conv4_2" not in FEATURE_NAMES


def test_copy_layers_makes_a_trainable_copy_that_computes_the_same(vgg):
    block5 = vgg.copy_layers("conv5_1", "pool5")
    assert len(block5) == 7 and not any(p.frozen for p in block5.parameters())
    x = np.random.default_rng(0).standard_normal((1, 512, 4, 4)).astype(np.float32)
    np.testing.assert_array_equal(block5(x), _run(vgg, "conv5_1", "pool5", x))
    block5.layers[0].W.data[...] = 0  # the copy does not share memory with the original
    assert vgg.layer("conv5_1").W.data.any()
    with pytest.raises(ValueError, match="VGG16: copy_layers expected 'pool5' before 'conv5_1'"):
        vgg.copy_layers("pool5", "conv5_1")


def _run(net, first, last, x):
    for layer in net.layers[net.index[first] : net.index[last] + 1]:
        x = layer(x)
    return x
