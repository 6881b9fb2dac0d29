"""Run every benchmark case, nnfs against PyTorch on the CPU, and write `results.json`.

Usage (from the repository root, with the `bench` extra installed):

    python -m benchmarks.run                  # 1 and 2 threads, every case
    python -m benchmarks.run --threads 1 --only lstm transformer

NumPy's BLAS and torch are pinned to the same thread count (threadpoolctl and
`torch.set_num_threads`) and the count is reported. Each case first checks that both sides
compute the same loss and gradients, then times them interleaved (see `harness.run_case`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import time
from pathlib import Path

import numpy as np

from benchmarks import cases as cases_package
from benchmarks.harness import Case, run_case

RESULTS = Path(__file__).with_name("results.json")

# Targets from the performance issue: ratio nnfs / torch, one thread, medians.
TARGETS = {"mlp": 1.0, "transformer": 1.0, "lstm": 1.5, "lenet": 2.0}


def collect(only: list[str] | None) -> list[Case]:
    found: list[Case] = []
    for info in pkgutil.iter_modules(cases_package.__path__):
        module = importlib.import_module(f"benchmarks.cases.{info.name}")
        for case in module.cases(np.float32):
            if not only or any(key in case.name for key in only):
                found.append(case)
    return found


def target_for(name: str) -> float | None:
    return next((t for key, t in TARGETS.items() if name.lower().startswith(key)), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", nargs="*", help="substrings of case names to run")
    parser.add_argument("--repeats", type=int, default=None, help="override repeats per case")
    parser.add_argument("--no-save", action="store_true", help="do not write results.json")
    args = parser.parse_args()

    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    blas = [f"{i['internal_api']} {i.get('version')}" for i in threadpool_info()]
    print(f"numpy {np.__version__} ({', '.join(blas)}), torch {torch.__version__}")
    rows = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        with threadpool_limits(limits=threads):
            print(
                f"\n{threads} thread(s): numpy BLAS and torch.get_num_threads()="
                f"{torch.get_num_threads()}"
            )
            print(f"{'case':<50}{'nnfs ms':>10}{'torch ms':>10}{'ratio':>8}{'target':>8}")
            for case in collect(args.only):
                if args.repeats:
                    case.repeats = args.repeats
                result = run_case(case, threads)
                target = target_for(case.name)
                shown = f"{target:.1f}" if target and threads == 1 else ""
                print(
                    f"{case.name:<50}{result.nnfs_ms:>10.2f}{result.torch_ms:>10.2f}"
                    f"{result.ratio:>8.2f}{shown:>8}"
                )
                rows.append(
                    {
                        "case": case.name,
                        "threads": threads,
                        "nnfs_ms": result.nnfs_ms,
                        "torch_ms": result.torch_ms,
                        "ratio": result.ratio,
                        "target": target,
                    }
                )
    if not args.no_save:
        meta = {
            "date": time.strftime("%Y-%m-%d"),
            "numpy": np.__version__,
            "torch": torch.__version__,
            "blas": blas,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        }
        RESULTS.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
        print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
