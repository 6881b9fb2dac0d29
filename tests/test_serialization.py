"""Serialization: bit-exact round trips through .npz, and no pickle on load."""

import numpy as np
import pytest

from nnfs import NeuralNetwork
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
    with pytest.raises(ValueError, match="allow_pickle=False"):
        load_state(path)


def test_loading_into_a_different_architecture_raises(tmp_path):
    save(NeuralNetwork([3, 5, 2], ["tanh", None]), tmp_path / "m.npz")
    with pytest.raises(ValueError, match=r"'layers.0.W' expected shape \(3, 4\), got \(3, 5\)"):
        load(NeuralNetwork([3, 4, 2], ["tanh", None]), tmp_path / "m.npz")
    with pytest.raises(ValueError, match="missing keys"):
        load(NeuralNetwork([3, 5, 5, 2], ["tanh", "tanh", None]), tmp_path / "m.npz")
