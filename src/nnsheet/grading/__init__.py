"""Stage 6: grading filled exercise workbooks (``nnsheet check``).

The answer key (:mod:`.key`) is built from the spec the exercise carries (or ``--spec``): the
engine's trace, the trace table as the map of answer cells and expected values, and the layout
map's formula for every cell (the single source of truth). The modules, in data-flow order:

- :mod:`.read`: archive checks before parsing, then what the learner typed (``Book``, ``Given``),
  from an .xlsx (openpyxl) or an .ods (python-calamine);
- :mod:`.locate`: the answer cells found by the table's headers (inserted columns and rows);
- :mod:`.key`: the answer key and the learner's environment (formulas on the learner's numbers);
- :mod:`.explain`: the expected value's formula with symbols, then numbers;
- :mod:`.mark`: one verdict per answer cell, and the catalogue's slips that give a wrong one
  (:data:`nnsheet.core.ops.MISTAKES`);
- :mod:`.report`: terminal summary, graded copy, ``--report`` rows;
- :mod:`.integrity`: givens compared with the record (``--spec``, per student with ``--roster``),
  answers compared across files (copied, identical);
- :mod:`.values`: a program's values (a CSV keyed by the trace table's columns) as a ``Book``;
- :mod:`.batch`: several files (or a folder) in one call, and the gradebook and its flags.

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
