"""A template written by nnsheet, filled, then saved by a real spreadsheet (headless LibreOffice),
is read and graded correctly (issue 4)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest
from lo import XLSX_FILTER, convert

from nnsheet import grading as grader
from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec
from nnsheet.output.workbook import make_layout

pytestmark = pytest.mark.libreoffice


def _answers():
    spec = load_spec(example_path("course"), {"epochs": 1})
    table = run(spec).table(make_layout(spec))
    rows = table[
        table["sheet"].isin(["Steps", "Epochs"])
        & ~table["quantity"].isin(["x", "t", "w", "b", "lr"])
    ]
    return rows.to_dict("records")


def test_filled_and_saved_by_libreoffice_is_graded(tmp_path: Path, capsys) -> None:
    tmpl = tmp_path / "exercise.xlsx"
    assert main(["template", "-o", str(tmpl)]) == 0
    rows = _answers()
    wb = openpyxl.load_workbook(tmpl)
    for r in rows:
        wb[r["sheet"]][r["cell"]] = round(float(r["value"]), 5)
    # one answer typed as text the way a learner in an Indonesian locale might
    o1 = next(r for r in rows if r["label"] == "O1")
    wb["Steps"][o1["cell"]] = f"{float(o1['value']):.4f}".replace(".", ",")
    filled = tmp_path / "filled" / "learner.xlsx"
    filled.parent.mkdir()
    wb.save(filled)
    saved = convert(filled, tmp_path / "saved", XLSX_FILTER)
    digest = hashlib.sha256(saved.read_bytes()).hexdigest()

    # LibreOffice recomputed the weights in use from the learner's new weights
    v = openpyxl.load_workbook(saved, data_only=True)["Steps"]
    w_new_1 = next(r for r in rows if r["quantity"] == "w_new" and r["step"] == 1)
    lay = make_layout(load_spec(example_path("course"), {"epochs": 1}))
    w_in_use_2 = f"{lay.ref('w', 1, 0, 0)}4"
    assert v[w_in_use_2].value == pytest.approx(round(float(w_new_1["value"]), 5), abs=1e-12)

    capsys.readouterr()
    out = tmp_path / "graded.xlsx"
    rc = main(["check", str(saved), "-o", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert f"{len(rows)} correct" in printed
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == digest

    # a slip saved by LibreOffice: wrong, and the learner's formula results are read
    wb = openpyxl.load_workbook(tmpl)
    for r in rows:
        wb[r["sheet"]][r["cell"]] = float(r["value"])
    y1 = next(r for r in rows if r["label"] == "y'1")
    e1 = next(r for r in rows if r["label"] == "e1" and r["step"] == 1)
    wb["Steps"][y1["cell"]] = 0.9
    t1 = f"{lay.ref('t', 2, 0)}3"
    wb["Steps"][e1["cell"]] = f"={t1}-{y1['cell']}"  # the learner's own formula, carried
    slip = tmp_path / "filled" / "slip.xlsx"
    wb.save(slip)
    saved2 = convert(slip, tmp_path / "saved2", XLSX_FILTER)
    res = grader.grade_file(saved2, grader.Record()).result
    by = {m.row.cell: m for m in res.marks}
    assert by[y1["cell"]].verdict == "wrong"
    assert by[e1["cell"]].verdict == "carried"
    assert by[e1["cell"]].given.value == pytest.approx(-0.9)
