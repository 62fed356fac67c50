"""ONNX export of the models chainrule builds: what ``model.eval()`` computes, as a graph that
ONNX Runtime (and every tool that reads ONNX) runs, with a dynamic batch dimension.

Batch norm is exported with its running statistics, dropout is dropped, and the graph is
float32 (a float64 model's weights are rounded to float32).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from chainrule import nn
from chainrule.engine import Tensor, no_grad
from chainrule.errors import ConfigError, ShapeError
from chainrule.interop._modules import as_module, layers, unsupported
from chainrule.serialization import atomic_write_bytes

# opset 20 is the first with Gelu; IR 9 is what onnx 1.15 / ONNX Runtime 1.17 read.
OPSET = 20
IR_VERSION = 9
# Layers that are one ONNX operator of the same input, with the attributes they take.
_ELEMENTWISE = {
    nn.ReLU: ("Relu", lambda m: {}),
    nn.Sigmoid: ("Sigmoid", lambda m: {}),
    nn.Tanh: ("Tanh", lambda m: {}),
    nn.LeakyReLU: ("LeakyRelu", lambda m: {"alpha": m.negative_slope}),
    nn.ELU: ("Elu", lambda m: {"alpha": m.alpha}),
    nn.GELU: ("Gelu", lambda m: {"approximate": m.approximate}),
    nn.Softmax: ("Softmax", lambda m: {"axis": m.dim}),
    nn.LogSoftmax: ("LogSoftmax", lambda m: {"axis": m.dim}),
}


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ConfigError("ONNX export needs onnx: pip install 'chainrule[onnx]'") from None
    return onnx


class _Graph:
    """The nodes and weights of the graph being built; ``value`` names the current output."""

    def __init__(self, onnx: Any) -> None:
        self.onnx = onnx
        self.nodes: list[Any] = []
        self.weights: list[Any] = []
        self.value = "input"

    def weight(self, name: str, array: Any) -> str:
        data = np.ascontiguousarray(np.asarray(array, dtype=np.float32))
        self.weights.append(self.onnx.numpy_helper.from_array(data, name))
        return name

    def node(self, op: str, extra_inputs: tuple[str, ...] = (), **attributes: Any) -> None:
        output = f"{op.lower()}_{len(self.nodes)}"
        self.nodes.append(
            self.onnx.helper.make_node(op, [self.value, *extra_inputs], [output], **attributes)
        )
        self.value = output


def _add_layer(graph: _Graph, layer: nn.Module, index: int) -> None:
    """Append the nodes computing ``layer`` in evaluation mode."""
    kind = type(layer)
    if kind in _ELEMENTWISE:
        op, attributes = _ELEMENTWISE[kind]
        graph.node(op, **attributes(layer))
    elif kind is nn.Linear:
        inputs = [graph.weight(f"{index}.weight", layer.weight.numpy())]
        if layer.bias is not None:
            inputs.append(graph.weight(f"{index}.bias", layer.bias.numpy()))
        graph.node("Gemm", tuple(inputs), transB=1)
    elif kind is nn.Softplus:  # ONNX's Softplus has no β: log(1 + e^(βx)) / β
        if layer.beta != 1.0:
            graph.node("Mul", (graph.weight(f"{index}.beta", layer.beta),))
        graph.node("Softplus")
        if layer.beta != 1.0:
            graph.node("Mul", (graph.weight(f"{index}.inverse_beta", 1.0 / layer.beta),))
    elif kind is nn.BatchNorm1d:
        _add_batch_norm(graph, layer, index)
    elif kind is nn.Flatten:
        if layer.start_dim != 1 or layer.end_dim != -1:
            raise ConfigError("ONNX export takes Flatten(start_dim=1, end_dim=-1) only")
        graph.node("Flatten", axis=1)
    elif kind not in (nn.Dropout, nn.Identity):  # both are the identity in evaluation
        raise unsupported(layer, "ONNX")


def _add_batch_norm(graph: _Graph, layer: nn.BatchNorm1d, index: int) -> None:
    if not layer.track_running_stats:
        raise ConfigError(
            "cannot export BatchNorm1d(track_running_stats=False) to ONNX: it normalizes "
            "with each batch's statistics even in evaluation"
        )
    c = layer.num_features
    scale = layer.weight.numpy() if layer.affine else np.ones(c)
    shift = layer.bias.numpy() if layer.affine else np.zeros(c)
    inputs = tuple(
        graph.weight(f"{index}.{name}", value)
        for name, value in (
            ("weight", scale),
            ("bias", shift),
            ("running_mean", layer.running_mean.numpy()),
            ("running_var", layer.running_var.numpy()),
        )
    )
    graph.node("BatchNormalization", inputs, epsilon=layer.eps)


def _evaluate(model: nn.Module, example: Tensor) -> Tensor:
    """``model(example)`` in evaluation mode, leaving each module's mode as it was."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            return model(example)
    finally:
        for module, training in modes:
            module.training = training


def to_onnx_model(
    model: Any, example_input: Any, standardize: tuple[Any, Any] | None = None
) -> Any:
    """The ``onnx.ModelProto`` of ``model`` (an ``nn.Module`` or a classic ``Network``), with
    the feature shape of ``example_input`` and any batch size; ``standardize=(mean, std)``
    puts ``(x - mean) / std`` in front, as a model trained with ``--standardize`` has."""
    onnx = _onnx()
    module = as_module(model)
    example = example_input if isinstance(example_input, Tensor) else Tensor(example_input)
    chain = list(layers(module))
    flattened_first = bool(chain) and isinstance(chain[0], nn.Flatten)
    if example.ndim != 2 and not (example.ndim > 2 and flattened_first):
        # ONNX's Gemm takes (m, n) only; wider examples need a leading Flatten
        raise ShapeError(
            f"example_input must be a batch of shape (m, features), got {example.shape} "
            "(put nn.Flatten() first for examples with more axes)"
        )
    graph = _Graph(onnx)
    if standardize is not None:
        graph.node("Sub", (graph.weight("input.mean", standardize[0]),))
        graph.node("Div", (graph.weight("input.std", standardize[1]),))
    for index, layer in enumerate(chain):
        _add_layer(graph, layer, index)
    if not graph.nodes:
        graph.node("Identity")
    output = _evaluate(module, example.astype(np.float32))
    float32 = onnx.TensorProto.FLOAT
    inputs = [onnx.helper.make_tensor_value_info("input", float32, ["batch", *example.shape[1:]])]
    outputs = [
        onnx.helper.make_tensor_value_info(graph.value, float32, ["batch", *output.shape[1:]])
    ]
    onnx_graph = onnx.helper.make_graph(
        graph.nodes, "chainrule", inputs, outputs, initializer=graph.weights
    )
    proto = onnx.helper.make_model(
        onnx_graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)], producer_name="chainrule"
    )
    proto.ir_version = IR_VERSION
    onnx.checker.check_model(proto)
    return proto


def export_onnx(
    model: Any,
    example_input: Any,
    path: str | os.PathLike[str],
    standardize: tuple[Any, Any] | None = None,
) -> Path:
    """Write ``model`` (an ``nn.Module`` chain or a classic ``Network``) as an ONNX file
    computing what ``model.eval()`` computes, all at once (a reader never sees half a file).

    Example (needs ``onnx``, so not a doctest)::

        model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
        export_onnx(model, np.zeros((1, 4), np.float32), "model.onnx")
    """
    proto = to_onnx_model(model, example_input, standardize)
    return atomic_write_bytes(path, proto.SerializeToString())
