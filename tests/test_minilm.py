"""all-MiniLM-L6-v2 loaded into nnfs: parity with Hugging Face's BertModel, loading, fine-tuning."""

import json

import numpy as np
import pytest

from nnfs import pretrained
from nnfs.models.bert import BertModel, MeanPooling
from nnfs.pretrained.minilm import (
    convert_state,
    hugging_face_names,
    load_minilm,
    sentence_embeddings,
)
from nnfs.pretrained.safetensors import load_file
from nnfs.tokenizers import BertTokenizer
from tests.minilm_reference import (
    PREFIX,
    minilm_files,
    minilm_folder,
    transformers_module,
)

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The new movie is awesome, a must-see!",
    "The film was dull and far too long.",
    "Héllo wörld: naïve café, 日本語 and an emoji 😀.",
    "short",
]


@pytest.fixture(scope="module")
def minilm():
    minilm_files()  # skips when the checkpoint cannot be had
    return pretrained.load("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def reference():
    transformers_module()
    import torch
    from transformers import BertModel as HFBertModel

    torch.set_num_threads(1)
    return HFBertModel.from_pretrained(str(minilm_folder())).eval()


def _hf_outputs(reference, batch):
    import torch

    with torch.no_grad():
        out = reference(**{k: torch.from_numpy(v) for k, v in batch.items()})
    return out.last_hidden_state.numpy(), out.pooler_output.numpy()


def _relative(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


def test_load_returns_model_and_tokenizer_in_float32(minilm):
    model, tokenizer = minilm
    assert isinstance(model, BertModel) and isinstance(tokenizer, BertTokenizer)
    assert not model.training
    assert model.num_parameters() == 22_713_216
    assert all(p.dtype == np.float32 for p in model.parameters())
    config = model.config
    assert (config.d_model, config.num_heads, config.d_ff, config.num_layers) == (384, 12, 1536, 6)
    assert config.eps == 1e-12 and len(tokenizer) == 30522


def test_hidden_states_and_pooler_match_hugging_face_in_float32(minilm, reference):
    model, tokenizer = minilm
    batch = tokenizer(SENTENCES)
    assert np.ptp(batch["attention_mask"].sum(axis=1)) > 10  # real padding in the batch
    h = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    h_ref, pooled_ref = _hf_outputs(reference, batch)
    real = batch["attention_mask"] == 1
    assert _relative(h[real], h_ref[real]) < 1e-5
    assert _relative(model.pooler(h), pooled_ref) < 1e-5


def test_sentence_pairs_use_the_token_type_embeddings(minilm, reference):
    model, tokenizer = minilm
    batch = tokenizer(SENTENCES[:3], SENTENCES[3:])
    assert batch["token_type_ids"].any()
    h = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    h_ref, _ = _hf_outputs(reference, batch)
    real = batch["attention_mask"] == 1
    assert _relative(h[real], h_ref[real]) < 1e-4


def test_sentence_embeddings_match_mean_pooling_of_hugging_face(minilm, reference):
    model, tokenizer = minilm
    ours = sentence_embeddings(model, tokenizer, SENTENCES, batch_size=4)
    batch = tokenizer(SENTENCES)
    h_ref, _ = _hf_outputs(reference, batch)
    mask = batch["attention_mask"][:, :, None].astype(np.float32)
    mean = (h_ref * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)  # the model card's
    expected = mean / np.linalg.norm(mean, axis=1, keepdims=True)
    assert _relative(ours, expected) < 1e-5
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1, rtol=1e-5)
    raw = sentence_embeddings(model, tokenizer, SENTENCES, normalize=False)
    assert _relative(raw, mean) < 1e-5


def test_similar_sentences_are_closer(minilm):
    model, tokenizer = minilm
    e = sentence_embeddings(model, tokenizer, SENTENCES[:4])
    similarity = e @ e.T
    assert similarity[0, 1] > 0.6  # two sentences about a man eating
    assert similarity[2, 3] > similarity[0, 2] and similarity[2, 3] > similarity[1, 3]
    assert similarity[0, 1] > similarity[0, 2] + 0.4


def test_float64_load_agrees_with_float32(minilm):
    model64, tokenizer = load_minilm(minilm_files(), dtype=np.float64)
    batch = tokenizer(SENTENCES[:3])
    h64 = model64(batch["input_ids"], batch["attention_mask"])
    h32 = minilm[0](batch["input_ids"], batch["attention_mask"])
    assert h64.dtype == np.float64
    assert _relative(h32, h64) < 1e-5


def test_gradients_match_torch_autograd(minilm, reference):
    """Backward through the real checkpoint: dL/dW of a few weights against torch."""
    import torch

    model, tokenizer = minilm
    batch = tokenizer(SENTENCES[:3])
    h = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    R = np.random.default_rng(0).standard_normal(h.shape).astype(np.float32)
    R *= batch["attention_mask"][:, :, None]  # the loss reads the real tokens only
    model.zero_grad()
    model.backward(R)
    reference.zero_grad()
    out = reference(**{k: torch.from_numpy(v) for k, v in batch.items()})
    (out.last_hidden_state * torch.from_numpy(R)).sum().backward()
    names = hugging_face_names(6)
    params = dict(reference.named_parameters())
    for ours in ("layers.5.ff1.W", "layers.0.attn.Wq", "embeddings.norm.gamma",
                 "embeddings.segment.W"):  # fmt: skip
        theirs, transpose = names[ours]
        expected = params[theirs].grad.numpy()
        expected = expected.T if transpose else expected
        assert _relative(dict(model.named_parameters())[ours].grad, expected) < 1e-3, ours
    used = np.unique(batch["input_ids"])
    token_grad = model.embeddings.token.W.grad
    assert (
        _relative(token_grad[used], params["embeddings.word_embeddings.weight"].grad.numpy()[used])
        < 1e-3
    )
    model.zero_grad()


def test_one_fine_tuning_step_lowers_the_loss(minilm):
    from nnfs.losses import SoftmaxCrossEntropy
    from nnfs.models.bert import ClassifierHead
    from nnfs.optim import Adam

    model, tokenizer = minilm
    batch = tokenizer(SENTENCES[2:4])
    labels = np.array([1, 0])
    h = model(batch["input_ids"], batch["attention_mask"])
    head = ClassifierHead(384, 2, layers=[model.layers[5]], rng=np.random.default_rng(0),
                          dtype=np.float32)  # fmt: skip
    state = {k: v.copy() for k, v in model.layers[5].state_dict().items()}
    loss_fn, optimizer = SoftmaxCrossEntropy(), Adam(head.parameters(), lr=1e-4)
    try:
        losses = []
        for _ in range(3):
            optimizer.zero_grad()
            losses.append(loss_fn(head(h, batch["attention_mask"]), labels))
            head.backward(loss_fn.backward())
            optimizer.step()
        assert losses[-1] < losses[0]
    finally:
        model.layers[5].load_state_dict(state)  # leave the shared fixture as it was
        model.zero_grad()


def test_a_checkpoint_with_the_wrong_layout_is_refused(minilm, tmp_path):
    model, _ = minilm
    tensors = load_file(minilm_files()[PREFIX + "model.safetensors"])
    broken = dict(tensors)
    del broken["encoder.layer.3.output.dense.bias"]
    broken["extra.weight"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"missing \['encoder.layer.3.output.dense.bias'\], "
                       r"unexpected \['extra.weight'\]"):  # fmt: skip
        convert_state(broken, model, source="x.safetensors")
    wrong = dict(tensors)
    wrong["pooler.dense.weight"] = np.zeros((384, 383), dtype=np.float32)
    with pytest.raises(ValueError, match=r"'pooler.dense.weight' has shape \(384, 383\)"):
        convert_state(wrong, model)


def test_a_non_mean_pooling_config_is_refused(tmp_path):
    files = dict(minilm_files())
    pooling = json.loads(files[PREFIX + "1_Pooling/config.json"].read_text())
    pooling["pooling_mode_mean_tokens"] = False
    path = tmp_path / "pooling.json"
    path.write_text(json.dumps(pooling))
    files[PREFIX + "1_Pooling/config.json"] = path
    with pytest.raises(ValueError, match="is not mean pooling"):
        load_minilm(files)


def test_mean_pooling_module_is_what_sentence_embeddings_use(minilm):
    model, tokenizer = minilm
    batch = tokenizer(SENTENCES[:2])
    pooled = MeanPooling()(model(batch["input_ids"], batch["attention_mask"]),
                           batch["attention_mask"])  # fmt: skip
    raw = sentence_embeddings(model, tokenizer, SENTENCES[:2], normalize=False)
    np.testing.assert_allclose(pooled, raw, rtol=1e-5, atol=1e-6)


def test_the_wrong_epsilon_or_the_tanh_gelu_moves_the_outputs(minilm):
    """The pitfalls of the fine-tuning page: LayerNorm eps 1e-5 instead of 1e-12 moves the
    last layer by about 1e-3; GELU's tanh form (within 5e-4 of the exact one per activation)
    by about 4e-3."""
    from nnfs import functional as F

    model, tokenizer = minilm
    batch = tokenizer(["A man is playing a guitar.", "The stock market fell sharply today."])
    real = batch["attention_mask"] == 1
    reference = model(batch["input_ids"], batch["attention_mask"])
    norms = [model.embeddings.norm] + [
        n for layer in model.layers for n in (layer.norm1, layer.norm2)
    ]
    try:
        for norm in norms:
            norm.eps = 1e-5
        moved = np.abs(model(batch["input_ids"], batch["attention_mask"]) - reference)[real]
        assert 3e-4 < moved.max() < 3e-3
        for norm in norms:
            norm.eps = 1e-12
        for layer in model.layers:
            layer.gelu.approximate = "tanh"
        moved = np.abs(model(batch["input_ids"], batch["attention_mask"]) - reference)[real]
        assert 2e-3 < moved.max() < 8e-3
    finally:
        for norm in norms:
            norm.eps = 1e-12
        for layer in model.layers:
            layer.gelu.approximate = "none"
    x = np.linspace(-10, 10, 20001)
    assert 4e-4 < np.abs(F.gelu(x) - F.gelu(x, "tanh")).max() < 5e-4
