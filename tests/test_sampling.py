"""Greedy, temperature and top-k sampling (nnfs.sampling)."""

import numpy as np
import pytest

from nnfs.sampling import perplexity, sample_next, top_k_filter


def test_temperature_zero_is_the_argmax():
    logits = np.array([[0.1, 3.0, -1.0], [2.0, 0.0, 1.0]])
    assert sample_next(logits, temperature=0).tolist() == [1, 0]


def test_sampling_frequencies_match_the_softmax():
    rng = np.random.default_rng(0)
    probs = np.array([0.1, 0.2, 0.7])
    logits = np.tile(np.log(probs), (20000, 1))
    counts = np.bincount(sample_next(logits, rng=rng), minlength=3) / 20000
    # 20000 draws: the standard error of each frequency is below 0.0033.
    np.testing.assert_allclose(counts, probs, atol=0.015)


def test_top_k_never_samples_outside_the_k_largest():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(500, 10))
    ids = sample_next(logits, top_k=3, rng=rng)
    top3 = np.argsort(logits, axis=1)[:, -3:]
    assert all(i in row for i, row in zip(ids, top3, strict=True))


def test_top_k_filter_keeps_k_per_row():
    logits = np.array([[1.0, 5.0, 3.0, 2.0]])
    assert np.isfinite(top_k_filter(logits, 2)).sum() == 2
    np.testing.assert_array_equal(top_k_filter(logits, 10), logits)


def test_same_rng_same_sample():
    logits = np.random.default_rng(2).normal(size=(8, 50))
    a = sample_next(logits, temperature=0.8, rng=np.random.default_rng(5))
    b = sample_next(logits, temperature=0.8, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="sample_next: temperature"):
        sample_next(np.zeros((1, 3)), temperature=-1.0)
    with pytest.raises(ValueError, match="sample_next: logits expected shape"):
        sample_next(np.zeros(3))
    with pytest.raises(TypeError, match="sample_next: rng"):
        sample_next(np.zeros((1, 3)), rng=0)
    with pytest.raises(ValueError, match="top_k_filter: k"):
        top_k_filter(np.zeros((1, 3)), 0)


def test_perplexity_of_a_uniform_choice_is_its_size():
    assert perplexity(np.log(7.0)) == pytest.approx(7.0)
