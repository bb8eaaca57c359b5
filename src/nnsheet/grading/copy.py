"""The graded copy's workbook, written by nnsheet in one XlsxWriter pass: the exercise as
``nnsheet template`` writes it (the same :class:`~nnsheet.exercise.template.ExerciseWriter` and
layout, from the answer key's spec and options), with the learner's answers put in as values or
text — never as formulas — at their places in the layout, each answer cell in its verdict's
colour with its comment, the typed name and number, and the Grades sheet first. Nothing else of
the learner's file is read back: no formula, link, defined name, format's formula, macro,
merge, comment or extra sheet of theirs can reach the copy, and its cost is the exercise's, not
the file's.

:func:`write_graded_book` writes it; :func:`nnsheet.grading.report.write_graded` says what the
comments and the Grades sheet say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..core.cells import cell_pos
from ..core.safety import terminal_text
from ..exercise.template import ExerciseWriter, exercise_records, meta_rows
from ..output import printing
from ..output.workbook import ANSWER_FORMAT
from ..sheet.layout import Cell, StepsRow
from ..words.notation import SHEET_NAMES
from .mark import Mark, Result
from .pipeline import name_text

#: each verdict's fill in the graded copy (and the Grades sheet's legend)
COLOURS = {
    "correct": "C6EFCE",
    "carried": "DDEBF7",
    "carried_trivial": "FCE4D6",
    "wrong": "FFC7CE",
    "missing": "D9D9D9",
}
#: a comment's box, in pixels
COMMENT_SIZE = {"author": "nnsheet check", "width": 420, "height": 160}


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


class GradedWriter(ExerciseWriter):
    """The exercise writer with each answer cell written as graded: the learner's value or text
    in its verdict's colour (the answer cell's format otherwise), and its comment; the Grades
    sheet first. Answer cells are written where the exercise writes them (Steps rows, Epochs
    and Setup cells, in order: the workbook streams), so an answer the layout does not place is
    an error, never a cell left out silently."""

    def __init__(
        self,
        path: Path,
        res: Result,
        comments: Mapping[tuple[str, str], str | None],
        grades: Sequence[printing.GradesLine],
        title: str,
        lang: str,
    ) -> None:
        key = res.key
        names = res.book.names if res.book is not None else {}
        student = (learner_text(names.get("student")), learner_text(names.get("student_id")))
        super().__init__(path, key.layout, key.options, meta_rows(key.spec, key.options), student)
        self.res, self.comments, self.grades, self.title = res, comments, grades, title
        self.lang = lang  # what check says (--lang), the exercise's own sheets aside
        self.marks = {(m.row.sheet, *cell_pos(m.row.cell)): m for m in res.marks}
        self.written = 0

    def _fill(self, wb, records) -> None:
        lang = self.lang
        first = wb.add_worksheet(SHEET_NAMES[lang].grades)  # the first sheet
        self.verdict_fmt = {
            v: wb.add_format({**ANSWER_FORMAT, "bg_color": "#" + c}) for v, c in COLOURS.items()
        }
        super()._fill(wb, records)
        if self.written != len(self.marks):  # the layout places every answer it asks
            raise RuntimeError(f"{len(self.marks) - self.written} answer cell(s) not placed")
        printing.grades_sheet(wb, first, self.grades, self.title, lang)
        for ws in wb.worksheets():  # one tab selected: the Grades sheet, where the copy opens
            ws.selected = 0
        first.activate()

    def _answer(self, ws, sheet: str, row: int, col: int) -> None:
        m = self.marks.get((sheet, row, col))
        if m is None:
            return
        fmt, v = self.verdict_fmt[m.verdict], answer_value(m)
        if v is None:
            ws.write_blank(row, col, None, fmt)
        elif isinstance(v, str):
            ws.write_string(row, col, v, fmt)  # text stays text, never a formula
        else:
            ws.write_number(row, col, v, fmt)
        text = self.comments.get(m.row.key)
        if text is not None:
            ws.write_comment(row, col, text, COMMENT_SIZE)
        self.written += 1

    def _cells(self, ws, sr: StepsRow) -> None:
        super()._cells(ws, sr)  # the answer cells blank: written again, as graded
        steps, place = self.layout.sheets.steps, self.layout.place
        sheet = getattr(ws, "ws", ws)  # the worksheet itself under the columns layout's proxy
        for c, _ in sr.templates:
            if c in self.answer_cols:
                self._answer(sheet, steps, *place(sr.row, c))  # where the layout puts it

    def _put(self, ws, cell: Cell) -> None:
        super()._put(ws, cell)
        self._answer(ws, cell.sheet, cell.row, cell.col)


def write_graded_book(
    out: Path,
    res: Result,
    comments: Mapping[tuple[str, str], str | None],
    grades: Sequence[printing.GradesLine],
    title: str,
    lang: str,
) -> None:
    """The graded copy of ``res`` at ``out`` (atomically): the exercise of its answer key with
    the learner's answers at their places in the layout (a shifted table is put back in place),
    ``comments`` on answer cells (by the answer's (sheet, cell); None: none), and the Grades
    sheet's ``grades`` lines first, named in ``lang``, ``title`` in its printed header."""
    writer = GradedWriter(out, res, comments, grades, title, lang)
    writer.write(exercise_records(res.key.trace, res.key.options))
