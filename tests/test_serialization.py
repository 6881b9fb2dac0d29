"""Serialization: bit-exact round trips through .npz, atomic saves, and no pickle on load."""

import errno
import gc
import io
import warnings
import zipfile

import numpy as np
import pytest

from nnfs import BatchNorm1d, NeuralNetwork, Sequential
from nnfs.serialization import load, load_state, save


def _trained_net(seed):
    net = NeuralNetwork([3, 5, 2], ["tanh", None], seed=seed)
    for p in net.parameters():  # give every parameter non-trivial values, bias included
        p.data += np.random.default_rng(seed).standard_normal(p.shape)
    return net


@pytest.mark.parametrize("compressed", [False, True])
def test_round_trip_restores_every_parameter_bit_for_bit(tmp_path, compressed):
    net = _trained_net(seed=1)
    path = tmp_path / "model.npz"
    save(net, path, compressed=compressed)
    other = load(NeuralNetwork([3, 5, 2], ["tanh", None], seed=99), path)
    for (name, p), (other_name, q) in zip(
        net.named_parameters(), other.named_parameters(), strict=True
    ):
        assert name == other_name and np.array_equal(p.data, q.data)
    x = np.random.default_rng(0).standard_normal((4, 3))
    assert np.array_equal(net(x), other(x))


def test_round_trip_keeps_float32(tmp_path):
    net = NeuralNetwork([3, 2], [None], seed=0, dtype=np.float32)
    save(net, tmp_path / "m.npz")
    state = load_state(tmp_path / "m.npz")
    assert {k: v.dtype for k, v in state.items()} == {
        "layers.0.W": np.float32,
        "layers.0.b": np.float32,
    }


def test_save_writes_exactly_the_given_file_name(tmp_path):
    net = NeuralNetwork([2, 1], [None])
    save(net, tmp_path / "weights.bin")
    assert [p.name for p in tmp_path.iterdir()] == ["weights.bin"]
    assert set(load_state(tmp_path / "weights.bin")) == {"layers.0.W", "layers.0.b"}


def test_loading_a_file_with_an_object_array_raises_instead_of_unpickling(tmp_path):
    path = tmp_path / "evil.npz"
    evil = np.empty(1, dtype=object)
    evil[0] = {"anything": "pickled"}
    np.savez(path, **{"layers.0.W": evil})
    with pytest.raises(ValueError, match="object array; refusing to unpickle"):
        load_state(path)


def test_loading_a_plain_pickle_file_raises(tmp_path):
    path = tmp_path / "model.npy"
    np.save(path, np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"model.npy is a single .npy array, not an .npz"):
        load_state(path)


def test_loading_into_a_different_architecture_raises(tmp_path):
    save(NeuralNetwork([3, 5, 2], ["tanh", None]), tmp_path / "m.npz")
    with pytest.raises(ValueError, match=r"'layers.0.W' expected shape \(3, 4\), got \(3, 5\)"):
        load(NeuralNetwork([3, 4, 2], ["tanh", None]), tmp_path / "m.npz")
    with pytest.raises(ValueError, match="missing keys"):
        load(NeuralNetwork([3, 5, 5, 2], ["tanh", "tanh", None]), tmp_path / "m.npz")


# ---------------------------------------------------------------- atomic save


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_failing_state_dict_leaves_the_old_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    net = _trained_net(seed=1)
    save(net, path)
    before = path.read_bytes()

    def broken_state_dict():
        raise RuntimeError("state_dict failed")

    monkeypatch.setattr(net, "state_dict", broken_state_dict)
    with pytest.raises(RuntimeError, match="state_dict failed"):
        save(net, path)
    assert path.read_bytes() == before and _files(tmp_path) == ["m.npz"]


@pytest.mark.parametrize(
    "error", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()]
)
def test_a_full_disk_or_an_interrupt_mid_write_leaves_the_old_file_and_no_temp_file(
    tmp_path, monkeypatch, error
):
    path = tmp_path / "m.npz"
    save(_trained_net(seed=1), path)
    before = path.read_bytes()

    def savez_that_fails_halfway(f, **arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise error

    monkeypatch.setattr(np, "savez", savez_that_fails_halfway)
    with pytest.raises(type(error)):
        save(_trained_net(seed=2), path)
    assert path.read_bytes() == before and _files(tmp_path) == ["m.npz"]
    monkeypatch.undo()
    assert set(load_state(path)) == {"layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b"}


def test_an_object_array_in_the_state_fails_the_save_before_the_old_file_is_touched(tmp_path):
    class Evil(Sequential):
        def state_dict(self):
            evil = np.empty(1, dtype=object)
            evil[0] = {"anything": 1}
            return {"x": evil}

    path = tmp_path / "m.npz"
    save(_trained_net(seed=1), path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="allow_pickle"):
        save(Evil(), path)
    assert path.read_bytes() == before and _files(tmp_path) == ["m.npz"]


def test_save_replaces_an_existing_checkpoint(tmp_path):
    path = tmp_path / "m.npz"
    save(_trained_net(seed=1), path)
    net = _trained_net(seed=2)
    save(net, path)
    assert _files(tmp_path) == ["m.npz"]
    assert np.array_equal(load_state(path)["layers.0.W"], net.layers[0].W.data)


# ---------------------------------------------------------------- damaged files


def _no_resource_warning_when(action):
    """Run `action` (which must raise ValueError) and return the ResourceWarnings it left."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError) as info:
            action()
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], caught
    return str(info.value)


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_a_truncated_archive_raises_a_clear_error_and_closes_the_file(tmp_path, compressed, keep):
    path = tmp_path / "m.npz"
    save(_trained_net(seed=1), path, compressed=compressed)
    data = path.read_bytes()
    path.write_bytes(data[: int(keep * len(data))])
    message = _no_resource_warning_when(lambda: load_state(path))
    assert f"{path} is corrupt or truncated" in message


@pytest.mark.parametrize("compressed", [False, True])
def test_a_damaged_array_raises_a_clear_error_not_an_unpickling_one(tmp_path, compressed):
    path = tmp_path / "m.npz"
    save(_trained_net(seed=1), path, compressed=compressed)
    data = bytearray(path.read_bytes())
    data[100:110] = bytes(10)
    path.write_bytes(bytes(data))
    message = _no_resource_warning_when(lambda: load_state(path))
    assert str(path) in message and "unpickle" not in message


def test_a_damaged_header_that_claims_a_bigger_array_is_refused(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(10))
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w") as archive:  # a valid zip (CRC and all) of a lying header
        archive.writestr("w.npy", buffer.getvalue().replace(b"(10,)", b"(99,)"))
    with pytest.raises(ValueError, match=r"'w' in .* is corrupt or truncated: its header"):
        load_state(path)


def test_a_file_that_is_not_an_archive_is_named_and_described(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("hello")
    with pytest.raises(
        ValueError, match=r"notes.npz is not an .npz archive .* starts with b'hello'"
    ):
        load_state(path)
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"notes.npz is empty"):
        load_state(path)
    with pytest.raises(FileNotFoundError):
        load_state(tmp_path / "missing.npz")


def test_a_failed_load_names_the_file_and_leaves_the_model_unchanged(tmp_path):
    net = _trained_net(seed=1)
    save(net, tmp_path / "m.npz")
    other = NeuralNetwork([3, 5, 3], ["tanh", None], seed=5)  # the last layer differs
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"serialization.load: .*m.npz: .*'layers.2.W' expected"):
        load(other, tmp_path / "m.npz")
    after = other.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_buffers_round_trip_and_keep_their_dtype(tmp_path):
    bn = BatchNorm1d(3, dtype=np.float32)
    bn(np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32))
    save(bn, tmp_path / "bn.npz")
    fresh = load(BatchNorm1d(3, dtype=np.float32), tmp_path / "bn.npz")
    assert fresh.running_mean.dtype == np.float32
    assert np.array_equal(fresh.running_var, bn.running_var)
