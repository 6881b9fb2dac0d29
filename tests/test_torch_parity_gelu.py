"""GELU (exact and tanh forms) against torch.nn.functional.gelu and nn.GELU, in float64."""

import numpy as np
import pytest

from nnfs import functional as F
from nnfs.layers import GELU
from tests.torch_utils import t, torch

# 1 + tanh(...) and 1 + erf(...) cancel for negative x: both libraries round the same formula,
# and one ulp there is an absolute difference of about 1e-15 in the result.
TOLERANCES = {"none": {"rtol": 1e-13, "atol": 1e-15}, "tanh": {"rtol": 1e-12, "atol": 1e-14}}


@pytest.fixture
def x(rng):
    values = np.concatenate([rng.standard_normal(500) * 3, np.linspace(-12, 12, 241)])
    return np.concatenate([values, [0.0, 40.0, -40.0, 1e4, -1e4]])


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_and_its_derivative_match_torch(x, approximate):
    xt = t(x)
    yt = torch.nn.functional.gelu(xt, approximate=approximate)
    yt.sum().backward()
    # torch evaluates the exact form as x (1 + erf(x / sqrt 2)) / 2, which loses relative
    # precision where 1 + erf cancels (x < -5); nnfs uses erfc there. The values are below
    # 1e-6, hence the absolute tolerance.
    tol = TOLERANCES[approximate]
    np.testing.assert_allclose(F.gelu(x, approximate), yt.detach().numpy(), **tol)
    np.testing.assert_allclose(F.gelu_grad(x, approximate), xt.grad.numpy(), **tol)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_layer_matches_torch_module(rng, approximate):
    x = rng.standard_normal((3, 4, 5)) * 2
    grad_out = rng.standard_normal((3, 4, 5))
    layer = GELU(approximate)
    y = layer(x)
    dx = layer.backward(grad_out)
    xt = t(x)
    yt = torch.nn.GELU(approximate=approximate)(xt)
    yt.backward(torch.from_numpy(grad_out))
    np.testing.assert_allclose(y, yt.detach().numpy(), **TOLERANCES[approximate])
    np.testing.assert_allclose(dx, xt.grad.numpy(), **TOLERANCES[approximate])


def test_exact_gelu_is_the_default_in_both_libraries():
    assert GELU().approximate == torch.nn.GELU().approximate == "none"


def test_transformers_names_for_the_two_forms_and_the_gpt2_and_bert_defaults(rng):
    """The GELU page says: in Hugging Face transformers "gelu" is the exact form, "gelu_new"
    the tanh form, GPT-2's configuration uses "gelu_new" and BERT's "gelu"."""
    transformers = pytest.importorskip("transformers")
    from transformers.activations import ACT2FN

    x = rng.standard_normal(200) * 3
    exact = ACT2FN["gelu"](torch.from_numpy(x)).numpy()
    tanh = ACT2FN["gelu_new"](torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(exact, F.gelu(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(tanh, F.gelu(x, "tanh"), rtol=1e-12, atol=1e-14)
    assert not np.allclose(exact, tanh, rtol=1e-6, atol=0)
    assert transformers.GPT2Config().activation_function == "gelu_new"
    assert transformers.BertConfig().hidden_act == "gelu"
