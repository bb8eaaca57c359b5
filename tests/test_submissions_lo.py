"""Submissions edited and saved by LibreOffice itself (issue 10): a scratch column and rows
inserted through the UNO bridge, saved as .ods and as .xlsx, filled at 4 decimals computed step
by step from rounded values (tests/submissions.py, an independent loop)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from submissions import require_uno, rnd, rounded_course, row_key, uno_edit

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec
from nnsheet.output.workbook import make_layout

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def course():
    """The answer cells' addresses (the layout map's: where, never what) and exact values."""
    require_uno()
    spec = load_spec(example_path("course"), {"epochs": 1})
    lay = make_layout(spec)
    table = run(spec).table(lay)
    rows = table[
        table["sheet"].isin(["Steps", "Epochs"])
        & ~table["quantity"].isin(["x", "t", "w", "b", "lr"])
    ].to_dict("records")
    return lay, rows


def _value_ops(rows: list[dict], values: dict[tuple, float]) -> list[dict]:
    ops: dict[str, dict[str, float]] = {}
    for r in rows:
        ops.setdefault(r["sheet"], {})[r["cell"]] = values[row_key(r)]
    return [{"op": "value", "sheet": s, "cells": c} for s, c in ops.items()]


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_rounding_learner_with_scratch_column_saved_as_ods_gets_every_cell_correct(
    course, tmp_path: Path, capsys
) -> None:
    lay, rows = course
    tmpl = tmp_path / "exercise.xlsx"
    assert main(["template", "-o", str(tmpl)]) == 0
    values = rounded_course(4)
    assert len(values) == len(rows) == 197
    # rounding every step really drifts: many values are off the exact ones by more than the
    # 4-decimal tolerance (before issue 10 these were "carried")
    drifted = [r for r in rows if abs(values[row_key(r)] - float(r["value"])) > 0.5e-4]
    assert len(drifted) >= 10
    z1 = lay.col("z", 1, 0)  # the scratch column goes in front of the forward pass
    ops = [
        *_value_ops(rows, values),
        {"op": "insert_columns", "sheet": "Steps", "at": z1, "count": 1},
        {"op": "value", "sheet": "Steps", "cells": {f"{_col(z1)}3": 123.0, f"{_col(z1)}4": -7.5}},
        {"op": "insert_rows", "sheet": "Steps", "at": 3, "count": 1},  # between samples 1, 2
        {
            "op": "text",
            "sheet": "Steps",
            "cells": {
                f"{_col(z1)}2": "scratch",
                "C4": "note",
                f"{_col(lay.n_cols + 3)}3": "my notes",
            },
        },
        {"op": "text", "sheet": "Exercise", "cells": {"A4": "Ana Putri", "A6": "2310001"}},
    ]
    (tmp_path / "in").mkdir()
    ods = uno_edit(tmpl, tmp_path / "in" / "ana.ods", ops)
    assert ods.read_bytes()[:2] == b"PK"
    gb, rep, graded = tmp_path / "gb.csv", tmp_path / "rep.csv", tmp_path / "graded" / "new"
    capsys.readouterr()
    rc = main(["check", str(ods), "--gradebook", str(gb), "--report", str(rep), "-o", str(graded)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "197 correct, 0 carried, 0 wrong, 0 missing" in out
    assert (
        f"layout shifted, answers found by their headers: Steps: 1 extra column "
        f"({_col(z1)}) and 1 extra row (4)"
    ) in out
    assert f"{len(drifted)} correct value(s) differ from the exact ones only by rounding" in out
    report = _csv(rep)
    assert {r["verdict"] for r in report} == {"correct"}
    # the report names the learner's own cells: one column right of the layout's from the
    # forward pass on, one row down from sample 2 on
    by = {(r["label"], r["step"], r["sample"]): r["cell"] for r in report}
    assert by[("O1", "1", "1")] == f"{_col(z1 + 3)}3"  # net O1, net O2 and the scratch before
    assert by[("O1", "2", "2")] == f"{_col(z1 + 3)}5"
    (book,) = _csv(gb)
    assert book == {
        "file": str(ods),
        "student": "Ana Putri",
        "student_id": "2310001",
        "status": "graded",
        "score": "100.0",
        "correct": "197",
        "carried": "0",
        "carried_trivial": "0",
        "wrong": "0",
        "missing": "0",
        "answer_cells": "197",
        "first_wrong": "",
        "flags": "",
        "message": book["message"],
        "forward": "100.0",
        "errors": "100.0",
        "backward": "100.0",
        "updates": "100.0",
        "mistakes": "",
    }
    assert book["message"].startswith("layout shifted")
    # the graded copy of an .ods is an .xlsx rebuilt from the exercise's layout (issue 22): the
    # learner's values at the layout's cells (the moved table put back), their scratch left out
    copy = openpyxl.load_workbook(graded / "ana.xlsx")
    layout_cell = {row_key(r): r["cell"] for r in rows if r["sheet"] == "Steps"}
    o1 = layout_cell[("a", 1, 1, 1, None)]
    assert o1 == f"{_col(z1 + 2)}3"  # one column left of where the learner had it
    assert copy["Steps"][o1].value == pytest.approx(values[("a", 1, 1, 1, None)])
    assert 123.0 not in {c.value for row in copy["Steps"].iter_rows() for c in row}
    drift = next(r for r in drifted if r["sheet"] == "Steps")
    assert "rounding, not a mistake" in copy["Steps"][drift["cell"]].comment.text


def _col(c: int) -> str:
    from nnsheet.sheet.layout import col_name

    return col_name(c)


def test_slip_carried_rows_moved_saved_as_xlsx_and_an_ambiguous_header_refused(
    course, tmp_path: Path, capsys
) -> None:
    lay, rows = course
    tmpl = tmp_path / "exercise.xlsx"
    assert main(["template", "-o", str(tmpl)]) == 0
    slip = 0.6  # O1 of step 1 (exact 0.5914…)
    values = rounded_course(4, slip=slip)
    sub = tmp_path / "class"
    sub.mkdir()
    wb_end = lay.band_ranges[2][2] + 1  # just after the weights in use
    budi = uno_edit(
        tmpl,
        sub / "budi.xlsx",
        [
            *_value_ops(rows, values),
            {"op": "insert_rows", "sheet": "Steps", "at": 0, "count": 2},
            {"op": "delete_rows", "sheet": "Steps", "at": 0, "count": 1},  # one row above the table
            {"op": "insert_columns", "sheet": "Steps", "at": wb_end, "count": 2},
            {"op": "text", "sheet": "Steps", "cells": {"A1": "Budi's homework"}},
            {"op": "text", "sheet": "Exercise", "cells": {"A6": "=1+1"}},
        ],
    )
    # a learner who typed a header's symbol over a scratch column: cannot tell which is O1
    a1 = lay.col("a", 1, 0)
    citra = uno_edit(
        tmpl,
        sub / "citra.ods",
        [
            *_value_ops(rows, values),
            {"op": "insert_columns", "sheet": "Steps", "at": a1, "count": 1},
            {"op": "text", "sheet": "Steps", "cells": {f"{_col(a1)}2": "O1"}},
        ],
    )
    gb = tmp_path / "gb.csv"
    capsys.readouterr()
    rc = main(["check", str(sub), "--gradebook", str(gb), "--report", str(tmp_path / "r.csv")])
    cap = capsys.readouterr()
    assert rc == 2
    err = [ln for ln in cap.err.splitlines() if ln.startswith("nnsheet: error")]
    assert err == [
        f"nnsheet: error: {citra}: Steps: header 'O1' (under 'forward pass') is in 2 "
        f"columns ({_col(a1)}, {_col(a1 + 1)}); cannot tell which cells hold the "
        "answers (put the table's headers back as the exercise had them)"
    ]
    b, c = _csv(gb)
    assert (b["file"], c["file"]) == (str(budi), str(citra))  # name order
    assert c["status"] == "unreadable" and c["student"] == "citra.ods" and c["score"] == ""
    assert c["message"].startswith("Steps: header 'O1'")
    assert b["student"] == "budi.xlsx"  # no name typed: the file name
    assert b["student_id"] == "'=1+1"  # typed text stays text, never a live formula
    o1 = next(r for r in rows if r["label"] == "O1" and r["step"] == 1)
    report = {(r["label"], r["step"], r["sample"]): r for r in _csv(tmp_path / "r.csv")}
    wrong = report[("O1", "1", "1")]
    assert wrong["verdict"] == "wrong" and wrong["given"] == "0.6"
    # one row inserted above the table, two columns after the weights: O1 moved by (1, 2)
    assert wrong["cell"] == f"{_col(lay.col('a', 1, 0) + 2)}4" != o1["cell"]
    assert b["first_wrong"] == f"Steps!{wrong['cell']} O1"
    # what the slip feeds is carried; what it does not feed is correct
    assert report[("y'1", "1", "1")]["verdict"] == "carried"
    assert report[("e2", "1", "1")]["verdict"] == "carried"
    for label in ("net O1", "net O2", "O2"):
        assert report[(label, "1", "1")]["verdict"] == "correct", label
    counts = {v: int(b[v]) for v in ("correct", "carried", "wrong", "missing")}
    assert counts["wrong"] == 1 and counts["missing"] == 0 and counts["carried"] > 20
    assert b["score"] == f"{100 * (197 - 1) / 197:.1f}"
    assert "1 extra row (1)" in b["message"] and "2 extra columns" in b["message"]
    # the explanation says which case: carried after the learner's own wrong O1
    from nnsheet import grading as grader
    from nnsheet.words.grading_text import reason

    res = grader.grade_file(budi, grader.Record()).result
    y1 = next(m for m in res.marks if m.row.label == "y'1" and m.row.step == 1)
    assert f"your earlier wrong value Steps!{wrong['cell']} O1" in reason(y1.reason, "en")
    # the exact value of O1 was not typed by anyone: the loop's slip is really a slip
    assert abs(slip - float(o1["value"])) > 0.005 and rnd(slip) == slip
