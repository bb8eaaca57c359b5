"""One verdict per answer cell: correct, carried (carry-forward), wrong or missing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..core.ops import BLOCK_OF
from ..words.grading_text import number
from .key import AnswerCell, AnswerKey, LearnerEnv
from .locate import Placement
from .read import Book, Given, read_given
from .reason import Reason

VERDICTS = ("correct", "carried", "wrong", "missing")
MIN_DECIMALS = 2
#: relative floor of every tolerance: float noise between two exact computations
REL_FLOOR = 1e-9


# =========================================================================== grading
@dataclass(frozen=True)
class Mark:
    """The verdict on one answer cell, and why."""

    row: AnswerCell
    block: str
    given: Given
    verdict: str
    reason: Reason | None = None
    cell: str = ""  # where the learner's answer is (A1; differs from row.cell when shifted)
    drift: bool = False  # correct although off the exact value: rounding from correct values
    #: wrong: the catalogue's slips that give the learner's number from their own earlier
    #: values, (code, that value)
    mistakes: tuple[tuple[str, float], ...] = ()


@dataclass
class _Draft:
    """A mark while the answers are settled (inputs first)."""

    row: AnswerCell
    block: str
    given: Given
    verdict: str
    carry: float | None = None
    reason: Reason | None = None
    cell: str = ""
    drift: bool = False
    #: carried: the learner's earlier wrong (or missing) answer it follows from
    root: _Draft | None = field(default=None, repr=False)
    mistakes: tuple[tuple[str, float], ...] = ()

    def mark(self) -> Mark:
        return Mark(
            self.row,
            self.block,
            self.given,
            self.verdict,
            self.reason,
            self.cell,
            self.drift,
            self.mistakes,
        )


@dataclass(frozen=True)
class Result:
    """The verdicts on one file's answer cells, in the key's order."""

    path: Path
    key: AnswerKey
    marks: list[Mark]
    book: Book | None = None
    decimals: int = MIN_DECIMALS  # the decimals judged (stated by the exercise, or --decimals)
    #: where the answers were found in ``book``
    placement: Placement = field(default_factory=Placement)

    @property
    def counts(self) -> Counter:
        return Counter(m.verdict for m in self.marks)

    @property
    def all_correct(self) -> bool:
        return all(m.verdict in ("correct", "carried") for m in self.marks)

    @property
    def share_right(self) -> float:
        """The share of answer cells correct or carried (the score; 0 without answer cells)."""
        c = self.counts
        return (c["correct"] + c["carried"]) / len(self.marks) if self.marks else 0.0

    @property
    def first_wrong(self) -> Mark | None:
        """The first wrong answer cell (in the key's order), if any."""
        return next((m for m in self.marks if m.verdict == "wrong"), None)


def tolerance(g: Given, decimals: int | None) -> float:
    """Half a unit in the last decimal typed, and at least in the ``decimals``-th (the
    exercise's stated decimals, or ``--decimals``): 0.577 for 0.5767 is wrong at 4 decimals."""
    stated = MIN_DECIMALS if decimals is None else decimals
    return 0.5 * 10.0 ** (-max(g.decimals or 0, stated))


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol + REL_FLOOR * max(1.0, abs(b))


def grade_book(
    book: Book,
    placement: Placement,
    key: AnswerKey,
    path: Path,
    decimals: int | None = None,
) -> Result:
    """One verdict per answer cell of ``key``, the answers read where ``placement`` found
    them. ``decimals`` (``--decimals``) replaces the exercise's stated decimals.

    A value off the exact one but right when its own formula is evaluated on the learner's
    earlier values is ``correct`` (rounding drift: a calculator's rounded steps) when every
    earlier answer it reads is itself correct, and ``carried`` when one of them is not (an
    earlier mistake carried correctly). Cells are settled inputs first."""
    stated = key.options.decimals if decimals is None else decimals
    rows = key.answers
    keys = [r.key for r in rows]
    givens = {k: read_given(*placement.value(book, k), placement.formula(book, k)) for k in keys}
    env = LearnerEnv(key, {k: g.value for k, g in givens.items()})
    tols = {k: tolerance(g, stated) for k, g in givens.items() if g.value is not None}
    marks: dict[tuple[str, str], _Draft] = {}
    near: dict[tuple[str, str], _Draft] = {}  # right from the learner's own values: settled below
    for k, r in zip(keys, rows, strict=True):
        g = givens[k]
        block = BLOCK_OF.get(r.quantity, "errors")
        m = _Draft(r, block, g, "wrong", cell=placement.ref(k))
        marks[k] = m
        expected = r.value
        if k in placement.absent:  # its row was deleted: nothing to colour in the learner's file
            m.verdict, m.reason, m.cell = "missing", Reason.of("row_lost"), ""
            continue
        under = placement.covered(book, k)
        if under is not None:  # merged away: only the merged cell's top-left keeps a value
            m.verdict, m.reason = "missing", Reason.of("merged", cell=under)
            continue
        if g.blank:
            m.verdict, m.reason = "missing", Reason.of("blank")
            continue
        if g.problem is not None:
            m.reason = g.problem
            continue
        tol = tols[k]
        assert g.value is not None
        if close(g.value, expected, tol):
            m.verdict = "correct"
            continue
        carry = env.compute(k) if k in key.formulas else None
        m.carry = carry
        # the inputs' own rounding may move it too (costly: only when needed)
        if carry is not None and (
            close(g.value, carry, tol) or close(g.value, carry, tol + env.slack(k, carry, tols))
        ):
            near[k] = m
        else:
            typed = g.decimals or 0
            short = typed < stated and close(g.value, expected, 0.5 * 10.0**-typed)
            m.reason = Reason.of(
                "expected",
                expected=number(expected),
                # the value from the learner's own earlier values, when it differs
                own=number(carry)
                if carry is not None and not close(carry, expected, tol)
                else None,
                # typed with fewer decimals than stated, and right at those
                typed=typed if short else None,
                stated=stated,
            )
    order = {k: n for n, k in enumerate(keys)}
    for k0 in near:
        stack, visiting = [k0], set()
        while stack:
            k = stack[-1]
            m = marks[k]
            if k not in near or m.verdict != "wrong" or m.reason is not None:  # settled
                stack.pop()
                continue
            ins = sorted(env.inputs(k), key=order.__getitem__)
            todo = [i for i in ins if i in near and marks[i].reason is None and i not in visiting]
            if todo:
                visiting.add(k)
                stack.extend(todo)
                continue
            stack.pop()
            _settle(m, [marks[i] for i in ins], placement)
    for k, m in marks.items():
        if m.verdict == "wrong" and m.given.value is not None:
            m.mistakes = _slips(env, k, m, tols)
    return Result(path, key, [m.mark() for m in marks.values()], book, stated, placement)


def _slips(
    env: LearnerEnv, k: tuple[str, str], m: _Draft, tols: dict[tuple[str, str], float]
) -> tuple[tuple[str, float], ...]:
    """The catalogue's slips that reproduce a wrong answer: the cell computed with each slip that
    applies to it, on the learner's own earlier values, within the cell's tolerance (and the
    inputs' own rounding, as for carry-forward)."""
    given, tol = m.given.value, tols[k]
    assert given is not None
    out = []
    for code, tree in env.key.slips(k, m.row.quantity):
        v = env.compute(k, tree)
        if v is not None and (
            close(given, v, tol) or close(given, v, tol + env.slack(k, v, tols, tree))
        ):
            out.append((code, v))
    return tuple(out)


def _settle(m: _Draft, inputs: list[_Draft], placement: Placement) -> None:
    """Correct (rounding drift) or carried, by the verdicts of the answers ``m`` reads."""
    assert m.carry is not None
    exact = number(m.row.value)
    bad = [i for i in inputs if i.verdict != "correct"]
    if not bad:
        m.verdict, m.drift = "correct", True
        m.reason = Reason.of("drift", own=number(m.carry), exact=exact)
        return
    root = next((i for i in bad if i.verdict in ("wrong", "missing")), None)
    if root is None:  # only carried inputs: the mistake they follow
        root = next((i.root for i in bad if i.root is not None), bad[0])
    m.verdict, m.root = "carried", root
    m.reason = Reason.of(
        "carried",
        own=number(m.carry),
        root=root.verdict,
        where=f"{placement.place(root.row.key)} {root.row.label}",
        exact=exact,
    )


def place(res: Result, m: Mark) -> str:
    """Where the learner finds a mark's answer (``Steps!X3``; a values CSV: ``file.csv:14``)."""
    return res.placement.place(m.row.key)
