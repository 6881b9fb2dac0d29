"""The module protocol every layer and model follows: Parameter, Module, Sequential.

A `Module` owns `Parameter`s and child modules. `forward` caches what `backward` needs;
`backward(grad_out)` accumulates into each `Parameter.grad` (with `+=`, so a weight used twice,
as in a recurrent net, collects both contributions) and returns the gradient w.r.t. its input.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from nnfs.checks import check_shape  # noqa: F401 -- layers import it from here too


# --8<-- [start:parameter]
class Parameter:
    """A trainable array and the gradient of the loss with respect to it.

    Attributes:
        data: the values, any shape.
        grad: same shape and dtype as `data`; zeros until a backward pass adds to it.
        frozen: a frozen parameter is skipped by optimizers and gets no gradient work.
    """

    def __init__(self, data: np.ndarray, frozen: bool = False) -> None:
        self.data = np.ascontiguousarray(data)
        self.grad = np.zeros_like(self.data)
        self.frozen = frozen

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def zero_grad(self) -> None:
        self.grad[...] = 0

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


# --8<-- [end:parameter]


# --8<-- [start:module]
class Module:
    """Base class: finds parameters, buffers and children by looking at attributes.

    Subclasses implement `forward(x, ...)` and `backward(grad_out)`. Parameters are the
    `Parameter` attributes; children are `Module` attributes and lists or tuples of modules;
    buffers (running statistics) are the array attributes named in `_buffers`.
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
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item

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
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    result.append((f"{module_name}.{name}" if module_name else name, value))
        return result

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and every child; returns self."""
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

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all parameters and buffers, keyed by dotted name."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        for module_name, module in self.named_modules():
            for buf in module._buffers:
                key = f"{module_name}.{buf}" if module_name else buf
                state[key] = np.array(getattr(module, buf), copy=True)
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy values into the existing arrays; names and shapes must match exactly."""
        own = self.state_dict()
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if missing or unexpected:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        params = dict(self.named_parameters())
        modules = dict(self.named_modules())
        for key, value in state.items():
            value = np.asarray(value)
            if value.shape != own[key].shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: '{key}' expected shape "
                    f"{own[key].shape}, got {value.shape}"
                )
            if key in params:
                params[key].data[...] = value
            else:
                module_name, _, buf = key.rpartition(".")
                setattr(modules[module_name], buf, value.astype(own[key].dtype, copy=True))

    def num_parameters(self) -> int:
        return sum(p.data.size for p in self.parameters())

    def __repr__(self) -> str:
        children = list(self._children())
        if not children:
            return f"{type(self).__name__}()"
        lines = [f"  ({name}): {child!r}".replace("\n", "\n  ") for name, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


# --8<-- [end:module]


# --8<-- [start:sequential]
class Sequential(Module):
    """Modules applied in order; `backward` runs them in reverse."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
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
