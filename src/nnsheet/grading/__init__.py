"""Stage 6: grading filled exercise workbooks (``nnsheet check``).

One file is graded by :func:`~.pipeline.grade_file`, in one direction, each stage returning a
frozen value and changing nothing it was given (``nnsheet check`` and ``nnsheet serve``'s worker
both call it):

- :mod:`.read`: archive checks before parsing, then what the file says (:class:`~.read.Book`:
  the answer sheets' cells, the hidden sheet, the typed name and number, the Setup values), from
  an .xlsx or an .ods; :mod:`.values` reads a program's values (a CSV keyed by the trace table's
  columns) into a ``Book`` the same way;
- :mod:`.key`: the answer key (:class:`~.key.AnswerKey`: frozen :class:`~.key.AnswerCell` s read
  from the layout's cell stream, the layout's formula of every cell, the engine's values) of the
  spec the exercise carries or of the teacher's record (:class:`~.key.Record`: ``--spec`` and
  ``template``'s options); :func:`~.key.key_for` also returns how the exercise's hidden settings
  differ from the record (graded on the record, flagged ``tampered``);
- :mod:`.locate`: where the learner's table holds each answer, found by its headers
  (:class:`~.locate.Placement`: inserted columns and rows, deleted rows);
- :mod:`.mark`: one frozen :class:`~.mark.Mark` per answer cell, its verdict and its
  :class:`~.reason.Reason` (a code and fields), and the catalogue's slips that give a wrong one
  (:data:`nnsheet.core.ops.MISTAKES`);
- :mod:`.integrity`: givens compared with the record (``--spec``, per student with ``--roster``),
  answers compared across files (copied, identical); :func:`~.pipeline.class_flags` gives a
  run's cross-file :class:`~.reason.Flag` s;
- at the edges, in the reader's language (:mod:`nnsheet.words.grading_text`): :mod:`.report`
  (terminal summary, graded copy, ``--report`` rows, :mod:`.explain`'s formulas with numbers) and
  :mod:`.batch` (a folder's submissions, the gradebook, the flags' lines).

Each answer cell gets one verdict:

- ``correct``: within the tolerance of the engine's value. The tolerance is half a unit in the last
  decimal the learner typed, and at least in the exercise's stated decimal (default 4; ``--decimals
  D`` replaces it). Also correct: right when the cell's own workbook formula is evaluated on the
  learner's earlier values when those are all correct themselves (rounding drift).
- ``carried`` (correct by carry-forward): wrong against the engine, but right when the cell's own
  workbook formula is evaluated (:mod:`nnsheet.sheet.formula`) on the learner's earlier values, one
  of which is wrong.
  Cells the learner was not asked for (the weights in use, which point at the previous row's new
  weights) are computed from the learner's values by their formulas as well, so an error carried
  through a weight update is followed too.
- ``wrong``: neither; or text that is not a number, a spreadsheet error value, or a formula the
  learner typed whose result was never computed (file not saved by a spreadsheet).
- ``missing``: blank; or its row was deleted (rows are found by their epoch/step/sample cells);
  or hidden under a merged cell (the merge's top-left cell is graded).

The teacher's record (:class:`~.key.Record`: ``--spec`` and ``template``'s options) says what is
asked; an exercise whose hidden settings differ is flagged ``tampered`` and graded on the record.
"""

from __future__ import annotations

from .batch import GRADEBOOK_COLUMNS, gradebook_row
from .explain import explain
from .key import AnswerCell, AnswerKey, LearnerEnv, Record, key_for
from .locate import Placement, locate
from .mark import VERDICTS, close, grade_book, tolerance
from .pipeline import Outcome, class_flags, grade_file
from .read import OLE_MAGIC, Book, parse_text, read_book, read_given
from .reason import Flag, Reason
from .report import COLOURS, REPORT_COLUMNS, summary, write_graded

__all__ = [
    "COLOURS",
    "GRADEBOOK_COLUMNS",
    "OLE_MAGIC",
    "REPORT_COLUMNS",
    "VERDICTS",
    "AnswerCell",
    "AnswerKey",
    "Book",
    "Flag",
    "LearnerEnv",
    "Outcome",
    "Placement",
    "Reason",
    "Record",
    "class_flags",
    "close",
    "explain",
    "grade_book",
    "grade_file",
    "gradebook_row",
    "key_for",
    "locate",
    "parse_text",
    "read_book",
    "read_given",
    "summary",
    "tolerance",
    "write_graded",
]
