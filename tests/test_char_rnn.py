"""The character-level language model: vocabulary, stream windows, gradients, generation."""

import numpy as np
import pytest

from nnfs.functional import log_softmax
from nnfs.gradcheck import check_module, numerical_gradient, rel_error
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models import CharRNN, CharVocabulary, stream_windows
from nnfs.optim import Adam
from nnfs.sampling import perplexity, sample_next
from tests.conftest import GRAD_TOL

TEXT = "to be, or not to be: that is the question.\nwhether 'tis nobler in the mind\n"


# ---------------------------------------------------------------- CharVocabulary


def test_vocabulary_is_sorted_and_round_trips():
    vocab = CharVocabulary(TEXT)
    assert vocab.chars == sorted(set(TEXT)) and len(vocab) == len(set(TEXT))
    ids = vocab.encode(TEXT)
    assert ids.dtype == np.int64 and ids.shape == (len(TEXT),)
    assert vocab.decode(ids) == TEXT
    np.testing.assert_array_equal(ids, [vocab.chars.index(ch) for ch in TEXT])


def test_vocabulary_handles_characters_beyond_ascii():
    text = "naïve café – ½ 日本"
    vocab = CharVocabulary(text)
    assert vocab.decode(vocab.encode(text)) == text


def test_vocabulary_names_an_unknown_character():
    vocab = CharVocabulary("abc")
    for bad in ("abz", "~", "a\u00e9"):
        with pytest.raises(ValueError, match="CharVocabulary.encode: text expected characters"):
            vocab.encode(bad)
    with pytest.raises(ValueError, match=r"CharVocabulary.decode: ids expected .* \[0, 3\)"):
        vocab.decode(np.array([0, 3]))
    with pytest.raises(ValueError, match="CharVocabulary: text expected a non-empty str"):
        CharVocabulary("")


# ---------------------------------------------------------------- stream_windows


def test_stream_windows_continue_each_row_and_shift_targets_by_one():
    ids = np.arange(103)
    windows = list(stream_windows(ids, batch_size=4, window=5))
    length = (103 - 1) // 4  # 25 tokens per stream
    assert len(windows) == length // 5 == 5
    for inputs, targets in windows:
        assert inputs.shape == targets.shape == (4, 5)
        np.testing.assert_array_equal(targets, inputs + 1)  # the next token, everywhere
    for (a, _), (b, _) in zip(windows, windows[1:], strict=False):
        np.testing.assert_array_equal(b[:, 0], a[:, -1] + 1)  # row n continues row n
    np.testing.assert_array_equal(windows[0][0][:, 0], np.arange(4) * length)


def test_stream_windows_rejects_a_text_too_short():
    with pytest.raises(
        ValueError, match=r"stream_windows: ids expected at least .* = 41 tokens, got 40"
    ):
        next(stream_windows(np.arange(40), batch_size=4, window=10))
    with pytest.raises(TypeError, match="stream_windows: window expected an integer"):
        next(stream_windows(np.arange(40), batch_size=4, window=2.0))


# ---------------------------------------------------------------- the model


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_char_rnn_gradients_in_float64(cell, rng):
    layers = 2 if cell == "lstm" else 1
    model = CharRNN(7, 5, embed_dim=3, num_layers=layers, cell=cell, rng=rng, dtype=np.float64)
    ids = rng.integers(0, 7, size=(2, 6))
    errors = check_module(model, ids)
    names = {name for name, _ in model.named_parameters()}
    assert set(errors) == names  # integer ids have no gradient
    assert max(errors.values()) < GRAD_TOL, errors


def test_training_step_matches_the_loss_gradient(rng):
    """backward(dL/dlogits) of the mean cross-entropy is the gradient of that loss."""
    model = CharRNN(6, 4, embed_dim=3, rng=rng, dtype=np.float64)
    inputs, targets = rng.integers(0, 6, (3, 5)), rng.integers(0, 6, (3, 5))
    loss_fn = SoftmaxCrossEntropy()

    def loss(_=None):
        return loss_fn(model(inputs).reshape(-1, 6), targets.reshape(-1))

    loss()
    model.backward(loss_fn.backward().reshape(3, 5, 6))
    W_h = model.rnn.cells[0].W_h
    assert rel_error(W_h.grad, numerical_gradient(loss, W_h.data)) < GRAD_TOL


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_carried_state_makes_windows_equal_one_long_forward(cell, rng):
    model = CharRNN(9, 6, cell=cell, rng=rng, dtype=np.float64)
    ids = rng.integers(0, 9, (2, 12))
    whole = model(ids)
    first = model(ids[:, :5])
    second = model(ids[:, 5:], model.state)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, atol=1e-12)


def test_greedy_generation_equals_decoding_by_full_forward_passes(rng):
    model = CharRNN(11, 8, rng=rng, dtype=np.float64)
    prompt = rng.integers(0, 11, (3, 4))
    out = model.generate(prompt, 10, temperature=0)
    assert out.shape == (3, 14) and out.dtype == np.int64
    np.testing.assert_array_equal(out[:, :4], prompt)
    sequence = prompt
    for _ in range(10):  # recompute the whole prefix from a zero state for every new token
        next_ids = model(sequence)[:, -1].argmax(axis=1)
        sequence = np.concatenate([sequence, next_ids[:, None]], axis=1)
    np.testing.assert_array_equal(out, sequence)


def test_generation_logits_equal_the_full_forward_logits(rng):
    """The carried state is exact: the next-token logits after k generated tokens are those of
    a forward pass over the whole prefix."""
    model = CharRNN(10, 6, cell="gru", rng=rng, dtype=np.float64)
    out = model.generate(rng.integers(0, 10, (2, 3)), 6, temperature=1.0, rng=rng)
    model(out[:, :-1])
    incremental = model(out[:, -1:], model.state)[:, -1]
    full = model(out)[:, -1]
    np.testing.assert_allclose(incremental, full, atol=1e-12)


def test_same_rng_same_sample_and_top_k_one_is_greedy(rng):
    model = CharRNN(12, 8, rng=rng)
    prompt = rng.integers(0, 12, (2, 3))
    a = model.generate(prompt, 20, temperature=1.2, rng=np.random.default_rng(4))
    b = model.generate(prompt, 20, temperature=1.2, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)
    greedy = model.generate(prompt, 20, temperature=0)
    top1 = model.generate(prompt, 20, temperature=1.0, top_k=1, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(greedy, top1)
    assert model.generate(prompt, 0).shape == (2, 3)


def test_evaluate_is_the_mean_negative_log_likelihood(rng):
    model = CharRNN(5, 4, rng=rng, dtype=np.float64)
    ids = rng.integers(0, 5, 61)
    nll = model.evaluate(ids, batch_size=2, window=10, carry_state=False)
    total, count = 0.0, 0
    for inputs, targets in stream_windows(ids, 2, 10):
        log_p = log_softmax(model(inputs), axis=-1)
        total -= np.take_along_axis(log_p, targets[..., None], axis=-1).sum()
        count += targets.size
    assert nll == pytest.approx(total / count, rel=1e-12)
    # Carrying the state is the same as one forward over each whole stream.
    carried = model.evaluate(ids, batch_size=2, window=10, carry_state=True)
    inputs = np.concatenate([x for x, _ in stream_windows(ids, 2, 10)], axis=1)
    targets = np.concatenate([y for _, y in stream_windows(ids, 2, 10)], axis=1)
    log_p = log_softmax(model(inputs), axis=-1)
    expected = -np.take_along_axis(log_p, targets[..., None], axis=-1).mean()
    assert carried == pytest.approx(expected, rel=1e-12)


def test_untrained_model_is_close_to_a_uniform_guess_and_training_lowers_perplexity():
    rng = np.random.default_rng(0)
    text = TEXT * 40
    vocab = CharVocabulary(text)
    ids = vocab.encode(text)
    model = CharRNN(len(vocab), 32, embed_dim=8, rng=rng)
    before = perplexity(model.evaluate(ids, batch_size=4, window=20))
    assert 0.8 * len(vocab) < before < 1.2 * len(vocab)  # near a uniform guess over V
    optimizer, loss_fn = Adam(model.parameters(), lr=0.02), SoftmaxCrossEntropy()
    state = None
    for _ in range(3):
        for inputs, targets in stream_windows(ids, 4, 20):
            optimizer.zero_grad()
            logits = model(inputs, state)
            loss_fn(logits.reshape(-1, len(vocab)), targets.reshape(-1))
            model.backward(loss_fn.backward().reshape(logits.shape))
            optimizer.step()
            state = model.state
    assert perplexity(model.evaluate(ids, batch_size=4, window=20)) < 2.0  # a repeated text


def test_bad_arguments_are_named(rng):
    with pytest.raises(ValueError, match="CharRNN: cell expected one of 'rnn', 'lstm', 'gru'"):
        CharRNN(5, 4, cell="transformer")
    with pytest.raises(TypeError, match="CharRNN: rng expected a numpy.random.Generator"):
        CharRNN(5, 4, rng=3)
    model = CharRNN(5, 4, rng=rng)
    with pytest.raises(ValueError, match=r"CharRNN: ids expected shape \(\*, \*\), got \(6,\)"):
        model(np.zeros(6, dtype=np.int64))
    model(np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match=r"CharRNN: grad_logits expected shape \(2, 3, 5\)"):
        model.backward(np.zeros((2, 3, 4)))
    with pytest.raises(
        ValueError, match="CharRNN.generate: max_new_tokens expected an integer >= 0"
    ):
        model.generate(np.zeros((1, 2), dtype=np.int64), -1)


# ---------------------------------------------------------------- sampling edge cases


def test_sampling_at_extreme_temperatures_gives_no_nan_and_no_warning():
    logits = np.array([[1.0, 3.0, 2.0]], dtype=np.float32)
    for temperature in (1e-300, 1e-30, 1e-3):
        assert sample_next(logits, temperature=temperature, rng=np.random.default_rng(0)) == 1
    counts = np.bincount(
        sample_next(np.tile(logits, (3000, 1)), temperature=1e300, rng=np.random.default_rng(1)),
        minlength=3,
    )
    assert counts.min() > 900  # an infinite temperature is a uniform choice


def test_sampling_rejects_nan_and_rows_without_a_finite_logit():
    with pytest.raises(ValueError, match="sample_next: logits expected finite values"):
        sample_next(np.array([[0.0, np.nan]]), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="sample_next: logits expected finite values"):
        sample_next(np.array([[-np.inf, -np.inf]]), temperature=0)
    # -inf marks an excluded token and is never drawn.
    ids = sample_next(np.tile([[0.0, -np.inf, 0.0]], (500, 1)), rng=np.random.default_rng(2))
    assert 1 not in ids
