"""A small, safe evaluator for the restricted formula language nnsheet writes (design.md §4).

The grader's carry-forward re-evaluates the workbook's own formulas (the layout's templates, the
single source of truth) on a learner's values, so nothing re-implements the network. The language
is exactly what :mod:`nnsheet.sheet.layout` and :mod:`nnsheet.core.ops` produce: numbers; cell
references (``H5``, ``$H$5``, ``Setup!$B$4``) and ranges (``H5:J5``, ``Steps!$X$3:$X$5``); the
defined name ``learning_rate``; ``+ - * /``, unary minus and plus; comparisons ``= <> >= <= > <``;
and the functions ``EXP``, ``SUMPRODUCT``, ``MAX``, ``IF`` and ``ROUND`` (and ``MIN`` for Adaline's
largest |Δ|, and, for Nguyen–Widrow's work on the Setup sheet, ``SQRT`` and ``POWER``). Anything
else is refused with :class:`FormulaError`; nothing is ever passed to Python's ``eval``.

``parse(text)`` gives a tree of tuples; ``evaluate(tree, env, sheet)`` computes it, asking
``env.cell(sheet, ref)`` for each referenced cell and ``env.name(name)`` for a defined name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Protocol

from ..core.cells import cell_name, cell_pos
from ..core.rounding import xround


class FormulaError(ValueError):
    """A formula outside the restricted language, or one that cannot be computed."""


class Env(Protocol):
    def cell(self, sheet: str, ref: str) -> float: ...

    def name(self, name: str) -> float: ...


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<ref>(?:(?P<sheet>[A-Za-z_][A-Za-z0-9_]*)!)?\$?[A-Z]{1,3}\$?\d+)
    | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    | (?P<op>>=|<=|<>|[-+*/(),:=<>])
    )""",
    re.VERBOSE,
)

#: SQRT and POWER only on the Setup sheet (Nguyen–Widrow's norms and β)
#: MIN: Adaline's largest |Δ| of an epoch, MAX(MAX(range), −MIN(range)) (issue 24)
FUNCTIONS = ("EXP", "SUMPRODUCT", "MAX", "MIN", "IF", "ROUND", "SQRT", "POWER")
NAMES = ("learning_rate",)


def _tokens(text: str) -> list[tuple[str, str, str | None]]:
    out: list[tuple[str, str, str | None]] = []
    pos, n = 0, len(text)
    while pos < n:
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise FormulaError(f"unexpected {text[pos : pos + 10]!r} in formula {text!r}")
        kind = m.lastgroup if m.lastgroup != "sheet" else "ref"
        for k in ("num", "ref", "name", "op"):
            if m.group(k) is not None:
                kind = k
                break
        val = m.group(kind).strip()  # type: ignore[arg-type]
        sheet = m.group("sheet") if kind == "ref" else None
        if kind == "ref" and sheet is not None:
            val = val.split("!", 1)[1]
        out.append((kind, val.replace("$", ""), sheet))  # type: ignore[arg-type]
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str, str | None] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, op: str | None = None) -> tuple[str, str, str | None]:
        t = self.peek()
        if t is None or (op is not None and (t[0] != "op" or t[1] != op)):
            want = f"{op!r}" if op else "more"
            raise FormulaError(f"expected {want} in formula {self.text!r}")
        self.i += 1
        return t

    def is_op(self, *ops: str) -> bool:
        t = self.peek()
        return t is not None and t[0] == "op" and t[1] in ops

    def parse(self) -> tuple:
        tree = self.comparison()
        if self.peek() is not None:
            raise FormulaError(f"unexpected {self.peek()[1]!r} in formula {self.text!r}")  # type: ignore[index]
        return tree

    def comparison(self) -> tuple:
        left = self.additive()
        while self.is_op("=", "<>", ">=", "<=", ">", "<"):
            op = self.take()[1]
            left = ("bin", op, left, self.additive())
        return left

    def additive(self) -> tuple:
        left = self.term()
        while self.is_op("+", "-"):
            op = self.take()[1]
            left = ("bin", op, left, self.term())
        return left

    def term(self) -> tuple:
        left = self.unary()
        while self.is_op("*", "/"):
            op = self.take()[1]
            left = ("bin", op, left, self.unary())
        return left

    def unary(self) -> tuple:
        if self.is_op("-"):
            self.take()
            return ("neg", self.unary())
        if self.is_op("+"):
            self.take()
            return self.unary()
        return self.primary()

    def primary(self) -> tuple:
        kind, val, sheet = self.take()
        if kind == "num":
            return ("num", float(val))
        if kind == "ref":
            if self.is_op(":"):
                self.take()
                k2, v2, s2 = self.take()
                if k2 != "ref" or (s2 is not None and s2 != sheet):
                    raise FormulaError(f"bad range in formula {self.text!r}")
                return ("range", sheet, val, v2)
            return ("ref", sheet, val)
        if kind == "name":
            if self.is_op("("):
                fn = val.upper()
                if fn not in FUNCTIONS:
                    raise FormulaError(f"function {val} is not allowed (formula {self.text!r})")
                self.take("(")
                args = []
                if not self.is_op(")"):
                    args.append(self.comparison())
                    while self.is_op(","):
                        self.take()
                        args.append(self.comparison())
                self.take(")")
                return ("call", fn, tuple(args))
            if val not in NAMES:
                raise FormulaError(f"unknown name {val} in formula {self.text!r}")
            return ("name", val)
        if kind == "op" and val == "(":
            inner = self.comparison()
            self.take(")")
            return inner
        raise FormulaError(f"unexpected {val!r} in formula {self.text!r}")


def parse(text: str) -> tuple:
    """Parse a formula (with or without the leading ``=``) into a tree of tuples."""
    t = text[1:] if text.startswith("=") else text
    return _Parser(t).parse()


def range_cells(first: str, last: str) -> list[str]:
    """The cells of a rectangular range, row by row."""
    r0, c0 = cell_pos(first)
    r1, c1 = cell_pos(last)
    return [
        cell_name(r, c)
        for r in range(min(r0, r1), max(r0, r1) + 1)
        for c in range(min(c0, c1), max(c0, c1) + 1)
    ]


def leaves(tree: tuple) -> Iterator[tuple]:
    """The ``("ref", sheet, cell)`` and ``("range", sheet, first, last)`` nodes of a formula
    tree, in order of appearance (``sheet`` None: the formula's own sheet)."""
    kind = tree[0]
    if kind in ("ref", "range"):
        yield tree
    elif kind == "neg":
        yield from leaves(tree[1])
    elif kind == "bin":
        yield from leaves(tree[2])
        yield from leaves(tree[3])
    elif kind == "call":
        for a in tree[2]:
            yield from leaves(a)


def references(tree: tuple, sheet: str) -> list[tuple[str, str]]:
    """Every (sheet, cell) a formula tree reads, in order of appearance."""
    out: list[tuple[str, str]] = []
    for t in leaves(tree):
        if t[0] == "ref":
            out.append((t[1] or sheet, t[2]))
        else:
            out.extend((t[1] or sheet, c) for c in range_cells(t[2], t[3]))
    return out


def _num(v: object) -> float:
    if isinstance(v, list):
        raise FormulaError("a range where a single value is expected")
    return float(v)  # type: ignore[arg-type]


_BIN: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "=": lambda a, b: float(a == b),
    "<>": lambda a, b: float(a != b),
    ">=": lambda a, b: float(a >= b),
    "<=": lambda a, b: float(a <= b),
    ">": lambda a, b: float(a > b),
    "<": lambda a, b: float(a < b),
}


def evaluate(tree: tuple, env: Env, sheet: str) -> float:
    """Compute a parsed formula on the cell values ``env`` gives (``sheet``: the formula's own
    sheet, for unqualified references)."""
    v = _eval(tree, env, sheet)
    return _num(v)


def _eval(t: tuple, env: Env, sheet: str) -> float | list[float]:
    kind = t[0]
    if kind == "num":
        return t[1]
    if kind == "ref":
        return float(env.cell(t[1] or sheet, t[2]))
    if kind == "range":
        return [float(env.cell(t[1] or sheet, c)) for c in range_cells(t[2], t[3])]
    if kind == "name":
        return float(env.name(t[1]))
    if kind == "neg":
        return -_num(_eval(t[1], env, sheet))
    if kind == "bin":
        op = t[1]
        a, b = _num(_eval(t[2], env, sheet)), _num(_eval(t[3], env, sheet))
        if op == "/":
            if b == 0:
                raise FormulaError("division by zero (#DIV/0!)")
            return a / b
        return _BIN[op](a, b)
    if kind == "call":
        fn, args = t[1], t[2]
        if fn == "IF":
            if len(args) not in (2, 3):
                raise FormulaError("IF takes 2 or 3 arguments")
            if _num(_eval(args[0], env, sheet)) != 0:
                return _eval(args[1], env, sheet)
            return _eval(args[2], env, sheet) if len(args) == 3 else 0.0
        vals = [_eval(a, env, sheet) for a in args]
        if fn == "EXP":
            x = _num(vals[0])
            if x > 709:
                raise FormulaError("EXP overflow (#NUM!)")
            return math.exp(x)
        if fn == "ROUND":
            return xround(_num(vals[0]), int(_num(vals[1])))
        if fn == "SQRT":
            x = _num(vals[0])
            if x < 0:
                raise FormulaError("SQRT of a negative number (#NUM!)")
            return math.sqrt(x)
        if fn == "POWER":
            try:
                return math.pow(_num(vals[0]), _num(vals[1]))
            except (ValueError, OverflowError):
                raise FormulaError("POWER out of range (#NUM!)") from None
        if fn in ("MAX", "MIN"):
            flat = [x for v in vals for x in (v if isinstance(v, list) else [v])]
            return (max if fn == "MAX" else min)(flat) if flat else 0.0
        if fn == "SUMPRODUCT":
            arrays = [v if isinstance(v, list) else [v] for v in vals]
            n = len(arrays[0])
            if any(len(a) != n for a in arrays):
                raise FormulaError("SUMPRODUCT of ranges of different sizes (#VALUE!)")
            total = 0.0
            for k in range(n):
                p = 1.0
                for a in arrays:
                    p *= a[k]
                total += p
            return total
    raise FormulaError(f"cannot evaluate {kind}")
