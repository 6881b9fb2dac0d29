"""The IDX file format that MNIST and Fashion-MNIST are distributed in (LeCun et al.).

An IDX file is two zero bytes, a type code, the number of dimensions d, then d big-endian
uint32 sizes, then every value in C order, big-endian. The files usually come gzipped.
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

# --8<-- [start:read_idx]
# IDX type codes and the big-endian NumPy dtypes they name.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(file: str | os.PathLike) -> np.ndarray:
    """Read one IDX file, gzipped or not, into an array of the shape its header gives.

    Raises:
        ValueError: naming the file, when it is not valid gzip, has no IDX magic number, or
            holds a different number of values than its header says.
    """
    with open(file, "rb") as handle:
        raw = handle.read()
    if raw[:2] == b"\x1f\x8b":  # the gzip magic number
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(f"read_idx: {file} is not a valid gzip file ({error})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"read_idx: {file} does not start with an IDX magic number")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise ValueError(f"read_idx: {file} ends inside its header ({len(raw)} bytes)")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    body = len(raw) - 4 - 4 * ndim
    expected = int(np.prod(shape)) * dtype.itemsize
    if body != expected:
        raise ValueError(
            f"read_idx: {file} header says shape {shape} ({expected} bytes of data), but the "
            f"file holds {body} bytes after the header"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim)
    return data.reshape(shape).astype(dtype.newbyteorder("="))


# --8<-- [end:read_idx]


def write_idx(file: str | os.PathLike, array: np.ndarray) -> None:
    """Write an uint8 array as an IDX file (gzipped when the name ends in .gz)."""
    if array.dtype != np.uint8:
        raise TypeError(f"write_idx: array expected dtype uint8, got {array.dtype}")
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    data = header + np.ascontiguousarray(array).tobytes()
    if os.fspath(file).endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    with open(file, "wb") as handle:
        handle.write(data)
