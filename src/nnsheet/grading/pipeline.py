"""One file graded, in one direction: :func:`grade_file` reads it (:func:`~.read.read_book`, or
:func:`~.values.read_values` for a program's values), builds its answer key
(:func:`~.key.key_for`), finds the answers (:func:`~.locate.locate`), marks them
(:func:`~.mark.grade_book`) and checks its givens against the record
(:mod:`.integrity`), and returns an :class:`Outcome`: facts, codes and fields, no sentence.
:func:`class_flags` compares the outcomes of one run (``copied:<id>``, ``identical:<file>``).

``nnsheet check`` (the command line) and ``nnsheet serve``'s worker
(:mod:`nnsheet.serve.grade`) both call these; what people read is put into words at the edges
(:mod:`.report`, :mod:`.batch`, :mod:`nnsheet.words.grading_text`).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.spec import Spec
from ..core.specfile import loads_spec
from ..exercise.roster import Student, draws_anything, student_spec
from .integrity import (
    copied_from,
    identical_pairs,
    may_be_copied,
    setup_differences,
    share_correct,
    spec_differences,
)
from .key import AnswerKey, Record, key_for
from .locate import Placement, locate
from .mark import Result, grade_book
from .read import Book, read_book
from .reason import Diff, Flag
from .values import is_values, read_values


@dataclass(frozen=True)
class Outcome:
    """One file graded: what it says (``book``), the verdicts (``result``, None when it could
    not be graded, then ``problem`` says why in one line) and its flags, in the order found.
    ``student``: the roster id it was graded as (with a roster). ``member``: of a file read
    from a submissions zip, its name there (``<id>/attempt-<n>.xlsx``, what the gradebook
    shows); the attempts of one folder of the zip are one student's, never copies of each
    other (:func:`class_flags`)."""

    path: Path
    book: Book | None = None
    result: Result | None = None
    problem: str | None = None
    flags: tuple[Flag, ...] = ()
    student: str | None = None
    member: str | None = None

    @property
    def shown(self) -> str:
        """The file as the gradebook and the other files' flags name it."""
        return self.member if self.member is not None else str(self.path)

    @property
    def lang(self) -> str:
        """The exercise's own language (English for a file not graded)."""
        return self.result.key.options.lang if self.result is not None else "en"


def name_text(v: object) -> str:
    """A learner's typed name or number as text (12345.0 → ``12345``)."""
    if v is None or isinstance(v, bool):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return " ".join(str(v).split())


def problem_text(path: Path, exc: Exception, what: str) -> str:
    """One line for whatever went wrong with one file: nnsheet's own message, or (a fault the
    grader did not foresee) the file, what could not be done and the exception in brief."""
    if isinstance(exc, NnsheetError | OSError) and str(exc):
        text = " ".join(str(exc).split())
        return text if text.startswith(str(path)) else f"{path}: {text}"
    msg = " ".join(str(exc).split())[:160]
    return f"{path}: {what} ({type(exc).__name__}{': ' + msg if msg else ''})"


def grade_file(
    path: Path | str,
    record: Record | None = None,
    roster: Sequence[Student] | None = None,
    *,
    student: str | None = None,
    lang: str | None = None,
    cache: dict[str, AnswerKey] | None = None,
) -> Outcome:
    """Grade one file against the teacher's ``record`` (``--spec`` and the options; its
    ``decimals`` replace the exercise's stated decimals). Never raises for the file's sake: a
    file that cannot be graded is an :class:`Outcome` with its ``problem``. Without a
    ``record``, the exercise is graded on the spec and options it carries.

    ``roster`` (with ``record.spec``): the file is graded on its student's givens, drawn from the
    spec for the id typed in its ``student_id`` cell (else its file name), or for ``student``
    when given (``serve``: the signed-in student); an id not on the roster is graded on the
    file's own spec (``unknown_student``). ``lang``: the language of a values CSV's key.
    ``cache``: answer keys by value, shared across the files of a run."""
    path, record = Path(path), record or Record()
    cache = {} if cache is None else cache
    book: Book | None = None
    given, unknown, sid = record.spec, None, None
    with warnings.catch_warnings():  # a reader's warnings are not the teacher's business
        warnings.simplefilter("ignore")
        try:
            tampered: tuple[Diff, ...] = ()
            if is_values(path):  # a program's values: no student cells, graded on --spec
                book, placement, key = read_values(path, record.spec, lang, cache)
            else:
                book = read_book(path)
                if roster is not None:
                    assert record.spec is not None
                    typed = student or name_text(book.names.get("student_id")) or path.stem
                    found = {st.id.casefold(): st.id for st in roster}.get(typed.casefold())
                    if found is None:
                        given, unknown = None, typed  # graded on the file's own spec
                    else:
                        sid, given = found, student_spec(record.spec, found)
                key, tampered = key_for(book, path, dataclasses.replace(record, spec=given), cache)
                placement = locate(book, key, path)  # by the headers (raises when not sure)
            res = grade_book(book, placement, key, path, record.decimals, record.carried_credit)
        except Exception as exc:
            problem = problem_text(path, exc, "cannot be graded")
            if sid is None and roster is not None:  # unread: its student by the file's name
                typed = student or path.stem
                sid = next((s.id for s in roster if s.id.casefold() == typed.casefold()), None)
            return Outcome(path, book, problem=problem, student=sid)
    flags = givens_flags(path, book, key, given, unknown, roster is not None)
    mismatch = id_mismatch(book, path, roster, student)
    if mismatch is not None:
        flags.append(mismatch)
    if book.kind != "csv":
        flags += work_flags(book, placement, key, res)
    if tampered:  # the hidden options (the givens: givens_flags)
        flags.append(Flag("tampered", "note.settings", what=tampered))
    return Outcome(path, book, res, None, tuple(flags), sid)


def id_mismatch(
    book: Book, path: Path, roster: Sequence[Student] | None, student: str | None
) -> Flag | None:
    """``id_mismatch`` when the id typed in the exercise's student number cell is not the id
    the file was handed in under: ``student`` (the signed-in uploader on ``serve``, the folder
    of a submissions zip), else (with a ``roster``) the roster id its file name is. Nothing
    typed, or a file name that is no roster id, is no mismatch. Letter case aside, as the
    roster is matched."""
    typed = name_text(book.names.get("student_id"))
    if not typed:
        return None
    if student is not None:
        under, note = student, "note.id_mismatch.submitted"
    elif roster is not None:
        under = next((st.id for st in roster if st.id.casefold() == path.stem.casefold()), "")
        note = "note.id_mismatch.file_name"
    else:
        return None
    if not under or under.casefold() == typed.casefold():
        return None
    return Flag("id_mismatch", note, {"typed": typed, "sid": under})


def _plain(formula: str) -> str:
    """A formula as compared with nnsheet's: no ``=``, ``$``, spaces or letter case."""
    return "".join(formula.removeprefix("=").split()).replace("$", "").upper()


def work_flags(book: Book, placement: Placement, key: AnswerKey, res: Result) -> list[Flag]:
    """Flags of answers not worked by hand: ``answer_key`` — the file is a trace workbook (no
    exercise sheet and no hidden settings), or more than half of its filled answer cells hold
    the very formulas nnsheet writes; ``formulas`` — more than half of the filled answer cells
    are spreadsheet formulas (the teacher decides whether that is allowed; the share is in the
    note). Neither changes the score."""
    filled = [m.row.key for m in res.marks if not m.given.blank]
    if not filled:
        return []
    typed = {k: placement.formula(book, k) for k in filled}
    formulas = [k for k, f in typed.items() if f]
    ours = [
        k
        for k in formulas
        if k in key.formulas and _plain(typed[k] or "") == _plain(key.formulas[k])
    ]
    n, share = len(filled), f"{100 * len(formulas) / len(filled):.0f}"
    flags: list[Flag] = []
    trace = not book.exercise and not book.meta
    if trace or 2 * len(ours) > n:
        note = "note.answer_key.trace" if trace else "note.answer_key.formulas"
        flags.append(Flag("answer_key", note, {"ours": len(ours), "filled": n}))
    if 2 * len(formulas) > n:
        fields = {"n": len(formulas), "filled": n, "share": share}
        flags.append(Flag("formulas", "note.formulas", fields))
    return flags


def _embedded(book: Book, path: Path) -> Spec | None:
    """The spec the exercise carries on its hidden sheet (None when missing or damaged)."""
    lines = [v for k, v in book.meta if k == "spec"]
    if not lines:
        return None
    try:
        return loads_spec("\n".join(lines), name=f"{path} (embedded spec)")
    except NnsheetError:
        return None


def givens_flags(
    path: Path,
    book: Book,
    key: AnswerKey,
    record: Spec | None,
    unknown: str | None,
    roster: bool,
) -> list[Flag]:
    """Flags of a file whose givens are not the record's (``tampered``; ``record``: ``--spec``,
    or the student's with a ``roster``), an id not on the roster (``unknown``:
    ``unknown_student``), or without a record, Setup givens that are not the embedded spec's
    (``givens_changed``). A workbook without the exercise's hidden sheet (a trace workbook
    graded with ``--spec``) claims no spec, so only its Setup is compared."""
    flags: list[Flag] = []
    if unknown is not None:
        flags.append(Flag("unknown_student", "note.unknown_student", {"sid": unknown}))
    if record is None:
        diffs = setup_differences(book, key)
        if diffs:
            setup = {"setup": key.layout.sheets.setup}
            flags.append(Flag("givens_changed", "note.givens_changed", setup, diffs))
        return flags
    embedded = _embedded(book, path)
    found: list[Diff] = []
    if embedded is not None:
        found += spec_differences(embedded, record)
    elif book.meta or roster:  # an exercise's hidden sheet, or a handout that had one
        found.append(("note.no_spec", {}))
    found += setup_differences(book, key)
    if found:
        flags.append(Flag("tampered", "note.tampered", what=found))
    return flags


def copied_flag(
    outcome: Outcome,
    others: dict[str, Spec],
    record: Record | None = None,
    cache: dict[str, AnswerKey] | None = None,
) -> Flag | None:
    """``copied:<id>`` when ``outcome``'s file is right for one of ``others`` (id → that
    student's spec) and not for its own givens; graded with the ``record``'s options when there
    is one (else the default options)."""
    res, book = outcome.result, outcome.book
    if res is None or book is None or not may_be_copied(res):
        return None
    cache = {} if cache is None else cache
    graded: dict[str, Result] = {}
    for other, spec in others.items():
        try:
            on = Record(spec) if record is None else dataclasses.replace(record, spec=spec)
            key, _ = key_for(book, outcome.path, on, cache)
            placement = locate(book, key, outcome.path)
            decimals = None if record is None else record.decimals
            graded[other] = grade_book(book, placement, key, outcome.path, decimals)
        except NnsheetError:
            continue
    found = copied_from(res, graded)
    if found is None:
        return None
    fields = {
        "sid": found[0],
        "other": f"{100 * found[1]:.0f}",
        "own": f"{100 * share_correct(res):.0f}",
    }
    return Flag(f"copied:{found[0]}", "note.copied", fields)


def not_submitted(outcomes: Sequence[Outcome], roster: Sequence[Student]) -> list[Student]:
    """The roster's students no file of the run was graded (or refused) as, in roster order."""
    seen = {o.student for o in outcomes}
    return [st for st in roster if st.id not in seen]


def class_flags(
    outcomes: Sequence[Outcome],
    record: Record,
    roster: Sequence[Student] | None = None,
    cache: dict[str, AnswerKey] | None = None,
) -> list[tuple[Flag, ...]]:
    """The flags found by comparing the files of one run, one tuple per outcome:
    ``duplicate_submission`` (with a ``roster``: two or more files for one student, each
    graded), ``copied:<id>`` (with a ``roster`` and a spec that draws givens: a file mostly
    wrong for its own givens but right for another student's whose file is in the run), then
    ``identical:<file>`` (two files agreeing on nearly every filled answer, wrong ones
    included). The attempts of one folder of a submissions zip (``--all-attempts``) are one
    hand-in each: neither a duplicate nor identical to each other."""
    found: list[list[Flag]] = [[] for _ in outcomes]
    by_student: dict[str, list[int]] = {}
    for n, o in enumerate(outcomes):
        if o.student is not None:
            by_student.setdefault(o.student, []).append(n)
    for sid, ns in by_student.items():
        if len({_hand_in(outcomes[n]) for n in ns}) > 1:
            files = ", ".join(_name(outcomes[n]) for n in ns)
            for n in ns:
                fields = {"sid": sid, "n": len(ns), "files": files}
                found[n].append(Flag("duplicate_submission", "note.duplicate", fields))
    spec = record.spec
    if roster is not None and spec is not None and draws_anything(spec):
        ids = sorted({o.student for o in outcomes if o.student is not None})
        specs = {sid: student_spec(spec, sid) for sid in ids}
        for n, o in enumerate(outcomes):
            if o.student is None:
                continue
            others = {other: specs[other] for other in ids if other != o.student}
            flag = copied_flag(o, others, record, cache)
            if flag is not None:
                found[n].append(flag)
    for i, j, agree, filled, wrong in identical_pairs([o.result for o in outcomes]):
        if outcomes[i].member is not None and _hand_in(outcomes[i]) == _hand_in(outcomes[j]):
            continue  # two attempts of one student
        for a, b in ((i, j), (j, i)):
            name = _name(outcomes[b])
            fields = {"agree": agree, "filled": filled, "wrong": wrong, "file": name}
            found[a].append(Flag(f"identical:{name}", "note.identical", fields))
    return [tuple(f) for f in found]


def _hand_in(o: Outcome) -> str:
    """Who handed a file in: a zip member's folder (its attempts are one hand-in), else the
    file itself."""
    return o.member.split("/", 1)[0] if o.member is not None else str(o.path)


def _name(o: Outcome) -> str:
    """A file as another file's flag names it: a zip member whole (``<id>/attempt-2.xlsx``
    says whose it is), else the file's name."""
    return o.member if o.member is not None else o.path.name
