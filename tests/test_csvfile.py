"""The one CSV reader (issue 20 item 2): spec data, rosters and a program's values CSV are read by
:mod:`nnsheet.core.csvfile` with one row-numbering rule — the row a spreadsheet shows, the header
row 1 — and ``,`` or ``;`` separated (as a decimal-comma locale's Excel saves CSV).

Expected row numbers are counted by hand from the texts below."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnsheet.core.csvfile import CsvError, csv_number, parse_csv, read_csv, sniff_separator
from nnsheet.core.errors import NnsheetError
from nnsheet.core.specfile import load_spec
from nnsheet.exercise.roster import read_roster


def test_rows_are_the_rows_a_spreadsheet_shows() -> None:
    # row 1 header; row 2 a quoted cell over two lines (one spreadsheet row); row 3 blank; row 4
    t = parse_csv('a,b\n1,"x\ny"\n\n3,z\n', "t.csv")
    assert t.header == ("a", "b") and t.header_row == 1 and t.separator == ","
    assert [(r.row, r.cells) for r in t.rows] == [(2, ("1", "x\ny")), (4, ("3", "z"))]
    assert t.where(4, "b") == "t.csv: row 4, column b"


def test_blank_lines_before_the_header_count() -> None:
    t = parse_csv("\n\nid;name\n7;Ayu\n", "t.csv")
    assert t.header_row == 3 and t.separator == ";" and t.rows[0].row == 4


def test_semicolon_sniffed_and_quotes_kept() -> None:
    t = parse_csv('NIM;Nama;Catatan\n2301;"Putu; Ayu";"a, b"\n', "t.csv")
    assert t.header == ("NIM", "Nama", "Catatan")
    assert t.rows[0].cells == ("2301", "Putu; Ayu", "a, b")
    assert sniff_separator('"x;y",a,b') == ","  # ';' inside quotes does not count
    assert sniff_separator("a,b;c") == ","  # a tie is ','
    assert sniff_separator("a;b;c,d") == ";"


def test_bom_dropped_when_read_from_a_file(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_bytes(b"\xef\xbb\xbfNIM;Nama\r\n2301;Ayu\r\n")
    t = read_csv(p)
    assert t.header == ("NIM", "Nama") and t.rows[0].row == 2


@pytest.mark.parametrize(
    ("data", "code", "needle"),
    [
        (b"a,b\n1,\xe9\n", "not_utf8", "byte 7 is not"),
        (b"", "empty", "empty"),
        (b"\n \n", "empty", "empty"),
    ],
)
def test_errors_name_the_file(tmp_path: Path, data: bytes, code: str, needle: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_bytes(data)
    with pytest.raises(CsvError) as exc:
        read_csv(p, "a data CSV")
    assert exc.value.code == code and str(exc.value).startswith(str(p))
    assert needle in str(exc.value)


def test_missing_and_folder(tmp_path: Path) -> None:
    with pytest.raises(CsvError, match="file not found"):
        read_csv(tmp_path / "none.csv")
    with pytest.raises(CsvError, match="got a folder"):
        read_csv(tmp_path)


def test_decimal_comma_only_with_semicolons() -> None:
    assert csv_number("0,25", ";") == 0.25
    assert csv_number("-1,5", ";") == -1.5
    assert csv_number("0.25", ";") == 0.25
    assert csv_number("0,25", ",") is None
    assert csv_number("1,234,5", ";") is None
    assert csv_number("abc") is None


SPEC = '[[layer]]\nsize = 2\n[[layer]]\nsize = 1\n[data]\ncsv = "data.csv"\ntargets = ["y"]\n'


def test_spec_data_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "data.csv").write_bytes(b"\xef\xbb\xbfa;b;y\r\n0,5;-1,25;1\r\n\r\n2;0,75;0\r\n")
    spec = load_spec(tmp_path / "s.toml")
    assert np.array_equal(spec.inputs, np.array([[0.5, -1.25], [2.0, 0.75]]))
    assert np.array_equal(spec.targets, np.array([[1.0], [0.0]]))


def test_spec_data_error_row_is_the_spreadsheet_row(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(SPEC, encoding="utf-8")
    # row 2 holds a quoted value over two lines, row 3 is blank, row 4 has 'seven'
    (tmp_path / "data.csv").write_text('a,b,y\n1,"2\n",0\n\n3,seven,1\n', encoding="utf-8")
    with pytest.raises(NnsheetError, match=r"data\.csv: row 4, column b: expected a number"):
        load_spec(tmp_path / "s.toml")


def test_one_rule_for_spec_data_roster_and_values(tmp_path: Path) -> None:
    """The same layout of rows (blank row 3) gives the same row number in all three readers."""
    (tmp_path / "s.toml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "data.csv").write_text("a;b;y\n1;2;0\n\n1;x;1\n", encoding="utf-8")
    with pytest.raises(NnsheetError, match="row 4, column b"):
        load_spec(tmp_path / "s.toml")
    roster = tmp_path / "r.csv"
    roster.write_text("NIM;Nama\n1;Ayu\n\n1;Rizky\n", encoding="utf-8")
    with pytest.raises(NnsheetError, match="row 4: id '1' is already on row 2"):
        read_roster(roster)
    from nnsheet.grading.values import _read_rows

    values = tmp_path / "v.csv"
    values.write_text(
        "quantity;epoch;step;sample;layer;j;i;value\nz;1;1;1;1;1;;0.5\n\nz;1;x;1;1;1;;0\n",
        encoding="utf-8",
    )
    with pytest.raises(NnsheetError, match=r"v\.csv: row 4: step 'x' is not a whole number"):
        _read_rows(values)


def test_values_csv_saved_by_an_indonesian_spreadsheet_is_graded(tmp_path: Path, capsys) -> None:
    """The README's NumPy program's values.csv, saved again as an Indonesian-locale Excel saves
    CSV (a byte-order mark, ';' between fields, a decimal comma, CRLF): still all correct."""
    import csv

    from test_mistakes import _run_program, readme_program

    from nnsheet.cli import main

    values = _run_program(readme_program(), tmp_path)
    with open(values, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("value")
    lines = [";".join(r) for r in rows[:1]]
    lines += [
        ";".join(c.replace(".", ",") if k == col else c for k, c in enumerate(r)) for r in rows[1:]
    ]
    assert any("," in line.split(";")[col] for line in lines[1:])
    saved = tmp_path / "nilai.csv"
    saved.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    capsys.readouterr()
    assert main(["check", str(saved), "--spec", "course"]) == 0, capsys.readouterr()
