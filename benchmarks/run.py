"""Run every benchmark case, nnfs against PyTorch on the CPU, and record the results per CPU.

Usage (from the repository root, with the `bench` extra installed):

    python -m benchmarks.run                   # 3 runs at 1 and 2 threads, every case
    python -m benchmarks.run --runs 1 --threads 1 --only LSTM transformer --no-save

NumPy's BLAS and torch are pinned to the same thread count (threadpoolctl and
`torch.set_num_threads`). Each case first checks that both sides compute the same loss and
gradients, then times them in alternating steady-state loops and measures the BLAS floor on
the case's own matrix shapes (see `harness.run_case`). The whole measurement is repeated
`--runs` times; `results.json` keeps, for each CPU model, the median of the runs and their
range, so a reader sees how much the numbers move. A run limited by `--only` or `--threads`
replaces only the rows it measured.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import re
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks import cases as cases_package
from benchmarks.harness import Case, Result, elementwise_speedup, lstm_elementwise_ms, run_case

RESULTS = Path(__file__).with_name("results.json")

# Targets at one thread, by case-name prefix: ("over_floor", x) bounds ratio / BLAS floor,
# ("ratio", x) bounds nnfs time / torch time.
TARGETS = {
    "mlp": ("over_floor", 0.95),
    "lenet": ("over_floor", 1.15),
    "lstm": ("over_floor", 1.2),
    "lstm fwd+bwd n32 t50 d64 h128, torch without onednn": None,  # a reference, see cases/lstm.py
    "transformer block": ("over_floor", 1.05),
    "bert": ("ratio", 2.0),
    "vgg": ("ratio", 2.5),
}


def collect(only: list[str] | None) -> list[Case]:
    found: list[Case] = []
    for info in pkgutil.iter_modules(cases_package.__path__):
        module = importlib.import_module(f"benchmarks.cases.{info.name}")
        for case in module.cases(np.float32):
            if not only or any(key.lower() in case.name.lower() for key in only):
                found.append(case)
    return found


def target_for(name: str) -> tuple[str, float] | None:
    """The target of the longest matching prefix (None: the case has no target)."""
    keys = [key for key in TARGETS if name.lower().startswith(key)]
    return TARGETS[max(keys, key=len)] if keys else None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def torch_blas(torch) -> str:
    """The BLAS torch was built with, as its build configuration names it (e.g. "mkl")."""
    found = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    return found.group(1) if found else "unknown"


def summarize(name: str, threads: int, results: list[Result]) -> dict:
    """Median and range over the runs of one case at one thread count."""
    ratios = [r.ratio for r in results]
    floors = [r.floor for r in results if r.floor is not None]
    over = [r.over_floor for r in results if r.over_floor is not None]
    row = {
        "case": name,
        "threads": threads,
        "runs": len(results),
        "nnfs_ms": statistics.median(r.nnfs_ms for r in results),
        "torch_ms": statistics.median(r.torch_ms for r in results),
        "ratio": statistics.median(ratios),
        "ratio_range": [min(ratios), max(ratios)],
        "floor": statistics.median(floors) if floors else None,
        "floor_against": results[0].floor_against,
        "gemm_numpy_ms": statistics.median(r.gemm_ms[0] for r in results) if floors else None,
        "gemm_torch_ms": statistics.median(r.gemm_ms[1] for r in results) if floors else None,
        "over_floor": statistics.median(over) if over else None,
        "over_floor_range": [min(over), max(over)] if over else None,
        "target": None,
    }
    target = target_for(name)
    if target and threads == 1:
        kind, bound = target
        worst = row["over_floor_range"][1] if kind == "over_floor" else max(ratios)
        row["target"] = {"kind": kind, "bound": bound, "met_in_every_run": worst <= bound}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=3, help="repeat the whole measurement")
    parser.add_argument("--only", nargs="*", help="substrings of case names to run")
    parser.add_argument("--repeats", type=int, default=None, help="samples per case and run")
    parser.add_argument("--no-save", action="store_true", help="do not write results.json")
    args = parser.parse_args()

    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    from benchmarks.cases import lstm as lstm_case  # imports torch, as every case does

    # OpenBLAS picks its kernels by CPU ("architecture"), unless OPENBLAS_CORETYPE forces them:
    # on an AVX-512 CPU, the AVX2 ("Haswell") kernels run small sgemms markedly slower.
    blas = [
        f"{i['internal_api']} {i.get('version')}"
        + (f" ({i['architecture']} kernels)" if i.get("architecture") else "")
        for i in threadpool_info()
    ]
    blas_env = {k: v for k, v in sorted(os.environ.items()) if k.startswith("OPENBLAS_")}
    cpu = cpu_model()
    print(f"{cpu}; numpy {np.__version__} ({', '.join(blas)}), torch {torch.__version__}")
    if blas_env:
        print(f"environment: {blas_env}")
    cases = collect(args.only)
    measured: dict[tuple[str, int], list[Result]] = {}
    elementwise: dict[int, list[dict]] = {}
    lstm_elementwise: list[float] = []  # see harness.lstm_elementwise_ms
    for run in range(args.runs):
        for threads in args.threads:
            torch.set_num_threads(threads)
            with threadpool_limits(limits=threads):
                print(f"\nrun {run + 1}/{args.runs}, {threads} thread(s)")
                print(f"{'case':<48}{'nnfs ms':>9}{'torch ms':>9}{'ratio':>7}{'floor':>7}"
                      f"{'/floor':>7}")  # fmt: skip
                for case in cases:
                    if args.repeats:
                        case.repeats = args.repeats
                    result = run_case(case, threads)
                    measured.setdefault((case.name, threads), []).append(result)
                    floor = f"{result.floor:.2f}" if result.floor else "-"
                    over = f"{result.over_floor:.2f}" if result.over_floor else "-"
                    print(f"{case.name:<48}{result.nnfs_ms:>9.2f}{result.torch_ms:>9.2f}"
                          f"{result.ratio:>7.2f}{floor:>7}{over:>7}")  # fmt: skip
                elementwise.setdefault(threads, []).append(elementwise_speedup(threads))
                if threads == 1 and any(c.name.startswith("LSTM") for c in cases):
                    # the sizes of the LSTM case, whose GEMM time the page adds to this
                    lstm_elementwise.append(
                        lstm_elementwise_ms(lstm_case.N, lstm_case.T, lstm_case.H)
                    )
                    print(f"LSTM elementwise work alone: {lstm_elementwise[-1]:.2f} ms")
    rows = [summarize(name, t, results) for (name, t), results in measured.items()]
    for row in rows:
        if row["target"]:
            kind, bound = row["target"]["kind"], row["target"]["bound"]
            verdict = "met" if row["target"]["met_in_every_run"] else "NOT met"
            print(f"target {row['case']}: {kind} <= {bound} {verdict} in every run")
    if args.no_save:
        return
    meta = {
        "cpu": cpu,
        "date": time.strftime("%Y-%m-%d"),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "blas": blas,
        "torch_blas": torch_blas(torch),
        "blas_env": blas_env,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "runs": args.runs,
    }
    tanh = {
        str(t): {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        for t, runs in elementwise.items()
    }
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    machines = data.get("machines", {})
    # A run restricted by --only or --threads replaces just the rows it measured.
    previous = machines.get(cpu, {})
    fresh = {(row["case"], row["threads"]) for row in rows}
    kept = [r for r in previous.get("results", []) if (r["case"], r["threads"]) not in fresh]
    tanh = {**previous.get("elementwise_tanh_1M", {}), **tanh}
    machines[cpu] = {
        "meta": meta,
        "results": sorted(kept + rows, key=lambda r: (r["case"].lower(), r["threads"])),
        "elementwise_tanh_1M": tanh,
    }
    if lstm_elementwise:
        machines[cpu]["lstm_elementwise_ms"] = statistics.median(lstm_elementwise)
    elif "lstm_elementwise_ms" in previous:
        machines[cpu]["lstm_elementwise_ms"] = previous["lstm_elementwise_ms"]
    RESULTS.write_text(json.dumps({"machines": machines}, indent=2) + "\n")
    print(f"\nwrote {RESULTS} ({cpu})")


if __name__ == "__main__":
    main()
