"""A tiny language of short reviews, generated from a grammar, for pre-training and fine-tuning.

Unlabelled text (the pre-training corpus) says how the writer felt: "the food was not great ,
i hated it". Labelled data (the fine-tuning task) is the review alone, "the food was not great",
with its sentiment as the label. Which adjectives are good and what "not" does can be learned
from the unlabelled text alone, by filling in masked words; a classifier trained on a few labelled
reviews from scratch has to learn them from those few examples.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# --8<-- [start:grammar]
SPECIAL_TOKENS = ("[PAD]", "[CLS]", "[MASK]")
SUBJECTS = ("film", "food", "hotel", "staff")
VERBS = ("was", "is")
INTENSIFIERS = ("very",)
POSITIVE = ("good", "great", "superb", "lovely", "excellent", "wonderful", "pleasant", "fine")
NEGATIVE = ("bad", "awful", "poor", "terrible", "dull", "boring", "horrid", "weak")
ENDINGS = {  # what the writer adds after the review, by sentiment
    1: (("i", "loved", "it"), ("what", "a", "joy")),
    0: (("i", "hated", "it"), ("what", "a", "shame")),
}
# --8<-- [end:grammar]


class Vocabulary:
    """Token strings <-> integer ids; ids 0, 1, 2 are [PAD], [CLS], [MASK]."""

    def __init__(self, words: Sequence[str]) -> None:
        self.tokens = list(SPECIAL_TOKENS) + sorted(set(words) - set(SPECIAL_TOKENS))
        self.ids = {token: i for i, token in enumerate(self.tokens)}
        self.pad_id, self.cls_id, self.mask_id = (self.ids[t] for t in SPECIAL_TOKENS)
        self.special_ids = (self.pad_id, self.cls_id, self.mask_id)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, sentences: Sequence[str], max_len: int) -> np.ndarray:
        """`[CLS] w1 w2 ... [PAD] [PAD]` for each sentence: int64 ids (N, max_len)."""
        ids = np.full((len(sentences), max_len), self.pad_id, dtype=np.int64)
        for n, sentence in enumerate(sentences):
            words = ["[CLS]", *sentence.split()]
            if len(words) > max_len:
                raise ValueError(
                    f"Vocabulary.encode: sentence {n} has {len(words)} tokens with [CLS], "
                    f"more than max_len={max_len}"
                )
            ids[n, : len(words)] = [self.ids[w] for w in words]
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """The tokens of `ids` joined by spaces, padding left out."""
        return " ".join(self.tokens[i] for i in ids if i != self.pad_id)


def review_vocabulary() -> Vocabulary:
    """Every word the review grammar can produce, plus the special tokens."""
    words = ["the", "not", ",", *SUBJECTS, *VERBS, *INTENSIFIERS, *POSITIVE, *NEGATIVE]
    for endings in ENDINGS.values():
        for ending in endings:
            words.extend(ending)
    return Vocabulary(words)


# --8<-- [start:reviews]
def _review(rng: np.random.Generator) -> tuple[list[str], int]:
    """One review `the SUBJECT VERB [not] [INTENSIFIER] ADJ` and its sentiment (1 = good)."""
    good_word = bool(rng.random() < 0.5)
    negated = bool(rng.random() < 0.3)
    words = ["the", str(rng.choice(SUBJECTS)), str(rng.choice(VERBS))]
    if negated:
        words.append("not")
    if rng.random() < 0.4:
        words.append(str(rng.choice(INTENSIFIERS)))
    words.append(str(rng.choice(POSITIVE if good_word else NEGATIVE)))
    return words, int(good_word != negated)  # "not" flips the sentiment


def make_review_corpus(n: int = 4000, seed: int | np.random.Generator | None = 0) -> list[str]:
    """Unlabelled text for pre-training: a review, a comma, and how the writer felt.

    "the hotel was not very good , what a shame". The ending agrees with the review's
    sentiment, so predicting a masked word teaches which adjectives go with which ending.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    corpus = []
    for _ in range(n):
        words, sentiment = _review(rng)
        endings = ENDINGS[sentiment]
        ending = endings[rng.integers(len(endings))]
        corpus.append(" ".join([*words, ",", *ending]))
    return corpus


def make_review_task(
    n: int = 200, seed: int | np.random.Generator | None = 0
) -> tuple[list[str], np.ndarray]:
    """Labelled reviews without the ending: sentences and int64 labels (n,), 1 = good."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    pairs = [_review(rng) for _ in range(n)]
    return [" ".join(words) for words, _ in pairs], np.array([s for _, s in pairs], dtype=np.int64)


# --8<-- [end:reviews]
