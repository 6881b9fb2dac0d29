"""LSTM over a sequence, forward + backward through time, nnfs vs PyTorch.

Batch 32, T 50, D 64, H 128, one layer, float32. The torch side is `nn.LSTM(batch_first=True)`
with our weights copied in (torch stores `weight_ih_l0` as (4H, D), our `W_x` transposed, with
the same gate order i, f, g, o; its two biases add up to our `b`). Both back-propagate the same
fixed upstream gradient into the weights and the input (torch's input requires grad, so both
sides compute dL/dx).

The matrix products of one forward + backward, on which the harness measures this workload's
BLAS floor, are listed in `benchmarks/shapes.py` (`lstm`).

On a CPU build with oneDNN (MKL-DNN), torch runs `nn.LSTM` as one fused oneDNN kernel
(`aten::mkldnn_rnn_layer`), not as `torch.mm` calls, so the first case's floor times the
products with oneDNN's matrix multiply. The second case times torch with oneDNN switched off
(`torch_bridge.onednn`), where its LSTM is built from `addmm` and `mm` calls, and its floor
times the products with `torch.matmul` (`shapes.lstm_blas`).
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.harness import Case
from benchmarks.shapes import lstm_blas
from benchmarks.torch_bridge import assert_close, onednn, to_torch
from nnfs.layers.lstm import LSTM

N, T, D, H = 32, 50, 64, 128


def copy_lstm(ours: LSTM, ref: torch.nn.LSTM) -> None:
    """Copy every layer's weights from an nnfs LSTM into a torch.nn.LSTM of the same shape."""
    with torch.no_grad():
        for layer, cell in enumerate(ours.cells):
            getattr(ref, f"weight_ih_l{layer}").copy_(to_torch(cell.W_x.data.T))
            getattr(ref, f"weight_hh_l{layer}").copy_(to_torch(cell.W_h.data.T))
            getattr(ref, f"bias_ih_l{layer}").copy_(to_torch(cell.b.data))
            getattr(ref, f"bias_hh_l{layer}").zero_()


def cases(dtype: type = np.float32) -> list[Case]:
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    ours = LSTM(D, H, rng=np.random.default_rng(0), dtype=dtype)
    ref = torch.nn.LSTM(D, H, batch_first=True).to(torch_dtype)
    copy_lstm(ours, ref)

    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    grad_out = rng.standard_normal((N, T, H)).astype(dtype)
    x_t = to_torch(x).requires_grad_(True)
    grad_out_t = to_torch(grad_out)

    def nnfs_step() -> np.ndarray:
        ours.forward(x)
        return ours.backward(grad_out)

    def torch_step() -> torch.Tensor:
        y, _ = ref(x_t)
        y.backward(grad_out_t)
        return x_t.grad

    def check() -> None:
        ours.zero_grad()
        ref.zero_grad(set_to_none=False)
        x_t.grad = None
        y = ours.forward(x)
        dx = ours.backward(grad_out)
        y_t, (h_t, c_t) = ref(x_t)
        y_t.backward(grad_out_t)
        assert y.dtype == dtype and dx.dtype == dtype, f"LSTM: dtype changed to {y.dtype}"
        cell = ours.cells[0]
        assert cell.W_x.grad.dtype == dtype, f"LSTM: gradient dtype {cell.W_x.grad.dtype}"
        assert_close("LSTM output", y, y_t.detach().numpy())
        assert_close("LSTM h_n", ours.h_n, h_t.detach().numpy())
        assert_close("LSTM c_n", ours.c_n, c_t.detach().numpy())
        assert_close("LSTM dx", dx, x_t.grad.numpy())
        assert_close("LSTM W_x", cell.W_x.grad, ref.weight_ih_l0.grad.numpy().T)
        assert_close("LSTM W_h", cell.W_h.grad, ref.weight_hh_l0.grad.numpy().T)
        assert_close("LSTM b", cell.b.grad, ref.bias_ih_l0.grad.numpy())

    def torch_step_without_onednn() -> torch.Tensor:
        with onednn(False):
            return torch_step()

    def check_without_onednn() -> None:
        with onednn(False):
            check()

    name = f"LSTM fwd+bwd N{N} T{T} D{D} H{H}"
    return [
        Case(name, nnfs_step, torch_step, check),
        Case(
            f"{name}, torch without oneDNN",
            nnfs_step,
            torch_step_without_onednn,
            check_without_onednn,
            gemms=lstm_blas(N, T, D, H),
        ),
    ]
