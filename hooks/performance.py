"""MkDocs hook: render the benchmark results into the Performance page at every build.

`python -m benchmarks.run` writes `benchmarks/results.json`: for each CPU model it was run on,
the median and range over several runs of every workload's time (nnfs and PyTorch), their
ratio, the BLAS floor measured on the workload's own matrix shapes, and the ratio over the
floor. This hook turns each CPU's results into a table, a bar chart (an inline SVG drawn by
matplotlib) and a paragraph on two threads, replacing the marker `<!-- benchmark-results -->`
in `docs/performance.md`. The build needs the results file and matplotlib, never PyTorch.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

MARKER = "<!-- benchmark-results -->"
RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results.json"


def _span(value: float, bounds: list[float] | None) -> str:
    if not bounds or bounds[0] == bounds[1]:
        return f"{value:.2f}"
    return f"{value:.2f} ({bounds[0]:.2f}–{bounds[1]:.2f})"


def _target(row: dict) -> str:
    target = row.get("target")
    if not target:
        return "–"
    what = "÷ floor" if target["kind"] == "over_floor" else "ratio"
    mark = "✓" if target["met_in_every_run"] else "✗"
    return f"{what} ≤ {target['bound']:.2f} {mark}"


def _table(rows: list[dict]) -> str:
    one = [r for r in rows if r["threads"] == 1]
    two = {r["case"]: r for r in rows if r["threads"] == 2}
    lines = [
        "| workload | nnfs ms | its GEMMs alone, ms | torch ms | ratio nnfs / torch "
        "| BLAS floor (torch side) | ratio ÷ floor | target (1 thread) | ratio, 2 threads |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in one:
        floor = f"{r['floor']:.2f}" if r.get("floor") else "–"
        if r.get("floor") and r.get("floor_against"):
            floor += f" ({r['floor_against']})"
        over = _span(r["over_floor"], r.get("over_floor_range")) if r.get("over_floor") else "–"
        gemms = f"{r['gemm_numpy_ms']:.2f}" if r.get("gemm_numpy_ms") else "–"
        second = two.get(r["case"])
        ratio2 = _span(second["ratio"], second.get("ratio_range")) if second else "–"
        lines.append(
            f"| {r['case']} | {r['nnfs_ms']:.2f} | {gemms} | {r['torch_ms']:.2f} | "
            f"{_span(r['ratio'], r.get('ratio_range'))} | {floor} | {over} | {_target(r)} | "
            f"{ratio2} |"
        )
    return "\n".join(lines)


def _chart(rows: list[dict]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    one = [r for r in rows if r["threads"] == 1]
    names = [r["case"] for r in one]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(names) + 1.2))
    y = np.arange(len(names))
    ratios = [r["ratio"] for r in one]
    floors = [r["floor"] if r.get("floor") else np.nan for r in one]
    ax.barh(y - 0.2, ratios, height=0.4, label="nnfs / torch, 1 thread")
    ax.barh(y + 0.2, floors, height=0.4, label="BLAS floor (NumPy GEMM / torch GEMM)")
    ax.axvline(1.0, color="black", lw=1, ls="--")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("time ratio (lower is better for nnfs; 1 = same speed)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog: the SVG is inlined in HTML
    return f'<figure class="nnfs-benchmark-chart" markdown="0">{svg}</figure>'


def _threads_paragraph(entry: dict) -> str:
    rows = entry["results"]
    tanh = entry.get("elementwise_tanh_1M", {})
    one = {r["case"]: r for r in rows if r["threads"] == 1}
    two = {r["case"]: r for r in rows if r["threads"] == 2}
    both = [c for c in one if c in two]
    if not both or "1" not in tanh or "2" not in tanh:
        return ""
    speedups = ", ".join(
        f"{c}: nnfs ×{one[c]['nnfs_ms'] / two[c]['nnfs_ms']:.2f}, "
        f"torch ×{one[c]['torch_ms'] / two[c]['torch_ms']:.2f}"
        for c in both
    )
    numpy_gain = tanh["1"]["numpy_ms"] / tanh["2"]["numpy_ms"]
    torch_gain = tanh["1"]["torch_ms"] / tanh["2"]["torch_ms"]
    return (
        "**Two threads.** NumPy hands matrix products to its BLAS, which uses every thread it "
        "is given; its elementwise functions (`tanh`, `*`, `+`) are loops that NumPy runs in the "
        "calling thread. PyTorch splits its elementwise kernels over its intra-op threads. One "
        f"`tanh` over 2²⁰ float32 numbers took {tanh['1']['numpy_ms']:.2f} ms in NumPy with one "
        f"thread and {tanh['2']['numpy_ms']:.2f} ms with two (×{numpy_gain:.2f}); in PyTorch "
        f"{tanh['1']['torch_ms']:.2f} and {tanh['2']['torch_ms']:.2f} ms (×{torch_gain:.2f}). "
        f"Speed-up of each workload from one thread to two: {speedups}."
    )


def _lstm_bound_paragraph(entry: dict) -> str:
    """What no NumPy LSTM can beat: its GEMMs plus the bare elementwise work of its gates."""
    lstm = next(
        (r for r in entry["results"] if r["case"].startswith("LSTM") and "without" not in r["case"]
         and r["threads"] == 1),
        None,
    )  # fmt: skip
    work = entry.get("lstm_elementwise_ms")
    if not lstm or work is None or not lstm.get("floor"):
        return ""
    bound = lstm["gemm_numpy_ms"] + work
    over = bound / lstm["torch_ms"] / lstm["floor"]
    target = lstm.get("target")
    verdict = ""
    if target:
        side = "above" if over > target["bound"] else "below"
        verdict = f", {side} the target of {target['bound']:.2f}"
        budget = target["bound"] * lstm["floor"] * lstm["torch_ms"]
        if budget < lstm["gemm_numpy_ms"]:
            verdict += f" (which asks for {budget:.2f} ms, less than the products alone)"
    return (
        "**How fast a NumPy LSTM can be.** The elementwise work of the gate equations alone "
        "(`harness.lstm_elementwise_ms`: 10 NumPy calls per step forward and 15 backward, each "
        "writing into a preallocated array that stays in cache, with no Python function, "
        f"allocation or stored cache around them) took {work:.2f} ms for the 50 steps. With the "
        f"step's matrix products in NumPy ({lstm['gemm_numpy_ms']:.2f} ms), no NumPy "
        f"implementation of this LSTM can take less than {bound:.2f} ms, a ratio ÷ floor of "
        f"{over:.2f}{verdict}; the package's LSTM takes {lstm['nnfs_ms']:.2f} ms. PyTorch "
        f"({lstm['torch_ms']:.2f} ms) makes one call into oneDNN for the whole sequence, whose "
        "compiled kernels do the same work with no Python-level call per operation."
    )


def _blas_env(meta: dict) -> str:
    env = meta.get("blas_env")
    if not env:
        return ""
    settings = ", ".join(f"`{k}={v}`" for k, v in env.items())
    return f"run with {settings} set in the environment; "


def render(results_path: Path = RESULTS) -> str:
    """The Markdown for every CPU in the results file: chart, table, threads, provenance."""
    data = json.loads(results_path.read_text())
    parts = []
    for cpu, entry in data["machines"].items():
        meta = entry["meta"]
        provenance = (
            f"*Measured {meta['date']} on {meta['cpus']} CPUs ({cpu}, {meta['machine']}), "
            f"Python {meta['python']}, NumPy {meta['numpy']} ({', '.join(meta['blas'])}), "
            f"PyTorch {meta['torch']} (BLAS: {meta.get('torch_blas', 'not recorded')}); "
            f"{_blas_env(meta)}float32; medians of {meta['runs']} runs, each the "
            "median of alternating steady-state loops; ranges in parentheses are the lowest "
            "and highest of the runs." + (f" {meta['note']}" if meta.get("note") else "") + "*"
        )
        parts += [
            f"### {cpu}",
            _chart(entry["results"]),
            _table(entry["results"]),
            _threads_paragraph(entry),
            _lstm_bound_paragraph(entry),
            provenance,
        ]
    return "\n\n".join(p for p in parts if p)


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, render())
