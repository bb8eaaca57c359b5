"""The grader under files LibreOffice itself edited and saved (issue 15): answer cells merged
(Format > Merge Cells) and a step's row deleted, through its UNO bridge (tests/uno_edit.py),
saved as .xlsx and .ods. Expected values come from the engine's trace table."""

from __future__ import annotations

import csv
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from submissions import require_uno, uno_edit

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec
from nnsheet.output.workbook import make_layout

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """The course exercise with every answer typed at 6 decimals (openpyxl)."""
    require_uno()
    d = tmp_path_factory.mktemp("lo")
    tmpl = d / "exercise.xlsx"
    assert main(["template", "-o", str(tmpl)]) == 0
    spec = load_spec(example_path("course"), {"epochs": 1})
    table = run(spec).table(make_layout(spec))
    rows = table[
        table["sheet"].isin(["Steps", "Epochs"])
        & ~table["quantity"].isin(["x", "t", "w", "b", "lr"])
    ]
    wb = openpyxl.load_workbook(tmpl)
    for r in rows.to_dict("records"):
        wb[r["sheet"]][r["cell"]] = round(float(r["value"]), 6)
    wb.save(d / "filled.xlsx")
    return d / "filled.xlsx"


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_cells_merged_in_libreoffice_grade_the_top_left_and_the_class_goes_on(
    filled: Path, tmp_path: Path, capsys, suffix: str
) -> None:
    sub = tmp_path / "class"
    sub.mkdir()
    a = uno_edit(filled, sub / f"a{suffix}", [{"op": "unprotect", "sheet": "Steps"}])
    b = uno_edit(filled, sub / f"b{suffix}", [{"op": "merge", "sheet": "Steps", "range": "W3:X3"}])
    c = uno_edit(filled, sub / f"c{suffix}", [{"op": "unprotect", "sheet": "Steps"}])
    out, rep, gb = tmp_path / "out", tmp_path / "r.csv", tmp_path / "g.csv"
    rc = main(["check", str(sub), "-o", str(out), "--report", str(rep), "--gradebook", str(gb)])
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err and "nnsheet: error" not in err, err
    rows = {r["file"]: r for r in _csv(gb)}
    assert [rows[str(f)]["status"] for f in (a, b, c)] == ["graded"] * 3
    assert rows[str(a)]["missing"] == rows[str(c)]["missing"] == "0"
    assert rows[str(b)]["missing"] == "1" and rows[str(b)]["wrong"] == "0"
    by = {(r["file"], r["cell"]): r["verdict"] for r in _csv(rep)}
    assert by[(str(b), "W3")] == "correct" and by[(str(b), "X3")] == "missing"
    copy = openpyxl.load_workbook(out / "b.xlsx")["Steps"]
    assert "merged into W3" in copy["X3"].comment.text
    assert (out / "c.xlsx").is_file()


def test_a_row_deleted_in_libreoffice_is_missing_and_read_cheaply(
    filled: Path, tmp_path: Path, capsys
) -> None:
    f = uno_edit(
        filled,
        tmp_path / "deleted.xlsx",
        [{"op": "delete_rows", "sheet": "Steps", "at": 3, "count": 1}],
    )
    with zipfile.ZipFile(f) as zf:  # LibreOffice declares the whole height of the sheet
        assert '<dimension ref="A1:CJ1048576"/>' in zf.read("xl/worksheets/sheet3.xml").decode()
    rep = tmp_path / "r.csv"
    capsys.readouterr()
    tracemalloc.start()
    t0 = time.perf_counter()
    assert main(["check", str(f), "--report", str(rep), "-o", str(tmp_path / "g.xlsx")]) == 1
    took, peak = time.perf_counter() - t0, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert took < 10 and peak < 200 * 2**20, (took, peak)
    out = capsys.readouterr().out
    assert (
        "rows not found in your table (deleted?), their answers missing: Steps: "
        "step 2, sample 2" in out
    )
    assert "WRONG" not in out.upper().replace("0 WRONG", "")
    verdicts: dict[str, set[str]] = {}
    for r in _csv(rep):
        if r["sheet"] == "Steps":
            verdicts.setdefault(r["step"], set()).add(r["verdict"])
    assert verdicts == {"1": {"correct"}, "2": {"missing"}, "3": {"correct"}}


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_numbers_typed_into_date_formatted_cells_and_saved_by_libreoffice(
    filled: Path, tmp_path: Path, suffix: str
) -> None:
    """A cell that once got an entry auto-converted to a date keeps the date format; the
    learner then types the right number into it (0.36 shows as 08:38:24)."""
    f = uno_edit(
        filled,
        tmp_path / f"dated{suffix}",
        [
            {"op": "number_format", "sheet": "Steps", "cells": ["W3"], "format": "HH:MM:SS"},
            {"op": "number_format", "sheet": "Steps", "cells": ["X3"], "format": "DD/MM/YYYY"},
            {"op": "value", "sheet": "Steps", "cells": {"W3": 0.36, "X3": 0.97}},
        ],
    )
    rep, out = tmp_path / "r.csv", tmp_path / "g.xlsx"
    assert main(["check", str(f), "--report", str(rep), "-o", str(out)]) == 0
    given = {r["cell"]: (r["verdict"], r["given"]) for r in _csv(rep)}
    assert given["W3"] == ("correct", "0.36") and given["X3"] == ("correct", "0.97")
    assert "date or time format" in openpyxl.load_workbook(out)["Steps"]["W3"].comment.text
