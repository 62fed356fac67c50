"""Reverse accumulation, per-path sums, forward mode and the operation counts."""

from __future__ import annotations

import time

import numpy as np
import pytest

import chainrule as cr
from chainrule.explain import derive, trace
from chainrule.explain.graph import build_graph
from chainrule.explain.tables import (
    MAX_PATHS,
    count_operations,
    forward_table,
    path_counts,
    path_table,
    reverse_table,
)


def _squaring_chain(levels: int) -> cr.Tensor:
    """t <- t * t, ``levels`` times: 2 edges per level, 2**levels paths."""
    t = cr.tensor(np.float64(1.0), requires_grad=True, name="x")
    for _ in range(levels):
        t = t * t
    return t


def test_path_count_explodes_but_is_counted_exactly_and_enumeration_is_capped() -> None:
    start = time.perf_counter()
    e = trace(_squaring_chain(20))
    assert time.perf_counter() - start < 5
    (table,) = e.paths
    assert table.count == 2**20
    assert len(table.paths) == MAX_PATHS and not table.complete
    assert e.counts.paths == 2**20
    assert e.counts.path_mult == 20 * 2**20  # every path has 20 edges
    assert e.counts.reverse_mult == 40
    assert e.gradients == {"x": 2.0**20}
    assert e.agrees
    assert any("only the first 10000" in note for note in e.notes)


def test_path_table_respects_max_paths() -> None:
    graph, _ = build_graph(_squaring_chain(3))
    (table,) = path_table(graph, max_paths=5)
    assert table.count == 8 and len(table.paths) == 5 and not table.complete
    (full,) = path_table(graph)
    assert full.complete and full.total == 8.0 and len(full.paths) == 8
    assert all(len(p.edges) == 3 and p.product == 1.0 for p in full.paths)


def test_path_counts_by_dynamic_programming() -> None:
    e = derive("y = (x1 + x2)**2 * x2**2 + x2", {"x1": 1, "x2": 2})
    counts = path_counts(e.graph)
    assert counts["x1"] == 1 and counts["x2"] == 3 and counts["y"] == 1


def test_forward_passes_carry_tangents() -> None:
    e = derive("y = x1**2 + (x1 + x2)**2", {"x1": 1, "x2": 2})
    x2_pass = e.forward[1]
    assert x2_pass.input == "x2"
    assert [(s.node, s.value) for s in x2_pass.steps] == [
        ("a", 0.0),
        ("b", 1.0),
        ("c", 6.0),
        ("y", 6.0),
    ]


def test_counts_definitions_on_one_input_chain() -> None:
    e = derive("y = exp(sin(x))", {"x": 0.3})
    c = e.counts
    assert (c.edges, c.paths, c.path_edges) == (2, 1, 2)
    assert c.reverse_mult == c.path_mult == c.forward_mult == 2  # one input: all tie
    assert c.reverse_add == c.path_add == c.forward_add == 0


def test_non_scalar_graph_has_no_numeric_tables() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    graph, _ = build_graph((w * w).sum())
    steps = reverse_table(graph)
    assert all(s.value is None for s in steps[1:])
    with pytest.raises(ValueError):
        path_table(graph)
    with pytest.raises(ValueError):
        forward_table(graph)
    assert count_operations(graph).edges == 3
