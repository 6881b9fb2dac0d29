"""The benchmark harness's bookkeeping (no timing): GEMM lists, floor libraries, targets, page.

Timings themselves are never asserted in tests; these check what turns them into the
Performance page: which library each floor is measured against, how a target is judged over
repeated runs, and how the hook renders a results file.
"""

import json

import pytest

from benchmarks import shapes
from benchmarks.harness import OneDNN, Result, conv_gemms, dense_gemms, floor_libraries
from benchmarks.run import summarize, target_for
from hooks.performance import render


def test_convolutions_and_the_lstm_are_timed_against_onednn_dense_layers_against_blas():
    assert all(isinstance(g, OneDNN) for g in conv_gemms(64, 6, 16, 5, (10, 10)))
    assert not any(isinstance(g, OneDNN) for g in dense_gemms(128, [784, 256, 10]))
    assert all(isinstance(g, OneDNN) for g in shapes.lstm())
    assert not any(isinstance(g, OneDNN) for g in shapes.lstm_blas())
    assert [tuple(g) for g in shapes.lstm()] == shapes.lstm_blas()
    assert floor_libraries(shapes.lstm()) == "oneDNN"
    assert floor_libraries(shapes.mlp()) == "BLAS"
    assert floor_libraries(shapes.lenet5()) == "oneDNN + BLAS"
    assert floor_libraries([]) is None


def test_lstm_products_count_every_step():
    # Forward: the input projection and one gate product per step; backward: one product per
    # step, then dW_x, dW_h and dx over all steps.
    gemms = shapes.lstm(n=32, t=50, d=64, h=128)
    assert len(gemms) == 1 + 50 + 50 + 3
    assert gemms.count((32, 128, 512)) == 50 and gemms.count((32, 512, 128)) == 50
    # Every step multiplies by the same W_h: the floor reuses one weight per per-step product,
    # and only those (the big products all have their own operands).
    for gemms in (shapes.lstm(), shapes.lstm_blas()):
        assert len({id(g) for g in gemms}) == 1 + 1 + 1 + 3
        assert len({id(g) for g in gemms if g in ((32, 128, 512), (32, 512, 128))}) == 2


def test_dense_gemms_skip_the_data_gradient_unless_asked():
    assert dense_gemms(8, [4, 3, 2]) == [(8, 4, 3), (4, 8, 3), (8, 3, 2), (3, 8, 2), (8, 2, 3)]
    assert (8, 3, 4) in dense_gemms(8, [4, 3, 2], input_grad=True)


def _result(ratio: float, floor: float) -> Result:
    # GEMMs of floor ms in NumPy, 1 ms in torch: the floor is `floor`.
    return Result("MLP 784-256-128-10 SGD step, batch 128", 1, ratio, 1.0, (floor, 1.0), "BLAS")


def test_a_target_is_met_only_when_every_run_meets_it():
    assert target_for("MLP 784-256-128-10 SGD step, batch 128") == ("over_floor", 0.95)
    met = summarize("MLP 784-256-128-10 SGD step, batch 128", 1, [_result(0.8, 0.9)] * 3)
    assert met["target"]["met_in_every_run"] and met["floor_against"] == "BLAS"
    one_slow = [_result(0.8, 0.9), _result(0.8, 0.9), _result(0.9, 0.9)]  # 1.0 > 0.95
    row = summarize("MLP 784-256-128-10 SGD step, batch 128", 1, one_slow)
    assert row["over_floor"] == pytest.approx(0.8 / 0.9)  # the median meets it ...
    assert not row["target"]["met_in_every_run"]  # ... one run does not
    assert row["over_floor_range"] == pytest.approx([0.8 / 0.9, 1.0])


def test_the_hook_renders_floor_library_and_verdict(tmp_path):
    lstm = Result("LSTM", 1, 2.0, 1.0, (1.5, 1.0), "oneDNN")
    rows = [
        summarize("LSTM fwd+bwd N32 T50 D64 H128", 1, [lstm]),
        summarize("MLP 784-256-128-10 SGD step, batch 128", 1, [_result(0.8, 0.9)]),
    ]
    meta = {"date": "2026-12-02", "cpus": 2, "machine": "x86_64", "python": "3.11", "numpy": "2",
            "blas": ["openblas"], "torch": "2", "torch_blas": "mkl", "runs": 1}  # fmt: skip
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"machines": {"Some CPU": {"meta": meta, "results": rows}}}))
    page = render(path)
    assert "### Some CPU" in page
    lstm_line = next(line for line in page.splitlines() if line.startswith("| LSTM"))
    assert "| 2.00 | 1.50 | 1.00 |" in lstm_line  # nnfs ms, its GEMMs alone, torch ms
    assert "1.50 (oneDNN)" in lstm_line and "÷ floor ≤ 1.20 ✗" in lstm_line
    mlp_line = next(line for line in page.splitlines() if line.startswith("| MLP"))
    assert "0.90 (BLAS)" in mlp_line and "÷ floor ≤ 0.95 ✓" in mlp_line
    assert "How fast a NumPy LSTM can be" not in page  # no elementwise measurement recorded


def test_the_hook_states_the_lstm_bound_from_its_gemms_and_elementwise_work(tmp_path):
    # nnfs 2.0 ms, torch 1.0 ms, GEMMs 1.5 ms in NumPy and 1.0 ms in oneDNN (floor 1.5); with
    # 0.15 ms of elementwise work no NumPy LSTM can take less than 1.65 ms: 1.65 / 1.0 / 1.5 = 1.1.
    row = summarize("LSTM fwd+bwd N32 T50 D64 H128", 1, [Result("LSTM", 1, 2.0, 1.0, (1.5, 1.0))])
    meta = {"date": "2026-12-02", "cpus": 2, "machine": "x86_64", "python": "3.11", "numpy": "2",
            "blas": ["openblas"], "torch": "2", "torch_blas": "mkl", "runs": 1}  # fmt: skip
    entry = {"meta": meta, "results": [row], "lstm_elementwise_ms": 0.15}
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"machines": {"Some CPU": entry}}))
    page = render(path)
    assert "took 0.15 ms" in page and "less than 1.65 ms, a ratio ÷ floor of 1.10, below" in page
    entry["lstm_elementwise_ms"] = 0.6
    path.write_text(json.dumps({"machines": {"Some CPU": entry}}))
    page = render(path)
    assert "less than 2.10 ms, a ratio ÷ floor of 1.40, above the target of 1.20;" in page
    # The target allows target * floor * torch ms: said only when that is less than the
    # NumPy products alone (here 1.5 ms).
    row["floor"] = 2.0
    path.write_text(json.dumps({"machines": {"Some CPU": entry}}))
    assert "(which asks for 2.40 ms, less than the products alone)" not in render(path)
    row["floor"], row["gemm_numpy_ms"] = 1.0, 1.5  # asks for 1.2 * 1.0 * 1.0 = 1.2 < 1.5
    path.write_text(json.dumps({"machines": {"Some CPU": entry}}))
    assert "(which asks for 1.20 ms, less than the products alone)" in render(path)
