"""``Module``: the base class of layers and models, with PyTorch's bookkeeping.

Assigning a ``Parameter``, a ``Module`` or a registered buffer to an attribute records it, in
order, in ``_parameters``, ``_modules`` or ``_buffers``; the names of nested ones are joined
with dots (``"0.weight"``), which is what ``named_parameters()`` and ``state_dict()`` return.
Every attribute also stays in the instance ``__dict__``, so reading ``self.weight`` in a
``forward`` costs a plain attribute lookup.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from chainrule import backend
from chainrule.engine.tensor import Tensor
from chainrule.errors import ConfigError, ModelFileError
from chainrule.nn.parameter import Parameter

ForwardHook = Callable[["Module", tuple[Any, ...], Any], Any]
ForwardPreHook = Callable[["Module", tuple[Any, ...]], Any]

_hook_ids = itertools.count()
# Bumped whenever any module gains or loses a child, a parameter, a buffer or a hook: a
# compiled step (chainrule.compiler) rechecks the model it was traced from only then.
structure_version = [0]


class RemovableHandle:
    """Returned by ``register_forward_hook``: ``remove()`` takes the hook off again.

    Also a context manager, so a hook can live for one ``with`` block only.
    """

    __slots__ = ("_hooks", "id")

    def __init__(self, hooks: dict[int, Any]) -> None:
        self._hooks = hooks
        self.id = next(_hook_ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)
        structure_version[0] += 1

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model: subclass it, set layers and parameters as
    attributes in ``__init__``, and write ``forward``.

    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.Linear(2, 3, rng=0)
    ...         self.out = nn.Linear(3, 1, rng=1)
    ...     def forward(self, x):
    ...         return self.out(cr.sigmoid(self.hidden(x)))
    >>> net = TwoLayer()
    >>> [name for name, _ in net.named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    >>> net(cr.tensor([[1.0, 2.0]])).shape
    (1, 1)
    """

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers"] = set()
        d["_modules"] = {}
        d["_forward_pre_hooks"] = {}
        d["_forward_hooks"] = {}

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_hooks or self._forward_pre_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_hook(self, hook: ForwardHook) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every ``forward``; a value it returns
        replaces the output. Returns a handle whose ``remove()`` unregisters the hook.

        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> seen = []
        >>> layer = nn.Tanh()
        >>> handle = layer.register_forward_hook(lambda m, inputs, out: seen.append(out.shape))
        >>> _ = layer(cr.tensor([[0.0, 1.0]])); handle.remove(); _ = layer(cr.tensor([0.0]))
        >>> seen
        [(1, 2)]
        """
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        structure_version[0] += 1
        return handle

    def register_forward_pre_hook(self, hook: ForwardPreHook) -> RemovableHandle:
        """Call ``hook(module, inputs)`` before every ``forward``; a value it returns replaces
        the inputs (a tuple, or a single input)."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        structure_version[0] += 1
        return handle

    # ---- registration --------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if params is None:
            raise AttributeError(
                f"cannot set {name!r} before Module.__init__() has run: "
                f"call super().__init__() first in {type(self).__name__}.__init__"
            )
        modules, buffers = d["_modules"], d["_buffers"]
        if name in params or name in modules or isinstance(value, Parameter | Module):
            structure_version[0] += 1
        if isinstance(value, Parameter):
            self._forget(name, keep=params)  # a reassigned name keeps its place
            params[name] = value
            value.module_name = name
        elif isinstance(value, Module):
            self._forget(name, keep=modules)
            modules[name] = value
            _name_parameters(value, name)
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to parameter {name!r} of "
                    f"{type(self).__name__}: use nn.Parameter(...) or None"
                )
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to submodule {name!r} of "
                    f"{type(self).__name__}: use a Module or None"
                )
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                value = Tensor(value)
            buffers[name] = value
        d[name] = value

    def __delattr__(self, name: str) -> None:
        if name not in self.__dict__:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        self._forget(name)

    def _forget(self, name: str, keep: dict[str, Any] | None = None) -> None:
        structure_version[0] += 1
        d = self.__dict__
        for registry in (d["_parameters"], d["_modules"], d["_buffers"]):
            if registry is not keep:
                registry.pop(name, None)
        d["_non_persistent_buffers"].discard(name)
        d.pop(name, None)

    def _check_new_name(self, name: str, kind: str) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise ConfigError(f"{kind} name must be a non-empty string without '.', got {name!r}")
        d = self.__dict__
        registered = name in d["_parameters"] or name in d["_buffers"] or name in d["_modules"]
        if (name in d or hasattr(type(self), name)) and not registered:
            raise ConfigError(
                f"cannot register {kind} {name!r}: {type(self).__name__} has an "
                "attribute of that name already"
            )

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or an empty slot, ``None``) under ``name``."""
        self._check_new_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"parameter {name!r} must be an nn.Parameter or None, got {type(param).__name__}"
            )
        self._forget(name)
        self.__dict__["_parameters"][name] = param
        self.__dict__[name] = param
        if param is not None:
            param.module_name = name

    def register_buffer(self, name: str, value: Any, persistent: bool = True) -> None:
        """Add a tensor that is state but not trained (e.g. BatchNorm's running mean).

        Buffers move with ``to()`` and, when ``persistent``, appear in ``state_dict()``.
        """
        self._check_new_name(name, "buffer")
        if value is not None and not isinstance(value, Tensor):
            value = Tensor(value)
        self._forget(name)
        self.__dict__["_buffers"][name] = value
        self.__dict__[name] = value
        if not persistent:
            self.__dict__["_non_persistent_buffers"].add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (what assigning an attribute does)."""
        self._check_new_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"submodule {name!r} must be a Module, got {type(module).__name__}")
        self._forget(name)
        self.__dict__["_modules"][name] = module
        self.__dict__[name] = module
        if module is not None:
            _name_parameters(module, name)

    # ---- traversal -----------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every module inside it, depth first, each once."""
        yield from self._named_modules(set(), prefix)

    def _named_modules(self, seen: set[int], prefix: str) -> Iterator[tuple[str, Module]]:
        if id(self) in seen:
            return
        seen.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child._named_modules(seen, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules, in the order they were set."""
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``("0.weight", parameter)`` pairs in registration order; a shared parameter once."""
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def _named_members(self, registry: str, prefix: str, recurse: bool) -> Iterator[Any]:
        owners = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        seen: set[int] = set()
        for owner_name, owner in owners:
            for name, member in owner.__dict__[registry].items():
                if member is None or id(member) in seen:
                    continue
                seen.add(id(member))
                yield (f"{owner_name}.{name}" if owner_name else name), member

    def num_parameters(self, trainable_only: bool = False) -> int:
        """How many numbers the parameters hold (each shared parameter counted once)."""
        return sum(int(p.size) for p in self.parameters() if p.requires_grad or not trainable_only)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients -------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Put this module and all inside it in training mode (or evaluation, ``mode=False``).

        Each module has its own ``training`` flag; there is no global switch. Children are
        switched through their own ``train``, so a subclass may keep a part frozen.
        """
        self.training = bool(mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: Dropout passes inputs through, BatchNorm uses its running stats."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient: ``None``, or zeros with ``set_to_none=False``."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = Tensor(backend.get_array_module(p.array).zeros_like(p.array))

    # ---- devices and dtypes --------------------------------------------------------------
    def to(self, device: str | None = None, dtype: Any = None) -> Module:
        """Move every parameter and buffer to ``"cpu"`` or ``"cuda"`` and/or cast the floating
        ones to ``dtype``, in place (the ``Parameter`` objects stay the same, so an optimizer
        made before keeps working). Returns the module.
        """
        if device is not None and not isinstance(device, str):  # to(np.float64)
            device, dtype = None, device
        dtype = None if dtype is None else np.dtype(dtype)
        for tensor in itertools.chain(self.parameters(), self.buffers()):
            tensor.array = _converted(tensor.array, device, dtype)
            if tensor.grad is not None:
                tensor.grad = Tensor(_converted(tensor.grad.array, device, dtype))
        return self

    def double(self) -> Module:
        return self.to(dtype=np.float64)

    def float(self) -> Module:
        return self.to(dtype=np.float32)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self) -> Module:
        return self.to("cuda")

    # ---- state dicts ---------------------------------------------------------------------
    def _state_tensors(self, prefix: str = "") -> dict[str, Tensor]:
        """Every entry of the state dict, by dotted name; a module or tensor that appears in
        two places is saved under both names, as in PyTorch."""
        out: dict[str, Tensor] = {}
        for name, param in self._parameters.items():
            if param is not None:
                out[prefix + name] = param
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                out[prefix + name] = buffer
        for name, child in self._modules.items():
            if child is not None:
                out.update(child._state_tensors(f"{prefix}{name}."))
        return out

    def state_dict(self, *, keep_vars: bool = False) -> dict[str, Tensor]:
        """Parameters and persistent buffers by dotted name, as in PyTorch: detached tensors
        that share memory with them (``keep_vars=True``: the parameters themselves), so that
        ``sd[k].copy_(v)`` loads a value. Clone them to keep a snapshot while training goes on.

        >>> from chainrule import nn
        >>> model = nn.Sequential(nn.Linear(2, 3, rng=0))
        >>> {k: v.shape for k, v in model.state_dict().items()}
        {'0.weight': (3, 2), '0.bias': (3,)}
        >>> _ = model.state_dict()["0.bias"].fill_(7.0); model[0].bias
        Parameter containing:
        tensor([7., 7., 7.], requires_grad=True)
        """
        state = self._state_tensors()
        if keep_vars:
            return state
        return {name: t.detach() for name, t in state.items()}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values (arrays or tensors) into the parameters and buffers, keeping their dtype
        and device.

        With ``strict`` (the default) the keys must match ``state_dict()``'s exactly; either
        way every shape must fit. Nothing is changed unless everything fits, and the error
        names every missing key, unexpected key and shape mismatch. Returns the keys it
        skipped (useful with ``strict=False``).
        """
        own = self._state_tensors()
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        problems = []
        if strict and missing:
            problems.append(f"missing keys {missing}")
        if strict and unexpected:
            problems.append(f"unexpected keys {unexpected}")
        values: dict[str, np.ndarray] = {}
        for key, tensor in own.items():
            if key not in state_dict:
                continue
            value = _host_array(state_dict[key])
            if value.shape != tensor.shape:
                problems.append(
                    f"shape mismatch for {key!r}: the state dict has {value.shape}, "
                    f"the model {tensor.shape}"
                )
            elif value.dtype.kind not in "biuf":  # strings, objects: no number to copy
                problems.append(f"{key!r} holds {value.dtype} values, not numbers")
            else:  # converted now, so that nothing is written unless everything converts
                with np.errstate(over="ignore", invalid="ignore"):
                    converted = value.astype(tensor.dtype, copy=False)
                if converted.dtype.kind == "f" and not np.array_equal(
                    np.isfinite(converted), np.isfinite(value)
                ):
                    problems.append(f"{key!r} does not fit in {tensor.dtype} (it overflows)")
                values[key] = converted
        if problems:
            raise ModelFileError(
                f"cannot load the state dict into {type(self).__name__}: " + "; ".join(problems)
            )
        for key, value in values.items():
            _copy_into(own[key], value)
        return IncompatibleKeys(missing, unexpected)

    # ---- printing ------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's ``repr`` (override it)."""
        return ""

    def __repr__(self) -> str:
        lines = [line for line in self.extra_repr().split("\n") if line]
        for name, child in self._modules.items():
            lines.append(f"({name}): " + repr(child).replace("\n", "\n  "))
        if not self._modules and len(lines) <= 1:
            return f"{type(self).__name__}({''.join(lines)})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _converted(array: Any, device: str | None, dtype: np.dtype | None) -> Any:
    if dtype is not None and array.dtype.kind == "f" and array.dtype != dtype:
        array = array.astype(dtype)
    if device is not None:
        array = backend.to_device(array, device)
    return array


def _host_array(value: Any) -> np.ndarray:
    """A state-dict value (array, chainrule tensor, or a tensor of another library) on the host."""
    if isinstance(value, Tensor):
        return value.numpy()
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # e.g. a torch.Tensor
        value = value.detach().cpu()
    return backend.to_numpy(value)


def _copy_into(tensor: Tensor, value: np.ndarray) -> None:
    """Write ``value`` into ``tensor``'s array in place when possible (keeps dtype and device)."""
    data = tensor.array
    if isinstance(data, np.ndarray) and data.flags.writeable:
        data[...] = value
    elif backend.device_of(data) == "cuda":
        data[...] = backend.to_device(value.astype(data.dtype, copy=False), "cuda")
    else:
        tensor.array = np.array(value, dtype=data.dtype)


def _name_parameters(module: Module, prefix: str) -> None:
    """Give each parameter of ``module`` the name it has in the parent that registers
    ``module`` as ``prefix`` (``0.weight``). Modules are registered inside out, so the names
    end as the outermost module's ``named_parameters()`` gives them; ``trace`` shows them."""
    for name, param in module.named_parameters():
        param.module_name = f"{prefix}.{name}"
