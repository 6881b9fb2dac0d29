"""GPTConfig and GPT (nnfs/models/gpt.py): gradients, causality, KV cache, generation, errors."""

import numpy as np
import pytest

from nnfs.gradcheck import check_module
from nnfs.layers import GELU
from nnfs.layers.attention import KVCache
from nnfs.models import GPT, GPTConfig
from tests.conftest import GRAD_TOL

TINY = {"vocab_size": 7, "max_len": 6, "d_model": 8, "num_heads": 2, "d_ff": 12, "num_layers": 2}


def _gpt(rng, dtype=np.float64, scale=0.3, **overrides):
    """A small GPT with weights of std `scale`, so that attention is far from uniform."""
    config = GPTConfig(**{**TINY, **overrides})
    model = GPT(config, rng=rng, dtype=dtype)
    if scale:
        for p in model.parameters():
            p.data[...] = rng.normal(0.0, scale, p.shape)
    return model


def _ids(rng, shape, vocab=TINY["vocab_size"]):
    return rng.integers(0, vocab, size=shape)


# --- structure ----------------------------------------------------------------------------


def test_gpt_shapes_blocks_and_parameter_count(rng):
    model = GPT(GPTConfig(**TINY), rng=rng)
    logits = model(_ids(rng, (3, 5)))
    assert logits.shape == (3, 5, 7) and logits.dtype == np.float64
    assert len(model.blocks) == 2
    for block in model.blocks:
        assert block.norm_first and isinstance(block.activation, GELU)
        assert block.activation.approximate == "tanh"
    V, T, d, f = 7, 6, 8, 12
    per_block = (4 * d * d + 4 * d) + 2 * 2 * d + (d * f + f + f * d + d)
    # Weights tied: the (V, d) embedding doubles as the output layer and is counted once.
    assert model.num_parameters() == V * d + T * d + 2 * per_block + 2 * d
    assert model.output_weight is model.token_embedding.W
    assert "lm_head" not in model.state_dict()


def test_untied_gpt_has_its_own_output_matrix(rng):
    model = GPT(GPTConfig(**TINY, tie_weights=False), rng=rng)
    assert model.output_weight is model.lm_head is not model.token_embedding.W
    assert model.state_dict()["lm_head"].shape == (7, 8)
    assert model.num_parameters() == GPT(GPTConfig(**TINY), rng=rng).num_parameters() + 7 * 8


def test_gpt2_initialization(rng):
    config = GPTConfig(vocab_size=50, max_len=64, d_model=64, num_heads=4, d_ff=256, num_layers=8)
    model = GPT(config, rng=rng)
    assert abs(model.token_embedding.W.data.std() - 0.02) < 0.002
    assert abs(model.blocks[0].attn.Wq.data.std() - 0.02) < 0.002
    assert abs(model.blocks[0].ff2.W.data.std() - 0.02 / 4) < 0.0005  # 0.02 / sqrt(2 * 8)
    assert np.all(model.blocks[3].ff1.b.data == 0) and np.all(model.norm.gamma.data == 1)


def test_same_seed_same_model_and_float32_stays_float32():
    a = GPT(GPTConfig(**TINY), rng=np.random.default_rng(3))
    b = GPT(GPTConfig(**TINY), rng=np.random.default_rng(3))
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    model = GPT(GPTConfig(**TINY), rng=np.random.default_rng(0), dtype=np.float32)
    logits = model(np.zeros((2, 4), dtype=np.int64))
    model.backward(np.ones_like(logits))
    assert logits.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


# --- gradients ----------------------------------------------------------------------------


@pytest.mark.parametrize("tie_weights", [True, False])
def test_gpt_gradient_check(rng, tie_weights):
    model = _gpt(rng, tie_weights=tie_weights)
    errors = check_module(model, _ids(rng, (2, 5)))
    bad = {n: e for n, e in errors.items() if e > GRAD_TOL}
    assert not bad, f"gradient check failed: {bad}"
    assert len(errors) == len(model.parameters())


def test_gpt_gradient_check_with_dropout_masks_fixed(rng):
    model = _gpt(rng, dropout=0.2, num_layers=1)
    ids = _ids(rng, (2, 4))
    model(ids)
    for _, module in model.named_modules():
        if hasattr(module, "fix_mask"):
            module.fix_mask()
    errors = check_module(model, ids)
    bad = {n: e for n, e in errors.items() if e > GRAD_TOL}
    assert not bad, f"gradient check failed: {bad}"


def test_frozen_output_weight_gets_no_gradient_but_blocks_still_train(rng):
    model = _gpt(rng, tie_weights=False)
    model.lm_head.frozen = True
    model(_ids(rng, (2, 4)))
    model.backward(rng.standard_normal((2, 4, 7)))
    assert np.all(model.lm_head.grad == 0)
    assert np.any(model.token_embedding.W.grad != 0)
    assert np.any(model.blocks[0].ff1.W.grad != 0)


# --- causality ----------------------------------------------------------------------------


def test_changing_a_future_token_leaves_every_earlier_logit_bit_for_bit_unchanged(rng):
    model = _gpt(rng)
    ids = _ids(rng, (3, 6))
    logits = model(ids)
    for t in range(6):
        changed = ids.copy()
        changed[:, t] = (changed[:, t] + 1 + rng.integers(0, 5, 3)) % 7
        new = model(changed)
        np.testing.assert_array_equal(new[:, :t], logits[:, :t], err_msg=f"t = {t}")
        assert not np.allclose(new[:, t], logits[:, t])  # position t itself does change


def test_a_loss_on_position_t_sends_no_gradient_to_later_token_embeddings(rng):
    model = _gpt(rng)
    ids = np.array([[0, 1, 2, 3, 4, 5]])
    model(ids)
    grad = np.zeros((1, 6, 7))
    grad[0, 2] = rng.standard_normal(7)  # a loss on the prediction made at position 2 only
    model.zero_grad()
    model.backward(grad)
    # Tokens 3, 4, 5 are seen only through the (tied) output layer, never as inputs: their
    # position embeddings get no gradient at all.
    assert np.all(model.position_embedding.W.grad[3:] == 0)
    assert np.any(model.position_embedding.W.grad[:3] != 0)


# --- the KV cache -------------------------------------------------------------------------


@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-13), (np.float32, 2e-6)])
def test_kv_cache_gives_the_logits_of_recomputing_the_whole_prefix(rng, dtype, rtol):
    model = _gpt(rng, dtype=dtype, max_len=12)
    model.eval()
    ids = _ids(rng, (3, 12))
    full = model(ids)  # (3, 12, 7): the logits at every position, from one causal pass
    cache = model.make_cache(3)
    steps = [model.forward_cached(ids[:, :4], cache)]  # the prompt, then one token at a time
    steps += [model.forward_cached(ids[:, t : t + 1], cache) for t in range(4, 12)]
    cached = np.concatenate(steps, axis=1)
    assert cached.dtype == dtype and cache[0].length == 12
    # Equal up to rounding (a one-row matrix product sums in another order than a 12-row one).
    scale = np.abs(full).max()
    assert np.abs(cached - full).max() <= rtol * scale


def test_kv_cache_layout_and_capacity(rng):
    model = _gpt(rng)
    cache = model.make_cache(2)
    assert len(cache) == 2 and all(isinstance(c, KVCache) for c in cache)
    assert cache[0].k.shape == (2, 2, 6, 4)  # (N, heads, max_len, d_k)
    model.eval()
    model.forward_cached(_ids(rng, (2, 5)), cache)
    with pytest.raises(ValueError, match=r"GPT.forward_cached: ids expected shape .*T <= 1\)"):
        model.forward_cached(_ids(rng, (2, 2)), cache)
    with pytest.raises(RuntimeError, match="GPT: backward called before forward"):
        model.backward(np.ones((2, 1, 7)))


# --- generation ---------------------------------------------------------------------------


def _greedy_by_full_forward(model, ids, n):
    """Decode greedily with a full forward pass over (the last max_len of) the prefix."""
    out = ids
    for _ in range(n):
        logits = model(out[:, -model.config.max_len :])[:, -1]
        out = np.concatenate([out, logits.argmax(axis=1)[:, None]], axis=1)
    return out


@pytest.mark.parametrize("use_cache", [True, False])
@pytest.mark.parametrize("new_tokens", [3, 9])  # 9: past max_len = 6, the window slides
def test_greedy_generate_equals_decoding_by_full_forward_passes(rng, use_cache, new_tokens):
    model = _gpt(rng, scale=0.5)
    ids = _ids(rng, (4, 2))
    out = model.generate(ids, new_tokens, temperature=0.0, use_cache=use_cache)
    assert out.shape == (4, 2 + new_tokens) and out.dtype == np.int64
    np.testing.assert_array_equal(out[:, :2], ids)
    model.eval()
    np.testing.assert_array_equal(out, _greedy_by_full_forward(model, ids, new_tokens))


def test_same_rng_same_sample_and_top_k_one_is_greedy(rng):
    model = _gpt(rng, scale=0.5)
    ids = _ids(rng, (3, 2))
    a = model.generate(ids, 10, temperature=1.0, rng=np.random.default_rng(7))
    b = model.generate(ids, 10, temperature=1.0, rng=np.random.default_rng(7))
    c = model.generate(ids, 10, temperature=1.0, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    top1 = model.generate(ids, 10, temperature=1.5, top_k=1, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(top1, model.generate(ids, 10, temperature=0.0))
    # The cache does not change the random stream's use: same rng, same tokens.
    no_cache = model.generate(ids, 4, rng=np.random.default_rng(7), use_cache=False)
    np.testing.assert_array_equal(no_cache, a[:, :6])


def test_generate_runs_in_eval_mode_and_restores_the_modes(rng):
    model = _gpt(rng, dropout=0.5)
    model.blocks[1].eval()  # a mixed state must come back as it was
    ids = _ids(rng, (2, 3))
    greedy = model.generate(ids, 3, temperature=0.0)
    np.testing.assert_array_equal(greedy, model.generate(ids, 3, temperature=0.0))
    assert model.training and model.blocks[0].training and not model.blocks[1].training
    assert model.blocks[0].attn.attn_dropout.training
    unchanged = model.generate(ids, 0)
    np.testing.assert_array_equal(unchanged, ids)
    assert unchanged is not ids  # a new array: writing to it leaves the prompt alone


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"vocab_size": 0}, ValueError, r"GPTConfig: vocab_size expected an integer >= 1, got 0"),
        ({"max_len": 2.5}, TypeError, r"GPTConfig: max_len expected an integer, got 2.5"),
        ({"num_heads": 3}, ValueError, r"GPTConfig: d_model \(8\) must be divisible by num_h"),
        ({"num_layers": 0}, ValueError, r"GPTConfig: num_layers expected an integer >= 1"),
        ({"d_ff": -4}, ValueError, r"GPTConfig: d_ff expected an integer >= 1, got -4"),
        ({"dropout": 1.0}, ValueError, r"GPTConfig: dropout expected a value in \[0, 1\)"),
        ({"tie_weights": 1}, TypeError, r"GPTConfig: tie_weights expected a bool, got 1"),
    ],
)
def test_bad_config_values_are_refused(overrides, error, message):
    with pytest.raises(error, match=message):
        GPTConfig(**{**TINY, **overrides})


def test_gpt_constructor_errors():
    with pytest.raises(TypeError, match="GPT: config expected a GPTConfig, got dict"):
        GPT(TINY)
    with pytest.raises(TypeError, match="GPT: rng expected a numpy.random.Generator"):
        GPT(GPTConfig(**TINY), rng=0)
    config = GPTConfig(**TINY)
    config.num_heads = 3  # changed after construction: checked again
    with pytest.raises(ValueError, match="GPTConfig: d_model"):
        GPT(config)


def test_bad_ids_are_refused(rng):
    model = _gpt(rng)
    with pytest.raises(ValueError, match=r"GPT: ids expected values in \[0, 7\), got .* 7\]"):
        model(np.array([[1, 7]]))
    with pytest.raises(ValueError, match=r"got values in \[-1, 2\]"):
        model(np.array([[-1, 2]]))
    with pytest.raises(ValueError, match=r"GPT: ids expected shape \(N >= 1, 1 <= T <= 6\)"):
        model(np.zeros((1, 7), dtype=np.int64))
    with pytest.raises(ValueError, match=r"got \(5,\)"):
        model(np.zeros(5, dtype=np.int64))
    with pytest.raises(ValueError, match=r"got \(2, 0\)"):
        model(np.zeros((2, 0), dtype=np.int64))
    with pytest.raises(TypeError, match="GPT: ids expected an integer array, got dtype float64"):
        model(np.zeros((1, 3)))
    with pytest.raises(TypeError, match="GPT: ids expected a numpy.ndarray, got list"):
        model([[1, 2]])


def test_backward_and_generate_errors(rng):
    model = _gpt(rng)
    with pytest.raises(RuntimeError, match="GPT: backward called before forward"):
        model.backward(np.ones((1, 3, 7)))
    model(_ids(rng, (2, 3)))
    with pytest.raises(ValueError, match=r"GPT: grad_out expected shape \(2, 3, 7\), got"):
        model.backward(np.ones((2, 3, 8)))
    ids = _ids(rng, (1, 2))
    with pytest.raises(ValueError, match="GPT.generate: max_new_tokens expected an integer >= 0"):
        model.generate(ids, -1)
    with pytest.raises(ValueError, match=r"GPT.generate: temperature expected a value in \[0"):
        model.generate(ids, 2, temperature=-1.0)
    with pytest.raises(ValueError, match="GPT.generate: top_k expected an integer >= 1, got 0"):
        model.generate(ids, 2, top_k=0)
    with pytest.raises(ValueError, match=r"GPT.generate: ids expected values in \[0, 7\)"):
        model.generate(np.array([[9]]), 2)
    with pytest.raises(ValueError, match=r"GPT.generate: ids expected shape"):
        model.generate(_ids(rng, (1, 7)), 2)
    model.generate(ids, 2)
    # After generate, the cached activations of the last forward are gone: backward refuses.
    with pytest.raises(RuntimeError, match="GPT: backward called before forward"):
        model.backward(np.ones((1, 3, 7)))
