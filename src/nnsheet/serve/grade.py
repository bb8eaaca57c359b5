"""One upload graded (runs in a worker process, :mod:`.pool`): the library's grader, against the
teacher's record of the student's exercise — never against the spec the file carries.

The answer key is the student's roster variant (:func:`nnsheet.exercise.roster.student_spec`)
with the exercise options the server wrote it with; the file is opened by
:func:`nnsheet.grading.read.read_book`, which checks the archive limits before anything is
parsed. The answer is a JSON-able dict: what the JSON API returns, what the result page shows
and the attempt's gradebook row.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.spec import Spec
from ..exercise.roster import student_spec
from ..exercise.template import BLOCKS, ExerciseOptions
from ..grading.batch import flagged_row, gradebook_row, name_text
from ..grading.explain import explain, explain_mistakes
from ..grading.key import AnswerKey
from ..grading.locate import locate
from ..grading.mark import VERDICTS, Result, grade_book, place
from ..grading.read import Book, read_book
from ..grading.report import summary, write_graded
from ..words.grading_text import reason

#: answer keys kept per worker (one per student variant)
_KEYS: dict[str, AnswerKey] = {}
_KEEP = 256


def student_key(spec: Spec, options: ExerciseOptions, student_id: str) -> AnswerKey:
    """The answer key of ``student_id``'s exercise (cached in this process)."""
    key = _KEYS.get(student_id)
    if key is None or key.options != options:
        if len(_KEYS) >= _KEEP:
            _KEYS.pop(next(iter(_KEYS)))
        key = _KEYS[student_id] = AnswerKey.build(student_spec(spec, student_id), options)
    return key


def _hide(text: str, path: Path, shown: str) -> str:
    """A message with the server's own file path replaced by the name the learner knows."""
    return text.replace(str(path), shown)


def grade_upload(job: dict) -> dict:
    """Grade ``job["upload"]`` for ``job["student_id"]`` and write ``job["graded"]``.

    ``job``: ``spec`` (the exercise spec, one epoch), ``options``, ``student_id``, ``roster``
    (every student's id), ``upload`` and ``graded`` (paths the server made), ``shown`` (the
    learner's file name, as text), ``lang``.

    Flags, as ``check --roster`` gives them: ``tampered`` (the file's embedded spec or Setup
    givens are not the student's), ``copied:<id>`` (the file is right for the givens of the
    student whose id is typed in it, and not for the uploader's)."""
    path, shown, lang = Path(job["upload"]), job["shown"], job["lang"]
    book: Book | None = None
    try:
        book = read_book(path)
        key = student_key(job["spec"], job["options"], job["student_id"])
        locate(book, key, path)
        res = grade_book(book, key, path)
    except NnsheetError as exc:
        problem = _hide(str(exc), path, shown)
        return {
            "status": "unreadable",
            "message": problem,
            "score": None,
            "flags": [],
            "gradebook": gradebook_row(Path(shown), book, None, problem),
        }
    res.path = Path(shown)  # what the summary and the graded copy name
    out: dict = {"status": "graded", "message": ""}
    try:
        write_graded(path, res, Path(job["graded"]), lang)
        out["graded"] = True
    except (NnsheetError, OSError) as exc:
        out["graded"] = False
        out["message"] = _hide(f"no graded copy: {exc}", path, shown)
    out.update(result_fields(res, lang))
    sid = job["student_id"]
    typed = name_text(book.names.get("student_id"))  # the id typed in the file
    # matched as check --roster matches it (letter case aside), then spelled as on the roster
    other = {r.casefold(): r for r in job["roster"]}.get(typed.casefold())
    others = {} if other in (None, sid) else {other: student_spec(job["spec"], other)}
    out["gradebook"], out["flags"] = flagged_row(
        Path(shown), book, res, key.spec, others, "en", out["message"] or None
    )
    return out


def result_fields(res: Result, lang: str) -> dict:
    """Score, counts per verdict and per block, the first wrong value (cell, label, expected,
    given, reason, formula with symbols and numbers), its named mistake, the summary lines."""
    c, n = res.counts, len(res.marks)
    blocks = {}
    for b in BLOCKS:
        ms = [m for m in res.marks if m.block == b]
        if ms:
            cb = Counter(m.verdict for m in ms)
            blocks[b] = {v: cb.get(v, 0) for v in VERDICTS}
    first = res.first_wrong
    first_wrong = None
    mistake = None
    if first is not None:
        r = first.row
        first_wrong = {
            "cell": place(res.book, first),
            "label": r["label"],
            "expected": float(r["value"]),
            "given": first.given.text.strip(),
            "reason": reason(first.reason, lang),
            "formula": explain(res.key, r, lang),
        }
        if first.mistakes:  # the slips that give the learner's number: codes as --report's
            mistake = ";".join(code for code, _ in first.mistakes)
            first_wrong["mistake"] = explain_mistakes(res.key, first.mistakes, lang)
    return {
        "score": round(100.0 * res.share_right, 1) if n else None,
        **{v: c.get(v, 0) for v in VERDICTS},
        "answer_cells": n,
        "blocks": blocks,
        "first_wrong": first_wrong,
        "mistake": mistake,
        "flags": [],
        "summary": [line.strip() for line in summary(res, lang)],
    }
