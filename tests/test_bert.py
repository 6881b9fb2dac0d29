"""BERT: float64 gradient checks of every piece on a tiny config, masking, shapes and errors."""

import numpy as np
import pytest

from nnfs.gradcheck import check_module
from nnfs.models import BertConfig, BertForSequenceClassification, BertModel
from nnfs.models.bert import (
    BertEmbeddings,
    BertLayer,
    BertPooler,
    ClassifierHead,
    MeanPooling,
    pad_sequences,
)
from tests.conftest import GRAD_TOL

TINY = BertConfig(vocab_size=9, max_len=7, d_model=4, num_heads=2, d_ff=6, num_layers=2)


def _batch(rng, n=3, T=5):
    """ids with [CLS] = 1 first, a padded second sentence, and a pair in the third."""
    ids = rng.integers(3, TINY.vocab_size, (n, T))
    ids[:, 0] = 1
    mask = np.ones((n, T), dtype=np.int64)
    mask[1, 3:] = 0
    ids[1, 3:] = 0
    types = np.zeros((n, T), dtype=np.int64)
    types[2, 3:] = 1
    return ids, mask, types


def _spread(model, rng, std=1.0):
    """Weights of order 1: BERT's N(0, 0.02^2) start makes some gradients so small that a
    central difference (error ~1e-10) cannot resolve them to 1e-6 relative."""
    for _, p in model.named_parameters():
        p.data[...] = rng.standard_normal(p.shape) * std
    return model


def _assert_small(errors, model):
    """Every relative error below GRAD_TOL, except the key biases: b_k adds q.b_k to all the
    scores of a query, a shift softmax ignores, so its true gradient is exactly 0 and a
    relative error would compare rounding noise. For those the analytic gradient (left in
    .grad by check_module) must be 0 to rounding."""
    params = dict(model.named_parameters())
    key_biases = [name for name in errors if name.endswith("attn.bk")]
    for name in key_biases:
        assert np.abs(params[name].grad).max() < 1e-12, name
    rest = {k: v for k, v in errors.items() if k not in key_biases}
    worst = max(rest, key=rest.get)
    assert rest[worst] < GRAD_TOL, (worst, rest[worst])


def test_embeddings_gradients_include_token_types(rng):
    emb = BertEmbeddings(TINY, rng=rng)
    ids, _, types = _batch(rng)
    errors = check_module(emb, ids, types)
    assert set(errors) == {"token.W", "position.W", "segment.W", "norm.gamma", "norm.beta"}
    _assert_small(errors, emb)
    assert np.abs(emb.segment.W.grad[1]).sum() > 0  # segment 1 was used, so it learned


def test_token_types_change_the_embedding(rng):
    emb = BertEmbeddings(TINY, rng=rng)
    ids, _, types = _batch(rng)
    same = emb(ids)
    np.testing.assert_array_equal(emb(ids, np.zeros_like(ids)), same)
    differs = np.abs(emb(ids, types) - same).sum(axis=-1) > 0
    np.testing.assert_array_equal(differs, types == 1)


def test_pooler_gradient_and_zero_outside_cls(rng):
    pooler = BertPooler(4, rng=rng)
    h = rng.standard_normal((3, 5, 4))
    _assert_small(check_module(pooler, h), pooler)
    grad = pooler.backward(np.ones((3, 4)))
    assert np.abs(grad[:, 1:]).max() == 0 and np.abs(grad[:, 0]).max() > 0


def test_mean_pooling_gradient_skips_padding(rng):
    pool = MeanPooling()
    h = rng.standard_normal((2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]])
    errors = check_module(pool, h, forward_kwargs={"attention_mask": mask})
    assert errors["input0"] < GRAD_TOL
    np.testing.assert_allclose(pool(h, mask), [h[0, :2].mean(0), h[1].mean(0)])
    assert np.abs(pool.backward(np.ones((2, 3)))[0, 2:]).max() == 0
    assert np.array_equal(pool(h, np.zeros((2, 4))), np.zeros((2, 3)))  # no real token: 0


def test_layer_gradients_with_a_padding_mask(rng):
    layer = BertLayer(TINY, rng=rng)
    x = rng.standard_normal((2, 5, 4))
    keys = (np.arange(5) < np.array([[5], [3]]))[:, None, :]  # (2, 1, 5)
    _assert_small(check_module(_spread(layer, rng), x, forward_kwargs={"mask": keys}), layer)


def test_whole_model_gradients_with_mask_and_token_types(rng):
    model = _spread(BertModel(TINY, rng=rng), rng)
    ids, mask, types = _batch(rng)
    errors = check_module(
        model, ids, forward_kwargs={"attention_mask": mask, "token_type_ids": types}
    )
    pooler = {k for k in errors if k.startswith("pooler")}
    assert len(errors) == 5 + 16 * TINY.num_layers + 2
    _assert_small({k: v for k, v in errors.items() if k not in pooler}, model)
    assert all(np.abs(model.pooler.dense.W.grad).max() == 0 for _ in pooler)  # not in forward


def test_classifier_head_and_sequence_classifier_gradients(rng):
    top = BertLayer(TINY, rng=rng)
    head = _spread(ClassifierHead(4, 3, layers=[top], rng=rng), rng)
    h = rng.standard_normal((3, 5, 4))
    mask = np.array([[1] * 5, [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]])
    _assert_small(check_module(head, h, forward_kwargs={"attention_mask": mask}), head)
    model = _spread(BertForSequenceClassification(TINY, 3, rng=rng), rng)
    ids, mask, types = _batch(rng)
    # Through two layers, two LayerNorms each and the pooling, some gradients are ~1e-4 and a
    # step of 1e-6 leaves them at the rounding noise; 1e-5 trades it for a smaller eps^2 term.
    errors = check_module(
        model, ids, eps=1e-5, forward_kwargs={"attention_mask": mask, "token_type_ids": types}
    )
    _assert_small({k: v for k, v in errors.items() if "pooler" not in k}, model)


def test_padding_does_not_change_the_real_tokens_outputs(rng):
    model = _spread(BertModel(TINY, rng=rng), rng)
    ids = np.array([[1, 5, 7, 4]])
    padded = np.array([[1, 5, 7, 4, 0, 0, 0]])
    mask = np.array([[1, 1, 1, 1, 0, 0, 0]])
    np.testing.assert_allclose(model(padded, mask)[:, :4], model(ids), atol=1e-12)
    # without the mask the padding is attended to and changes the outputs
    assert np.abs(model(padded)[:, :4] - model(ids)).max() > 1e-3


def test_float32_stays_float32(rng):
    model = BertForSequenceClassification(TINY, 2, rng=rng, dtype=np.float32)
    ids, mask, types = _batch(rng)
    logits = model(ids, mask, types)
    assert logits.dtype == np.float32
    model.backward(np.ones_like(logits))
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


def test_bert_init_is_normal_with_std_002(rng):
    model = BertModel(BertConfig(vocab_size=500, d_model=64, d_ff=128), rng=rng)
    W = model.embeddings.token.W.data
    assert abs(W.std() - 0.02) < 0.001 and abs(W.mean()) < 0.001
    assert np.all(model.layers[0].norm1.gamma.data == 1)
    assert np.all(model.layers[0].attn.bq.data == 0)


def test_config_from_hugging_face_dict():
    config = BertConfig.from_hugging_face(
        {"vocab_size": 30522, "max_position_embeddings": 512, "hidden_size": 384,
         "num_attention_heads": 12, "intermediate_size": 1536, "num_hidden_layers": 6,
         "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.1, "hidden_act": "gelu"}
    )  # fmt: skip
    assert (config.d_model, config.d_ff, config.num_layers, config.eps) == (384, 1536, 6, 1e-12)
    with pytest.raises(ValueError, match="hidden_act expected 'gelu'"):
        BertConfig.from_hugging_face({"hidden_act": "relu"})


def test_errors_name_the_module(rng):
    model = BertModel(TINY, rng=rng)
    ids, mask, types = _batch(rng)
    with pytest.raises(ValueError, match="BertModel: input_ids expected at most 7 positions"):
        model(np.ones((2, 8), dtype=np.int64))
    with pytest.raises(ValueError, match=r"BertModel: attention_mask expected shape \(3, 5\)"):
        model(ids, mask[:, :4])
    with pytest.raises(ValueError, match="BertModel: token_type_ids expected shape"):
        model(ids, mask, types[:2])
    with pytest.raises(ValueError, match="BertModel: input_ids expected shape"):
        model(ids[0])
    with pytest.raises(RuntimeError, match="call forward first"):
        BertPooler(8, rng=rng).backward(np.ones((2, 8)))
    with pytest.raises(RuntimeError, match="call forward first"):
        MeanPooling().backward(np.ones((2, 8)))
    with pytest.raises(ValueError, match="MeanPooling: attention_mask expected shape"):
        MeanPooling()(np.ones((2, 3, 4)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="ClassifierHead: num_classes expected an integer >= 2"):
        ClassifierHead(8, 1)


def test_pad_sequences_of_ids_and_of_hidden_states(rng):
    ids, mask = pad_sequences([[1, 5, 2], [1, 2], [7]])
    np.testing.assert_array_equal(ids, [[1, 5, 2], [1, 2, 0], [7, 0, 0]])
    np.testing.assert_array_equal(mask, [[1, 1, 1], [1, 1, 0], [1, 0, 0]])
    h = [rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((2, 3))]
    batch, mask = pad_sequences(h)
    assert batch.shape == (2, 4, 3) and batch.dtype == np.float32
    assert not batch[1, 2:].any() and mask.sum() == 6
