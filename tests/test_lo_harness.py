"""Proves the LibreOffice recalculation harness (tests/lo.py) really recalculates.

Every formula is written with a deliberately wrong cached value; after recalc the value read
back with openpyxl ``data_only=True`` must be LibreOffice's own result.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from lo import LibreOfficeError, convert, recalc

pytestmark = pytest.mark.libreoffice

WRONG = 999.0


def _write_workbook(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    setup = wb.add_worksheet("Setup")
    setup.write("A3", "learning_rate")
    setup.write_number("B3", 0.125)
    wb.define_name("learning_rate", "=Setup!$B$3")

    calc = wb.add_worksheet("Calc")
    calc.write_number("A1", 21)
    calc.write_formula("B1", "=A1*2", None, WRONG)
    # Defined name used from another sheet.
    calc.write_formula("B2", "=learning_rate*8", None, WRONG)
    # A gradient-descent style update through the name: w - lr * grad
    calc.write_number("A3", 1.5)  # w
    calc.write_number("A4", 0.4)  # grad
    calc.write_formula("B3", "=A3-learning_rate*A4", None, WRONG)

    # Functions the network sheets rely on.
    calc.write_column("D1", [1, 2, 3])
    calc.write_column("E1", [4, -5, 6])
    calc.write_formula("F1", "=SUMPRODUCT(D1:D3,E1:E3)", None, WRONG)  # 4-10+18 = 12
    calc.write_formula("F2", "=MAX(0,E2)", None, WRONG)  # ReLU of -5
    calc.write_formula("F3", "=1/(1+EXP(-F1/12))", None, WRONG)  # sigmoid(1)
    calc.write_formula("F4", "=IF(F1>MAX(D1:D3),EXP(1),-1)", None, WRONG)
    calc.write_formula("F5", "=ROUND(2.675,2)", None, WRONG)
    calc.write_formula(
        "F6", "=ROUND(IF(SUMPRODUCT(D1:D3,E1:E3)>0,EXP(0)*MAX(E1:E3),0),2)", None, WRONG
    )
    wb.close()
    return path


def _values(path: Path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb["Calc"]
    return {ref: ws[ref].value for ref in ("B1", "B2", "B3", "F1", "F2", "F3", "F4", "F5", "F6")}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    src = _write_workbook(tmp_path_factory.mktemp("src") / "harness.xlsx")
    # The planted wrong value really is in the file before recalculation.
    assert _values(src)["B1"] == WRONG
    start = time.perf_counter()
    out = recalc(src, tmp_path_factory.mktemp("out"))
    seconds = time.perf_counter() - start
    print(f"\n[lo] one LibreOffice recalc took {seconds:.2f} s")  # shown with -s
    assert out.name == "harness.xlsx"
    return _values(out)


def test_wrong_cached_value_is_corrected(recalculated: dict[str, object]) -> None:
    assert recalculated["B1"] == pytest.approx(42)


def test_defined_name_on_other_sheet(recalculated: dict[str, object]) -> None:
    assert recalculated["B2"] == pytest.approx(1.0)
    assert recalculated["B3"] == pytest.approx(1.5 - 0.125 * 0.4, rel=1e-12)


def test_functions(recalculated: dict[str, object]) -> None:
    assert recalculated["F1"] == pytest.approx(12)
    assert recalculated["F2"] == pytest.approx(0)
    assert recalculated["F3"] == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-12)
    assert recalculated["F4"] == pytest.approx(math.e, rel=1e-12)
    assert recalculated["F6"] == pytest.approx(6)


def test_round_half_away_from_zero(recalculated: dict[str, object]) -> None:
    # Python's round(2.675, 2) is 2.67 (binary float); spreadsheets give 2.68.
    assert recalculated["F5"] == pytest.approx(2.68, abs=1e-12)


def test_concurrent_recalcs_use_separate_profiles(tmp_path: Path) -> None:
    sources = [_write_workbook(tmp_path / f"wb{i}.xlsx") for i in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        outs = list(pool.map(lambda s: recalc(s, tmp_path / f"out_{s.stem}"), sources))
    for out in outs:
        assert _values(out)["B1"] == pytest.approx(42)


def test_convert_to_pdf(tmp_path: Path) -> None:
    src = _write_workbook(tmp_path / "harness.xlsx")
    pdf = convert(src, tmp_path / "pdf", "pdf")
    assert pdf.suffix == ".pdf"
    assert pdf.read_bytes().startswith(b"%PDF")


def test_failure_raises_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip file\x00\x01")
    with pytest.raises(LibreOfficeError, match="produced no"):
        recalc(bad, tmp_path / "out")


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        recalc(tmp_path / "nope.xlsx", tmp_path / "out")
