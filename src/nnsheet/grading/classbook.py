"""The lecturer's workbooks, written in one place (XlsxWriter): the gradebook for people
(``check --gradebook G.xlsx``, serve's xlsx download) and the class report's sheets
(``check --class-report C.xlsx``, and inside that gradebook after its first sheet): the shares
per block and quantity, the named mistakes ranked with a bar chart, the flags, and a heat map
that draws the Steps sheet once with each answer cell coloured by the share of the class that
got it right.

Every text is written as text (a learner's name is never run as a formula), with its control
characters escaped; words come from :mod:`nnsheet.words.class_text` and
:mod:`nnsheet.words.grading_text`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..core.safety import terminal_text
from ..output.files import write_atomic
from ..sheet.layout import Layout
from ..words.class_text import GRADEBOOK_HEADERS, class_say, flag_words, status_words
from ..words.grading_text import BLOCK_WORDS, mistake_words, verdict
from ..words.numbers import number_text
from .classview import ClassView, Shares
from .mark import VERDICTS

#: the widest a column is made (characters); longer text wraps
MAX_WIDTH = 60
#: the heat map's colour scale: red at 0, yellow at one half, green at 1 (Excel's own three)
SCALE = ((0.0, (0xF8, 0x69, 0x6B)), (0.5, (0xFF, 0xEB, 0x84)), (1.0, (0x63, 0xBE, 0x7B)))
COUNTS = ("correct", "carried", "carried_trivial", "wrong", "missing", "answer_cells")


@dataclass(frozen=True)
class PeopleRow:
    """One line of the gradebook for people: one file, or a student with none."""

    student_id: str
    name: str
    status: str  # graded | unreadable | not_submitted | no_submission | …
    score: float | None
    blocks: Mapping[str, float] = field(default_factory=dict)  # block → 0–100
    counts: Mapping[str, int] = field(default_factory=dict)  # COUNTS (empty: not graded)
    mistakes: Sequence[str] = ()  # codes
    flags: Sequence[tuple[str, str]] = ()  # (code, reason in words)
    message: str = ""
    file: str = ""


def text(v: object) -> str:
    """A value as the workbook shows it: text with its control characters escaped."""
    return terminal_text(v if isinstance(v, str) else str(v))


def percent(share: float, lang: str) -> str:
    """A share as the heat map writes it: ``75%``, ``66.7%`` / ``66,7%``."""
    p = 100 * share
    return f"{p:.0f}%" if abs(p - round(p)) < 1e-9 else number_text(p, lang, 1) + "%"


def colour(share: float) -> str:
    """The heat map's fill for a share (``#RRGGBB``), on :data:`SCALE`."""
    s = min(1.0, max(0.0, share))
    for (a, ca), (b, cb) in zip(SCALE, SCALE[1:], strict=False):
        if s <= b:
            t = (s - a) / (b - a)
            rgb = [round(x + t * (y - x)) for x, y in zip(ca, cb, strict=True)]
            return "#" + "".join(f"{c:02X}" for c in rgb)
    return "#" + "".join(f"{c:02X}" for c in SCALE[-1][1])


class _Widths:
    """The widest text of each column of a sheet (characters), for its column width."""

    def __init__(self) -> None:
        self.w: dict[int, int] = {}

    def see(self, col: int, value: object) -> None:
        longest = max((len(line) for line in str(value).split("\n")), default=0)
        self.w[col] = max(self.w.get(col, 0), longest)

    def width(self, col: int, least: int = 6) -> int:
        return min(MAX_WIDTH, max(least, self.w.get(col, 0) + 2))

    def apply(self, ws, wrap, least: int = 6) -> None:
        for col, n in self.w.items():
            ws.set_column(col, col, self.width(col, least), wrap if n + 2 > MAX_WIDTH else None)


def _lines(value: str, width: int) -> int:
    """How many lines ``value`` takes wrapped in a column ``width`` characters wide."""
    return sum(max(1, -(-len(line) // max(1, width))) for line in value.split("\n"))


def _mistake_text(sent: str, lang: str) -> Callable[[str], str]:
    def say(code: str) -> str:
        try:
            return mistake_words(code, lang, sent)
        except KeyError:  # a code without words (a newer grader's): the code itself
            return code

    return say


def write_people(
    wb,
    rows: Sequence[PeopleRow],
    blocks: Sequence[str],
    lang: str,
    sent: str = "err",
) -> None:
    """The gradebook sheet for people into the XlsxWriter workbook ``wb``: id and name first,
    score, per-block scores, counts, the named mistakes in words, the flags with their reasons,
    status and notes, the file last; headers in ``lang``, the header row frozen."""
    h = GRADEBOOK_HEADERS[lang]
    ws = wb.add_worksheet(class_say("sheet.gradebook", lang))
    _page(ws, True)
    bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
    top = wb.add_format({"valign": "top"})
    wrap = wb.add_format({"valign": "top", "text_wrap": True})
    score_fmt = wb.add_format({"valign": "top", "num_format": "0.0"})
    heads = [
        h["student_id"],
        h["student"],
        h["score"],
        *(BLOCK_WORDS[lang].get(b, b) for b in blocks),
        *(h[c] for c in COUNTS),
        h["mistakes"],
        h["flags"],
        h["status"],
        h["message"],
        h["file"],
    ]
    widths = _Widths()
    numbers = range(3, 3 + len(blocks) + len(COUNTS))  # block scores and counts: 11 wide below
    for c, head in enumerate(heads):
        ws.write_string(0, c, head, bold)
        widths.see(c, "" if c in numbers else head)  # a number column's header wraps
    said = _mistake_text(sent, lang)
    wrapped: dict[int, dict[int, str]] = {}  # row → column → wrapped text (the row's height)
    for r, row in enumerate(rows, start=1):
        cells: list[tuple[object, object]] = [
            (text(row.student_id), top),
            (text(row.name), top),
            (row.score, score_fmt),
            *((row.blocks.get(b), score_fmt) for b in blocks),
            *((row.counts.get(c), top) for c in COUNTS),
            ("\n".join(f"{said(code)} ({code})" for code in row.mistakes), wrap),
            ("\n".join(text(f"{code}: {note}") for code, note in row.flags), wrap),
            (status_words(row.status, lang), top),
            (text(row.message), wrap),
            (text(row.file), top),
        ]
        for c, (v, fmt) in enumerate(cells):
            if v is None or v == "":
                continue
            if isinstance(v, str):
                ws.write_string(r, c, v, fmt)
                if fmt is wrap:
                    wrapped.setdefault(r, {})[c] = v
            else:
                ws.write_number(r, c, float(v), fmt)  # type: ignore[arg-type]
            widths.see(c, v if isinstance(v, str) else f"{float(v):.1f}")  # type: ignore[arg-type]
    widths.apply(ws, wrap)
    n = 3 + len(blocks)
    ws.set_column(3, n - 1 + len(COUNTS), 11)  # the numbers: as wide as their headers wrap to
    ws.set_row(0, 30)
    for r, texts in wrapped.items():  # spreadsheets do not grow a row for wrapped text on load
        lines = max(_lines(v, widths.width(c)) for c, v in texts.items())
        if lines > 1:
            ws.set_row(r, 15 * min(lines, 27))  # at most 409 points, Excel's largest row
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(1, len(rows)), len(heads) - 1)
    ws.activate()


def write_class(
    wb,
    view: ClassView,
    lang: str,
    sent: str = "err",
    layout: Layout | None = None,
    answers: Sequence | None = None,
) -> None:
    """The class report's sheets into the XlsxWriter workbook ``wb``: shares, mistakes (with a
    bar chart), flags and — given the exercise's ``layout`` and its answer cells (the key's
    :class:`~nnsheet.output.table.TableRow` s, for each Steps row's epoch, step and sample) —
    the heat map."""
    f = _Formats(wb)
    _shares_sheet(wb, view, lang, f)
    _mistakes_sheet(wb, view, lang, f, sent)
    _flags_sheet(wb, view, lang, f)
    if layout is not None and answers is not None:
        _heat_map(wb, view, lang, f, layout, answers)


class _Formats:
    def __init__(self, wb) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.bold = wb.add_format({"bold": True})
        self.head = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
        self.pct = wb.add_format({"num_format": "0.0%"})
        self.top = wb.add_format({"valign": "top"})
        self.wrap = wb.add_format({"valign": "top", "text_wrap": True})
        self.band = wb.add_format(
            {"bold": True, "align": "center", "border": 1, "bg_color": "#D9E1F2"}
        )
        self.symbol = wb.add_format({"bold": True, "align": "center", "border": 1})
        self.index = wb.add_format({"align": "center", "border": 1, "font_color": "#595959"})
        self.given = wb.add_format({"bg_color": "#EDEDED", "border": 1, "border_color": "#BFBFBF"})
        self.fills: dict[str, object] = {}
        self.wb = wb

    def fill(self, hex_colour: str):
        if hex_colour not in self.fills:
            self.fills[hex_colour] = self.wb.add_format(
                {"bg_color": hex_colour, "align": "center", "border": 1}
            )
        return self.fills[hex_colour]


def _page(ws, landscape: bool = False) -> None:
    """A4, as wide as one page (as many pages down as it takes)."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _share_cells(ws, r: int, c: int, s: Shares, f: _Formats) -> None:
    ws.write_number(r, c, s.total, f.top)
    for k, v in enumerate(VERDICTS, start=1):
        ws.write_number(r, c + k, s.share(v), f.pct)


def _shares_sheet(wb, view: ClassView, lang: str, f: _Formats) -> None:
    ws = wb.add_worksheet(class_say("sheet.shares", lang))
    _page(ws)
    ws.write_string(0, 0, class_say("title.shares", lang), f.title)
    ws.write_string(1, 0, class_say("files", lang, graded=view.graded, files=len(view.papers)))
    verdicts = [verdict(v, lang) for v in VERDICTS]
    r = 3
    ws.write_string(r, 0, class_say("by_block", lang), f.bold)
    r += 1
    for c, head in enumerate([class_say("block", lang), class_say("cells", lang), *verdicts]):
        ws.write_string(r, c, head, f.head)
    for s in view.blocks:
        r += 1
        ws.write_string(r, 0, BLOCK_WORDS[lang].get(s.block, s.block))
        _share_cells(ws, r, 1, s, f)
    r += 2
    ws.write_string(r, 0, class_say("by_quantity", lang), f.bold)
    r += 1
    heads = [class_say(k, lang) for k in ("block", "quantity", "layer", "cells")] + verdicts
    for c, head in enumerate(heads):
        ws.write_string(r, c, head, f.head)
    for s in view.quantities:
        r += 1
        ws.write_string(r, 0, BLOCK_WORDS[lang].get(s.block, s.block))
        ws.write_string(r, 1, text(s.label))
        if s.layer is not None:
            ws.write_number(r, 2, s.layer)
        ws.write_number(r, 3, s.total)
        for k, v in enumerate(VERDICTS, start=4):
            ws.write_number(r, k, s.share(v), f.pct)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 3, 11)
    ws.set_column(4, 4 + len(VERDICTS), 12)


def _who(students: Sequence[tuple[str, str]]) -> str:
    return "; ".join(text(" ".join(x for x in who if x)) or "?" for who in students)


def _mistakes_sheet(wb, view: ClassView, lang: str, f: _Formats, sent: str) -> None:
    name = class_say("sheet.mistakes", lang)
    ws = wb.add_worksheet(name)
    _page(ws, True)
    ws.write_string(0, 0, class_say("title.mistakes", lang), f.title)
    heads = ["rank", "mistake", "code", "students", "cells", "who"]
    for c, head in enumerate(heads):
        ws.write_string(2, c, class_say(head, lang), f.head)
    said = _mistake_text(sent, lang)
    widths = _Widths()
    for k, m in enumerate(view.mistakes, start=1):
        r = 2 + k
        ws.write_number(r, 0, k, f.top)
        ws.write_string(r, 1, said(m.code), f.wrap)
        ws.write_string(r, 2, m.code, f.top)
        ws.write_number(r, 3, len(m.students), f.top)
        ws.write_number(r, 4, m.cells, f.top)
        who = _who(m.students)
        ws.write_string(r, 5, who, f.wrap)
        widths.see(2, m.code)
    ws.set_column(0, 0, 8)
    ws.set_column(1, 1, 48, f.wrap)
    ws.set_column(2, 2, max(10, widths.w.get(2, 0) + 2))
    ws.set_column(3, 4, 12)
    ws.set_column(5, 5, 60, f.wrap)
    if not view.mistakes:
        ws.write_string(3, 0, class_say("no_mistakes", lang))
        return
    n = len(view.mistakes)
    chart = wb.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": class_say("chart", lang),
            "categories": [name, 3, 1, 2 + n, 1],
            "values": [name, 3, 3, 2 + n, 3],
            "fill": {"color": "#C0504D"},
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": class_say("chart", lang)})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True, "crossing": "max"})  # the most made on top, axis below
    chart.set_x_axis({"min": 0, "major_unit": 1})
    chart.set_size({"width": 760, "height": max(240, 60 + 36 * n)})
    ws.insert_chart(4 + n, 1, chart)


def _flags_sheet(wb, view: ClassView, lang: str, f: _Formats) -> None:
    ws = wb.add_worksheet(class_say("sheet.flags", lang))
    _page(ws, True)
    ws.write_string(0, 0, class_say("title.flags", lang), f.title)
    heads = ["flag", "what", "files_n", "who"]
    for c, head in enumerate(heads):
        ws.write_string(2, c, class_say(head, lang), f.head)
    for k, fl in enumerate(view.flags, start=3):
        ws.write_string(k, 0, fl.kind, f.top)
        ws.write_string(k, 1, flag_words(fl.kind, lang), f.wrap)
        ws.write_number(k, 2, len(fl.files), f.top)
        lines = [
            text(" ".join(x for x in (*p.who, f"({p.file})" if p.file else "") if x))
            + text(f" — {code}: {note}")
            for p, (code, note) in zip(fl.files, fl.notes, strict=True)
        ]
        ws.write_string(k, 3, "\n".join(lines), f.wrap)
    if not view.flags:
        ws.write_string(3, 0, class_say("no_flags", lang))
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 40, f.wrap)
    ws.set_column(2, 2, 8)
    ws.set_column(3, 3, 100, f.wrap)


def _heat_map(
    wb, view: ClassView, lang: str, f: _Formats, layout: Layout, answers: Sequence
) -> None:
    """The Steps sheet drawn once (its band and symbol headers from the layout map, each row's
    epoch, step and sample), each answer cell filled by the share of the class right there; the
    Epochs sheet's answers below it, the same way."""
    ws = wb.add_worksheet(class_say("sheet.heatmap", lang))
    ws.set_paper(9)
    ws.set_landscape()  # pages across, as the Steps sheet prints; its headers on each
    steps = layout.sheets.steps
    ws.write_string(0, 0, class_say("title.heatmap", lang, steps=steps), f.title)
    ws.write_string(1, 0, class_say("scale", lang))
    top = 3  # the Steps sheet's row 0 is drawn here
    for c0, c1, width in layout.steps_widths():
        ws.set_column(c0, c1, width)
    for cell in layout.steps_header_cells():
        last_row = getattr(cell, "last_row", None) or cell.row  # merged down (columns layout)
        last_col = cell.last_col if cell.last_col is not None else cell.col
        if (last_row, last_col) != (cell.row, cell.col):
            ws.merge_range(top + cell.row, cell.col, top + last_row, last_col, "", f.band)
            ws.write_string(top + cell.row, cell.col, text(cell.value), f.band)
        else:
            fmt = f.band if cell.kind == "band" else f.symbol
            ws.write_string(top + cell.row, cell.col, text(cell.value), fmt)
    index: dict[int, tuple[object, object, object]] = {}
    for a in answers:
        if a.sheet != steps:
            continue
        row = _row_of(a.cell)
        index.setdefault(row, (a.epoch, a.step, a.sample))
        share = view.cells.get((a.sheet, a.cell))
        if share is None or not share.total:
            continue
        ws.write_string(
            top + row, _col_of(a.cell), percent(share.right, lang), f.fill(colour(share.right))
        )
    if layout.columns:  # one step per column: its epoch, step and sample head the column
        heads: dict[int, tuple[object, object, object]] = {}
        for a in answers:
            if a.sheet == steps:
                heads.setdefault(_col_of(a.cell), (a.epoch, a.step, a.sample))
        for col, values in heads.items():
            for k, v in enumerate(values):
                if v is not None:
                    ws.write_number(top + k, col, int(v), f.index)  # type: ignore[arg-type]
    else:
        for band, c0, c1 in layout.band_ranges:  # the givens' columns: greyed, as not asked
            if band in ("data", "weights"):
                for row in index:
                    for c in range(c0, c1 + 1):
                        ws.write_blank(top + row, c, None, f.given)
        for row, values in index.items():
            for q, v in zip(("epoch", "step", "sample"), values, strict=True):
                if v is not None and layout.has(q):
                    ws.write_number(top + row, layout.col(q), int(v), f.index)  # type: ignore[arg-type]
    epochs = [a for a in answers if a.sheet == layout.sheets.epochs]
    if epochs:  # the Epochs sheet's answers below, drawn the same way
        below = top + max(index, default=0) + 3
        ws.write_string(below, 0, text(layout.sheets.epochs), f.bold)
        for cell in layout.epochs_header_cells():
            fmt = f.symbol if cell.kind == "symbol" else f.bold
            ws.write_string(below + 1 + cell.row, cell.col, text(cell.value), fmt)
        for a in epochs:
            share = view.cells.get((a.sheet, a.cell))
            row = below + 1 + _row_of(a.cell)
            if a.epoch is not None:
                ws.write_number(row, 0, int(a.epoch), f.index)
            if share is not None and share.total:
                fill = f.fill(colour(share.right))
                ws.write_string(row, _col_of(a.cell), percent(share.right, lang), fill)
    if layout.columns:
        first = min((_col_of(a.cell) for a in answers if a.sheet == steps), default=3)
        ws.freeze_panes(top + 3, first)
        ws.repeat_rows(top, top + 2)
        ws.repeat_columns(0, first - 1)
    else:
        ws.freeze_panes(top + 2, 0)
        ws.repeat_rows(top, top + 1)
        if layout.has("sample"):
            ws.repeat_columns(0, layout.col("sample"))


def _row_of(a1: str) -> int:
    """The 0-based row of an A1 reference."""
    return int("".join(ch for ch in a1 if ch.isdigit())) - 1


def _col_of(a1: str) -> int:
    """The 0-based column of an A1 reference."""
    n = 0
    for ch in a1:
        if ch.isalpha():
            n = 26 * n + ord(ch.upper()) - 64
    return n - 1


def workbook(path: Path, fill: Callable[[object], None]) -> None:
    """An XlsxWriter workbook written atomically at ``path`` by ``fill(wb)``; text stays
    text (never a formula, a number or a link)."""
    import xlsxwriter

    def write(tmp: str) -> None:
        wb = xlsxwriter.Workbook(
            tmp,
            {
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "nan_inf_to_errors": True,
            },
        )
        fill(wb)
        wb.close()

    write_atomic(path, write)


def write_report(
    path: Path,
    view: ClassView,
    lang: str,
    sent: str = "err",
    layout: Layout | None = None,
    answers: Sequence | None = None,
    people: tuple[Sequence[PeopleRow], Sequence[str]] | None = None,
) -> None:
    """The class report at ``path`` (``--class-report``), or with ``people`` (rows, blocks) the
    gradebook for people with the class report's sheets after it (``--gradebook G.xlsx``)."""

    def fill(wb) -> None:
        if people is not None:
            write_people(wb, people[0], people[1], lang, sent)
        write_class(wb, view, lang, sent, layout, answers)

    workbook(path, fill)
