"""Writing the trace workbook (design.md §4) with XlsxWriter, row by row.

Every computed cell is a plain formula carrying the engine's value as its cached result. Rows are
written strictly in order (XlsxWriter ``constant_memory``), so the writer can consume the engine's
steps as they are produced. Every cell, its place, kind and formula come from the layout's cell
stream (:meth:`nnsheet.sheet.layout.Layout.cells`); this module only maps each kind to a style and
writes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import xlsxwriter

from ..core.engine import EpochRecord, StepRecord, Trace
from ..core.spec import Spec
from ..core.version import __version__
from ..sheet.layout import (
    BAND,
    BANDS,
    COLUMNS_HEAD,
    COMPUTED,
    EPOCHS_WIDTHS,
    GIVEN,
    HEAD,
    HEADER_ROWS,
    HELPER,
    INDEX,
    INTEGER,
    LABEL,
    NUMBER,
    SETUP_COL_WIDTH,
    SETUP_LABEL_WIDTH,
    STEP_COL_WIDTH,
    STEPS_COL_WIDTH,
    SYMBOL,
    TEXT,
    TITLE,
    Cell,
    Layout,
    StepsRow,
    cell_name,
)
from ..words.guide import guide_lines, legend_text
from ..words.guide import text as guide_text
from ..words.notation import Notation, notation_for
from . import printing
from .files import write_atomic

NUMBER_FORMAT = "0.000000"
#: fill colours of the Steps bands (and of the Setup givens); the Guide lists them with text
BAND_COLOURS = {
    "step": "#D9D9D9",
    "data": "#FFF2CC",
    "weights": "#E2EFDA",
    "forward": "#DDEBF7",
    "errors": "#FCE4D6",
    "backward": "#EDE1F5",
    "gradients": "#FDE9F1",
    "new": "#C6EFCE",
}
GIVEN_FILL, GIVEN_FONT = "#FFCC99", "#3F3F76"  # Excel's "Input" cell style
FIXED_DATE = datetime.datetime(2000, 1, 1)
#: the Guide's colour swatches (column width in characters; the other sheets' widths are the
#: layout's)
SWATCH_WIDTH = 4
#: the loss chart's y-axis title (a symbol such as MSE) reads upright, not turned on its side
UPRIGHT = {"bold": True, "rotation": 0}


#: an exercise's answer cell: unlocked, white with a blue border (the graded copy colours it)
ANSWER_FORMAT = {
    "num_format": NUMBER_FORMAT,
    "bg_color": "#FFFFFF",
    "border": 1,
    "border_color": "#4472C4",
    "locked": False,
}


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.head = wb.add_format({"bold": True, "font_size": 11})
        self.text = wb.add_format({"text_wrap": False})
        self.stamp = wb.add_format({"italic": True, "font_color": "#595959"})
        self.label = wb.add_format({"bold": True, "align": "right"})
        self.given = wb.add_format(
            {
                "num_format": NUMBER_FORMAT,
                "bg_color": GIVEN_FILL,
                "font_color": GIVEN_FONT,
                "border": 1,
                "border_color": "#7F7F7F",
                "locked": True,
            }
        )
        self.given_text = wb.add_format(
            {
                "bg_color": GIVEN_FILL,
                "font_color": GIVEN_FONT,
                "border": 1,
                "border_color": "#7F7F7F",
            }
        )
        self.band_head: dict[str, object] = {}
        self.band_sym: dict[str, object] = {}
        self.band_num: dict[str, object] = {}
        self.band_int: dict[str, object] = {}
        self.band_swatch: dict[str, object] = {}
        self.band_down: dict[str, object] = {}
        self.band_words: dict[str, object] = {}
        for band, colour in BAND_COLOURS.items():
            self.band_head[band] = wb.add_format(
                {"bold": True, "bg_color": colour, "border": 1, "align": "center"}
            )
            self.band_sym[band] = wb.add_format(
                {"bold": True, "bg_color": colour, "border": 1, "align": "center", "bottom": 2}
            )
            self.band_num[band] = wb.add_format({"num_format": NUMBER_FORMAT, "bg_color": colour})
            self.band_int[band] = wb.add_format(
                {"num_format": "0", "bg_color": colour, "align": "center"}
            )
            self.band_swatch[band] = wb.add_format({"bg_color": colour, "border": 1})
            # the columns layout: a band's name down its rows, a row's formula in words
            self.band_down[band] = wb.add_format(
                {
                    "bold": True,
                    "bg_color": colour,
                    "border": 1,
                    "align": "center",
                    "valign": "vcenter",
                    "rotation": 90,
                }
            )
            self.band_words[band] = wb.add_format(
                {"bg_color": colour, "border": 1, "shrink": True, "valign": "vcenter"}
            )
        self.num = wb.add_format({"num_format": NUMBER_FORMAT})
        self.int = wb.add_format({"num_format": "0", "align": "center"})
        self.answer = wb.add_format(ANSWER_FORMAT)
        #: text that wraps inside its column (the Guide, the exercise's instructions)
        wrap = {"text_wrap": True, "valign": "top"}
        self.wrap = {
            "title": wb.add_format({**wrap, "bold": True, "font_size": 14}),
            "head": wb.add_format({**wrap, "bold": True, "font_size": 11}),
            "text": wb.add_format(wrap),
            "stamp": wb.add_format({**wrap, "italic": True, "font_color": "#595959"}),
        }
        #: the style of each cell kind (band and symbol headers take their band's colour)
        self.of_kind = {
            TITLE: self.title,
            HEAD: self.head,
            LABEL: self.label,
            TEXT: self.text,
            GIVEN: self.given,
            INTEGER: self.int,
            NUMBER: self.num,
            COMPUTED: self.num,
            HELPER: self.int,  # the single-layer test table's 0/1 match (Epochs)
        }

    def style(self, cell: Cell) -> object:
        if cell.kind == BAND:
            return self.band_head[cell.band]  # type: ignore[index]
        if cell.kind == SYMBOL:
            return self.band_sym[cell.band]  # type: ignore[index]
        if cell.kind == GIVEN and cell.formula is not None:
            return self.num  # computed on Setup from other givens (Nguyen–Widrow's weights)
        return self.of_kind[cell.kind]


def _skip_formula_rewriting(ws, formulas: Iterable[str]) -> bool:
    """Let ``ws`` store formulas as given, skipping XlsxWriter's per-formula rewriting.

    XlsxWriter runs some 30 regular-expression substitutions over every formula to prefix Excel
    365 functions (``FILTER`` → ``_xlfn._xlws.FILTER``, …); on the Steps sheet that is most of the
    writing time. Our formulas use none of those functions (only ``+ − * /``, ``EXP``,
    ``SUMPRODUCT``, ``MAX``, ``IF``, ``ROUND``), so when XlsxWriter's own rewriting returns every
    one of ``formulas`` (one instance of each Steps template) unchanged, the rewriting is replaced
    by the identity on this worksheet: the file written is byte for byte the same. Returns whether
    it did (False with an XlsxWriter that works differently: then nothing changes)."""
    prepare = getattr(ws, "_prepare_formula", None)
    if prepare is None:
        return False
    try:
        if any(f.startswith(("=", "{")) or prepare(f) != f for f in formulas):
            return False
    except Exception:
        return False
    ws._prepare_formula = _formula_as_is
    return True


def _discard(wb: xlsxwriter.Workbook) -> None:
    """Release a workbook abandoned mid-write (training failed): close and remove the
    temporary row files of constant_memory mode; the partial output is never assembled."""
    for ws in wb.worksheets():
        fh = getattr(ws, "row_data_fh", None)
        if fh is not None and not fh.closed:
            fh.close()
        name = getattr(ws, "row_data_filename", None)
        if name:
            with contextlib.suppress(OSError):
                os.unlink(name)
    wb.fileclosed = True


def _formula_as_is(formula: str, expand_future_functions: bool = False) -> str:
    return formula


class _Placed:
    """The Steps worksheet as the cell stream sees it: a line's cell of a layout column is
    written where :meth:`~nnsheet.sheet.layout.Layout.place` puts it (the columns layout). Row
    heights are the headers' business there (a quantity's row, set once)."""

    def __init__(self, ws, layout: Layout) -> None:
        self.ws, self.place = ws, layout.place

    def write_number(self, row: int, col: int, *args) -> None:
        self.ws.write_number(*self.place(row, col), *args)

    def write_string(self, row: int, col: int, *args) -> None:
        self.ws.write_string(*self.place(row, col), *args)

    def write_formula(self, row: int, col: int, *args) -> None:
        self.ws.write_formula(*self.place(row, col), *args)

    def write_blank(self, row: int, col: int, *args) -> None:
        self.ws.write_blank(*self.place(row, col), *args)

    def set_row(self, *args) -> None:
        pass


class WorkbookWriter:
    """Writes one trace workbook (the exercise writer, :mod:`nnsheet.exercise`, subclasses it)."""

    #: an exercise's writer sets this: the Guide then speaks of the exercise
    exercise = False
    #: rows written strictly in order (XlsxWriter's ``constant_memory``); a handout's copy,
    #: whose Steps cells go to stacked stripes, turns it off (:mod:`nnsheet.output.handout`)
    streaming = True

    def __init__(
        self,
        path: Path | str,
        layout: Layout,
        *,
        protect: bool = False,
        extra: Callable[[xlsxwriter.Workbook], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.layout = layout
        self.spec = layout.spec
        self.notation: Notation = layout.notation
        self.protect = protect
        self.extra = extra

    # ------------------------------------------------------------------ public
    def write(self, records: Iterable[StepRecord | EpochRecord]) -> None:
        self.layout.check_limits()
        write_atomic(self.path, lambda tmp: self._write(tmp, records))

    # ------------------------------------------------------------------ sheets
    def _write(self, tmp: str, records: Iterable[StepRecord | EpochRecord]) -> None:
        wb = xlsxwriter.Workbook(
            tmp,
            {
                # row by row, unless the columns layout (a step per column) or a handout's
                # stacked copy places the cells out of row order
                "constant_memory": self.streaming and not self.layout.columns,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": True,
            },
        )
        wb.set_properties(
            {
                "title": self.spec.title,
                "subject": "nnsheet trace",
                "creator": f"nnsheet {__version__}",
                "created": FIXED_DATE,
            }
        )
        try:
            self._fill(wb, records)
        except BaseException:
            _discard(wb)
            raise
        wb.close()

    def _fill(self, wb: xlsxwriter.Workbook, records: Iterable[StepRecord | EpochRecord]) -> None:
        self.f = _Formats(wb)
        names = self.layout.sheets
        self._guide(wb.add_worksheet(names.guide))
        self._setup(wb.add_worksheet(names.setup), wb)
        steps = self._steps_sheet(wb.add_worksheet(names.steps))
        epochs = wb.add_worksheet(names.epochs)
        self._steps_header(steps)
        self._epochs_header(epochs)
        last_epoch = 0
        self.last_sample_row: int | None = None  # the last sample row written on Steps
        fast = _skip_formula_rewriting(steps, self._template_samples())
        # the cell stream's lines and columns, written where the layout places them
        lines = _Placed(steps, self.layout) if self.layout.columns else steps
        for item in self.layout.body(records):
            if type(item) is StepsRow:
                self._row(lines, item)
                if item.sample is not None:
                    self.last_sample_row = item.row
            else:
                self._put(epochs, item)  # type: ignore[arg-type]
                last_epoch = item.epoch or last_epoch  # type: ignore[union-attr]
        if fast:
            del steps._prepare_formula  # back to XlsxWriter's own for anything written later
        self._epochs_chart(wb, epochs, last_epoch)
        if self.protect:
            for ws in (steps, epochs, wb.get_worksheet_by_name(names.setup)):
                ws.protect(
                    "",
                    {
                        "select_locked_cells": True,
                        "select_unlocked_cells": True,
                        "format_columns": True,
                        "format_rows": True,
                    },
                )
        if self.extra is not None:
            self.extra(wb)

    def _steps_sheet(self, ws):
        """The Steps worksheet the writer writes to (a handout's writer places its cells
        elsewhere on the page: :mod:`nnsheet.output.handout`)."""
        return ws

    def _steps_range(self, first: int, last: int, col: int, beside: int | None = None) -> list:
        """``[sheet, first row, first col, last row, last col]`` of a Steps column's rows
        ``first``..``last`` for a chart, where the layout places them (``beside``: a column whose
        rows these are read with)."""
        lay = self.layout
        return [lay.sheets.steps, *lay.place(first, col), *lay.place(last, col)]

    def _guide(self, ws) -> None:
        f, lay = self.f, self.layout
        self._text_sheet(ws, 1)
        r = 0
        for kind, text in guide_lines(
            self.spec,
            self.notation,
            __version__,
            lay.detail_epochs,
            exercise=self.exercise,
            columns=lay.columns,
        ):
            if kind == "head":
                r += 1
            self._text_row(ws, r, 1, text, kind)
            r += 1
        r += 1
        self._text_row(ws, r, 1, legend_text(self.notation, lay.columns), "head")
        r += 1
        ws.write_blank(r, 0, None, f.given)
        givens = "band.givens_exercise" if self.exercise else "band.givens"
        self._text_row(ws, r, 1, guide_text(givens, self.notation), "text")
        r += 1
        for band in BANDS:
            ws.write_blank(r, 0, None, f.band_swatch[band])
            self._text_row(
                ws, r, 1, f"{lay.sheets.steps}: {self.notation.word('band.' + band)}", "text"
            )
            r += 1

    # ------------------------------------------------------------------ printing
    def _page_setup(
        self,
        ws,
        *,
        landscape: bool,
        scale: int | None = None,
        gridlines: bool = False,
    ) -> None:
        printing.page_setup(
            ws,
            self.spec.title,
            self.notation.lang,
            landscape=landscape,
            scale=scale,
            gridlines=gridlines,
        )

    def _text_sheet(self, ws, text_col: int) -> None:
        """A sheet of text in column ``text_col`` (a swatch column before it, if any): portrait,
        the text column as wide as the page leaves, so wrapped lines are never cut."""
        before = printing.col_px(SWATCH_WIDTH) * text_col
        if text_col:
            ws.set_column(0, text_col - 1, SWATCH_WIDTH)
        width = printing.text_column_width(before)
        ws.set_column(text_col, text_col, width)
        self.text_px = printing.col_px(width)
        self._page_setup(ws, landscape=False)

    def _text_row(self, ws, r: int, c: int, text: str, kind: str) -> None:
        """Text that wraps in its column (``kind``: title, head, text, stamp), in a row as tall
        as its lines (spreadsheets do not all fit a row to wrapped text by themselves)."""
        ws.set_row(r, printing.text_height(text, self.text_px, 14 if kind == "title" else 11))
        ws.write_string(r, c, text, self.f.wrap[kind])

    def _setup_print(self, ws, n_cols: int) -> None:
        """Setup: portrait if its ``n_cols`` columns fit (else landscape, else scaled down), a
        page break before each table that would straddle two pages, and the data table's
        header rows repeated on the pages it runs over."""
        width = printing.col_px(SETUP_LABEL_WIDTH) + (n_cols - 1) * printing.col_px(SETUP_COL_WIDTH)
        landscape, scale = printing.fit(width)
        self._page_setup(ws, landscape=landscape, scale=scale)
        breaks = printing.setup_row_breaks(self.layout, landscape, scale)
        ws.set_h_pagebreaks(breaks)
        titles = printing.setup_title_rows(self.layout, breaks)
        if titles is not None:
            ws.repeat_rows(*titles)

    def _steps_print(self, ws) -> None:
        """Steps: landscape at a readable scale, breaks between bands (self.col_breaks), the
        header rows and the step columns on every page, pages over then down (steps in order)."""
        self._page_setup(ws, landscape=True, scale=printing.STEPS_SCALE, gridlines=True)
        ws.repeat_rows(0, HEADER_ROWS - 1)
        ws.repeat_columns(0, 2)
        ws.set_v_pagebreaks(self.col_breaks)
        ws.print_across()

    def _setup(self, ws, wb) -> None:
        widths = self.layout.setup_widths()
        for c0, c1, width in widths:
            ws.set_column(c0, c1, width)
        self._setup_print(ws, widths[-1][1] + 1)
        for cell in self.layout.setup_cells():
            self._put(ws, cell)
            if cell.name is not None:
                wb.define_name(cell.name, f"={cell.sheet}!{cell_name(cell.row, cell.col, True)}")

    def _put(self, ws, cell: Cell) -> None:
        """Write one cell of the stream in its kind's style."""
        fmt, v = self.f.style(cell), cell.value
        if cell.formula is not None:
            ws.write_formula(cell.row, cell.col, cell.formula, fmt, v)
        elif isinstance(v, str):
            if cell.kind == TEXT and cell.last_col is not None and cell.last_col > cell.col:
                # a sentence across a table's columns (where training stopped): wrapped there
                widths = {
                    c: w
                    for c0, c1, w in self.layout.epochs_widths()
                    for c in range(c0, c1 + 1)
                    if cell.sheet == self.layout.sheets.epochs
                }
                cols = range(cell.col, cell.last_col + 1)
                px = sum(printing.col_px(widths.get(c, 8.43)) for c in cols)
                ws.merge_range(cell.row, cell.col, cell.row, cell.last_col, v, self.f.wrap["text"])
                ws.set_row(cell.row, printing.text_height(v, px, 11))
            elif cell.last_col is not None and cell.last_col > cell.col:
                ws.merge_range(cell.row, cell.col, cell.row, cell.last_col, v, fmt)
            else:
                ws.write_string(cell.row, cell.col, v, fmt)
        else:
            ws.write_number(cell.row, cell.col, v, fmt)

    # ------------------------------------------------------------------ Steps
    def _answer_columns(self) -> set[int]:
        """The Steps columns (of the layout) holding answer cells: none in a trace."""
        return set()

    def _columns_steps_header(self, ws) -> None:
        """The columns layout's Steps headers: each band's name down its rows (column A), each
        row's symbol (B) and formula (C); rows of answer cells tall enough to write in; the
        page setup of :func:`~nnsheet.output.printing.columns_steps_print`."""
        f, lay = self.f, self.layout
        for c0, c1, width in lay.steps_widths():
            ws.set_column(c0, c1, width)
        for cell in lay.steps_header_cells():
            if cell.kind == BAND and cell.last_row is not None and cell.last_row > cell.row:
                ws.merge_range(
                    cell.row, cell.col, cell.last_row, cell.col, cell.value, f.band_down[cell.band]
                )
            elif cell.kind == BAND:
                ws.write_string(cell.row, cell.col, cell.value, f.band_down[cell.band])
            elif cell.kind == TEXT and cell.band is not None:
                ws.write_string(cell.row, cell.col, cell.value, f.band_words[cell.band])
            else:
                self._put(ws, cell)
        answer = self._answer_columns()
        tall = printing.answer_row_height()
        heights = [tall if c in answer else printing.ROW_PT for c in range(lay.n_cols)]
        scale = printing.columns_steps_print(ws, lay, heights)
        # the rows stay tall enough to write in on paper at the scale the sheet prints at
        # (ANSWER_MM beats COLUMNS_PAGES: a large network takes a third page)
        tall = max(tall, printing.answer_row_height(scale))
        for c in sorted(answer):
            ws.set_row(c, tall)
        ws.freeze_panes(COLUMNS_HEAD, COLUMNS_HEAD)

    def _steps_header(self, ws) -> None:
        lay = self.layout
        if lay.columns:
            self._columns_steps_header(ws)
            self.col_fmt = self._column_formats()
            return
        self.col_breaks = printing.column_breaks(
            lay, 3 * printing.col_px(STEP_COL_WIDTH), printing.col_px(STEPS_COL_WIDTH)
        )
        for c0, c1, width in lay.steps_widths():
            ws.set_column(c0, c1, width)
        for cell in lay.steps_header_cells():
            if cell.kind == BAND:  # a band's name on every page it spans
                for _, c0, c1 in printing.split_at(
                    [(cell.band, cell.col, cell.last_col)], self.col_breaks
                ):
                    self._put(ws, dataclasses.replace(cell, col=c0, last_col=c1))
            else:
                self._put(ws, cell)
        ws.freeze_panes(HEADER_ROWS, 3)
        self._steps_print(ws)
        self.col_fmt = self._column_formats()

    def _column_formats(self) -> list:
        """Cell formats by column: counts and the 0/1 helper as integers, the rest decimals."""
        f, lay = self.f, self.layout
        return [
            (f.band_int if kind in (INDEX, HELPER) else f.band_num)[seg.band]
            for seg in lay.segments
            for kind in lay.kinds_later[seg.first : seg.first + seg.size]
        ]

    def _template_samples(self) -> list[str]:
        """Each Steps formula template filled in once (with arbitrary row numbers)."""
        ctx = self.layout.bind({"r": 5, "p": 4, "d": 9, "f": 3, "l": 4, "k": 2})
        tm = self.layout.templates
        return [t.format_map(ctx) for ts in (tm["first"], tm["later"], tm["update"]) for _, t in ts]

    def _cells(self, ws, sr: StepsRow) -> None:
        fmts, row, ctx = self.col_fmt, sr.row, sr.ctx
        vals = sr.values.tolist()  # Python floats, once per row
        write = ws.write_formula
        for c, tmpl in sr.templates:
            write(row, c, tmpl.format_map(ctx), fmts[c], vals[c])

    def _row(self, ws, sr: StepsRow) -> None:
        """One Steps row: its head (epoch, step, sample or the update label), then its cells."""
        fmts, row = self.col_fmt, sr.row
        ws.write_number(row, 0, sr.epoch, fmts[0])
        ws.write_number(row, 1, sr.step, fmts[1])
        if sr.sample is None:
            ws.write_string(row, 2, self.layout.update_label, fmts[2])
        else:
            ws.write_number(row, 2, sr.sample, fmts[2])
        self._cells(ws, sr)

    # ------------------------------------------------------------------ Epochs
    def _epochs_header(self, ws) -> None:
        for cell in self.layout.epochs_header_cells():
            self._put(ws, cell)
        for c0, c1, width in self.layout.epochs_widths():
            ws.set_column(c0, c1, width)
        ws.freeze_panes(HEADER_ROWS, 0)
        self._page_setup(ws, landscape=True)
        ws.repeat_rows(0, HEADER_ROWS - 1)

    def _epochs_chart(self, wb, ws, last_epoch: int) -> None:
        """The loss per epoch; with one epoch, the loss of every sample (the Steps loss column)
        instead of a single point. Sized to sit on the first printed page beside the table."""
        nt, lay = self.notation, self.layout
        if self.spec.single:
            self._single_chart(wb, ws, last_epoch)
            return
        chart = wb.add_chart({"type": "line"})
        if self.spec.epochs == 1 and self.last_sample_row is not None:
            # online: one row per step; batch: one per sample (the update rows, with no loss,
            # are gaps), labelled by sample
            last = self.last_sample_row
            first, label = HEADER_ROWS, (1 if lay.online else 2)
            loss = lay.col("loss")
            chart.add_series(
                {
                    "name": nt.symbol("loss"),
                    "categories": self._steps_range(first, last, label, beside=loss),
                    "values": self._steps_range(first, last, loss),
                    "marker": {"type": "circle", "size": 4}
                    if last - first < 50
                    else {"type": "none"},
                }
            )
            chart.show_blanks_as("gap")
            chart.set_title({"name": nt.word("sample_loss")})
            chart.set_x_axis({"name": nt.word("step" if lay.online else "sample")})
            chart.set_y_axis({"name": nt.symbol("loss"), "name_font": UPRIGHT})
        elif last_epoch >= 1:
            first, last = HEADER_ROWS, HEADER_ROWS + last_epoch - 1
            chart.add_series(
                {
                    "name": nt.symbol("epoch_loss"),
                    "categories": [lay.sheets.epochs, first, 0, last, 0],
                    "values": [lay.sheets.epochs, first, 1, last, 1],
                    "marker": {"type": "circle", "size": 4}
                    if last_epoch <= 50
                    else {"type": "none"},
                }
            )
            chart.set_title({"name": nt.word("epoch_loss")})
            chart.set_x_axis({"name": nt.word("epoch")})
            chart.set_y_axis({"name": nt.symbol("epoch_loss"), "name_font": UPRIGHT})
        else:
            return
        self._place_chart(ws, chart, len(EPOCHS_WIDTHS) + 1)

    def _single_chart(self, wb, ws, last_epoch: int) -> None:
        """A single-layer rule's chart (design.md §12): the perceptron's updates or Adaline's
        loss per epoch, beside the epochs (the test table is below it); none for Hebb's pass."""
        nt, lay = self.notation, self.layout
        q = next((q for q, c in lay.epochs_columns.items() if c == 1), None)
        if q is None or last_epoch < 1:
            return
        chart = wb.add_chart({"type": "line"})
        first, last = HEADER_ROWS, HEADER_ROWS + last_epoch - 1
        chart.add_series(
            {
                "name": nt.symbol(q),
                "categories": [lay.sheets.epochs, first, 0, last, 0],
                "values": [lay.sheets.epochs, first, 1, last, 1],
                "marker": {"type": "circle", "size": 4} if last_epoch <= 50 else {"type": "none"},
            }
        )
        chart.set_title({"name": nt.symbol(q)})
        chart.set_x_axis({"name": nt.word("epoch")})
        chart.set_y_axis({"name": nt.symbol(q), "name_font": UPRIGHT})
        # beside the epochs, as every Epochs chart; the test table starts below it
        self._place_chart(ws, chart, len(EPOCHS_WIDTHS) + 1)

    def _place_chart(self, ws, chart, col: int) -> None:
        chart.set_legend({"none": True})
        table = sum(printing.col_px(w) for w in EPOCHS_WIDTHS) + printing.col_px(8.43)
        width, height = printing.epochs_chart_size(table)
        chart.set_size({"width": width, "height": height})
        ws.insert_chart(1, col, chart)


def write_trace_workbook(
    trace: Trace, path: Path | str, layout: Layout | None = None, lang: str = "en"
) -> Layout:
    """Write ``trace`` as a workbook at ``path`` (atomically); returns the layout used."""
    layout = layout or make_layout(trace.spec, lang)
    # Steps rows and Epochs rows go to different sheets, so their order between sheets is free.
    WorkbookWriter(path, layout).write(trace.records)
    return layout


def steps_pages(layout: Layout, row_pt: float | None = None) -> tuple[int, int]:
    """About how many pages the Steps sheet prints on: (pages across, blocks of rows down);
    ``row_pt``: the height of a Steps row when not the default (an exercise's). The columns
    layout: the steps' columns a portrait page holds across, :data:`~.printing.COLUMNS_PAGES`
    down."""
    if layout.columns:
        scale = printing.columns_scale(layout, [printing.ROW_PT] * layout.n_cols)
        width, _ = printing.printable_px(False, scale, printing.CARLITO)
        head = sum(printing.col_px(w) * (c1 - c0 + 1) for c0, c1, w in layout.steps_widths()[:-1])
        per_page = max(1, int((width - head) // printing.col_px(STEPS_COL_WIDTH)))
        return -(-(layout.n_rows - HEADER_ROWS) // per_page), printing.COLUMNS_PAGES
    across = 1 + len(
        printing.column_breaks(
            layout, 3 * printing.col_px(STEP_COL_WIDTH), printing.col_px(STEPS_COL_WIDTH)
        )
    )
    down = -(-(layout.n_rows - HEADER_ROWS) // printing.rows_per_page(row_pt=row_pt))
    return across, max(1, down)


def make_layout(
    spec: Spec, lang: str = "en", detail_epochs: int | None = None, layout: str = "rows"
) -> Layout:
    """The layout map of ``spec``'s workbook; ``layout``: ``rows`` or ``columns`` (--layout)."""
    return Layout(spec, notation_for(spec, lang), detail_epochs, layout)
