"""What the Performance page says about PyTorch's CPU build, checked against the installed torch.

The page explains the floor: torch runs `nn.LSTM` and `Conv2d` on the CPU as oneDNN kernels, not
as `torch.matmul` calls, so their floor is timed with oneDNN's matrix multiply; with oneDNN
switched off the LSTM falls back to `addmm` / `mm`, the path of the "without oneDNN" row.
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


def test_cpu_conv2d_runs_in_onednn():
    """benchmarks/harness.OneDNN: torch's float32 convolution is a oneDNN kernel on the CPU."""
    if not torch.backends.mkldnn.is_available():
        pytest.skip("this torch build has no oneDNN")
    conv = torch.nn.Conv2d(6, 16, 5, dtype=torch.float32)
    x = torch.randn(4, 6, 14, 14, dtype=torch.float32, requires_grad=True)
    with onednn(True), profile(activities=[ProfilerActivity.CPU]) as prof:
        conv(x).sum().backward()
    ops = {event.key for event in prof.key_averages()}
    assert "aten::mkldnn_convolution" in ops
    assert "aten::mm" not in ops and "aten::addmm" not in ops


def test_the_floors_onednn_matmul_is_a_matrix_product():
    """The floor times oneDNN's linear on (a, b^T); it must compute a @ b."""
    from benchmarks.harness import onednn_matmul

    matmul = onednn_matmul()
    if matmul is None:
        pytest.skip("this torch build has no oneDNN")
    a = torch.randn(32, 128, dtype=torch.float32)
    b = torch.randn(128, 512, dtype=torch.float32)
    got = matmul(a, b.T.contiguous())
    assert got.shape == (32, 512) and got.dtype == torch.float32
    torch.testing.assert_close(got, a @ b, rtol=1e-4, atol=1e-4)


def test_onednn_matmul_uses_avx512_kernels_on_an_avx512_cpu():
    """The page: oneDNN picks its kernels from the instructions the CPU has, AVX-512 where the
    CPU has it (whatever OpenBLAS is told to use). oneDNN prints its choice in verbose mode."""
    import subprocess
    import sys
    from pathlib import Path

    if not torch.backends.mkldnn.is_available():
        pytest.skip("this torch build has no oneDNN")
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists() or " avx512f" not in cpuinfo.read_text():
        pytest.skip("not an AVX-512 CPU")
    script = (
        "import torch\n"
        "a, w = torch.randn(32, 128), torch.randn(512, 128)\n"
        "with torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):\n"
        "    torch.ops.mkldnn._linear_pointwise(a, w, None, 'none', [], '')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    # The kernel's name carries the instruction set; oneDNN's "isa:" header line was missing
    # from this output on one Intel Xeon, so it is not relied upon.
    assert "matmul,brg_matmul:avx512" in out
