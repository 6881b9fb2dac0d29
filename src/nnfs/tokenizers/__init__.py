"""Tokenizers: text -> token ids. BERT's WordPiece tokenizer, written from its definition."""

from nnfs.tokenizers.basic import BasicTokenizer
from nnfs.tokenizers.wordpiece import BertTokenizer, load_vocab, wordpiece

__all__ = ["BasicTokenizer", "BertTokenizer", "load_vocab", "wordpiece"]
