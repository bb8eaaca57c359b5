"""Is this the exercise that was handed out, and is it the learner's own work? (issue 13)

- :func:`spec_differences`: what a file's embedded spec changes of the record's givens (the
  teacher's spec, drawn for the student with ``--roster``).
- :func:`setup_differences`: the Setup sheet's givens as the file has them against the key's.
- :func:`copied_from` and :func:`identical_pairs`: answers compared across the files of one run.

Each returns facts; :mod:`.pipeline` turns them into gradebook flags (``tampered``,
``givens_changed``, ``copied:<id>``, ``identical:<file>``) and notes.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np

from ..core.cells import cell_pos
from ..core.spec import Spec
from ..words.grading_text import number as _n
from .key import AnswerKey
from .mark import Result
from .read import Book
from .reason import Diff

#: two givens are the same when they agree to this relative precision (a spreadsheet's saved
#: double, or LibreOffice's 15 significant digits)
SAME = 1e-9
#: ``copied:<id>``: at least this share of the answer cells right for the other student's givens…
COPIED_OTHER = 0.9
#: …and less than this share correct for the file's own (carried not counted: copied numbers
#: follow from each other, so most of them are carried), with at least this share filled in
COPIED_OWN = 0.5
COPIED_FILLED = 0.5
#: ``identical:<file>``: two files agree on at least this share of the answer cells either filled
IDENTICAL_SHARE = 0.95
#: …of at least this many cells, one or more of them wrong
IDENTICAL_MIN_CELLS = 5


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=SAME, atol=SAME))


def spec_differences(embedded: Spec, record: Spec) -> list[Diff]:
    """What differs between the file's embedded spec and the record (``diff.*`` texts); empty
    when nothing does. The epochs and what the exercise asks are the options' business."""
    if embedded.sizes != record.sizes:
        return [
            (
                "diff.network",
                {
                    "got": "-".join(map(str, embedded.sizes)),
                    "want": "-".join(map(str, record.sizes)),
                },
            )
        ]
    out: list[Diff] = []
    for n, (a, b) in enumerate(zip(embedded.layers, record.layers, strict=True), start=1):
        if a.activation != b.activation:
            out.append(("diff.activation", {"layer": n, "got": a.activation, "want": b.activation}))
        if not _same(a.weights, b.weights):
            out.append(("diff.weights", {"layer": n}))
        if not _same(a.biases, b.biases):
            out.append(("diff.biases", {"layer": n}))
    if not math.isclose(embedded.learning_rate, record.learning_rate, rel_tol=SAME):
        out.append(
            ("diff.lr", {"got": _n(embedded.learning_rate), "want": _n(record.learning_rate)})
        )
    if not _same(embedded.inputs, record.inputs):
        out.append(("diff.inputs", {}))
    if not _same(embedded.targets, record.targets):
        out.append(("diff.targets", {}))
    for what in ("rule", "loss", "hidden_error", "mode", "batch_size", "update_biases", "round"):
        a, b = getattr(embedded, what), getattr(record, what)
        if a != b:
            out.append(("diff.setting", {"what": what, "got": a, "want": b}))
    return out


def setup_differences(book: Book, key: AnswerKey, limit: int = 3) -> list[Diff]:
    """The Setup givens that differ from the key's (the first ``limit``, then how many more);
    empty when the file's Setup agrees, or it has no Setup sheet to compare."""
    name = key.layout.sheets.setup
    values = book.setup.get(name)
    if values is None:
        return []
    bad: list[tuple[str, object, float]] = []
    computed = key.layout.setup_computed  # formulas on Setup (compared through their givens)
    for (sheet, ref), want in key.givens.items():
        if ref in computed:
            continue
        got = values.get(cell_pos(ref))
        ok = (
            isinstance(got, int | float)
            and not isinstance(got, bool)
            and math.isclose(float(got), want, rel_tol=SAME, abs_tol=SAME)
        )
        if not ok:
            bad.append((f"{sheet}!{ref}", got, want))
    if not bad:
        return []
    labels = key.given_labels
    out: list[Diff] = [
        (
            "diff.setup",
            {
                "where": f"{where} {labels.get(where, '')}".strip(),
                "got": _shown(got),
                "want": _n(want),
            },
        )
        for where, got, want in bad[:limit]
    ]
    if len(bad) > limit:
        out.append(("diff.more", {"n": len(bad) - limit}))
    return out


def _shown(v: object) -> str:
    if v is None:
        return "—"
    if isinstance(v, int | float) and not isinstance(v, bool):
        return _n(float(v))
    return repr(str(v)[:20])


def share_correct(res: Result) -> float:
    """The share of answer cells correct against the expected values themselves."""
    return res.counts["correct"] / len(res.marks) if res.marks else 0.0


def share_filled(res: Result) -> float:
    return sum(m.verdict != "missing" for m in res.marks) / len(res.marks) if res.marks else 0.0


def _answers(res: Result) -> tuple[tuple[tuple[str, str], ...], list[object], list[bool]]:
    """The answer cells (layout addresses), what was typed in each (rounded to the decimals
    judged; None when blank) and whether each is wrong."""
    keys = tuple(m.row.key for m in res.marks)
    typed: list[object] = []
    for m in res.marks:
        g = m.given
        if g.value is not None:
            typed.append(round(g.value, res.decimals) + 0.0)
        elif g.problem is not None:
            typed.append(g.text.strip())
        else:
            typed.append(None)
    return keys, typed, [m.verdict == "wrong" for m in res.marks]


def identical_pairs(results: Sequence[Result | None]) -> list[tuple[int, int, int, int, int]]:
    """Pairs of files (indexes into ``results``) whose typed answers agree on at least
    :data:`IDENTICAL_SHARE` of the answer cells filled in either (at least
    :data:`IDENTICAL_MIN_CELLS`), one or more of the agreeing cells wrong in one of them:
    ``(i, j, agree, filled, wrong_agreeing)``. Only exercises with the same answer cells are
    compared."""
    return identical_answer_pairs(
        [None if res is None or not res.marks else _answers(res) for res in results]
    )


def typed_answers(res: Result) -> tuple[tuple[tuple[str, str], ...], list[object], list[bool]]:
    """What :func:`identical_answer_pairs` compares of one graded file (JSON-able but for the
    keys): its answer cells, what was typed in each and whether each is wrong."""
    return _answers(res)


def identical_answer_pairs(
    answers: Sequence[tuple[Hashable, Sequence[object], Sequence[bool]] | None],
) -> list[tuple[int, int, int, int, int]]:
    """:func:`identical_pairs` on the :func:`typed_answers` of each file (None: not graded),
    kept apart from the results (``nnsheet serve`` keeps them with each attempt and compares
    the class's latest attempts without grading them again); the keys may be any value equal
    for the same answer cells (a hash of them)."""
    groups: dict[Hashable, list[tuple[int, Sequence[object], Sequence[bool]]]] = {}
    for i, entry in enumerate(answers):
        if entry is None:
            continue
        keys, typed, wrong = entry
        groups.setdefault(keys, []).append((i, typed, wrong))
    out = []
    for members in groups.values():
        for a in range(len(members)):
            i, ta, wa = members[a]
            for j, tb, wb in members[a + 1 :]:
                filled = agree = wrong = 0
                for x, y, u, v in zip(ta, tb, wa, wb, strict=True):
                    if x is None and y is None:
                        continue
                    filled += 1
                    if x == y:
                        agree += 1
                        wrong += u or v
                if filled >= IDENTICAL_MIN_CELLS and wrong and agree >= IDENTICAL_SHARE * filled:
                    out.append((i, j, agree, filled, wrong))
    return out


def may_be_copied(res: Result) -> bool:
    """Mostly filled in and mostly wrong for its own givens: worth grading on the others'."""
    return share_correct(res) < COPIED_OWN and share_filled(res) >= COPIED_FILLED


def copied_from(own: Result, others: dict[str, Result]) -> tuple[str, float] | None:
    """The other student (id) whose givens ``own``'s answers are right for — at least
    :data:`COPIED_OTHER` of the cells — when :func:`may_be_copied`; with the share right for
    theirs. ``others``: the file graded on each other student's givens. None when no such
    student."""
    if not may_be_copied(own):
        return None
    best = max(((r.share_right, sid) for sid, r in others.items()), default=None)
    if best is None or best[0] < COPIED_OTHER:
        return None
    return best[1], best[0]
