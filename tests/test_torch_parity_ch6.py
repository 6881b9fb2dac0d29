"""Chapter 6 against PyTorch: normalization layers, weight decay in the optimizers, init fans."""

import numpy as np
import pytest

from nnfs import BatchNorm1d, BatchNorm2d, LayerNorm, Parameter
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
