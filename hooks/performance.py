"""MkDocs hook: render the benchmark results into the Performance page at every build.

`python -m benchmarks.run` writes `benchmarks/results.json`. This hook turns it into a table
and a bar chart of the ratios (an inline SVG drawn by matplotlib), replacing the marker
`<!-- benchmark-results -->` in `docs/performance.md`. The build therefore needs the results
file and matplotlib, never PyTorch.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

MARKER = "<!-- benchmark-results -->"
RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results.json"


def _table(rows: list[dict], threads: list[int]) -> str:
    head = "| workload | " + " | ".join(
        f"nnfs ms ({t}T) | torch ms ({t}T) | ratio ({t}T)" for t in threads
    )
    lines = [head + " | target (1T) |", "|---" * (1 + 3 * len(threads) + 1) + "|"]
    for name in dict.fromkeys(r["case"] for r in rows):
        cells = [name]
        target = ""
        for t in threads:
            match = [r for r in rows if r["case"] == name and r["threads"] == t]
            if match:
                r = match[0]
                cells += [f"{r['nnfs_ms']:.2f}", f"{r['torch_ms']:.2f}", f"**{r['ratio']:.2f}**"]
                target = f"≤ {r['target']:.1f}" if r.get("target") else "–"
            else:
                cells += ["–", "–", "–"]
        lines.append("| " + " | ".join(cells + [target]) + " |")
    return "\n".join(lines)


def _chart(rows: list[dict], threads: list[int]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = list(dict.fromkeys(r["case"] for r in rows))
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1.2))
    height = 0.8 / len(threads)
    y = np.arange(len(names))
    for i, t in enumerate(threads):
        ratios = [
            next((r["ratio"] for r in rows if r["case"] == n and r["threads"] == t), np.nan)
            for n in names
        ]
        ax.barh(y + i * height, ratios, height=height, label=f"{t} thread{'s' * (t > 1)}")
    ax.axvline(1.0, color="black", lw=1, ls="--")
    ax.set_yticks(y + height * (len(threads) - 1) / 2, names)
    ax.invert_yaxis()
    ax.set_xlabel("time of nnfs / time of PyTorch (lower is better; 1 = same speed)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog: the SVG is inlined in HTML
    return f'<figure class="nnfs-benchmark-chart" markdown="0">{svg}</figure>'


def render(results_path: Path = RESULTS) -> str:
    """The Markdown (table + inline SVG chart + provenance line) for the results file."""
    data = json.loads(results_path.read_text())
    rows, meta = data["results"], data["meta"]
    threads = sorted({r["threads"] for r in rows})
    provenance = (
        f"*Measured {meta['date']} on {meta['cpus']} CPUs ({meta['machine']}), Python "
        f"{meta['python']}, NumPy {meta['numpy']} ({', '.join(meta['blas'])}), "
        f"PyTorch {meta['torch']}; medians of interleaved runs, float32.*"
    )
    return "\n\n".join([_chart(rows, threads), _table(rows, threads), provenance])


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, render())
