"""A character-level language model (a char-RNN): Embedding -> recurrent layers -> Dense.

It reads a text one character at a time and predicts, at every position, the next character.
Training uses *teacher forcing*: the input at step t is the true character t, whatever the model
would have predicted there, and the target is the true character t + 1. Long texts are cut into
windows of consecutive characters that carry the recurrent state from one window to the next
(*truncated BPTT*, `stream_windows`). Generation feeds each sampled character back in, one step
at a time (Sutskever et al., 2011; Graves, 2013).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from nnfs.checks import check_array, check_choice, check_int, check_rng, check_shape
from nnfs.core import Module
from nnfs.functional import log_softmax
from nnfs.layers.dense import Dense
from nnfs.layers.embedding import Embedding
from nnfs.layers.gru import GRU
from nnfs.layers.lstm import LSTM
from nnfs.layers.rnn import RNN
from nnfs.sampling import sample_next


# --8<-- [start:vocabulary]
class CharVocabulary:
    """The distinct characters of a text, sorted, numbered 0 .. V-1.

    `encode(text)` gives int64 ids, `decode(ids)` the string back; a character that is not in
    the vocabulary raises a ValueError naming it.
    """

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text:
            raise ValueError(f"CharVocabulary: text expected a non-empty str, got {text!r:.40}")
        self.chars = sorted(set(text))
        self._codes = np.array([ord(ch) for ch in self.chars], dtype=np.uint32)  # sorted

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """The id of every character of `text`: int64 (len(text),)."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # one code per char
        ids = np.searchsorted(self._codes, codes)  # the position of each code in the sorted list
        unknown = (ids == len(self._codes)) | (self._codes[np.minimum(ids, len(self) - 1)] != codes)
        if unknown.any():
            ch = text[int(np.argmax(unknown))]
            raise ValueError(
                f"CharVocabulary.encode: text expected characters of the vocabulary, got {ch!r}"
            )
        return ids.astype(np.int64)

    def decode(self, ids: np.ndarray) -> str:
        """The characters of a 1-D sequence of ids, joined."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and (ids.min() < 0 or ids.max() >= len(self))):
            raise ValueError(
                f"CharVocabulary.decode: ids expected a 1-D sequence of integers in "
                f"[0, {len(self)}), got shape {ids.shape}"
            )
        return "".join(self.chars[i] for i in ids)

    def __repr__(self) -> str:
        return f"CharVocabulary({len(self)} characters)"


# --8<-- [end:vocabulary]


# --8<-- [start:stream_windows]
def stream_windows(
    ids: np.ndarray, batch_size: int, window: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Cut a token stream into `batch_size` parallel streams and walk them `window` steps at a time.

    Stream n is the n-th of `batch_size` equal consecutive pieces of the text, so row n of each
    window continues row n of the window before: the final state of one window is the right
    initial state of the next (stateful truncated BPTT). Targets are the inputs shifted by one
    token, the next character at every position (teacher forcing).

    Shapes: ids (L,) -> yields (inputs, targets), each (batch_size, window) int64.
    """
    check_shape("stream_windows", "ids", ids, (None,))
    batch_size = check_int("stream_windows", "batch_size", batch_size)
    window = check_int("stream_windows", "window", window)
    length = (len(ids) - 1) // batch_size  # tokens per stream
    if length < window:
        raise ValueError(
            f"stream_windows: ids expected at least batch_size * window + 1 = "
            f"{batch_size * window + 1} tokens, got {len(ids)}"
        )
    inputs = ids[: batch_size * length].reshape(batch_size, length)
    targets = ids[1 : batch_size * length + 1].reshape(batch_size, length)  # one token ahead
    for start in range(0, length - window + 1, window):
        yield inputs[:, start : start + window], targets[:, start : start + window]


# --8<-- [end:stream_windows]

CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


# --8<-- [start:char_rnn]
class CharRNN(Module):
    """Embedding -> `num_layers` recurrent layers -> Dense: next-character logits everywhere.

    Args:
        vocab_size: V, the number of distinct characters.
        hidden_size: H, the state size of each recurrent layer.
        embed_dim: E, the length of each character's vector.
        num_layers: stacked recurrent layers.
        cell: "lstm", "gru" or "rnn".
        rng: draws every initial weight.
        dtype: float32 (the default, for speed) or float64 (for gradient checks).

    Shapes: ids (N, T) int -> logits (N, T, V). After each forward, `state` holds the final
    recurrent state ((h_n, c_n) for an LSTM, h_n otherwise, each (num_layers, N, H)), ready to
    be passed to the next forward call.
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int,
        *,
        embed_dim: int = 32,
        num_layers: int = 1,
        cell: str = "lstm",
        rng: np.random.Generator | None = None,
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        check_choice("CharRNN", "cell", cell, tuple(CELLS))
        rng = check_rng("CharRNN", rng)
        self.vocab_size = check_int("CharRNN", "vocab_size", vocab_size)
        self.embed = Embedding(vocab_size, embed_dim, rng=rng, dtype=dtype)
        self.rnn = CELLS[cell](embed_dim, hidden_size, num_layers, rng=rng, dtype=dtype)
        self.head = Dense(hidden_size, vocab_size, init="xavier", rng=rng, dtype=dtype)
        self.state: Any = None

    def forward(self, ids: np.ndarray, state: Any = None) -> np.ndarray:
        """ids (N, T), state from an earlier call or None for zeros -> logits (N, T, V)."""
        check_array("CharRNN", "ids", ids)
        check_shape("CharRNN", "ids", ids, (None, None))
        h = self.rnn(self.embed(ids), state)  # (N, T, H)
        self.state = (self.rnn.h_n, self.rnn.c_n) if isinstance(self.rnn, LSTM) else self.rnn.h_n
        N, T, H = h.shape
        return self.head(h.reshape(N * T, H)).reshape(N, T, self.vocab_size)

    def backward(self, grad_logits: np.ndarray) -> None:
        """dL/dlogits (N, T, V) -> None; fills the gradients of every parameter.

        BPTT stops at the first step of the window: the state it started from is a constant
        here, so no gradient flows into the window before (the truncation).
        """
        N, T, V = self.rnn.outputs.shape[0], self.rnn.outputs.shape[1], self.vocab_size
        check_shape("CharRNN", "grad_logits", grad_logits, (N, T, V))
        grad_h = self.head.backward(grad_logits.reshape(N * T, V)).reshape(N, T, -1)
        self.embed.backward(self.rnn.backward(grad_h))

    # --8<-- [end:char_rnn]

    # --8<-- [start:generate]
    def generate(
        self,
        prompt: np.ndarray,
        max_new_tokens: int,
        *,
        temperature: float = 1.0,
        top_k: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> np.ndarray:
        """Continue every row of `prompt` by `max_new_tokens` sampled characters.

        The prompt is read in one forward pass; then each step feeds the character just drawn,
        with the state carried over, so a new character costs one recurrent step whatever the
        length of the text so far. `temperature=0` is greedy decoding. Overwrites the caches of
        the last forward pass (call it between training steps, not inside one).

        Shapes: prompt (N, T0) int -> (N, T0 + max_new_tokens) int64.
        """
        max_new_tokens = check_int("CharRNN.generate", "max_new_tokens", max_new_tokens, 0)
        tokens = [np.asarray(prompt, dtype=np.int64)]
        logits = self.forward(tokens[0])  # (N, T0, V): the prompt sets the state
        for k in range(max_new_tokens):
            next_ids = sample_next(logits[:, -1], temperature=temperature, top_k=top_k, rng=rng)
            tokens.append(next_ids[:, None])
            if k + 1 < max_new_tokens:
                logits = self.forward(tokens[-1], self.state)  # (N, 1, V): one step
        return np.concatenate(tokens, axis=1)

    # --8<-- [end:generate]

    # --8<-- [start:evaluate]
    def evaluate(
        self, ids: np.ndarray, *, batch_size: int = 32, window: int = 100, carry_state: bool = True
    ) -> float:
        """Mean negative log-likelihood of the next character over a text, in nats per character.

        The text is read as `stream_windows(ids, batch_size, window)`; with `carry_state` each
        window starts from the final state of the one before (as stateful training does),
        otherwise from zeros. exp of the result is the perplexity.
        """
        total, count, state = 0.0, 0, None
        for inputs, targets in stream_windows(ids, batch_size, window):
            logits = self.forward(inputs, state if carry_state else None)
            log_p = log_softmax(logits.astype(np.float64), axis=-1)  # (N, T, V)
            total -= float(np.take_along_axis(log_p, targets[..., None], axis=-1).sum())
            count += targets.size
            state = self.state
        return total / count

    # --8<-- [end:evaluate]

    def __repr__(self) -> str:
        return (
            f"CharRNN(vocab_size={self.vocab_size}, rnn={self.rnn!r}, embed_dim={self.embed.dim})"
        )
