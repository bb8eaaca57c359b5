"""How each sheet prints (issue 13): A4, a header and a footer, readable text, sensible breaks.

Every sheet prints on A4 paper with the workbook's title (and the sheet's name) in the header and
"Page x of y" in the footer, in the workbook's language.

- **Steps**: landscape at a fixed scale (:data:`STEPS_SCALE`, so 11 pt text prints at 6.6 pt —
  never "fit to one page wide", which shrank the course workbook's text to 0.9 pt). Its vertical
  page breaks fall between colour bands, so a band is never split; a band wider than a page is
  split between layers, then between quantities (segments), then between neurons, only as far as
  needed, and its first part may share a page with the band before (:func:`column_breaks`). The
  two header rows and the epoch/step/sample columns are print titles, repeated on every page.
  Pages go **over, then down**: all the bands of the first block of rows, then all the bands of
  the next block, so the pages follow the steps in order — a step's row is complete (forward,
  backward, update) before the next steps begin, as a learner follows it, instead of the first
  band of every step coming before the second band of any.
- **Guide** (and the exercise's instructions): portrait; the text wraps inside one column as wide
  as the page (:func:`text_column_width`), so no line is cut.
- **Setup**: portrait when its tables fit the width at 85 % or more, else landscape (scaled down
  only if they do not fit); a page break goes before a table that would straddle two pages
  (:func:`setup_row_breaks`), so each table is on one page with its header (a table longer than a
  page is split between rows, and the data table's header rows repeat on its pages).
- **Epochs**: landscape, the chart sized to sit on the first page beside the table, whatever the
  font (:func:`epochs_chart_size`).

Widths are computed as XlsxWriter and Excel compute them (a column of width w characters is
``7·w + 5`` pixels at 96 dpi) with a few per cent to spare, so LibreOffice and Excel never need a
page break of their own between the ones written here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from ..sheet.layout import HEADER_ROWS, Layout
from ..words.notation import word

A4 = 9  #: the paper size code of A4 (Excel's ``paperSize``)
A4_PT = (595.28, 841.89)  #: width, height in points (1/72 inch), portrait
MARGIN_SIDE = 0.4  #: left and right margins, inches
MARGIN_TOP_BOTTOM = 0.7  #: inches; the header and the footer sit inside these
MARGIN_HEADER = 0.3  #: from the paper's edge to the header / footer, inches
STEPS_SCALE = 60  #: per cent: the default 11 pt font prints at 6.6 pt
SPARE = 0.96  #: use at most this share of a page's width or height
#: How much wider than in Excel LibreOffice draws a column: it measures a "character" of width
#: with the font it uses for Calibri. Carlito (Calibri's metric twin): 1.057; without it, DejaVu
#: Sans: 1.33 (measured with LibreOffice 7.4). Steps, where every column counts, is laid out for
#: Carlito; the text sheets and the positions on Setup and Epochs, where room is cheap, for any.
CARLITO = 1.06
ANY_FONT = 1.35
ROW_PX = 20  #: a default row (15 pt) in pixels
MAX_BREAKS = 1023  #: Excel keeps at most this many manual page breaks per direction
TITLE_MAX = 100  #: characters of the title shown in the header
#: an answer cell on a printed handout is at least this high, so a number can be written in by
#: hand (a default 15 pt row prints 5.3 mm high at 100 %, 3.2 mm on Steps at 60 %)
ANSWER_MM = 8.0


def col_px(width: float) -> int:
    """Pixels (96 dpi) of a column ``width`` characters wide, as XlsxWriter and Excel count."""
    if width < 1:
        return int(width * 12 + 0.5)
    return int(width * 7 + 0.5) + 5


def answer_row_height(scale: int = 100) -> float:
    """Height (points, in the sheet) of a row of answer cells that prints :data:`ANSWER_MM`
    high (and 3 % more, for rounding in the spreadsheet) on a sheet printed at ``scale`` %."""
    return math.ceil(ANSWER_MM * 1.03 / 25.4 * 72 * 100 / scale * 10) / 10


def printable_px(landscape: bool, scale: int = 100, widen: float = 1.0) -> tuple[float, float]:
    """Width and height, in pixels of the sheet at 100 %, that a page holds at ``scale`` %;
    the width in Excel's pixels of columns a spreadsheet draws ``widen`` times as wide."""
    w, h = (A4_PT[1], A4_PT[0]) if landscape else A4_PT
    w -= 2 * 72 * MARGIN_SIDE
    h -= 2 * 72 * MARGIN_TOP_BOTTOM
    k = 96 / 72 * 100 / scale * SPARE
    return w * k / widen, h * k


def page_setup(
    ws,
    title: str,
    lang: str,
    *,
    landscape: bool,
    scale: int | None = None,
    gridlines: bool = False,
) -> None:
    """A4, orientation, margins, the header (title, sheet name) and the footer (page x of y)."""
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(
        left=MARGIN_SIDE, right=MARGIN_SIDE, top=MARGIN_TOP_BOTTOM, bottom=MARGIN_TOP_BOTTOM
    )
    ws.set_header(header_text(title), {"margin": MARGIN_HEADER})
    ws.set_footer(footer_text(lang), {"margin": MARGIN_HEADER})
    if scale is not None and scale != 100:
        ws.set_print_scale(scale)
    if gridlines:
        ws.hide_gridlines(0)  # printed too: the eye follows a row across the page


def header_text(title: str) -> str:
    """``&L`` the title, ``&R`` the sheet's name (``&A``); ``&`` in the title is escaped."""
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return f"&L{title.replace('&', '&&')}&R&A"


def footer_text(lang: str) -> str:
    """``Page &P of &N`` (English) / ``Halaman &P dari &N`` (Indonesian), centred."""
    return f"&C{word('page', lang)} &P {word('of', lang)} &N"


# ---------------------------------------------------------------------- breaks
#: a run of columns (or rows) that should stay on one page: (first, how many, finer parts)
Block = tuple[int, int, list]


def pack(blocks: Iterable[Block], capacity: int) -> list[int]:
    """Page breaks (the first column/row of every page after the first) placing ``blocks`` in
    order on pages of ``capacity`` units: a block goes on the current page if it fits, else on a
    new page; a block larger than a page is split into its parts, each placed the same way (so
    it is split only where its parts meet, and its first parts may fill the current page)."""
    capacity = max(1, capacity)
    breaks: list[int] = []
    used = 0

    def place(block: Block) -> None:
        nonlocal used
        first, size, parts = block
        if used + size <= capacity:
            used += size
        elif size > capacity and parts:
            for part in parts:
                place(part)
        else:
            if used:
                breaks.append(first)
            used = size

    for b in blocks:
        place(b)
    return breaks


def _segment_block(seg) -> Block:
    if len(seg.shape) == 2:  # a matrix: one run per receiving neuron (its incoming weights)
        n = seg.shape[1]
        parts = [
            (seg.first + j * n, n, [(seg.first + j * n + i, 1, []) for i in range(n)])
            for j in range(seg.shape[0])
        ]
    else:
        parts = [(seg.first + k, 1, []) for k in range(seg.size)]
    return seg.first, seg.size, parts


def steps_blocks(layout: Layout) -> list[Block]:
    """The Steps columns after the step band, as bands → layers → segments → neurons."""
    out: list[Block] = []
    for band, c0, c1 in layout.band_ranges:
        if band == "step":
            continue
        groups: list[list] = []  # adjacent segments of the same layer
        for seg in (s for s in layout.segments if s.band == band):
            if groups and groups[-1][0].layer == seg.layer:
                groups[-1].append(seg)
            else:
                groups.append([seg])
        parts = [
            (g[0].first, sum(s.size for s in g), [_segment_block(s) for s in g]) for g in groups
        ]
        out.append((c0, c1 - c0 + 1, parts))
    return out


def column_breaks(
    layout: Layout, title_px: int, col_width_px: int, scale: int = STEPS_SCALE
) -> list[int]:
    """Vertical page breaks of the Steps sheet: between bands, a wide band split as little as
    possible. ``title_px``: the repeated step columns; ``col_width_px``: every other column."""
    width, _ = printable_px(True, scale, CARLITO)
    capacity = int((width - title_px) // col_width_px)
    return pack(steps_blocks(layout), capacity)[:MAX_BREAKS]


def rows_per_page(scale: int = STEPS_SCALE, row_pt: float | None = None) -> int:
    """Steps rows a landscape page holds below the repeated header rows (at least; rows of
    15 pt, or ``row_pt`` points: an exercise's rows of answer cells)."""
    row_px = ROW_PX if row_pt is None else row_pt * 96 / 72
    return max(1, int((printable_px(True, scale)[1] - HEADER_ROWS * ROW_PX) // row_px))


def split_at(
    ranges: Iterable[tuple[str, int, int]], breaks: Sequence[int]
) -> list[tuple[str, int, int]]:
    """``(name, first, last)`` column ranges cut where a page break falls inside one (so a merged
    band header is printed on each page the band spans)."""
    out = []
    for name, c0, c1 in ranges:
        start = c0
        for b in breaks:
            if start < b <= c1:
                out.append((name, start, b - 1))
                start = b
        out.append((name, start, c1))
    return out


def setup_blocks(layout: Layout) -> list[Block]:
    """The Setup sheet's rows as tables (title and learning rate, settings, one weight table per
    layer, the data set, the normalisation), from the layout's :class:`SetupMap`; each block runs
    to the row before the next, so the blank rows between tables are counted."""
    st, spec = layout.setup, layout.spec
    starts = [0, st.lr[0] + 2]  # title and learning rate; the settings' caption
    for l in range(1, spec.n_layers + 1):
        starts.append(st.w_origin[l - 1][0] - 2)  # caption, column header, numbers
    starts.append(st.data_row - 3)  # caption, names, header, one row per sample
    end = st.data_row + spec.n_samples  # one past the last sample
    if spec.normalization is not None:
        starts.append(end + 1)
        end += 4  # caption, shift, scale
    starts.append(end)
    blocks = []
    for a, b in zip(starts, starts[1:], strict=False):
        if b > a:
            extra = 1 if a == 0 else 0  # the title's row is taller
            blocks.append((a, b - a + extra, [(r, 1, []) for r in range(a, b)]))
    return blocks


def setup_row_breaks(layout: Layout, landscape: bool, scale: int = 100) -> list[int]:
    """Horizontal page breaks of the Setup sheet: before a table that would straddle two pages
    (the title row, in 14 pt, counts as two rows; each page keeps room for the data table's two
    header rows, repeated where the table runs over pages: :func:`setup_title_rows`)."""
    _, height = printable_px(landscape, scale)
    capacity = int(height // ROW_PX) - 1 - 2
    return pack(setup_blocks(layout), capacity)[:MAX_BREAKS]


def setup_title_rows(layout: Layout, breaks: Sequence[int]) -> tuple[int, int] | None:
    """The data table's header rows (names, symbols) to repeat on the pages the table runs
    over, when a break falls inside it (a spreadsheet repeats them only from where they are)."""
    st = layout.setup
    if any(st.data_row <= b < st.data_row + layout.spec.n_samples for b in breaks):
        return st.data_row - 2, st.data_row - 1
    return None


def fit(width_px: float) -> tuple[bool, int]:
    """(landscape, scale %) for a sheet ``width_px`` wide: portrait if it fits at 85 % or more
    (text of 9.35 pt or more), else landscape, scaled down only as far as it must."""
    portrait = int(100 * printable_px(False, widen=CARLITO)[0] / width_px)
    if portrait >= 85:
        return False, min(100, portrait)
    return True, max(10, min(100, int(100 * printable_px(True, widen=CARLITO)[0] / width_px)))


def text_column_width(first_col_px: int) -> float:
    """Width (characters) of the text column beside a first column of ``first_col_px``, as wide
    as an A4 portrait page leaves (so wrapped text never runs past the page)."""
    room = printable_px(False, widen=ANY_FONT)[0] - first_col_px
    return float(int((room - 5) / 7))


def wrapped_lines(text: str, col_px: int, font_pt: float) -> int:
    """Lines ``text`` takes wrapped at word boundaries in a column ``col_px`` wide, counting a
    generous width per character (0.47 em; Carlito sets the Guide's text at about 0.42 em), so
    that the count is never too low; a word longer than a line takes as many lines as it needs."""
    per_line = max(1, int((col_px - 8) / (0.47 * font_pt * 96 / 72)))
    lines, used = 1, 0
    for token in text.split():
        n = len(token)
        if used and used + 1 + n <= per_line:
            used += 1 + n
            continue
        if used:
            lines += 1
        lines += (n - 1) // per_line
        used = (n - 1) % per_line + 1
    return lines


def text_height(text: str, col_px: int, font_pt: float) -> float:
    """Height (points) of a row holding ``text`` wrapped in a column ``col_px`` wide."""
    return round(wrapped_lines(text, col_px, font_pt) * font_pt * 1.36 + 1, 1)


def epochs_chart_size(table_px: int) -> tuple[int, int]:
    """Width and height (pixels) of the Epochs chart beside a table ``table_px`` wide, so that
    the chart fits on the first landscape page. A chart is anchored to cells, so a spreadsheet
    that draws columns wider stretches it as much as the table: both are counted widened."""
    width, height = printable_px(True, widen=ANY_FONT)
    return int(min(720, width - table_px)), int(min(320, height - 2 * ROW_PX * HEADER_ROWS))


#: the graded copy's first sheet: the place column (characters) beside the text column
GRADES_PLACE_WIDTH = 14


#: a line of the graded copy's first sheet: column A's text, column B's (None: A's text spans
#: both columns, wrapped there) and A's format properties; None: an empty row
GradesLine = tuple[str, str | None, dict] | None


def grades_sheet(wb, ws, lines: Sequence[GradesLine], title: str, lang: str) -> None:
    """The graded copy's first sheet (an XlsxWriter worksheet of the workbook ``wb``), written
    line by line (the first, the sheet's title, as it is): A4 portrait with the header and
    footer every sheet has; column A as wide as a cell's place, column B as wide as the page
    leaves (with Carlito, Calibri's metric twin) with its text wrapped and each row as tall as
    its lines, so nothing prints past the page's width; and "fit to one page wide", so a
    spreadsheet that draws the text wider (another font) scales the sheet down rather than
    cutting it. Every text is written as text, never as a formula."""
    place_px = col_px(GRADES_PLACE_WIDTH)
    # as wide as the page leaves with Carlito; a wider font is scaled to the width (fit to width)
    text_width = float(int((printable_px(False, widen=CARLITO)[0] - place_px - 5) / 7))
    text_px = col_px(text_width)
    ws.set_column(0, 0, GRADES_PLACE_WIDTH)
    ws.set_column(1, 1, text_width)
    formats: dict[tuple, object] = {}

    def fmt(props: dict) -> object:
        key = tuple(sorted(props.items()))
        if key not in formats:
            formats[key] = wb.add_format(props)
        return formats[key]

    wrap = {"text_wrap": True, "valign": "top"}
    for r, line in enumerate(lines):
        if line is None:
            continue
        a, b, props = line
        size = float(props.get("font_size", 11))
        if r == 0 or (b is None and not a):
            ws.write_string(r, 0, a, fmt(props))
            continue
        text, px = (a, place_px + text_px) if b is None else (b, text_px)
        n = wrapped_lines(text, px, size)
        if n > 1:
            ws.set_row(r, round(n * size * 1.36 + 1, 1))
        if b is None:  # a line of the summary: across both columns, wrapped there
            ws.merge_range(r, 0, r, 1, "", fmt({**props, **wrap}))
            ws.write_string(r, 0, a, fmt({**props, **wrap}))  # text, never a formula
        else:  # the place beside its text's first line
            ws.write_string(r, 0, a, fmt({**props, "valign": "top"}))
            ws.write_string(r, 1, b, fmt(wrap))
    page_setup(ws, title, lang, landscape=False)
    ws.fit_to_pages(1, 0)


# ---------------------------------------------------------------------- the columns layout
ROW_PT = 15.0  #: a default row's height in points
#: the columns layout's Steps sheet (``--layout columns``) is scaled to this many portrait
#: pages tall (its rows are the quantities: as many whatever the number of steps) …
COLUMNS_PAGES = 2
#: … but never below this scale (the rows layout's Steps scale: text of 6.6 pt and more)
COLUMNS_MIN_SCALE = STEPS_SCALE


def columns_scale(layout: Layout, heights_pt: Sequence[float]) -> int:
    """Print scale (%) of the columns layout's Steps sheet: its rows (of ``heights_pt``) on
    :data:`COLUMNS_PAGES` portrait pages, the band, symbol and formula columns and two steps
    across a page, at most 100 % and at least :data:`COLUMNS_MIN_SCALE`."""
    widths = layout.steps_widths()
    head_px = sum(col_px(w) * (c1 - c0 + 1) for c0, c1, w in widths[:-1])
    width, _ = printable_px(False, widen=CARLITO)
    _, height_px = printable_px(False)
    height_pt = height_px * 72 / 96
    tall = int(100 * COLUMNS_PAGES * height_pt / max(1.0, sum(heights_pt)))
    wide = int(100 * width / (head_px + 2 * col_px(widths[-1][2])))
    return max(COLUMNS_MIN_SCALE, min(100, tall, wide))


def columns_steps_print(ws, layout: Layout, heights_pt: Sequence[float]) -> int:
    """Page setup of the columns layout's Steps sheet: portrait A4 (the worked solution reads
    down the page), scaled by :func:`columns_scale`, the band, symbol and formula columns and
    the epoch/step/sample rows repeated on every page, pages down then over (a step's column
    is complete before the next steps). Returns the scale."""
    scale = columns_scale(layout, heights_pt)
    page_setup(
        ws,
        layout.spec.title,
        layout.notation.lang,
        landscape=False,
        scale=scale,
        gridlines=True,
    )
    ws.repeat_rows(0, 2)
    ws.repeat_columns(0, 2)
    return scale
