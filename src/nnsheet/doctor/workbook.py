"""``nnsheet doctor -o REPORT.xlsx``: the Diagnosis sheet (Diagnosa in Indonesian).

Under the summary, a chart of every run's loss per epoch on one axis (the original a thick red
line), then the findings worst first with their meaning, evidence (trace cells named), advice,
proof and rerun table. It prints on A4 portrait: the text wraps in a page-wide column block; the
curves' numbers stand to the right of the print area.
"""

from __future__ import annotations

import math
from pathlib import Path

import xlsxwriter

from ..output import printing
from ..output.files import write_atomic
from ..sheet.layout import Layout
from ..words import doctor_text as dt
from .diagnose import Diagnosis
from .report import Words

#: columns of the text block (characters): change, final loss, accuracy, epoch reached
WIDTHS = (52.0, 12.0, 11.0, 16.0)
FONT_PT = 11.0
#: at most this many points per curve: longer runs are drawn every k-th epoch
MAX_POINTS = 5000
ORIGINAL_RED = "#C00000"
#: the chart's height in pixels (XlsxWriter's default chart is 480 × 288)
CHART_PX = 340


def write_report(diag: Diagnosis, layout: Layout, lang: str, path: Path) -> None:
    write_atomic(path, lambda tmp: _write(diag, layout, lang, tmp))


def _write(diag: Diagnosis, layout: Layout, lang: str, path: str) -> None:
    w = Words(diag, layout, lang)
    wb = xlsxwriter.Workbook(path, {"nan_inf_to_errors": True})
    ws = wb.add_worksheet(dt.text("sheet", lang))
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    bold_wrap = wb.add_format({"text_wrap": True, "valign": "top", "bold": True})
    head = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    cellf = wb.add_format({"valign": "top"})
    orig = wb.add_format({"valign": "top", "bold": True, "font_color": ORIGINAL_RED})
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width)
    block_px = sum(printing.col_px(x) for x in WIDTHS)
    last = len(WIDTHS) - 1

    row = 0

    def text(s: str, fmt=wrap) -> None:
        nonlocal row
        ws.merge_range(row, 0, row, last, s, fmt)
        # bold text is about a tenth wider: wrap it as in a narrower column
        room = block_px if fmt is wrap else int(block_px * 0.88)
        ws.set_row(row, printing.text_height(s, room, FONT_PT))
        row += 1

    ws.write(row, 0, dt.text("title", lang, title=diag.spec.title), title)
    row += 1
    text(w.summary())
    # the chart first, under the summary, so it is never split between pages; the rows it
    # covers keep the default height, so it ends where counted
    row += 1
    _curves(wb, ws, w, diag, lang, row, block_px)
    row += math.ceil(CHART_PX / printing.ROW_PX) + 1
    if not diag.findings:
        text(dt.text("nothing", lang))
    for n, f in enumerate(diag.findings, 1):
        row += 1
        ws.write(row, 0, f"{n}. {f.code} ({dt.text(f.severity, lang)})", bold)
        row += 1
        text(w.meaning(f))
        for ev in f.evidence:
            via = f" ({ev.via})" if ev.via else ""
            text(f"{dt.text('evidence', lang)}{via}: {w.evidence_line(ev)[0]}")
        text(f"{dt.text('advice', lang)}: {w.advice(f)}")
        proof = w.proven(f)
        if proof:
            text(f"→ {proof}", bold_wrap)
        if f.reruns:
            row += 1
            heads = ("change", "final_loss", "accuracy", "reached")
            for c, key in enumerate(heads):
                ws.write(row, c, dt.text(key, lang), head)
            lines = max(
                printing.wrapped_lines(dt.text(k, lang), printing.col_px(wd), FONT_PT)
                for k, wd in zip(heads, WIDTHS, strict=True)
            )
            ws.set_row(row, round(lines * FONT_PT * 1.36 + 1, 1))
            row += 1
            for k, r in enumerate(w.rerun_rows(f)):
                fmt = orig if k == 0 else cellf
                for c, v in enumerate(r):
                    ws.write(row, c, v, fmt)
                row += 1
    ws.print_area(0, 0, row, last)
    printing.page_setup(ws, diag.spec.title, lang, landscape=False)
    ws.fit_to_pages(1, 0)
    wb.close()


def _curves(wb, ws, w: Words, diag: Diagnosis, lang: str, at_row: int, width_px: int) -> None:
    """The loss curves' numbers right of the print area, and their chart at ``at_row``."""
    runs = [(dt.text("original", lang), diag.run)] + [(w.change(r), r.run) for r in diag.reruns]
    first_col = len(WIDTHS) + 1
    n = max(len(r.losses) for _, r in runs)
    every = max(1, math.ceil(n / MAX_POINTS))
    epochs = list(range(1, n + 1, every))
    if epochs[-1] != n:
        epochs.append(n)
    ws.write(0, first_col, dt.text("epoch", lang))
    ws.write_column(1, first_col, epochs)
    positive = all(v > 0 for _, r in runs for v in r.losses if math.isfinite(v))
    chart = wb.add_chart({"type": "line"})
    for k, (name, r) in enumerate(runs):
        col = first_col + 1 + k
        ws.write(0, col, name)
        for i, e in enumerate(epochs, 1):
            if e <= len(r.losses) and math.isfinite(r.losses[e - 1]):
                ws.write_number(i, col, r.losses[e - 1])
        line = {"color": ORIGINAL_RED, "width": 3.0} if k == 0 else {"width": 1.25}
        chart.add_series(
            {
                "name": [ws.name, 0, col],
                "categories": [ws.name, 1, first_col, len(epochs), first_col],
                "values": [ws.name, 1, col, len(epochs), col],
                "line": line,
                "marker": {"type": "none"},
            }
        )
    chart.set_title({"name": dt.text("curves_title", lang), "name_font": {"size": 11}})
    chart.set_x_axis({"name": dt.text("epoch", lang), "interval_unit": max(1, len(epochs) // 10)})
    y = {"name": dt.text("loss", lang)}
    if positive:
        y["log_base"] = 10
    chart.set_y_axis(y)
    chart.set_legend({"position": "bottom"})
    chart.show_blanks_as("gap")
    ws.insert_chart(at_row, 0, chart, {"x_scale": width_px / 480, "y_scale": CHART_PX / 288})
