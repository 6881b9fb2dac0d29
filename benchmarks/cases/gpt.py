"""GPT training step, nnfs vs PyTorch: a 2-layer pre-norm causal transformer language model.

Shapes: vocabulary 80 (the Shakespeare characters), batch 16, T 64, d_model 128, 4 heads,
d_ff 512, 2 layers, tied embeddings, float32. One step is zero_grad, forward, softmax
cross-entropy over all N*T next-token predictions, backward and an Adam update. The torch side
is built from `nn.Embedding`, `nn.TransformerEncoderLayer(norm_first=True)` with the tanh GELU
and a causal mask, and `nn.LayerNorm`, with the logits computed by the token embedding matrix
(weight tying), starting from nnfs's weights.
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.cases.transformer import copy_block
from benchmarks.harness import Case, Gemm
from benchmarks.shapes import transformer_block
from benchmarks.torch_bridge import assert_close, to_torch
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models import GPT, GPTConfig
from nnfs.optim import Adam

N, LR = 16, 1e-3
CONFIG = GPTConfig(vocab_size=80, max_len=64, d_model=128, num_heads=4, d_ff=512, num_layers=2)


def _gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.gelu(x, approximate="tanh")


class TorchGPT(torch.nn.Module):
    """The same model in torch: logits = LN(blocks(E[ids] + P[t])) E^T."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        c = config
        self.token_embedding = torch.nn.Embedding(c.vocab_size, c.d_model)
        self.position_embedding = torch.nn.Embedding(c.max_len, c.d_model)
        self.blocks = torch.nn.ModuleList(
            torch.nn.TransformerEncoderLayer(
                c.d_model,
                c.num_heads,
                c.d_ff,
                dropout=0.0,
                activation=_gelu_tanh,
                batch_first=True,
                norm_first=True,
            )
            for _ in range(c.num_layers)
        )
        self.norm = torch.nn.LayerNorm(c.d_model)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        T = ids.shape[1]
        x = self.token_embedding(ids) + self.position_embedding(torch.arange(T))
        mask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=x.dtype)
        for block in self.blocks:
            x = block(x, src_mask=mask, is_causal=True)
        return self.norm(x) @ self.token_embedding.weight.T


def gpt_gemms(config: GPTConfig = CONFIG, n: int = N) -> list[Gemm]:
    """Every matrix product of one step: each block's, then the tied output layer's (logits,
    the embedding's gradient, the final norm's input gradient)."""
    c, rows = config, n * config.max_len
    blocks = transformer_block(n, c.max_len, c.d_model, c.num_heads, c.d_ff) * c.num_layers
    head = [(rows, c.d_model, c.vocab_size), (c.vocab_size, rows, c.d_model)]
    return blocks + head + [(rows, c.vocab_size, c.d_model)]


def copy_gpt(ours: GPT, ref: TorchGPT) -> None:
    with torch.no_grad():
        ref.token_embedding.weight.copy_(to_torch(ours.token_embedding.W.data))
        ref.position_embedding.weight.copy_(to_torch(ours.position_embedding.W.data))
        ref.norm.weight.copy_(to_torch(ours.norm.gamma.data))
        ref.norm.bias.copy_(to_torch(ours.norm.beta.data))
    for block, ref_block in zip(ours.blocks, ref.blocks, strict=True):
        copy_block(block, ref_block)


def cases(dtype: type = np.float32) -> list[Case]:
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    ours = GPT(CONFIG, rng=np.random.default_rng(0), dtype=dtype)
    ref = TorchGPT(CONFIG).to(torch_dtype)
    copy_gpt(ours, ref)

    rng = np.random.default_rng(1)
    tokens = rng.integers(0, CONFIG.vocab_size, size=(N, CONFIG.max_len + 1))
    ids, targets = tokens[:, :-1], tokens[:, 1:].reshape(-1)
    ids_t, targets_t = to_torch(ids), to_torch(targets)
    loss_fn = SoftmaxCrossEntropy()
    optimizer = Adam(ours.parameters(), lr=LR)
    optimizer_t = torch.optim.Adam(ref.parameters(), lr=LR)

    def nnfs_step() -> float:
        optimizer.zero_grad()
        logits = ours(ids)
        loss = loss_fn(logits.reshape(-1, CONFIG.vocab_size), targets)
        ours.backward(loss_fn.backward().reshape(logits.shape))
        optimizer.step()
        return loss

    def torch_step() -> float:
        optimizer_t.zero_grad()
        logits = ref(ids_t)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, CONFIG.vocab_size), targets_t)
        loss.backward()
        optimizer_t.step()
        return loss.item()

    initial = ours.state_dict()

    def check() -> None:
        # Both start from the initial weights: after the timing loops have trained on the one
        # batch for thousands of steps, its gradients are tiny and float32 noise would dominate.
        ours.load_state_dict(initial)
        copy_gpt(ours, ref)
        ours.zero_grad()
        ref.zero_grad(set_to_none=False)
        logits = ours(ids)
        loss = loss_fn(logits.reshape(-1, CONFIG.vocab_size), targets)
        ours.backward(loss_fn.backward().reshape(logits.shape))
        logits_t = ref(ids_t)
        loss_t = torch.nn.functional.cross_entropy(
            logits_t.reshape(-1, CONFIG.vocab_size), targets_t
        )
        loss_t.backward()
        assert logits.dtype == dtype, f"GPT: logits dtype changed to {logits.dtype}"
        assert abs(loss - loss_t.item()) <= 1e-4 * loss_t.item(), f"GPT loss {loss} vs {loss_t}"
        assert_close("GPT logits", logits, logits_t.detach().numpy())
        # Tied weights: the embedding's gradient sums the input and the output paths.
        assert_close(
            "GPT token embedding grad",
            ours.token_embedding.W.grad,
            ref.token_embedding.weight.grad.numpy(),
        )
        assert_close(
            "GPT position embedding grad",
            ours.position_embedding.W.grad,
            ref.position_embedding.weight.grad.numpy(),
        )
        first, first_t = ours.blocks[0], ref.blocks[0]
        assert_close("GPT ff1.W grad", first.ff1.W.grad, first_t.linear1.weight.grad.numpy().T)
        assert_close(
            "GPT attn.W_in grad",
            np.concatenate([first.attn.Wq.grad, first.attn.Wk.grad, first.attn.Wv.grad], axis=1),
            first_t.self_attn.in_proj_weight.grad.numpy().T,
        )
        copy_gpt(ours, ref)

    name = (
        f"GPT train step N{N} T{CONFIG.max_len} d{CONFIG.d_model} L{CONFIG.num_layers} "
        f"V{CONFIG.vocab_size}"
    )
    return [Case(name, nnfs_step, torch_step, check, gemms=gpt_gemms())]
