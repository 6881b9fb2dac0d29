"""Save and load a module's parameters and buffers as a `.npz` archive (never pickle).

Keys are the dotted names of `Module.state_dict()`. An `.npz` file is a zip of `.npy` arrays:
plain numbers with a dtype and a shape. Writing and reading both use `allow_pickle=False`, so a
file can never smuggle in a Python object that runs code when it is loaded; a missing key or a
shape mismatch raises ValueError.
"""

from __future__ import annotations

import os

import numpy as np

from nnfs.core import Module


# --8<-- [start:serialization]
def save(module: Module, path: str | os.PathLike, *, compressed: bool = False) -> None:
    """Write every parameter and buffer of `module` to `path`, exactly that file name.

    Args:
        module: the model to save.
        path: the file to write (".npz" is customary; nothing is appended to the name).
        compressed: zip-deflate the arrays (smaller file, slower save and load).
    """
    write = np.savez_compressed if compressed else np.savez
    # Writing through an open file keeps NumPy from appending ".npz" to a name without it.
    with open(path, "wb") as f:
        write(f, allow_pickle=False, **module.state_dict())


def load_state(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a state dict written by `save`, refusing pickled objects.

    Raises:
        ValueError: when the file holds an object array (which only pickle could restore).
    """
    with np.load(path, allow_pickle=False) as archive:
        state = {}
        for key in archive.files:
            try:
                state[key] = archive[key]
            except ValueError as error:
                raise ValueError(
                    f"serialization.load_state: '{key}' in {os.fspath(path)} is an object "
                    "array; refusing to unpickle it"
                ) from error
    return state


def load(module: Module, path: str | os.PathLike) -> Module:
    """Load the arrays in `path` into `module` (same architecture) and return it."""
    module.load_state_dict(load_state(path))
    return module


# --8<-- [end:serialization]
