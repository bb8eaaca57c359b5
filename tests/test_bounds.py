"""Bounded by construction (issue 22 items 1 and 10, design.md "Bounds"): every generated hostile
workbook (``tests/hostile.py``: references in every spelling, far cells, merges on every sheet,
extra sheets full of cells, .ods namespace tricks and huge repeats, duplicate sheet names) is
refused by ``nnsheet check``, with and without ``-o``, in one line naming the file and the sheet —
before any reader builds it. Times and peak memory: ``benchmarks/bench_hostile.py``."""

from __future__ import annotations

import zipfile
from pathlib import Path

import hostile
import pytest

from nnsheet.cli import main
from nnsheet.core.cells import cell_name, cell_pos, col_name, range_pos
from nnsheet.core.errors import WorkbookError
from nnsheet.core.safety import DEFAULT_LIMITS, XlsxLimits, check_ods_archive, check_xlsx_archive

MiB = 2**20


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("hostile")
    template = d / "exercise.xlsx"
    assert main(["template", "-o", str(template)]) == 0
    out = hostile.all_files(template, d)
    out["template"] = template
    return out


#: what each refusal names (the sheet, or the part for what is outside any sheet)
NAMES = {
    **{f"far-{k}": "sheet 'Steps'" for k in hostile.FAR_CELLS},
    **{f"merge-{s}": f"sheet '{s}'" for s in hostile.SHEETS},
    "extra-sheets": "sheet 'Data",
    "duplicate-sheet": "two sheets are named 'Steps'",
    **{f"ods-{k}": "sheet 'Steps'" for k in hostile.ODS_FILES},
}
LEAKS = ("Error(", "Error:", "Traceback", "Parse float", "EntitiesForbidden", "Xlsx error")


@pytest.mark.parametrize("name", sorted(NAMES))
@pytest.mark.parametrize("graded", [False, True], ids=["check", "check-o"])
def test_every_hostile_file_is_refused_in_one_line(files, name, graded, tmp_path, capsys):
    path = files[name]
    assert path.stat().st_size < 8 * MiB
    argv = ["check", str(path)] + (["-o", str(tmp_path / "out")] if graded else [])
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert str(path) in err and NAMES[name] in err, err
    assert not any(w in err for w in LEAKS), err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_exercise_itself_passes(files):
    check_xlsx_archive(files["template"])


# ----------------------------------------------------------------------------- what is counted
def _sheet(rows: bytes) -> bytes:
    return (
        b'<?xml version="1.0"?><worksheet xmlns="'
        + hostile.MAIN.encode()
        + b'"><sheetData>'
        + rows
        + b"</sheetData></worksheet>"
    )


def _steps(files, tmp_path, rows: bytes, name: str = "x.xlsx") -> Path:
    """A workbook of one sheet, ``Steps``, holding ``rows``."""
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="' + hostile.MAIN + '" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Steps" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/worksheets/sheet1.xml", _sheet(rows))
    return path


@pytest.mark.parametrize(
    ("rows", "far"),
    [
        # the far corner of the rectangle, worked out by hand from Excel's rule: a <c> with no r
        # is the next column after the previous cell, a <row> with no r the next row
        (b'<row r="3"><c r="B3"><v>1</v></c><c><v>1</v></c></row>', "C3"),
        (b'<row r="3"><c r="b3"><v>1</v></c></row><row><c><v>1</v></c></row>', "B4"),
        (b"<row><c/><c/><c><v>1</v></c></row><row/><row><c><v>1</v></c></row>", "C3"),
        (b"<row r='2'><c r = 'D2' t=\"n\"><v>1</v></c></row>", "D2"),
        (b'<row r="5"><c x="&gt;>" r="E5"><v>1</v></c></row>', "E5"),
        # an empty formatted cell far out costs a reader nothing and is not counted
        (b'<row r="1"><c r="A1"><v>1</v></c><c r="XFD1048576" s="1"/></row>', "A1"),
    ],
)
def test_the_rectangle_however_references_are_written(files, tmp_path, rows, far):
    path = _steps(files, tmp_path, rows)
    r, c = cell_pos(far)
    n = (r + 1) * (c + 1)
    cells = rows.count(b"<c")  # every cell counts, empty or not
    check_xlsx_archive(path, XlsxLimits(max_cells=max(n, cells)))
    if n > cells:
        with pytest.raises(WorkbookError, match=f"sheet 'Steps': a cell as far as {far} "):
            check_xlsx_archive(path, XlsxLimits(max_cells=n - 1))


def test_merges_are_bounded_on_every_sheet_together(files, tmp_path):
    path = hostile.merge_everywhere(files["template"], tmp_path / "m.xlsx", "Guide")
    with pytest.raises(WorkbookError, match="sheet 'Guide': merged ranges"):
        check_xlsx_archive(path)
    # the cells merged by ranges on any sheet add up: 6 + 100 (a lower-case reference too)
    rows = (
        b'<row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells>'
        b'<mergeCell ref="B2:C4"/><mergeCell ref="A1:j10"/></mergeCells><sheetData>'
    )
    path = _steps(files, tmp_path, rows, "m2.xlsx")
    check_xlsx_archive(path, XlsxLimits(max_merged=106))
    with pytest.raises(WorkbookError, match="merged ranges .A1:j10. cover more than 105 cells"):
        check_xlsx_archive(path, XlsxLimits(max_merged=105))


def test_a_bad_reference_or_count_names_the_sheet(files, tmp_path):
    path = _steps(files, tmp_path, b'<row r="1"><c r="A0"><v>1</v></c></row>')
    with pytest.raises(WorkbookError, match=r"sheet 'Steps': a cell's reference r='A0' is not"):
        check_xlsx_archive(path)
    bad = hostile.ods(
        tmp_path / "r.ods",
        '<table:table-row table:number-rows-repeated="many"><table:table-cell/></table:table-row>',
    )
    with pytest.raises(WorkbookError, match=r"sheet 'Steps': number-rows-repeated='many'"):
        check_ods_archive(bad)


def test_xml_limits_name_the_part(files, tmp_path):
    deep = _steps(files, tmp_path, b"<row>" + b"<x>" * 200 + b"</x>" * 200 + b"</row>", "d.xlsx")
    with pytest.raises(WorkbookError, match="sheet 'Steps': XML nested more than 100 deep"):
        check_xlsx_archive(deep)
    long_attr = _steps(files, tmp_path, b'<row r="1" x="' + b"a" * (8 * MiB) + b'"/>', "l.xlsx")
    with pytest.raises(WorkbookError, match="sheet 'Steps' has more than 4 MiB of XML without"):
        check_xlsx_archive(long_attr, XlsxLimits(max_ratio=10**6))
    broken = _steps(files, tmp_path, b"<row><c></row>", "b.xlsx")
    with pytest.raises(WorkbookError, match=r"sheet 'Steps' is not well-formed XML \(line 1"):
        check_xlsx_archive(broken)
    with pytest.raises(WorkbookError, match="more than 1,000 XML elements in the workbook"):
        check_xlsx_archive(files["template"], XlsxLimits(max_elements=1000))
    styles = hostile.many_styles(files["template"], tmp_path / "s.xlsx", 2_000)
    with pytest.raises(WorkbookError, match="part 'xl/styles.xml': more than 1,000 XML elements"):
        check_xlsx_archive(styles, XlsxLimits(max_part_elements=1_000))


def test_ods_counting_by_local_name_and_repeats(tmp_path):
    one = '<table:table-cell office:value-type="float" office:value="1"/>'
    # LibreOffice's usual empty tail (repeated empty rows and cells) costs nothing
    tail = hostile.ods(
        tmp_path / "tail.ods",
        f'<table:table-row>{one}<table:table-cell table:number-columns-repeated="16383"/>'
        '</table:table-row><table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>',
    )
    check_ods_archive(tail, XlsxLimits(max_cells=10))
    # 3 rows x (2 empty + 4 repeated values): a rectangle of 3 x 6 = 18 cells, 12 cells in all
    body = (
        '<table:table-row table:number-rows-repeated="3"><table:table-cell '
        'table:number-columns-repeated="2"/><table:table-cell table:number-columns-repeated="4" '
        'office:value-type="float" office:value="1"/></table:table-row>'
    )
    for ns in (None, hostile.ODS_FILES["office-elsewhere"][1]):
        p = hostile.ods(tmp_path / "r.ods", body, ns)
        check_ods_archive(p, XlsxLimits(max_cells=18))
        with pytest.raises(WorkbookError, match="as far as F3 makes a sheet of 18 cells"):
            check_ods_archive(p, XlsxLimits(max_cells=17))
    p = hostile.ods(
        tmp_path / "t.ods", body.replace("table:", "t:"), hostile.ODS_FILES["odf-other-prefix"][1]
    )
    with pytest.raises(WorkbookError, match="as far as F3"):
        check_ods_archive(p, XlsxLimits(max_cells=17))
    # a cell holding only text (no value type) holds something too
    text = hostile.ods(
        tmp_path / "x.ods",
        '<table:table-row><table:table-cell table:number-columns-repeated="30"/>'
        "<table:table-cell><text:p>x</text:p></table:table-cell></table:table-row>",
    )
    with pytest.raises(WorkbookError, match="as far as AE1"):
        check_ods_archive(text, XlsxLimits(max_cells=30))


def test_too_many_sheets(files, tmp_path):
    many = hostile.extra_sheets(files["template"], tmp_path / "m.xlsx", 101, sheets=101, cols=1)
    with pytest.raises(WorkbookError, match="more than 100 sheets"):
        check_xlsx_archive(many)
    check_xlsx_archive(many, XlsxLimits(max_sheets=107))  # the exercise's six and 101
    tables = "".join(f'</table:table><table:table table:name="S{k}">' for k in range(100))
    with pytest.raises(WorkbookError, match="more than 100 sheets"):
        check_ods_archive(hostile.ods(tmp_path / "m.ods", tables))


def test_duplicate_sheet_names_refuse_the_file(files, tmp_path, capsys):
    capsys.readouterr()
    assert main(["check", str(files["duplicate-sheet"])]) == 2
    assert "two sheets are named 'Steps'" in capsys.readouterr().err
    two = tmp_path / "two.ods"
    hostile.ods(two, '</table:table><table:table table:name="steps">')
    with pytest.raises(WorkbookError, match="two sheets are named 'steps'"):
        check_ods_archive(two)


def test_a_reader_error_is_not_shown_raw(files, tmp_path, capsys):
    """A number cell storing text on Setup (python-calamine: ``Parse float error``)."""
    part = hostile.SHEETS["Setup"]
    bad = hostile.rewrite(
        files["template"],
        tmp_path / "nan.xlsx",
        lambda n, b: (
            b.replace(b'<c r="B4" s="5"><v>', b'<c r="B4" t="n"><v>abc') if n == part else b
        ),
    )
    capsys.readouterr()
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(bad) in err and "sheet 'Setup'" in err
    assert not any(w in err for w in LEAKS), err


def test_limits_are_the_documented_ones():
    readme = (Path(__file__).resolve().parents[1] / "docs" / "design.md").read_text()
    lim = DEFAULT_LIMITS
    assert lim.max_file_bytes == 50 * MiB and lim.max_uncompressed == 200 * MiB
    assert lim.max_members == 5_000
    for n in (lim.max_cells, lim.max_merged, lim.max_elements, lim.max_part_elements):
        assert f"{n:,}" in readme, n


# ----------------------------------------------------------------------------- the A1 helper
def test_a1_references():
    assert cell_pos("A1") == (0, 0)
    assert cell_pos("AB12") == (11, 27)
    assert cell_pos("$ab$12") == (11, 27) and cell_pos(" B3 ") == (2, 1)
    assert cell_pos("XFD1048576") == (1_048_575, 16_383)
    assert cell_pos("ZZZ99999999") == (99_999_998, 18_277)  # the caller bounds it
    for bad in ("A0", "B", "12", "Sheet!A1", "R1C1", "A1B", "AAAA1", ""):
        with pytest.raises(ValueError):
            cell_pos(bad)
    assert cell_name(11, 27) == "AB12" and cell_name(11, 27, absolute=True) == "$AB$12"
    assert col_name(16_383) == "XFD"
    assert range_pos("C3:a1") == ((0, 0), (2, 2)) and range_pos("B2") == ((1, 1), (1, 1))
    for r in range(0, 30, 7):
        for c in (0, 25, 26, 701, 702, 16_383):
            assert cell_pos(cell_name(r, c)) == (r, c)


def test_one_a1_helper_in_the_code():
    """safety.py, read.py and formula.py use core/cells.py, not an A1 parser of their own."""
    src = Path(__file__).resolve().parents[1] / "src" / "nnsheet"
    for rel in ("core/safety.py", "grading/read.py", "sheet/formula.py"):
        text = (src / rel).read_text()
        assert "from ..core.cells import" in text or "from .cells import" in text, rel
        assert "ord(ch) - 64" not in text and "xl_cell_to_rowcol" not in text, rel


def test_no_file_is_read_whole_before_the_limits(files, tmp_path):
    """The pass streams: a 40 MiB sheet (within the size limits, under 1 MiB compressed) of
    nested-free text costs a few MiB."""
    import tracemalloc

    big = tmp_path / "big.xlsx"
    with (
        zipfile.ZipFile(files["template"]) as zin,
        zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as z,
    ):
        for info in zin.infolist():
            if info.filename != hostile.SHEETS["Guide"]:
                z.writestr(info.filename, zin.read(info.filename))
        with z.open(hostile.SHEETS["Guide"], "w", force_zip64=True) as fh:
            fh.write(b'<worksheet xmlns="' + hostile.MAIN.encode() + b'"><sheetData>')
            cell = b'<c t="inlineStr"><is><t>' + b"x" * 500 + b"</t></is></c>"
            row = b"<row>" + cell * 2 + b"</row>"
            for _ in range(40 * MiB // len(row)):
                fh.write(row)
            fh.write(b"</sheetData></worksheet>")
    tracemalloc.start()
    limits = XlsxLimits(max_ratio=1000, max_elements=10**7, max_cells=10**7)
    check_xlsx_archive(big, limits)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 * MiB, peak


def test_the_one_ods_walker_places_cells_as_a_reader_does(tmp_path):
    """The grader's .ods reader takes error cells, spans and named ranges from the same walker as
    the limits; positions worked out by hand, repeats counted."""
    from nnsheet.grading.read import _odf_extras

    ns = " ".join(f'xmlns:{p}="{u}"' for p, u in hostile.ODF.items())
    ns += ' xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
    body = (
        '<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
        '<table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="3" '
        'office:value-type="float" office:value="1"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="4"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell table:number-columns-repeated="3"/>'
        '<table:table-cell office:value-type="string" calcext:value-type="error">'
        "<text:p>#DIV/0!</text:p></table:table-cell></table:table-row></table:table>"
        '<table:named-expressions><table:named-range table:name="student" '
        'table:cell-range-address="$Exercise.$A$4"/></table:named-expressions>'
        '<table:table table:name="Epochs">'
    )
    errors, ranges, merged = _odf_extras(hostile.ods(tmp_path / "w.ods", body, ns))
    assert errors == {"Steps": {(5, 3): "#DIV/0!"}}
    assert ranges == {"student": ("Exercise", (3, 0))}
    assert merged["Steps"].merged == [((0, 2), (2, 3))]
