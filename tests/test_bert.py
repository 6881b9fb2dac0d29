"""Mini BERT: shapes, gradient checks of both heads, the 80/10/10 masking rule, the MLM loss."""

import numpy as np
import pytest

from nnfs.gradcheck import check_loss, check_module
from nnfs.models.bert import (
    BertConfig,
    BertEncoder,
    BertForMaskedLM,
    BertForSequenceClassification,
    MaskedLMLoss,
    mask_tokens,
    pretrain,
)
from nnfs.text_data import make_review_corpus, make_review_task, review_vocabulary
from tests.conftest import GRAD_TOL

TINY = BertConfig(vocab_size=9, max_len=6, d_model=4, num_heads=2, d_ff=6, num_layers=2)


def _ids(rng, n=3, T=5):
    ids = rng.integers(3, TINY.vocab_size, (n, T))
    ids[:, 0] = 1  # [CLS]
    ids[0, 3:] = 0  # a padded sentence
    return ids


def _check(errors):
    # The key bias b_k adds q.b_k to every score of a query: softmax ignores a constant shift,
    # so its true gradient is exactly 0 and only rounding noise is left on both sides.
    bias_k = {k: v for k, v in errors.items() if k.endswith("attn.bk")}
    rest = {k: v for k, v in errors.items() if k not in bias_k}
    assert len(bias_k) == TINY.num_layers and max(rest.values()) < GRAD_TOL, rest


def test_shapes_of_encoder_and_both_heads(rng):
    ids = _ids(rng)
    assert BertEncoder(TINY, rng=rng)(ids).shape == (3, 5, 4)
    assert BertForMaskedLM(TINY, rng=rng)(ids).shape == (3, 5, TINY.vocab_size)
    assert BertForSequenceClassification(TINY, 4, rng=rng)(ids).shape == (3, 4)


def test_masked_lm_gradients_match_numerical_float64(rng):
    model = BertForMaskedLM(TINY, rng=rng)
    _check(check_module(model, _ids(rng, n=2)))
    assert model.encoder.blocks.layers[0].attn.bk.grad == pytest.approx(0, abs=1e-12)


def test_classification_gradients_match_numerical_float64(rng):
    _check(check_module(BertForSequenceClassification(TINY, 3, rng=rng), _ids(rng, n=2)))


def test_padding_does_not_change_the_real_tokens_outputs(rng):
    model = BertForMaskedLM(TINY, rng=rng)
    short = _ids(rng, n=1, T=4)
    padded = np.concatenate([short, np.zeros((1, 2), dtype=short.dtype)], axis=1)
    np.testing.assert_allclose(model(padded)[:, :4], model(short), atol=1e-12)


def test_encoder_rejects_sequences_longer_than_max_len(rng):
    with pytest.raises(ValueError, match="BertEncoder"):
        BertEncoder(TINY, rng=rng)(np.ones((2, 7), dtype=np.int64))


def test_masking_follows_the_15_80_10_10_rule():
    rng = np.random.default_rng(0)
    ids = rng.integers(3, 50, (400, 50))
    ids[:, 0], ids[:, 45:] = 1, 0  # [CLS] and padding are never picked
    inputs, labels = mask_tokens(ids, rng, vocab_size=50, mask_id=2, special_ids=(0, 1, 2))
    picked = labels != -100
    assert not picked[:, 0].any() and not picked[:, 45:].any()
    assert np.array_equal(labels[picked], ids[picked])
    assert np.array_equal(inputs[~picked], ids[~picked])
    n = picked.sum()  # about 0.15 * 400 * 44 = 2640; binomial sd ~ 24
    assert abs(n / (400 * 44) - 0.15) < 0.006
    masked = (inputs[picked] == 2).mean()
    kept = (inputs[picked] == ids[picked]).mean()  # includes random draws of the same token
    assert abs(masked - 0.8) < 0.025 and abs(kept - 0.1) < 0.02
    changed = picked & (inputs != 2) & (inputs != ids)
    assert abs(changed.sum() / n - 0.1 * 46 / 47) < 0.02  # random tokens, minus self-draws
    assert inputs[changed].min() >= 3  # random replacements are ordinary tokens


def test_masking_is_reproducible_with_a_seed():
    ids = np.random.default_rng(1).integers(3, 20, (8, 10))
    a = mask_tokens(ids, np.random.default_rng(5), vocab_size=20, mask_id=2, special_ids=(0, 1, 2))
    b = mask_tokens(ids, np.random.default_rng(5), vocab_size=20, mask_id=2, special_ids=(0, 1, 2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_masked_lm_loss_gradient_and_ignored_positions(rng):
    logits = rng.standard_normal((2, 4, 6))
    labels = np.array([[-100, 3, -100, 0], [5, -100, -100, -100]])
    loss = MaskedLMLoss()
    assert check_loss(loss, logits, labels) < GRAD_TOL
    grad = loss.backward()
    assert not grad[labels == -100].any()
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -(log_p[0, 1, 3] + log_p[0, 3, 0] + log_p[1, 0, 5]) / 3
    assert loss(logits, labels) == pytest.approx(expected)
    assert loss(logits, np.full((2, 4), -100)) == 0.0


def test_review_data_encodes_to_cls_led_padded_ids():
    vocab = review_vocabulary()
    corpus = make_review_corpus(50, seed=0)
    ids = vocab.encode(corpus, 12)
    assert ids.shape == (50, 12) and (ids[:, 0] == vocab.cls_id).all()
    assert vocab.decode(ids[0]) == "[CLS] " + corpus[0]
    sentences, labels = make_review_task(30, seed=0)
    assert len(sentences) == 30 and set(labels) <= {0, 1}
    assert "," not in " ".join(sentences)  # the task has no ending to give the answer away
    with pytest.raises(ValueError, match="max_len"):
        vocab.encode(["the food was good"], 4)


@pytest.mark.slow
def test_pretraining_lowers_the_masked_lm_loss_and_stays_float32():
    vocab = review_vocabulary()
    config = BertConfig(vocab_size=len(vocab), max_len=12, d_model=16, d_ff=32, num_layers=1)
    model = BertForMaskedLM(config, rng=np.random.default_rng(0), dtype=np.float32)
    ids = vocab.encode(make_review_corpus(256, seed=1), 12)
    losses = pretrain(
        model, ids, mask_id=vocab.mask_id, special_ids=vocab.special_ids,
        epochs=6, batch_size=64, rng=np.random.default_rng(2),
    )  # fmt: skip
    assert np.mean(losses[-4:]) < 0.85 * np.mean(losses[:4])
    assert all(p.data.dtype == np.float32 for p in model.parameters())


@pytest.mark.slow
def test_pretrained_bert_beats_scratch_on_40_labels():
    """The lab's experiment on one seed: masked-LM pre-training, then 40 labelled reviews."""
    from nnfs.losses import SoftmaxCrossEntropy
    from nnfs.optim import Adam
    from nnfs.training import evaluate, fit

    vocab = review_vocabulary()
    config = BertConfig(vocab_size=len(vocab), max_len=11, pad_id=vocab.pad_id)
    mlm = BertForMaskedLM(config, rng=np.random.default_rng(0), dtype=np.float32)
    corpus = vocab.encode(make_review_corpus(3000, seed=0), 11)
    pretrain(mlm, corpus, mask_id=vocab.mask_id, special_ids=vocab.special_ids,
             epochs=14, batch_size=64, lr=3e-3, rng=np.random.default_rng(1))  # fmt: skip
    sentences, y = make_review_task(40, seed=100)
    test_sentences, y_test = make_review_task(1000, seed=1)
    X, X_test = vocab.encode(sentences, 11), vocab.encode(test_sentences, 11)
    accuracies = []
    for pretrained in (True, False):
        model = BertForSequenceClassification(config, 2, rng=np.random.default_rng(0),
                                              dtype=np.float32)  # fmt: skip
        if pretrained:
            model.encoder.load_state_dict(mlm.encoder.state_dict())
        fit(model, SoftmaxCrossEntropy(), Adam(model.parameters(), lr=1e-3), X, y, epochs=30,
            batch_size=8, rng=np.random.default_rng(0))  # fmt: skip
        accuracies.append(evaluate(model, SoftmaxCrossEntropy(), X_test, y_test)[1])
    assert accuracies[0] > accuracies[1], accuracies  # 0.888 vs 0.668 when written
