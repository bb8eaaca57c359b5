"""The lecturer's view of a class, as data (no words, no file): from each file's graded answer
cells (:class:`Paper`, made from ``check``'s :class:`~.pipeline.Outcome` or from what serve
kept of an attempt), the share of the class's answer cells per verdict for each block, each
quantity (per layer) and each answer cell, the named mistakes ranked by how many students made
them (with the students), and the flags counted.

A share's denominator is the answer cells of the files graded (every file counts its own cells:
a quantity with 6 cells in a class of 4 has 24); files not graded (unreadable, not submitted)
count only in the flags. What people read is put into words by :mod:`.classbook` and serve's
teacher page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..core.ops import BLOCKS
from .mark import VERDICTS
from .pipeline import Outcome, name_text
from .reason import Flag

#: verdicts counted as right on the heat map (a cell carried forward correctly is not where the
#: mistake was made)
RIGHT = ("correct", "carried")


@dataclass(frozen=True)
class Answer:
    """One answer cell of one file, as the class view counts it."""

    sheet: str
    cell: str  # A1, in the exercise's layout
    label: str
    quantity: str
    layer: int | None
    block: str
    verdict: str
    mistakes: tuple[str, ...] = ()  # the slips' codes that give the learner's number

    def fields(self) -> list[object]:
        """As serve keeps it (JSON)."""
        return [
            self.sheet,
            self.cell,
            self.label,
            self.quantity,
            self.layer,
            self.block,
            self.verdict,
            ";".join(self.mistakes),
        ]

    @classmethod
    def of_fields(cls, v: Sequence[object]) -> Answer:
        """From :meth:`fields` (serve's stored result)."""
        sheet, cell, label, q, layer, block, verdict, codes = v
        return cls(
            str(sheet),
            str(cell),
            str(label),
            str(q),
            None if layer is None else int(layer),  # type: ignore[call-overload]
            str(block),
            str(verdict),
            tuple(c for c in str(codes).split(";") if c),
        )


@dataclass(frozen=True)
class Paper:
    """One file of the class (or one student's latest attempt on serve): who it is, its
    answer cells (empty when it was not graded) and its flags as (code, reason in words)."""

    student_id: str
    name: str
    file: str
    answers: tuple[Answer, ...] = ()
    flags: tuple[tuple[str, str], ...] = ()
    graded: bool = True

    @property
    def who(self) -> tuple[str, str]:
        return self.student_id, self.name


def answers_of(outcome: Outcome) -> tuple[Answer, ...]:
    """A graded file's answer cells (none when it was not graded)."""
    res = outcome.result
    if res is None:
        return ()
    return tuple(
        Answer(
            m.row.sheet,
            m.row.cell,
            m.row.label,
            m.row.quantity,
            m.row.layer,
            m.block,
            m.verdict,
            tuple(code for code, _ in m.mistakes),
        )
        for m in res.marks
    )


def paper_of(
    outcome: Outcome, later: Sequence[Flag] = (), lang: str = "en", name: str | None = None
) -> Paper:
    """One file of ``check``: its student (the id it was graded as, else the one typed in it;
    ``name``: the roster's name, else the typed one), answers and flags (its own, then
    ``later`` ones found across the class) with their reasons in ``lang``."""
    from ..words.grading_text import flag_note

    names = outcome.book.names if outcome.book is not None else {}
    sid = outcome.student or name_text(names.get("student_id"))
    shown = name if name is not None else name_text(names.get("student"))
    flags: dict[str, str] = {}
    for f in [*outcome.flags, *later]:
        flags.setdefault(f.code, flag_note(f, lang))
    return Paper(
        sid,
        shown,
        str(outcome.path),
        answers_of(outcome),
        tuple(flags.items()),
        outcome.result is not None,
    )


# =========================================================================== the statistics
@dataclass(frozen=True)
class Shares:
    """How a group of answer cells (a block, a quantity of a layer, one cell) went across the
    class: the number of cells per verdict."""

    counts: Mapping[str, int]
    label: str = ""  # a quantity's cells as the exercise names them (``net O1, net O2``)
    block: str = ""
    quantity: str = ""
    layer: int | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, verdict: str) -> float:
        """The share of the cells with ``verdict`` (0 when there are none)."""
        n = self.total
        return self.counts.get(verdict, 0) / n if n else 0.0

    @property
    def right(self) -> float:
        """The share correct or carried forward correctly (:data:`RIGHT`)."""
        return sum(self.share(v) for v in RIGHT)


@dataclass(frozen=True)
class Ranked:
    """A named mistake across the class: the students who made it (id, name; in the order
    their files came) and how many answer cells it gave."""

    code: str
    students: tuple[tuple[str, str], ...]
    cells: int


@dataclass(frozen=True)
class Flagged:
    """A kind of flag (its code before ``:``) across the class: the files and their students
    with each flag's code and reason."""

    kind: str
    files: tuple[Paper, ...]
    notes: tuple[tuple[str, str], ...]  # (code, reason) of each file, in the same order


@dataclass(frozen=True)
class ClassView:
    papers: tuple[Paper, ...]
    blocks: tuple[Shares, ...]
    quantities: tuple[Shares, ...]
    cells: Mapping[tuple[str, str], Shares]
    mistakes: tuple[Ranked, ...]
    flags: tuple[Flagged, ...]
    #: the blocks in the class's answers, in the exercise's order
    block_names: tuple[str, ...] = field(default=())

    @property
    def graded(self) -> int:
        return sum(p.graded for p in self.papers)


def _label(labels: Iterable[str]) -> str:
    """A quantity's cells by their labels: all of them up to three, else first … last."""
    seen = list(dict.fromkeys(labels))
    return ", ".join(seen) if len(seen) <= 3 else f"{seen[0]} … {seen[-1]}"


def class_view(papers: Sequence[Paper]) -> ClassView:
    """The statistics of a class from its papers (their order is kept for the students)."""
    by_block: dict[str, Counter] = {}
    by_q: dict[tuple[str, str, int | None], Counter] = {}
    labels: dict[tuple[str, str, int | None], list[str]] = {}
    by_cell: dict[tuple[str, str], Counter] = {}
    cell_of: dict[tuple[str, str], Answer] = {}
    made: dict[str, dict[tuple[str, str], None]] = {}
    cells: Counter = Counter()
    for p in papers:
        for a in p.answers:
            by_block.setdefault(a.block, Counter())[a.verdict] += 1
            q = (a.block, a.quantity, a.layer)
            by_q.setdefault(q, Counter())[a.verdict] += 1
            labels.setdefault(q, []).append(a.label)
            by_cell.setdefault((a.sheet, a.cell), Counter())[a.verdict] += 1
            cell_of.setdefault((a.sheet, a.cell), a)
            for code in a.mistakes:
                made.setdefault(code, {})[p.who] = None
                cells[code] += 1

    def counts(c: Counter) -> dict[str, int]:
        return {v: c.get(v, 0) for v in VERDICTS}

    order = [b for b in BLOCKS if b in by_block] + [b for b in by_block if b not in BLOCKS]
    blocks = tuple(Shares(counts(by_block[b]), block=b) for b in order)
    quantities = tuple(
        Shares(counts(c), _label(labels[q]), q[0], q[1], q[2])
        for q, c in sorted(by_q.items(), key=lambda kv: order.index(kv[0][0]))
    )
    per_cell = {
        k: Shares(counts(c), cell_of[k].label, cell_of[k].block, cell_of[k].quantity)
        for k, c in by_cell.items()
    }
    ranked = sorted(
        (Ranked(code, tuple(who), cells[code]) for code, who in made.items()),
        key=lambda r: (-len(r.students), -r.cells, r.code),
    )
    flagged: dict[str, list[tuple[Paper, str, str]]] = {}
    for p in papers:
        for code, note in p.flags:
            kind = code.split(":", 1)[0]
            got = flagged.setdefault(kind, [])
            if not got or got[-1][0] is not p:  # one file counted once per kind
                got.append((p, code, note))
    flags = sorted(
        (
            Flagged(kind, tuple(p for p, _, _ in got), tuple((c, n) for _, c, n in got))
            for kind, got in flagged.items()
        ),
        key=lambda f: (-len(f.files), f.kind),
    )
    return ClassView(
        tuple(papers), blocks, quantities, per_cell, tuple(ranked), tuple(flags), tuple(order)
    )


def block_scores(
    counts: Mapping[str, Mapping[str, int]], carried_credit: float = 1.0
) -> dict[str, float]:
    """Each block's score, 0–100: 100·(correct + F·carried) / the block's answer cells, from its
    counts per verdict (blocks without cells left out)."""
    out: dict[str, float] = {}
    for b, c in counts.items():
        n = sum(c.values())
        if n:
            out[b] = 100.0 * (c.get("correct", 0) + carried_credit * c.get("carried", 0)) / n
    return out


def outcome_block_counts(outcome: Outcome) -> dict[str, dict[str, int]]:
    """A graded file's counts per verdict for each block it asks (empty when not graded)."""
    res = outcome.result
    out: dict[str, dict[str, int]] = {}
    if res is None:
        return out
    for m in res.marks:
        c = out.setdefault(m.block, dict.fromkeys(VERDICTS, 0))
        c[m.verdict] += 1
    return out


def outcome_mistakes(outcome: Outcome) -> list[str]:
    """The named mistakes of a graded file's answers: each code once, in the key's order."""
    res = outcome.result
    if res is None:
        return []
    return list(dict.fromkeys(code for m in res.marks for code, _ in m.mistakes))
