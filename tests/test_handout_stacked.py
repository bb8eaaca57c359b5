"""A handout's Steps sheet with its bands stacked down the page (issue 26 item 4, rows layout):
the PDF of a one-pattern exercise prints Steps on at most 3 pages and the whole handout on at
most 7 (before: course 7 and 12; fausett, siang-xor, xor 5 and 10), from a copy of the workbook
whose Steps cells are placed in stripes (output/handout.py); the learner's workbook is unchanged.

Expected numbers are the course spec's givens (src/nnsheet/examples/course.toml, by hand) and
page counts measured with LibreOffice and poppler.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pdfcheck import read_pages

from nnsheet.cli import main
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec, loads_spec
from nnsheet.exercise.template import ExerciseOptions, exercise_spec, write_exercise
from nnsheet.output import handout, printing
from nnsheet.output.workbook import make_layout

ANSWER_PT = printing.answer_row_height(printing.STEPS_SCALE)
TINY = """
title = "one neuron"
inputs = 1
[[layer]]
size = 1
activation = "linear"
weights = [[0.5]]
biases = [0.1]
[training]
learning_rate = 0.1
[data]
inputs = [[1.0]]
targets = [[2.0]]
"""


def _exercise_spec(name: str, **overrides):
    return exercise_spec(load_spec(example_path(name), overrides or None), bool(overrides))


def _stacked(tmp_path: Path, name: str = "course", steps: int | None = 1):
    spec = _exercise_spec(name)
    rows_xlsx, stacked_xlsx = tmp_path / "rows.xlsx", tmp_path / "stacked.xlsx"
    write_exercise(spec, rows_xlsx, ExerciseOptions(steps=steps))
    layout, _ = write_exercise(spec, stacked_xlsx, ExerciseOptions(steps=steps), stacked=True)
    return layout, rows_xlsx, stacked_xlsx


def test_stacking_is_used_only_where_it_helps() -> None:
    course = make_layout(_exercise_spec("course"))
    assert len(handout.stripe_starts(course)) == 7  # the course's 7 landscape pages across
    assert handout.stacks(course, ANSWER_PT)
    # 20 epochs: 60 rows, a stripe taller than half a page: printed as the workbook is
    assert not handout.stacks(make_layout(_exercise_spec("course", epochs=20)), ANSWER_PT)
    # one linear neuron with one input: 17 values after the step columns, one page across
    tiny = loads_spec(TINY, "tiny.toml")
    assert handout.stripe_starts(make_layout(tiny)) == [3]
    assert not handout.stacks(make_layout(tiny), ANSWER_PT)


def test_the_stacked_copy_holds_every_cell_of_the_rows_layout(tmp_path: Path) -> None:
    layout, rows_xlsx, stacked_xlsx = _stacked(tmp_path)
    rows = openpyxl.load_workbook(rows_xlsx, data_only=True)["Steps"]
    stacked = openpyxl.load_workbook(stacked_xlsx)["Steps"]
    starts = handout.stripe_starts(layout)
    ends = [*starts[1:], layout.n_cols]
    stride = 3 + handout.GAP_ROWS  # two header rows and the one step the exercise writes
    assert stacked.max_row == len(starts) * stride - handout.GAP_ROWS
    for k, (c0, c1) in enumerate(zip(starts, ends, strict=True)):
        top = k * stride + 1  # 1-based row of the stripe's band names
        # the repeated epoch/step/sample columns: header and the step's 1, 1, 1
        assert [stacked.cell(top + 1, c).value for c in (1, 2, 3)] == ["epoch", "step", "sample"]
        assert [stacked.cell(top + 2, c).value for c in (1, 2, 3)] == [1, 1, 1]
        for c in range(c0, c1):
            want_symbol = rows.cell(2, c + 1).value
            got = stacked.cell(top + 1, c - c0 + 4)
            assert got.value == want_symbol, (k, c)
            # the step's cell: the workbook's value (givens), blank where the learner writes
            value = stacked.cell(top + 2, c - c0 + 4).value
            shown = rows.cell(3, c + 1).value
            assert value == (None if shown in (None, "") else shown), (k, c, value, shown)
        assert stacked.row_dimensions[top + 2].height >= ANSWER_PT  # 8 mm on paper at 60 %
    # the course's givens by hand: x = 1, 0.5, 0.2; t = 0, 1 in stripe 1; w1 in stripe 2
    assert [stacked.cell(3, c).value for c in range(4, 9)] == [1, 0.5, 0.2, 0, 1]
    assert [stacked.cell(stride + 3, c).value for c in range(4, 10)] == [
        0.1,
        0.2,
        0.3,
        0.4,
        0.5,
        0.6,
    ]
    # values, never formulas whose references would point elsewhere once moved
    assert not any(
        isinstance(c.value, str) and c.value.startswith("=")
        for row in stacked.iter_rows()
        for c in row
    )
    ps = stacked.page_setup
    assert (ps.orientation, int(ps.scale)) == ("landscape", printing.STEPS_SCALE)
    assert stacked.print_title_rows is None and stacked.print_title_cols is None


def test_the_chart_of_a_one_epoch_exercise_reads_the_moved_loss_column(tmp_path: Path) -> None:
    _, _, stacked_xlsx = _stacked(tmp_path)
    with zipfile.ZipFile(stacked_xlsx) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    refs = re.findall(r"<c:f>Steps!\$([A-Z]+)\$(\d+)(?::\$[A-Z]+\$\d+)?</c:f>", chart)
    assert len(refs) == 2, refs
    (label_col, label_row), (loss_col, loss_row) = refs
    ws = openpyxl.load_workbook(stacked_xlsx)["Steps"]
    assert label_row == loss_row
    header = int(loss_row) - 1  # the stripe's symbol row, above its one step
    assert ws[f"{loss_col}{header}"].value == "MSE"
    assert ws[f"{label_col}{header}"].value == "step"


def test_the_learners_workbook_is_the_same_with_or_without_pdf(tmp_path: Path) -> None:
    """--pdf prints a stacked copy; the exercise file itself is byte for byte the one written
    without --pdf (LibreOffice is not needed to write it; the PDF is then left out)."""
    from conftest import require_libreoffice

    require_libreoffice()
    plain, with_pdf, pdf = tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "b.pdf"
    assert main(["template", "course", "--steps", "1", "-o", str(plain)]) == 0
    assert main(["template", "course", "--steps", "1", "-o", str(with_pdf), "--pdf", str(pdf)]) == 0
    assert plain.read_bytes() == with_pdf.read_bytes()
    assert pdf.is_file()


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    ("example", "lang"),
    [("course", "en"), ("course", "id"), ("fausett", "en"), ("siang-xor", "id"), ("xor", "en")],
)
def test_a_one_pattern_handout_prints_on_few_pages(tmp_path: Path, example: str, lang: str) -> None:
    from conftest import require_libreoffice
    from test_print import _require_poppler_and_carlito

    require_libreoffice()
    _require_poppler_and_carlito()
    xlsx, pdf = tmp_path / "ex.xlsx", tmp_path / "ex.pdf"
    argv = ["template", example, "--steps", "1", "--lang", lang, "-o", str(xlsx)]
    assert main([*argv, "--pdf", str(pdf)]) == 0
    pages = read_pages(pdf)
    steps_name = "Steps" if lang == "en" else "Langkah"
    steps = [p for p in pages if p.sheet == steps_name]
    assert 1 <= len(steps) <= 3, [p.sheet for p in pages]
    assert len(pages) <= 7, [p.sheet for p in pages]
    for p in steps:  # landscape A4, nothing past the right margin
        assert p.width > p.height
        assert max(w.x1 for w in p.body) <= p.width - 0.4 * 72 + 1
    # every symbol of the rows layout's header is printed (no cell lost in the stacking)
    printed = {w.text for p in steps for w in p.body}
    ws = openpyxl.load_workbook(xlsx)[steps_name]
    symbols = [c.value for c in ws[2] if isinstance(c.value, str)]
    missing = [s for s in symbols if not set(s.split()) <= printed]
    assert not missing, missing


@pytest.mark.libreoffice
def test_a_short_trace_prints_stacked_and_a_long_one_as_before(tmp_path: Path) -> None:
    """The course's one-epoch trace: Steps on 1 page instead of 7 (measured before: 11 pages in
    all, now 5), every step's row printed with its numbers (x1 = 1, 0.2, 0.5 on steps 1-3);
    20 epochs (60 rows) do not stack: 7 across × 2 down, as before."""
    from conftest import require_libreoffice
    from test_print import _require_poppler_and_carlito

    require_libreoffice()
    _require_poppler_and_carlito()
    xlsx, pdf = tmp_path / "t.xlsx", tmp_path / "t.pdf"
    assert main(["trace", "course", "-o", str(xlsx), "--pdf", str(pdf)]) == 0
    pages = read_pages(pdf)
    steps = [p for p in pages if p.sheet == "Steps"]
    assert len(steps) == 1 and len(pages) == 5, [p.sheet for p in pages]
    lines = steps[0].lines()
    assert lines[0].startswith("step inputs and targets"), lines[0]
    data = [ln for ln in lines if re.match(r"1 [123] [123] \d", ln)]
    assert [ln.split()[3] for ln in data[:3]] == ["1.000000", "0.200000", "0.500000"], data
    long_xlsx, long_pdf = tmp_path / "l.xlsx", tmp_path / "l.pdf"
    assert (
        main(["trace", "course", "--epochs", "20", "-o", str(long_xlsx), "--pdf", str(long_pdf)])
        == 0
    )
    assert len([p for p in read_pages(long_pdf) if p.sheet == "Steps"]) == 14
