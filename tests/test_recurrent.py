"""RNN, LSTM, GRU: cells and sequence layers, BPTT gradients, shapes, dtypes, edge cases."""

import numpy as np
import pytest

from nnfs.gradcheck import check_module, numerical_gradient, rel_error
from nnfs.layers import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from nnfs.optim import clip_grad_norm
from tests.conftest import GRAD_TOL

N, T, D, H, L = 3, 6, 4, 5, 2
SEQUENCE_LAYERS = [RNN, LSTM, GRU]
CELLS = {RNN: RNNCell, LSTM: LSTMCell, GRU: GRUCell}


def make(cls, rng, num_layers=L, dtype=np.float64, **kwargs):
    """A layer whose weights are perturbed away from their init, so no gradient is trivially 0."""
    layer = cls(D, H, num_layers, rng=rng, dtype=dtype, **kwargs)
    for p in layer.parameters():
        p.data += (0.3 * rng.standard_normal(p.shape)).astype(dtype)
    return layer


def num_states(cls):
    return 2 if cls is LSTM else 1


def run(layer, x, initial):
    """forward with the initial states as a tuple for any architecture."""
    if isinstance(layer, LSTM):
        return layer(x, initial)
    return layer(x, None if initial is None else initial[0])


def finals(layer):
    return (layer.h_n, layer.c_n) if isinstance(layer, LSTM) else (layer.h_n,)


def grad_initial(layer):
    return (layer.grad_h0, layer.grad_c0) if isinstance(layer, LSTM) else (layer.grad_h0,)


def back(layer, grad_out, grad_final=None):
    if isinstance(layer, LSTM) or grad_final is None:
        return layer.backward(grad_out, grad_final)
    return layer.backward(grad_out, grad_final[0])


# ---------------------------------------------------------------- gradient checks (float64)


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_bptt_gradients_of_inputs_and_every_parameter(cls, rng):
    layer = make(cls, rng)
    x = rng.standard_normal((N, T, D))
    errors = check_module(layer, x)
    assert set(errors) == {"input0", *(name for name, _ in layer.named_parameters())}
    assert len(errors) == 1 + L * (4 if cls is GRU else 3)
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_bptt_gradients_of_initial_states_and_final_state_inputs(cls, rng):
    """L = <R, outputs> + sum_k <S_k, final_k>: checks grad_h0 (grad_c0) and grad_h_n paths."""
    layer = make(cls, rng)
    x = rng.standard_normal((N, T, D))
    initial = tuple(rng.standard_normal((L, N, H)) for _ in range(num_states(cls)))
    weight_out = rng.standard_normal((N, T, H))
    weight_final = tuple(rng.standard_normal((L, N, H)) for _ in initial)

    def loss(_=None):
        y = run(layer, x, initial)
        pairs = zip(weight_final, finals(layer), strict=True)
        return float(np.sum(weight_out * y) + sum(np.sum(w * s) for w, s in pairs))

    loss()
    layer.zero_grad()
    dx = back(layer, weight_out, weight_final)
    analytic_params = {name: p.grad.copy() for name, p in layer.named_parameters()}
    for state, grad in zip(initial, grad_initial(layer), strict=True):
        assert grad.shape == (L, N, H)
        assert rel_error(grad, numerical_gradient(loss, state)) < GRAD_TOL
    assert rel_error(dx, numerical_gradient(loss, x)) < GRAD_TOL
    for name, p in layer.named_parameters():
        assert rel_error(analytic_params[name], numerical_gradient(loss, p.data)) < GRAD_TOL, name


@pytest.mark.parametrize("cls", [RNNCell, GRUCell])
def test_cell_gradients_of_input_state_and_parameters(cls, rng):
    cell = cls(D, H, rng=rng)
    errors = check_module(cell, rng.standard_normal((N, D)), rng.standard_normal((N, H)))
    assert {"input0", "input1", "W_x", "W_h"} <= set(errors)
    assert max(errors.values()) < GRAD_TOL, errors


def test_lstm_cell_gradients_of_input_state_and_parameters(rng):
    cell = LSTMCell(D, H, rng=rng)
    x = rng.standard_normal((N, D))
    h, c = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    errors = check_module(cell, x, (h, c))
    assert set(errors) == {"input0", "W_x", "W_h", "b"}
    assert max(errors.values()) < GRAD_TOL, errors

    weight_h, weight_c = rng.standard_normal((N, H)), rng.standard_normal((N, H))

    def loss(_=None):
        h_new, c_new = cell(x, (h, c))
        cell._stack.clear()  # numerical evaluations must not pile up caches
        return float(np.sum(weight_h * h_new) + np.sum(weight_c * c_new))

    cell(x, (h, c))
    _, (dh, dc) = cell.backward((weight_h, weight_c))
    assert rel_error(dh, numerical_gradient(loss, h)) < GRAD_TOL
    assert rel_error(dc, numerical_gradient(loss, c)) < GRAD_TOL


# ---------------------------------------------------------------- cells vs sequence layers


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_cells_run_step_by_step_equal_the_sequence_layer(cls, rng):
    layer = make(cls, rng)
    x = rng.standard_normal((N, T, D))
    initial = tuple(rng.standard_normal((L, N, H)) for _ in range(num_states(cls)))
    grad_out = rng.standard_normal((N, T, H))
    y = run(layer, x, initial)
    layer.zero_grad()
    dx = back(layer, grad_out)
    sequence_grads = {name: p.grad.copy() for name, p in layer.named_parameters()}

    # By hand: layer by layer, step by step with each cell's own forward and backward.
    layer.zero_grad()
    inputs = [x[:, t] for t in range(T)]
    for k, cell in enumerate(layer.cells):
        state = tuple(s[k] for s in initial)
        outputs = []
        for x_t in inputs:
            state = cell(x_t, state) if cls is LSTM else (cell(x_t, state[0]),)
            outputs.append(state[0])
        for s, final in zip(state, finals(layer), strict=True):
            np.testing.assert_allclose(s, final[k], rtol=1e-12, atol=1e-12)
        inputs = outputs
    np.testing.assert_allclose(np.stack(inputs, axis=1), y, rtol=1e-12, atol=1e-12)

    grads = [grad_out[:, t] for t in range(T)]
    for k in reversed(range(L)):
        cell = layer.cells[k]
        d_state = tuple(np.zeros((N, H)) for _ in initial)
        d_inputs = [None] * T
        for t in reversed(range(T)):
            d_state = (d_state[0] + grads[t], *d_state[1:])
            d_inputs[t], d_state = cell.backward(d_state if cls is LSTM else d_state[0])
            d_state = d_state if cls is LSTM else (d_state,)
        for d, g0 in zip(d_state, grad_initial(layer), strict=True):
            np.testing.assert_allclose(d, g0[k], rtol=1e-10, atol=1e-12)
        grads = d_inputs
    np.testing.assert_allclose(np.stack(grads, axis=1), dx, rtol=1e-10, atol=1e-12)
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad, sequence_grads[name], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_final_state_is_last_output_of_top_layer(cls, rng):
    layer = make(cls, rng, num_layers=3)
    y = layer(rng.standard_normal((N, T, D)))
    assert y.shape == (N, T, H) and layer.h_n.shape == (3, N, H)
    np.testing.assert_array_equal(layer.h_n[-1], y[:, -1])
    assert len(layer.cells) == 3 and isinstance(layer.cells[0], CELLS[cls])
    assert layer.cells[0].W_x.shape[0] == D and layer.cells[1].W_x.shape[0] == H


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_missing_initial_state_means_zeros(cls, rng):
    layer = make(cls, rng)
    x = rng.standard_normal((N, T, D))
    zeros = tuple(np.zeros((L, N, H)) for _ in range(num_states(cls)))
    np.testing.assert_array_equal(run(layer, x, None), run(layer, x, zeros))


def test_parameter_layouts_follow_the_design(rng):
    assert [(n, p.shape) for n, p in RNNCell(D, H, rng=rng).named_parameters()] == [
        ("W_x", (D, H)),
        ("W_h", (H, H)),
        ("b", (H,)),
    ]
    assert [(n, p.shape) for n, p in LSTMCell(D, H, rng=rng).named_parameters()] == [
        ("W_x", (D, 4 * H)),
        ("W_h", (H, 4 * H)),
        ("b", (4 * H,)),
    ]
    assert [(n, p.shape) for n, p in GRUCell(D, H, rng=rng).named_parameters()] == [
        ("W_x", (D, 3 * H)),
        ("W_h", (H, 3 * H)),
        ("b_x", (3 * H,)),
        ("b_h", (3 * H,)),
    ]
    names = [n for n, _ in LSTM(D, H, 2, rng=rng).named_parameters()]
    assert names == ["cells.0.W_x", "cells.0.W_h", "cells.0.b"] + [
        "cells.1.W_x",
        "cells.1.W_h",
        "cells.1.b",
    ]


def test_lstm_gate_order_is_i_f_g_o(rng):
    """With W = 0, the biases alone set the gates; c' = f c + i g, h' = o tanh(c')."""
    cell = LSTMCell(2, 1, rng=rng)
    cell.W_x.data[:] = 0
    cell.W_h.data[:] = 0
    cell.b.data[:] = [0.3, -0.7, 0.5, 1.1]  # i, f, g, o pre-activations
    c = np.array([[2.0]])
    h_new, c_new = cell(np.zeros((1, 2)), (np.zeros((1, 1)), c))
    sig = 1 / (1 + np.exp(-cell.b.data))
    expected_c = sig[1] * 2.0 + sig[0] * np.tanh(0.5)
    np.testing.assert_allclose(c_new, [[expected_c]])
    np.testing.assert_allclose(h_new, [[sig[3] * np.tanh(expected_c)]])


def test_gru_update_and_reset_follow_the_design(rng):
    """h' = (1 - z) n + z h with n = tanh(x W_xn + b_xn + r (h W_hn + b_hn)), order r, z, n."""
    cell = GRUCell(1, 1, rng=rng)
    cell.W_x.data[:] = [[0.2, -0.4, 0.9]]
    cell.W_h.data[:] = [[0.5, 0.3, -0.8]]
    cell.b_x.data[:] = [0.1, 0.2, 0.3]
    cell.b_h.data[:] = [-0.1, 0.4, 0.6]
    x, h = np.array([[1.5]]), np.array([[-0.7]])
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    r = sig(0.2 * 1.5 + 0.1 + 0.5 * -0.7 - 0.1)
    z = sig(-0.4 * 1.5 + 0.2 + 0.3 * -0.7 + 0.4)
    n = np.tanh(0.9 * 1.5 + 0.3 + r * (-0.8 * -0.7 + 0.6))
    np.testing.assert_allclose(cell(x, h), (1 - z) * n + z * h)


def test_lstm_forget_bias_initialises_the_forget_block_only(rng):
    cell = LSTMCell(D, H, rng=rng, forget_bias=1.0)
    np.testing.assert_array_equal(cell.b.data[H : 2 * H], 1.0)
    assert not cell.b.data[:H].any() and not cell.b.data[2 * H :].any()
    assert not LSTM(D, H, rng=rng, forget_bias=0.0).cells[0].b.data.any()


# ---------------------------------------------------------------- dtypes, extremes, bookkeeping


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_float32_stays_float32_through_forward_and_bptt(cls, rng):
    layer = cls(D, H, 2, rng=rng, dtype=np.float32)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    y = layer(x)
    dx = layer.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == np.float32
    assert all(s.dtype == np.float32 for s in finals(layer) + grad_initial(layer))
    for p in layer.parameters():
        assert p.grad.dtype == np.float32 and p.data.flags.c_contiguous


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_give_finite_outputs_and_gradients(cls, dtype, rng):
    layer = make(cls, rng, dtype=dtype)
    x = (1e4 * rng.choice([-1.0, 1.0], size=(N, T, D))).astype(dtype)
    y = layer(x)
    dx = layer.backward(np.ones_like(y))
    assert np.all(np.isfinite(y)) and np.all(np.abs(y) <= 1)
    assert np.all(np.isfinite(dx))
    assert all(np.all(np.isfinite(p.grad)) for p in layer.parameters())


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_backward_leaves_its_arguments_untouched(cls, rng):
    layer = make(cls, rng)
    x = rng.standard_normal((N, T, D))
    y = layer(x)
    grad_out = rng.standard_normal(y.shape)
    grad_final = tuple(rng.standard_normal((L, N, H)) for _ in range(num_states(cls)))
    copies = (grad_out.copy(), *(g.copy() for g in grad_final))
    back(layer, grad_out, grad_final)
    for before, after in zip(copies, (grad_out, *grad_final), strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_gradients_accumulate_over_two_backward_calls(cls, rng):
    layer = make(cls, rng)
    x = rng.standard_normal((N, T, D))
    grad_out = rng.standard_normal((N, T, H))
    layer(x)
    back(layer, grad_out)
    once = [p.grad.copy() for p in layer.parameters()]
    layer(x)
    back(layer, grad_out)
    for g, p in zip(once, layer.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, 2 * g)


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_frozen_layer_gets_no_parameter_gradient_but_passes_dx(cls, rng):
    layer = make(cls, rng).freeze()
    y = layer(rng.standard_normal((N, T, D)))
    dx = layer.backward(np.ones_like(y))
    assert np.abs(dx).sum() > 0
    assert not any(p.grad.any() for p in layer.parameters())


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_same_seed_same_weights_and_outputs(cls):
    a = cls(D, H, 2, rng=np.random.default_rng(5))
    b = cls(D, H, 2, rng=np.random.default_rng(5))
    x = np.random.default_rng(6).standard_normal((N, T, D))
    np.testing.assert_array_equal(a(x), b(x))


def test_single_time_step_equals_one_cell_step(rng):
    layer = make(LSTM, rng, num_layers=1)
    x = rng.standard_normal((N, 1, D))
    h, c = layer.cells[0](x[:, 0])
    np.testing.assert_allclose(layer(x)[:, 0], h, rtol=1e-12)
    np.testing.assert_allclose(layer.c_n[0], c, rtol=1e-12)


def test_clip_grad_norm_bounds_the_global_norm_of_an_lstm(rng):
    layer = make(LSTM, rng)
    y = layer(rng.standard_normal((N, T, D)))
    layer.backward(100 * np.ones_like(y))
    params = layer.parameters()
    before = [p.grad.copy() for p in params]
    total = clip_grad_norm(params, max_norm=1.0)
    assert total == pytest.approx(np.sqrt(sum(np.sum(g**2) for g in before)))
    assert np.sqrt(sum(np.sum(p.grad**2) for p in params)) == pytest.approx(1.0, rel=1e-5)
    for g, p in zip(before, params, strict=True):  # the direction is kept
        np.testing.assert_allclose(p.grad * total, g, rtol=1e-5)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_wrong_input_shapes_raise_naming_the_layer(cls, rng):
    layer = cls(D, H, 2, rng=rng)
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"{name}: input expected shape \(\*, \*, {D}\)"):
        layer(rng.standard_normal((N, T, D + 1)))
    with pytest.raises(ValueError, match=rf"{name}: input expected shape"):
        layer(rng.standard_normal((N, D)))
    with pytest.raises(ValueError, match=rf"{name}: input expected at least one time step"):
        layer(np.zeros((N, 0, D)))
    bad_state = tuple(np.zeros((1, N, H)) for _ in range(num_states(cls)))
    with pytest.raises(ValueError, match=rf"{name}: h0 expected shape \(2, {N}, {H}\), got \(1,"):
        run(layer, rng.standard_normal((N, T, D)), bad_state)
    layer(rng.standard_normal((N, T, D)))
    with pytest.raises(ValueError, match=rf"{name}: grad_out expected shape \({N}, {T}, {H}\)"):
        layer.backward(np.zeros((N, T - 1, H)))


@pytest.mark.parametrize("cell_cls", [RNNCell, GRUCell, LSTMCell])
def test_wrong_cell_shapes_raise_naming_the_cell(cell_cls, rng):
    cell = cell_cls(D, H, rng=rng)
    name = cell_cls.__name__
    with pytest.raises(ValueError, match=rf"{name}: input expected shape \(\*, {D}\)"):
        cell(np.zeros((N, D + 2)))
    state = (np.zeros((N, H + 1)),) * (2 if cell_cls is LSTMCell else 1)
    with pytest.raises(ValueError, match=rf"{name}: state expected shape \({N}, {H}\)"):
        cell(np.zeros((N, D)), state if cell_cls is LSTMCell else state[0])


def test_cell_backward_without_forward_raises(rng):
    with pytest.raises(RuntimeError, match="RNNCell: backward called more often than forward"):
        RNNCell(D, H, rng=rng).backward(np.zeros((N, H)))


def test_cell_in_eval_mode_keeps_no_caches(rng):
    cell = LSTMCell(D, H, rng=rng).eval()
    state = None
    for _ in range(50):
        state = cell(rng.standard_normal((N, D)), state)
    assert cell._stack == []
    with pytest.raises(RuntimeError, match="eval mode"):
        cell.backward((np.zeros((N, H)), np.zeros((N, H))))


def test_zero_layers_is_rejected():
    with pytest.raises(ValueError, match="GRU: num_layers expected an integer >= 1, got 0"):
        GRU(D, H, num_layers=0)


# ---------------------------------------------------------------- the chapter's data generators


def test_make_sentences_is_seeded_and_uses_a_small_vocabulary():
    from nnfs.datasets import make_sentences

    text = make_sentences(200, seed=3)
    assert text == make_sentences(200, seed=3) != make_sentences(200, seed=4)
    assert text.count(".") == 200 and "  " not in text and not text.endswith(" ")
    assert set(text) <= set("abcdefghijklmnopqrstuvwxyz .")


def test_make_delayed_sign_labels_the_sign_of_the_marked_number():
    from nnfs.datasets import make_delayed_sign

    X, y, delay = make_delayed_sign(500, max_delay=12, seed=0)
    assert X.shape == (500, 13, 2) and y.shape == delay.shape == (500,)
    assert np.all(X[:, :, 1].sum(axis=1) == 1) and np.all(np.abs(X[:, :, 0]) <= 1)
    marked = X[:, :, 1].argmax(axis=1)
    np.testing.assert_array_equal(marked, 12 - delay)
    np.testing.assert_array_equal(y, X[np.arange(500), marked, 0] > 0)
    assert delay.min() == 0 and delay.max() == 12
    _, _, skewed = make_delayed_sign(4000, max_delay=12, skew=2.0, seed=0)
    # P(delay <= 3) = P(13 v^2 < 4) = sqrt(4 / 13) with skew 2, against 4 / 13 uniformly
    assert abs(np.mean(skewed <= 3) - np.sqrt(4 / 13)) < 0.03
    assert abs(np.mean(delay <= 3) - 4 / 13) < 0.06


@pytest.mark.parametrize("cls", SEQUENCE_LAYERS)
def test_backward_uses_the_weights_of_the_moment_not_a_stale_transposed_copy(cls, rng):
    # BPTT multiplies by a contiguous copy of W_h^T made for each backward pass; after it the
    # copy is gone, so changing W_h between passes changes the gradients as it must.
    layer, x = make(cls, rng), rng.standard_normal((N, T, D))
    grad_out = rng.standard_normal((N, T, H))
    run(layer, x, None)
    layer.backward(grad_out)
    assert all(cell._W_h_T is None for cell in layer.cells)
    for cell in layer.cells:
        cell.W_h.data *= 0.5
    fresh = make(cls, np.random.default_rng(1))
    fresh.load_state_dict(layer.state_dict())
    for layer_ in (layer, fresh):
        layer_.zero_grad()
        run(layer_, x, None)
    dx, dx_fresh = layer.backward(grad_out), fresh.backward(grad_out)
    np.testing.assert_array_equal(dx, dx_fresh)
    for p, q in zip(layer.parameters(), fresh.parameters(), strict=True):
        np.testing.assert_array_equal(p.grad, q.grad)


def test_a_failed_backward_drops_the_transposed_copy(rng):
    layer = make(LSTM, rng)
    y = layer(rng.standard_normal((N, T, D)))
    with pytest.raises(ValueError):
        layer.backward(np.zeros_like(y), (np.zeros((L, N, H)), np.zeros((L, N, H + 1))))
    cell = layer.cells[-1]
    with pytest.raises(ZeroDivisionError), cell.transposed_hidden_weights():
        assert cell._W_h_T.flags.c_contiguous and np.array_equal(cell._W_h_T, cell.W_h.data.T)
        raise ZeroDivisionError
    assert cell._W_h_T is None
