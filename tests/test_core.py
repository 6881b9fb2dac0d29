"""nnfs.core: Parameter, Module discovery (attributes, lists, tuples, dicts) and load_state_dict."""

import numpy as np
import pytest

from nnfs import BatchNorm1d, Dense, Module, NeuralNetwork, Parameter, Sequential


class _Bank(Module):
    """A custom module holding its parameters in containers, as a user might write one."""

    def __init__(self):
        super().__init__()
        self.weights = [Parameter(np.ones(2)), Parameter(np.full(3, 2.0))]
        self.pair = (Parameter(np.zeros((2, 2))),)
        self.table = {"scale": Parameter(np.ones(1))}
        self.experts = {"a": Dense(2, 2, rng=np.random.default_rng(0))}


def _snapshot(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def _assert_unchanged(model, before):
    after = model.state_dict()
    assert after.keys() == before.keys()
    for key in before:
        assert after[key].dtype == before[key].dtype and np.array_equal(after[key], before[key]), (
            key
        )


def _net():
    net = Sequential(Dense(3, 4, rng=np.random.default_rng(0)), BatchNorm1d(4))
    net(np.random.default_rng(1).standard_normal((6, 3)))  # moves the running statistics
    return net


# ---------------------------------------------------------------- Parameter


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.complex128])
def test_parameter_refuses_a_non_float_array(dtype):
    with pytest.raises(TypeError, match=r"Parameter: data expected a floating-point array, got "):
        Parameter(np.zeros(3, dtype=dtype))


def test_parameter_refuses_a_list():
    with pytest.raises(TypeError, match=r"Parameter: data expected a numpy.ndarray, got list"):
        Parameter([1.0, 2.0])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_parameter_keeps_a_float_dtype_and_its_gradient_matches(dtype):
    p = Parameter(np.ones(3, dtype=dtype))
    assert p.dtype == dtype and p.grad.dtype == dtype


def test_parameter_repr_shows_frozen():
    assert repr(Parameter(np.ones(2), frozen=True)) == (
        "Parameter(shape=(2,), dtype=float64, frozen=True)"
    )


# ---------------------------------------------------------------- discovery


def test_parameters_in_lists_tuples_and_dicts_are_found_with_dotted_names():
    bank = _Bank()
    names = [name for name, _ in bank.named_parameters()]
    assert names == [
        "weights.0",
        "weights.1",
        "pair.0",
        "table.scale",
        "experts.a.W",
        "experts.a.b",
    ]
    assert len(bank.parameters()) == 6
    assert set(bank.state_dict()) == set(names)


def test_parameters_in_containers_are_trained_frozen_and_loaded_like_any_other():
    bank = _Bank()
    bank.freeze()
    assert all(p.frozen for p in bank.parameters())
    state = {k: v + 1 for k, v in bank.state_dict().items()}
    bank.load_state_dict(state)
    np.testing.assert_array_equal(bank.weights[1].data, np.full(3, 3.0))
    np.testing.assert_array_equal(bank.table["scale"].data, [2.0])


def test_a_parameter_listed_twice_is_returned_once():
    bank = _Bank()
    bank.weights.append(bank.weights[0])
    assert len(bank.parameters()) == 6


def test_train_refuses_a_non_bool_mode():
    with pytest.raises(TypeError, match=r"Sequential.train: mode expected a bool, got 'eval'"):
        Sequential().train("eval")


# ---------------------------------------------------------------- load_state_dict


def test_load_state_dict_round_trip_copies_into_the_same_arrays():
    net, other = _net(), _net()
    for p in other.parameters():
        p.data += 1
    W = net[0].W.data
    net.load_state_dict(other.state_dict())
    assert net[0].W.data is W  # copied into, so an optimizer's references stay valid
    _assert_unchanged(net, other.state_dict())


def test_a_bad_last_key_leaves_every_earlier_key_untouched():
    net = _net()
    before = _snapshot(net)
    state = {k: v + 1 for k, v in before.items()}
    state["layers.1.running_var"] = np.ones(5)  # the last key in order, wrong shape
    with pytest.raises(
        ValueError, match=r"'layers.1.running_var' expected shape \(4,\), got \(5,\)"
    ):
        net.load_state_dict(state)
    _assert_unchanged(net, before)


@pytest.mark.parametrize(
    "bad, what",
    [
        (np.ones((3, 4), dtype=np.complex128), "complex128"),
        (np.full((3, 4), "x"), "<U1"),
        (np.ones((3, 4), dtype=bool), "bool"),
        (np.ones((3, 4), dtype=np.int64), "int64"),
        (np.empty((3, 4), dtype=object), "object"),
    ],
)
def test_a_wrong_dtype_raises_a_type_error_and_changes_nothing(bad, what):
    net = _net()
    before = _snapshot(net)
    state = {k: v + 1 for k, v in before.items()}
    state["layers.0.W"] = bad
    with pytest.raises(
        TypeError,
        match=rf"Sequential.load_state_dict: 'layers.0.W' expected a floating-point array "
        rf"\(the model holds float64\), got {what}",
    ):
        net.load_state_dict(state)
    _assert_unchanged(net, before)


def test_a_float64_checkpoint_loads_into_a_float32_model_and_keeps_float32():
    net64 = NeuralNetwork([3, 2], [None], seed=1)
    net32 = NeuralNetwork([3, 2], [None], seed=2, dtype=np.float32)
    net32.load_state_dict(net64.state_dict())
    assert net32.layers[0].W.dtype == np.float32
    np.testing.assert_allclose(net32.layers[0].W.data, net64.layers[0].W.data, rtol=1e-7)


def test_values_beyond_the_target_dtype_range_are_refused():
    net32 = Sequential(BatchNorm1d(2, dtype=np.float32))
    before = _snapshot(net32)
    state = {k: v.astype(np.float64) for k, v in before.items()}
    state["layers.0.running_var"] = np.array([1.0, 1e300])
    with pytest.raises(
        ValueError, match=r"'layers.0.running_var' holds values up to 1e\+300, beyond"
    ):
        net32.load_state_dict(state)
    _assert_unchanged(net32, before)


def test_buffers_are_cast_to_their_own_dtype_and_not_shared_with_the_state():
    bn = BatchNorm1d(2, dtype=np.float32)
    state = {k: v.astype(np.float64) for k, v in bn.state_dict().items()}
    bn.load_state_dict(state)
    assert bn.running_mean.dtype == np.float32
    state["running_mean"][0] = 5.0
    assert bn.running_mean[0] == 0.0


def test_missing_and_unexpected_keys_are_both_listed():
    net = _net()
    state = net.state_dict()
    state["extra"] = state.pop("layers.0.b")
    with pytest.raises(
        ValueError, match=r"missing keys \['layers.0.b'\], unexpected keys \['extra'\]"
    ):
        net.load_state_dict(state)


def test_load_state_dict_refuses_a_non_mapping():
    with pytest.raises(TypeError, match=r"load_state_dict: state expected a dict of arrays"):
        _net().load_state_dict([("0.W", np.zeros((3, 4)))])
