"""Flags for work not done by hand (issue 21, item 5): ``answer_key`` (a trace workbook, or an
exercise whose answer cells hold nnsheet's own formulas) and ``formulas`` (more than half of the
filled answer cells are spreadsheet formulas; the share said). Formulas are recalculated by
LibreOffice (tests/lo.py), as a learner's spreadsheet would save them."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from conftest import require_libreoffice
from lo import recalc
from submissions import answer_places, rounded_course

from nnsheet.cli import main


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path, dict[tuple, tuple[str, str]]]:
    where = tmp_path_factory.mktemp("made")
    ex, tr, table = where / "ex.xlsx", where / "tr.xlsx", where / "t.csv"
    assert main(["template", "-o", str(ex)]) == 0
    assert main(["trace", "-o", str(tr), "--table", str(table)]) == 0
    cells = answer_places(table)
    return ex, tr, cells


def _gradebook(path: Path, tmp_path: Path, *args: str) -> dict:
    book = tmp_path / "gb.csv"
    main(["check", str(path), "--gradebook", str(book), *args])
    (row,) = csv.DictReader(book.open(encoding="utf-8"))
    return row


def test_a_trace_workbook_checked_with_spec_is_flagged_answer_key(made, tmp_path: Path) -> None:
    _ex, tr, cells = made
    row = _gradebook(tr, tmp_path, "--spec", "course")
    assert row["score"] == "100.0"  # it is right: the flags say why
    assert row["flags"] == "answer_key;formulas"
    n = len(cells)
    assert f"trace workbook (nnsheet's answer key), not an exercise: {n} of {n}" in row["message"]
    assert f"{n} of {n} filled answer cells (100%) are spreadsheet formulas" in row["message"]


def test_an_exercise_filled_with_nnsheets_formulas_is_flagged_answer_key(
    made, tmp_path: Path
) -> None:
    require_libreoffice()
    ex, tr, cells = made
    key = openpyxl.load_workbook(tr)
    wb = openpyxl.load_workbook(ex)
    for sheet, ref in cells.values():
        wb[sheet][ref] = key[sheet][ref].value  # the answer key's formula text
        assert str(wb[sheet][ref].value).startswith("=")
    wb.save(tmp_path / "copied.xlsx")
    done = recalc(tmp_path / "copied.xlsx", tmp_path / "lo")
    row = _gradebook(done, tmp_path)
    assert row["score"] == "100.0" and row["flags"] == "answer_key;formulas"
    assert "hold the very formulas nnsheet writes" in row["message"]


def test_own_formulas_for_most_cells_are_flagged_with_their_share(made, tmp_path: Path) -> None:
    require_libreoffice()
    ex, _tr, cells = made
    values = rounded_course(4)
    wb = openpyxl.load_workbook(ex)
    keys = sorted(cells, key=str)
    as_formula = set(keys[:150])  # 150 of 197 as the learner's own formulas, the rest typed
    for k in keys:
        sheet, ref = cells[k]
        wb[sheet][ref] = f"={values[k]!r}*1" if k in as_formula else values[k]
    wb.save(tmp_path / "own.xlsx")
    done = recalc(tmp_path / "own.xlsx", tmp_path / "lo")
    row = _gradebook(done, tmp_path, "--lang", "id")
    assert row["flags"] == "formulas"
    share = round(100 * 150 / len(cells))
    assert (
        f"150 of {len(cells)} filled answer cells ({share}%) are spreadsheet formulas"
        in row["message"]
    )
    # typed by hand: no flag
    wb = openpyxl.load_workbook(ex)
    for k in keys:
        wb[cells[k][0]][cells[k][1]] = values[k]
    wb.save(tmp_path / "typed.xlsx")
    assert _gradebook(tmp_path / "typed.xlsx", tmp_path)["flags"] == ""


def test_the_formulas_flag_in_indonesian(made, tmp_path: Path, capsys) -> None:
    _ex, tr, _cells = made
    capsys.readouterr()
    main(["check", str(tr), "--spec", "course", "--lang", "id"])
    out = capsys.readouterr().out
    assert "ini buku kerja jejak (kunci jawaban nnsheet), bukan latihan" in out
    assert "berupa rumus spreadsheet, bukan angka yang dihitung sendiri" in out
