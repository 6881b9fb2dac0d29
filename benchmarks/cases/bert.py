"""BERT forward (inference) at the size of all-MiniLM-L6-v2, nnfs vs PyTorch.

Batch 16, T 64, d_model 384, 12 heads, d_ff 1536, 6 layers, vocabulary 30,522, float32, with
padding (each sequence has its own length, so the attention mask matters). The torch side is
the same network in plain PyTorch: three `nn.Embedding`s and a `LayerNorm`, then
`nn.TransformerEncoder` of post-norm `TransformerEncoderLayer(activation="gelu",
layer_norm_eps=1e-12)` layers, run in eval mode under `torch.inference_mode()` (its fused
fast path). Both start from the same random weights (copied from nnfs); no checkpoint is needed.
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.harness import Case
from benchmarks.torch_bridge import assert_close, to_torch
from nnfs.models.bert import BertConfig, BertModel

N, T = 16, 64
CONFIG = BertConfig(
    vocab_size=30522, max_len=512, d_model=384, num_heads=12, d_ff=1536, num_layers=6, eps=1e-12
)


class TorchBert(torch.nn.Module):
    """BERT's encoder from torch.nn building blocks (the pooler is not timed)."""

    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.token = torch.nn.Embedding(c.vocab_size, c.d_model)
        self.position = torch.nn.Embedding(c.max_len, c.d_model)
        self.segment = torch.nn.Embedding(c.type_vocab_size, c.d_model)
        self.norm = torch.nn.LayerNorm(c.d_model, eps=c.eps)
        layer = torch.nn.TransformerEncoderLayer(
            c.d_model, c.num_heads, c.d_ff, dropout=0.0, activation="gelu",
            layer_norm_eps=c.eps, batch_first=True, norm_first=False,
        )  # fmt: skip
        self.encoder = torch.nn.TransformerEncoder(layer, c.num_layers, enable_nested_tensor=False)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1])
        x = self.token(ids) + self.segment(torch.zeros_like(ids)) + self.position(positions)
        return self.encoder(self.norm(x), src_key_padding_mask=~mask)


def _copy(ours: BertModel, ref: TorchBert) -> None:
    def put(tensor: torch.Tensor, array: np.ndarray) -> None:
        tensor.copy_(to_torch(array))

    with torch.no_grad():
        emb = ours.embeddings
        put(ref.token.weight, emb.token.W.data)
        put(ref.position.weight, emb.position.W.data)
        put(ref.segment.weight, emb.segment.W.data)
        put(ref.norm.weight, emb.norm.gamma.data)
        put(ref.norm.bias, emb.norm.beta.data)
        for layer, ref_layer in zip(ours.layers, ref.encoder.layers, strict=True):
            a = layer.attn
            put(
                ref_layer.self_attn.in_proj_weight,
                np.concatenate([a.Wq.data, a.Wk.data, a.Wv.data], 1).T,
            )
            put(ref_layer.self_attn.in_proj_bias, np.concatenate([a.bq.data, a.bk.data, a.bv.data]))
            put(ref_layer.self_attn.out_proj.weight, a.Wo.data.T)
            put(ref_layer.self_attn.out_proj.bias, a.bo.data)
            for lin, dense in ((ref_layer.linear1, layer.ff1), (ref_layer.linear2, layer.ff2)):
                put(lin.weight, dense.W.data.T)
                put(lin.bias, dense.b.data)
            for norm, ln in ((ref_layer.norm1, layer.norm1), (ref_layer.norm2, layer.norm2)):
                put(norm.weight, ln.gamma.data)
                put(norm.bias, ln.beta.data)


def cases(dtype: type = np.float32) -> list[Case]:
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    ours = BertModel(CONFIG, rng=np.random.default_rng(0), dtype=dtype).eval()
    ref = TorchBert(CONFIG).to(torch_dtype).eval()
    _copy(ours, ref)
    rng = np.random.default_rng(1)
    lengths = rng.integers(T // 4, T + 1, N)
    lengths[0] = T
    mask = np.arange(T) < lengths[:, None]  # (N, T), True = a real token
    ids = np.where(mask, rng.integers(1000, CONFIG.vocab_size, (N, T)), 0)
    attention_mask = mask.astype(np.int64)
    ids_t, mask_t = to_torch(ids), to_torch(mask)

    def nnfs_step() -> np.ndarray:
        return ours(ids, attention_mask)

    def torch_step() -> torch.Tensor:
        with torch.inference_mode():
            return ref(ids_t, mask_t)

    def check() -> None:
        h, h_t = nnfs_step(), torch_step().numpy()
        assert h.dtype == dtype, f"BERT: dtype changed to {h.dtype}"
        assert_close("BERT hidden states (real tokens)", h[mask], h_t[mask])

    return [Case(f"bert forward N{N} T{T} d384 h12 ff1536 x6 (MiniLM)", nnfs_step, torch_step,
                 check, repeats=15)]  # fmt: skip
