"""Recurrent layers and Embedding under misuse: freezing one parameter, wrong gradient shapes,
empty batches, calls in the wrong order, bad constructor arguments. Each error names the layer,
what it expected and what it got."""

import re

import numpy as np
import pytest

from nnfs.layers import GRU, LSTM, RNN, Embedding, GRUCell, LSTMCell, RNNCell

N, T, D, H, L = 3, 5, 4, 6, 2
SEQUENCE_LAYERS = [RNN, LSTM, GRU]
CELLS = [RNNCell, LSTMCell, GRUCell]


def make(cls, rng, num_layers=L):
    layer = cls(D, H, num_layers, rng=rng)
    for p in layer.parameters():
        p.data += 0.3 * rng.standard_normal(p.shape)
    return layer


def final_grads(cls, shape):
    grads = tuple(np.ones(shape) for _ in range(2 if cls is LSTM else 1))
    return grads if cls is LSTM else grads[0]


# ---------------------------------------------------------------- freezing, per parameter


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_freezing_one_parameter_leaves_every_other_gradient_unchanged(cls, rng):
    layer = make(cls, rng)
    x, grad_out = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    layer(x)
    dx_free = layer.backward(grad_out)
    reference = {name: p.grad.copy() for name, p in layer.named_parameters()}
    assert all(np.abs(g).sum() > 0 for g in reference.values())
    for frozen_name, frozen in layer.named_parameters():
        layer.zero_grad()
        frozen.frozen = True
        layer(x)
        dx = layer.backward(grad_out)
        frozen.frozen = False
        np.testing.assert_array_equal(dx, dx_free)
        for name, p in layer.named_parameters():
            if name == frozen_name:
                assert not p.grad.any(), f"{cls.__name__}: frozen {name} got a gradient"
            else:
                np.testing.assert_array_equal(p.grad, reference[name], err_msg=name)


def test_bias_only_fine_tuning_trains_the_biases(rng):
    """Freeze every weight matrix: the biases must still learn (the failure issue 16 found)."""
    layer = make(LSTM, rng, num_layers=1)
    for name, p in layer.named_parameters():
        p.frozen = not name.endswith(".b")
    y = layer(rng.standard_normal((N, T, D)))
    layer.backward(np.ones_like(y))
    assert np.abs(layer.cells[0].b.grad).sum() > 0
    assert not layer.cells[0].W_x.grad.any() and not layer.cells[0].W_h.grad.any()


# ---------------------------------------------------------------- gradient shapes in backward


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_final_state_gradient_of_shape_n_h_is_rejected(cls, rng):
    """(N, H) used to broadcast over the layers; (L, N, H) is the only accepted shape."""
    layer = make(cls, rng)
    y = layer(rng.standard_normal((N, T, D)))
    name = "grad_h_n" if cls is not LSTM else "grad_state[0] (dL/dh_n)"
    for bad in ((N, H), (1, N, H), (L, N + 1, H)):
        message = f"{cls.__name__}: {name} expected shape {(L, N, H)}, got {bad}"
        with pytest.raises(ValueError, match=re.escape(message)):
            layer.backward(np.ones_like(y), final_grads(cls, bad))


def test_lstm_grad_state_must_be_a_pair(rng):
    layer = make(LSTM, rng)
    y = layer(rng.standard_normal((N, T, D)))
    with pytest.raises(TypeError, match=r"LSTM: grad_state expected a pair \(dL/dh_n, dL/dc_n\)"):
        layer.backward(np.ones_like(y), np.ones((L, N, H)))
    good = np.ones((L, N, H))
    with pytest.raises(ValueError, match=r"LSTM: grad_state\[1\] \(dL/dc_n\) expected shape"):
        layer.backward(np.ones_like(y), (good, np.ones((N, H))))


def test_lstm_state_must_be_a_pair(rng):
    layer = make(LSTM, rng)
    x = rng.standard_normal((N, T, D))
    with pytest.raises(TypeError, match=r"LSTM: state expected a pair \(h0, c0\) of arrays, got "):
        layer(x, np.zeros((L, N, H)))
    with pytest.raises(ValueError, match=rf"LSTM: c0 expected shape \({L}, {N}, {H}\)"):
        layer(x, (np.zeros((L, N, H)), np.zeros((N, H))))


@pytest.mark.parametrize("cls", CELLS)
def test_cell_backward_checks_the_gradient_shape(cls, rng):
    cell = cls(D, H, rng=rng)
    cell(rng.standard_normal((N, D)))
    bad = np.ones((N, H + 1))
    with pytest.raises(ValueError, match=rf"{cls.__name__}: grad_out expected shape \({N}, {H}\)"):
        cell.backward((bad, np.ones((N, H))) if cls is LSTMCell else bad)
    good = (np.ones((N, H)),) * 2 if cls is LSTMCell else np.ones((N, H))
    cell.backward(good)  # the failed call left the cached step in place


def test_lstm_cell_backward_of_one_array_names_the_pair(rng):
    cell = LSTMCell(D, H, rng=rng)
    cell(rng.standard_normal((N, D)))
    with pytest.raises(
        TypeError,
        match=r"LSTMCell: grad_out expected a pair \(dL/dh', dL/dc'\) of arrays, got ndarray "
        rf"of shape \({N}, {H}\)",
    ):
        cell.backward(np.ones((N, H)))
    with pytest.raises(TypeError, match=r"LSTMCell: state expected a pair \(h, c\)"):
        cell(rng.standard_normal((N, D)), np.zeros((N, H)))


# ---------------------------------------------------------------- empty batches


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_empty_batch_runs_forward_and_backward_as_torch_does(cls, rng):
    layer = make(cls, rng)
    y = layer(np.zeros((0, T, D)))
    assert y.shape == (0, T, H) and layer.h_n.shape == (L, 0, H)
    dx = layer.backward(np.zeros((0, T, H)), final_grads(cls, (L, 0, H)))
    assert dx.shape == (0, T, D) and layer.grad_h0.shape == (L, 0, H)
    assert not any(p.grad.any() for p in layer.parameters())


@pytest.mark.parametrize("cls", CELLS)
def test_cell_on_an_empty_batch(cls, rng):
    cell = cls(D, H, rng=rng)
    out = cell(np.zeros((0, D)))
    grad = tuple(np.zeros_like(o) for o in out) if cls is LSTMCell else np.zeros_like(out)
    dx, _ = cell.backward(grad)
    assert dx.shape == (0, D)


# ---------------------------------------------------------------- call order


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_backward_before_forward_says_call_forward_first(cls, rng):
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}: backward called before forward.*"):
        cls(D, H, rng=rng).backward(np.zeros((N, T, H)))
    with pytest.raises(RuntimeError, match="call forward first"):
        cls(D, H, rng=rng).backward(np.zeros((N, T, H)))


@pytest.mark.parametrize("cls", CELLS)
def test_cell_backward_before_forward_says_call_forward_first(cls, rng):
    grad = (np.zeros((N, H)),) * 2 if cls is LSTMCell else np.zeros((N, H))
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}: backward .*call forward first"):
        cls(D, H, rng=rng).backward(grad)


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_weights_changed_between_steps_are_used_by_the_next_backward(cls, rng):
    """The backward pass caches a transposed copy of W_h; a new forward must drop it."""
    layer, fresh = make(cls, rng), cls(D, H, L, rng=rng)
    x, grad_out = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    layer(x)
    layer.backward(grad_out)
    for p in layer.parameters():  # an optimizer step, in place
        p.data -= 0.1 * p.grad
    fresh.load_state_dict(layer.state_dict())
    layer.zero_grad()
    layer(x)
    dx = layer.backward(grad_out)
    fresh(x)
    np.testing.assert_array_equal(dx, fresh.backward(grad_out))
    for p, q in zip(layer.parameters(), fresh.parameters(), strict=True):
        np.testing.assert_array_equal(p.grad, q.grad)


# ---------------------------------------------------------------- bad inputs and arguments


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS + CELLS)
def test_integer_inputs_are_rejected(cls, rng):
    layer = cls(D, H, rng=rng)
    shape = (N, T, D) if cls in SEQUENCE_LAYERS else (N, D)
    name = cls.__name__
    with pytest.raises(TypeError, match=rf"{name}: input expected a floating-point array"):
        layer(np.ones(shape, dtype=np.int64))
    with pytest.raises(TypeError, match=rf"{name}: input expected a numpy.ndarray, got list"):
        layer(np.ones(shape).tolist())


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS + CELLS)
@pytest.mark.parametrize(
    ("args", "kwargs", "error", "pattern"),
    [
        ((0, H), {}, ValueError, r"input_size expected an integer >= 1, got 0"),
        ((D, -2), {}, ValueError, r"hidden_size expected an integer >= 1, got -2"),
        ((2.5, H), {}, TypeError, r"input_size expected an integer, got 2.5"),
        ((D, "8"), {}, TypeError, r"hidden_size expected an integer, got '8'"),
        ((D, H), {"rng": 0}, TypeError, r"rng expected a numpy.random.Generator"),
        ((D, H), {"dtype": np.int32}, TypeError, r"dtype expected a floating-point dtype"),
    ],
)
def test_constructor_arguments_are_validated(cls, args, kwargs, error, pattern, rng):
    with pytest.raises(error, match=rf"{cls.__name__}: {pattern}"):
        cls(*args, **kwargs)


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_num_layers_must_be_a_positive_integer(cls):
    name = cls.__name__
    with pytest.raises(TypeError, match=rf"{name}: num_layers expected an integer, got 1.5"):
        cls(D, H, 1.5)
    with pytest.raises(ValueError, match=rf"{name}: num_layers expected an integer >= 1"):
        cls(D, H, 0)


def test_forget_bias_must_be_a_number():
    with pytest.raises(TypeError, match="LSTM: forget_bias expected a real number, got 'x'"):
        LSTM(D, H, forget_bias="x")
    with pytest.raises(ValueError, match="LSTMCell: forget_bias expected a value in"):
        LSTMCell(D, H, forget_bias=float("nan"))


def test_repr_shows_the_settings(rng):
    assert repr(LSTMCell(D, H, rng=rng)) == f"LSTMCell({D}, {H}, forget_bias=1.0)"
    assert repr(LSTM(D, H, 2, forget_bias=0.5, rng=rng)) == (
        f"LSTM({D}, {H}, num_layers=2, forget_bias=0.5)"
    )
    assert repr(GRU(D, H, 3, rng=rng)) == f"GRU({D}, {H}, num_layers=3)"


# ---------------------------------------------------------------- Embedding


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "pattern"),
    [
        ((0, 3), {}, ValueError, r"num_embeddings expected an integer >= 1, got 0"),
        ((5, 2.0), {}, TypeError, r"dim expected an integer, got 2.0"),
        ((5, 3), {"rng": 1}, TypeError, r"rng expected a numpy.random.Generator"),
        ((5, 3), {"dtype": np.int64}, TypeError, r"dtype expected a floating-point dtype"),
    ],
)
def test_embedding_constructor_arguments_are_validated(args, kwargs, error, pattern):
    with pytest.raises(error, match=rf"Embedding: {pattern}"):
        Embedding(*args, **kwargs)


def test_embedding_errors_name_what_was_expected_and_got(rng):
    emb = Embedding(5, 3, rng=rng)
    with pytest.raises(TypeError, match="Embedding: indices expected a numpy.ndarray, got list"):
        emb([0, 1])
    with pytest.raises(TypeError, match="Embedding: indices expected an integer array, got dtype"):
        emb(np.array([True, False]))
    message = "Embedding: indices expected integers in [0, 5), got values in [-1, 2]"
    with pytest.raises(ValueError, match=re.escape(message)):
        emb(np.array([2, -1]))
    with pytest.raises(RuntimeError, match="Embedding: backward called before forward"):
        Embedding(5, 3, rng=rng).backward(np.zeros((2, 3)))


def test_embedding_backward_uses_the_indices_of_its_forward(rng):
    emb = Embedding(5, 2, rng=rng)
    idx = np.array([1, 1, 4])
    emb(idx)
    idx[:] = 0  # the caller reuses its buffer before backward
    emb.backward(np.ones((3, 2)))
    np.testing.assert_array_equal(emb.W.grad[:, 0], [0, 2, 0, 0, 1])


# ---------------------------------------------------------------- LSTM gate activations


def test_gate_activations_reproduce_the_cell_equations(rng):
    layer = make(LSTM, rng)
    x = rng.standard_normal((N, T, D))
    y = layer(x)
    for k in range(L):
        gates = layer.gate_activations(k)
        assert set(gates) == {"i", "f", "g", "o", "c"}
        assert all(v.shape == (N, T, H) for v in gates.values())
        i, f, g, o, c = (gates[name] for name in "ifgoc")
        assert np.all((0 < i) & (i < 1) & (0 < f) & (f < 1) & (0 < o) & (o < 1))
        c_prev = np.concatenate([np.zeros((N, 1, H)), c[:, :-1]], axis=1)
        np.testing.assert_allclose(c, f * c_prev + i * g, atol=1e-12)
        h = o * np.tanh(c)
        np.testing.assert_allclose(c[:, -1], layer.c_n[k], atol=1e-12)
        if k == L - 1:
            np.testing.assert_allclose(h, y, atol=1e-12)
    np.testing.assert_array_equal(layer.gate_activations()["c"], layer.gate_activations(L - 1)["c"])
    with pytest.raises(ValueError, match="LSTM.gate_activations: layer expected an index below 2"):
        layer.gate_activations(2)
    with pytest.raises(RuntimeError, match="call forward first"):
        LSTM(D, H, rng=rng).gate_activations()
