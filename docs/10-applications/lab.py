# %% [markdown]
# # Lab: transfer learning, a mini BERT, and style transfer
#
# Three experiments with pre-trained networks, each small enough to run in seconds:
#
# 1. **Transfer learning.** A small CNN is pre-trained on the digits 0-4, saved, reloaded, and
#    fine-tuned on the digits 5-9 with only 10 labelled images per class. We compare it with the
#    same network trained from scratch on those 50 images, over five seeds.
# 2. **A mini BERT.** A two-layer transformer encoder is pre-trained by filling in masked words
#    of generated reviews, then fine-tuned to classify 40 labelled reviews as good or bad. We
#    compare it with the same model trained from scratch.
# 3. **Style transfer.** A frozen random-weight CNN turns a picture of flat shapes into one
#    painted with stripes; we show the three images and the losses of every step.
#
# The models are pre-trained here, not downloaded: the workflow (pre-train, save with
# `nnfs.serialization`, load, fine-tune) is the one you follow with real checkpoints.

# %%
import os

# Every matrix in this lab is small. One BLAS thread is then faster than several, and much
# faster when other programs share the CPU (waiting threads spin). It must be set before NumPy
# is imported; in a kernel that already imported NumPy this line changes nothing.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from nnfs import serialization
from nnfs.apps.style_transfer import make_content_image, make_style_image, random_cnn, stylize
from nnfs.apps.transfer import fine_tune, replace_head
from nnfs.datasets import load_digits, place_randomly
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models import BertConfig, BertForMaskedLM, BertForSequenceClassification, SmallCNN
from nnfs.models.bert import pretrain
from nnfs.optim import Adam
from nnfs.text_data import make_review_corpus, make_review_task, review_vocabulary
from nnfs.training import evaluate, fit

checkpoints = Path(tempfile.mkdtemp())  # where the "pre-trained weights" go
loss_fn = SoftmaxCrossEntropy()

# %% [markdown]
# ## 1. Transfer learning on digits
#
# The 8x8 digits are pasted at random positions on a 12x12 canvas, so a network must learn to
# recognise strokes wherever they are. Pre-training sees the 900-odd images of 0-4, each pasted
# at three random positions; the new task is 5-9 with 10 labelled images per class.

# %%
start = time.perf_counter()
digits8, labels = load_digits(8, dtype=np.float32)
images = place_randomly(digits8, 12, seed=0)  # (1797, 1, 12, 12)
source = labels < 5
# Three copies of each 0-4 image at different random positions: ~2,800 training images.
X_source = np.concatenate(
    [images[source]] + [place_randomly(digits8[source], 12, seed=s) for s in (1, 2)]
)
y_source = np.tile(labels[source], 3)

backbone_net = SmallCNN(5, image_size=12, rng=np.random.default_rng(0), dtype=np.float32)
history = fit(
    backbone_net, loss_fn, Adam(backbone_net.parameters(), lr=3e-3), X_source, y_source,
    epochs=6, batch_size=64, rng=np.random.default_rng(1),
)
serialization.save(backbone_net, checkpoints / "digits-0-4.npz")
print(f"pre-training accuracy on 0-4: {history['accuracy'][-1]:.3f}")

# %% [markdown]
# Each seed draws a different set of 10 labelled images per class of 5-9; every other image of
# 5-9 is the test set. The fine-tuned model loads the saved network, replaces its head, trains
# the head for 20 epochs with the backbone frozen, then everything for 30 epochs at a tenth of
# the learning rate. The scratch model is the same architecture trained for 50 epochs.

# %%
target = np.flatnonzero(labels >= 5)


def few_shot_split(seed, per_class=10):
    rng = np.random.default_rng(100 + seed)
    train = np.concatenate(
        [rng.choice(target[labels[target] == c], per_class, replace=False) for c in range(5, 10)]
    )
    test = np.setdiff1d(target, train)
    return images[train], labels[train] - 5, images[test], labels[test] - 5


def fine_tuned(seed, X, y, X_test, y_test):
    net = SmallCNN(5, image_size=12, rng=np.random.default_rng(seed), dtype=np.float32)
    serialization.load(net, checkpoints / "digits-0-4.npz")  # the pre-trained weights
    model = replace_head(net.features, net.num_features, 5, rng=np.random.default_rng(seed),
                         dtype=np.float32)
    rng = np.random.default_rng(seed)
    fine_tune(model, X, y, epochs=20, lr=1e-2, batch_size=10, rng=rng)
    frozen_accuracy = evaluate(model, loss_fn, X_test, y_test)[1]
    fine_tune(model, X, y, epochs=0, unfreeze_epochs=30, unfreeze_lr=1e-3, batch_size=10, rng=rng)
    return frozen_accuracy, evaluate(model, loss_fn, X_test, y_test)[1]


def from_scratch(seed, X, y, X_test, y_test):
    net = SmallCNN(5, image_size=12, rng=np.random.default_rng(seed), dtype=np.float32)
    fit(net, loss_fn, Adam(net.parameters(), lr=3e-3), X, y, epochs=50, batch_size=10,
        rng=np.random.default_rng(seed))
    return evaluate(net, loss_fn, X_test, y_test)[1]


seeds = range(5)
results = np.array([[*fine_tuned(s, *few_shot_split(s)), from_scratch(s, *few_shot_split(s))]
                    for s in seeds])
frozen_acc, tuned_acc, scratch_acc = results.T
for s, row in zip(seeds, results, strict=True):
    print(f"seed {s}: frozen head {row[0]:.3f}, fine-tuned {row[1]:.3f}, scratch {row[2]:.3f}")
margin = 100 * (tuned_acc - scratch_acc)
print(f"fine-tuned minus scratch: {margin.mean():.1f} points on average "
      f"(min {margin.min():.1f}, max {margin.max():.1f})")
print(f"part 1 took {time.perf_counter() - start:.1f} s")

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.27
x = np.arange(len(seeds))
for i, (acc, name) in enumerate(
    [(scratch_acc, "from scratch"), (frozen_acc, "frozen backbone, new head"),
     (tuned_acc, "then fine-tuned")]
):
    ax.bar(x + (i - 1) * width, acc, width, label=name)
ax.set_xticks(x, [f"seed {s}" for s in seeds])
ax.set_ylim(0.3, 1.0)
ax.set_ylabel("test accuracy on 5-9")
ax.set_title("50 labelled images: pre-trained on 0-4 vs from scratch")
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# On every seed the pre-trained network ends above the network trained from scratch. The frozen
# backbone alone (a linear classifier on features learned for other digits) is already a little
# better than training from scratch; fine-tuning all layers gently then adds more. Pre-training
# helps because labels are few and the digits can be anywhere: on plain centred digits, 50
# labels already take the scratch network to about 95% and the gap closes.

# %% [markdown]
# ## 2. A mini BERT: pre-train on unlabelled reviews, fine-tune on 40 labelled ones
#
# The corpus is generated by a small grammar: reviews such as "the staff was not very good",
# followed by how the writer felt ("what a shame"). Masked-word pre-training never sees a label,
# but to fill in "the food was [MASK] , i loved it" or "the film is dull , i [MASK] it" it has to
# learn which adjectives are good and which are bad.

# %%
start = time.perf_counter()
vocab = review_vocabulary()
T = 11
config = BertConfig(vocab_size=len(vocab), max_len=T, d_model=32, num_heads=2, d_ff=64,
                    num_layers=2, pad_id=vocab.pad_id)
corpus = vocab.encode(make_review_corpus(3000, seed=0), T)
mlm = BertForMaskedLM(config, rng=np.random.default_rng(0), dtype=np.float32)
mlm_losses = pretrain(mlm, corpus, mask_id=vocab.mask_id, special_ids=vocab.special_ids,
                      epochs=14, batch_size=64, lr=3e-3, rng=np.random.default_rng(1))
serialization.save(mlm.encoder, checkpoints / "mini-bert-encoder.npz")
print(f"masked-LM loss: {np.mean(mlm_losses[:20]):.2f} -> {np.mean(mlm_losses[-20:]):.2f}")

# %% [markdown]
# What did it learn? We ask it to fill in a masked word and print its three best guesses.

# %%
mlm.eval()
for text in ["the food was [MASK] , i loved it", "the food was [MASK] , i hated it",
             "the film is dull , i [MASK] it", "the film is not dull , i [MASK] it"]:
    ids = vocab.encode([text], T)
    position = int(np.flatnonzero(ids[0] == vocab.mask_id)[0])
    top = np.argsort(mlm(ids)[0, position])[::-1][:3]
    print(f"{text:45s} -> {', '.join(vocab.tokens[i] for i in top)}")

# %% [markdown]
# Fine-tuning: the classifier loads the pre-trained encoder and puts a new linear head on the
# [CLS] vector; every weight is trained on 40 labelled reviews. The scratch model is the same
# classifier with a fresh encoder. The test set is 1,000 other reviews.

# %%
test_sentences, y_test_text = make_review_task(1000, seed=1)
X_test_text = vocab.encode(test_sentences, T)


def classify(seed, pretrained):
    sentences, y = make_review_task(40, seed=100 + seed)
    model = BertForSequenceClassification(config, 2, rng=np.random.default_rng(seed),
                                          dtype=np.float32)
    if pretrained:
        serialization.load(model.encoder, checkpoints / "mini-bert-encoder.npz")
    fit(model, loss_fn, Adam(model.parameters(), lr=1e-3), vocab.encode(sentences, T), y,
        epochs=30, batch_size=8, rng=np.random.default_rng(seed))
    return evaluate(model, loss_fn, X_test_text, y_test_text)[1]


text_seeds = range(3)
bert_tuned = np.array([classify(s, pretrained=True) for s in text_seeds])
bert_scratch = np.array([classify(s, pretrained=False) for s in text_seeds])
for s in text_seeds:
    print(f"seed {s}: fine-tuned {bert_tuned[s]:.3f}, scratch {bert_scratch[s]:.3f}")
print(f"fine-tuned minus scratch: {100 * (bert_tuned - bert_scratch).mean():.1f} points")
print(f"part 2 took {time.perf_counter() - start:.1f} s")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
steps = np.arange(len(mlm_losses))
ax1.plot(steps, mlm_losses, lw=0.6, alpha=0.5)
ax1.plot(steps[19:], np.convolve(mlm_losses, np.ones(20) / 20, mode="valid"), lw=2)
ax1.set_xlabel("pre-training step")
ax1.set_ylabel("masked-LM cross-entropy")
ax1.set_title("Pre-training on 3,000 unlabelled reviews")
x = np.arange(len(text_seeds))
ax2.bar(x - 0.2, bert_scratch, 0.4, label="from scratch")
ax2.bar(x + 0.2, bert_tuned, 0.4, label="pre-trained, fine-tuned")
ax2.axhline(0.5, color="grey", lw=0.8, ls="--")
ax2.set_xticks(x, [f"seed {s}" for s in text_seeds])
ax2.set_ylim(0.3, 1.0)
ax2.set_ylabel("test accuracy")
ax2.set_title("Sentiment from 40 labelled reviews")
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# The masked-LM loss falls from about $\ln 37 \approx 3.6$ (a uniform guess over the 37-word
# vocabulary) as the model learns the grammar, then more slowly as it learns which adjectives
# go with "loved" and which with "hated". With 40 labels a
# model from scratch has seen each adjective two or three times, some never; the pre-trained
# encoder already separates good from bad words and knows that "not" flips them.

# %% [markdown]
# ## 3. Style transfer with a random-weight CNN
#
# The content image is flat shapes; the style image is wavy stripes. The extractor has 64 random
# 5x5 filters, a 2x2 max-pool and 128 random 3x3 filters; the content loss reads
# both layers, and so does the style loss (weighted 3 times the content loss). We take 300 Adam
# steps on the pixels.

# %%
start = time.perf_counter()
content = make_content_image(48, dtype=np.float32)
style = make_style_image(48, dtype=np.float32)
extractor = random_cnn((3, 64, 128), (5, 3), rng=np.random.default_rng(0), dtype=np.float32)
result = stylize(extractor, content, style, style_weight=3.0, steps=300, lr=0.02)
print(f"part 3 took {time.perf_counter() - start:.1f} s")

fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
for ax, image, title in zip(axes, [content, style, result.image],
                            ["content", "style", "stylized"], strict=False):
    ax.imshow(image[0].transpose(1, 2, 0))
    ax.set_title(title)
    ax.axis("off")
axes[3].semilogy(result.history["content"], label="content loss")
axes[3].semilogy(result.history["style"], label="style loss")
axes[3].set_xlabel("Adam step on the pixels")
axes[3].legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# The style loss falls by orders of magnitude while the content loss grows from zero and levels
# off: the optimizer trades a little of the layout for the texture. The shapes stay where they
# were, filled and surrounded with the stripes' colours and diagonal structure. A larger
# `style_weight` gives more texture and less shape (try 10 or 30); a smaller one leaves the
# shapes almost untouched.
