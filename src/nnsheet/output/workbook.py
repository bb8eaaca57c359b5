"""Writing the trace workbook (DESIGN §4) with XlsxWriter, row by row.

Every computed cell is a plain formula carrying the engine's value as its cached result. Rows are
written strictly in order (XlsxWriter ``constant_memory``), so the writer can consume the engine's
steps as they are produced. Addresses and formulas come from :mod:`nnsheet.layout`.
"""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import xlsxwriter

from ..core.engine import EpochRecord, StepRecord, Trace, initial_weights
from ..core.spec import Spec
from ..core.version import __version__
from ..sheet.layout import (
    BANDS,
    HEADER_ROWS,
    Layout,
    cell_name,
)
from ..words.guide import guide_lines
from ..words.guide import text as guide_text
from ..words.notation import Notation, notation_for, setting_label, setting_value
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


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.head = wb.add_format({"bold": True, "font_size": 11})
        self.text = wb.add_format({"text_wrap": False})
        self.stamp = wb.add_format({"italic": True, "font_color": "#595959"})
        self.label = wb.add_format({"bold": True, "align": "right"})
        self.given = wb.add_format({"num_format": NUMBER_FORMAT, "bg_color": GIVEN_FILL,
                                    "font_color": GIVEN_FONT, "border": 1,
                                    "border_color": "#7F7F7F", "locked": True})  # fmt: skip
        self.given_text = wb.add_format({"bg_color": GIVEN_FILL, "font_color": GIVEN_FONT,
                                         "border": 1, "border_color": "#7F7F7F"})  # fmt: skip
        self.band_head: dict[str, object] = {}
        self.band_sym: dict[str, object] = {}
        self.band_num: dict[str, object] = {}
        self.band_int: dict[str, object] = {}
        self.band_swatch: dict[str, object] = {}
        for band, colour in BAND_COLOURS.items():
            self.band_head[band] = wb.add_format({"bold": True, "bg_color": colour, "border": 1,
                                                  "align": "center"})  # fmt: skip
            self.band_sym[band] = wb.add_format({"bold": True, "bg_color": colour, "border": 1,
                                                 "align": "center", "bottom": 2})  # fmt: skip
            self.band_num[band] = wb.add_format({"num_format": NUMBER_FORMAT, "bg_color": colour})
            self.band_int[band] = wb.add_format({"num_format": "0", "bg_color": colour,
                                                 "align": "center"})  # fmt: skip
            self.band_swatch[band] = wb.add_format({"bg_color": colour, "border": 1})
        self.num = wb.add_format({"num_format": NUMBER_FORMAT})
        self.int = wb.add_format({"num_format": "0", "align": "center"})
        self.answer = wb.add_format({"num_format": NUMBER_FORMAT, "bg_color": "#FFFFFF",
                                     "border": 1, "border_color": "#4472C4",
                                     "locked": False})  # fmt: skip


def _skip_formula_rewriting(ws, formulas: Iterable[str]) -> bool:  # noqa: ANN001
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
    except Exception:  # noqa: BLE001 - an XlsxWriter we do not know: keep its behaviour
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


class WorkbookWriter:
    """Writes one trace workbook (the exercise writer, :mod:`nnsheet.exercise`, subclasses it)."""

    def __init__(self, path: Path | str, layout: Layout, *,
                 protect: bool = False, extra: Callable[[xlsxwriter.Workbook], None] | None = None,
                 ) -> None:  # fmt: skip
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
        wb = xlsxwriter.Workbook(tmp, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "nan_inf_to_errors": True,
        })  # fmt: skip
        wb.set_properties({"title": self.spec.title, "subject": "nnsheet trace",
                           "creator": f"nnsheet {__version__}", "created": FIXED_DATE})  # fmt: skip
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
        steps = wb.add_worksheet(names.steps)
        epochs = wb.add_worksheet(names.epochs)
        self._steps_header(steps)
        self._epochs_header(epochs)
        last_epoch = 0
        fast = _skip_formula_rewriting(steps, self._template_samples())
        for rec in records:
            if isinstance(rec, StepRecord):
                if rec.epoch <= self.layout.detail_epochs:
                    self._step(steps, rec)
            else:
                self._epoch(epochs, rec)
                last_epoch = rec.epoch
        if fast:
            del steps._prepare_formula  # back to XlsxWriter's own for anything written later
        self._epochs_chart(wb, epochs, last_epoch)
        if self.protect:
            for ws in (steps, epochs, wb.get_worksheet_by_name(names.setup)):
                ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True,
                                "format_columns": True, "format_rows": True})  # fmt: skip
        if self.extra is not None:
            self.extra(wb)

    def _guide(self, ws) -> None:  # noqa: ANN001
        f, lay = self.f, self.layout
        ws.set_column(0, 0, 4)
        ws.set_column(1, 1, 120)
        r = 0
        style = {"title": f.title, "head": f.head, "text": f.text, "stamp": f.stamp}
        for kind, text in guide_lines(self.spec, self.notation, __version__, lay.detail_epochs):
            if kind == "head":
                r += 1
            ws.write_string(r, 1, text, style[kind])
            r += 1
        r += 1
        ws.write_string(r, 1, guide_text("legend", self.notation), f.head)
        r += 1
        ws.write_blank(r, 0, None, f.given)
        ws.write_string(r, 1, guide_text("band.givens", self.notation), f.text)
        r += 1
        for band in BANDS:
            ws.write_blank(r, 0, None, f.band_swatch[band])
            ws.write_string(r, 1, f"{lay.sheets.steps}: {self.notation.word('band.' + band)}",
                            f.text)
            r += 1

    def _setup(self, ws, wb) -> None:  # noqa: ANN001
        f, lay, spec, nt = self.f, self.layout, self.spec, self.notation
        st = lay.setup
        ws.set_column(0, 0, 22)
        widest = max(st.table_shape(l, lay.sizes)[1] for l in range(1, spec.n_layers + 1))
        ws.set_column(1, max(3, lay.sizes[0] + spec.n_outputs + 1, widest + 1), 12)
        ws.write_string(0, 0, f"nnsheet — {spec.title}", f.title)
        ws.write_string(1, 0, nt.word("givens"), f.head)
        r, c = st.lr
        ws.write_string(r, 0, f"{nt.word('learning_rate')} ({nt.symbol('lr')})", f.label)
        ws.write_number(r, c, spec.learning_rate, f.given)
        wb.define_name("learning_rate", f"={lay.sheets.setup}!{cell_name(r, c, absolute=True)}")
        ws.write_string(5, 0, nt.word("settings"), f.head)
        for k, (key, val) in enumerate(lay.settings_rows()):
            val = setting_value(key, val, nt.lang)
            ws.write_string(6 + k, 0, setting_label(key, nt.lang), f.label)
            if isinstance(val, int | float) and not isinstance(val, bool):
                ws.write_number(6 + k, 1, val, f.int)
            else:
                ws.write_string(6 + k, 1, str(val), f.text)
        w0, b0 = initial_weights(spec)
        for l in range(1, spec.n_layers + 1):
            # one table per layer; its headers say which way it runs (the notation chooses)
            r0, c0 = st.w_origin[l - 1]
            n_in = lay.sizes[l - 1]
            ws.write_string(r0 - 2, 0, nt.table_caption(l), f.head)
            ws.write_string(r0 - 1, 0, nt.table_corner(), f.label)
            cells: dict[tuple[int, int], str | float] = {}  # written row by row below
            for j in range(lay.sizes[l]):
                for i in range(n_in):
                    cells[st.w(l, j, i)] = float(w0[l - 1][j, i])
                cells[st.b(l, j)] = float(b0[l - 1][j])
                to = f"{nt.word('to')} {nt.unit(l, j)}"
                rb, cb = st.b(l, j)
                cells[(r0 - 1, cb) if st.transposed else (rb, 0)] = to  # column / row j
            for i in range(n_in):
                rw, cw = st.w(l, 0, i)
                frm = f"{nt.word('from')} {nt.unit(l - 1, i)}"
                cells[(rw, 0) if st.transposed else (r0 - 1, cw)] = frm  # row 1 + i / column i
            rb, cb = st.b(l, 0)
            cells[(rb, 0) if st.transposed else (r0 - 1, cb)] = nt.bias_header(l)
            for (rr, cc), v in sorted(cells.items()):
                if isinstance(v, str):
                    ws.write_string(rr, cc, v, f.label)
                else:
                    self._given(ws, rr, cc, v)
        dr = st.data_row
        ws.write_string(dr - 3, 0, nt.word("data"), f.head)
        if spec.feature_names:
            for i, name in enumerate(spec.feature_names):
                ws.write_string(dr - 2, st.x_col + i, str(name), f.text)
        if spec.target_names:
            for k, name in enumerate(spec.target_names):
                ws.write_string(dr - 2, st.t_col + k, str(name), f.text)
        ws.write_string(dr - 1, 0, nt.word("sample"), f.label)
        for i in range(spec.n_inputs):
            ws.write_string(dr - 1, st.x_col + i, nt.symbol("x", 0, i), f.label)
        for k in range(spec.n_outputs):
            ws.write_string(dr - 1, st.t_col + k, nt.symbol("t", spec.n_layers, k), f.label)
        for s in range(spec.n_samples):
            ws.write_number(dr + s, 0, s + 1, f.int)
            for i in range(spec.n_inputs):
                self._given(ws, *st.x(s, i), spec.inputs[s, i])
            for k in range(spec.n_outputs):
                self._given(ws, *st.t(s, k), spec.targets[s, k])
        if spec.normalization is not None:
            nm = spec.normalization
            r = dr + spec.n_samples + 1
            ws.write_string(r, 0, f"normalize = {nm.method}: x' = (x − {nt.word('shift')}) / "
                                  f"{nt.word('scale')}", f.head)
            ws.write_string(r + 1, 0, nt.word("shift"), f.label)
            ws.write_string(r + 2, 0, nt.word("scale"), f.label)
            for i, (sh, sc) in enumerate(zip(nm.shift, nm.scale, strict=True)):
                ws.write_number(r + 1, st.x_col + i, sh, f.num)
                ws.write_number(r + 2, st.x_col + i, sc, f.num)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)

    def _given(self, ws, r: int, c: int, v: float) -> None:  # noqa: ANN001
        ws.write_number(r, c, float(v), self.f.given)

    # ------------------------------------------------------------------ Steps
    def _steps_header(self, ws) -> None:  # noqa: ANN001
        f, lay, nt = self.f, self.layout, self.notation
        for band, c0, c1 in lay.band_ranges:
            name = nt.word("band." + band)
            if c1 > c0:
                ws.merge_range(0, c0, 0, c1, name, f.band_head[band])
            else:
                ws.write_string(0, c0, name, f.band_head[band])
            ws.set_column(c0, c1, 7 if band == "step" else 11)
        for seg in lay.segments:
            for j, i in seg.elements():
                ws.write_string(1, seg.index(j, i), nt.symbol(seg.quantity, seg.layer, j, i),
                                f.band_sym[seg.band])
        ws.freeze_panes(HEADER_ROWS, 3)
        ws.set_landscape()
        ws.repeat_rows(0, HEADER_ROWS - 1)
        ws.repeat_columns(0, 2)
        ws.fit_to_pages(1, 0)  # one page wide, as many pages down as needed
        ws.set_paper(9)  # A4
        # cell formats by column
        self.col_fmt = [None] * lay.n_cols
        for seg in lay.segments:
            fmt = (f.band_int[seg.band] if seg.quantity in ("epoch", "step", "sample", "correct")
                   else f.band_num[seg.band])
            for j, i in seg.elements():
                self.col_fmt[seg.index(j, i)] = fmt
        self.tmpl_first = lay.sample_formulas(first=True)
        self.tmpl_later = lay.sample_formulas(first=False)
        self.tmpl_update = lay.update_formulas()
        self.prev_row: int | None = None  # 1-based row of the previous new weights

    def _template_samples(self) -> list[str]:
        """Each Steps formula template filled in once (with arbitrary row numbers)."""
        ctx = {"r": 5, "p": 4, "d": 9, "f": 3, "l": 4, "k": 2}
        return [t.format_map(ctx) for ts in (self.tmpl_first, self.tmpl_later, self.tmpl_update)
                for _, t in ts]

    def _cells(self, ws, row: int, templates, values: np.ndarray, ctx: dict) -> None:  # noqa: ANN001
        fmts = self.col_fmt
        vals = values.tolist()  # Python floats, once per row
        write = ws.write_formula
        for c, tmpl in templates:
            write(row, c, tmpl.format_map(ctx), fmts[c], vals[c])

    def _step(self, ws, st: StepRecord) -> None:  # noqa: ANN001
        lay, spec, f = self.layout, self.spec, self.f
        online = spec.mode == "online"
        tmpl = self.tmpl_first if self.prev_row is None else self.tmpl_later
        first_row = lay.sample_row(st.epoch, st.samples[0].sample - 1)
        for rec in st.samples:
            row = lay.sample_row(st.epoch, rec.sample - 1)
            v = lay.sample_values(rec)
            ws.write_number(row, 0, rec.epoch, self.col_fmt[0])
            ws.write_number(row, 1, rec.step, self.col_fmt[1])
            ws.write_number(row, 2, rec.sample, self.col_fmt[2])
            ctx = {"r": row + 1, "p": self.prev_row, "d": lay.setup.data_row + rec.sample}
            self._cells(ws, row, tmpl, v, ctx)
            if online:
                lay.update_values(st, v)
                self._cells(ws, row, self.tmpl_update, v, ctx)
        if online:
            self.prev_row = first_row + 1
            return
        batch = (st.samples[0].sample - 1) // spec.batch_size
        row = lay.update_row(st.epoch, batch)
        v = lay.update_values(st)
        ws.write_number(row, 0, st.epoch, self.col_fmt[0])
        ws.write_number(row, 1, st.step, self.col_fmt[1])
        ws.write_string(row, 2, self.notation.word("update"), f.band_int["step"])
        ctx = {"r": row + 1, "f": first_row + 1, "l": row, "k": len(st.samples)}
        self._cells(ws, row, self.tmpl_update, v, ctx)
        self.prev_row = row + 1

    # ------------------------------------------------------------------ Epochs
    def _epochs_header(self, ws) -> None:  # noqa: ANN001
        f, nt = self.f, self.notation
        ws.write_string(0, 0, f"{nt.word('epoch_loss')}", f.head)
        heads = [nt.word("epoch"), nt.symbol("epoch_loss")]
        if self.layout.has("correct"):
            heads.append(nt.symbol("accuracy"))
        for c, h in enumerate(heads):
            ws.write_string(1, c, h, f.band_sym["errors"])
        ws.set_column(0, 0, 8)
        ws.set_column(1, 2, 14)
        ws.freeze_panes(HEADER_ROWS, 0)
        self.epoch_tmpl = self.layout.epoch_formulas()

    def _epoch(self, ws, ep: EpochRecord) -> None:  # noqa: ANN001
        lay, f = self.layout, self.f
        r = lay.epochs_row(ep.epoch)
        ws.write_number(r, 0, ep.epoch, f.int)
        vals = {"epoch_loss": ep.loss, "accuracy": ep.accuracy}
        cols = {"epoch_loss": 1, "accuracy": 2}
        if ep.epoch <= lay.detail_epochs:
            a, b = lay.epoch_rows(ep.epoch)
            for q, tmpl in self.epoch_tmpl.items():
                ws.write_formula(r, cols[q], tmpl.format(a=a + 1, b=b + 1), f.num,
                                 float(vals[q]))  # type: ignore[arg-type]
        else:
            for q in self.epoch_tmpl:
                ws.write_number(r, cols[q], float(vals[q]), f.num)  # type: ignore[arg-type]

    def _epochs_chart(self, wb, ws, last_epoch: int) -> None:  # noqa: ANN001
        if last_epoch < 1:
            return
        first, last = HEADER_ROWS, HEADER_ROWS + last_epoch - 1
        chart = wb.add_chart({"type": "line"})
        chart.add_series({
            "name": self.notation.symbol("epoch_loss"),
            "categories": [self.layout.sheets.epochs, first, 0, last, 0],
            "values": [self.layout.sheets.epochs, first, 1, last, 1],
            "marker": {"type": "circle", "size": 4} if last_epoch <= 50 else {"type": "none"},
        })  # fmt: skip
        chart.set_title({"name": self.notation.word("epoch_loss")})
        chart.set_x_axis({"name": self.notation.word("epoch")})
        chart.set_y_axis({"name": self.notation.symbol("epoch_loss")})
        chart.set_legend({"none": True})
        ws.insert_chart(1, 4, chart, {"x_scale": 1.4, "y_scale": 1.2})


def write_trace_workbook(trace: Trace, path: Path | str, layout: Layout | None = None,
                         lang: str = "en") -> Layout:  # fmt: skip
    """Write ``trace`` as a workbook at ``path`` (atomically); returns the layout used."""
    layout = layout or Layout(trace.spec, notation_for(trace.spec, lang))
    records: list[StepRecord | EpochRecord] = []
    # Steps rows and Epochs rows go to different sheets, so their order between sheets is free.
    records.extend(trace.steps)
    records.extend(trace.epochs)
    WorkbookWriter(path, layout).write(records)
    return layout


def make_layout(spec: Spec, lang: str = "en", detail_epochs: int | None = None) -> Layout:
    return Layout(spec, notation_for(spec, lang), detail_epochs)
