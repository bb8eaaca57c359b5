"""A learner edits a given with LibreOffice itself (issue 13): the Setup sheet unprotected and a
bias retyped through the UNO bridge (tests/uno_edit.py), saved as .xlsx and as .ods; ``check
--roster`` flags the file ``tampered`` and grades it on the teacher's record."""

from __future__ import annotations

from pathlib import Path

import pytest
from submissions import require_uno, uno_edit
from test_roster import (
    ASK,
    _answer_cells,
    _expected,
    _explicit,
    _gradebook,
    _setup_cell,
    classroom,  # noqa: F401  (the fixture)
)

from nnsheet.cli import main

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
