"""A workbook formula read aloud: the columns layout's formula-in-words column.

:func:`spoken` turns a parsed formula (:func:`nnsheet.sheet.formula.parse`) of the restricted
language the layout writes into the way the book writes it, with each cell reference replaced by
the symbol of what it holds (``w1,1·x1 + w1,2·x2 + b1``, ``1/(1 + e^(−net1))``). It is computed
from the very formula the cell holds, so the words can never disagree with the number."""

from __future__ import annotations

from collections.abc import Callable

from ..words.columns_text import text

_PREC = {"=": 0, "<>": 0, ">=": 0, "<=": 0, ">": 0, "<": 0, "+": 1, "-": 1, "*": 2, "/": 2}
_OP = {"*": "·", "-": " − ", "+": " + ", "/": "/", ">=": " ≥ ", "<=": " ≤ ", "<>": " ≠ "}
#: terms of a sum of products written out before it is shortened with "…"
MAX_TERMS = 4


def spoken(
    tree: tuple,
    symbol: Callable[[str | None, str], str],
    number: Callable[[float], str],
    lang: str = "en",
) -> str:
    """The formula ``tree`` in the book's notation. ``symbol(sheet, A1)`` names a referenced
    cell (``sheet`` None: the formula's own sheet); ``number`` writes a constant."""

    def cells(t: tuple) -> list[str]:
        if t[0] == "range":
            from .formula import range_cells

            return [symbol(t[1], c) for c in range_cells(t[2], t[3])]
        return [say(t, 0)]

    def say(t: tuple, outer: int, right: bool = False) -> str:
        kind = t[0]
        if kind == "num":
            return number(t[1])
        if kind == "ref":
            s = symbol(t[1], t[2])
            # a symbol that is itself a difference (Fausett's ``t1−y1``) in a product
            return f"({s})" if outer > 1 and any(ch in s for ch in "−+- ") else s
        if kind == "range":
            return ", ".join(cells(t))
        if kind == "name":
            return symbol(None, t[1])
        if kind == "neg":
            return "−" + say(t[1], 3)
        if kind == "bin":
            op = t[1]
            p = _PREC[op]
            inner = p or 1  # a comparison of comparisons keeps its brackets
            s = say(t[2], inner) + _OP.get(op, f" {op} ") + say(t[3], inner, right=True)
            if p < outer or (right and p == outer and op in ("-", "/")):
                return f"({s})"
            return s
        fn, args = t[1], t[2]
        if fn == "ROUND":  # the learner's rounding: the value is what the formula says
            return say(args[0], outer, right)
        if fn == "EXP":
            return f"e^({say(args[0], 0)})"
        if fn == "SUMPRODUCT":
            columns = [cells(a) for a in args]
            if len(columns) == 1:
                return f"Σ({', '.join(columns[0])})"
            terms = [
                "·".join(f"({p})" if any(ch in p for ch in "−+- ") else p for p in parts)
                for parts in zip(*columns, strict=False)
            ]
            if len(terms) > MAX_TERMS:
                terms = [*terms[:2], "…", terms[-1]]
            s = " + ".join(terms)
            return f"({s})" if outer > 1 and len(terms) > 1 else s
        if fn == "IF" and len(args) == 3:
            s = text("if", lang, c=say(args[0], 0), a=say(args[1], 0), b=say(args[2], 0))
            return f"({s})" if outer else s
        sep = "; " if lang == "id" else ", "
        return f"{fn.lower()}({sep.join(say(a, 0) for a in args)})"

    return say(tree, 0)
