"""What the Performance page says about PyTorch's CPU build, checked against the installed torch.

The page explains the LSTM row: torch runs `nn.LSTM` on the CPU as a fused oneDNN kernel rather
than as the matrix products the BLAS floor times, and with oneDNN switched off it falls back to
those products (`addmm` / `mm`), the path the floor describes.
"""

import pytest

torch = pytest.importorskip("torch", reason="the PyTorch claims need torch installed")
from torch.profiler import ProfilerActivity, profile  # noqa: E402

from benchmarks.torch_bridge import onednn  # noqa: E402


def _ops_of_an_lstm_step() -> set[str]:
    # float32 explicitly: oneDNN's RNN kernels are float32 ones, and other test modules set
    # torch's default dtype to float64.
    lstm = torch.nn.LSTM(8, 16, batch_first=True, dtype=torch.float32)
    x = torch.randn(4, 5, 8, dtype=torch.float32, requires_grad=True)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        y, _ = lstm(x)
        y.sum().backward()
    return {event.key for event in prof.key_averages()}


def test_cpu_lstm_runs_as_one_fused_onednn_kernel():
    if not torch.backends.mkldnn.is_available():
        pytest.skip("this torch build has no oneDNN")
    with onednn(True):
        ops = _ops_of_an_lstm_step()
    assert "aten::mkldnn_rnn_layer" in ops and "aten::mkldnn_rnn_layer_backward" in ops
    assert "aten::mm" not in ops and "aten::addmm" not in ops


def test_without_onednn_the_lstm_is_built_from_matrix_products():
    with onednn(False):
        ops = _ops_of_an_lstm_step()
    assert "aten::mkldnn_rnn_layer" not in ops
    assert {"aten::mm", "aten::addmm"} & ops


def test_the_cpu_build_uses_mkl_as_its_blas():
    """The page names torch's BLAS from its build configuration, as benchmarks/run.py reads it."""
    from benchmarks.run import torch_blas

    assert torch_blas(torch) == "mkl"
