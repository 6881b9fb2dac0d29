# %% [markdown]
# # Lab: transformers, a GPT, a U-Net and a VAE
#
# Short experiments, one per idea of the chapter, each trained from scratch in seconds
# with the package's layers:
#
# 1. the **sinusoidal positional encodings** as a picture;
# 2. a one-block **transformer encoder** learns to *sort* digits, and its attention maps
#    show which input position each output position reads;
# 3. **pre-norm against post-norm**: a deeper encoder at a high learning rate;
# 4. a **GPT** learns to write Shakespeare, one character at a time: its losses, its
#    samples as training goes on, and the **KV cache** that makes generation fast;
# 5. a **U-Net** segments shapes on noisy, unevenly lit backgrounds;
# 6. a **variational autoencoder** with a 2-D latent space learns handwritten digits.
#
# Every random number comes from a seeded `Generator`, so a rerun repeats the experiment
# (the last digits of float32 results can differ between machines). Every number the
# text states is asserted by the cell that computes it.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from nnfs.datasets import load_digits, load_shakespeare, make_shapes_segmentation
from nnfs.layers import Dense, Embedding, LayerNorm
from nnfs.layers import PositionalEncoding, TransformerEncoder
from nnfs.layers.transformer import positional_encoding
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models import GPT, VAE, GPTConfig, UNet, VAELoss
from nnfs.models.unet import mean_iou
from nnfs.optim import Adam
from nnfs.sampling import perplexity

# %% [markdown]
# ## 1. The sinusoidal positional encodings
#
# Row t is the vector added to the token at position t: column pair i holds
# sin and cos of t / 10000^(2i/d). The first columns turn fast (wavelength 2 pi, about
# 6 positions), the last ones so slowly that they barely move over 100 positions.

# %%
pe = positional_encoding(100, 64)
fig, ax = plt.subplots(figsize=(10, 3.6))
image = ax.imshow(pe, cmap="RdBu", aspect="auto", vmin=-1, vmax=1)
fig.colorbar(image, ax=ax, label="PE[t, j]")
ax.set(xlabel="column j (pairs: sin, cos)", ylabel="position t",
       title="sinusoidal positional encodings, d = 64")
plt.show()
wavelengths = 2 * np.pi * 10000 ** (np.arange(0, 64, 2) / 64)
print(f"wavelengths: {wavelengths[0]:.2f} ... {wavelengths[-1]:.0f} positions")
assert np.isclose(wavelengths[-1], 2 * np.pi * 10000 ** (62 / 64))
# Every position gets its own vector: the closest two of the 100 rows are far apart.
gaps = np.linalg.norm(pe[:, None] - pe[None], axis=-1) + 1e9 * np.eye(100)
assert gaps.min() > 0.9

# %% [markdown]
# Left to right the stripes widen: each column pair is a clock hand, and together they
# give every position a distinct code in which a shift by k positions is a rotation
# (the [transformer block](transformer-block.md) page derives this). The slowest hand,
# with wavelength 2 pi 10000^(62/64), is nearly constant over these 100 rows.
#
# ## 2. A transformer encoder sorts digits
#
# Input: 8 random digits; target: the same digits sorted, one output token per position.
# There is no mask: every position may read every other one. Each output position has to
# find the digit of its rank, which means comparing every digit with every other digit,
# exactly what one attention layer computes. The model is an embedding, sinusoidal
# positional encodings, one post-norm `TransformerBlock` (d = 32, 2 heads, d_ff = 64)
# and a dense layer that maps each token vector to 10 digit scores.

# %%
T, V, D_MODEL = 8, 10, 32
rng = np.random.default_rng(0)
embed = Embedding(V, D_MODEL, rng=rng, dtype=np.float32)
pos_enc = PositionalEncoding(T, D_MODEL)
encoder = TransformerEncoder(1, D_MODEL, 2, 2 * D_MODEL, rng=rng, dtype=np.float32)
head = Dense(D_MODEL, V, init="xavier", rng=rng, dtype=np.float32)
params = [p for part in (embed, encoder, head) for p in part.parameters()]


def predict_scores(tokens):
    """tokens (N, T) ints -> digit scores (N, T, V)."""
    h = encoder(pos_enc(embed(tokens)))  # (N, T, d)
    return head(h.reshape(-1, D_MODEL)).reshape(len(tokens), T, V)


data_rng = np.random.default_rng(1)
X_test = np.random.default_rng(2).integers(0, V, size=(1000, T))
loss_fn, optimizer = SoftmaxCrossEntropy(), Adam(params, lr=3e-3)
losses, accuracies = [], []
start = time.perf_counter()
for step in range(1, 801):
    tokens = data_rng.integers(0, V, size=(64, T))  # fresh sequences at every step
    scores = predict_scores(tokens)
    targets = np.sort(tokens, axis=1).reshape(-1)
    losses.append(loss_fn(scores.reshape(-1, V), targets))
    optimizer.zero_grad()
    grad_h = head.backward(loss_fn.backward()).reshape(64, T, D_MODEL)
    embed.backward(pos_enc.backward(encoder.backward(grad_h)))
    optimizer.step()
    if step % 100 == 0:
        predicted = predict_scores(X_test).argmax(axis=-1)
        accuracies.append((step, np.mean(predicted == np.sort(X_test, axis=1))))
token_accuracy = accuracies[-1][1]
sorted_all = np.mean(np.all(predicted == np.sort(X_test, axis=1), axis=1))
print(f"trained in {time.perf_counter() - start:.1f} s")
print(f"held-out token accuracy: {token_accuracy:.4f}")
print(f"held-out sequences sorted without a single mistake: {sorted_all:.4f}")
assert token_accuracy > 0.99 and sorted_all > 0.9

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.2))
ax1.semilogy(losses)
ax1.set(xlabel="step", ylabel="cross-entropy", title="training loss")
ax2.plot(*zip(*accuracies), marker="o")
ax2.set(xlabel="step", ylabel="token accuracy", title="held-out accuracy",
        ylim=(0, 1.02))
plt.tight_layout()
plt.show()

# %% [markdown]
# The held-out sequences were never seen in training (they come from another seed), so
# the accuracy, above 0.99 per token, measures sorting, not memorizing. Now the
# attention weights of one held-out sequence: row t is output position t (the query),
# column s is input position s (the key).

# %%
example = X_test[:1]
predict_scores(example)
attn = encoder.layers[0].attn.attn[0]  # (heads, T, T)
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for h, ax in enumerate(axes):
    image = ax.imshow(attn[h], cmap="viridis", vmin=0)
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xticks(range(T), [str(d) for d in example[0]])
    ax.set_yticks(range(T), [str(d) for d in np.sort(example[0])])
    ax.set(xlabel="input digit (key)", ylabel="sorted output (query)",
           title=f"head {h}")
plt.tight_layout()
plt.show()

# Over all held-out sequences: how much weight (averaged over heads) the first output
# row puts on the positions holding the smallest digit, and the last row on the largest.
predict_scores(X_test)
weights = encoder.layers[0].attn.attn.mean(axis=1)  # (N, T, T)
on_min = (weights[:, 0] * (X_test == X_test.min(axis=1, keepdims=True))).sum(axis=1)
on_max = (weights[:, -1] * (X_test == X_test.max(axis=1, keepdims=True))).sum(axis=1)
share = np.mean((X_test == X_test.min(axis=1, keepdims=True)).sum(axis=1)) / T
print(f"first row on the smallest digit: {on_min.mean():.2f}, last row on the largest: "
      f"{on_max.mean():.2f} (uniform attention would give about {share:.2f})")
assert on_min.mean() > 1.5 * share and on_max.mean() > 1.5 * share

# %% [markdown]
# The pattern makes sense for sorting: the first output row (which must produce the
# smallest digit) puts roughly twice the share that uniform attention would give
# (printed above) on the positions holding the smallest digit, the last row on those
# holding the largest, and the rows in between spread their weight more evenly. The
# feed-forward network then turns that mixture (plus the position, which says which rank
# to output) into one digit. Nothing told the model to do this; it is what lowered the
# loss.
#
# ## 3. Pre-norm against post-norm at a high learning rate
#
# The same task with a 4-block encoder, trained with Adam at a learning rate of 0.01 and
# no warm-up, once with post-norm blocks (`norm_first=False`, the block above) and once
# with pre-norm blocks (`norm_first=True`, plus the final LayerNorm a pre-norm stack
# needs). Three seeds each, 100 steps; we report the mean loss of the last 20 steps.

# %%
def train_sorter(norm_first, seed, steps=100, depth=4, lr=1e-2):
    rng = np.random.default_rng(seed)
    embed = Embedding(V, D_MODEL, rng=rng, dtype=np.float32)
    stack = TransformerEncoder(depth, D_MODEL, 2, 2 * D_MODEL, norm_first=norm_first,
                               rng=rng, dtype=np.float32)
    final = LayerNorm(D_MODEL, dtype=np.float32)
    head = Dense(D_MODEL, V, init="xavier", rng=rng, dtype=np.float32)
    optimizer = Adam([p for m in (embed, stack, final, head) for p in m.parameters()],
                     lr=lr)
    data_rng, losses = np.random.default_rng(seed + 100), []
    for _ in range(steps):
        tokens = data_rng.integers(0, V, size=(32, T))
        h = stack(pos_enc(embed(tokens)))
        h = final(h) if norm_first else h
        scores = head(h.reshape(-1, D_MODEL))
        losses.append(loss_fn(scores, np.sort(tokens, axis=1).reshape(-1)))
        optimizer.zero_grad()
        grad = head.backward(loss_fn.backward()).reshape(32, T, D_MODEL)
        grad = final.backward(grad) if norm_first else grad
        embed.backward(pos_enc.backward(stack.backward(grad)))
        optimizer.step()
    return losses


curves = {nf: [train_sorter(nf, seed) for seed in range(3)] for nf in (False, True)}
final_loss = {nf: [np.mean(c[-20:]) for c in runs] for nf, runs in curves.items()}
for nf, name in ((False, "post-norm"), (True, "pre-norm")):
    print(f"{name}: final loss over 3 seeds {min(final_loss[nf]):.2f} .. "
          f"{max(final_loss[nf]):.2f}")
print(f"ln 10 = {np.log(10):.2f}: the loss of guessing uniformly")
assert min(final_loss[False]) > 2.0  # post-norm: stuck near ln 10 for every seed
assert max(final_loss[True]) < 1.0  # pre-norm: learning for every seed

for nf, color in ((False, "tab:red"), (True, "tab:blue")):
    for i, curve in enumerate(curves[nf]):
        label = ("pre-norm" if nf else "post-norm") if i == 0 else None
        plt.plot(curve, color=color, alpha=0.7, label=label)
plt.axhline(np.log(10), color="gray", ls=":", label="ln 10 (uniform guess)")
plt.xlabel("step")
plt.ylabel("training loss")
plt.title("4 blocks, Adam lr = 0.01, no warm-up, 3 seeds each")
plt.legend()
plt.show()

# %% [markdown]
# With every seed the post-norm stack stays at the loss of a uniform guess, ln 10: the
# large first steps throw it to a state it does not leave. The pre-norm stack, same
# weights' distribution, same data, same learning rate, falls below 1 with every seed.
# The [GELU and pre-norm](gelu-and-pre-norm.md) page explains why: in a pre-norm stack
# the gradient reaches every block through an identity path, untouched by any
# normalization.
#
# ## 4. A GPT learns Shakespeare
#
# The data: Shakespeare's eleven tragedies as one string of about 1.5 million
# characters. Each distinct character is a token; the last 10% of the text is held out
# for validation. Two baselines that need no training tell us what a loss means:
# guessing uniformly among the characters, and a bigram table that predicts each
# character from the one before it (counted on the training text).

# %%
text = load_shakespeare()
chars = sorted(set(text))
encode = {c: i for i, c in enumerate(chars)}
data = np.array([encode[c] for c in text], dtype=np.int64)
n_val = len(data) // 10
train_data, val_data = data[:-n_val], data[-n_val:]
vocab = len(chars)


def decode(ids):
    return "".join(chars[i] for i in ids)


counts = np.ones((vocab, vocab))  # add-one smoothing
np.add.at(counts, (train_data[:-1], train_data[1:]), 1)
bigram = counts / counts.sum(axis=1, keepdims=True)
bigram_loss = -np.mean(np.log(bigram[val_data[:-1], val_data[1:]]))
print(f"{len(text):,} characters, {vocab} distinct; {len(val_data):,} held out")
print(f"uniform guess: loss {np.log(vocab):.2f} nats per character "
      f"(perplexity {vocab}); bigram table: loss {bigram_loss:.2f} "
      f"(perplexity {perplexity(bigram_loss):.1f})")
assert 2.4 < bigram_loss < 2.6

# %% [markdown]
# The model: 2 pre-norm blocks, d = 64, 4 heads, d_ff = 256, a context of 64
# characters, weights tied between the embedding and the output layer. One training step
# takes 16 random windows of 65 characters: the first 64 are the input, the last 64 (the
# same window shifted by one) the targets, so every window trains 64 next-character
# predictions at once. We sample from the model before, during and after training.

# %%
CONTEXT, BATCH, STEPS = 64, 16, 350
config = GPTConfig(vocab_size=vocab, max_len=CONTEXT, d_model=64, num_heads=4, d_ff=256,
                   num_layers=2)
gpt = GPT(config, rng=np.random.default_rng(0), dtype=np.float32)
print(f"{gpt.num_parameters():,} parameters")
optimizer = Adam(gpt.parameters(), lr=3e-3)
loss_fn = SoftmaxCrossEntropy()
prompt = np.array([[encode[c] for c in "OTHELLO.\n"]])
val_starts = np.random.default_rng(2).integers(0, len(val_data) - CONTEXT - 1, 64)
val_x = np.stack([val_data[s : s + CONTEXT] for s in val_starts])
val_y = np.stack([val_data[s + 1 : s + CONTEXT + 1] for s in val_starts])


def validation_loss():
    gpt.eval()
    logits = gpt(val_x)
    gpt.train()
    return loss_fn(logits.reshape(-1, vocab), val_y.reshape(-1))


def sample(n=160, seed=0):
    out = gpt.generate(prompt, n, temperature=0.8, rng=np.random.default_rng(seed))
    return decode(out[0])


samples = {0: sample()}
history = []
batch_rng = np.random.default_rng(1)
start = time.perf_counter()
for step in range(1, STEPS + 1):
    starts = batch_rng.integers(0, len(train_data) - CONTEXT - 1, BATCH)
    x = np.stack([train_data[s : s + CONTEXT] for s in starts])  # (16, 64)
    y = np.stack([train_data[s + 1 : s + CONTEXT + 1] for s in starts])  # shifted by 1
    logits = gpt(x)  # (16, 64, vocab)
    loss = loss_fn(logits.reshape(-1, vocab), y.reshape(-1))
    optimizer.zero_grad()
    gpt.backward(loss_fn.backward().reshape(logits.shape))
    optimizer.step()
    if step % 50 == 0:
        history.append((step, loss, validation_loss()))
        print(f"step {step}: training loss {loss:.3f}, validation loss "
              f"{history[-1][2]:.3f}")
    if step in (100, STEPS):
        samples[step] = sample()
train_seconds = time.perf_counter() - start
print(f"trained in {train_seconds:.1f} s")

# %% [markdown]
# Validation loss and perplexity at the end, against the two baselines:

# %%
val_loss = history[-1][2]
print(f"validation loss {val_loss:.3f} nats per character, perplexity "
      f"{perplexity(val_loss):.1f} (bigram table {perplexity(bigram_loss):.1f}, "
      f"uniform {vocab})")
assert val_loss < bigram_loss - 0.1  # the GPT beats the bigram table ...
assert val_loss > 1.5  # ... but 350 small steps are far from a good model

steps, train_losses, val_losses = zip(*history)
plt.plot(steps, train_losses, marker="o", label="training batch")
plt.plot(steps, val_losses, marker="o", label="validation")
plt.axhline(bigram_loss, color="gray", ls="--", label="bigram table")
plt.axhline(np.log(vocab), color="gray", ls=":", label="uniform guess")
plt.xlabel("step")
plt.ylabel("cross-entropy (nats per character)")
plt.title("a 2-block GPT on Shakespeare")
plt.legend()
plt.show()

# %% [markdown]
# In this run the validation loss falls below the bigram table's: the model predicts
# each character better than any rule that looks only at the character before it. How
# far 350 steps get depends on the seed, and the model is still far from fluent; the
# [GPT page](gpt.md#training-on-shakespeare) gives the range over seeds and what longer
# runs reach. Its samples, each continuing the prompt "OTHELLO." at temperature 0.8,
# show the way: first random characters, then the shape of the text (short lines,
# speaker names in capitals, spaces between word-length pieces), then the first real
# words.

# %%
for step, text_sample in samples.items():
    print(f"--- after {step} steps ---\n{text_sample}\n")
spaces = {step: s.count(" ") / len(s) for step, s in samples.items()}
# Random characters first (few spaces), then pieces of word length between spaces.
assert spaces[0] < 0.1 < spaces[STEPS]
words = set(text.split())
late = [w for w in samples[STEPS].split() if len(w) > 2]
real = np.mean([w.strip(".,;:!?'") in words for w in late])
print(f"after {STEPS} steps, {real:.0%} of the sample's words of 3+ letters are words "
      f"of the plays")
assert real > 0.1  # some of them are real words already

# %% [markdown]
# The temperature divides the logits before the softmax: below 1 it sharpens the
# distribution toward the likeliest character (repetitive but word-like), above 1 it
# flattens it (more varied, more errors). Temperature 0 is greedy decoding, which always
# takes the likeliest character and soon repeats itself in a short loop. Top-k sampling
# keeps only the k likeliest characters at every step.

# %%
by_setting = {}
for temperature, top_k in ((0.0, None), (0.5, None), (1.0, None), (1.0, 5)):
    out = gpt.generate(prompt, 100, temperature=temperature, top_k=top_k,
                       rng=np.random.default_rng(3))
    by_setting[temperature, top_k] = decode(out[0])
    print(f"--- temperature {temperature}, top_k {top_k} ---\n{decode(out[0])}\n")
greedy = by_setting[0.0, None]
period = next(p for p in range(1, 41) if greedy[-40:] == greedy[-40 - p : -p])
print(f"the greedy sample ends in a loop of {period} characters: {greedy[-period:]!r}")
assert period <= 12

# %% [markdown]
# ### The KV cache
#
# `generate` keeps every block's keys and values of the positions it has seen, so each
# new character costs one position's work. First, the cache changes nothing but the
# rounding: the logits of a prompt followed by 40 generated characters, computed step by
# step with the cache, against one causal forward pass over the whole sequence.

# %%
gpt.eval()
sequence = gpt.generate(prompt, 40, temperature=0.8, rng=np.random.default_rng(4))
full = gpt(sequence)  # (1, 49, vocab), one pass
cache = gpt.make_cache(1)
stepwise = [gpt.forward_cached(sequence[:, :9], cache)]
stepwise += [gpt.forward_cached(sequence[:, t : t + 1], cache) for t in range(9, 49)]
difference = np.abs(np.concatenate(stepwise, axis=1) - full).max()
print(f"largest difference of any logit: {difference:.1e} "
      f"(logits up to {np.abs(full).max():.1f}, float32)")
assert difference < 1e-4

# %% [markdown]
# Now the cost. A model of the same size with room for 1,024 positions (its weights do
# not matter for timing) generates 8 tokens after prefixes of several lengths, with the
# cache and with a full forward pass over the prefix for every new token.

# %%
timing_model = GPT(GPTConfig(vocab, 1024, 64, 4, 256, 2), rng=np.random.default_rng(5),
                   dtype=np.float32).eval()


def seconds_per_token(prefix, use_cache):
    """The best of a few runs of the time per generated token after `prefix` tokens."""
    new, repeats = (16, 3) if use_cache else (4, 2)  # uncached runs are the slow ones
    best = np.inf
    for r in range(repeats):
        ids = np.random.default_rng(r).integers(0, vocab, (1, prefix + new))
        if use_cache:
            cache = timing_model.make_cache(1)
            timing_model.forward_cached(ids[:, :prefix], cache)  # the prompt, not timed
        begin = time.perf_counter()
        for t in range(prefix, prefix + new):
            if use_cache:
                timing_model.forward_cached(ids[:, t : t + 1], cache)
            else:
                timing_model(ids[:, : t + 1])
        best = min(best, (time.perf_counter() - begin) / new)
    return best


prefixes = np.array([16, 64, 256, 1000])
no_cache = np.array([seconds_per_token(p, False) for p in prefixes])
with_cache = np.array([seconds_per_token(p, True) for p in prefixes])
speedup = no_cache / with_cache
print("prefix   no cache (ms)   KV cache (ms)   speed-up")
for p, a, b, ratio in zip(prefixes, no_cache, with_cache, speedup):
    print(f"{p:6d}   {1e3 * a:13.2f}   {1e3 * b:13.2f}   {ratio:8.1f}")
growth = prefixes[3] / prefixes[2]  # from 256 to 1000 positions: 3.9x
print(f"from 256 to 1000 positions ({growth:.1f}x): time per token x"
      f"{no_cache[3] / no_cache[2]:.1f} without the cache, x"
      f"{with_cache[3] / with_cache[2]:.1f} with it")
assert no_cache[3] / no_cache[2] > growth  # more than linear: the t^2 term takes over
assert with_cache[3] / with_cache[2] < growth  # at most linear: t keys per new query
assert speedup[3] > 10 and speedup[3] > 3 * speedup[1]

plt.loglog(prefixes, 1e3 * no_cache, marker="o", label="full forward over the prefix")
plt.loglog(prefixes, 1e3 * with_cache, marker="o", label="KV cache")
for power, style in ((1, ":"), (2, "--")):  # reference slopes through the last point
    reference = 1e3 * no_cache[3] * (prefixes / prefixes[3]) ** power
    plt.loglog(prefixes, reference, "k" + style, lw=0.8,
               label=f"slope {power} (t^{power})")
plt.xlabel("prefix length t")
plt.ylabel("ms per generated token")
plt.title("time per new token")
plt.legend()
plt.show()

# %% [markdown]
# Without the cache every new token reruns the whole prefix: the matrix products grow
# linearly with t and the attention scores quadratically, so from 256 to 1,000 positions
# the time per token grows faster than the prefix (the curve bends towards slope 2).
# With the cache the new token's query meets t stored keys: work linear in t, plus a
# fixed cost per step that dominates for short prefixes, so the time grows more slowly
# than the prefix. The speed-up is more than tenfold at 1,000 positions and keeps
# growing with t.
#
# ## 5. A U-Net segments shapes
#
# `make_shapes_segmentation` draws disks and squares on a background with a random
# brightness ramp and adds Gaussian noise (std 0.3, while the shapes are only 0.5 to 1
# brighter than the background). We ask for the foreground: label 1 for any shape pixel,
# 0 for background. A pixel's value alone is unreliable, so the network must use its
# neighbourhood.

# %%
SIZE = 24
X, Y = make_shapes_segmentation(500, size=SIZE, seed=0)
X, Y = X.astype(np.float32), (Y > 0).astype(np.int64)  # binary: shape or background
X_train, Y_train, X_val, Y_val = X[:400], Y[:400], X[400:], Y[400:]

unet = UNet(1, 2, base_channels=8, depth=2, rng=np.random.default_rng(0),
            dtype=np.float32)
optimizer = Adam(unet.parameters(), lr=5e-3)
loss_fn = SoftmaxCrossEntropy()
shuffle_rng = np.random.default_rng(3)
start = time.perf_counter()
for epoch in range(2):
    order = shuffle_rng.permutation(len(X_train))
    for batch in np.split(order, len(order) // 8):
        logits = unet(X_train[batch])  # (8, 2, SIZE, SIZE)
        # Every pixel is one classification: move the classes last, flatten the pixels.
        flat_logits = logits.transpose(0, 2, 3, 1).reshape(-1, 2)
        loss_fn(flat_logits, Y_train[batch].reshape(-1))
        grad = loss_fn.backward().reshape(len(batch), SIZE, SIZE, 2)
        optimizer.zero_grad()
        unet.backward(grad.transpose(0, 3, 1, 2))
        optimizer.step()
    prediction = unet(X_val).argmax(axis=1)
    iou = mean_iou(prediction, Y_val, 2)
    print(f"epoch {epoch + 1}: held-out mean IoU {iou:.3f}")
print(f"trained in {time.perf_counter() - start:.1f} s")
assert iou > 0.9

# Where are the mistakes? "Edge" pixels touch a pixel of the other class
# (4-neighbourhood).
errors = prediction != Y_val
edge = np.zeros(Y_val.shape, dtype=bool)
for axis in (1, 2):
    differs = np.diff(Y_val, axis=axis) != 0  # pixel i against i + 1 along this axis
    before, after = [slice(None)] * 3, [slice(None)] * 3
    before[axis], after[axis] = slice(None, -1), slice(1, None)
    edge[tuple(before)] |= differs
    edge[tuple(after)] |= differs
on_edges = errors[edge].sum() / errors.sum()
print(f"{errors.mean():.1%} of the pixels wrong; edge pixels are {edge.mean():.0%} "
      f"of all pixels and hold {on_edges:.0%} of the mistakes")
assert on_edges > 0.6 > 3 * edge.mean()

fig, axes = plt.subplots(3, 6, figsize=(10, 5.3))
for col in range(6):
    for row, (image, title) in enumerate(
        [(X_val[col, 0], "input"), (Y_val[col], "target"),
         (prediction[col], "prediction")]
    ):
        axes[row, col].imshow(image, cmap="gray")
        axes[row, col].axis("off")
        if col == 0:
            axes[row, col].set_title(title, loc="left")
plt.tight_layout()
plt.show()

# %% [markdown]
# After two epochs the held-out mean IoU (over the two classes, shape and background)
# is above 0.9. The predictions follow the shapes' outlines, including where the noise
# makes a single pixel look like the background or the other way round; most of the
# errors sit on the boundaries (the edge pixels, a small share of the image, hold most of
# the mistakes: printed above). The same generator also labels disks and squares apart
# (`Y` has classes 0, 1, 2 before we merge them); telling those two apart needs the whole
# shape in view, a harder task than this lab's two epochs are meant for.
#
# ## 6. A VAE on the handwritten digits
#
# The 1,797 digits of `load_digits(8)` are 8x8 images with values in [0, 1]. The VAE has
# one hidden layer of 128 units on each side and a **2-D latent space**, so that we can
# draw it. The loss is the negative ELBO with a Bernoulli (binary cross-entropy)
# reconstruction term.

# %%
images, labels = load_digits(8)
data = images.reshape(len(images), 64)
vae = VAE(64, latent_dim=2, hidden=(128,), rng=np.random.default_rng(0))
optimizer = Adam(vae.parameters(), lr=2e-3)
loss_fn = VAELoss("bce")
shuffle_rng = np.random.default_rng(4)
history = {"negative ELBO": [], "reconstruction": [], "KL": []}
start = time.perf_counter()
for epoch in range(40):
    totals = np.zeros(3)
    for batch in np.array_split(shuffle_rng.permutation(len(data)), 28):
        loss = loss_fn(vae(data[batch]), data[batch])
        optimizer.zero_grad()
        vae.backward(loss_fn.backward())
        optimizer.step()
        totals += np.array([loss, loss_fn.reconstruction, loss_fn.kl]) * len(batch)
    for name, total in zip(history, totals / len(data)):
        history[name].append(total)
elbo = history["negative ELBO"]
print(f"trained in {time.perf_counter() - start:.1f} s")
reconstruction, kl = history["reconstruction"][-1], history["KL"][-1]
print(f"negative ELBO per image: {elbo[0]:.2f} nats after epoch 1, {elbo[-1]:.2f} "
      f"after epoch {len(elbo)} (reconstruction {reconstruction:.2f} + KL {kl:.2f})")
assert elbo[-1] < 0.8 * elbo[0] and history["KL"][-1] > 1.0

for name, values in history.items():
    plt.plot(values, label=name)
plt.xlabel("epoch")
plt.ylabel("nats per image")
plt.title("negative ELBO = reconstruction + KL")
plt.legend()
plt.show()

# %% [markdown]
# Reconstructions (top: the images, middle: the decoder's output from the mean code
# z = mu) and samples: codes z drawn from the prior N(0, I), decoded.

# %%
vae.eval()  # eval mode: z = mu, no noise
reconstructed = vae(data[:10])[0]
samples = vae.decode(np.random.default_rng(5).standard_normal((10, 2)))
fig, axes = plt.subplots(3, 10, figsize=(10, 3.3))
for i in range(10):
    for row, image in enumerate([data[i], reconstructed[i], samples[i]]):
        axes[row, i].imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        axes[row, i].axis("off")
axes[0, 0].set_title("input", loc="left")
axes[1, 0].set_title("reconstruction", loc="left")
axes[2, 0].set_title("sample from the prior", loc="left")
plt.tight_layout()
plt.show()

# %% [markdown]
# Finally the latent space: the mean code mu of every image, coloured by its digit (the
# VAE never saw a label), next to the decoder's output on a grid of codes.

# %%
mu, _ = vae.encode(data)
grid = np.linspace(-2.2, 2.2, 10)
codes = np.array([[zx, zy] for zy in grid[::-1] for zx in grid])  # top row: largest z_2
decoded = vae.decode(codes).reshape(10, 10, 8, 8)
tiles = np.zeros((10, 10, 10, 10))  # one 8x8 digit per 10x10 tile: a white margin
tiles[:, :, 1:9, 1:9] = decoded
tiles = tiles.transpose(0, 2, 1, 3).reshape(100, 100)  # (row, y, col, x) -> one image

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 5))
points = ax1.scatter(mu[:, 0], mu[:, 1], c=labels, cmap="tab10", s=6)
ax1.legend(*points.legend_elements(), title="digit", fontsize=7, loc="upper right")
ax1.set(xlabel="$z_1$", ylabel="$z_2$", title="mean codes of all 1,797 digits")
ax2.imshow(tiles, cmap="gray_r", vmin=0, vmax=1, extent=(-2.45, 2.45, -2.45, 2.45))
ax2.set(xlabel="$z_1$", ylabel="$z_2$", title="decoded grid of codes")
plt.tight_layout()
plt.show()

# How well do the codes keep the classes apart? The label of each image's nearest
# neighbour in the 2-D code space (never used in training) against its own label.
distances = np.linalg.norm(mu[:, None] - mu[None], axis=-1)
np.fill_diagonal(distances, np.inf)  # an image is not its own neighbour
neighbour_accuracy = np.mean(labels[distances.argmin(axis=1)] == labels)
print(f"nearest neighbour in code space has the same digit: {neighbour_accuracy:.2f} "
      f"(chance: about 0.10)")
assert neighbour_accuracy > 0.6
print(f"codes within 3 of the origin: {np.mean(np.linalg.norm(mu, axis=1) < 3):.3f}")
assert np.mean(np.linalg.norm(mu, axis=1) < 3) > 0.95

# %% [markdown]
# Digits of one class gather in one region although the labels were never used: the
# nearest code of most images belongs to an image of the same digit. The KL term keeps
# the codes near the origin, where the prior puts its mass (nearly all lie within 3 of
# it), so that decoding any code near the origin gives a digit-like image. With only two
# latent dimensions some classes overlap (the reconstructions of thin or unusual digits
# are blurred towards a typical one); a larger `latent_dim` reconstructs better but can
# no longer be drawn in one picture.
