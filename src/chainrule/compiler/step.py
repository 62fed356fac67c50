"""``CompiledStep``: a training step traced once per batch shape, then replayed as a plan.

The first call with a batch shape runs the step eagerly (forward, ``zero_grad``, backward,
``optimizer.step()``) and builds a plan from the graph it recorded; later calls with that
shape replay the plan. Before each replay, guards check that nothing the plan was built
against has changed: the parameters' arrays, the model's modules and hooks, the optimizer's
groups and state. A change retraces; a step that cannot be compiled runs eagerly, with the
reason in ``reason``.
"""

from __future__ import annotations

import logging
import operator
import warnings
from typing import Any

import numpy as np

from chainrule.compiler.kernels import NotCompilable
from chainrule.compiler.plan import Plan, build_plan
from chainrule.engine import state as engine_state
from chainrule.engine.tensor import Tensor
from chainrule.i18n import _
from chainrule.nn import (
    CrossEntropyLoss,
    Identity,
    Linear,
    Module,
    QuadraticCost,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from chainrule.nn import module as nn_module
from chainrule.optim import Optimizer

log = logging.getLogger("chainrule.compile")
_array_of = operator.attrgetter("array")
_requires_grad_of = operator.attrgetter("requires_grad")
_is = operator.is_

# Modules whose forward is one of the compiled ops and nothing else (exact types: a subclass
# may override forward with Python the trace cannot see).
COMPILED_MODULES = (Sequential, Linear, Sigmoid, Tanh, ReLU, Identity)
#: Shapes kept compiled at once; a step that keeps changing shape runs eagerly instead.
MAX_SHAPES = 8
#: Retraces after a guard failed; past this, the model or optimizer changes too often.
MAX_RETRACES = 8


class CompileWarning(UserWarning):
    """A compiled step runs eagerly (the message says why)."""


class CompiledStep:
    """``step(x, y)`` trains ``model`` on one batch as the eager loop does and returns J.

    It computes what ``model.train(); loss = loss_fn(model(Tensor(x)), y);
    optimizer.zero_grad(); loss.backward(); optimizer.step()`` computes, bit for bit, and
    leaves the same ``.grad`` on every parameter (arrays reused from step to step).
    ``reason`` says why the last call ran eagerly (None when it replayed); ``traces`` counts
    the eager steps that built a plan. ``check_labels`` checks class labels at every step
    (the training loop, which checked its data once, turns it off).

    ``keep_grads=False`` (the training loop's choice, which reads no ``.grad``) lets a
    float32 step under plain SGD fold α into the loss gradient, as the NumPy limit does:
    one pass over the weights fewer, numbers equal to the eager step's to rounding instead
    of bit for bit, and ``.grad`` None after the step. float64 steps stay bit-identical.

    >>> import numpy as np, chainrule as cr
    >>> from chainrule import nn, optim
    >>> model = nn.Sequential(nn.Linear(4, 3, rng=0), nn.Tanh(), nn.Linear(3, 2, rng=1))
    >>> step = cr.compile(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1))
    >>> x, y = np.ones((5, 4), np.float32), np.array([0, 1, 0, 1, 1])
    >>> losses = [step(x, y) for _ in range(3)]
    >>> step.traces, step.reason, losses[2] < losses[0]
    (1, None, True)
    """

    def __init__(
        self,
        model: Module,
        loss_fn: Module,
        optimizer: Optimizer,
        *,
        check_labels: bool = True,
        warn: bool = True,
        keep_grads: bool = True,
    ) -> None:
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.keep_grads = keep_grads
        # class labels are checked for cross-entropy only (a quadratic cost takes any numbers)
        self.check_labels = check_labels and type(loss_fn) is CrossEntropyLoss
        self._classes = 0  # the output width, for that check, set at each trace
        self.warn = warn
        self.reason: str | None = None
        self.traces = 0
        self.retraces = 0
        self._plans: dict[tuple[Any, ...], Plan] = {}
        self._never = _static_reason(model, loss_fn, optimizer)  # compiling is ruled out
        self._dtype = next(iter(model.parameters())).dtype if self._never is None else None
        self._guards: tuple[Any, ...] = ()
        self._structure: tuple[int, ...] = ()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (or deep-copied) without its plans, which the next call traces again."""
        state = self.__dict__.copy()
        state.update(_plans={}, _guards=(), _structure=(), _traced_objects=None)
        return state

    def __call__(self, x: Any, y: Any) -> float:
        if self._never is not None:
            return self._eager(x, y, self._never)
        # a DataLoader's batch: constant tensors stand for their arrays
        if type(x) is Tensor and not x.requires_grad:
            x = x.array
        if type(y) is Tensor and not y.requires_grad:
            y = y.array
        if type(x) is not np.ndarray or type(y) is not np.ndarray:
            return self._eager(x, y, _("the batch is not a pair of NumPy arrays"))
        if x.dtype != self._dtype:
            x = x.astype(self._dtype)
        if not engine_state.switches.grad_enabled or engine_state.switches.detect_anomaly:
            return self._eager(x, y, _("gradients are off or anomaly detection is on"))
        plan = self._plans.get((x.shape, x.dtype, y.shape, y.dtype))
        if plan is None or not self._unchanged():
            return self._trace(x, y, plan is not None)
        if self.check_labels and not self._labels_fit(y):
            return self._eager(x, y, _("labels outside the classes (or ignored ones)"))
        if not self.model.training:
            self.model.train()
        self.reason = None
        if plan.uses_sigmoid:  # e^-x overflows to its limit, as arrays.sigmoid
            return float(plan.run_ignoring_overflow(x, y))
        return float(plan.run(x, y))

    # ---- eager steps and traces ----------------------------------------------------------
    def eager_step(self, x: Any, y: Any) -> tuple[float, Tensor, Tensor]:
        """The step as the eager loop takes it: J, the loss tensor and the input tensor."""
        self.model.train()
        inputs = Tensor(x)
        loss = self.loss_fn(self.model(inputs), y)
        self.optimizer.zero_grad()
        loss.backward()
        value = float(loss.item())
        self.optimizer.step()
        return value, loss, inputs

    def _eager(self, x: Any, y: Any, reason: str) -> float:
        self._note(reason)
        return self.eager_step(x, y)[0]

    def _note(self, reason: str) -> None:
        """Keep why the step runs eagerly; log it (and warn) when it is news."""
        if reason != self.reason:
            log.info("compiled step runs eagerly: %s", reason)
            if self.warn:
                message = _("compiled step runs eagerly: {reason}").format(reason=reason)
                warnings.warn(message, CompileWarning, stacklevel=4)
        self.reason = reason

    def _trace(self, x: Any, y: Any, changed: bool) -> float:
        if changed:
            self._plans.clear()
            self.retraces += 1
            if self.retraces > MAX_RETRACES:
                self._never = _("the model or optimizer changed {n} times").format(n=MAX_RETRACES)
                return self._eager(x, y, self._never)
        if _hooked(self.model):
            return self._eager(x, y, _("a module has forward hooks"))
        if self.check_labels:
            linears = [m for m in self.model.modules() if type(m) is Linear]
            self._classes = linears[-1].out_features if linears else 0
            if y.dtype.kind in "iu" and not self._labels_fit(y):
                return self._eager(x, y, _("labels outside the classes (or ignored ones)"))
        if any(type(p.array) is not np.ndarray for p in self.model.parameters()):
            return self._eager(x, y, _("the parameters are not NumPy arrays (a device)"))
        if len(self._plans) >= MAX_SHAPES:
            self._never = _("more than {n} batch shapes (dynamic shapes)").format(n=MAX_SHAPES)
            return self._eager(x, y, self._never)
        value, loss, inputs = self.eager_step(x, y)
        self.traces += 1
        try:
            plan = build_plan(loss, inputs, self.optimizer, keep_grads=self.keep_grads)
        except NotCompilable as why:
            self._never = str(why)
            self._note(self._never)
            return value
        self._plans[(x.shape, x.dtype, y.shape, y.dtype)] = plan
        self._guards = self._snapshot()
        self._structure = _structure(self.model)
        self._traced_objects = (list(self.model.modules()), list(self.model.parameters()))
        self.reason = _("traced a new plan")
        return value

    # ---- guards --------------------------------------------------------------------------
    def _labels_fit(self, y: np.ndarray) -> bool:
        return y.size == 0 or (int(y.min()) >= 0 and int(y.max()) < self._classes)

    def _snapshot(self) -> tuple[Any, ...]:
        """What the plans were built against, cheap to compare at every step."""
        opt = self.optimizer
        params = tuple(self.model.parameters())
        # by identity: the arrays and parameters are kept alive here, so no other object
        # takes the place of one
        arrays = tuple(map(_array_of, params))
        flags = list(map(_requires_grad_of, params))
        groups = tuple((g, g["params"], tuple(g["params"])) for g in opt.param_groups)
        return (
            nn_module.structure_version[0],
            (params, arrays, flags),
            opt.param_groups,
            groups,
            opt.state,
        )

    def _unchanged(self) -> bool:
        version, params, group_list, groups, opt_state = self._guards
        opt = self.optimizer
        if opt.state is not opt_state or opt.param_groups is not group_list:
            return False
        for group, members, traced in groups:
            if (
                group["params"] is not members
                or len(members) != len(traced)
                or not all(map(_is, members, traced))
            ):
                return False
        tensors, arrays, flags = params
        if not all(map(_is, map(_array_of, tensors), arrays)):
            return False
        if list(map(_requires_grad_of, tensors)) != flags:
            return False
        if nn_module.structure_version[0] != version:
            # modules or hooks were added or removed somewhere: are these the same?
            if _structure(self.model) != self._structure:
                return False
            self._guards = (nn_module.structure_version[0], *self._guards[1:])
        return True


def _structure(model: Module) -> tuple[int, ...]:
    """Every module of ``model`` with its children and parameters, by identity (the traced
    ones are kept alive, so no new object takes an old id), and its hook count (negative)."""
    out: list[int] = []
    for m in model.modules():
        out.append(id(m))
        out.extend(map(id, m._modules.values()))
        out.extend(map(id, m._parameters.values()))
        out.append(-1 - len(m._forward_hooks) - len(m._forward_pre_hooks))
    return tuple(out)


def _hooked(model: Module) -> bool:
    return any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def _static_reason(model: Module, loss_fn: Module, optimizer: Optimizer) -> str | None:
    """Why this model, loss and optimizer can never be compiled, or None."""
    for m in model.modules():
        if type(m) not in COMPILED_MODULES:
            return _("the module {name} has no compiled kernel").format(name=type(m).__name__)
    if type(loss_fn) is CrossEntropyLoss:
        plain = loss_fn.weight is None and not loss_fn.label_smoothing
        if not plain or loss_fn.reduction != "mean":
            return _("cross-entropy with weights, smoothing or a reduction is not compiled")
    elif type(loss_fn) is not QuadraticCost:
        return _("the loss {name} has no compiled kernel").format(name=type(loss_fn).__name__)
    if type(optimizer).step is not Optimizer.step:
        return _("the optimizer {name} has its own step()").format(name=type(optimizer).__name__)
    dtypes = {p.dtype for p in model.parameters()}
    if len(dtypes) != 1:
        return _("the parameters have {n} dtypes, not one").format(n=len(dtypes))
    return None
