"""The matrix products (GEMMs) of each benchmark workload, for its BLAS floor.

Each entry lists every product one nnfs step performs, forward and backward, in the shapes nnfs
uses: (m, k, n) for an (m, k) @ (k, n) product, (b, m, k, n) for a batch of b. PyTorch performs
the same products (or, for convolutions, the same arithmetic in its own kernels). The floor of a
case is the time NumPy's BLAS needs for these products over the time torch's needs: the ratio a
step made of nothing but these products would have. Products that torch computes inside oneDNN
kernels (convolutions, `nn.LSTM`) are marked `OneDNN` and timed with oneDNN's matrix multiply.
"""

from __future__ import annotations

from benchmarks.harness import Gemm, OneDNN, conv_gemms, dense_gemms


def mlp() -> list[Gemm]:
    return dense_gemms(128, [784, 256, 128, 10], input_grad=False)


def lenet5(n: int = 64) -> list[Gemm]:
    return (
        conv_gemms(n, 1, 6, 5, (28, 28), input_grad=False)  # C1: the input is data
        + conv_gemms(n, 6, 16, 5, (10, 10))  # C3
        + dense_gemms(n, [400, 120, 84, 10], input_grad=True)  # F5, F6, output
    )


def conv2d(n: int = 64) -> list[Gemm]:
    return conv_gemms(n, 6, 16, 5, (10, 10))


def lstm(n: int = 32, t: int = 50, d: int = 64, h: int = 128) -> list[Gemm]:
    """Input projection of all steps at once, one gate product per step forward and backward,
    and the weight gradients and dx as one product each over all steps: the products of
    oneDNN's LSTM kernel, which is how torch runs `nn.LSTM` on the CPU."""
    return lstm_blas(n, t, d, h, mark=OneDNN)


def lstm_blas(
    n: int = 32, t: int = 50, d: int = 64, h: int = 128, mark: type = tuple
) -> list[Gemm]:
    """The same products, timed with torch.matmul: the path of torch's LSTM without oneDNN.

    The T per-step products h W_h (forward) and d_a W_h^T (backward) each use one weight, so
    each is one shape object repeated T times (see `harness.Case`)."""
    rows = t * n
    step_forward, step_backward = mark((n, h, 4 * h)), mark((n, 4 * h, h))
    forward = [mark((rows, d, 4 * h))] + [step_forward] * t
    backward = [step_backward] * t
    backward += [mark((d, rows, 4 * h)), mark((h, rows, 4 * h)), mark((rows, 4 * h, d))]
    return forward + backward


def attention(n: int = 16, t: int = 64, d: int = 128, heads: int = 4) -> list[Gemm]:
    """Fused QKV projection, scores and weighted values per head, output projection; backward:
    the two projections' dW and dx, and dV, dA, dQ, dK per head."""
    rows, d_k, b = n * t, d // heads, n * heads
    forward = [(rows, d, 3 * d), (b, t, d_k, t), (b, t, t, d_k), (rows, d, d)]
    backward = [
        (d, rows, d), (rows, d, d),  # output projection: dW, dx
        (b, t, t, d_k), (b, t, d_k, t), (b, t, t, d_k), (b, t, t, d_k),  # dV, dA, dQ, dK
        (d, rows, 3 * d), (rows, 3 * d, d),  # QKV projection: dW, dx
    ]  # fmt: skip
    return forward + backward


def transformer_block(
    n: int = 16, t: int = 64, d: int = 128, heads: int = 4, d_ff: int = 512
) -> list[Gemm]:
    return attention(n, t, d, heads) + dense_gemms(n * t, [d, d_ff, d], input_grad=True)


def vgg16(size: int = 128) -> list[Gemm]:
    """The 13 frozen 3x3 convolutions of VGG16 on one image: forward and dL/dx, no dW."""
    blocks = [(3, 64, 2), (64, 128, 2), (128, 256, 3), (256, 512, 3), (512, 512, 3)]
    gemms: list[Gemm] = []
    for c_in, c_out, convs in blocks:
        for i in range(convs):
            channels = c_in if i == 0 else c_out
            gemms += conv_gemms(1, channels, c_out, 3, (size, size), weight_grad=False)
        size //= 2  # the 2x2 max pool after each block
    return gemms


def bert(n: int = 16, t: int = 64, d: int = 384, heads: int = 12, d_ff: int = 1536) -> list[Gemm]:
    """Forward only, six layers: fused QKV, scores and weighted values per head, the output
    projection, and the two feed-forward products."""
    rows, d_k, b = n * t, d // heads, n * heads
    layer = [(rows, d, 3 * d), (b, t, d_k, t), (b, t, t, d_k), (rows, d, d)]
    layer += [(rows, d, d_ff), (rows, d_ff, d)]
    return layer * 6


# Case-name prefix (lower case) -> its products.
GEMMS = {
    "mlp": mlp,
    "lenet": lenet5,
    "conv2d": conv2d,
    "lstm": lstm,
    "multi-head attention": attention,
    "transformer block": transformer_block,
    "vgg16": vgg16,
    "bert": bert,
}


def gemms_for(name: str) -> list[Gemm]:
    return next((f() for key, f in GEMMS.items() if name.lower().startswith(key)), [])
