"""A name typed in LibreOffice as ``=CHAR(27)&"[31mEVE"&CHAR(7)`` (issue 22 item 5): the xlsx
and CSV gradebooks and the graded copy show ``\\x1b`` and ``\\x07``, never the characters, and
nothing ends in a traceback. The file is made by LibreOffice itself (tests/uno_edit.py)."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest
from submissions import require_uno, uno_edit

from nnsheet.cli import main

NAME = '=CHAR(27)&"[31mEVE"&CHAR(7)'


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_a_name_with_control_characters_typed_in_libreoffice(
    tmp_path: Path, capsys, suffix: str
) -> None:
    require_uno()
    tmpl = tmp_path / "exercise.xlsx"
    assert main(["template", "-o", str(tmpl)]) == 0
    ref = openpyxl.load_workbook(tmpl).defined_names["student"].attr_text
    cell = ref.split("!")[1].replace("$", "")
    (tmp_path / "in").mkdir()
    f = uno_edit(
        tmpl,
        tmp_path / "in" / f"eve{suffix}",
        [{"op": "formula", "sheet": "Exercise", "cells": {cell: NAME}}],
    )
    gx, gc, out = tmp_path / "g.xlsx", tmp_path / "g.csv", tmp_path / "copies"
    capsys.readouterr()
    assert main(["check", str(tmp_path / "in"), "--gradebook", str(gx), "-o", str(out)]) == 1
    assert main(["check", str(f), "--gradebook", str(gc)]) == 1
    said = capsys.readouterr()
    assert "Traceback" not in said.err and "\x1b" not in said.out + said.err
    want = "\\x1b[31mEVE\\x07"
    if suffix == ".ods":  # XML 1.0 holds no ESC or BEL: LibreOffice leaves them out of an .ods
        with zipfile.ZipFile(f) as zf:
            assert b"[31mEVE" in zf.read("content.xml") and b"\x1b" not in zf.read("content.xml")
        want = "[31mEVE"
    rows = list(openpyxl.load_workbook(gx)["Gradebook"].iter_rows(values_only=True))
    head = list(rows[0])
    assert rows[1][head.index("Name")] == want
    with open(gc, newline="", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["student"] == want
    (copy,) = out.iterdir()
    assert openpyxl.load_workbook(copy)["Exercise"][cell].value == want
