"""BERT's basic tokenizer: clean the text, then cut it into words and punctuation marks.

This is the first of the two stages of BERT's tokenizer (Devlin et al., 2019); the second,
WordPiece (`nnfs.tokenizers.wordpiece`), cuts each word into pieces from a vocabulary. The
stage works on Unicode characters and their general categories (`unicodedata.category`: "Lu"
an upper-case letter, "Mn" a non-spacing mark, "Po" punctuation, "Cc" a control character...):

1. clean: drop U+0000, U+FFFD and the control, format and private-use characters (categories
   Cc, Cf, Co) except tab, newline and carriage return; turn every whitespace character into
   a plain space;
2. put spaces around every CJK ideograph, so that each one becomes a word of its own;
3. split on whitespace into words;
4. for an uncased model: strip accents (decompose with NFD, drop the marks "Mn") and
   lower-case, one character at a time;
5. split every punctuation character off as a word of its own.

The steps and their order are those of Hugging Face's `BertTokenizer` (the `tokenizers`
library's `BertNormalizer` and `BertPreTokenizer`), so the output is the same on any text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache


# --8<-- [start:classes]
def is_whitespace(char: str) -> bool:
    """Space, tab, newline, carriage return, and the Unicode space separators (Zs) and friends."""
    return char.isspace()


def is_control(char: str) -> bool:
    """Control (Cc), format (Cf) and private-use (Co) characters, except tab, newline and CR.

    Unassigned code points (Cn) are kept, as the `tokenizers` library keeps them: they become
    [UNK]. (Google's original BERT code drops every C* category, Cn included.)
    """
    if char in "\t\n\r":
        return False  # whitespace, kept (as a space)
    return unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs")


def is_punctuation(char: str) -> bool:
    """Unicode punctuation (categories P*) and every ASCII symbol, e.g. $ + < = > ^ ` | ~.

    The ASCII ranges 33-47, 58-64, 91-96 and 123-126 hold all non-alphanumeric printable ASCII
    characters; BERT splits all of them off, although "$" or "+" are symbols (S*), not P*.
    """
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


CJK_RANGES = (  # the CJK Unified Ideographs blocks and their extensions, plus compatibility
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)  # fmt: skip


def is_cjk(char: str) -> bool:
    """A CJK ideograph (Chinese hanzi, Japanese kanji). Hiragana, katakana, hangul are not."""
    cp = ord(char)
    return any(low <= cp <= high for low, high in CJK_RANGES)


# --8<-- [end:classes]


# --8<-- [start:clean]
def clean_text(text: str) -> str:
    """Drop U+0000, U+FFFD (the replacement character) and control characters; whitespace -> " "."""
    return text.translate(_CLEAN)


def space_cjk(text: str) -> str:
    """Surround every CJK ideograph with spaces: Chinese is written without spaces between
    words, so BERT makes each character a word (its vocabulary holds single characters)."""
    return text.translate(_SPACE_CJK)


class _PerCharacter(dict):
    """A table for `str.translate` (code point -> replacement) that fills itself: the rule
    runs once per distinct character, and translate then works at C speed. Written as a loop,
    `"".join(rule(c) for c in text)` does the same a dozen times slower."""

    def __init__(self, rule: Callable[[str], str]) -> None:
        super().__init__()
        self.rule = rule

    def __missing__(self, code_point: int) -> str:
        self[code_point] = replacement = self.rule(chr(code_point))
        return replacement


_CLEAN = _PerCharacter(
    lambda c: "" if c in "\x00\ufffd" or is_control(c) else " " if is_whitespace(c) else c
)
_SPACE_CJK = _PerCharacter(lambda c: f" {c} " if is_cjk(c) else c)


def strip_accents(text: str) -> str:
    """ "café" -> "cafe": NFD decomposes "é" into "e" + U+0301 (a mark, category Mn); drop marks."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def lowercase(text: str) -> str:
    """Lower-case character by character, as the `tokenizers` library does.

    `str.lower` on a whole word applies the Greek final-sigma rule ("ΣΑΣ" -> "σας"); BERT's
    reference tokenizer maps each character alone ("σασ"), and the ids must match it.
    """
    return "".join(c.lower() for c in text)


def split_punctuation(word: str) -> list[str]:
    """ "don't!" -> ["don", "'", "t", "!"]: every punctuation character becomes its own word."""
    pieces: list[str] = []
    start_new = True
    for char in word:
        if is_punctuation(char):
            pieces.append(char)
            start_new = True
        elif start_new:
            pieces.append(char)
            start_new = False
        else:
            pieces[-1] += char
    return pieces


# --8<-- [end:clean]


# --8<-- [start:basic]
class BasicTokenizer:
    """Text -> words and punctuation marks: clean, space CJK, split, strip accents, lower-case.

    Args:
        lowercase: lower-case every word (True for an "uncased" model such as MiniLM).
        strip_accents: drop accents; None means "when lower-casing", as BERT's uncased models do.
        split_cjk: make each CJK ideograph a word of its own.

    Example: "Héllo, wörld!" -> ["hello", ",", "world", "!"].
    """

    def __init__(
        self, *, lowercase: bool = True, strip_accents: bool | None = None, split_cjk: bool = True
    ) -> None:
        self.lowercase = lowercase
        self.strip_accents = lowercase if strip_accents is None else strip_accents
        self.split_cjk = split_cjk
        # Words repeat (a few thousand distinct ones cover most text): remember each result.
        self.split_word = lru_cache(maxsize=1 << 16)(self._split_word)

    def __call__(self, text: str) -> list[str]:
        text = clean_text(text)
        if self.split_cjk:
            text = space_cjk(text)
        words = []
        for word in text.split():
            words.extend(self.split_word(word))
        return words

    def _split_word(self, word: str) -> tuple[str, ...]:
        """One whitespace-free word -> its normalized pieces (accents, case, punctuation)."""
        if self.strip_accents:
            word = strip_accents(word)
        if self.lowercase:
            word = lowercase(word)
        return tuple(split_punctuation(word))


# --8<-- [end:basic]
