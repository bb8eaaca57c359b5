"""A learner edits a given with LibreOffice itself (issue 13): the Setup sheet unprotected and a
bias retyped through the UNO bridge (tests/uno_edit.py), saved as .xlsx and as .ods; ``check
--roster`` flags the file ``tampered`` and grades it on the teacher's record."""

from __future__ import annotations

from pathlib import Path

import pytest
from submissions import require_uno, uno_edit
from test_roster import (
    ASK,
    SPEC,
    _answer_cells,
    _expected,
    _explicit,
    _gradebook,
    _setup_cell,
    classroom,  # noqa: F401  (the fixture)
)

from nnsheet.cli import main
from nnsheet.exercise.roster import read_roster

pytestmark = pytest.mark.libreoffice


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_given_edited_in_libreoffice_is_tampered(
    classroom,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
    suffix: str,
    capsys,
) -> None:
    require_uno()
    spec, roster, handout = classroom
    b1 = _setup_cell("b", 1, 1)
    own = _expected(7, "2303")["b1"][0]
    new = 0.5 if own != 0.5 else -0.5
    answers = _answer_cells(_explicit(7, "2303", b1_1=new))
    ops: list[dict] = [{"op": "value", "sheet": "Setup", "cells": {b1: new}}]
    ops.append(
        {
            "op": "value",
            "sheet": "Steps",
            "cells": {c: v for (s, c), v in answers.items() if s == "Steps"},
        }
    )
    path = uno_edit(handout / "2303.xlsx", tmp_path / "in" / f"2303{suffix}", ops)
    book = tmp_path / "grades.csv"
    assert (
        main(
            [
                "check",
                str(path),
                "--roster",
                str(roster),
                "--spec",
                str(spec),
                *ASK,
                "--gradebook",
                str(book),
            ]
        )
        == 1
    )
    row = _gradebook(book)[path.name]
    assert row["student"] == "Siti Nurhaliza" and row["student_id"] == "2303"
    assert row["flags"] == "tampered"
    assert row["message"] == (
        f"the givens differ from the teacher's record: Setup!{b1} b1 is {new:g}, expected {own:g}"
    )
    assert int(row["correct"]) < int(row["answer_cells"])
    # the untouched handout saved by LibreOffice is not flagged
    same = uno_edit(
        handout / "2301.xlsx",
        tmp_path / "in" / f"2301{suffix}",
        [{"op": "value", "sheet": "Steps", "cells": {}}],
    )
    assert (
        main(
            [
                "check",
                str(same),
                "--roster",
                str(roster),
                "--spec",
                str(spec),
                *ASK,
                "--gradebook",
                str(book),
            ]
        )
        == 1
    )
    assert _gradebook(book)[same.name]["flags"] == ""


def test_class_list_saved_by_libreoffice_with_semicolons(tmp_path: Path, capsys) -> None:
    """A lecturer's class list typed in LibreOffice Calc and saved as Text CSV with ';' (as a
    decimal-comma locale saves it): ``No;NIM;Nama;Kelas`` is read, and template makes one
    exercise per student from it."""
    import openpyxl

    require_uno()
    start = tmp_path / "kelas.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Kelas"
    wb.save(start)
    rows = [
        ("No", "NIM", "Nama", "Kelas"),
        (1, 2301, "Ni Luh Putu Ayu", "A"),
        (2, 2302, "Siti Rahma, S.Kom.", "A"),
        (3, 2303, "Nguyễn Văn Ân", "B"),
    ]
    cells = {f"{'ABCD'[c]}{r + 1}": v for r, row in enumerate(rows) for c, v in enumerate(row)}
    ops = [  # numbers typed as numbers, words as text, as in Calc
        {"op": kind, "sheet": "Kelas", "cells": {k: v for k, v in cells.items() if test(v)}}
        for kind, test in (
            ("value", lambda v: isinstance(v, int)),
            ("text", lambda v: isinstance(v, str)),
        )
    ]
    roster = uno_edit(start, tmp_path / "kelas.csv", ops)
    raw = roster.read_bytes().decode("utf-8-sig")
    assert raw.splitlines()[0] == "No;NIM;Nama;Kelas"  # LibreOffice wrote ';', not ','
    got = [(s.id, s.name, s.row) for s in read_roster(roster, "id")]
    assert got == [
        ("2301", "Ni Luh Putu Ayu", 1),
        ("2302", "Siti Rahma, S.Kom.", 2),
        ("2303", "Nguyễn Văn Ân", 3),
    ]
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "kelas"
    assert (
        main(["template", str(spec), "--roster", str(roster), "-o", str(out), "--lang", "id"]) == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["2301.xlsx", "2302.xlsx", "2303.xlsx"]
