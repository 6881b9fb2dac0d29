"""BERT's tokenizer from scratch: the basic tokenizer, WordPiece, and parity with Hugging Face."""

import unicodedata

import numpy as np
import pytest

from nnfs.tokenizers import BasicTokenizer, BertTokenizer, load_vocab, wordpiece
from nnfs.tokenizers.basic import clean_text, is_punctuation, split_punctuation, strip_accents
from tests.minilm_reference import PREFIX, hf_legacy_tokenizer, hf_tokenizer, minilm_files

VARIED = [
    "Héllo, wörld! Naïve café, résumé, São Paulo, Ångström.",
    "",
    "   \t  \n ",
    "The movie was unwatchable; the acting, though, was unforgettable.",
    "don't, won't, it's, y'all'd've",
    "$5.00 & 3% ^_^ `~| <tag> a+b=c {x} [y] @home #1 \\path",
    "¿Qué? «Oui» — yes… „quoted“ ‹single› ¡olé!",
    "日本語のテキストと中文字符，还有한국어 문장。",
    "emoji 😀👍🏽 and 🇫🇷 flags, ①②③ and ™ ©",
    "a" * 100,
    "b" * 101,
    "supercalifragilisticexpialidocious " * 3,
    "control\x00char\x07s\x1b[0m and \ufffd replacement and zero\u200bwidth\u00adsoft",
    "tabs\tnew\nlines\r\nand\u00a0no-break\u2003em\u3000ideographic\u2028separator",
    "e\u0301 (combining) vs \u00e9 (precomposed), \ufb01ne ligature, ǅ digraph",
    "İstanbul, ΣΑΣ? no: Σοφία, straße, ΑΘΉΝΑ",
    "hello [MASK] world, [CLS] inside [SEP], [MASK]ed, [mask] lower-case, [UNK].",
    "Ναι, это 🙂 mixed скрипты ไทย עברית العربية हिन्दी",
    "   leading and trailing spaces   ",
    ".,;:!?",
    "unaffable unfilmable overhyped rom-com's ninety-minute",
]


@pytest.fixture(scope="module")
def tokenizer():
    files = minilm_files()
    return BertTokenizer.from_files(
        files[PREFIX + "vocab.txt"], files[PREFIX + "tokenizer_config.json"]
    )


@pytest.fixture
def tiny():
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "aff", "a"]
    return BertTokenizer(vocab + ["##a", "b", ".", "!", "##b"])


# ---- the pieces, on their own ----------------------------------------------------------------


def test_clean_text_drops_controls_and_turns_whitespace_into_spaces():
    assert clean_text("a\x00b\x07c\ufffdd\u200be") == "abcde"
    assert clean_text("a\tb\nc\r\u00a0d\u3000e") == "a b c  d e"
    assert clean_text("\ue000private\U000e0001tag") == "privatetag"  # Co and Cf
    assert clean_text("\u0378") == "\u0378"  # unassigned (Cn) is kept


def test_accents_are_stripped_by_decomposition():
    assert strip_accents("café Ångström ñ") == "cafe Angstrom n"
    assert strip_accents("e\u0301") == "e"
    assert strip_accents("ø ß æ") == "ø ß æ"  # no decomposition: letters of their own
    assert unicodedata.category("\u0301") == "Mn"


def test_punctuation_includes_ascii_symbols_and_unicode_p_categories():
    assert all(is_punctuation(c) for c in "$+<=>^`|~!,.?¿«—…")
    assert not any(is_punctuation(c) for c in "a1 é€©")  # € and © are symbols (Sc, So)
    assert split_punctuation("don't!") == ["don", "'", "t", "!"]
    assert split_punctuation("...") == [".", ".", "."]


def test_basic_tokenizer_options():
    assert BasicTokenizer()("Héllo, WÖRLD!") == ["hello", ",", "world", "!"]
    assert BasicTokenizer(lowercase=False)("Héllo") == ["Héllo"]
    assert BasicTokenizer(lowercase=False, strip_accents=True)("Héllo") == ["Hello"]
    assert BasicTokenizer(strip_accents=False)("Héllo") == ["héllo"]
    assert BasicTokenizer()("中文字") == ["中", "文", "字"]
    assert BasicTokenizer(split_cjk=False)("中文字") == ["中文字"]
    assert BasicTokenizer()("ΣΑΣ") == ["σασ"]  # character by character: no final sigma


def test_wordpiece_is_greedy_longest_match_first(tiny):
    vocab = set(tiny.vocab)
    assert wordpiece("unaffable", vocab) == ["un", "##aff", "##able"]
    assert wordpiece("aff", vocab) == ["aff"]
    assert wordpiece("aaa", vocab) == ["a", "##a", "##a"]
    assert wordpiece("unx", vocab) == ["[UNK]"]  # "x" cannot be spelled: the whole word is UNK
    assert wordpiece("a" * 100, vocab) == ["a"] + ["##a"] * 99
    assert wordpiece("a" * 101, vocab) == ["[UNK]"]  # longer than 100 characters
    assert wordpiece("a" * 5, vocab, max_chars=4) == ["[UNK]"]


def test_greedy_is_not_always_the_fewest_pieces():
    vocab = {"ab", "a", "##bcd", "##c", "##d", "##b"}
    # Longest first takes "ab", then must spell "cd" as "##c", "##d": three pieces, although
    # "a" + "##bcd" would be two. WordPiece is greedy by definition.
    assert wordpiece("abcd", vocab) == ["ab", "##c", "##d"]


def test_tokenizer_call_pads_truncates_and_masks(tiny):
    batch = tiny(["unaffable a", "a", "aff b unx"])
    np.testing.assert_array_equal(
        batch["input_ids"],
        [[2, 5, 6, 7, 9, 3], [2, 9, 3, 0, 0, 0], [2, 8, 11, 1, 3, 0]],
    )
    np.testing.assert_array_equal(batch["attention_mask"], batch["input_ids"] != 0)
    assert batch["token_type_ids"].sum() == 0
    assert all(v.dtype == np.int64 for v in batch.values())
    short = tiny(["unaffable a"], max_length=4)["input_ids"]
    np.testing.assert_array_equal(short, [[2, 5, 6, 3]])
    long = tiny(["a"], max_length=5, padding="max_length")
    np.testing.assert_array_equal(long["input_ids"], [[2, 9, 3, 0, 0]])
    assert tiny("a")["input_ids"].shape == (1, 3)  # one string is a batch of one


def test_pairs_get_segment_ids(tiny):
    batch = tiny(["a b"], ["unaffable"])
    np.testing.assert_array_equal(batch["input_ids"], [[2, 9, 11, 3, 5, 6, 7, 3]])
    np.testing.assert_array_equal(batch["token_type_ids"], [[0, 0, 0, 0, 1, 1, 1, 1]])


def test_decode_glues_pieces_and_skips_specials(tiny):
    ids = tiny(["unaffable a. a!"])["input_ids"][0]
    assert tiny.decode(ids) == "[CLS] unaffable a. a! [SEP]"
    assert tiny.decode(ids, skip_special_tokens=True) == "unaffable a. a!"
    assert tiny.tokenize("unaffable") == ["un", "##aff", "##able"]


def test_tokenizer_errors_name_the_argument(tiny):
    with pytest.raises(ValueError, match="BertTokenizer: padding expected one of"):
        tiny(["a"], padding="left")
    with pytest.raises(ValueError, match="text_pairs expected 2 texts, got 1"):
        tiny(["a", "b"], ["c"])
    with pytest.raises(ValueError, match="max_length expected at least 3"):
        tiny(["a"], ["b"], max_length=2)
    with pytest.raises(ValueError, match="padding=False needs sequences of one length"):
        tiny(["a", "a a"], padding=False)
    with pytest.raises(ValueError, match="longer than the model's 6 positions"):
        BertTokenizer(tiny.vocab, model_max_length=6)(["a " * 9], truncation=False)
    with pytest.raises(ValueError, match=r"ids expected values in \[0, 15\), got \[15, -1\]"):
        tiny.decode([2, 15, -1])
    with pytest.raises(ValueError, match=r"missing \['\[MASK\]'\]"):
        BertTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]"])
    with pytest.raises(TypeError, match="max_length expected an integer"):
        tiny(["a"], max_length=2.5)


def test_load_vocab_reads_one_token_per_line(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("[PAD]\nhello\n##lo\n \n", encoding="utf-8")
    assert load_vocab(path) == ["[PAD]", "hello", "##lo", " "]


# ---- parity with Hugging Face ----------------------------------------------------------------


def test_ids_match_hugging_face_on_varied_text(tokenizer):
    reference = hf_tokenizer()
    for text in VARIED:
        expected = reference(text)["input_ids"]
        ours, segments = tokenizer.encode(text)
        assert ours == expected, (text, tokenizer.convert_ids_to_tokens(ours))
        assert tokenizer.tokenize(text) == reference.tokenize(text), text
        assert tokenizer.decode(ours) == reference.decode(expected), text
        skip = reference.decode(expected, skip_special_tokens=True)
        assert tokenizer.decode(ours, skip_special_tokens=True) == skip, text


def test_batches_match_hugging_face_padding_truncation_and_pairs(tokenizer):
    reference = hf_tokenizer()
    for kwargs in (
        {"max_length": 128, "padding": True, "truncation": True},
        {"max_length": 12, "padding": True, "truncation": True},
        {"max_length": 40, "padding": "max_length", "truncation": True},
    ):
        ours = tokenizer(VARIED, **kwargs)
        theirs = reference(VARIED, return_tensors="np", **kwargs)
        for key in ("input_ids", "attention_mask", "token_type_ids"):
            np.testing.assert_array_equal(ours[key], theirs[key], err_msg=f"{key} {kwargs}")
    firsts = ["a short one", "x " * 30, "y " * 30, "z " * 8, ""]
    seconds = ["w " * 30, "tiny", "v " * 30, "u " * 8, "q " * 20]
    for max_length in (9, 10, 16, 25, 64):
        ours = tokenizer(firsts, seconds, max_length=max_length)
        theirs = reference(firsts, seconds, max_length=max_length, padding=True,
                           truncation=True, return_tensors="np")  # fmt: skip
        for key in ("input_ids", "attention_mask", "token_type_ids"):
            np.testing.assert_array_equal(ours[key], theirs[key], err_msg=f"{key} {max_length}")


def test_ids_match_the_pure_python_reference_where_the_two_references_agree(tokenizer):
    legacy, reference = hf_legacy_tokenizer(), hf_tokenizer()
    disagree = [t for t in VARIED if legacy(t)["input_ids"] != reference(t)["input_ids"]]
    # The only text on which Hugging Face's two tokenizers differ is the Greek one: Python's
    # str.lower applies the final-sigma rule to a whole word, the Rust tokenizer does not.
    assert disagree == ["İstanbul, ΣΑΣ? no: Σοφία, straße, ΑΘΉΝΑ"]
    for text in VARIED:
        if text not in disagree:
            assert tokenizer.encode(text)[0] == legacy(text)["input_ids"], text


def test_every_basic_multilingual_plane_character_matches_but_a_known_few(tokenizer):
    """Each BMP code point between two letters. Python 3.11's Unicode tables (14.0) are newer
    than those compiled into the `tokenizers` library, so about a hundred characters added or
    re-categorized since (e.g. U+2E43-U+2E5D punctuation, U+0898-U+08E2 Arabic marks) differ;
    none is in the blocks used by European, Cyrillic, Greek, CJK, kana or hangul text."""
    reference = hf_tokenizer()
    code_points = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    texts = ["x" + chr(c) + "x" for c in code_points]
    theirs = reference._tokenizer.encode_batch(texts, add_special_tokens=False)
    different = [c for c, t, e in zip(code_points, texts, theirs, strict=True)
                 if tokenizer._text_ids(t) != e.ids]  # fmt: skip
    assert len(different) <= 120, [hex(c) for c in different]
    common = [(0, 0x5FF), (0x2000, 0x2E42), (0x3000, 0x9FFF), (0xAC00, 0xD7A3), (0xF900, 0xFFFF)]
    assert not [hex(c) for c in different if any(lo <= c <= hi for lo, hi in common)]


def test_cjk_extension_e_follows_the_unicode_block(tokenizer):
    """The Rust tokenizer's CJK table starts Extension E at U+2B920 instead of U+2B820, so the
    256 ideographs U+2B820-U+2B91F are not split there; we follow the block (and BERT's code)."""
    text = "x\U0002b820x"
    assert tokenizer.tokenize(text) == ["x", "[UNK]", "x"]
    assert hf_tokenizer().tokenize(text) == ["[UNK]"]
    assert hf_legacy_tokenizer().tokenize(text) == ["x", "[UNK]", "x"]


def test_ids_match_on_every_movie_review(tokenizer):
    datasets = pytest.importorskip("nnfs.datasets")
    if not hasattr(datasets, "load_movie_reviews"):
        pytest.skip("nnfs.datasets.load_movie_reviews is not in this version of the package")
    texts, _ = datasets.load_movie_reviews()
    theirs = hf_tokenizer()._tokenizer.encode_batch(list(texts))
    mismatched = [t for t, e in zip(texts, theirs, strict=True) if tokenizer.encode(t)[0] != e.ids]
    assert len(texts) > 1000 and not mismatched, mismatched[:3]
