"""One verdict per answer cell: correct, carried (carry-forward), wrong or missing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..exercise.template import (
    BLOCK_OF,
)
from .explain import _n
from .key import AnswerKey, LearnerEnv
from .read import Book, Given, read_given

VERDICTS = ("correct", "carried", "wrong", "missing")
MIN_DECIMALS = 2
#: relative floor of every tolerance: float noise between two exact computations
REL_FLOOR = 1e-9


# =========================================================================== grading
@dataclass
class Mark:
    row: dict
    block: str
    given: Given
    verdict: str
    carry: float | None = None
    reason: str = ""


@dataclass
class Result:
    path: Path
    key: AnswerKey
    marks: list[Mark]

    @property
    def counts(self) -> Counter:
        return Counter(m.verdict for m in self.marks)

    @property
    def all_correct(self) -> bool:
        return all(m.verdict in ("correct", "carried") for m in self.marks)


def tolerance(g: Given, decimals: int | None) -> float:
    d = decimals if decimals is not None else max(g.decimals or 0, MIN_DECIMALS)
    return 0.5 * 10.0 ** (-d)


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol + REL_FLOOR * max(1.0, abs(b))


def grade_book(book: Book, key: AnswerKey, path: Path, decimals: int | None = None) -> Result:
    rows = key.answers.to_dict("records")
    givens: dict[tuple[str, str], Given] = {}
    for r in rows:
        k = (r["sheet"], r["cell"])
        val, dtype = book.values.get(k, (None, None))
        givens[k] = read_given(val, dtype, book.formulas.get(k))
    env = LearnerEnv(key, {k: g.value for k, g in givens.items()})
    tols = {k: tolerance(g, decimals) for k, g in givens.items() if g.value is not None}
    marks: list[Mark] = []
    for r in rows:
        k = (r["sheet"], r["cell"])
        g = givens[k]
        block = BLOCK_OF.get(r["quantity"], "errors")
        expected = float(r["value"])
        if g.blank:
            marks.append(Mark(r, block, g, "missing", reason="nothing typed"))
            continue
        if g.problem is not None:
            marks.append(Mark(r, block, g, "wrong", reason=g.problem))
            continue
        tol = tolerance(g, decimals)
        assert g.value is not None
        if close(g.value, expected, tol):
            marks.append(Mark(r, block, g, "correct"))
            continue
        carry = env.compute(k) if k in key.formulas else None
        slack = env.slack(k, carry, tols) if carry is not None else 0.0
        if carry is not None and close(g.value, carry, tol + slack):
            marks.append(Mark(r, block, g, "carried", carry,
                              reason=f"from your own earlier values it is {_n(carry)}"))
        else:
            why = f"expected {_n(expected)}"
            if carry is not None and not close(carry, expected, tol):
                why += f" (or {_n(carry)} from your own earlier values)"
            marks.append(Mark(r, block, g, "wrong", carry, reason=why))
    return Result(path, key, marks)
