"""Train the chapter 9 lab's GPT for longer than the lab can, to say what a longer run reaches.

The lab trains a 2-block GPT (d 64, 4 heads, d_ff 256, context 64, tied weights) on
Shakespeare's characters for 350 steps. This script trains the same model, with the same data
split, batch and optimizer, for `--steps` steps and several seeds (seed 0 is the lab's run),
and prints the validation loss at the lab's step count and every `--every` steps, and a sample
at the end. The chapter's GPT page quotes its output (scripts/gpt_shakespeare.out.txt):

    python scripts/gpt_shakespeare.py --steps 3000 --seeds 0 1 2 > scripts/gpt_shakespeare.out.txt
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from nnfs.datasets import load_shakespeare  # noqa: E402
from nnfs.losses import SoftmaxCrossEntropy  # noqa: E402
from nnfs.models import GPT, GPTConfig  # noqa: E402
from nnfs.optim import Adam  # noqa: E402

CONTEXT, BATCH, LAB_STEPS = 64, 16, 350


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--every", type=int, default=500)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()

    text = load_shakespeare()
    chars = sorted(set(text))
    encode = {c: i for i, c in enumerate(chars)}
    data = np.array([encode[c] for c in text], dtype=np.int64)
    n_val = len(data) // 10
    train_data, val_data = data[:-n_val], data[-n_val:]
    vocab = len(chars)
    # A larger validation sample than the lab's 128 windows: 1,024 windows of 64 characters.
    val_starts = np.random.default_rng(2).integers(0, len(val_data) - CONTEXT - 1, 1024)
    val_x = np.stack([val_data[s : s + CONTEXT] for s in val_starts])
    val_y = np.stack([val_data[s + 1 : s + CONTEXT + 1] for s in val_starts])
    loss_fn = SoftmaxCrossEntropy()

    for seed in args.seeds:
        config = GPTConfig(vocab, CONTEXT, 64, 4, 256, 2)
        gpt = GPT(config, rng=np.random.default_rng(seed), dtype=np.float32)
        optimizer = Adam(gpt.parameters(), lr=3e-3)
        batch_rng = np.random.default_rng(seed + 1)
        start = time.perf_counter()
        for step in range(1, args.steps + 1):
            starts = batch_rng.integers(0, len(train_data) - CONTEXT - 1, BATCH)
            x = np.stack([train_data[s : s + CONTEXT] for s in starts])
            y = np.stack([train_data[s + 1 : s + CONTEXT + 1] for s in starts])
            logits = gpt(x)
            loss_fn(logits.reshape(-1, vocab), y.reshape(-1))
            optimizer.zero_grad()
            gpt.backward(loss_fn.backward().reshape(logits.shape))
            optimizer.step()
            if step % args.every == 0 or step == LAB_STEPS:
                gpt.eval()
                val = np.mean(
                    [
                        loss_fn(
                            gpt(val_x[i : i + 128]).reshape(-1, vocab),
                            val_y[i : i + 128].reshape(-1),
                        )
                        for i in range(0, len(val_x), 128)
                    ]
                )
                gpt.train()
                print(
                    f"seed {seed} step {step}: validation loss {val:.3f} "
                    f"({time.perf_counter() - start:.0f} s)",
                    flush=True,
                )
        prompt = np.array([[encode[c] for c in "OTHELLO.\n"]])
        out = gpt.generate(prompt, 300, temperature=0.8, rng=np.random.default_rng(0))
        print("".join(chars[i] for i in out[0]), flush=True)


if __name__ == "__main__":
    main()
