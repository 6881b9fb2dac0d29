"""Claims the chapter-7 pages make about other libraries, checked against the installed ones."""

import numpy as np
import pytest

from nnfs import MaxPool2D


@pytest.mark.parametrize(
    "window", [[[1.0, 1.0], [1.0, 1.0]], [[0.0, 2.0], [2.0, 1.0]], [[3.0, 0.0], [1.0, 3.0]]]
)
def test_max_pooling_sends_a_tied_gradient_to_the_first_maximum_like_pytorch(window):
    # max-pooling.md: "the package, like PyTorch, sends the whole gradient to the first
    # maximum in row-major order within the window".
    torch = pytest.importorskip("torch")
    x = np.array([[window]])
    pool = MaxPool2D(2)
    pool(x)
    ours = pool.backward(np.ones((1, 1, 1, 1)))
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 2).sum().backward()
    np.testing.assert_array_equal(ours, tx.grad.numpy())
    assert ours.sum() == 1.0 and ours.reshape(-1)[np.argmax(x.reshape(-1))] == 1.0


def test_numpy_convolve_flips_the_kernel_and_correlate_does_not():
    # convolution.md: np.convolve flips the kernel, np.correlate (like nnfs) does not.
    from nnfs.layers.conv import conv2d_direct

    signal, kernel = np.array([0.0, 1, 3, 2, 0, 1]), np.array([1.0, 0, -1])
    ours = conv2d_direct(signal[None, None, None], kernel[None, None, None])[0, 0, 0]
    np.testing.assert_array_equal(ours, np.correlate(signal, kernel, "valid"))
    flipped = np.correlate(signal, kernel[::-1], "valid")
    np.testing.assert_array_equal(np.convolve(signal, kernel, "valid"), flipped)
    assert not np.array_equal(np.convolve(signal, kernel, "valid"), ours)
