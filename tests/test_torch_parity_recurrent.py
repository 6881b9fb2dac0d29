"""RNN, LSTM, GRU against torch.nn.RNN/LSTM/GRU with copied weights, in float64.

torch stores `weight_ih_l{k}` as (G*H, D) and `weight_hh_l{k}` as (G*H, H): our `W_x`, `W_h`
transposed, with the same block orders (LSTM i, f, g, o; GRU r, z, n). RNN and LSTM add torch's
two biases, so our `b` is `bias_ih + bias_hh`; the GRU keeps them apart (`b_x`, `b_h`) because
`bias_hh`'s n block sits inside r * (...).
"""

import numpy as np
import pytest

from nnfs.layers import GRU, LSTM, RNN
from tests.torch_utils import t, torch

N, T, D, H, L = 3, 7, 4, 5, 2


def build_pair(cls, rng):
    """Our layer with random non-zero biases, and the torch module holding the same numbers."""
    ours = cls(D, H, L, rng=rng)
    ref = {RNN: torch.nn.RNN, LSTM: torch.nn.LSTM, GRU: torch.nn.GRU}[cls](
        D, H, num_layers=L, batch_first=True
    ).double()
    with torch.no_grad():
        for k, cell in enumerate(ours.cells):
            getattr(ref, f"weight_ih_l{k}").copy_(torch.from_numpy(cell.W_x.data.T))
            getattr(ref, f"weight_hh_l{k}").copy_(torch.from_numpy(cell.W_h.data.T))
            bias_ih = rng.standard_normal(cell.W_h.shape[1])
            bias_hh = rng.standard_normal(cell.W_h.shape[1])
            getattr(ref, f"bias_ih_l{k}").copy_(torch.from_numpy(bias_ih))
            getattr(ref, f"bias_hh_l{k}").copy_(torch.from_numpy(bias_hh))
            if cls is GRU:
                cell.b_x.data[...] = bias_ih
                cell.b_h.data[...] = bias_hh
            else:
                cell.b.data[...] = bias_ih + bias_hh
    return ours, ref


def close(name, ours, theirs, rtol=1e-9):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-11, err_msg=name)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_outputs_final_states_and_all_gradients_match_torch(cls, rng):
    ours, ref = build_pair(cls, rng)
    x = rng.standard_normal((N, T, D))
    initial = [rng.standard_normal((L, N, H)) for _ in range(2 if cls is LSTM else 1)]
    grad_out = rng.standard_normal((N, T, H))
    grad_final = [rng.standard_normal((L, N, H)) for _ in initial]

    x_t, initial_t = t(x), [t(s) for s in initial]
    if cls is LSTM:
        y_t, (h_t, c_t) = ref(x_t, tuple(initial_t))
        finals_t = [h_t, c_t]
        y = ours(x, tuple(initial))
        finals = [ours.h_n, ours.c_n]
    else:
        y_t, h_t = ref(x_t, initial_t[0])
        finals_t = [h_t]
        y = ours(x, initial[0])
        finals = [ours.h_n]
    loss_t = (y_t * torch.from_numpy(grad_out)).sum() + sum(
        (f * torch.from_numpy(g)).sum() for f, g in zip(finals_t, grad_final, strict=True)
    )
    loss_t.backward()
    if cls is LSTM:
        dx = ours.backward(grad_out, tuple(grad_final))
        grad_initial = [ours.grad_h0, ours.grad_c0]
    else:
        dx = ours.backward(grad_out, grad_final[0])
        grad_initial = [ours.grad_h0]

    close("outputs", y, y_t)
    for k, (f, f_t) in enumerate(zip(finals, finals_t, strict=True)):
        close(f"final state {k}", f, f_t)
    close("dx", dx, x_t.grad)
    for k, (g, s_t) in enumerate(zip(grad_initial, initial_t, strict=True)):
        close(f"initial state gradient {k}", g, s_t.grad)
    for k, cell in enumerate(ours.cells):
        close(f"W_x l{k}", cell.W_x.grad, getattr(ref, f"weight_ih_l{k}").grad.numpy().T)
        close(f"W_h l{k}", cell.W_h.grad, getattr(ref, f"weight_hh_l{k}").grad.numpy().T)
        if cls is GRU:
            close(f"b_x l{k}", cell.b_x.grad, getattr(ref, f"bias_ih_l{k}").grad)
            close(f"b_h l{k}", cell.b_h.grad, getattr(ref, f"bias_hh_l{k}").grad)
        else:
            close(f"b l{k}", cell.b.grad, getattr(ref, f"bias_ih_l{k}").grad)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_float32_outputs_match_torch_float32(cls, rng):
    ours64, ref = build_pair(cls, rng)
    ours = cls(D, H, L, rng=rng, dtype=np.float32)
    ours.load_state_dict({k: v.astype(np.float32) for k, v in ours64.state_dict().items()})
    ref = ref.float()
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    y = ours(x)
    y_t = ref(torch.from_numpy(x))[0]
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, y_t.detach().numpy(), rtol=1e-4, atol=1e-5)
