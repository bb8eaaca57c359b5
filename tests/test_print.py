"""Issue 13: workbooks that print — A4 pages a student can read, and a PDF handout (``--pdf``).

Two kinds of proof. The page setup the workbook holds, read back with openpyxl (paper size 9 =
A4, orientation, scale, print titles, page order, the page breaks, header and footer). And
LibreOffice's real PDF, read with poppler (``pdfinfo``, ``pdftotext -bbox``): page count and
size, no blank page, "Page x of y" on every page, the headers repeated on every Steps page, the
bands each page starts with, the steps in order, no text under 6 pt, no Guide word lost.

Numbers derived by hand (see design.md §4 for the course's columns):

- A Steps page holds 17 columns after the repeated epoch/step/sample columns: A4 landscape is
  841.9 pt wide, less 2 × 0.4 in margins = 784.3 pt; at 60 % that is 1307 pt = 1743 px of the
  sheet (96 px per inch); 4 % kept spare leaves 1673 px; LibreOffice with Carlito draws a column
  1.06 times as wide as Excel, so 1578 px of Excel's width; less three 54-px title columns
  (width 7) = 1416 px, 17 columns of 82 px (width 11).
- The course network (3-2-2, 0/1 targets) has 88 Steps columns: step A–C (0–2), data 3–7,
  weights 8–21, forward 22–29, errors 30–33, backward 34–45, gradients 46–73 (layer 1: 46–61,
  layer 2: 62–73), new 74–87. Packed 17 to a page: data (5) | weights (14) | forward + errors
  (8 + 4) | backward (12) | gradients (28, wider than a page: split between its layers, 16 + 12)
  | new (14): breaks before columns 8, 22, 34, 46, 62, 74 — 7 pages across.
"""

from __future__ import annotations

import itertools
import re
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import libreoffice_required
from pdfcheck import Page, have_poppler, is_a4, pdfinfo, read_pages

from nnsheet.cli import main
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec
from nnsheet.output import pdf as pdf_export
from nnsheet.output.printing import pack, wrapped_lines
from nnsheet.output.workbook import make_layout
from nnsheet.words.notation import sheet_names

COURSE_BREAKS = [8, 22, 34, 46, 62, 74]
#: the band each Steps page of the course starts with (after the repeated step columns)
COURSE_PAGE_BANDS = [
    "inputs and targets",
    "weights and biases in use",
    "forward pass",
    "backward pass",
    "gradients and changes",
    "gradients and changes",
    "new weights and biases",
]
PAGE_COLUMNS = 17  # columns a Steps page holds after the title columns (module docstring)
A4_PORTRAIT_PX = (595.28 - 2 * 0.4 * 72) * 96 / 72  # width inside the margins, 96 dpi
A4_LANDSCAPE_PX = (841.89 - 2 * 0.4 * 72) * 96 / 72
WIDE_FONT = 1.33  # LibreOffice without Carlito (DejaVu Sans) draws columns this much wider

DEEP = """
title = "Deep & narrow"
inputs = 3
[[layer]]
size = 6
activation = "sigmoid"
[[layer]]
size = 6
activation = "tanh"
[[layer]]
size = 6
activation = "sigmoid"
[[layer]]
size = 2
activation = "sigmoid"
[training]
learning_rate = 0.5
epochs = 2
[data]
inputs = [[1.0, 0.5, 0.2], [0.1, 0.9, 0.4], [0.3, 0.3, 0.8]]
targets = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
"""
#: 6 inputs into 4 hidden neurons: w[1] alone is 24 columns, wider than a page
WIDE = """
title = "Wide inputs"
inputs = 6
[[layer]]
size = 4
activation = "sigmoid"
[[layer]]
size = 1
activation = "sigmoid"
[training]
learning_rate = 0.5
epochs = 1
[data]
inputs = [[1.0, 0.5, 0.2, 0.1, 0.9, 0.4], [0.3, 0.3, 0.8, 0.6, 0.2, 0.7]]
targets = [[0.0], [1.0]]
"""


def _run(*argv: str) -> int:
    return main([str(a) for a in argv])


def _col_px(width: float | None) -> float:
    """Excel's pixels for a column width as stored in the file (7 px a character, padding
    included), or the default width (64 px) when None."""
    return 64 if width is None else round(width * 7)


def _widths(ws) -> dict[int, float]:
    """0-based column → stored width, from openpyxl's column dimensions."""
    out: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        if dim.width:
            for c in range(dim.min, dim.max + 1):
                out[c - 1] = dim.width
    return out


# --------------------------------------------------------------------------- packing
def test_pack_keeps_blocks_whole() -> None:
    # capacity 10: 4 + 5 fit; the next 3 would make 12 -> a new page at 9; 3 + 7 fit
    assert pack([(0, 4, []), (4, 5, []), (9, 3, []), (12, 7, [])], 10) == [9]


def test_pack_splits_only_a_block_wider_than_a_page_where_its_parts_meet() -> None:
    wide = (3, 12, [(3, 6, []), (9, 6, [])])  # 12 > 10: split between its two parts
    # 3 | part 3..8 fits beside it (9) | part 9..14 does not: new page | 6 + 2 fit
    assert pack([(0, 3, []), wide, (15, 2, [])], 10) == [9]
    # a part itself wider than a page is split into its own parts (neurons)
    deep = (0, 14, [(0, 14, [(0, 7, []), (7, 7, [])])])
    assert pack([deep, (14, 4, [])], 10) == [7, 14]


def test_wrapped_lines_counts_words_not_characters() -> None:
    # a 300-px column at 11 pt: (300 - 8) px / (0.47 em x 11 pt x 4/3 px/pt) = 42 characters
    assert wrapped_lines("", 300, 11) == 1
    assert wrapped_lines("x" * 42, 300, 11) == 1
    assert wrapped_lines("x" * 43, 300, 11) == 2  # a word longer than a line
    assert wrapped_lines("x" * 40 + " yy", 300, 11) == 2  # 43 with the space: wraps
    assert wrapped_lines(" ".join(["abcd"] * 20), 300, 11) == 3  # 8 words of 5 per line


# --------------------------------------------------------------------------- page setup
@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("print")
    (d / "deep.toml").write_text(DEEP, encoding="utf-8")
    (d / "wide.toml").write_text(WIDE, encoding="utf-8")
    out = {
        "course": d / "course.xlsx",
        "exercise_id": d / "exercise_id.xlsx",
        "iris": d / "iris.xlsx",
        "deep": d / "deep.xlsx",
        "wide": d / "wide.xlsx",
    }
    assert _run("trace", "--epochs", "3", "-o", out["course"]) == 0
    assert _run("template", "--lang", "id", "-o", out["exercise_id"]) == 0
    assert _run("trace", "iris", "--epochs", "1", "-q", "-o", out["iris"]) == 0
    assert _run("trace", d / "deep.toml", "-o", out["deep"]) == 0
    assert _run("trace", d / "wide.toml", "-o", out["wide"]) == 0
    return out


@pytest.mark.parametrize("name", ["course", "exercise_id", "iris", "deep", "wide"])
def test_every_sheet_prints_on_a4_with_title_and_page_x_of_y(
    books: dict[str, Path], name: str
) -> None:
    wb = openpyxl.load_workbook(books[name])
    title = wb.properties.title
    footer = "Halaman &P dari &N" if name.endswith("_id") else "Page &P of &N"
    printed = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    n = sheet_names("id" if name.endswith("_id") else "en")
    assert [ws.title for ws in printed][:4] == [n.guide, n.setup, n.steps, n.epochs]
    for ws in printed:
        assert ws.page_setup.paperSize == 9, ws.title  # A4
        assert ws.oddHeader.left.text == title.replace("&", "&&"), ws.title
        assert ws.oddHeader.right.text == "&A", ws.title  # the sheet's name
        assert ws.oddFooter.center.text == footer, ws.title
        fit = ws.sheet_properties.pageSetUpPr
        assert fit is None or not fit.fitToPage, ws.title  # never shrunk to fit
    assert wb[n.guide].page_setup.orientation == "portrait"
    assert wb[n.steps].page_setup.orientation == "landscape"
    assert wb[n.epochs].page_setup.orientation == "landscape"
    if name == "exercise_id":
        assert wb[n.exercise].page_setup.orientation == "portrait"


def test_title_with_ampersand_is_escaped_in_the_header(books: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(books["deep"])["Steps"]
    with zipfile.ZipFile(books["deep"]) as z:
        xml = z.read("xl/worksheets/sheet3.xml").decode()
    assert "<oddHeader>&amp;LDeep &amp;&amp; narrow&amp;R&amp;A</oddHeader>" in xml
    assert ws.oddHeader.right.text == "&A"


def test_course_steps_page_setup(books: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(books["course"])["Steps"]
    ps = ws.page_setup
    assert (ps.orientation, ps.scale, ps.pageOrder) == ("landscape", 60, "overThenDown")
    assert ws.print_title_rows == "$1:$2"  # the band and symbol header rows
    assert ws.print_title_cols == "$A:$C"  # epoch, step, sample
    assert ws.print_options.gridLines
    assert [b.id for b in ws.col_breaks.brk] == COURSE_BREAKS
    assert all(b.man for b in ws.col_breaks.brk)
    # the gradients band is split between its layers: its name heads both pieces
    merged = sorted(str(r) for r in ws.merged_cells.ranges if r.min_row == 1)
    assert "AU1:BJ1" in merged and "BK1:BV1" in merged  # columns 46-61 and 62-73
    assert ws["AU1"].value == ws["BK1"].value == "gradients and changes"


def _bands(ws) -> list[tuple[str, int, int]]:
    """(band name, first, last column), 0-based, from the Steps sheet's header row."""
    names = {}
    for r in ws.merged_cells.ranges:
        if r.min_row == 1:
            names[r.min_col - 1] = (ws.cell(1, r.min_col).value, r.max_col - 1)
    for c in ws[1]:
        if c.value and c.column - 1 not in names:
            names[c.column - 1] = (c.value, c.column - 1)
    pieces = sorted((c0, name, c1) for c0, (name, c1) in names.items())
    out: list[tuple[str, int, int]] = []
    for c0, name, c1 in pieces:  # a band split across pages is one band
        if out and out[-1][0] == name and out[-1][2] == c0 - 1:
            out[-1] = (name, out[-1][1], c1)
        else:
            out.append((name, c0, c1))
    return out


@pytest.mark.parametrize("name", ["course", "iris", "deep", "wide"])
def test_steps_breaks_fall_between_bands(books: dict[str, Path], name: str) -> None:
    """No page holds more than 17 columns; a band that fits a page is never split; every
    break is where a band starts, or inside a band wider than a page."""
    ws = openpyxl.load_workbook(books[name])["Steps"]
    breaks = [b.id for b in ws.col_breaks.brk]
    bands = _bands(ws)
    n_cols = bands[-1][2] + 1
    edges = [3, *breaks, n_cols]
    assert all(b - a <= PAGE_COLUMNS for a, b in itertools.pairwise(edges)), edges
    starts = {c0 for _, c0, _ in bands}
    for name_, c0, c1 in bands:
        inside = [b for b in breaks if c0 < b <= c1]
        if c1 - c0 + 1 <= PAGE_COLUMNS:
            assert not inside, (name_, c0, c1, inside)
    for b in breaks:
        band = next(x for x in bands if x[1] <= b <= x[2])
        assert b in starts or band[2] - band[1] + 1 > PAGE_COLUMNS, (b, band)


def test_a_segment_wider_than_a_page_is_split_between_neurons(books: dict[str, Path]) -> None:
    """6-4-1: columns step 0-2, data 3-9 (x 6, t 1), weights 10-42 (w[1] 10-33 = 4 neurons x
    6 inputs, b[1] 34-37, w[2] 38-41, b[2] 42). The weights band (33) and w[1] alone (24) are
    wider than a page (17), so w[1] is split after whole neurons' weights."""
    lay = make_layout(load_spec(books["wide"].with_suffix(".toml")))
    seg = lay.seg[("w", 1)]
    assert (seg.first, seg.shape) == (10, (4, 6))
    ws = openpyxl.load_workbook(books["wide"])["Steps"]
    breaks = [b.id for b in ws.col_breaks.brk]
    # page 1: data 3-9 (7) + neuron 1's weights 10-15 (6) = 13; neuron 2 (16-21) would be 19
    assert breaks[0] == 16
    # page 2: neurons 2 and 3 (16-27, 12 columns); neuron 4 (28-33) would be 18
    assert breaks[1] == 28
    in_w1 = [b for b in breaks if seg.first < b < seg.first + seg.size]
    assert all((b - seg.first) % 6 == 0 for b in in_w1), in_w1  # between neurons


def _setup_tables(books: dict[str, Path], name: str) -> list[tuple[int, int]]:
    """(first row, last row), 0-based, of each Setup table: caption to last number."""
    spec = load_spec(books[name].with_suffix(".toml")) if name in ("deep", "wide") else None
    if spec is None:
        spec = load_spec(example_path(name))
    lay = make_layout(spec)
    st = lay.setup
    tables = [(st.lr[0] + 2, st.lr[0] + 2 + len(lay.settings_rows()))]
    for l in range(1, spec.n_layers + 1):
        rows = [st.w(l, j, i)[0] for j in range(lay.sizes[l]) for i in range(lay.sizes[l - 1])]
        rows += [st.b(l, j)[0] for j in range(lay.sizes[l])]
        tables.append((st.w_origin[l - 1][0] - 2, max(rows)))
    tables.append((st.data_row - 3, st.data_row + spec.n_samples - 1))
    return tables


@pytest.mark.parametrize("name", ["deep", "iris"])
def test_setup_tables_stay_on_one_page(books: dict[str, Path], name: str) -> None:
    ws = openpyxl.load_workbook(books[name])["Setup"]
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks, "the Setup sheet is longer than a page: it needs breaks"
    landscape = ws.page_setup.orientation == "landscape"
    scale = (ws.page_setup.scale or 100) / 100
    # rows of 15 pt (20 px) in the page's height inside 0.7-inch margins
    page_rows = ((595.28 if landscape else 841.89) - 2 * 0.7 * 72) / scale / 15
    tables = _setup_tables(books, name)
    for a, b in tables:
        inside = [r for r in breaks if a < r <= b]
        if b - a + 1 <= page_rows:
            assert not inside, (name, a, b, inside)
    edges = [0, *breaks, tables[-1][1] + 1]
    assert all(b - a <= page_rows for a, b in itertools.pairwise(edges)), edges
    # the data table runs over pages only for Iris (150 samples): its two header rows (the
    # feature names and the symbols, just above sample 1) are repeated there
    data_first = tables[-1][0] + 3  # caption, names, symbols, then sample 1
    if name == "iris":
        assert ws.print_title_rows == f"${data_first - 1}:${data_first}"  # 1-based
        assert ws["B" + str(data_first)].value == "x1"
    else:
        assert ws.print_title_rows is None


def test_text_sheets_fit_a_portrait_page_in_any_font(books: dict[str, Path]) -> None:
    """The Guide's (and the exercise's) text column fits the page even when LibreOffice draws
    columns a third wider (DejaVu Sans for Calibri), and every line wraps in it."""
    wb = openpyxl.load_workbook(books["exercise_id"])
    n = sheet_names("id")
    for name, text_col in ((n.guide, 1), (n.exercise, 0)):
        ws = wb[name]
        widths = _widths(ws)
        total = sum(_col_px(widths[c]) for c in range(text_col + 1))
        assert total * WIDE_FONT <= A4_PORTRAIT_PX, (name, total)
        cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert cells and all(c.alignment.wrap_text for c in cells), name
        for c in cells:  # every row is as tall as its wrapped lines (15 pt a line at 11 pt)
            height = ws.row_dimensions[c.row].height
            assert height is not None and height >= 14.9, (name, c.coordinate)


def test_epochs_chart_fits_beside_the_table(books: dict[str, Path]) -> None:
    """The chart is anchored to cells (E2 to some cell): a spreadsheet drawing columns a third
    wider stretches table and chart alike, and both still fit the landscape page."""
    with zipfile.ZipFile(books["course"]) as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    anchor = re.search(
        r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:to><xdr:col>(\d+)</xdr:col>"
        r"<xdr:colOff>(\d+)</xdr:colOff>",
        drawing,
    )
    first, last, off = int(anchor[1]), int(anchor[2]), int(anchor[3]) / 9525  # EMU -> px
    ws = openpyxl.load_workbook(books["course"])["Epochs"]
    widths = _widths(ws)
    px = [_col_px(widths.get(c)) for c in range(last)]
    assert first == 4 and sum(px[:first]) == 331  # epoch 61 + loss 103 + accuracy 103 + 64
    right = sum(px) + off
    assert right - sum(px[:first]) >= 400  # a chart to read, not a stamp
    assert right * WIDE_FONT <= A4_LANDSCAPE_PX, right


# --------------------------------------------------------------------------- --pdf, no LibreOffice
def _fake_soffice(tmp_path: Path, body: str) -> Path:
    exe = tmp_path / "fake-soffice"
    exe.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def test_pdf_without_libreoffice_says_how_to_install_and_keeps_the_workbook(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    monkeypatch.setenv("NNSHEET_SOFFICE", str(tmp_path / "no-such-soffice"))
    for cmd in ("trace", "template"):
        out, pdf = tmp_path / f"{cmd}.xlsx", tmp_path / f"{cmd}.pdf"
        assert _run(cmd, "-o", out, "--pdf", pdf) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len([ln for ln in err if ln.startswith("nnsheet: error:")]) == 1, err
        assert "apt-get install libreoffice-calc-nogui" in err[-1], err
        assert out.is_file() and openpyxl.load_workbook(out).sheetnames[:4] == [
            "Guide",
            "Setup",
            "Steps",
            "Epochs",
        ]
        assert not pdf.exists()
    # --pdf alone (no -o): refused before training, nothing written
    assert _run("trace", "--pdf", tmp_path / "alone.pdf") == 2
    assert "apt-get install libreoffice-calc-nogui" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["template.xlsx", "trace.xlsx"]


def test_pdf_path_is_checked_like_other_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    for bad, says in (
        (tmp_path / "a.xlsx", "--pdf must be a .pdf file"),
        (tmp_path / "no" / "a.pdf", "does not exist"),
        (tmp_path, "--pdf must be a .pdf file"),
    ):
        assert _run("trace", "-o", tmp_path / "t.xlsx", "--pdf", bad) == 2
        assert says in capsys.readouterr().err
    folder = tmp_path / "x.pdf"
    folder.mkdir()
    assert _run("template", "-o", tmp_path / "t.xlsx", "--pdf", folder) == 2
    assert "is a folder" in capsys.readouterr().err
    assert not (tmp_path / "t.xlsx").exists()  # checked before anything is written


def test_a_handout_of_thousands_of_pages_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Iris in full detail (100 epochs x 150 samples = 15,000 Steps rows) would print on
    thousands of pages: refused at once, naming how many epochs in detail fit; nothing written."""
    out, pdf = tmp_path / "iris.xlsx", tmp_path / "iris.pdf"
    assert _run("trace", "iris", "-o", out, "--pdf", pdf) == 2
    err = capsys.readouterr().err
    assert "pages" in err and "--detail-epochs" in err and "leave out --pdf" in err, err
    k = int(re.search(r"--detail-epochs (\d+) or fewer", err)[1])
    assert 1 <= k < 100
    assert not out.exists() and not pdf.exists()
    assert _run("template", "iris", "--epochs", "60", "-o", out, "--pdf", pdf) == 2
    assert "--epochs" in capsys.readouterr().err and not out.exists()


def test_soffice_that_writes_nothing_is_an_error_and_the_old_pdf_stays(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    monkeypatch.setenv("NNSHEET_SOFFICE", str(_fake_soffice(tmp_path, "exit 0\n")))
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(b"old")
    assert _run("trace", "-o", tmp_path / "t.xlsx", "--pdf", pdf) == 2
    err = capsys.readouterr().err
    assert "wrote no PDF" in err and "t.xlsx was written" in err
    assert pdf.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake-soffice", "out.pdf", "t.xlsx"]


def test_export_uses_a_private_profile_and_replaces_the_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in soffice records its arguments and writes a PDF where asked: the profile is a
    fresh folder that is gone afterwards, LibreOffice is told never to recalculate, and the PDF
    lands at the path given."""
    log = tmp_path / "args.txt"
    script = f"""
printf '%s\\n' "$@" > {log}
for a in "$@"; do case "$a" in -env:UserInstallation=file://*) p="${{a#*file://}}";; esac; done
cp "$p/user/registrymodifications.xcu" {tmp_path}/registry.xcu
while [ "$1" != "--outdir" ]; do shift; done
printf '%%PDF-1.4 stand-in' > "$2/workbook.pdf"  # LibreOffice names it after the input
"""
    monkeypatch.setenv("NNSHEET_SOFFICE", str(_fake_soffice(tmp_path, script)))
    xlsx = tmp_path / "w.xlsx"
    assert _run("trace", "-o", xlsx) == 0
    pdf = tmp_path / "w.pdf"
    pdf.write_bytes(b"old")
    pdf_export.export_pdf(xlsx, pdf)
    assert pdf.read_bytes() == b"%PDF-1.4 stand-in"
    args = log.read_text().splitlines()
    assert "--headless" in args and args[args.index("--convert-to") + 1].startswith("pdf")
    profile = next(a for a in args if a.startswith("-env:UserInstallation=file://"))
    folder = Path(profile.split("file://", 1)[1])
    assert not folder.exists() and not folder.is_relative_to(Path.home())
    assert (
        'name="OOXMLRecalcMode" oor:op="fuse"><value>1<' in (tmp_path / "registry.xcu").read_text()
    )
    assert args[-1] != str(xlsx)  # a copy is converted, never the user's file


def test_export_is_stopped_after_the_time_limit(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pidfile = tmp_path / "child.pid"
    exe = _fake_soffice(tmp_path, f"sleep 60 &\necho $! > {pidfile}\nwait\n")
    monkeypatch.setenv("NNSHEET_SOFFICE", str(exe))
    xlsx = tmp_path / "w.xlsx"
    assert _run("trace", "-o", xlsx) == 0
    with pytest.raises(pdf_export.NnsheetError, match="did not finish within 2 s"):
        pdf_export.export_pdf(xlsx, tmp_path / "w.pdf", timeout=2)
    child = int(pidfile.read_text())
    # the whole process group was killed: the stand-in's own child is gone too
    assert (
        not Path(f"/proc/{child}").exists()
        or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
    )
    assert not (tmp_path / "w.pdf").exists()


def test_font_note_names_the_missing_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    _fake_soffice(bindir, "printf 'DejaVu Sans'\n").rename(bindir / "fc-match")
    monkeypatch.setenv("PATH", str(bindir))
    note = pdf_export.font_note()
    assert note is not None and "DejaVu Sans" in note and "fonts-crosextra-carlito" in note
    (bindir / "fc-match").write_text("#!/bin/sh\nprintf 'Carlito'\n")
    assert pdf_export.font_note() is None


# --------------------------------------------------------------------------- LibreOffice's PDF
def _require_poppler_and_carlito() -> None:
    """The PDF checks need poppler, and exact page counts need Carlito (Calibri's metric twin):
    skipped without them, failed when NNSHEET_REQUIRE_LIBREOFFICE=1 (CI installs both)."""
    problems = []
    if not have_poppler():
        problems.append("poppler-utils (pdftotext, pdfinfo) is not installed")
    fc = shutil.which("fc-match")
    family = (
        subprocess.run([fc, "-f", "%{family}", "Calibri"], capture_output=True, text=True).stdout
        if fc
        else ""
    )
    if "carlito" not in family.lower() and "calibri" not in family.lower():
        problems.append(
            f"no Carlito font (Calibri is drawn with {family or 'unknown'}; "
            "apt-get install fonts-crosextra-carlito)"
        )
    if problems:
        if libreoffice_required():
            pytest.fail("; ".join(problems), pytrace=False)
        pytest.skip("; ".join(problems))


@pytest.fixture(scope="module")
def course_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Page]]:
    """The course trained 20 epochs (60 Steps rows: two blocks of rows) as a PDF."""
    from conftest import require_libreoffice

    require_libreoffice()
    _require_poppler_and_carlito()
    d = tmp_path_factory.mktemp("pdf")
    xlsx, pdf = d / "course.xlsx", d / "course.pdf"
    assert _run("trace", "--epochs", "20", "-o", xlsx, "--pdf", pdf) == 0
    return xlsx, read_pages(pdf)


def _sheets(pages: list[Page]) -> dict[str, list[Page]]:
    out: dict[str, list[Page]] = {}
    for p in pages:
        out.setdefault(p.sheet, []).append(p)
    return out


@pytest.mark.libreoffice
def test_course_pdf_pages(course_pdf: tuple[Path, list[Page]]) -> None:
    xlsx, pages = course_pdf
    info = pdfinfo(xlsx.with_suffix(".pdf"))
    assert int(info["Pages"]) == len(pages)
    assert all(is_a4(p) for p in pages)
    n = len(pages)
    for p in pages:
        assert p.body, f"page {p.number} is blank"
        assert p.text(p.footer) == f"Page {p.number} of {n}"
        assert p.text(p.header).startswith("Course example 3-2-2")
    sheets = _sheets(pages)
    assert list(sheets) == ["Guide", "Setup", "Steps", "Epochs"]
    # 7 pages across (the breaks) x 2 blocks of rows; Setup and the Epochs chart on one page
    assert len(sheets["Steps"]) == 14 and len(sheets["Setup"]) == 1
    assert len(sheets["Epochs"]) == 1
    for p in sheets["Steps"] + sheets["Epochs"]:
        assert p.width > p.height, p.number  # landscape
    for p in sheets["Guide"] + sheets["Setup"]:
        assert p.width < p.height, p.number  # portrait
    # no text under 6 pt (a word's box is about 1.3 times its font size)
    assert min(w.height for p in pages for w in p.body) >= 6.0


@pytest.mark.libreoffice
def test_course_pdf_steps_pages(course_pdf: tuple[Path, list[Page]]) -> None:
    """Every Steps page repeats the header rows and the epoch/step/sample columns, starts with
    the band the breaks give it, and the pages go over then down (steps in order)."""
    _, pages = course_pdf
    steps = _sheets(pages)["Steps"]
    for k, p in enumerate(steps):
        lines = p.lines()
        # the header rows: the band names ("step", then this page's first band), the symbols
        assert lines[0].startswith("step " + COURSE_PAGE_BANDS[k % 7]), (p.number, lines[0])
        assert lines[1].startswith("epoch step sample "), (p.number, lines[1])
        # the epoch column (the first one, at the left margin): epochs 1.. on the first 7
        # pages, the last epochs on the next 7
        left = min(w.x0 for w in p.body)
        epochs = {int(w.text) for w in p.body if w.text.isdigit() and w.x1 < left + 26}
        if k < 7:
            assert min(epochs) == 1, (p.number, epochs)
        else:
            assert min(epochs) > 1 and max(epochs) == 20, (p.number, epochs)


@pytest.mark.libreoffice
def test_course_pdf_guide_loses_no_word(course_pdf: tuple[Path, list[Page]]) -> None:
    """Every word of the Guide is printed whole, in order, and no two words overlap (rows as
    tall as their wrapped lines)."""
    xlsx, pages = course_pdf
    ws = openpyxl.load_workbook(xlsx)["Guide"]
    words = [
        w
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
        for w in c.value.split()
    ]
    guide = _sheets(pages)["Guide"]
    printed = [w.text for p in guide for w in p.body]
    assert printed == words
    for p in guide:
        for a, b in itertools.combinations(p.body, 2):
            overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)  # boxes of adjacent lines touch
            assert overlap_x <= 0.5 or overlap_y <= 0.5 * a.height, (p.number, a.text, b.text)


@pytest.mark.libreoffice
def test_wide_band_pdf_follows_the_breaks(tmp_path: Path) -> None:
    """A weight matrix wider than a page: LibreOffice prints the workbook on exactly the pages
    the breaks make (no break of its own), each starting with the step columns; its ``--pdf``
    handout stacks those pages' columns down the page (output/handout.py), each stripe
    starting with the band names and the step columns."""
    from conftest import require_libreoffice
    from lo import convert

    require_libreoffice()
    _require_poppler_and_carlito()
    spec = tmp_path / "wide.toml"
    spec.write_text(WIDE, encoding="utf-8")
    xlsx, pdf = tmp_path / "wide.xlsx", tmp_path / "wide.pdf"
    assert _run("trace", spec, "-o", xlsx, "--pdf", pdf) == 0
    breaks = openpyxl.load_workbook(xlsx)["Steps"].col_breaks.brk
    printed = convert(xlsx, tmp_path / "printed", "pdf")  # the workbook as a spreadsheet prints it
    steps = _sheets(read_pages(printed))["Steps"]
    assert len(steps) == len(breaks) + 1
    for p in steps:
        assert p.lines()[0].startswith("step "), p.number
        assert p.lines()[1].startswith("epoch step sample "), p.number
    handout = _sheets(read_pages(pdf))["Steps"]
    assert len(handout) < len(steps)
    lines = [line for p in handout for line in p.lines()]
    assert sum(line.startswith("epoch step sample ") for line in lines) == len(breaks) + 1


@pytest.mark.libreoffice
def test_exercise_pdf_in_indonesian(tmp_path: Path) -> None:
    """``template --pdf``: footers in Indonesian, the blank answer cells stay blank (no value is
    recalculated into them), the instructions sheet portrait, and the one-epoch chart of the
    loss per sample."""
    from conftest import require_libreoffice

    require_libreoffice()
    _require_poppler_and_carlito()
    xlsx, pdf = tmp_path / "ex.xlsx", tmp_path / "ex.pdf"
    assert _run("template", "--lang", "id", "-o", xlsx, "--pdf", pdf) == 0
    pages = read_pages(pdf)
    n = len(pages)
    for p in pages:
        assert p.body, f"page {p.number} is blank"
        assert p.text(p.footer) == f"Halaman {p.number} dari {n}"
    sheets = _sheets(pages)
    n = sheet_names("id")
    assert list(sheets) == [n.guide, n.setup, n.steps, n.epochs, n.exercise]
    assert all(p.width < p.height for p in sheets[n.exercise])
    assert "galat per pola (epoch 1)" in sheets[n.epochs][0].text()
    # the course's net O1 at step 1 is 0.1*1 + 0.2*0.5 + 0.3*0.2 + 0.1 = 0.36 (design.md §3's
    # weights and data): asked, so it is not printed
    text = " ".join(p.text() for p in sheets[n.steps])
    assert "0.360000" not in text
    assert "1.000000" in text  # the givens (x1 = 1) are printed


def test_committed_docs_pictures_exist() -> None:
    docs = Path(__file__).resolve().parents[1] / "docs"
    for name in ("print-steps.png", "print-guide.png"):
        data = (docs / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
    page = (docs / "workbook.md").read_text(encoding="utf-8")  # the printing section
    assert "](print-steps.png)" in page and "](print-guide.png)" in page
