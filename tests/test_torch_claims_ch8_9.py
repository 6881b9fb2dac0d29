"""What chapters 8 and 9 say PyTorch (and Hugging Face transformers) do, checked against the
installed libraries.

Each test names the page whose sentence it checks. The parity tests (test_torch_parity_*)
compare values; these check the defaults and conventions the prose describes.
"""

import numpy as np
import pytest

from nnfs import GRU, LSTM, RNN, Embedding
from nnfs.layers.attention import causal_mask
from tests.torch_utils import torch


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_recurrent_weights_start_uniform_in_plus_minus_one_over_sqrt_h_as_in_torch(name):
    # rnn-cell.md, pitfalls: "W ~ U(-1/sqrt(H), 1/sqrt(H)) (PyTorch's)".
    H = 64
    torch.manual_seed(0)
    ref = getattr(torch.nn, name)(8, H)
    ours = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[name](8, H, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(H)
    for weights in (ref.weight_ih_l0, ref.weight_hh_l0, ours.cells[0].W_x, ours.cells[0].W_h):
        w = np.asarray(weights.detach().numpy() if hasattr(weights, "detach") else weights.data)
        assert np.abs(w).max() <= bound
        assert np.abs(w).max() > 0.99 * bound  # the whole interval is used, not a narrower one
        assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound  # the std of U(-b, b)


def test_embedding_rows_start_standard_normal_as_in_torch():
    # embedding.md, pitfalls: "Rows start as N(0, 1) (PyTorch's default)".
    torch.manual_seed(0)
    ref = torch.nn.Embedding(1000, 64).weight.detach().numpy()
    ours = Embedding(1000, 64, rng=np.random.default_rng(0)).W.data
    for w in (ref, ours):
        assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_torch_attention_masks_use_true_for_not_allowed():
    # attention.md, pitfalls: PyTorch's attn_mask and key_padding_mask use True for *not
    # allowed*; nnfs uses True for *may attend*.
    torch.manual_seed(0)
    mha = torch.nn.MultiheadAttention(4, 1, batch_first=True)
    x = torch.randn(1, 3, 4)
    allowed = torch.from_numpy(causal_mask(3))
    _, weights = mha(x, x, x, attn_mask=~allowed)
    assert torch.all(weights[0][~allowed] == 0) and torch.all(weights[0][allowed] > 0)
    _, weights = mha(x, x, x, key_padding_mask=torch.tensor([[False, False, True]]))
    assert torch.all(weights[0, :, 2] == 0) and torch.all(weights[0, :, :2] > 0)


def test_transformer_encoder_layer_defaults_post_norm_relu_eps_1e_5():
    # gelu-and-pre-norm.md, pitfalls, and transformer-block.md: nn.TransformerEncoderLayer
    # defaults to post-norm, ReLU and layer_norm_eps = 1e-5.
    layer = torch.nn.TransformerEncoderLayer(8, 2)
    assert layer.norm_first is False
    assert layer.activation is torch.nn.functional.relu
    assert layer.norm1.eps == layer.norm2.eps == 1e-5


def test_bert_eps_and_gpt2_final_norm_and_tied_embeddings():
    # gelu-and-pre-norm.md, pitfalls: "BERT uses eps 1e-12", "GPT-2 adds ln_f after the last
    # block"; gpt.md: "GPT-2 ties" the embedding and the output layer.
    transformers = pytest.importorskip("transformers")
    assert transformers.BertConfig().layer_norm_eps == 1e-12
    config = transformers.GPT2Config(n_layer=1, n_embd=8, n_head=2, n_positions=16, vocab_size=11)
    model = transformers.GPT2LMHeadModel(config)
    assert isinstance(model.transformer.ln_f, torch.nn.LayerNorm)
    assert model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr()
