"""The data files shipped in `nnfs/data/`, each checked against `nnfs/data/SHA256SUMS`.

A loader asks for a shipped file by its path under `nnfs/data/`; the file's sha256 is compared
with the one recorded when `scripts/build_data.py` built it, so a damaged installation gives a
clear error instead of quietly wrong data.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path


@cache
def _recorded() -> dict[str, str]:
    text = resources.files("nnfs").joinpath("data/SHA256SUMS").read_text(encoding="ascii")
    sums = {}
    for line in text.splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name] = digest
    return sums


def shipped_file(owner: str, name: str) -> Path:
    """The path of `nnfs/data/<name>`, after checking its sha256; `owner` names the caller."""
    path = Path(str(resources.files("nnfs").joinpath("data", name)))
    if not path.is_file():
        raise FileNotFoundError(f"{owner}: the shipped file {path} is missing; reinstall nnfs")
    expected = _recorded().get(name)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        raise ValueError(
            f"{owner}: the shipped file {path} has sha256 {digest}, expected {expected}; the "
            "installed data is damaged (reinstall nnfs, or rebuild it with "
            "scripts/build_data.py)"
        )
    return path
