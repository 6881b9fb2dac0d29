"""Masked-LM pre-training: the 80/10/10 rule, the loss (values, gradient, errors), the model."""

import numpy as np
import pytest

from nnfs.gradcheck import check_loss, check_module
from nnfs.models import BertConfig, BertForMaskedLM
from nnfs.models.masked_lm import MaskedLMLoss, mask_tokens, pretrain
from tests.conftest import GRAD_TOL


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


def test_loss_value_gradient_and_ignored_positions(rng):
    logits = rng.standard_normal((2, 4, 6))
    labels = np.array([[-100, 3, -100, 0], [5, -100, -100, -100]])
    loss = MaskedLMLoss()
    assert check_loss(loss, logits, labels) < GRAD_TOL
    grad = loss.backward()
    assert not grad[labels == -100].any()
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -(log_p[0, 1, 3] + log_p[0, 3, 0] + log_p[1, 0, 5]) / 3
    assert loss(logits, labels) == pytest.approx(expected)


def test_loss_matches_torch_cross_entropy_with_ignore_index(rng):
    torch = pytest.importorskip("torch")
    logits = rng.standard_normal((3, 5, 7)) * 4
    labels = rng.integers(0, 7, (3, 5))
    labels[rng.random((3, 5)) < 0.5] = -100
    labels[0, 0] = 2
    loss = MaskedLMLoss()
    value = loss(logits, labels)
    logits_t = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(
        logits_t.reshape(-1, 7), torch.tensor(labels).reshape(-1), ignore_index=-100
    )
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(loss.backward(), logits_t.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_no_chosen_position_gives_zero_where_torch_gives_nan(rng):
    torch = pytest.importorskip("torch")
    logits = rng.standard_normal((2, 3, 4))
    labels = np.full((2, 3), -100)
    loss = MaskedLMLoss()
    assert loss(logits, labels) == 0.0
    assert not loss.backward().any()
    ref = torch.nn.functional.cross_entropy(
        torch.tensor(logits).reshape(-1, 4), torch.tensor(labels).reshape(-1), ignore_index=-100
    )
    assert torch.isnan(ref)


def test_a_custom_ignore_index(rng):
    logits = rng.standard_normal((1, 3, 4))
    loss = MaskedLMLoss(ignore_index=-1)
    value = loss(logits, np.array([[-1, 2, -1]]))
    assert value == pytest.approx(-np.log(np.exp(logits[0, 1, 2]) / np.exp(logits[0, 1]).sum()))


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        (np.array([[0, -1, 2]]), ValueError,
         r"target expected class ids in \[0, 4\) or -100 \(ignored\), got \[-1\]"),
        (np.array([[4, 9, -100]]), ValueError, r"target expected class ids .* got \[4, 9\]"),
        (np.array([0, 1, 2]), ValueError, r"target expected shape \(1, 3\) \(N, T of the logits\)"),
        (np.array([[0, 1]]), ValueError, r"target expected shape .* got \(1, 2\)"),
        (np.array([[0.0, 1.0, 2.0]]), TypeError, "target expected an integer array, got float64"),
        ([[0, 1, 2]], TypeError, "target expected an integer array, got list"),
    ],
)  # fmt: skip
def test_bad_labels_are_refused_naming_the_loss_and_values(rng, labels, error, message):
    with pytest.raises(error, match="MaskedLMLoss: " + message):
        MaskedLMLoss()(rng.standard_normal((1, 3, 4)), labels)


def test_bad_logits_and_order_of_calls(rng):
    with pytest.raises(ValueError, match=r"MaskedLMLoss: pred expected logits of shape \(N >= 1"):
        MaskedLMLoss()(np.zeros((0, 3, 4)), np.zeros((0, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="MaskedLMLoss: pred expected logits"):
        MaskedLMLoss()(np.zeros((3, 4)), np.zeros(3, dtype=np.int64))
    with pytest.raises(TypeError, match="MaskedLMLoss: pred expected a floating-point array"):
        MaskedLMLoss()(np.zeros((1, 3, 4), dtype=np.int64), np.zeros((1, 3), dtype=np.int64))
    with pytest.raises(RuntimeError, match="call forward first"):
        MaskedLMLoss().backward()


def test_masked_lm_model_gradients(rng):
    config = BertConfig(vocab_size=7, max_len=5, d_model=4, num_heads=2, d_ff=6, num_layers=1)
    model = BertForMaskedLM(config, rng=rng)
    for _, p in model.named_parameters():  # weights of order 1 (see test_bert._spread)
        p.data[...] = rng.standard_normal(p.shape)
    ids = np.array([[1, 4, 5, 0], [1, 6, 3, 2]])
    errors = check_module(model, ids, forward_kwargs={"attention_mask": ids != 0})
    errors = {k: v for k, v in errors.items() if not k.endswith("attn.bk") and "pooler" not in k}
    assert max(errors.values()) < GRAD_TOL, errors
    assert np.abs(model.encoder.layers[0].attn.bk.grad).max() < 1e-12


@pytest.mark.slow
def test_pretraining_learns_a_language_whose_blanks_follow_from_context():
    """Sentences repeat one of ten words eight times: a masked word is any visible one, so a
    model that reads the context predicts it, and one that cannot does no better than
    ln 10 = 2.3 nats."""
    rng = np.random.default_rng(0)
    words = np.repeat(rng.integers(3, 13, (512, 1)), 8, axis=1)
    ids = np.concatenate([np.ones((512, 1), dtype=words.dtype), words], axis=1)  # [CLS] = 1
    config = BertConfig(vocab_size=13, max_len=9, d_model=16, num_heads=2, d_ff=32, num_layers=1)
    model = BertForMaskedLM(config, rng=np.random.default_rng(1), dtype=np.float32)
    losses = pretrain(model, ids, mask_id=2, special_ids=(0, 1, 2), epochs=8, batch_size=32,
                      lr=1e-2, rng=np.random.default_rng(2))  # fmt: skip
    assert np.mean(losses[:5]) > 2.3 and np.mean(losses[-20:]) < 0.3, (losses[:5], losses[-20:])
    assert all(p.data.dtype == np.float32 for p in model.parameters())
