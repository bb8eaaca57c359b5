"""The graded copy's workbook, written by nnsheet: the exercise as ``nnsheet template`` writes it
(the same :class:`~nnsheet.exercise.template.ExerciseWriter` and layout, from the answer key's
spec and options), with the learner's answers put in as values or text — never as formulas —
at their places in the layout, and the typed name and number. Nothing else of the learner's
file is read back: no formula, link, defined name, format's formula, macro, merge, comment or
extra sheet of theirs can reach the copy, and its cost is the exercise's, not the file's.

:func:`graded_book` returns it as an openpyxl workbook (nnsheet's own file, read back), which
:func:`nnsheet.grading.report.write_graded` colours, comments and gives its Grades sheet.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from ..core.safety import terminal_text
from ..exercise.template import ExerciseWriter, exercise_records, meta_rows
from .mark import Mark, Result
from .pipeline import name_text


def learner_text(v: object) -> str:
    """What a learner typed, as text that can be shown: control characters as ``\\x1b``."""
    return terminal_text(v if isinstance(v, str) else name_text(v))


def answer_value(m: Mark) -> float | str | None:
    """The learner's answer as the copy holds it: the number read (of a formula, its result),
    else the text typed (of a formula with no result, its text: text, never a formula; control
    characters escaped), else nothing."""
    if m.given.value is not None:
        return float(m.given.value)
    text = m.given.text.strip()
    return learner_text(text) if text else None


def graded_book(res: Result):
    """The exercise of ``res``'s answer key with the learner's answers in its answer cells
    (``res.marks``, at each answer's place in the layout: a shifted table is put back in place)
    and the learner's name and number; an openpyxl workbook."""
    import openpyxl

    key = res.key
    book = res.book
    names = book.names if book is not None else {}
    student = (learner_text(names.get("student")), learner_text(names.get("student_id")))
    with tempfile.TemporaryDirectory(prefix="nnsheet-copy-") as tmp:
        path = Path(tmp) / "exercise.xlsx"
        writer = ExerciseWriter(
            path, key.layout, key.options, meta_rows(key.spec, key.options), student
        )
        writer.write(exercise_records(key.trace, key.options))
        data = path.read_bytes()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for m in res.marks:
        v = answer_value(m)
        if v is None:
            continue
        cell = wb[m.row.sheet][m.row.cell]
        cell.value = v
        if isinstance(v, str):
            cell.data_type = "s"  # text stays text, never a formula
    return wb
