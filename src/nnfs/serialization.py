"""Save and load a module's parameters and buffers as a `.npz` archive (never pickle).

Keys are the dotted names of `Module.state_dict()`. Loading uses `allow_pickle=False`, so a
file cannot run code; a missing key or a shape mismatch raises ValueError.
"""

from __future__ import annotations

import os

import numpy as np

from nnfs.core import Module


def save(module: Module, path: str | os.PathLike) -> None:
    """Write every parameter and buffer of `module` to `path` (a .npz file)."""
    np.savez(path, **module.state_dict())


def load_state(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a state dict written by `save`, refusing pickled objects."""
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def load(module: Module, path: str | os.PathLike) -> Module:
    """Load the arrays in `path` into `module` (same architecture) and return it."""
    module.load_state_dict(load_state(path))
    return module
