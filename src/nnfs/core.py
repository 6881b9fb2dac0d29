"""The module protocol every layer and model follows: Parameter, Module, Sequential.

A `Module` owns `Parameter`s and child modules. `forward` caches what `backward` needs;
`backward(grad_out)` accumulates into each `Parameter.grad` (with `+=`, so a weight used twice,
as in a recurrent net, collects both contributions) and returns the gradient w.r.t. its input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from nnfs.checks import check_floating, check_shape  # noqa: F401 -- layers import check_shape


# --8<-- [start:parameter]
class Parameter:
    """A trainable array and the gradient of the loss with respect to it.

    Attributes:
        data: the values, any shape, a floating-point dtype (an integer array is refused, as in
            PyTorch: its gradient and every update would be truncated to integers).
        grad: same shape and dtype as `data`; zeros until a backward pass adds to it.
        frozen: a frozen parameter is skipped by optimizers and gets no gradient work.
    """

    def __init__(self, data: np.ndarray, frozen: bool = False) -> None:
        check_floating("Parameter", "data", data)
        self.data = np.ascontiguousarray(data)
        self.grad = np.zeros_like(self.data)
        self.frozen = frozen

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    # Speed: zero_grad only notes that the gradient is zero. The first product added after it
    # (`add_matmul`) is then written straight into `grad`, instead of zeroing `grad` and adding
    # a temporary to it (two passes over it); any other read of `grad` zeroes it first.
    @property
    def grad(self) -> np.ndarray:
        if self._grad_is_zero:
            self._grad[...] = 0
            self._grad_is_zero = False
        return self._grad

    @grad.setter
    def grad(self, value: np.ndarray) -> None:
        self._grad, self._grad_is_zero = value, False

    def zero_grad(self) -> None:
        self._grad_is_zero = True

    def add_matmul(self, a: np.ndarray, b: np.ndarray) -> None:
        """grad += a @ b (written into grad directly when it is zero)."""
        if self._grad_is_zero:
            np.matmul(a, b, out=self._grad)
            self._grad_is_zero = False
        else:
            self._grad += a @ b

    def __repr__(self) -> str:
        frozen = ", frozen=True" if self.frozen else ""
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype}{frozen})"


# --8<-- [end:parameter]


def _members(name: str, value: Any) -> list[tuple[str, Any]]:
    """An attribute as (dotted name, item) pairs: itself, or each entry of a list, tuple or dict."""
    if isinstance(value, (list, tuple)):
        return [(f"{name}.{i}", item) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return [(f"{name}.{key}", item) for key, item in value.items()]
    return [(name, value)]


# --8<-- [start:module]
class Module:
    """Base class: finds parameters, buffers and children by looking at attributes.

    Subclasses implement `forward(x, ...)` and `backward(grad_out)`. Parameters are the
    `Parameter` attributes and the Parameters in list, tuple or dict attributes ("weights.0");
    children are the `Module` attributes, found the same way ("layers.0"); buffers (running
    statistics) are the array attributes named in `_buffers`.
    """

    _buffers: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.training = True

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self, grad_out: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.forward(*inputs, **kwargs)

    def _children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            for key, item in _members(name, value):
                if isinstance(item, Module):
                    yield key, item

    def named_modules(self, prefix: str = "") -> list[tuple[str, Module]]:
        """This module and every descendant, with dotted names ("" for self)."""
        found = [(prefix, self)]
        for name, child in self._children():
            found.extend(child.named_modules(f"{prefix}.{name}" if prefix else name))
        return found

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        """Every parameter of this module and its children, with dotted names, no duplicates."""
        seen: set[int] = set()
        result = []
        for module_name, module in self.named_modules():
            for attribute, value in vars(module).items():
                for name, item in _members(attribute, value):
                    if isinstance(item, Parameter) and id(item) not in seen:
                        seen.add(id(item))
                        result.append((f"{module_name}.{name}" if module_name else name, item))
        return result

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and every child; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"{type(self).__name__}.train: mode expected a bool, got {mode!r}")
        for _, module in self.named_modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def freeze(self) -> Module:
        """Exclude every parameter from updates (optimizers skip frozen parameters)."""
        for p in self.parameters():
            p.frozen = True
        return self

    def unfreeze(self) -> Module:
        for p in self.parameters():
            p.frozen = False
        return self

    def _state_arrays(self) -> dict[str, np.ndarray]:
        """The live arrays behind `state_dict()` (no copies), keyed by dotted name."""
        arrays = {name: p.data for name, p in self.named_parameters()}
        for module_name, module in self.named_modules():
            for buf in module._buffers:
                key = f"{module_name}.{buf}" if module_name else buf
                arrays[key] = np.asarray(getattr(module, buf))
        return arrays

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all parameters and buffers, keyed by dotted name."""
        return {key: np.array(value, copy=True) for key, value in self._state_arrays().items()}

    def load_state_dict(self, state: Mapping[str, np.ndarray]) -> None:
        """Copy `state` into the model, or raise and leave the model exactly as it was.

        Every key, shape and dtype is checked before anything is copied: the key sets must be
        equal and each shape must match exactly. A floating-point array may go into a parameter
        or buffer of any floating dtype (a float64 checkpoint into a float32 model is cast) if
        its values fit that dtype's range. Integer, boolean, complex, string and object arrays
        are refused with a TypeError: nnfs saves only real floats, so such an array means the
        file does not belong to this model (convert it with `.astype` first if it does).
        """
        owner = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{owner}: state expected a dict of arrays, got {type(state).__name__}")
        own = self._state_arrays()
        missing, unexpected = sorted(set(own) - set(state)), sorted(set(state) - set(own))
        if missing or unexpected:
            raise ValueError(f"{owner}: missing keys {missing}, unexpected keys {unexpected}")
        params, modules = dict(self.named_parameters()), dict(self.named_modules())
        # Buffers are replaced, so they get their own copy; parameters are copied into.
        values = {k: _loadable(owner, k, state[k], own[k], copy=k not in params) for k in own}
        # Nothing below can fail: every value has been checked and converted.
        for key, value in values.items():
            if key in params:
                params[key].data[...] = value
            else:
                module_name, _, buf = key.rpartition(".")
                setattr(modules[module_name], buf, value)

    def num_parameters(self) -> int:
        return sum(p.data.size for p in self.parameters())

    def __repr__(self) -> str:
        children = list(self._children())
        if not children:
            return f"{type(self).__name__}()"
        lines = [f"  ({name}): {child!r}".replace("\n", "\n  ") for name, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


# --8<-- [end:module]


def _loadable(owner: str, key: str, value: Any, target: np.ndarray, copy: bool) -> np.ndarray:
    """`value` checked against the array it will replace, converted to the target's dtype."""
    value = np.asarray(value)
    if value.shape != target.shape:
        raise ValueError(f"{owner}: '{key}' expected shape {target.shape}, got {value.shape}")
    kind, want = value.dtype.kind, target.dtype.kind
    same_kind = kind == want or (kind in "iu" and want in "iu")
    if not same_kind:
        what = {"f": "a floating-point", "i": "an integer", "u": "an integer", "b": "a boolean"}
        raise TypeError(
            f"{owner}: '{key}' expected {what.get(want, want)} array (the model holds "
            f"{target.dtype}), got {value.dtype}"
        )
    if kind == "f" and np.finfo(value.dtype).max > np.finfo(target.dtype).max:
        finite = np.abs(value[np.isfinite(value)])
        if finite.size and finite.max() > np.finfo(target.dtype).max:
            raise ValueError(
                f"{owner}: '{key}' holds values up to {finite.max():.3g}, beyond the range of the "
                f"model's {target.dtype} (max {np.finfo(target.dtype).max:.3g})"
            )
    if kind in "iu" and value.size:
        info = np.iinfo(target.dtype)
        if value.min() < info.min or value.max() > info.max:
            raise ValueError(f"{owner}: '{key}' has values outside the range of {target.dtype}")
    return value.astype(target.dtype, copy=copy)


# --8<-- [start:sequential]
class Sequential(Module):
    """Modules applied in order; `backward` runs them in reverse."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):  # e.g. the class ReLU instead of ReLU()
                raise TypeError(f"Sequential: layer {i} expected a Module, got {layer!r}")
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)


# --8<-- [end:sequential]
