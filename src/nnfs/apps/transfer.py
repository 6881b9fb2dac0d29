"""Transfer learning: reuse a trained backbone, put a new head on it, fine-tune in two phases.

Phase 1 freezes the backbone and trains only the new head (the backbone is a fixed feature
extractor). Phase 2, optional, unfreezes everything and trains on with a smaller learning rate,
so that the pre-trained weights move a little towards the new task without being wiped out.
`convert_state_dict` renames (and transposes) the arrays of a checkpoint written by another
library so that `Module.load_state_dict` accepts them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from nnfs.checks import check_int
from nnfs.core import Module
from nnfs.layers.dense import Dense
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.optim import Adam
from nnfs.training import History, fit


# --8<-- [start:transfer_model]
class TransferModel(Module):
    """A backbone (pre-trained features) followed by a new head: y = head(backbone(x)).

    While every backbone parameter is frozen the backbone runs in eval mode (dropout off,
    batch-norm running statistics neither used for training nor updated) and `backward` stops
    at the head: nothing upstream needs dL/dx, so the backbone's backward is skipped entirely.

    Shapes: x as the backbone takes it -> features (N, F) -> y (N, K).
    """

    def __init__(self, backbone: Module, head: Module) -> None:
        super().__init__()
        self.backbone, self.head = backbone, head

    @property
    def backbone_frozen(self) -> bool:
        return all(p.frozen for p in self.backbone.parameters())

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.backbone_frozen:
            self.backbone.eval()  # a frozen feature extractor behaves as at inference
        return self.head(self.backbone(x))

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        grad_features = self.head.backward(grad_out)
        if self.backbone_frozen:
            return None  # no trainable parameter upstream: skip the backbone's backward
        return self.backbone.backward(grad_features)


# --8<-- [end:transfer_model]


# --8<-- [start:replace_head]
def replace_head(
    backbone: Module,
    num_features: int,
    num_classes: int,
    *,
    rng: np.random.Generator | None = None,
    dtype: type = np.float64,
) -> TransferModel:
    """Put a fresh linear classifier `Dense(num_features, num_classes)` on a trained backbone.

    The new head starts with Xavier weights (it feeds a softmax, not a ReLU) and zero bias.
    """
    head = Dense(num_features, num_classes, init="xavier", rng=rng, dtype=dtype)
    return TransferModel(backbone, head)


# --8<-- [end:replace_head]


# --8<-- [start:extract_features]
def extract_features(
    backbone: Module | Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    batch_size: int = 64,
) -> np.ndarray:
    """backbone(X) computed `batch_size` rows at a time, in eval mode: (N, ...) -> (N, F...).

    A frozen backbone's outputs never change, so a training run computes them once and reuses
    them every epoch. Batches bound the memory of the layers' caches (im2col matrices).
    """
    check_int("extract_features", "batch_size", batch_size, minimum=1)
    if isinstance(backbone, Module):
        backbone.eval()
    parts = [backbone(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
    return np.concatenate(parts)


# --8<-- [end:extract_features]


# --8<-- [start:fine_tune]
def fine_tune(
    model: TransferModel,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int = 20,
    lr: float = 1e-2,
    unfreeze_epochs: int = 0,
    unfreeze_lr: float = 1e-3,
    batch_size: int = 32,
    rng: np.random.Generator | None = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
) -> History:
    """Train the head on a frozen backbone's (cached) features, then optionally everything.

    Args:
        model: a `TransferModel` (see `replace_head`).
        X: the new task's training inputs, as the backbone takes them.
        y: integer labels (N,).
        epochs: phase 1, epochs of Adam on the head only (the backbone is frozen).
        lr: phase 1's learning rate.
        unfreeze_epochs: phase 2, epochs of Adam on every parameter; 0 skips the phase.
        unfreeze_lr: phase 2's (smaller) learning rate.
        batch_size: passed to `nnfs.training.fit`.
        rng: shuffles the batches.
        validation: optional (X_val, y_val), evaluated after every epoch.

    Returns:
        The History of both phases one after the other, plus "phase" (1 or 2) per epoch.
    """
    loss_fn = SoftmaxCrossEntropy()
    model.backbone.freeze().eval()
    model.head.unfreeze()
    # Phase 1: with the backbone frozen (and in eval mode) its outputs are fixed numbers, so
    # they are computed once and the head is trained on them: softmax regression on features.
    features = extract_features(model.backbone, X, batch_size=max(batch_size, 64))
    if validation is not None:
        X_val, y_val = validation
        validation_features = (extract_features(model.backbone, X_val), y_val)
    else:
        validation_features = None
    history = fit(
        model.head, loss_fn, Adam(model.head.parameters(), lr=lr), features, y,
        epochs=epochs, batch_size=batch_size, rng=rng, validation=validation_features,
    )  # fmt: skip
    history.metrics["phase"] = [1.0] * epochs
    if unfreeze_epochs:
        model.backbone.unfreeze()
        # A fresh optimizer: Adam's moment estimates from phase 1 only covered the head.
        optimizer = Adam(model.parameters(), lr=unfreeze_lr)
        phase2 = fit(
            model, loss_fn, optimizer, X, y, epochs=unfreeze_epochs, batch_size=batch_size,
            rng=rng, validation=validation,
        )  # fmt: skip
        for name, values in phase2.metrics.items():
            history.metrics.setdefault(name, []).extend(values)
        history.metrics["phase"].extend([2.0] * unfreeze_epochs)
    return history


# --8<-- [end:fine_tune]


# --8<-- [start:few_labels]
def few_labels(
    y: np.ndarray, per_class: int, rng: np.random.Generator, pool: np.ndarray | None = None
) -> np.ndarray:
    """Indices of `per_class` examples of every class, drawn without replacement.

    Args:
        y: integer labels (N,).
        per_class: how many examples of each class to draw.
        rng: the Generator that draws them.
        pool: draw only among these indices (default: all of y).

    Returns:
        (K * per_class,) indices into y, class by class.
    """
    check_int("few_labels", "per_class", per_class, minimum=1)
    pool = np.arange(len(y)) if pool is None else np.asarray(pool)
    chosen = []
    for c in np.unique(y[pool]):
        members = pool[y[pool] == c]
        if len(members) < per_class:
            raise ValueError(
                f"few_labels: per_class expected at most {len(members)} (class {c}), got "
                f"{per_class}"
            )
        chosen.append(rng.choice(members, per_class, replace=False))
    return np.concatenate(chosen)


def grey_to_rgb(images: np.ndarray, size: int) -> np.ndarray:
    """Grey images in [0, 1] (N, 1, H, W) -> RGB (N, size, size, 3) in 0..255, for VGG16.

    Bilinear resizing (`nnfs.datasets.linear_resize_matrix`), then the grey value copied into
    the three channels: a grey photo as a colour network expects it.
    """
    from nnfs.datasets import linear_resize_matrix

    rows = linear_resize_matrix(size, images.shape[2]).astype(images.dtype)
    cols = linear_resize_matrix(size, images.shape[3]).astype(images.dtype)
    grey = np.clip(rows @ images[:, 0] @ cols.T, 0.0, 1.0) * 255.0  # (N, size, size)
    return np.repeat(grey[..., None], 3, axis=-1)


# --8<-- [end:few_labels]


# --8<-- [start:convert_state_dict]
def convert_state_dict(
    state: Mapping[str, np.ndarray],
    names: Mapping[str, str],
    transpose: tuple[str, ...] = (),
    dtype: type | None = None,
) -> dict[str, np.ndarray]:
    """Rename the arrays of a foreign checkpoint to our dotted names.

    Args:
        state: the checkpoint's arrays under its own names (e.g. loaded from a .npz).
        names: {their name: our name}; arrays not named here are dropped (with a
            mismatch in the model, `load_state_dict` then reports the missing keys).
        transpose: their names whose 2-D array must be transposed. A torch `nn.Linear`
            stores weight (out, in); our `Dense.W` is (in, out).
        dtype: cast every array to this dtype (None keeps theirs).

    Returns:
        {our name: array}, ready for `module.load_state_dict`.
    """
    unknown = sorted(set(names) - set(state))
    if unknown:
        raise ValueError(f"convert_state_dict: names {unknown} are not in the checkpoint")
    converted = {}
    for theirs, ours in names.items():
        array = np.asarray(state[theirs])
        if theirs in transpose:
            array = array.T
        converted[ours] = np.ascontiguousarray(array, dtype=dtype or array.dtype)
    return converted


# --8<-- [end:convert_state_dict]
