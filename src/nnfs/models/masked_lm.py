"""Masked-language-model pre-training (Devlin et al., 2019), the way BERT learned from raw text.

Hide some tokens of a sentence and train the encoder to predict them from the others: no labels
are needed, and filling a blank well takes knowing what words mean and how they combine.
`mask_tokens` draws BERT's 80/10/10 corruption, `MaskedLMLoss` is the cross-entropy over the
chosen positions only, `BertForMaskedLM` puts a vocabulary-sized output layer on a `BertModel`,
and `pretrain` is the training loop, with fresh masks for every batch.
"""

from __future__ import annotations

import numpy as np

from nnfs import functional as F
from nnfs.checks import check_floating, check_rng, require_forward
from nnfs.core import Module
from nnfs.layers.dense import Dense
from nnfs.losses import Loss
from nnfs.models.bert import BertConfig, BertModel
from nnfs.optim import Adam


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
        special_ids: ids that are never chosen ([PAD], [CLS], [SEP], [MASK], ...).
        mask_prob: the fraction of ordinary tokens chosen, 15% in BERT.

    Returns:
        inputs: (N, T) ids with the replacements made.
        labels: (N, T) the original id at chosen positions, -100 elsewhere (ignored by the loss).
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
    """Cross-entropy averaged over the positions whose label is not `ignore_index`.

    L = -(1/M) sum over the M chosen positions of log softmax(logits[n, t])[labels[n, t]].

    Args:
        ignore_index: the label of positions that are not predicted, -100 as in PyTorch's
            `cross_entropy`. Every other label must be a class id in [0, V).

    Shapes: logits (N, T, V) float, labels (N, T) int -> a float; backward -> (N, T, V), zero
    at ignored positions. With no chosen position at all the loss is 0 and its gradient 0
    (PyTorch's mean over zero positions is 0/0 = NaN).
    """

    def __init__(self, ignore_index: int = -100) -> None:
        self.ignore_index = int(ignore_index)

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        self._check(pred, target)
        self.shape, self.picked = pred.shape, target != self.ignore_index  # picked: (N, T)
        logits, labels = pred[self.picked], target[self.picked]  # (M, V), (M,)
        self.count = max(len(labels), 1)
        log_p = F.log_softmax(logits, axis=1)  # (M, V), with the log-sum-exp shift
        rows = np.arange(len(labels))
        self.grad_rows = np.exp(log_p)
        self.grad_rows[rows, labels] -= 1  # softmax - one_hot
        return float(-log_p[rows, labels].sum() / self.count)

    def backward(self) -> np.ndarray:
        require_forward(self, "grad_rows")
        grad = np.zeros(self.shape, dtype=self.grad_rows.dtype)
        grad[self.picked] = self.grad_rows / self.count
        return grad

    # --8<-- [end:mlm_loss]

    def _check(self, pred: np.ndarray, target: np.ndarray) -> None:
        check_floating("MaskedLMLoss", "pred", pred)
        if pred.ndim != 3 or pred.shape[0] == 0:
            raise ValueError(
                f"MaskedLMLoss: pred expected logits of shape (N >= 1, T, V), got {pred.shape}"
            )
        if not isinstance(target, np.ndarray) or not np.issubdtype(target.dtype, np.integer):
            kind = target.dtype if isinstance(target, np.ndarray) else type(target).__name__
            raise TypeError(f"MaskedLMLoss: target expected an integer array, got {kind}")
        if target.shape != pred.shape[:2]:
            raise ValueError(
                f"MaskedLMLoss: target expected shape {pred.shape[:2]} (N, T of the logits), "
                f"got {target.shape}"
            )
        V = pred.shape[2]
        bad = (target != self.ignore_index) & ((target < 0) | (target >= V))
        if bad.any():
            raise ValueError(
                f"MaskedLMLoss: target expected class ids in [0, {V}) or {self.ignore_index} "
                f"(ignored), got {np.unique(target[bad])[:10].tolist()}"
            )


# --8<-- [start:mlm_model]
class BertForMaskedLM(Module):
    """A BertModel and a linear layer to vocabulary logits at every position.

    Shapes: input_ids (N, T), attention_mask (N, T) or None -> logits (N, T, V).
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
        self.encoder = BertModel(config, rng=rng, dtype=dtype)
        self.mlm_head = Dense(
            config.d_model, config.vocab_size, init="xavier", rng=rng, dtype=dtype
        )

    def forward(
        self, input_ids: np.ndarray, attention_mask: np.ndarray | None = None
    ) -> np.ndarray:
        h = self.encoder(input_ids, attention_mask)  # (N, T, d)
        N, T, d = h.shape
        return self.mlm_head(h.reshape(N * T, d)).reshape(N, T, -1)

    def backward(self, grad_out: np.ndarray) -> None:
        N, T, V = grad_out.shape
        grad_h = self.mlm_head.backward(grad_out.reshape(N * T, V))
        return self.encoder.backward(grad_h.reshape(N, T, -1))


# --8<-- [end:mlm_model]


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
        ids: (N, T) token ids of the unlabelled corpus.
        mask_id: the id of [MASK].
        special_ids: ids never chosen for prediction ([PAD], [CLS], [SEP], [MASK]).
        epochs: passes over the corpus.
        batch_size: sentences per step.
        lr: Adam's learning rate.
        rng: shuffles the corpus and draws the masks.

    Returns:
        The loss of every step.
    """
    rng = check_rng("pretrain", rng)
    vocab_size = model.encoder.config.vocab_size
    pad_id = model.encoder.config.pad_id
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
            losses.append(loss_fn(model(inputs, batch != pad_id), labels))
            model.backward(loss_fn.backward())
            optimizer.step()
    return losses


# --8<-- [end:pretrain]
