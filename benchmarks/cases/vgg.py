"""VGG16, nnfs vs PyTorch: the 13-convolution stack forward to pool5 and backward to the input.

One 128x128 RGB image, float32, the weights of `nnfs.pretrained.load("vgg16")` (HED's
fine-tuned ImageNet VGG16) on both sides and frozen, as in style transfer: the work is the
forward pass plus dL/dx (no weight gradients). The upstream gradient at pool5 is fixed. The
torch side is `nn.Sequential` of Conv2d(3x3, padding 1) / ReLU / MaxPool2d(2, 2) with the same
weights, so the two compute the same function to float32 rounding.
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.harness import Case
from benchmarks.torch_bridge import assert_close, to_torch
from nnfs import pretrained
from nnfs.layers import Conv2D, MaxPool2D

SIZE = 128


def torch_vgg16(vgg: pretrained.vgg.VGG16) -> torch.nn.Sequential:
    """torch's Conv2d / ReLU / MaxPool2d stack with the weights of `vgg`, frozen."""
    nn = torch.nn
    modules: list[nn.Module] = []
    for layer in vgg.layers:
        if isinstance(layer, Conv2D):
            conv = nn.Conv2d(layer.in_channels, layer.out_channels, 3, padding=1)
            with torch.no_grad():
                conv.weight.copy_(to_torch(layer.W.data))
                conv.bias.copy_(to_torch(layer.b.data))
            modules.append(conv)
        elif isinstance(layer, MaxPool2D):
            modules.append(nn.MaxPool2d(2, 2))
        else:
            modules.append(nn.ReLU())
    ref = nn.Sequential(*modules).to(torch.float32 if vgg.dtype == np.float32 else torch.float64)
    return ref.requires_grad_(False)


def vgg16_case(dtype: type) -> Case:
    vgg = pretrained.load("vgg16", dtype=dtype)
    ref = torch_vgg16(vgg)
    rng = np.random.default_rng(0)
    x = vgg.preprocess(rng.integers(0, 256, (1, SIZE, SIZE, 3), dtype=np.uint8))
    grad_out = rng.standard_normal((1, 512, SIZE // 32, SIZE // 32)).astype(dtype)
    x_t, grad_out_t = to_torch(x).requires_grad_(True), to_torch(grad_out)

    def nnfs_step() -> np.ndarray:
        vgg.forward(x)
        return vgg.backward(grad_out)

    def torch_step() -> torch.Tensor:
        x_t.grad = None
        ref(x_t).backward(grad_out_t)
        return x_t.grad

    def check() -> None:
        grad_x = nnfs_step()
        assert grad_x.dtype == dtype, "VGG16: dtype changed"
        assert_close("VGG16 pool5", vgg.forward(x), ref(x_t).detach().numpy())
        assert_close("VGG16 dx", grad_x, torch_step().numpy())
        assert all(not p.grad.any() for p in vgg.parameters()), "VGG16: frozen weights got grads"

    name = f"VGG16 fwd+bwd to the input, 1x3x{SIZE}x{SIZE}"
    return Case(name, nnfs_step, torch_step, check, repeats=10)


def cases(dtype: type = np.float32) -> list[Case]:
    return [vgg16_case(dtype)]
