"""The committed results of the chapter-7 scripts agree with themselves and with their sources.

The lab and the LeNet-5 page quote these files; here they are checked for what the text says
about them: the settings are the validation argmax, the test ranges are those of the runs,
the training-size curve's largest point is the final recipe again, and every benchmark number
is the one printed in the Fashion-MNIST README it names.
"""

import gzip
import importlib.util
import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "07-convolutional-networks" / "results"


def load(name):
    return json.loads((RESULTS / name).read_text())


def script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return module


def stats_of(runs):
    a = [r["test_accuracy"] for r in runs]
    return {"min": min(a), "mean": float(np.mean(a)), "max": max(a)}


def test_mnist_settings_are_the_validation_argmax_of_the_scripts_grid():
    result, module = load("lenet_mnist.json"), script("train_lenet_mnist")
    assert result["grid"] == module.GRID
    combos = [
        dict(zip(module.GRID, c, strict=True)) for c in itertools.product(*module.GRID.values())
    ]
    assert [{k: s[k] for k in module.GRID} for s in result["search"]] == combos
    for s in result["search"]:
        assert [r["seed"] for r in s["runs"]] == module.SEARCH_SEEDS
        assert s["score"] == pytest.approx(np.mean([max(r["val_accuracy"]) for r in s["runs"]]))
    best = max(result["search"], key=lambda s: (round(s["score"], 6), -s["epochs"], -s["lr"]))
    assert result["chosen"] == {k: best[k] for k in module.GRID}
    # The script's comment: the best learning rate lies inside the range searched.
    assert min(module.GRID["lr"]) < result["chosen"]["lr"] < max(module.GRID["lr"])


def test_mnist_test_ranges_are_those_of_the_runs():
    result, module = load("lenet_mnist.json"), script("train_lenet_mnist")
    final, longer = result["final"], result["longer"]
    assert [r["seed"] for r in final["runs"]] == module.FINAL_SEEDS
    assert [r["seed"] for r in longer["runs"]] == module.LONGER_SEEDS
    for part in (final, longer):
        assert part["test_accuracy"] == pytest.approx(stats_of(part["runs"]))
        for r in part["runs"]:
            assert r["test_errors"] == round((1 - r["test_accuracy"]) * result["data"]["test"])
    assert result["data"] == {
        "train": 6999,
        "validation": 1001,
        "test": 2000,
        "preprocessing": "pad 2 (32x32), lecun_scale: 1.275 x - 0.1",
    }
    assert result["lecun_1998"]["test_error"] == 0.0095


def test_size_curve_uses_the_chosen_settings_and_ends_at_the_final_recipe():
    mnist, curve = load("lenet_mnist.json"), load("lenet_mnist_size_curve.json")
    assert curve["settings"] == mnist["chosen"]
    sizes = [p["train_images"] for p in curve["points"]]
    assert sizes == sorted(sizes) and sizes[-1] == mnist["data"]["train"]
    last = curve["points"][-1]
    assert last["epochs"] == mnist["chosen"]["epochs"]
    # Same data, recipe and seeds as the first three final runs: the same test accuracies.
    for run, final in zip(last["runs"], mnist["final"]["runs"], strict=False):
        assert run["seed"] == final["seed"]
        assert abs(run["test_accuracy"] - final["test_accuracy"]) <= 0.0025
    for p in curve["points"]:
        assert p["test_accuracy"] == pytest.approx(stats_of(p["runs"]))
        assert sum(p["class_counts"]) == p["train_images"]


def test_fashion_choices_come_from_validation_and_the_lab_protocol_from_mnist():
    fashion, mnist = load("lenet_fashion_mnist.json"), load("lenet_mnist.json")
    full = fashion["full"]
    without_flip = [s for s in full["search"] if not s["flip"]]
    best = max(without_flip, key=lambda s: (round(s["score"], 6), -s["lr"]))
    flipped = [s for s in full["search"] if s["flip"]]
    assert len(flipped) == 1 and flipped[0]["lr"] == best["lr"]
    winner = flipped[0] if flipped[0]["score"] > best["score"] else best
    assert (full["chosen"]["lr"], full["chosen"]["flip"]) == (winner["lr"], winner["flip"])
    assert all("test_accuracy" not in s for s in full["search"])  # never even kept
    assert full["test_accuracy"] == pytest.approx(stats_of(full["runs"]))
    assert full["data"]["train"] + full["data"]["validation"] == 60000
    assert full["data"]["test"] == 10000
    subset = fashion["subset"]
    assert subset["settings"]["lr"] == mnist["chosen"]["lr"]
    assert subset["settings"]["activation"] == mnist["chosen"]["activation"]
    assert subset["test_accuracy"] == pytest.approx(stats_of(subset["runs"]))


def test_fashion_baselines_are_copied_exactly_from_the_readme_they_cite():
    fashion = load("lenet_fashion_mnist.json")
    readme = Path(fashion["baselines"][0]["source"].split(" (")[0])
    if not readme.is_file():
        pytest.skip(f"{readme} is not installed (Debian package dataset-fashion-mnist)")
    table = gzip.decompress(readme.read_bytes()).decode("utf-8")
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5:
            rows.setdefault(cells[0], []).append(cells)
    for b in fashion["baselines"]:
        matches = [c for c in rows[b["classifier"]] if b["submitter"] in c[4]]
        assert len(matches) == 1, b
        assert float(matches[0][2]) == b["fashion_test_accuracy"]
        assert matches[0][1] == b["preprocessing"]


def test_what_the_lenet5_page_and_the_lab_say_about_the_mnist_results():
    result = load("lenet_mnist.json")
    score = {(s["lr"], s["activation"], s["epochs"]): s["score"] for s in result["search"]}
    chosen = score[(0.004, "relu", 6)]
    assert round(chosen, 3) == 0.984 and result["chosen"]["lr"] == 0.004
    assert chosen - 0.005 < score[(0.002, "relu", 6)] and chosen - 0.005 < score[(0.008, "relu", 6)]
    assert score[(0.016, "relu", 6)] < chosen - 0.01  # "clearly too large"
    errors = [r["test_errors"] for r in result["final"]["runs"]]
    assert (min(errors), max(errors)) == (34, 43)
    longer, final = result["longer"]["test_accuracy"], result["final"]["test_accuracy"]
    assert abs(longer["mean"] - final["mean"]) < 0.005  # "about the same range"
    # lenet5.md, pitfalls: "in the script's 20-epoch runs the best validation epoch is between
    # the 6th and the 11th".
    best = [r["best_epoch"] for r in result["longer"]["runs"]]
    assert (min(best), max(best)) == (6, 11) and result["longer"]["epochs"] == 20


def test_what_the_lenet5_page_and_the_lab_say_about_the_size_curve():
    points = load("lenet_mnist_size_curve.json")["points"]
    sizes = np.array([p["train_images"] for p in points])
    err = np.array([1 - p["test_accuracy"]["mean"] for p in points])
    err_nn = np.array([1 - p["nearest_neighbour_test_accuracy"] for p in points])
    slope = np.polyfit(np.log(sizes), np.log(err), 1)[0]
    assert round(2**slope, 1) == 0.7  # "multiplies the error by about 0.7" per doubling
    ratio = err_nn / err
    assert (round(ratio[0], 1), round(ratio[-1], 1)) == (1.8, 3.4)
    assert round(100 * err[-1], 1) == 1.9


def test_what_the_lenet5_page_and_the_lab_say_about_fashion_mnist():
    fashion = load("lenet_fashion_mnist.json")
    full, by = fashion["full"], {b["submitter"]: b for b in fashion["baselines"]}
    flipped = [s for s in full["search"] if s["flip"]][0]
    unflipped = {s["lr"]: s for s in full["search"] if not s["flip"]}[flipped["lr"]]
    assert flipped["score"] <= unflipped["score"] and not full["chosen"]["flip"]
    ours = full["test_accuracy"]
    assert (round(ours["min"], 3), round(ours["max"], 3)) == (0.907, 0.909)
    below = ["heitorrapela", "Kashif Rasul", "Leo"]
    assert all(ours["min"] > by[k]["fashion_test_accuracy"] for k in below)
    above = [k for k in by if k not in below]
    assert all(ours["max"] < by[k]["fashion_test_accuracy"] for k in above)
    assert "<100K" in by["hardmaru"]["classifier"]
    points = {p["train_images"]: p["test_accuracy"] for p in fashion["size_curve"]["points"]}
    assert round((1 - points[1000]) / (1 - points[55000]), 1) == 2.0  # "about half"
    assert points[55000] == full["runs"][0]["test_accuracy"]  # the final run, seed 0


def _readme_table():
    """The benchmark table of the Fashion-MNIST README: [(classifier, accuracy, submitter)]."""
    readme = Path("/usr/share/doc/dataset-fashion-mnist/README.md.gz")
    if not readme.is_file():
        pytest.skip(f"{readme} is not installed (Debian package dataset-fashion-mnist)")
    rows = []
    for line in gzip.decompress(readme.read_bytes()).decode("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6:
            try:
                rows.append((cells[0], float(cells[2]), cells[4]))
            except ValueError:
                pass  # the header and the separator
    return rows


def test_what_the_lenet5_page_says_about_the_full_fashion_mnist_table():
    # lenet5.md: "the README's table has 37, and LeNet-5's three seeds all beat 12 of them,
    # among them an AlexNet trained with a triplet loss (0.899) and a SqueezeNet trained for
    # 200 epochs (0.900), while 25 report more."
    rows = _readme_table()
    ours = load("lenet_fashion_mnist.json")["full"]["test_accuracy"]
    assert len(rows) == 37
    assert sum(acc < ours["min"] for _, acc, _ in rows) == 12
    assert sum(acc > ours["max"] for _, acc, _ in rows) == 25
    by_name = {name: acc for name, acc, _ in rows}
    assert by_name["AlexNet with Triplet loss"] == 0.899
    assert by_name["SqueezeNet with cyclical learning rate 200 epochs"] == 0.900
    assert max(0.899, 0.900) < ours["min"]
    printed = load("lenet_fashion_mnist.json")["baselines"]
    table = {(name, acc) for name, acc, _ in rows}
    assert len(printed) == 9
    assert all((b["classifier"], b["fashion_test_accuracy"]) in table for b in printed)
