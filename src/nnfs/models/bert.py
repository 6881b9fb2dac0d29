"""A mini BERT (Devlin et al., 2019): a transformer encoder pre-trained by filling in masked words.

`BertEncoder` turns token ids into one vector per position (token + learned position embeddings,
LayerNorm, a stack of `TransformerBlock`s). Two heads sit on it: `BertForMaskedLM` predicts the
original token at every position (pre-training), `BertForSequenceClassification` reads the vector
of the [CLS] token at position 0 (fine-tuning). Both keep the encoder under the name `encoder`, so
a pre-trained encoder's state dict loads into a classifier with `load_state_dict` on `.encoder`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnfs.core import Module
from nnfs.layers.dense import Dense
from nnfs.layers.embedding import Embedding
from nnfs.layers.norm import LayerNorm
from nnfs.layers.transformer import TransformerEncoder
from nnfs.losses import Loss
from nnfs.optim import Adam


@dataclass
class BertConfig:
    """Sizes of a mini BERT. BERT-base is vocab 30522, max_len 512, d 768, 12 heads, 12 layers."""

    vocab_size: int
    max_len: int = 16
    d_model: int = 32
    num_heads: int = 2
    d_ff: int = 64
    num_layers: int = 2
    pad_id: int = 0


# --8<-- [start:encoder]
class BertEncoder(Module):
    """h = Encoder(LayerNorm(E_tok[ids] + E_pos[t])), with [PAD] keys masked out of attention.

    Shapes: ids (N, T) int, T <= max_len -> h (N, T, d).
    """

    def __init__(
        self,
        config: BertConfig,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        c = self.config = config
        self.token_embedding = Embedding(c.vocab_size, c.d_model, rng=rng, dtype=dtype)
        self.position_embedding = Embedding(c.max_len, c.d_model, rng=rng, dtype=dtype)
        self.norm = LayerNorm(c.d_model, dtype=dtype)
        self.blocks = TransformerEncoder(
            c.num_layers, c.d_model, c.num_heads, c.d_ff, rng=rng, dtype=dtype
        )

    def forward(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids)
        if ids.ndim != 2 or ids.shape[1] > self.config.max_len:
            raise ValueError(
                f"BertEncoder: ids expected shape (N, T <= {self.config.max_len}), "
                f"got {tuple(ids.shape)}"
            )
        T = ids.shape[1]
        x = self.token_embedding(ids) + self.position_embedding(np.arange(T))  # (N, T, d)
        mask = (ids != self.config.pad_id)[:, None, :]  # (N, 1, T): True = a real key
        return self.blocks(self.norm(x), mask)

    def backward(self, grad_out: np.ndarray) -> None:
        grad_x = self.norm.backward(self.blocks.backward(grad_out))  # (N, T, d)
        self.token_embedding.backward(grad_x)
        self.position_embedding.backward(grad_x.sum(axis=0))  # one position row per t
        return None  # token ids have no gradient


# --8<-- [end:encoder]


# --8<-- [start:heads]
class BertForMaskedLM(Module):
    """Encoder + a linear layer to vocabulary logits at every position.

    Shapes: ids (N, T) -> logits (N, T, V).
    """

    def __init__(
        self,
        config: BertConfig,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        self.encoder = BertEncoder(config, rng=rng, dtype=dtype)
        self.mlm_head = Dense(
            config.d_model, config.vocab_size, init="xavier", rng=rng, dtype=dtype
        )

    def forward(self, ids: np.ndarray) -> np.ndarray:
        h = self.encoder(ids)  # (N, T, d)
        N, T, d = h.shape
        return self.mlm_head(h.reshape(N * T, d)).reshape(N, T, -1)

    def backward(self, grad_out: np.ndarray) -> None:
        N, T, V = grad_out.shape
        grad_h = self.mlm_head.backward(grad_out.reshape(N * T, V))
        return self.encoder.backward(grad_h.reshape(N, T, -1))


class BertForSequenceClassification(Module):
    """Encoder + a linear classifier on the [CLS] vector h[:, 0].

    Shapes: ids (N, T) with ids[:, 0] = [CLS] -> logits (N, K).
    """

    def __init__(
        self,
        config: BertConfig,
        num_classes: int = 2,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        self.encoder = BertEncoder(config, rng=rng, dtype=dtype)
        self.classifier = Dense(config.d_model, num_classes, init="xavier", rng=rng, dtype=dtype)

    def forward(self, ids: np.ndarray) -> np.ndarray:
        self.h_shape = (*np.shape(ids), self.encoder.config.d_model)
        return self.classifier(self.encoder(ids)[:, 0])  # (N, K)

    def backward(self, grad_out: np.ndarray) -> None:
        grad_h = np.zeros(self.h_shape, dtype=grad_out.dtype)
        grad_h[:, 0] = self.classifier.backward(grad_out)  # only [CLS] fed the classifier
        return self.encoder.backward(grad_h)


# --8<-- [end:heads]


# --8<-- [start:masking]
def mask_tokens(
    ids: np.ndarray,
    rng: np.random.Generator,
    *,
    vocab_size: int,
    mask_id: int,
    special_ids: tuple[int, ...],
    mask_prob: float = 0.15,
) -> tuple[np.ndarray, np.ndarray]:
    """BERT's masking rule: choose `mask_prob` of the ordinary tokens for prediction.

    Of the chosen tokens 80% become [MASK], 10% a random ordinary token and 10% stay as they
    are; the model must predict the original token at every chosen position.

    Args:
        ids: (N, T) token ids.
        rng: draws which positions are chosen and what happens to them.
        vocab_size: V; random replacements are drawn from the ids that are not special.
        mask_id: the id of [MASK].
        special_ids: ids that are never chosen ([PAD], [CLS], [MASK]).
        mask_prob: the fraction of ordinary tokens chosen, 15% in BERT.

    Returns:
        inputs: (N, T) ids with the replacements made.
        labels: (N, T) the original id at picked positions, -100 elsewhere (ignored by the loss).
    """
    candidates = ~np.isin(ids, special_ids)
    picked = candidates & (rng.random(ids.shape) < mask_prob)
    action = rng.random(ids.shape)
    inputs = ids.copy()
    inputs[picked & (action < 0.8)] = mask_id
    randomized = picked & (action >= 0.8) & (action < 0.9)
    ordinary = np.setdiff1d(np.arange(vocab_size), special_ids)
    inputs[randomized] = rng.choice(ordinary, size=int(randomized.sum()))
    labels = np.where(picked, ids, -100)
    return inputs, labels


# --8<-- [end:masking]


# --8<-- [start:mlm_loss]
class MaskedLMLoss(Loss):
    """Cross-entropy averaged over the positions whose label is not -100.

    Shapes: logits (N, T, V), labels (N, T) -> a float; backward -> (N, T, V), zero at
    ignored positions. With no picked position at all the loss is 0.
    """

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        self.shape, self.picked = pred.shape, target != -100  # picked: (N, T)
        logits, labels = pred[self.picked], target[self.picked]  # (M, V), (M,)
        self.count = max(len(labels), 1)
        shifted = logits - logits.max(axis=1, keepdims=True)  # log-sum-exp shift
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.grad_rows = np.exp(log_p)
        self.grad_rows[np.arange(len(labels)), labels] -= 1  # softmax - one_hot
        return float(-log_p[np.arange(len(labels)), labels].sum() / self.count)

    def backward(self) -> np.ndarray:
        grad = np.zeros(self.shape, dtype=self.grad_rows.dtype)
        grad[self.picked] = self.grad_rows / self.count
        return grad


# --8<-- [end:mlm_loss]


# --8<-- [start:pretrain]
def pretrain(
    model: BertForMaskedLM,
    ids: np.ndarray,
    *,
    mask_id: int,
    special_ids: tuple[int, ...],
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 3e-3,
    rng: np.random.Generator | None = None,
) -> list[float]:
    """Masked-language-model pre-training with Adam; fresh masks every batch.

    Args:
        model: the model to train in place.
        ids: (N, T) token ids of the unlabelled corpus (see `Vocabulary.encode`).
        mask_id: the id of [MASK].
        special_ids: ids never chosen for prediction ([PAD], [CLS], [MASK]).
        epochs: passes over the corpus.
        batch_size: sentences per step.
        lr: Adam's learning rate.
        rng: shuffles the corpus and draws the masks.

    Returns:
        The loss of every step.
    """
    rng = rng if rng is not None else np.random.default_rng()
    vocab_size = model.encoder.config.vocab_size
    loss_fn, optimizer, losses = MaskedLMLoss(), Adam(model.parameters(), lr=lr), []
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(ids))
        for start in range(0, len(ids), batch_size):
            batch = ids[order[start : start + batch_size]]
            inputs, labels = mask_tokens(
                batch, rng, vocab_size=vocab_size, mask_id=mask_id, special_ids=special_ids
            )
            optimizer.zero_grad()
            losses.append(loss_fn(model(inputs), labels))
            model.backward(loss_fn.backward())
            optimizer.step()
    return losses


# --8<-- [end:pretrain]
