"""``--layout columns`` in LibreOffice (issue 26 item 4): recalculated, the trace equals the
engine to 1e-9 in every example and notation, in both languages; an exercise filled and moved
about through LibreOffice's UNO bridge is graded; a one-pattern exercise's Steps sheet prints on
at most two portrait A4 pages (three for the
course's larger network, whose answer rows stay 8 mm high on paper)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from pdfcheck import is_a4, read_pages
from submissions import require_uno, rounded_course, row_key, uno_edit
from test_print import _require_poppler_and_carlito
from test_workbook import CASES
from test_workbook_lo import PLANTED, _compare, plant, recalc_many

import nnsheet
from nnsheet.cli import main
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec
from nnsheet.output.workbook import make_layout, write_trace_workbook
from nnsheet.words.notation import sheet_names

pytestmark = pytest.mark.libreoffice

#: cases also written in Indonesian (the book's notations among them)
INDONESIAN = ("course", "fausett", "siang-xor", "batch")


@pytest.fixture(scope="module")
def lo_columns(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from conftest import require_libreoffice

    require_libreoffice()
    src = tmp_path_factory.mktemp("src")
    built: dict[str, tuple] = {}
    for name in CASES:
        for lang in ("en", "id") if name in INDONESIAN else ("en",):
            spec = CASES[name]()
            trace = nnsheet.run(spec)
            layout = make_layout(spec, lang, layout="columns")
            path = src / f"{name}-{lang}.xlsx"
            write_trace_workbook(trace, path, layout)
            built[f"{name}-{lang}"] = (trace.table(layout), path, lang)
    # a wrong cached value planted in O1 of step 1: LibreOffice must really recalculate
    table, path, _ = built["course-en"]
    o1 = table[(table["quantity"] == "a") & (table["layer"] == 1) & (table["j"] == 1)]
    cell = o1[o1["step"] == 1]["cell"].item()
    planted = src / "planted.xlsx"
    plant(path, planted, {"Steps": [cell]})
    assert openpyxl.load_workbook(planted, data_only=True)["Steps"][cell].value == PLANTED
    out = tmp_path_factory.mktemp("out")
    recalc_many([p for _, p, _ in built.values()] + [planted], out)
    return {"built": built, "out": out, "planted": (planted, cell)}


@pytest.mark.parametrize(
    "case",
    [f"{n}-{lang}" for n in CASES for lang in (("en", "id") if n in INDONESIAN else ("en",))],
)
def test_libreoffice_recalculates_the_columns_layout_to_the_engines_values(
    lo_columns: dict, case: str
) -> None:
    table, path, lang = lo_columns["built"][case]
    names = sheet_names(lang)
    wv = openpyxl.load_workbook(lo_columns["out"] / path.name, data_only=True)
    n = _compare(table, wv, (names.setup, names.steps, names.epochs))
    assert n == len(table)
    for row in wv[names.steps].iter_rows():
        for c in row:
            assert not (isinstance(c.value, str) and c.value.startswith("#")), c.coordinate


def test_the_planted_value_is_recalculated(lo_columns: dict) -> None:
    planted, cell = lo_columns["planted"]
    table = lo_columns["built"]["course-en"][0]
    wv = openpyxl.load_workbook(lo_columns["out"] / planted.name, data_only=True)
    assert wv["Steps"][cell].value != PLANTED
    _compare(table, wv, ("Steps", "Epochs"))


# ----------------------------------------------------------------------------- UNO submissions
def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_columns_exercise_filled_in_libreoffice_is_graded(tmp_path: Path, capsys, fmt: str):
    """Typed in LibreOffice (the learner's own rounded numbers, tests/submissions.py), with a
    scratch row inserted inside the table, notes above it and a scratch column between the
    steps, saved as .xlsx or .ods: every answer found by its row label and step, all correct;
    the same with O1 of step 1 wrong: that cell wrong, the cells after it carried."""
    require_uno()
    spec = load_spec(example_path("course"), {"epochs": 1})
    lay = make_layout(spec, layout="columns")
    table = nnsheet.run(spec).table(lay)
    rows = table[
        table["sheet"].isin(["Steps", "Epochs"])
        & ~table["quantity"].isin(["x", "t", "w", "b", "lr"])
    ].to_dict("records")
    tmpl = tmp_path / "exercise.xlsx"
    assert main(["template", "--layout", "columns", "-o", str(tmpl)]) == 0
    net_row = next(c.row for c in lay.steps_header_cells() if c.col == 1 and c.value == "net O1")
    results = {}
    for name, values in (("ana", rounded_course(4)), ("budi", rounded_course(4, slip=0.6))):
        cells: dict[str, dict[str, float]] = {}
        for r in rows:
            cells.setdefault(r["sheet"], {})[r["cell"]] = values[row_key(r)]
        ops = [
            *({"op": "value", "sheet": s, "cells": c} for s, c in cells.items()),
            {"op": "insert_rows", "sheet": "Steps", "at": net_row, "count": 1},
            {"op": "text", "sheet": "Steps", "cells": {f"B{net_row + 1}": "scratch"}},
            {"op": "insert_columns", "sheet": "Steps", "at": 4, "count": 1},
            {"op": "value", "sheet": "Steps", "cells": {f"E{net_row + 1}": 42.0}},
            {"op": "insert_rows", "sheet": "Steps", "at": 0, "count": 2},
            {"op": "text", "sheet": "Steps", "cells": {"A1": "my notes", "D2": "step one"}},
        ]
        sub = uno_edit(tmpl, tmp_path / f"{name}.{fmt}", ops)
        report = tmp_path / f"{name}.csv"
        capsys.readouterr()
        rc = main(["check", str(sub), "--report", str(report)])
        results[name] = (rc, capsys.readouterr().out, _csv(report))
    rc, out, report = results["ana"]
    assert rc == 0, out
    assert "197 correct, 0 carried, 0 wrong, 0 missing" in out
    assert f"Steps: 1 extra column (E) and 3 extra rows (1, 2, {net_row + 3})" in out
    by = {(r["label"], r["step"]): r["cell"] for r in report}
    assert by[("net O1", "1")] == f"D{net_row + 4}"  # two rows above, the scratch row
    assert by[("net O1", "2")] == f"F{net_row + 4}"  # the scratch column before step 2
    rc, out, report = results["budi"]
    assert rc == 1
    verdicts = {(r["label"], r["step"]): r["verdict"] for r in report}
    assert verdicts[("O1", "1")] == "wrong"
    assert verdicts[("net y'1", "1")] == "carried"
    assert sum(v == "carried" for v in verdicts.values()) > 20
    assert sum(v == "wrong" for v in verdicts.values()) == 1


# ----------------------------------------------------------------------------- printing
def _printed_answer_row_mm(xlsx: Path, steps: str) -> float:
    """The smallest printed height (mm) of the Steps rows that hold answer cells: the row's
    height in the sheet times the sheet's print scale."""
    import openpyxl

    ws = openpyxl.load_workbook(xlsx)[steps]
    scale = (ws.page_setup.scale or 100) / 100
    tall = [d.height for r, d in ws.row_dimensions.items() if d.height and d.height > 20]
    assert tall, "no answer rows were made taller"
    return min(tall) * scale * 25.4 / 72


@pytest.mark.parametrize(
    ("lang", "example", "pages"),
    [("en", "course", 3), ("id", "course", 3), ("en", "xor", 2), ("id", "siang-xor", 2)],
)
def test_one_pattern_columns_exercise_steps_print_on_few_portrait_pages(
    tmp_path: Path, lang: str, example: str, pages: int
) -> None:
    """A textbook-sized network (2-2-1, 2-3-1) prints its one-step worked solution on two
    portrait pages; the course's 3-2-2 network, whose 65 answer rows cannot be 8 mm high on
    two pages (65 × 8 mm = 520 mm of the 522 mm two pages hold), on three."""
    from conftest import require_libreoffice

    require_libreoffice()
    _require_poppler_and_carlito()
    xlsx, pdf = tmp_path / "ex.xlsx", tmp_path / "ex.pdf"
    args = ["template", example, "--layout", "columns", "--steps", "1", "--lang", lang]
    assert main([*args, "-o", str(xlsx), "--pdf", str(pdf)]) == 0
    assert _printed_answer_row_mm(xlsx, sheet_names(lang).steps) >= 8.0
    names = sheet_names(lang)
    steps = [p for p in read_pages(pdf) if p.sheet == names.steps]
    assert 1 <= len(steps) <= pages
    for p in steps:
        assert is_a4(p) and p.width < p.height  # portrait
        lines = p.lines()
        # the step rows and the symbol column repeat on every page
        assert lines[0].startswith("epoch") or "epoch" in lines[0], lines[:3]
    text = " ".join(p.text() for p in steps)
    # the text stays readable: no word under 5.5 pt high
    assert min(w.height for p in steps for w in p.body) >= 5.5
    if example != "course":
        return
    for symbol in ("x1", "net", "O1", "δO1", "Δw1,1", "bo2"):
        assert symbol in text, symbol
    # a two-step exercise takes no more pages (a step is a column, not a page)
    xlsx2, pdf2 = tmp_path / "ex2.xlsx", tmp_path / "ex2.pdf"
    args = ["template", "--layout", "columns", "--steps", "2", "--lang", lang]
    assert main([*args, "-o", str(xlsx2), "--pdf", str(pdf2)]) == 0
    assert len([p for p in read_pages(pdf2) if p.sheet == names.steps]) <= pages
    assert _printed_answer_row_mm(xlsx2, names.steps) >= 8.0
