"""The Steps sheet of a printed handout (``--pdf``), its bands stacked down the page (issue 26).

A spreadsheet prints a page as one block of columns and rows, so the rows layout's Steps sheet of
a short exercise — a few rows, some 60 to 90 columns — prints as one thin strip per page: the
course's one-pattern exercise took 7 landscape pages, each with three rows of cells at the top.
The PDF handout is printed from a copy of the workbook whose Steps sheet holds the same cells,
cell for cell, placed in **stripes**: the columns a landscape page holds side by side
(:func:`nnsheet.output.printing.column_breaks`, so a band is never split) form a stripe, and the
stripes go one below the other, each with its own two header rows and the epoch/step/sample
columns, a blank row between; page breaks fall between stripes. The course's Steps sheet then
prints on 2 pages, at the same 60 % and with the same 8 mm answer rows.

The copy is written by the same writer as the workbook (:class:`WrappedSteps` stands in for the
Steps worksheet and places each cell), for the PDF only: the workbook the learner types into
keeps the rows layout the grader reads. Its cells hold the values the workbook shows (a formula's
cached value; an exercise's blank cells blank), not formulas, since their references would point
elsewhere once the cells are moved — LibreOffice exports a handout without recalculating.

Used only when it helps: more than one stripe, and at least two stripes on a page
(:func:`stacks`); otherwise the handout prints the workbook as it is.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from typing import Any

from ..core.engine import EpochRecord, StepRecord
from ..sheet.layout import HEADER_ROWS, STEP_COL_WIDTH, STEPS_COL_WIDTH, Layout, StepsRow
from . import printing
from .workbook import WorkbookWriter

#: the columns repeated on every stripe: epoch, step, sample
INDEX_COLS = 3
#: blank rows between two stripes
GAP_ROWS = 1
#: the height (points) of a row no one sets: 15 pt, Calibri 11's default
DEFAULT_ROW_PT = 15.0


def stripe_starts(layout: Layout) -> list[int]:
    """The first column of each stripe: the columns after the epoch/step/sample columns, cut
    where the Steps sheet's vertical page breaks fall."""
    breaks = printing.column_breaks(
        layout, INDEX_COLS * printing.col_px(STEP_COL_WIDTH), printing.col_px(STEPS_COL_WIDTH)
    )
    return [INDEX_COLS, *breaks]


def stripe_px(layout: Layout, row_pt: float | None = None) -> float:
    """The height (pixels of the sheet at 100 %) of one stripe and the gap after it, counting
    every data row at ``row_pt`` points (an exercise's answer rows) or the default 15 pt."""
    data = layout.n_rows - HEADER_ROWS
    row = DEFAULT_ROW_PT if row_pt is None else max(row_pt, DEFAULT_ROW_PT)
    return (HEADER_ROWS + GAP_ROWS) * DEFAULT_ROW_PT * 96 / 72 + data * row * 96 / 72


def stacks(layout: Layout, row_pt: float | None = None) -> bool:
    """Whether stacking helps: the rows layout, more than one stripe, and two stripes fit on
    one landscape page at :data:`~nnsheet.output.printing.STEPS_SCALE` (rows of ``row_pt``
    points)."""
    if layout.columns:  # a step per column: printed as it is (printing.columns_steps_print)
        return False
    height = printing.printable_px(True, printing.STEPS_SCALE)[1]
    return len(stripe_starts(layout)) > 1 and 2 * stripe_px(layout, row_pt) <= height


class WrappedSteps:
    """Stands in for the Steps worksheet of a handout: every cell written at (row, column) of
    the rows layout goes to its stripe (:func:`stripe_starts`): column ``c`` of stripe ``k``
    to row ``k·stride + row``, column ``c − start_k + 3``; the epoch/step/sample columns and the
    header rows of those columns to every stripe. Formulas are written as their values. Print
    titles, freezing and vertical breaks of the rows layout do not apply; :meth:`finish` sets
    the breaks between stripes. Anything else goes to the worksheet itself."""

    def __init__(self, ws: Any, layout: Layout, n_rows: int | None = None) -> None:
        self.inner = ws
        self.starts = stripe_starts(layout)
        #: the rows of the rows layout that hold cells (an exercise of the first K steps
        #: writes fewer than the layout has)
        self.n_rows = layout.n_rows if n_rows is None else n_rows
        self.stride = self.n_rows + GAP_ROWS
        self.heights: dict[int, float] = {}  # row of the rows layout → its height (points)
        self.widths: dict[int, float] = {}  # column of the stacked sheet → its width

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    # ------------------------------------------------------------------ places
    def stripe(self, col: int) -> int:
        return bisect.bisect_right(self.starts, col) - 1

    def places(self, row: int, col: int, stripe: int | None = None) -> list[tuple[int, int]]:
        """Where a cell of the rows layout goes (several places for the repeated columns;
        ``stripe``: only that stripe's copy)."""
        if col < INDEX_COLS:
            ks = range(len(self.starts)) if stripe is None else [stripe]
            return [(k * self.stride + row, col) for k in ks]
        k = self.stripe(col)
        return [(k * self.stride + row, col - self.starts[k] + INDEX_COLS)]

    # ------------------------------------------------------------------ cells
    def write_number(self, row: int, col: int, value: float, fmt: Any = None) -> int:
        for r, c in self.places(row, col):
            self.inner.write_number(r, c, value, fmt)
        return 0

    def write_string(self, row: int, col: int, value: str, fmt: Any = None) -> int:
        for r, c in self.places(row, col):
            self.inner.write_string(r, c, value, fmt)
        return 0

    def write_blank(self, row: int, col: int, value: Any = None, fmt: Any = None) -> int:
        for r, c in self.places(row, col):
            self.inner.write_blank(r, c, None, fmt)
        return 0

    def write_formula(
        self, row: int, col: int, formula: str, fmt: Any = None, value: Any = 0
    ) -> int:
        """The formula's value (what the workbook shows), not the formula."""
        if value is None or value == "":
            return self.write_blank(row, col, None, fmt)
        if isinstance(value, str):
            return self.write_string(row, col, value, fmt)
        if isinstance(value, float) and not math.isfinite(value):
            return self.write_blank(row, col, None, fmt)
        return self.write_number(row, col, value, fmt)

    def merge_range(self, r0: int, c0: int, r1: int, c1: int, data: Any, fmt: Any = None) -> int:
        """A band's name over its columns (the writer cuts it where the stripes are cut)."""
        for (a, b), k in zip(self.places(r0, c0), self._stripes(c0), strict=True):
            (d, e) = self.places(r1, c1, k)[0]
            if (a, b) == (d, e):
                self.inner.write(a, b, data, fmt)
            else:
                self.inner.merge_range(a, b, d, e, data, fmt)
        return 0

    def _stripes(self, col: int) -> list[int]:
        return list(range(len(self.starts))) if col < INDEX_COLS else [self.stripe(col)]

    # ------------------------------------------------------------------ rows and columns
    def set_row(self, row: int, height: float | None = None, *args: Any) -> int:
        if height is not None:
            self.heights[row] = height
        for k in range(len(self.starts)):
            self.inner.set_row(k * self.stride + row, height, *args)
        return 0

    def set_column(self, c0: int, c1: int, width: float | None = None, *args: Any) -> int:
        for col in range(c0, c1 + 1):
            for _, c in self.places(0, col):
                w = max(self.widths.get(c, 0.0), width or 0.0)
                if w != self.widths.get(c):
                    self.widths[c] = w
                    self.inner.set_column(c, c, w, *args)
        return 0

    # ------------------------------------------------------------------ printing
    def freeze_panes(self, *args: Any) -> None:
        """Not on a printed copy (each stripe has its own header rows)."""

    def repeat_rows(self, *args: Any) -> None:
        """Each stripe has its own header rows."""

    def repeat_columns(self, *args: Any) -> None:
        """Each stripe has its own epoch/step/sample columns."""

    def set_v_pagebreaks(self, breaks: Any) -> None:
        """A stripe is one page wide: no vertical breaks."""

    def print_across(self) -> None:
        """One page across: the order of pages does not matter."""

    def finish(self) -> list[int]:
        """Page breaks between stripes: a stripe goes on the current page if it fits (with its
        gap), else on the next; returns the breaks (first rows of the pages after the first)."""
        row_px = [
            self.heights.get(r, DEFAULT_ROW_PT) * 96 / 72 for r in range(self.n_rows + GAP_ROWS)
        ]
        size = math.ceil(sum(row_px))
        blocks: list[printing.Block] = [
            (k * self.stride, size, []) for k in range(len(self.starts))
        ]
        height = printing.printable_px(True, printing.STEPS_SCALE)[1]
        breaks = printing.pack(blocks, int(height))
        self.inner.set_h_pagebreaks(breaks)
        return breaks


class StackedSteps:
    """A writer's mixin (before the writer in the bases) that writes Steps through
    :class:`WrappedSteps`: for the handout's copy of a workbook (see the module docstring)."""

    streaming = False  # cells go to the stripes out of row order

    def write(self, records: Iterable[StepRecord | EpochRecord]) -> None:
        """Write the copy; its stripes are as tall as the Steps rows ``records`` fill."""
        records = list(records)
        lay: Layout = self.layout  # type: ignore[attr-defined]
        rows = [
            item.row
            for item in lay.body(records)
            if type(item) is StepsRow and item.row is not None
        ]
        self.rows_used = max(rows) + 1 if rows else HEADER_ROWS
        super().write(records)  # type: ignore[misc]

    def _steps_sheet(self, ws):  # type: ignore[no-untyped-def]
        self.stacked_steps = WrappedSteps(ws, self.layout, self.rows_used)  # type: ignore[attr-defined]
        return self.stacked_steps

    def _steps_print(self, ws) -> None:  # type: ignore[no-untyped-def]
        """Landscape at the usual scale with gridlines; no print titles (each stripe has its
        header rows and step columns); breaks between stripes when the rows are written."""
        self._page_setup(  # type: ignore[attr-defined]
            ws.inner, landscape=True, scale=printing.STEPS_SCALE, gridlines=True
        )

    def _steps_range(self, first: int, last: int, col: int, beside: int | None = None) -> list:
        k = self.stacked_steps.stripe(col if beside is None else beside)
        (r0, c), (r1, _) = (
            self.stacked_steps.places(first, col, k)[0],
            self.stacked_steps.places(last, col, k)[0],
        )
        return [self.layout.sheets.steps, r0, c, r1, c]  # type: ignore[attr-defined]

    def _fill(self, wb, records) -> None:  # type: ignore[no-untyped-def]
        super()._fill(wb, records)  # type: ignore[misc]
        self.stacked_steps.finish()


class StackedWriter(StackedSteps, WorkbookWriter):
    """A trace workbook's copy for its PDF: Steps in stacked stripes, the rest as written."""
