"""One verdict per answer cell: correct, carried (carry-forward), carried_trivial (carried, but
made trivial by the earlier mistake: no credit), wrong or missing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..core.ops import BLOCK_OF
from ..sheet.formula import FormulaError, references
from ..words.grading_text import number, runs
from .key import AnswerCell, AnswerKey, LearnerEnv
from .locate import Placement
from .read import Book, Given, read_given
from .reason import Reason

VERDICTS = ("correct", "carried", "carried_trivial", "wrong", "missing")
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
    #: the share of a point a carried cell earns (``--carried-credit``)
    carried_credit: float = 1.0

    @property
    def counts(self) -> Counter:
        return Counter(m.verdict for m in self.marks)

    @property
    def all_correct(self) -> bool:
        return all(m.verdict in ("correct", "carried") for m in self.marks)

    @property
    def share_right(self) -> float:
        """The score as a share: (correct + F·carried) / answer cells, F the teacher's
        :attr:`carried_credit` (0 without answer cells; ``carried_trivial`` earns nothing)."""
        return self.share(self.carried_credit)

    def share(self, carried_credit: float = 1.0) -> float:
        """The score as a share: (correct + F·carried) / answer cells, F = ``carried_credit``
        (``--carried-credit``, the share of a point a carried cell earns)."""
        c = self.counts
        got = c["correct"] + carried_credit * c["carried"]
        return got / len(self.marks) if self.marks else 0.0

    @property
    def first_wrong(self) -> Mark | None:
        """The first wrong answer cell (in the key's order), if any."""
        return next((m for m in self.marks if m.verdict == "wrong"), None)


def tolerance(g: Given, decimals: int | None) -> float:
    """Half a unit in the last decimal typed, and at least in the ``decimals``-th (the
    exercise's stated decimals, or ``--decimals``): 0.577 for 0.5767 is wrong at 4 decimals."""
    stated = MIN_DECIMALS if decimals is None else decimals
    return 0.5 * 10.0 ** (-max(g.decimals or 0, stated))


def whole(key: AnswerKey, quantity: str) -> bool:
    """A value that is a whole number by its rule (issue 24): a single-layer unit's thresholded
    output y, the perceptron's 0/1 ``updated``, the test table's y. It is exact: no rounding
    tolerance, and no rounding of its inputs can stand for a different value (a threshold
    jumps), so neither its own slack nor its use as an input moves anything."""
    return quantity in ("updated", "test_y") or (quantity == "a" and key.spec.single)


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol + REL_FLOOR * max(1.0, abs(b))


def grade_book(
    book: Book,
    placement: Placement,
    key: AnswerKey,
    path: Path,
    decimals: int | None = None,
    carried_credit: float = 1.0,
) -> Result:
    """One verdict per answer cell of ``key``, the answers read where ``placement`` found
    them. ``decimals`` (``--decimals``) replaces the exercise's stated decimals;
    ``carried_credit`` (``--carried-credit``) is kept for the score.

    A value off the exact one but right when its own formula is evaluated on the learner's
    earlier values is ``correct`` (rounding drift: a calculator's rounded steps) when every
    earlier answer it reads is itself correct, and ``carried`` when one of them is not (an
    earlier mistake carried correctly). Cells are settled inputs first."""
    stated = key.options.decimals if decimals is None else decimals
    rows = key.answers
    keys = [r.key for r in rows]
    givens = {k: read_given(*placement.value(book, k), placement.formula(book, k)) for k in keys}
    blank = frozenset(k for k, g in givens.items() if g.blank)
    env = LearnerEnv(key, {k: g.value for k, g in givens.items()}, blank)
    exact = {r.key for r in rows if whole(key, r.quantity)}
    tols = {
        k: 0.0 if k in exact else tolerance(g, stated)
        for k, g in givens.items()
        if g.value is not None
    }
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
            close(g.value, carry, tol)
            or (k not in exact and close(g.value, carry, tol + env.slack(k, carry, tols)))
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
    labels = {r.key: r.label for r in rows}
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
            if m.verdict == "carried":
                _trivial(env, k, m, tols[k], placement, labels)
    for k, m in marks.items():
        if m.verdict == "wrong" and m.given.value is not None:
            m.mistakes = _slips(env, k, m, tols)
        if blank and m.carry is not None and m.reason is not None:
            # the blank cells its value from the learner's own numbers was computed through
            skipped = env.through(k)
            if skipped:
                where = [f"{placement.place(b)} {marks[b].row.label}" for b in skipped]
                m.reason = Reason(m.reason.code, {**m.reason.fields, "through": runs(where)})
    marked = [m.mark() for m in marks.values()]
    return Result(path, key, marked, book, stated, placement, carried_credit)


def _slips(
    env: LearnerEnv, k: tuple[str, str], m: _Draft, tols: dict[tuple[str, str], float]
) -> tuple[tuple[str, float], ...]:
    """The catalogue's slips that reproduce a wrong answer: the cell computed with each slip that
    applies to it, on the learner's own earlier values, within the cell's tolerance (and the
    inputs' own rounding, as for carry-forward)."""
    given, tol = m.given.value, tols[k]
    assert given is not None
    exact = whole(env.key, m.row.quantity)
    out = []
    for code, tree in env.key.slips(k, m.row.quantity):
        v = env.compute(k, tree)
        if v is not None and (
            close(given, v, tol)
            or (not exact and close(given, v, tol + env.slack(k, v, tols, tree)))
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


def _trivial(
    env: LearnerEnv,
    k: tuple[str, str],
    m: _Draft,
    tol: float,
    placement: Placement,
    labels: dict[tuple[str, str], str],
) -> None:
    """A carried cell made trivial by the earlier mistake it follows (``carried_trivial``, no
    credit): its value from the learner's numbers is (a) 0 where nnsheet's is not, or (b) the
    learner's value of one of its own direct inputs where nnsheet's value differs from that
    input's, because another direct input is 0 where nnsheet's is not (new w = old w because
    Δ = 0; e = t because y' = 0). A derivative that collapses (a·(1 − a) with a ∈ {0, 1}) is
    (a). Every comparison within the cell's tolerance."""
    assert m.carry is not None and m.root is not None
    expected, own = m.row.value, m.carry
    why, what = None, ""
    if close(own, 0.0, tol) and not close(expected, 0.0, tol):
        why = "zero"
    else:
        seen: dict[tuple[str, str], tuple[float, float]] = {}  # input: (learner's, nnsheet's)
        for i in dict.fromkeys(references(env.key.tree(k), k[0])):
            try:
                mine = env.cell(*i)
            except (FormulaError, OverflowError, KeyError):
                continue
            theirs = env.key.values.get(i, env.key.givens.get(i))
            if theirs is not None:
                seen[i] = (mine, theirs)
        zeros = {i for i, (a, b) in seen.items() if close(a, 0.0, tol) and not close(b, 0.0, tol)}
        for i, (mine, theirs) in seen.items():
            if close(own, mine, tol) and not close(expected, theirs, tol) and zeros - {i}:
                why = "input"
                what = placement.place(i) + (f" {labels[i]}" if i in labels else "")
                break
    if why is None:
        return
    root = m.root
    fields = dict(m.reason.fields) if m.reason is not None else {}
    fields["where"] = f"{placement.place(root.row.key)} {root.row.label}"
    fields["input"] = what if why == "input" else None
    m.verdict = "carried_trivial"
    m.reason = Reason("carried_trivial", fields)


def place(res: Result, m: Mark) -> str:
    """Where the learner finds a mark's answer (``Steps!X3``; a values CSV: ``file.csv:14``)."""
    return res.placement.place(m.row.key)
