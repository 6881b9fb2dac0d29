"""A safetensors reader in NumPy, written from the format's specification.

A `.safetensors` file is three parts, one after the other:

1. 8 bytes: N, the length of the header, an unsigned little-endian 64-bit integer;
2. N bytes: the header, a UTF-8 JSON object. Each key is a tensor's name and maps to
   ``{"dtype": "F32", "shape": [30522, 384], "data_offsets": [begin, end]}``; the optional key
   ``"__metadata__"`` maps to a dict of strings (free text such as ``{"format": "pt"}``);
3. the data: every tensor's raw bytes, little-endian, row-major, at ``[begin, end)`` counted
   from the start of this part. The tensors tile the data part without gaps or overlaps.

Nothing in the file is executable: unlike a pickled PyTorch checkpoint, reading it can only
produce arrays. The reader checks every field before it returns anything, and every error names
the file and, where there is one, the tensor.
"""

from __future__ import annotations

import json
import math
import os
import struct
from pathlib import Path

import numpy as np

# --8<-- [start:dtypes]
# The format's dtype names -> the little-endian NumPy dtype of the stored bytes. BF16 (the top
# half of a float32) has no NumPy dtype: it is read as uint16 and widened by `_widen_bf16`.
DTYPES: dict[str, np.dtype] = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
MAX_HEADER_BYTES = 100_000_000  # the limit of the reference implementation


def _widen_bf16(raw: np.ndarray) -> np.ndarray:
    """bfloat16 bits (uint16) -> float32: the 16 bits become the high half of a float32."""
    return (raw.astype(np.uint32) << 16).view(np.float32)


# --8<-- [end:dtypes]


class SafetensorsError(ValueError):
    """A file that is not a valid safetensors file (the message says where and why)."""


def _fail(path: Path, message: str, tensor: str | None = None) -> SafetensorsError:
    where = f"{path}" if tensor is None else f"{path}, tensor {tensor!r}"
    return SafetensorsError(f"safetensors: {where}: {message}")


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"duplicate keys {duplicates}")
    return dict(pairs)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# --8<-- [start:header]
def read_header(path: str | os.PathLike) -> tuple[dict[str, dict], dict[str, str], int]:
    """Parse and check the header of a safetensors file without reading the tensors.

    Returns:
        tensors: name -> {"dtype", "shape", "data_offsets"}, in the file's order.
        metadata: the ``__metadata__`` strings ({} when absent).
        data_start: the byte offset in the file where the data part begins (8 + N).

    Raises:
        SafetensorsError: the header length, the JSON, a dtype, a shape or an offset is wrong.
    """
    path = Path(path)
    file_size = path.stat().st_size
    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) < 8:
            raise _fail(path, f"file of {file_size} bytes is too short for the 8-byte header size")
        (header_size,) = struct.unpack("<Q", prefix)
        if not 2 <= header_size <= min(MAX_HEADER_BYTES, file_size - 8):
            raise _fail(
                path,
                f"header size {header_size} is impossible for a file of {file_size} bytes "
                f"(expected 2 .. {min(MAX_HEADER_BYTES, max(file_size - 8, 0))})",
            )
        header_bytes = f.read(header_size)
    try:
        header = json.loads(header_bytes.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (UnicodeDecodeError, ValueError) as error:
        raise _fail(path, f"header is not valid UTF-8 JSON ({error})") from None
    if not isinstance(header, dict):
        raise _fail(path, f"header must be a JSON object, got {type(header).__name__}")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise _fail(path, f"__metadata__ must map strings to strings, got {metadata!r}")
    data_size = file_size - 8 - header_size
    for name, info in header.items():
        _check_entry(path, name, info, data_size)
    _check_tiling(path, header, data_size)
    return header, metadata, 8 + header_size


def _check_entry(path: Path, name: str, info: object, data_size: int) -> None:
    """One tensor's entry: known dtype, a shape of counts, offsets that fit the shape and file."""
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        got = sorted(info) if isinstance(info, dict) else type(info).__name__
        raise _fail(path, f"entry must have exactly dtype, shape, data_offsets; got {got}", name)
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype not in DTYPES:
        known = ", ".join(DTYPES)
        raise _fail(path, f"unsupported dtype {dtype!r} (this reader knows {known})", name)
    if not isinstance(shape, list) or not all(_is_count(s) for s in shape):
        raise _fail(path, f"shape must be a list of non-negative integers, got {shape!r}", name)
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))):
        raise _fail(path, f"data_offsets must be two non-negative integers, got {offsets!r}", name)
    begin, end = offsets
    if begin > end:
        raise _fail(path, f"data_offsets [{begin}, {end}] end before they begin", name)
    if end > data_size:
        raise _fail(
            path, f"data_offsets [{begin}, {end}] fall outside the {data_size}-byte data", name
        )
    expected = math.prod(shape) * DTYPES[dtype].itemsize
    if end - begin != expected:
        raise _fail(
            path,
            f"{end - begin} bytes stored, but shape {shape} of {dtype} needs {expected}",
            name,
        )


def _check_tiling(path: Path, header: dict[str, dict], data_size: int) -> None:
    """The tensors' byte ranges must cover the data part exactly: no overlap, no gap."""
    position, previous = 0, None
    for name, info in sorted(header.items(), key=lambda item: tuple(item[1]["data_offsets"])):
        begin, end = info["data_offsets"]
        if begin < position:
            raise _fail(path, f"bytes [{begin}, {end}] overlap tensor {previous!r}", name)
        if begin > position:
            raise _fail(path, f"bytes [{position}, {begin}) before it belong to no tensor", name)
        position, previous = end, name
    if position != data_size:
        raise _fail(path, f"the last {data_size - position} bytes of the data belong to no tensor")


# --8<-- [end:header]


# --8<-- [start:load]
def load_file(path: str | os.PathLike, names: list[str] | None = None) -> dict[str, np.ndarray]:
    """Read the tensors of a safetensors file as NumPy arrays (native byte order, writable).

    The header is checked in full first (see `read_header`); then the data part is read once and
    each tensor is copied out of it, so the arrays share no memory with each other or the file.
    BF16 tensors come back as float32 (exactly: every bfloat16 is a float32).

    Args:
        path: the `.safetensors` file.
        names: read only these tensors (all of them when None); an unknown name is an error.

    Returns:
        name -> array of the stored shape, in the file's order.
    """
    path = Path(path)
    header, _, data_start = read_header(path)
    if names is not None:
        unknown = sorted(set(names) - set(header))
        if unknown:
            raise _fail(path, f"no tensors named {unknown}")
        header = {name: header[name] for name in names}
    with open(path, "rb") as f:
        f.seek(data_start)
        data = f.read()
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        stored = DTYPES[info["dtype"]]
        raw = np.frombuffer(
            data, dtype=stored, count=(end - begin) // stored.itemsize, offset=begin
        )
        if info["dtype"] == "BF16":
            array = _widen_bf16(raw)
        else:
            array = raw.astype(stored.newbyteorder("="))  # a copy, in native byte order
        tensors[name] = array.reshape(info["shape"])
    return tensors


# --8<-- [end:load]

__all__ = ["DTYPES", "SafetensorsError", "load_file", "read_header"]
