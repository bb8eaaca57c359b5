"""A1 cell references, in one place: ``"AB12"`` or ``"$AB$12"`` to a 0-based (row, column) and
back. The layout (``sheet/layout.py``), the formula evaluator (``sheet/formula.py``), the archive
checks (``core/safety.py``) and the grader's readers (``grading/read.py``) all use these.

Reading is lenient about what a spreadsheet or a hand-edited file may write (letters in any
case, ``$`` anchors, spaces around the reference) and strict about the rest: anything else is a
``ValueError`` naming the text. The numbers are not limited to a spreadsheet's size (a learner's
file can name ``ZZZ99999999``); the caller bounds them.
"""

from __future__ import annotations

import re

from xlsxwriter.utility import xl_col_to_name

#: a 0-based (row, column)
Pos = tuple[int, int]

_A1 = re.compile(r"\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,9})")
_RANGE = re.compile(r"([^:]+)(?::([^:]+))?")


def col_number(letters: str) -> int:
    """The 0-based column of ``A``, ``z``, ``AB``, ``XFD`` (letters in any case)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_pos(ref: str) -> Pos:
    """The 0-based (row, column) of an A1 reference: ``B3`` → (2, 1); ``$b$3`` and `` B3 `` too.
    Anything else (``A0``, ``B``, ``Sheet!A1``, ``R1C1``) raises ``ValueError``."""
    m = _A1.fullmatch(ref.strip())
    if m is None:
        raise ValueError(f"not a cell reference: {ref[:40]!r}")
    return int(m.group(2)) - 1, col_number(m.group(1))


def range_pos(ref: str) -> tuple[Pos, Pos]:
    """The top-left and bottom-right corners of ``A1:C3`` (a single ``B2`` is the range B2:B2);
    the corners may be written in either order."""
    m = _RANGE.fullmatch(ref.strip())
    if m is None:
        raise ValueError(f"not a cell range: {ref[:40]!r}")
    (r0, c0) = cell_pos(m.group(1))
    (r1, c1) = cell_pos(m.group(2)) if m.group(2) is not None else (r0, c0)
    return (min(r0, r1), min(c0, c1)), (max(r0, r1), max(c0, c1))


def col_name(col: int) -> str:
    """The letters of a 0-based column: 0 → ``A``, 27 → ``AB``."""
    return xl_col_to_name(col)


def cell_name(row: int, col: int, absolute: bool = False) -> str:
    """The A1 name of a 0-based (row, column); ``absolute``: ``$B$3``."""
    if absolute:
        return f"${xl_col_to_name(col)}${row + 1}"
    return f"{xl_col_to_name(col)}{row + 1}"
