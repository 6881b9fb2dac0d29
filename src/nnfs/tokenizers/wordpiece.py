"""WordPiece (Schuster & Nakajima, 2012; Wu et al., 2016) and BERT's complete tokenizer.

A word-level vocabulary cannot hold every word (names, typos, "unfilmable"); a character-level
one makes sequences long and each symbol nearly meaningless. WordPiece keeps a vocabulary of
frequent words *and* word pieces: "unfilmable" becomes "un", "##fi", "##lm", "##able", where
"##" marks a piece that continues a word. Any word made of characters the vocabulary knows can
be spelled, and frequent words stay whole.

`wordpiece` cuts one word greedily, longest match first. `BertTokenizer` puts the basic
tokenizer (`nnfs.tokenizers.basic`) and WordPiece together and adds what a model needs: the
special tokens [CLS] ... [SEP], token ids, truncation, padding, the attention mask and the
segment ids (`token_type_ids`), with the same results as Hugging Face's `BertTokenizer`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from nnfs.checks import check_choice, check_int
from nnfs.tokenizers.basic import BasicTokenizer


def load_vocab(path: str | os.PathLike) -> list[str]:
    """The tokens of a `vocab.txt`, one per line; a token's id is its line number (from 0)."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


# --8<-- [start:wordpiece]
def wordpiece(
    word: str, vocab: set[str] | dict[str, int], *, unk: str = "[UNK]", max_chars: int = 100
) -> list[str]:
    """Greedy longest-match-first WordPiece: "unaffable" -> ["una", "##ffa", "##ble"].

    From the start of the word, take the longest prefix that is in the vocabulary; then the
    longest piece of the rest that is in the vocabulary with "##" in front; and so on. If at
    some point no piece matches, the whole word is [UNK] (not the pieces found so far). A word
    longer than `max_chars` characters is [UNK] without trying.
    """
    if len(word) > max_chars:
        return [unk]
    pieces, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):  # longest candidate first
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                break
        else:  # no candidate matched: the word cannot be spelled
            return [unk]
        pieces.append(piece)
        start = end
    return pieces


# --8<-- [end:wordpiece]


class BertTokenizer:
    """BERT's tokenizer: basic tokenization, WordPiece, special tokens, padding, truncation.

    Args:
        vocab: the tokens in id order (the lines of `vocab.txt`).
        lowercase: lower-case the text ("uncased" models).
        strip_accents: drop accents; None means "when lower-casing".
        split_cjk: make each CJK ideograph a word.
        model_max_length: the most positions the model has (512 for BERT); longer sequences
            are refused by `__call__`.

    The special tokens [PAD], [UNK], [CLS], [SEP] and [MASK] written literally in a text are
    kept as those tokens, as in Hugging Face's tokenizer ("the [MASK] was good").
    """

    special_tokens = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

    def __init__(
        self,
        vocab: Sequence[str],
        *,
        lowercase: bool = True,
        strip_accents: bool | None = None,
        split_cjk: bool = True,
        model_max_length: int = 512,
    ) -> None:
        self.vocab = list(vocab)
        self.ids = {token: i for i, token in enumerate(self.vocab)}
        missing = [t for t in self.special_tokens if t not in self.ids]
        if missing:
            raise ValueError(f"BertTokenizer: vocab expected the special tokens, missing {missing}")
        self.pad_id, self.unk_id, self.cls_id, self.sep_id, self.mask_id = (
            self.ids[t] for t in self.special_tokens
        )
        self.special_ids = frozenset(self.ids[t] for t in self.special_tokens)
        self.model_max_length = check_int("BertTokenizer", "model_max_length", model_max_length)
        self.basic = BasicTokenizer(
            lowercase=lowercase, strip_accents=strip_accents, split_cjk=split_cjk
        )
        self._special_pattern = re.compile(
            "(" + "|".join(re.escape(t) for t in self.special_tokens) + ")"
        )
        self.word_ids = lru_cache(maxsize=1 << 16)(self._word_ids)

    @classmethod
    def from_files(
        cls, vocab_path: str | os.PathLike, config_path: str | os.PathLike | None = None
    ) -> BertTokenizer:
        """Build from a `vocab.txt` and, if given, Hugging Face's `tokenizer_config.json`."""
        config = json.loads(Path(config_path).read_text()) if config_path is not None else {}
        return cls(
            load_vocab(vocab_path),
            lowercase=config.get("do_lower_case", True),
            strip_accents=config.get("strip_accents"),
            split_cjk=config.get("tokenize_chinese_chars", True),
            model_max_length=config.get("model_max_length", 512),
        )

    def __len__(self) -> int:
        return len(self.vocab)

    # --8<-- [start:tokenize]
    def tokenize(self, text: str) -> list[str]:
        """Text -> WordPiece tokens, without [CLS]/[SEP]: "Unfilmable!" -> ["un", "##fi", ...]."""
        return self.convert_ids_to_tokens(self._text_ids(text))

    def _text_ids(self, text: str) -> list[int]:
        ids: list[int] = []
        # Special tokens written in the text stay whole; the parts between them are tokenized
        # separately (so "[MASK]ed" gives [MASK], "ed" and not [MASK], "##ed").
        for part in self._special_pattern.split(text):
            if part in self.ids and part in self.special_tokens:
                ids.append(self.ids[part])
            else:
                for word in self.basic(part):
                    ids.extend(self.word_ids(word))
        return ids

    def _word_ids(self, word: str) -> tuple[int, ...]:
        return tuple(self.ids[piece] for piece in wordpiece(word, self.ids))

    # --8<-- [end:tokenize]

    def convert_tokens_to_ids(self, tokens: Sequence[str]) -> list[int]:
        """Each token's id; a token not in the vocabulary gets the id of [UNK]."""
        return [self.ids.get(t, self.unk_id) for t in tokens]

    def convert_ids_to_tokens(self, ids: Sequence[int]) -> list[str]:
        bad = [int(i) for i in ids if not 0 <= int(i) < len(self.vocab)]
        if bad:
            raise ValueError(
                f"BertTokenizer: ids expected values in [0, {len(self.vocab)}), got {bad[:5]}"
            )
        return [self.vocab[int(i)] for i in ids]

    # --8<-- [start:encode]
    def encode(
        self, text: str, pair: str | None = None, *, max_length: int | None = None
    ) -> tuple[list[int], list[int]]:
        """[CLS] A [SEP] (B [SEP]): the ids and the segment id (0 for A, 1 for B) of each.

        With `max_length`, word pieces are cut so that the whole fits, specials included: a
        single text loses its tail; of a pair, the longer part is cut first ("longest first":
        if both are longer than half, each keeps about half).
        """
        a = self._text_ids(text)
        b = self._text_ids(pair) if pair is not None else None
        if max_length is not None:
            a, b = self._truncate(a, b, max_length)
        ids = [self.cls_id, *a, self.sep_id]
        segments = [0] * len(ids)
        if b is not None:
            ids += [*b, self.sep_id]
            segments += [1] * (len(b) + 1)
        return ids, segments

    def _truncate(
        self, a: list[int], b: list[int] | None, max_length: int
    ) -> tuple[list[int], list[int] | None]:
        budget = max_length - (2 if b is None else 3)  # room left after [CLS] and [SEP]s
        if budget < 0:
            raise ValueError(
                f"BertTokenizer: max_length expected at least {max_length - budget} to hold the "
                f"special tokens, got {max_length}"
            )
        if b is None:
            return a[:budget], None
        if len(a) + len(b) <= budget:
            return a, b
        short, long = sorted((len(a), len(b)))
        keep_short = short if short <= budget // 2 else budget // 2
        keep_long = budget - keep_short
        if len(a) <= len(b):
            return a[:keep_short], b[:keep_long]
        return a[:keep_long], b[:keep_short]

    # --8<-- [end:encode]

    # --8<-- [start:call]
    def __call__(
        self,
        texts: str | Sequence[str],
        text_pairs: str | Sequence[str] | None = None,
        *,
        max_length: int = 128,
        padding: bool | str = True,
        truncation: bool = True,
    ) -> dict[str, np.ndarray]:
        """A batch of texts (or text pairs) -> the arrays a BERT model takes.

        Args:
            texts: N strings (one string counts as N = 1).
            text_pairs: N second segments, for tasks on sentence pairs.
            max_length: the longest sequence, special tokens included, when truncating or
                padding to "max_length".
            padding: True or "longest" pads with [PAD] to the longest sequence of the batch;
                "max_length" pads to `max_length`; False pads nothing and then needs sequences
                of one length.
            truncation: cut sequences longer than `max_length` (see `encode`).

        Returns:
            A dict of int64 arrays (N, T): "input_ids"; "attention_mask", 1 for a real token and
            0 for padding; "token_type_ids", 0 for the first segment and 1 for the second.
        """
        texts = [texts] if isinstance(texts, str) else list(texts)
        pairs = [text_pairs] if isinstance(text_pairs, str) else text_pairs
        if pairs is not None and len(pairs) != len(texts):
            raise ValueError(
                f"BertTokenizer: text_pairs expected {len(texts)} texts, got {len(pairs)}"
            )
        padding = "longest" if padding is True else padding
        check_choice("BertTokenizer", "padding", padding, ("longest", "max_length", False))
        max_length = check_int("BertTokenizer", "max_length", max_length)
        limit = max_length if truncation else None
        encoded = [
            self.encode(text, None if pairs is None else pairs[n], max_length=limit)
            for n, text in enumerate(texts)
        ]
        lengths = [len(ids) for ids, _ in encoded]
        T = max(lengths, default=0)
        if padding == "max_length":
            T = max(T, max_length)
        elif padding is False and len(set(lengths)) > 1:
            raise ValueError(
                f"BertTokenizer: padding=False needs sequences of one length, got lengths from "
                f"{min(lengths)} to {max(lengths)}; pass padding=True"
            )
        if T > self.model_max_length:
            raise ValueError(
                f"BertTokenizer: a sequence of {T} tokens is longer than the model's "
                f"{self.model_max_length} positions; pass truncation=True"
            )
        input_ids = np.full((len(texts), T), self.pad_id, dtype=np.int64)
        token_type_ids = np.zeros((len(texts), T), dtype=np.int64)
        for n, (ids, segments) in enumerate(encoded):
            input_ids[n, : len(ids)] = ids
            token_type_ids[n, : len(ids)] = segments
        attention_mask = (np.arange(T) < np.array(lengths)[:, None]).astype(np.int64)
        return {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "token_type_ids": token_type_ids,
        }

    # --8<-- [end:call]

    # --8<-- [start:decode]
    def decode(self, ids: Sequence[int] | np.ndarray, skip_special_tokens: bool = False) -> str:
        """Ids -> text: pieces after "##" are glued to the one before, the other tokens are
        joined with spaces, and ". , ! ?" are attached to the preceding word.

        Lower-casing, accents and the exact spacing are lost: "Héllo, World!" decodes to
        "hello, world!".
        """
        ids = np.asarray(ids).reshape(-1).tolist()
        if skip_special_tokens:
            ids = [i for i in ids if i not in self.special_ids]
        text = ""
        for i, token in enumerate(self.convert_ids_to_tokens(ids)):
            if token.startswith("##") and i > 0:
                text += token[2:]
            elif i > 0 and token not in {".", ",", "!", "?"}:
                text += " " + token
            else:
                text += token
        return text

    # --8<-- [end:decode]

    def __repr__(self) -> str:
        basic = self.basic
        return (
            f"BertTokenizer(vocab_size={len(self.vocab)}, lowercase={basic.lowercase}, "
            f"strip_accents={basic.strip_accents}, split_cjk={basic.split_cjk})"
        )
