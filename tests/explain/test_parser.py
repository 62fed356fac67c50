"""The expression parser: the grammar, common sub-expressions, and hostile input."""

from __future__ import annotations

import ast
import builtins
import time

import pytest

from chainrule.errors import ExpressionError
from chainrule.explain import derive, parse, parse_assignments
from chainrule.explain.parser import MAX_CHARS, Term, evaluate


def test_parses_the_lecture_example() -> None:
    e = parse("y = (x1 + x2) * (x2 + 1)")
    assert e.output == "y"
    assert e.variables == ("x1", "x2")
    assert e.positions == {"x1": 5, "x2": 10}
    root = e.root
    assert (root.kind, root.op) == ("binary", "*")
    assert root.args[1].args[1] == Term("number", value=1.0)


def test_without_a_name_the_output_is_unnamed() -> None:
    assert parse("x**2").output is None


@pytest.mark.parametrize(
    ("text", "kind", "op"),
    [
        ("-x", "neg", "-"),
        ("+x", "variable", ""),
        ("x - y", "binary", "-"),
        ("x / y", "binary", "/"),
        ("x ** 3", "binary", "**"),
        *[(f"{f}(x)", "call", f) for f in ("exp", "log", "sqrt", "sin", "cos", "tanh")],
        *[(f"{f}(x)", "call", f) for f in ("sigmoid", "relu", "abs")],
    ],
)
def test_grammar(text: str, kind: str, op: str) -> None:
    root = parse(text).root
    assert (root.kind, root.op) == (kind, op)


def test_equal_subexpressions_are_equal_terms() -> None:
    root = parse("(x1 + x2) * (x1+x2)").root
    left, right = root.args
    assert left == right and hash(left) == hash(right)
    assert left.position != right.position


def test_constants_are_folded() -> None:
    root = parse("x ** (1/2) + 2*3").root
    assert root.args[0].args[1] == Term("number", value=0.5)
    assert root.args[1] == Term("number", value=6.0)
    assert parse("-3 * x").root.args[0].value == -3.0


HOSTILE = [
    "x.__class__",
    "x.__class__.__bases__",
    "__import__('os')",
    "__import__(os)",
    "__builtins__",
    "__x",
    "open(x)",
    "eval(x)",
    "exec(x)",
    "getattr(x, y)",
    "x.y(z)",
    "(x)(y)",
    "[x for x in y]",
    "(x for x in y)",
    "{x for x in y}",
    "lambda x: x",
    "exp(x=1)",
    "exp(*x)",
    "exp(x, y)",
    "exp()",
    "x**1e9",
    "x**-1001",
    "9**9**9",
    "2**x**2**1000",
    "10**400*x",
    "1e999*x",
    "(" * 10_000 + "x" + ")" * 10_000,
    "(" * 51 + "x" + ")" * 51,
    "-" * 300 + "x",
    "+".join(["x"] * 300),
    "x" * 10_000_000,
    "",
    "   ",
    "x; y",
    "x\ny",
    "y = ",
    "y =",
    "y = x = 1",
    "x, y",
    "import os",
    "x if y else z",
    "x == y",
    "x and y",
    "x[0]",
    "x // 2",
    "x % 2",
    "x ^ 2",
    "x @ y",
    "'a' + x",
    "1j * x",
    "True + x",
    "None",
    "exp + 1",
    "x = x + 1",
    "2x",
    "x +",
    "\\x",
    "x\u00b2",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:30]))
def test_hostile_input_is_rejected_quickly_with_one_line(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ExpressionError) as info:
        expression = parse(text)
        derive(expression, {v: 1.0 for v in expression.variables})
    assert time.perf_counter() - start < 0.5
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message


def test_positions_point_at_the_problem() -> None:
    cases = {
        "x + y.z": 4,
        "x + foo(y)": 4,
        "x ** 1e9": 5,
        "x + 'a'": 4,
        "y = ": 3,
        "(" * 51 + "x" + ")" * 51: 50,
    }
    for text, column in cases.items():
        with pytest.raises(ExpressionError) as info:
            parse(text)
        assert info.value.position == column, text
        assert f"(at column {column + 1})" in str(info.value)


def test_too_long_is_rejected_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("ast.parse must not see an oversized expression")

    monkeypatch.setattr(ast, "parse", no_parse)
    for text in ["x" * (MAX_CHARS + 1), "(" * 10_000 + "x" + ")" * 10_000, "x+" * 500 + "x"]:
        with pytest.raises(ExpressionError):
            parse(text)


def test_no_code_in_an_expression_ever_runs(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """eval/exec are never called, compile only ever builds an AST, nothing is imported."""
    real_compile = builtins.compile
    real_import = builtins.__import__

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("code from an expression was about to run")

    def ast_only(source, filename, mode, flags=0, *args, **kwargs):  # type: ignore[no-untyped-def]
        assert flags & ast.PyCF_ONLY_AST, "compile() to code object"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def guarded_import(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        assert name not in {"os", "subprocess", "shutil", "pathlib"}, name
        return real_import(name, *args, **kwargs)

    target = tmp_path / "pwned"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(builtins, "eval", fail)
    monkeypatch.setattr(builtins, "exec", fail)
    monkeypatch.setattr(builtins, "compile", ast_only)
    monkeypatch.setattr(builtins, "__import__", guarded_import)
    attempts = [
        "open(pwned, w)",
        "__import__(os).system(touch_pwned)",
        "exp(x).__class__.__init__.__globals__",
        "y = x + open(pwned)",
    ]
    for text in attempts:
        with pytest.raises(ExpressionError):
            parse(text)
    explanation = derive("y = (x1 + x2) * (x2 + 1)", {"x1": 1, "x2": 2})  # still works
    assert explanation.value == 9.0
    assert not target.exists()


def test_parse_assignments() -> None:
    assert parse_assignments(["x1=1", "x2=2"]) == {"x1": 1.0, "x2": 2.0}
    assert parse_assignments(["x1=1 x2=-2.5e-1"]) == {"x1": 1.0, "x2": -0.25}
    assert parse_assignments("a=1,b=2") == {"a": 1.0, "b": 2.0}
    assert parse_assignments([]) == {}


@pytest.mark.parametrize(
    "items", [["x1"], ["x1="], ["=1"], ["x1=a"], ["x1=1", "x1=2"], ["x1=inf"], ["_x=1"], ["1x=2"]]
)
def test_parse_assignments_rejects(items: list[str]) -> None:
    with pytest.raises(ExpressionError):
        parse_assignments(items)


@pytest.mark.parametrize(
    ("text", "gradient"),
    [
        ("+".join(f"x{i}" for i in range(101)), 1.0),  # a flat sum: 101 terms, 2 levels
        ("*".join(f"x{i}" for i in range(101)), 0.5**100),
        ("-".join(f"x{i}" for i in range(150)), 1.0),
        (" + ".join(f"w{i}*x{i}" for i in range(80)), 0.5),  # each product one level deeper
        ("+".join(["x"] * 200), 200.0),  # the longest flat sum the token limit lets through
    ],
    ids=["sum-101", "product-101", "difference-150", "weighted-sum-80", "sum-200"],
)
def test_a_long_flat_expression_is_not_deep(text: str, gradient: float) -> None:
    # No wall-clock bound here (speed is for benchmarks/, and a loaded machine failed one):
    # a long flat chain that parsed as deep nesting would be refused by parse() instead.
    expression = parse(text)
    explanation = derive(expression, {name: 0.5 for name in expression.variables})
    assert explanation.gradients[expression.variables[0]] == pytest.approx(gradient, rel=1e-12)


@pytest.mark.parametrize(
    "text",
    [
        "**".join(["x"] * 101),  # x**x**...: right-associative, really 101 deep
        "-" * 101 + "x",
        "-exp(" * 45 + "**".join(["x"] * 15) + ")" * 45,  # 45 parentheses, 105 deep
        "x + " + "-exp(" * 40 + "x*" + "-" * 25 + "y" + ")" * 40,
    ],
    ids=["power-tower-101", "minus-101", "calls-and-powers", "calls-and-minus-in-a-sum"],
)
def test_real_deep_nesting_is_still_refused(text: str) -> None:
    with pytest.raises(ExpressionError, match=r"nests deeper than 100|too long|parentheses"):
        parse(text)


@pytest.mark.parametrize("value", [10**400, -(10**309)], ids=["10**400", "-10**309"])
def test_an_int_too_large_for_a_float_is_one_line_naming_the_variable(value: int) -> None:
    for attempt in (
        lambda: derive("x**2", {"x": value}),
        lambda: evaluate(parse("y = x + z"), {"x": 1.0, "z": value}),
    ):
        with pytest.raises(ExpressionError, match=r"the value of [xz] is too large") as info:
            attempt()
        assert "\n" not in str(info.value) and len(str(info.value)) < 80
