"""Containers: ``Sequential`` (a chain of layers) and ``ModuleList`` (a list of them)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Self, overload

from chainrule.nn.module import Module


def _index(i: int, n: int, what: str) -> int:
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of range for a {what} of {n} modules")
    return i % n


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: length, iteration, and adding at the end."""

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Self:
        """Add a module at the end, named by its position."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Self:
        """Add each module at the end, in order."""
        for module in modules:
            self.append(module)
        return self


class Sequential(_ModuleSequence):
    """Layers applied one after the other; they are named "0", "1", ... (or by the keys of a
    dict passed as the only argument).

    >>> from chainrule import nn
    >>> net = nn.Sequential(nn.Linear(2, 4, rng=0), nn.Tanh(), nn.Linear(4, 1, rng=1))
    >>> len(net), type(net[-1]).__name__, [n for n, _ in net.named_parameters()][:2]
    (3, 'Linear', ['0.weight', '0.bias'])
    >>> net
    Sequential(
      (0): Linear(in_features=2, out_features=4, bias=True)
      (1): Tanh()
      (2): Linear(in_features=4, out_features=1, bias=True)
    )
    """

    def __init__(self, *modules: Module | dict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)  # type: ignore[arg-type]

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> Sequential: ...
    def __getitem__(self, index: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(dict(items[index]))
        return items[_index(index, len(items), "Sequential")][1]

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[_index(index, len(self), "Sequential")]
        setattr(self, name, module)

    def __delitem__(self, index: int | slice) -> None:
        names = list(self._modules)
        if isinstance(index, slice):
            doomed = names[index]
        else:
            doomed = [names[_index(index, len(names), "Sequential")]]
        for name in doomed:
            delattr(self, name)
        if all(name.isdigit() for name in names):  # renumber "0", "1", ... as PyTorch does
            kept = list(self._modules.values())
            for name in list(self._modules):
                delattr(self, name)
            for i, module in enumerate(kept):
                self.add_module(str(i), module)


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters the owner registers (a Python list would hide them).

    >>> from chainrule import nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2, rng=i) for i in range(3)])
    >>> len(layers), len(list(layers.parameters()))
    (3, 6)
    """

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        values = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(values[index])
        return values[_index(index, len(values), "ModuleList")]

    def __setitem__(self, index: int, module: Module) -> None:
        setattr(self, str(_index(index, len(self), "ModuleList")), module)
