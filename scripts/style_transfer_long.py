"""Style transfer on larger images and for longer than the lab: 96x96, 200 L-BFGS evaluations.

The same setting as the lab (style weight 3, total-variation weight 0.2, content relu4_2, style
relu1_1 ... relu5_1, HED's fine-tuned ImageNet VGG16), run longer on larger images (the
size must divide 192, the size of the shipped pictures). Writes
`docs/10-applications/style_transfer_long.json` (the losses of every evaluation) and
`docs/10-applications/style-transfer-long.png` (content, style, result).

Usage:

    python scripts/style_transfer_long.py [--size 96] [--steps 200]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nnfs import pretrained  # noqa: E402
from nnfs.apps.style_transfer import load_example_image, stylize  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs" / "10-applications"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    vgg = pretrained.load("vgg16")
    content = load_example_image("chelsea", args.size)
    style = load_example_image("ihc", args.size)
    start = time.perf_counter()
    result = stylize(vgg, content, style, style_weight=3.0, tv_weight=0.2, steps=args.steps)
    seconds = time.perf_counter() - start
    run = {"size": args.size, "steps": args.steps, "style_weight": 3.0, "tv_weight": 0.2,
           "seconds": seconds, "history": result.history}  # fmt: skip
    (DOCS / "style_transfer_long.json").write_text(json.dumps(run) + "\n")
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
    for ax, image, title in zip(axes, [content[0], style[0], result.image[0] / 255],
                                ["content", "style", "result"], strict=True):  # fmt: skip
        ax.imshow(image)
        ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(DOCS / "style-transfer-long.png", dpi=80)
    h = result.history
    print(f"{seconds:.0f} s; style {h['style'][0]:.3f} -> {h['style'][-1]:.3f}, "
          f"content {h['content'][-1]:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
