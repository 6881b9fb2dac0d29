"""Rebuild src/nnfs/data/style-images.npz from the images that scikit-image ships.

The two pictures of the style-transfer page, as 192x192 RGB uint8 arrays:

- "chelsea": Chelsea the cat, `skimage/data/chelsea.png` (300x451), photograph by Stefan van der
  Walt, CC0; the square columns 30..330 resized to 192x192.
- "ihc": immunohistochemical staining of colonic glands, `skimage/data/ihc.png` (512x512),
  acquired at the Center for Microscopy And Molecular Imaging (CMMI), "no known copyright
  restrictions" (scikit-image's `data.immunohistochemistry` docstring); resized to 192x192.

Usage (needs Pillow; fetches the scikit-image wheel, nothing else):

    python -m pip download --no-deps --only-binary=:all: scikit-image==0.26.0 -d /tmp/skimage
    python scripts/build_style_images.py /tmp/skimage/scikit_image-0.26.0-*.whl
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = 192
OUT = Path(__file__).resolve().parents[1] / "src" / "nnfs" / "data" / "style-images.npz"


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        chelsea = Image.open(io.BytesIO(archive.read("skimage/data/chelsea.png"))).convert("RGB")
        ihc = Image.open(io.BytesIO(archive.read("skimage/data/ihc.png"))).convert("RGB")
    chelsea = chelsea.crop((30, 0, 330, 300))  # (left, top, right, bottom): a square on the face
    images = {
        name: np.asarray(image.resize((SIZE, SIZE), Image.LANCZOS), dtype=np.uint8)
        for name, image in (("chelsea", chelsea), ("ihc", ihc))
    }
    np.savez_compressed(OUT, **images)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {sorted(images)}")


if __name__ == "__main__":
    main(sys.argv[1])
