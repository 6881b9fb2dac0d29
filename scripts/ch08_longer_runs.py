"""Chapter 8: the experiments of the recurrent-networks lab over several seeds, and longer runs.

The lab trains each model once, with one seed, within its time budget. This script measures how
much those results move with the seed and what longer training reaches; the lab's text quotes
its output.

    python scripts/ch08_longer_runs.py tbptt    # lab's char-LSTM, carried vs reset state, 3 seeds
    python scripts/ch08_longer_runs.py memory   # delayed-sign task, 200 and 2000 steps, 3 seeds
    python scripts/ch08_longer_runs.py long     # the lab's char-LSTM trained 10x longer

Runs on one BLAS thread, as the lab does; prints one line per run and a summary.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from nnfs import GRU, LSTM, RNN, Dense  # noqa: E402
from nnfs.datasets import SHAKESPEARE_PLAYS, load_shakespeare, make_delayed_sign  # noqa: E402
from nnfs.losses import SoftmaxCrossEntropy  # noqa: E402
from nnfs.models import CharRNN, CharVocabulary, stream_windows  # noqa: E402
from nnfs.optim import Adam, clip_grad_norm  # noqa: E402
from nnfs.sampling import perplexity  # noqa: E402

# The lab's settings (docs/08-recurrent-networks/lab.py); keep them in step.
VALIDATION_PLAY = "Macbeth"
HIDDEN, EMBED, BATCH, WINDOW, LR, STEPS = 128, 32, 32, 32, 0.01, 400
MAX_DELAY, MEMORY_HIDDEN = 40, 16


def shakespeare_ids() -> tuple[CharVocabulary, np.ndarray, np.ndarray]:
    train_text = load_shakespeare([p for p in SHAKESPEARE_PLAYS if p != VALIDATION_PLAY])
    val_text = load_shakespeare([VALIDATION_PLAY])
    vocab = CharVocabulary(train_text + val_text)
    return vocab, vocab.encode(train_text), vocab.encode(val_text)


def train_char_lstm(
    train_ids: np.ndarray, vocab_size: int, carry_state: bool, steps: int, seed: int
) -> CharRNN:
    model = CharRNN(vocab_size, HIDDEN, embed_dim=EMBED, rng=np.random.default_rng(seed))
    optimizer, loss_fn = Adam(model.parameters(), lr=LR), SoftmaxCrossEntropy()
    state, step = None, 0
    while step < steps:  # more than one pass over the text for long runs
        for inputs, targets in stream_windows(train_ids, BATCH, WINDOW):
            optimizer.zero_grad()
            logits = model(inputs, state if carry_state else None)
            loss_fn(logits.reshape(-1, vocab_size), targets.reshape(-1))
            model.backward(loss_fn.backward().reshape(logits.shape))
            clip_grad_norm(model.parameters(), 1.0)
            optimizer.step()
            state, step = model.state, step + 1
            if step == steps:
                break
    return model


def tbptt(seeds: list[int]) -> None:
    vocab, train_ids, val_ids = shakespeare_ids()
    rows = []
    for seed in seeds:
        start = time.process_time()
        carried = train_char_lstm(train_ids, len(vocab), True, STEPS, seed)
        reset = train_char_lstm(train_ids, len(vocab), False, STEPS, seed)
        row = {
            "carried": perplexity(carried.evaluate(val_ids, window=WINDOW, carry_state=True)),
            "reset": perplexity(reset.evaluate(val_ids, window=WINDOW, carry_state=False)),
            "reset, carried eval": perplexity(
                reset.evaluate(val_ids, window=WINDOW, carry_state=True)
            ),
        }
        rows.append(row)
        shown = ", ".join(f"{k} {v:.3f}" for k, v in row.items())
        print(f"seed {seed}: validation perplexity {shown} ({time.process_time() - start:.0f} s)")
    for key in rows[0]:
        values = [r[key] for r in rows]
        print(f"{key}: {min(values):.3f} .. {max(values):.3f}")
    gaps = [r["reset"] - r["carried"] for r in rows]
    print(f"reset - carried: {min(gaps):.3f} .. {max(gaps):.3f}")


def long(seed: int, factor: int) -> None:
    vocab, train_ids, val_ids = shakespeare_ids()
    start = time.process_time()
    model = train_char_lstm(train_ids, len(vocab), True, factor * STEPS, seed)
    val = perplexity(model.evaluate(val_ids, window=WINDOW, carry_state=True))
    train = perplexity(model.evaluate(train_ids[:200_000], window=WINDOW, carry_state=True))
    print(
        f"{factor * STEPS} steps ({time.process_time() - start:.0f} s): train {train:.3f}, "
        f"validation {val:.3f}"
    )
    prompt = vocab.encode(load_shakespeare([VALIDATION_PLAY])[5000:5400])[None]
    out = model.generate(prompt, 400, temperature=0.8, rng=np.random.default_rng(1))
    print(vocab.decode(out[0, prompt.shape[1] :]))


def train_memory(cls: type, steps: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    rnn = cls(2, MEMORY_HIDDEN, rng=rng, dtype=np.float32)
    head = Dense(MEMORY_HIDDEN, 2, init="xavier", rng=rng, dtype=np.float32)
    params = rnn.parameters() + head.parameters()
    optimizer, loss_fn = Adam(params, lr=0.01), SoftmaxCrossEntropy()
    for step in range(steps):
        X, y, _ = make_delayed_sign(32, MAX_DELAY, skew=2.0, seed=1000 * seed + step)
        optimizer.zero_grad()
        out = rnn(X.astype(np.float32))
        loss_fn(head(out[:, -1]), y)
        grad_out = np.zeros_like(out)
        grad_out[:, -1] = head.backward(loss_fn.backward())
        rnn.backward(grad_out)
        clip_grad_norm(params, 1.0)
        optimizer.step()
    return rnn, head


def memory(seeds: list[int], steps: int) -> None:
    X_test, y_test, delay_test = make_delayed_sign(2000, MAX_DELAY, seed=99)
    X_test = X_test.astype(np.float32)
    for cls in (RNN, LSTM, GRU):
        means, worsts = [], []
        for seed in seeds:
            start = time.process_time()
            rnn, head = train_memory(cls, steps, seed)
            correct = head(rnn(X_test)[:, -1]).argmax(axis=1) == y_test
            per_delay = np.array([correct[delay_test == d].mean() for d in range(MAX_DELAY + 1)])
            means.append(per_delay.mean())
            worsts.append(per_delay.min())
            print(
                f"{cls.__name__} seed {seed}, {steps} steps: mean accuracy {means[-1]:.3f}, "
                f"worst delay {worsts[-1]:.3f} ({time.process_time() - start:.1f} s)"
            )
        shown_means = " ".join(f"{m:.3f}" for m in means)
        shown_worsts = " ".join(f"{w:.3f}" for w in worsts)
        print(
            f"{cls.__name__}: mean {np.mean(means):.3f} (seeds {shown_means}), "
            f"worst delay {shown_worsts}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=["tbptt", "memory", "long"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args()
    if args.experiment == "tbptt":
        tbptt(args.seeds)
    elif args.experiment == "memory":
        for steps in args.steps:
            memory(args.seeds, steps)
    else:
        long(args.seeds[0], args.factor)


if __name__ == "__main__":
    main()
