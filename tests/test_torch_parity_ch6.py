"""Chapter 6 against PyTorch: normalization layers, weight decay in the optimizers, init fans."""

import numpy as np
import pytest

from nnfs import BatchNorm1d, BatchNorm2d, Dropout, LayerNorm, Parameter
from nnfs.init import fans, initialize
from nnfs.optim import SGD, Adam, RMSProp
from tests.torch_utils import t, torch  # skips this module when torch is absent


def _copy_affine(ours, theirs):
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.gamma.data))
        theirs.bias.copy_(torch.from_numpy(ours.beta.data))


def _compare(name, ours, theirs, rtol=1e-10, atol=1e-12):
    theirs = theirs.detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=f"{name}: nnfs vs torch")


@pytest.mark.parametrize(
    "ours_cls, torch_cls, shape",
    [
        (BatchNorm1d, torch.nn.BatchNorm1d, (8, 5)),
        (BatchNorm2d, torch.nn.BatchNorm2d, (4, 5, 3, 2)),
    ],
)
def test_batchnorm_matches_torch_in_training_then_eval(rng, ours_cls, torch_cls, shape):
    ours = ours_cls(5, momentum=0.1, eps=1e-5)
    ours.gamma.data[...] = rng.uniform(0.5, 1.5, 5)
    ours.beta.data[...] = rng.standard_normal(5)
    theirs = torch_cls(5, momentum=0.1, eps=1e-5).double()
    _copy_affine(ours, theirs)
    for step in range(4):  # forward, backward and running buffers after every step
        x = 2.0 + 3.0 * rng.standard_normal(shape)
        g = rng.standard_normal(shape)
        ours.zero_grad()
        y = ours(x)
        dx = ours.backward(g)
        xt = t(x)
        yt = theirs(xt)
        yt.backward(torch.from_numpy(g))
        _compare(f"step {step} output", y, yt)
        _compare(f"step {step} dx", dx, xt.grad)
        _compare(f"step {step} dgamma", ours.gamma.grad, theirs.weight.grad)
        _compare(f"step {step} dbeta", ours.beta.grad, theirs.bias.grad)
        theirs.weight.grad, theirs.bias.grad = None, None
        _compare(f"step {step} running_mean", ours.running_mean, theirs.running_mean)
        _compare(f"step {step} running_var", ours.running_var, theirs.running_var)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    g = rng.standard_normal(shape)
    xt = t(x)
    yt = theirs(xt)
    yt.backward(torch.from_numpy(g))
    _compare("eval output", ours(x), yt)
    _compare("eval dx", ours.backward(g), xt.grad)


@pytest.mark.parametrize("shape", [(6, 8), (2, 5, 8)])
def test_layernorm_matches_torch(rng, shape):
    ours = LayerNorm(8, eps=1e-5)
    ours.gamma.data[...] = rng.uniform(0.5, 1.5, 8)
    ours.beta.data[...] = rng.standard_normal(8)
    theirs = torch.nn.LayerNorm(8, eps=1e-5).double()
    _copy_affine(ours, theirs)
    x, g = rng.standard_normal(shape) * 4 + 1, rng.standard_normal(shape)
    xt = t(x)
    yt = theirs(xt)
    yt.backward(torch.from_numpy(g))
    _compare("output", ours(x), yt)
    _compare("dx", ours.backward(g), xt.grad)
    _compare("dgamma", ours.gamma.grad, theirs.weight.grad)
    _compare("dbeta", ours.beta.grad, theirs.bias.grad)


OPTIMIZERS = [
    ("SGD momentum + weight_decay", SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    ("RMSProp + weight_decay", RMSProp, torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.9}),
    ("Adam (L2 in the gradient)", Adam, torch.optim.Adam, {"lr": 0.01}),
]


def _run_optimizer(rng, make_ours, make_theirs, steps=6):
    """Same start, same gradient sequence; return both parameter trajectories' last values."""
    start = rng.standard_normal((4, 3))
    grads = [rng.standard_normal((4, 3)) for _ in range(steps)]
    p = Parameter(start.copy())
    pt = torch.tensor(start.copy(), requires_grad=True)
    ours, theirs = make_ours([p]), make_theirs([pt])
    for g in grads:
        p.grad[...] = g
        pt.grad = torch.from_numpy(g.copy())
        ours.step()
        theirs.step()
    return p.data, pt


@pytest.mark.parametrize("name, ours_cls, torch_cls, kwargs", OPTIMIZERS)
def test_weight_decay_matches_torch(rng, name, ours_cls, torch_cls, kwargs):
    ours, theirs = _run_optimizer(
        rng,
        lambda ps: ours_cls(ps, weight_decay=0.05, **kwargs),
        lambda ps: torch_cls(ps, weight_decay=0.05, **kwargs),
    )
    _compare(name, ours, theirs)


def test_decoupled_adam_matches_torch_adamw(rng):
    ours, theirs = _run_optimizer(
        rng,
        lambda ps: Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, decoupled=True),
        lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
    )
    _compare("AdamW", ours, theirs)


def test_fans_match_torch_for_conv_and_transposed_dense_layouts():
    conv = torch.empty(16, 3, 5, 5)  # the same (out, in, kh, kw) layout in both
    assert fans((16, 3, 5, 5)) == torch.nn.init._calculate_fan_in_and_fan_out(conv)
    # torch.nn.Linear stores (out, in); our Dense stores (in, out): the fans must swap back.
    linear = torch.empty(100, 300)
    assert fans((300, 100)) == torch.nn.init._calculate_fan_in_and_fan_out(linear)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        ("he_uniform", lambda w: torch.nn.init.kaiming_uniform_(w, nonlinearity="relu")),
        ("he_normal", lambda w: torch.nn.init.kaiming_normal_(w, nonlinearity="relu")),
        ("xavier_uniform", torch.nn.init.xavier_uniform_),
        ("xavier_normal", torch.nn.init.xavier_normal_),
    ],
)
def test_initializer_variances_match_torch(ours, theirs):
    torch.manual_seed(0)
    shape = (64, 32, 3, 3)
    ours_var = initialize(ours, shape, np.random.default_rng(0), np.float64).var()
    theirs_var = float(theirs(torch.empty(shape, dtype=torch.float64)).var())
    assert ours_var == pytest.approx(theirs_var, rel=0.05)


def test_torch_linear_stores_its_weight_as_out_by_in():
    # initialization.md: PyTorch's Linear weight is (out, in), the transpose of our Dense's W.
    linear = torch.nn.Linear(300, 100)
    assert tuple(linear.weight.shape) == (100, 300)
    assert torch.nn.init._calculate_fan_in_and_fan_out(linear.weight) == fans((300, 100))


def test_batchnorm_refuses_a_batch_of_one_in_training_like_torch(rng):
    # batch-normalization.md: a training-mode batch of one is a ValueError, as in PyTorch.
    x = rng.standard_normal((1, 3))
    with pytest.raises(ValueError):
        torch.nn.BatchNorm1d(3).double()(t(x))
    with pytest.raises(ValueError, match="BatchNorm1d"):
        BatchNorm1d(3)(x)


def test_torch_dropout_is_inverted_and_p_is_the_drop_probability(rng):
    # dropout.md: in PyTorch too, p is the probability of dropping, kept values are scaled by
    # 1 / (1 - p) in training, eval mode is the identity, and integer input is refused.
    torch.manual_seed(0)
    p, x = 0.3, torch.ones(1000, 1000, dtype=torch.float64)
    layer = torch.nn.Dropout(p)
    y = layer(x)
    assert set(torch.unique(y).tolist()) == {0.0, 1 / (1 - p)}
    assert abs(float((y == 0).double().mean()) - p) < 0.005
    assert torch.equal(layer.eval()(x), x)
    with pytest.raises(RuntimeError):
        torch.nn.Dropout(p)(torch.ones(4, 4, dtype=torch.int64))
    with pytest.raises(TypeError, match="Dropout"):
        Dropout(p, rng=rng)(np.ones((4, 4), dtype=np.int64))


def test_default_weight_decay_of_torch_adamw_and_adam():
    # regularization.md: AdamW defaults to weight_decay=0.01, Adam to 0.
    params = [torch.zeros(1, requires_grad=True)]
    assert torch.optim.AdamW(params).defaults["weight_decay"] == 0.01
    assert torch.optim.Adam(params).defaults["weight_decay"] == 0


def test_reduce_lr_on_plateau_patience_counts_the_bad_epochs_it_tolerates():
    # generalization.md, exercise 2: "halve after 3 epochs without improvement, then count
    # again" is torch's ReduceLROnPlateau(factor=0.5, patience=2) (threshold 0, no cooldown).
    losses = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.9, 0.9, 0.9, 0.9, 0.9, 0.7]
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, factor=0.5, patience=2, threshold=0.0
    )
    theirs = []
    for value in losses:
        plateau.step(value)
        theirs.append(optimizer.param_groups[0]["lr"])
    ours, lr, best, wait = [], 1.0, np.inf, 0  # the exercise's callback, written out
    for value in losses:
        if value < best:
            best, wait = value, 0
        else:
            wait += 1
            if wait >= 3:
                lr, wait = lr * 0.5, 0
        ours.append(lr)
    assert ours == theirs
    assert theirs == [1.0] * 4 + [0.5] * 4 + [0.25] * 3 + [0.125] * 2
