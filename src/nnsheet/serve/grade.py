"""One upload graded (runs in a worker process, :mod:`.pool`): the library's grader
(:func:`nnsheet.grading.pipeline.grade_file`, as ``check --roster`` calls it), against the
teacher's record of the student's exercise — never against the spec the file carries.

The answer key is the student's roster variant (:func:`nnsheet.exercise.roster.student_spec`)
with the exercise options the server wrote it with; the file is opened by
:func:`nnsheet.grading.read.read_book`, which checks the archive limits before anything is
parsed. The answer is a JSON-able dict: what the JSON API returns, what the result page shows
and the attempt's gradebook row.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.ops import BLOCKS
from ..core.safety import terminal_text
from ..exercise.roster import Student, draws_anything, student_spec
from ..grading.batch import gradebook_row
from ..grading.explain import explain, explain_mistakes, explain_own
from ..grading.integrity import typed_answers
from ..grading.key import AnswerKey, Record
from ..grading.mark import VERDICTS, Result, place
from ..grading.pipeline import copied_flag, grade_file, name_text
from ..grading.read import shown
from ..grading.report import own_numbers, summary, write_graded
from ..words.grading_text import flag_note, reason, say
from .classpage import marks_kept

#: answer keys kept per worker, by value (the student's spec and the options)
_KEYS: dict[str, AnswerKey] = {}
_KEEP = 256


def _hide(text: str, path: Path, shown: str) -> str:
    """A message with the server's own file path replaced by the name the learner knows."""
    return text.replace(str(path), shown)


def grade_upload(job: dict) -> dict:
    """Grade ``job["upload"]`` for ``job["student_id"]`` and write ``job["graded"]``.

    ``job``: ``spec`` (the exercise spec, one epoch), ``options``, ``student_id``, ``roster``
    (every student's id), ``upload`` and ``graded`` (paths the server made), ``shown`` (the
    learner's file name, as text), ``lang``.

    Flags, as ``check --roster`` gives them: ``tampered`` (the file's embedded spec, hidden
    settings or Setup givens are not the student's), ``copied:<id>`` (the file is right for the
    givens of the student whose id is typed in it, and not for the uploader's)."""
    path, shown, lang = Path(job["upload"]), job["shown"], job["lang"]
    spec, options, sid = job["spec"], job["options"], job["student_id"]
    credit = job.get("carried_credit", 1.0)
    record = Record(spec, options.ask, options.steps, spec.epochs, options.decimals, credit)
    roster = [Student(r, "", n) for n, r in enumerate(job["roster"], start=1)]
    if len(_KEYS) >= _KEEP:
        _KEYS.clear()
    done = grade_file(path, record, roster, student=sid, cache=_KEYS)
    done = dataclasses.replace(done, path=Path(shown))  # what the gradebook names
    res = done.result
    if res is None:
        problem = _hide(done.problem or "", path, shown)
        return {
            "status": "unreadable",
            "message": problem,
            "score": None,
            "flags": [],
            "gradebook": gradebook_row(dataclasses.replace(done, problem=problem)),
        }
    res = dataclasses.replace(res, path=Path(shown))  # what the summary and graded copy name
    feedback = job.get("feedback", "verdicts")
    if res.marks and all(m.given.blank for m in res.marks):  # nothing typed: not an attempt
        problem = say("no_answer", lang, path=shown)
        return {
            "status": "unreadable",
            "message": problem,
            "score": None,
            "flags": [],
            "gradebook": gradebook_row(dataclasses.replace(done, result=None, problem=problem)),
        }
    out: dict = {"status": "graded", "message": ""}
    try:
        write_graded(path, res, Path(job["graded"]), lang, feedback)
        out["graded"] = True
    except (NnsheetError, OSError) as exc:
        out["graded"] = False
        out["message"] = _hide(f"no graded copy: {exc}", path, shown)
    out.update(result_fields(res, lang, feedback))
    assert done.book is not None
    typed = name_text(done.book.names.get("student_id"))  # the id typed in the file
    # matched as check --roster matches it (letter case aside), then spelled as on the roster
    other = {r.casefold(): r for r in job["roster"]}.get(typed.casefold())
    later = []
    flag = None
    if other not in (None, sid):
        flag = copied_flag(done, {other: student_spec(spec, other)}, None, _KEYS)
    if flag is None and draws_anything(spec):
        # retyped from a classmate (their id not typed): right for one of the class's givens,
        # as check --roster finds it; only a file mostly filled and mostly wrong is regraded
        others = {r: student_spec(spec, r) for r in job["roster"] if r != sid}
        flag = copied_flag(done, others, None, _KEYS)
    later = [] if flag is None else [flag]
    out["gradebook"] = gradebook_row(done, later, problem=out["message"] or None)
    out["flags"] = list(dict.fromkeys(f.code for f in [*done.flags, *later]))
    # each flag's reason in words (the teacher page shows them; a note said once)
    notes: dict[str, str] = {}
    for f in [*done.flags, *later]:
        notes.setdefault(f.code, flag_note(f, lang))
    out["flag_notes"] = notes
    out.update(marks_kept(done))  # the class view's counts (the teacher page, class report)
    if res.marks:  # what the class's latest attempts are compared on (identical:<id>)
        keys, typed, wrong = typed_answers(res)
        cells = hashlib.sha256(repr(keys).encode()).hexdigest()
        out["answers"] = {"cells": cells, "typed": typed, "wrong": wrong}
    # what the class's latest attempts are compared on for duplicate_submission: the upload's
    # bytes, and the workbook as graded (typed name, number and every typed answer)
    names = (
        name_text(done.book.names.get("student")),
        name_text(done.book.names.get("student_id")),
    )
    answered = [(m.row.key, m.given.text.strip()) for m in res.marks]
    out["same"] = {
        "bytes": hashlib.sha256(path.read_bytes()).hexdigest(),
        "workbook": hashlib.sha256(repr((names, answered)).encode()).hexdigest(),
    }
    return out


def result_fields(res: Result, lang: str, feedback: str = "full") -> dict:
    """Score, counts per verdict and per block, the first wrong value (cell, label, expected,
    given, reason, formula with symbols and numbers), its named mistake, the summary lines.

    ``feedback`` (``serve --feedback``) withholds: ``verdicts``: no ``expected`` and no
    ``formula`` in ``first_wrong``, its ``reason`` names no expected value; ``hints``: the same,
    but ``formula`` is the cell's formula on the learner's own numbers (no result); ``full``:
    everything."""
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
            "cell": place(res, first),
            "label": r.label,
            "given": terminal_text(shown(first.given, lang)),
            "reason": reason(first.reason, lang, feedback) if first.reason is not None else "",
        }
        if feedback == "full":
            first_wrong["expected"] = r.value
            first_wrong["formula"] = explain(res.key, r, lang)
        elif feedback == "hints":
            first_wrong["formula"] = explain_own(res.key, r, own_numbers(res), lang)
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
        "summary": [line.strip() for line in summary(res, lang, feedback)],
    }
