"""Expressions such as ``y = (x1 + x2) * (x2 + 1)``: parsed safely, evaluated as tensors.

The grammar is a small whitelist over Python's own expression syntax: numbers, variables,
``+ - * / **``, unary minus, parentheses and the functions in :data:`FUNCTIONS`, with an
optional leading ``name =``. Nothing in the text is ever run: the text is size-checked, parsed
by :func:`ast.parse` into a tree, every tree node is checked against the whitelist, and the tree
is turned into :class:`Term` objects that build chainrule tensors.

Limits, checked before :func:`ast.parse` sees the text (it can itself blow up on megabytes or
on thousands of nested parentheses): at most :data:`MAX_CHARS` characters, :data:`MAX_TOKENS`
tokens and :data:`MAX_NESTING` nested parentheses. After parsing: at most :data:`MAX_NODES`
expression nodes, nested at most :data:`MAX_DEPTH` deep (a flat sum of any length is not deep),
and a constant exponent of at most :data:`MAX_EXPONENT` in size.

Constant sub-expressions are folded into one number (``x**(1/2)`` is ``x^0.5``). Equal
sub-expressions are equal terms (``Term`` compares by structure, not by position), so the
graph built from them has one node for ``(x1 + x2)`` however often it is written.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule import ops
from chainrule.engine.tensor import Tensor
from chainrule.errors import ExpressionError
from chainrule.i18n import _

MAX_CHARS = 2000
MAX_TOKENS = 400
MAX_NESTING = 50
MAX_NODES = MAX_TOKENS  # every part is at least one token
MAX_DEPTH = 100
MAX_EXPONENT = 1000

#: The functions an expression may call, each with one argument.
FUNCTIONS = ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs")

_ALLOWED_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_. \t\n+-*/()=,;^"
)
_TOKEN = re.compile(r"[A-Za-z0-9_.]+|\*\*|\S")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


@dataclass(frozen=True)
class Term:
    """One node of a parsed expression.

    ``kind`` is ``"number"``, ``"variable"``, ``"neg"``, ``"binary"`` (``op`` one of
    ``+ - * / **``) or ``"call"`` (``op`` a function name). Equality and hashing ignore
    ``position`` and ``source``, so structurally equal sub-expressions are one key.

    >>> parse("(a + b) * (a + b)").root.args[0] == parse("(a+b)").root
    True
    """

    kind: str
    op: str = ""
    args: tuple[Term, ...] = ()
    value: float = 0.0
    name: str = ""
    position: int = field(default=0, compare=False)
    source: str = field(default="", compare=False)


@dataclass(frozen=True)
class Expression:
    """A parsed expression: the output name (``None`` without ``name =``) and its tree.

    ``variables`` are in order of first appearance, ``positions`` give each one's first column
    (0-based).
    """

    text: str
    output: str | None
    root: Term
    variables: tuple[str, ...]
    positions: Mapping[str, int]


def parse(text: str) -> Expression:
    """Parse an expression, checking it against the whitelist; nothing in it is run.

    >>> e = parse("y = (x1 + x2) * (x2 + 1)")
    >>> e.output, e.variables
    ('y', ('x1', 'x2'))
    >>> parse("x.__class__")
    Traceback (most recent call last):
    ...
    chainrule.errors.ExpressionError: attribute access is not allowed (at column 1)
    """
    if not isinstance(text, str):
        raise ExpressionError(
            _("an expression must be a string, got {kind}").format(kind=type(text).__name__)
        )
    _check_text(text)
    try:
        module = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        position = _syntax_position(text, exc)
        raise ExpressionError(
            _("cannot parse the expression: {msg}").format(msg=exc.msg), position
        ) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ExpressionError(_("the expression is too complex to parse")) from None
    lines = _line_starts(text)
    if len(module.body) != 1:
        at = _offset(lines, module.body[1]) if len(module.body) > 1 else None
        raise ExpressionError(_("give exactly one expression (no ';' or new lines)"), at)
    statement = module.body[0]
    output: str | None = None
    if isinstance(statement, ast.Assign):
        if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
            raise ExpressionError(
                _("the left of '=' must be one name, as in y = x**2"), _offset(lines, statement)
            )
        target = statement.targets[0]
        output = _check_name(target.id, _offset(lines, target))
        tree = statement.value
    elif isinstance(statement, ast.Expr):
        tree = statement.value
    else:
        raise ExpressionError(_("not an expression"), _offset(lines, statement))
    _check_size(tree, lines)
    root = _Builder(text, lines).term(tree)
    variables: dict[str, int] = {}
    _collect_variables(root, variables)
    if output is not None and output in variables:
        raise ExpressionError(
            _("the output {output} also appears as an input on the right of '='").format(
                output=output
            ),
            variables[output],
        )
    return Expression(text, output, root, tuple(variables), variables)


def parse_assignments(items: Iterable[str] | str) -> dict[str, float]:
    """Values of variables from ``name=value`` strings, as given to ``--at``.

    Each item may hold several assignments separated by spaces or commas.

    >>> parse_assignments(["x1=1", "x2=2.5"])
    {'x1': 1.0, 'x2': 2.5}
    >>> parse_assignments("x1=1, x2=-2")
    {'x1': 1.0, 'x2': -2.0}
    """
    if isinstance(items, str):
        items = [items]
    text = " ".join(items)
    values: dict[str, float] = {}
    for match in re.finditer(r"[^\s,]+", text):
        part, start = match.group(), match.start()
        name, sep, raw = part.partition("=")
        if not sep or not name or not raw:
            raise ExpressionError(_("expected name=value, got {part!r}").format(part=part), start)
        _check_name(name, start)
        if name in values:
            raise ExpressionError(_("{name} is given twice").format(name=name), start)
        values[name] = number_value(raw, name, start + len(name) + 1)
    return values


def number_value(raw: Any, name: str, position: int | None = None) -> float:
    """The value given for variable ``name`` as a finite float, or one line saying why not.

    >>> number_value("2.5", "x")
    2.5
    >>> number_value(10**400, "x")
    Traceback (most recent call last):
    ...
    chainrule.errors.ExpressionError: the value of x is too large for a float (1000000000000000…)
    """
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ExpressionError(
            _("the value of {name} is not a number: {raw!r}").format(name=name, raw=raw), position
        ) from None
    except OverflowError:  # an int beyond float64's range, as 10**400
        message = _("the value of {name} is too large for a float ({raw}…)").format(
            name=name, raw=str(raw)[:16]
        )
        raise ExpressionError(message, position) from None
    if not math.isfinite(value):
        raise ExpressionError(
            _("the value of {name} must be finite, got {raw!r}").format(name=name, raw=raw),
            position,
        )
    return value


# ---- checks on the text, before ast.parse --------------------------------------------------
def _check_text(text: str) -> None:
    if len(text) > MAX_CHARS:
        raise ExpressionError(
            _("the expression is too long ({text} characters; at most {MAX_CHARS})").format(
                text=len(text), MAX_CHARS=MAX_CHARS
            )
        )
    if not text.strip():
        raise ExpressionError(_("the expression is empty"))
    depth = 0
    for i, ch in enumerate(text):
        if ch not in _ALLOWED_CHARS:
            raise ExpressionError(_("unexpected character {ch!r}").format(ch=ch), i)
        if ch == "(":
            depth += 1
            if depth > MAX_NESTING:
                raise ExpressionError(
                    _("parentheses nested deeper than {MAX_NESTING}").format(
                        MAX_NESTING=MAX_NESTING
                    ),
                    i,
                )
        elif ch == ")":
            depth -= 1
    tokens = sum(1 for _token in _TOKEN.finditer(text))
    if tokens > MAX_TOKENS:
        raise ExpressionError(
            _("the expression is too long ({tokens} tokens; at most {MAX_TOKENS})").format(
                tokens=tokens, MAX_TOKENS=MAX_TOKENS
            )
        )
    match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*=\s*", text)
    if match:
        raise ExpressionError(
            _("nothing after '{group} ='").format(group=match.group(1)), len(text.rstrip())
        )


def _check_size(tree: ast.AST, lines: list[int]) -> None:
    """At most MAX_NODES expression nodes, nested at most MAX_DEPTH deep (walked without
    recursion).

    Nesting is what the text shows, not the height of the tree: Python reads a + b + c as
    (a + b) + c, a tree as tall as the sum is long, so the left operand of an operator, when
    it is written without parentheses, stays at its parent's depth. A flat sum or product of
    any length is two levels deep; each parenthesis, call, unary minus or right operand (the
    tower x**x**x included) is one level more.
    """
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(
                _("the expression has more than {MAX_NODES} parts").format(MAX_NODES=MAX_NODES)
            )
        if depth > MAX_DEPTH:
            raise ExpressionError(
                _("the expression nests deeper than {MAX_DEPTH}").format(MAX_DEPTH=MAX_DEPTH),
                _offset(lines, node),
            )
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                stack.append((child, depth if _continues_chain(node, child) else depth + 1))


def _continues_chain(parent: ast.AST, child: ast.AST) -> bool:
    """``child`` is the unparenthesized left operand of ``parent``, as a + b in a + b + c
    (a parenthesized operand starts after its '(', so later than its parent)."""
    return (
        isinstance(parent, ast.BinOp)
        and child is parent.left
        and isinstance(child, ast.BinOp)
        and (child.lineno, child.col_offset) == (parent.lineno, parent.col_offset)
    )


def _check_name(name: str, position: int | None) -> str:
    if name.startswith("_"):
        raise ExpressionError(_("names may not start with '_': {name}").format(name=name), position)
    if not _NAME.match(name):
        raise ExpressionError(_("not a valid name: {name!r}").format(name=name), position)
    if name in FUNCTIONS:
        raise ExpressionError(
            _("{name} is a function: call it as {name}(...)").format(name=name), position
        )
    return name


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _offset(lines: list[int], node: ast.AST) -> int:
    """The 0-based character offset of ``node`` in the text (the text is ASCII)."""
    return lines[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]


def _syntax_position(text: str, exc: SyntaxError) -> int | None:
    if exc.lineno is None or exc.offset is None:
        return None
    lines = _line_starts(text)
    line = min(max(exc.lineno, 1), len(lines))
    return min(lines[line - 1] + max(exc.offset - 1, 0), len(text))


# ---- from the checked ast to terms ---------------------------------------------------------
class _Builder:
    """Turns a whitelisted ast into terms; anything outside the whitelist is an error."""

    def __init__(self, text: str, lines: list[int]) -> None:
        self.text = text
        self.lines = lines

    def term(self, node: ast.expr) -> Term:
        at = _offset(self.lines, node)
        source = ast.get_source_segment(self.text, node) or ""
        if isinstance(node, ast.Constant):
            return Term("number", value=self._constant(node.value, at), position=at, source=source)
        if isinstance(node, ast.Name):
            name = _check_name(node.id, at)
            return Term("variable", name=name, position=at, source=source)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, at, source)
        if isinstance(node, ast.BinOp):
            return self._binary(node, at, source)
        if isinstance(node, ast.Call):
            return self._call(node, at, source)
        raise ExpressionError(_not_allowed(node), at)

    def _constant(self, value: Any, at: int) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExpressionError(
                _("only real numbers are allowed, not {value!r:.30}").format(value=value), at
            )
        try:
            number = float(value)
        except OverflowError:
            raise ExpressionError(_("number too large"), at) from None
        if not math.isfinite(number):
            raise ExpressionError(_("number too large"), at)
        return number

    def _unary(self, node: ast.UnaryOp, at: int, source: str) -> Term:
        if isinstance(node.op, ast.UAdd):
            return self.term(node.operand)
        if not isinstance(node.op, ast.USub):
            raise ExpressionError(_not_allowed(node.op), at)
        operand = self.term(node.operand)
        if operand.kind == "number":
            return Term("number", value=-operand.value, position=at, source=source)
        return Term("neg", "-", (operand,), position=at, source=source)

    def _binary(self, node: ast.BinOp, at: int, source: str) -> Term:
        op = _BINARY.get(type(node.op))
        if op is None:
            hint = " (use ** for powers)" if isinstance(node.op, ast.BitXor) else ""
            raise ExpressionError(f"{_not_allowed(node.op)}{hint}", at)
        left, right = self.term(node.left), self.term(node.right)
        if op == "**" and right.kind == "number" and abs(right.value) > MAX_EXPONENT:
            raise ExpressionError(
                _("exponent {value:g} is too large (at most {MAX_EXPONENT} in size)").format(
                    value=right.value, MAX_EXPONENT=MAX_EXPONENT
                ),
                right.position,
            )
        if left.kind == "number" and right.kind == "number":
            value = _fold(op, left.value, right.value, source, at)
            return Term("number", value=value, position=at, source=source)
        return Term("binary", op, (left, right), position=at, source=source)

    def _call(self, node: ast.Call, at: int, source: str) -> Term:
        allowed = ", ".join(FUNCTIONS)
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(
                _("only these functions can be called: {allowed}").format(allowed=allowed), at
            )
        name = node.func.id
        if name not in FUNCTIONS:
            raise ExpressionError(
                _("unknown function {name!r} (allowed: {allowed})").format(
                    name=name, allowed=allowed
                ),
                at,
            )
        if node.keywords:
            raise ExpressionError(_("{name}() takes no keyword arguments").format(name=name), at)
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(_("{name}() takes exactly one argument").format(name=name), at)
        arg = self.term(node.args[0])
        if arg.kind == "number":
            return Term(
                "number", value=_fold_call(name, arg.value, source, at), position=at, source=source
            )
        return Term("call", name, (arg,), position=at, source=source)


_NOT_ALLOWED = {
    ast.Attribute: "attribute access is",
    ast.Subscript: "indexing is",
    ast.Lambda: "lambda is",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "comprehensions are",
    ast.Compare: "comparisons are",
    ast.BoolOp: "and/or are",
    ast.IfExp: "if/else is",
    ast.Tuple: "tuples are",
    ast.Starred: "starred arguments are",
    ast.NamedExpr: ":= is",
    ast.FloorDiv: "// is",
    ast.Mod: "% is",
    ast.BitXor: "^ is",
    ast.MatMult: "@ is",
    ast.Invert: "~ is",
    ast.Not: "not is",
}


def _not_allowed(node: ast.AST) -> str:
    what = _NOT_ALLOWED.get(type(node), f"{type(node).__name__} is")
    return f"{what} not allowed"


def _fold(op: str, a: float, b: float, source: str, at: int) -> float:
    """A constant sub-expression, computed in Python floats with every failure caught."""
    try:
        if op == "+":
            value = a + b
        elif op == "-":
            value = a - b
        elif op == "*":
            value = a * b
        elif op == "/":
            value = a / b
        else:
            if a < 0 and not float(b).is_integer():
                raise ExpressionError(_("{source} is not a real number").format(source=source), at)
            value = a**b
    except ZeroDivisionError:
        raise ExpressionError(_("division by zero in {source}").format(source=source), at) from None
    except OverflowError:
        raise ExpressionError(
            _("{source} is too large for a float").format(source=source), at
        ) from None
    if isinstance(value, complex) or not math.isfinite(value):
        raise ExpressionError(_("{source} is not a finite real number").format(source=source), at)
    return float(value)


def _fold_call(name: str, x: float, source: str, at: int) -> float:
    try:
        with np.errstate(all="ignore"):
            value = float(_NUMPY[name](np.float64(x)))
    except (ValueError, OverflowError):  # pragma: no cover - numpy returns nan/inf instead
        value = math.nan
    if not math.isfinite(value):
        raise ExpressionError(_("{source} is not defined (or too large)").format(source=source), at)
    return value


_NUMPY = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "sigmoid": lambda x: 0.5 * (1 + np.tanh(0.5 * x)),
    "relu": lambda x: np.maximum(x, 0.0),
    "abs": np.abs,
}


def _collect_variables(root: Term, found: dict[str, int]) -> None:
    stack = [root]
    order: list[Term] = []
    while stack:
        term = stack.pop()
        order.append(term)
        stack.extend(reversed(term.args))
    for term in order:  # pre-order, left to right: the order the variables are written in
        if term.kind == "variable" and term.name not in found:
            found[term.name] = term.position


# ---- evaluation: terms to chainrule tensors --------------------------------------------------
def evaluate(
    expression: Expression, values: Mapping[str, float]
) -> tuple[Tensor, dict[str, Tensor], dict[int, Term]]:
    """Build the expression as float64 chainrule tensors at the point ``values``.

    Returns the output tensor, the input tensors by name (each ``requires_grad``) and, for
    every tensor made, the term it came from (keyed by ``id``). Equal terms give one tensor.
    A value outside a function's domain (``log(-1)``, ``1/0``, an overflow) raises
    :class:`ExpressionError` naming the sub-expression and its column.

    >>> out, inputs, _ = evaluate(parse("y = (x1 + x2) * (x2 + 1)"), {"x1": 1, "x2": 2})
    >>> float(out)
    9.0
    """
    inputs = {
        name: Tensor(np.float64(number_value(values[name], name)), requires_grad=True, name=name)
        for name in expression.variables
    }
    made: dict[Term, Tensor] = {}
    origin: dict[int, Term] = {}

    def build(term: Term) -> Tensor:
        if term in made:
            return made[term]
        if term.kind == "variable":
            result = inputs[term.name]
        elif term.kind == "number":
            result = Tensor(np.float64(term.value))
        else:
            args = [build(a) for a in term.args]
            with np.errstate(all="ignore"):
                result = _apply(term, args)
            _check_finite(term, result, args)
        made[term] = result
        origin.setdefault(id(result), term)
        return result

    return build(expression.root), inputs, origin


def _apply(term: Term, args: list[Tensor]) -> Tensor:
    if term.kind == "neg":
        return ops.negative(args[0])
    if term.kind == "call":
        return getattr(ops, term.op)(args[0])
    left, right = args
    if term.op == "**":
        exponent = term.args[1]
        if exponent.kind == "number":  # a constant exponent: one Pow node, x^p
            return ops.power(left, exponent.value)
        return ops.power(left, right)
    return {"+": ops.add, "-": ops.subtract, "*": ops.multiply, "/": ops.divide}[term.op](
        left, right
    )


def _check_finite(term: Term, result: Tensor, args: list[Tensor]) -> None:
    value = float(result.array)
    if math.isfinite(value):
        return
    x = [float(a.array) for a in args]
    detail = "overflows float64" if math.isinf(value) else "is not a number"
    if term.op == "log" and x[0] <= 0:
        detail = f"log needs a positive argument, got {x[0]:g}"
    elif term.op == "sqrt" and x[0] < 0:
        detail = f"sqrt needs a non-negative argument, got {x[0]:g}"
    elif term.op == "/" and x[1] == 0:
        detail = "division by zero"
    elif term.op == "**" and x[0] == 0 and x[1] < 0:
        detail = "zero to a negative power"
    elif term.op == "**" and x[0] < 0:
        detail = f"a negative base ({x[0]:g}) to a fractional power"
    raise ExpressionError(
        _("{source} is not defined at this point: {detail}").format(
            source=term.source, detail=detail
        ),
        term.position,
    )
