"""Save and load a module's parameters and buffers as a `.npz` archive (never pickle).

Keys are the dotted names of `Module.state_dict()`. An `.npz` file is a zip of `.npy` arrays:
plain numbers with a dtype and a shape. Writing and reading both refuse pickled objects, so a
file can never smuggle in a Python object that runs code when it is loaded.

Nothing is lost on failure. `save` writes a temporary file next to the target and renames it
over the target only once it is complete, so an error (or a full disk) mid-save leaves the
previous checkpoint intact. `load` reads and checks the whole file before `load_state_dict`
validates every key, shape and dtype, and only then copies, so a bad file leaves the model as
it was. Every error names the file and what is wrong with it.
"""

from __future__ import annotations

import os
import secrets
import zipfile
import zlib

import numpy as np

from nnfs.core import Module

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members, an empty zip
_NPY_MAGIC = b"\x93NUMPY"
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


# --8<-- [start:serialization]
def save(module: Module, path: str | os.PathLike, *, compressed: bool = False) -> None:
    """Write every parameter and buffer of `module` to `path`, exactly that file name.

    The arrays go to a temporary file in the same folder, which then replaces `path` in one
    step (`os.replace`): `path` holds either the old checkpoint or the new one, never half.

    Args:
        module: the model to save.
        path: the file to write (".npz" is customary; nothing is appended to the name).
        compressed: zip-deflate the arrays (smaller file, slower save and load).
    """
    state = module.state_dict()  # gathered first: if this fails, nothing has been touched
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    write = np.savez_compressed if compressed else np.savez
    try:
        # Writing through an open file keeps NumPy from appending ".npz" to a name without it.
        with open(temporary, "xb") as f:
            write(f, allow_pickle=False, **state)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename, so a crash cannot leave it empty
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def load_state(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a state dict written by `save`, refusing pickled objects.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not an .npz archive (e.g. a single .npy array), is corrupt or
            truncated, or holds an object array (which only pickle could restore).
    """
    path = os.fspath(path)
    _check_is_npz(path)
    try:
        with zipfile.ZipFile(path) as archive:  # closed on every path: no leaked file
            names = archive.namelist()
            if len(set(names)) != len(names):
                raise ValueError(f"serialization.load_state: {path} repeats an array name")
            return {_key(path, name): _read_member(path, archive, name) for name in names}
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, RuntimeError) as error:
        # RuntimeError: zipfile reads a damaged flag as "encrypted" or an unknown compression
        raise ValueError(
            f"serialization.load_state: {path} is corrupt or truncated ({error})"
        ) from error


def load(module: Module, path: str | os.PathLike) -> Module:
    """Load the arrays in `path` into `module` (same architecture) and return it.

    On any error the module is left exactly as it was.
    """
    state = load_state(path)
    try:
        module.load_state_dict(state)
    except (TypeError, ValueError) as error:
        raise type(error)(f"serialization.load: {os.fspath(path)}: {error}") from error
    return module


# --8<-- [end:serialization]


def _check_is_npz(path: str) -> None:
    """Raise unless the file starts like a zip archive (an .npz); say what it is instead."""
    with open(path, "rb") as f:
        magic = f.read(6)
    if not magic:
        raise ValueError(f"serialization.load_state: {path} is empty")
    if magic == _NPY_MAGIC:
        raise ValueError(
            f"serialization.load_state: {path} is a single .npy array, not an .npz archive of "
            "named arrays; write checkpoints with nnfs.serialization.save (or np.savez)"
        )
    if magic[:4] not in _ZIP_MAGIC:
        raise ValueError(
            f"serialization.load_state: {path} is not an .npz archive (a zip file of .npy "
            f"arrays); it starts with {magic!r}"
        )


def _key(path: str, member: str) -> str:
    if not member.endswith(".npy"):
        raise ValueError(
            f"serialization.load_state: {path} holds '{member}', which is not an .npy array"
        )
    return member[: -len(".npy")]


def _read_member(path: str, archive: zipfile.ZipFile, member: str) -> np.ndarray:
    """One array of the archive, read without pickle after checking its header.

    The header (dtype, shape) is checked first: an object dtype is refused, and the size the
    shape implies must equal the bytes the member holds, so a damaged header can neither
    unpickle anything nor make us allocate an array of the wrong size.
    """
    key = member[: -len(".npy")]
    where = f"serialization.load_state: '{key}' in {path}"
    with archive.open(member) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version not in _HEADER_READERS:
                raise ValueError(f"unsupported .npy format version {version}")
            shape, fortran_order, dtype = _HEADER_READERS[version](f)
        except zipfile.BadZipFile:
            raise  # a failed CRC: reported for the whole file by load_state
        except Exception as error:  # a damaged header fails to parse in many ways
            raise ValueError(f"{where} is not a valid .npy array ({error})") from error
        if dtype.hasobject:
            raise ValueError(
                f"{where} is an object array; refusing to unpickle it (only pickle could "
                "restore an object array)"
            )
        expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        available = archive.getinfo(member).file_size - f.tell()
        if expected != available:
            raise ValueError(
                f"{where} is corrupt or truncated: its header {shape} {dtype} needs "
                f"{expected} bytes, the archive holds {available}"
            )
        data = bytearray(expected)
        f.readinto(data)  # a damaged body fails the CRC check here (BadZipFile)
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C")
