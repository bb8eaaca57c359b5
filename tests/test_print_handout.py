"""Handouts that can be written on (issue 26 item 4, the default rows layout): answer cells print
at least 8 mm high, and the graded copy's first sheet prints within the page width.

Checked in LibreOffice's real PDF (poppler's word boxes, tests/pdfcheck.py): the distance from
one Steps row to the next is the printed height of a row of answer cells; 8 mm = 22.68 pt.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from pdfcheck import Page, read_pages

from nnsheet.cli import main
from nnsheet.output.printing import ANSWER_MM, STEPS_SCALE, answer_row_height

MM = 72 / 25.4  # points per millimetre
EIGHT_MM = 8 * MM  # 22.68 pt


def _run(*argv: object) -> int:
    return main([str(a) for a in argv])


def test_answer_row_height_by_hand() -> None:
    assert ANSWER_MM == 8.0
    # 8 mm × 1.03 = 8.24 mm = 23.36 pt printed; on Steps at 60 %: 38.93 pt in the sheet
    assert answer_row_height(100) == 23.4
    assert answer_row_height(60) == 39.0
    assert answer_row_height(STEPS_SCALE) * STEPS_SCALE / 100 >= EIGHT_MM


def test_exercise_rows_are_tall_enough_in_the_file(tmp_path: Path) -> None:
    out = tmp_path / "ex.xlsx"
    assert _run("template", "-o", out) == 0
    wb = openpyxl.load_workbook(out)
    steps, epochs, ex = wb["Steps"], wb["Epochs"], wb["Exercise"]
    scale = steps.page_setup.scale
    for r in (3, 4, 5):  # the three steps of the course's one epoch
        assert steps.row_dimensions[r].height * scale / 100 >= EIGHT_MM
    assert (epochs.page_setup.scale or 100) == 100
    assert epochs.row_dimensions[3].height >= EIGHT_MM  # the epoch's answer row
    entries = [d.attr_text for n, d in wb.defined_names.items() if n in ("student", "student_id")]
    for ref in entries:
        row = int(ref.rsplit("$", 1)[1])
        assert ex.row_dimensions[row].height >= EIGHT_MM


def _mids(page: Page, x_max: float) -> list[float]:
    """Vertical middles of the rows of numbers left of ``x_max`` (the step columns)."""
    mids = sorted(
        {round((w.y0 + w.y1) / 2, 1) for w in page.body if w.x1 < x_max and w.text.isdigit()}
    )
    return mids


def _stripes(mids: list[float]) -> list[list[float]]:
    """Row middles grouped into stripes: a gap of more than 1.5 answer rows starts a new one."""
    out: list[list[float]] = []
    for m in mids:
        if out and m - out[-1][-1] <= 1.5 * EIGHT_MM:
            out[-1].append(m)
        else:
            out.append([m])
    return out


@pytest.mark.libreoffice
def test_printed_answer_cells_are_8_mm_high(tmp_path: Path) -> None:
    from conftest import require_libreoffice
    from test_print import _require_poppler_and_carlito

    require_libreoffice()
    _require_poppler_and_carlito()
    xlsx, pdf = tmp_path / "ex.xlsx", tmp_path / "ex.pdf"
    assert _run("template", "-o", xlsx, "--pdf", pdf) == 0
    pages = read_pages(pdf)
    steps = [p for p in pages if p.sheet == "Steps"]
    # the handout stacks the bands down the page (output/handout.py): each stripe repeats the
    # epoch/step/sample columns (3 × 54 px at 60 % = 73 pt, from the 0.4 in margin) with the
    # course's three steps, one tall row each; a stripe's header rows and the blank row after
    # it part two stripes by more than 1.5 rows
    stripes = [s for p in steps for s in _stripes(_mids(p, 28.8 + 80))]
    assert len(stripes) == 7, stripes  # the course's bands, as the rows layout cuts them
    for rows in stripes:
        assert len(rows) == 3, rows  # one row per step
        pitches = [b - a for a, b in zip(rows, rows[1:], strict=False)]
        assert all(p >= EIGHT_MM - 0.2 for p in pitches), pitches
    # the name and number cells: between the two labels lie the label row and the entry row
    ex = next(p for p in pages if p.sheet == "Exercise")
    labels = [w for w in ex.body if w.text == "(type"]
    assert len(labels) == 2
    wb = openpyxl.load_workbook(xlsx)
    ref = wb.defined_names["student"].attr_text
    entry_row = int(ref.rsplit("$", 1)[1])
    label_pt = wb["Exercise"].row_dimensions[entry_row - 1].height
    between = labels[1].y0 - labels[0].y0
    assert between - label_pt >= EIGHT_MM - 0.2, (between, label_pt)


@pytest.mark.libreoffice
def test_graded_copy_first_sheet_prints_within_the_page_width(tmp_path: Path) -> None:
    """A graded copy with long reasons (a wrong first cell, its formula with numbers): its first
    sheet prints on pages that each start at the left margin (no page holds only the right part
    of the sheet), no word past the right margin, all A4 portrait."""
    from conftest import require_libreoffice
    from lo import convert
    from test_print import _require_poppler_and_carlito

    require_libreoffice()
    _require_poppler_and_carlito()
    ex = tmp_path / "ex.xlsx"
    assert _run("template", "--lang", "id", "-o", ex) == 0
    wb = openpyxl.load_workbook(ex)
    ws = wb["Langkah"]
    typed = 0
    for c in ws[3]:
        if c.value is None and c.protection.locked is False and typed < 8:
            c.value = 0.5767
            typed += 1
    wb.save(ex)
    graded = tmp_path / "graded.xlsx"
    _run("check", ex, "-o", graded)
    assert graded.is_file()
    g = openpyxl.load_workbook(graded).worksheets[0]
    assert g.title == "Nilai"
    ps = g.page_setup
    assert g.sheet_properties.pageSetUpPr.fitToPage
    wide = 1 if ps.fitToWidth is None else int(ps.fitToWidth)  # absent: 1, the schema's default
    assert (int(ps.paperSize), ps.orientation, wide, int(ps.fitToHeight)) == (
        9,
        "portrait",
        1,
        0,
    )
    pdf = convert(graded, tmp_path / "pdf", "pdf")
    pages = [p for p in read_pages(pdf) if p.sheet == "Nilai"]
    assert pages
    for p in pages:
        assert p.width < p.height  # portrait
        assert min(w.x0 for w in p.body) < 0.4 * 72 + 20, p.number  # starts at the left margin
        assert max(w.x1 for w in p.body) <= p.width - 0.4 * 72 + 1, p.number
    words = " ".join(p.text() for p in pages)
    assert "Langkah!W3" in words and "Belum benar" in words


def test_rows_per_page_counts_the_tall_answer_rows() -> None:
    from nnsheet.output.printing import rows_per_page

    # A4 landscape: 595.28 − 2 × 0.7 in = 494.48 pt high; at 60 % with 4 % spare that is
    # 494.48 × 4/3 / 0.6 × 0.96 = 1054.9 px of the sheet; less the two 20-px header rows:
    # 50 rows of 20 px, or 19 answer rows of 39 pt (52 px)
    assert rows_per_page() == 50
    assert rows_per_page(row_pt=39.0) == 19


def test_a_handout_too_long_with_tall_rows_is_refused(tmp_path: Path, capsys) -> None:
    """The course exercise over 3000 epochs: 9000 rows, 7 pages across; 474 blocks of 19 rows
    down = 3318 pages, more than 2000 (with rows of 15 pt it would have looked like 1260). The
    advice: (2000 // 7) × 19 // 3 = 1805 epochs."""
    out, pdf = tmp_path / "ex.xlsx", tmp_path / "ex.pdf"
    assert _run("template", "--epochs", "3000", "-o", out, "--pdf", pdf) == 2
    err = capsys.readouterr().err
    assert "7 across × 474 down" in err and "use --epochs 1805 or fewer" in err, err
    assert not out.exists() and not pdf.exists()
