"""What fine-tuning all of all-MiniLM-L6-v2 reaches on the movie-review sentences.

    python scripts/finetune_minilm_full.py            # every experiment, writes the JSON
    python scripts/finetune_minilm_full.py --quick    # a smoke test: tiny sizes, no JSON

The chapter 10 lab measures, on the shorter reviews and 64 labels, a linear classifier on the
frozen sentence embeddings, fine-tuning the top layer, and a one-layer BERT trained from
scratch. This script measures the expensive versions on every review length:

- "probe": a linear classifier on the frozen mean-pooled embeddings, with 64, 256, 4,096 and
  all 9,566 training labels;
- "finetune_all": every weight of the checkpoint fine-tuned (Adam, 10% linear warm-up then
  linear decay, lr 3e-5 for the encoder and 1e-3 for the head, which starts from the probe),
  with 64, 256 and 4,096 labels (8, 4 and 2 epochs);
- "scratch": the same 6-layer architecture from BERT's random initialization, trained the
  same way at lr 1e-4 (its embedding table holds the tokens of its training sentences), with
  64 and 256 labels.

The split is fixed: 1,000 random test sentences, the other 9,566 for training; each seed draws
its own labelled subset (n labels, both classes as drawn) and its own shuffling. Results, with
the settings and timings, go to `scripts/finetune_minilm_full.json`; the book quotes them.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import time
from pathlib import Path

import numpy as np

from nnfs import pretrained
from nnfs.core import Module
from nnfs.datasets import load_movie_reviews
from nnfs.layers import Dense
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models.bert import BertModel, ClassifierHead, pad_sequences
from nnfs.optim import Adam, linear_warmup_decay
from nnfs.pretrained.minilm import sentence_embeddings
from nnfs.training import evaluate, fit

RESULT = Path(__file__).with_suffix(".json")
LOSS = SoftmaxCrossEntropy()


class TextClassifier(Module):
    """A BertModel and a ClassifierHead: token ids (N, T), mask (N, T) -> logits (N, 2)."""

    def __init__(self, encoder: BertModel, head: ClassifierHead) -> None:
        super().__init__()
        self.encoder, self.head = encoder, head

    def forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.head(self.encoder(ids, mask), mask)

    def backward(self, grad_out: np.ndarray) -> None:
        return self.encoder.backward(self.head.backward(grad_out))


def train(net, sequences, labels, groups, *, epochs, batch_size, seed, warmup=0.1):
    """Adam on each (parameters, peak lr) group, with `linear_warmup_decay`: lr rises linearly over
    the first `warmup` of the steps, then falls linearly to 0."""
    steps = epochs * -(-len(sequences) // batch_size)
    optimizers = [Adam(params, lr=lr) for params, lr in groups]
    schedules = [linear_warmup_decay(optimizer, steps, warmup) for optimizer in optimizers]
    rng = np.random.default_rng(seed)
    net.train()
    for _ in range(epochs):
        order = rng.permutation(len(sequences))
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            ids, mask = pad_sequences([sequences[i] for i in chosen])
            for optimizer in optimizers:
                optimizer.zero_grad()
            LOSS(net(ids, mask), labels[chosen])
            net.backward(LOSS.backward())
            for optimizer, schedule in zip(optimizers, schedules, strict=True):
                optimizer.step()
                schedule.step()
    net.eval()


def accuracy(net, sequences, labels, batch_size=64):
    order = np.argsort([len(s) for s in sequences], kind="stable")  # little padding
    correct = 0
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        ids, mask = pad_sequences([sequences[i] for i in chosen])
        correct += int((net(ids, mask).argmax(axis=1) == labels[chosen]).sum())
    return correct / len(sequences)


def probe(features, labels, seed):
    """Logistic regression on frozen features: full-batch Adam, 200 steps."""
    classifier = Dense(features.shape[1], 2, init="zeros", dtype=features.dtype)
    fit(classifier, LOSS, Adam(classifier.parameters(), lr=1e-2), features, labels,
        epochs=200, batch_size=len(features), rng=np.random.default_rng(seed))  # fmt: skip
    return classifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, do not write JSON")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    started = time.process_time()
    model, tokenizer = pretrained.load("all-MiniLM-L6-v2")
    texts, labels = load_movie_reviews()
    order = np.random.default_rng(0).permutation(len(texts))
    n_test = 100 if args.quick else 1000
    test, train_pool = order[:n_test], order[n_test:]
    if args.quick:
        train_pool = train_pool[:300]
    used = order[: n_test + len(train_pool)]
    ids = {i: tokenizer.encode(texts[i], max_length=128)[0] for i in used}
    test_seqs, y_test = [ids[i] for i in test], labels[test]
    sizes = [64, 256] if args.quick else [64, 256, 4096, len(train_pool)]
    plans = {64: (16, 8), 256: (16, 4), 4096: (32, 2)}  # n -> (batch size, epochs)
    results: dict = {"probe": {}, "finetune_all": {}, "scratch": {}}

    t0 = time.process_time()
    features = sentence_embeddings(model, tokenizer, [texts[i] for i in used], normalize=False)
    f_test, f_pool = features[:n_test], features[n_test:]
    results["embedding_cpu_seconds"] = round(time.process_time() - t0, 1)
    for n in sizes:
        accs = []
        for seed in range(args.seeds):
            pick = np.random.default_rng(100 + seed).choice(len(train_pool), n, replace=False)
            accs.append(evaluate(probe(f_pool[pick], labels[train_pool][pick], seed), LOSS,
                                 f_test, y_test)[1])  # fmt: skip
        results["probe"][str(n)] = accs
        print(f"probe, {n} labels: {np.round(accs, 3)}", flush=True)

    # (kind, labels, seeds), cheapest first; 4,096 labels take several CPU-minutes per run
    runs = [("finetune_all", 64, args.seeds), ("finetune_all", 256, args.seeds),
            ("scratch", 64, args.seeds), ("scratch", 256, args.seeds),
            ("finetune_all", 4096, min(args.seeds, 2))]  # fmt: skip
    if args.quick:
        runs = [("finetune_all", 64, args.seeds), ("scratch", 64, args.seeds)]
    for kind, n, n_seeds in runs:
        seeds = range(n_seeds)
        accs, seconds = [], []
        for seed in seeds:
            t0 = time.process_time()  # CPU seconds: wall time depends on the machine's load
            pick = np.random.default_rng(100 + seed).choice(len(train_pool), n, replace=False)
            chosen = train_pool[pick]
            seqs, y = [ids[i] for i in chosen], labels[chosen]
            head = ClassifierHead(384, 2, dropout=0.1, rng=np.random.default_rng(seed),
                                  dtype=np.float32)  # fmt: skip
            if kind == "finetune_all":
                encoder = copy.deepcopy(model)
                head.classifier.load_state_dict(probe(f_pool[pick], y, seed).state_dict())
                groups = [(encoder.parameters(), 3e-5), (head.parameters(), 1e-3)]
                test_seqs_k = test_seqs
            else:
                vocab = np.unique(np.concatenate([*seqs, [0, 100, 101, 102]]))
                remap = np.full(len(tokenizer), np.searchsorted(vocab, 100))
                remap[vocab] = np.arange(len(vocab))  # unseen tokens -> [UNK]
                config = copy.copy(model.config)
                config.vocab_size = len(vocab)
                encoder = BertModel(config, rng=np.random.default_rng(seed), dtype=np.float32)
                seqs = [remap[s] for s in seqs]
                test_seqs_k = [remap[s] for s in test_seqs]
                groups = [(encoder.parameters() + head.parameters(), 1e-4)]
            net = TextClassifier(encoder, head)
            batch_size, epochs = plans[n]
            train(net, seqs, y, groups, epochs=epochs, batch_size=batch_size, seed=seed)
            accs.append(accuracy(net, test_seqs_k, y_test))
            seconds.append(round(time.process_time() - t0, 1))
            print(f"{kind}, {n} labels, seed {seed}: {accs[-1]:.3f} ({seconds[-1]} CPU s)",
                  flush=True)  # fmt: skip
        results[kind][str(n)] = accs
        results[f"{kind}_cpu_seconds"] = results.get(f"{kind}_cpu_seconds", []) + seconds
        if not args.quick:  # after every experiment, so that a long run can be stopped
            RESULT.write_text(json.dumps(results, indent=1) + "\n")
    results["settings"] = {
        "test_sentences": n_test, "train_pool": len(train_pool), "plans": plans,
        "lr": {"finetune_all": [3e-5, 1e-3], "scratch": 1e-4}, "warmup": 0.1,
        "dropout": 0.1, "max_length": 128,
    }  # fmt: skip
    results["machine"] = {"python": platform.python_version(), "numpy": np.__version__,
                          "cpu_seconds": round(time.process_time() - started)}  # fmt: skip
    print(json.dumps({k: results[k] for k in ("probe", "finetune_all", "scratch")}, indent=1))
    if not args.quick:
        RESULT.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
