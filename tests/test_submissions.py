"""Grading submissions as they arrive (issue 10), without LibreOffice: stated decimals, the
gradebook, a folder of submissions, headers that cannot be matched, hostile .ods archives and a
reader that stops reading (``| head``). The LibreOffice-made submissions are in
test_submissions_lo.py."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from submissions import GRADEBOOK_CSV

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.errors import WorkbookError
from nnsheet.core.examples import example_path
from nnsheet.core.safety import check_ods_archive
from nnsheet.core.specfile import load_spec
from nnsheet.output.workbook import make_layout
from nnsheet.sheet.layout import col_name
from nnsheet.words.grading_text import shifted_text
from nnsheet.words.notation import sheet_names

ROOT = Path(__file__).resolve().parents[1]


def _answers() -> list[dict]:
    spec = load_spec(example_path("course"), {"epochs": 1})
    table = run(spec).table(make_layout(spec))
    return table[
        table["sheet"].isin(["Steps", "Epochs"])
        & ~table["quantity"].isin(["x", "t", "w", "b", "lr"])
    ].to_dict("records")


def _exact() -> dict[tuple[str, str], float]:
    return {(r["sheet"], r["cell"]): float(r["value"]) for r in _answers()}


def _fill(
    template: Path, out: Path, values: dict, name: object = None, number: object = None
) -> Path:
    wb = openpyxl.load_workbook(template)
    for (sheet, cell), v in values.items():
        wb[sheet][cell] = v
    for ref, v in (("A4", name), ("A6", number)):
        if v is not None:
            c = wb["Exercise"][ref]
            c.value = v
            c.data_type = "s" if isinstance(v, str) else c.data_type  # typed text, as in Calc
    wb.save(out)
    return out


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tmpl") / "exercise.xlsx"
    assert main(["template", "-o", str(out)]) == 0
    return out


# ----------------------------------------------------------------------------- stated decimals
def test_template_states_its_decimals_and_has_the_two_name_cells(tmp_path: Path) -> None:
    out = tmp_path / "ex3.xlsx"
    assert main(["template", "-o", str(out), "--decimals", "3"]) == 0
    wb = openpyxl.load_workbook(out)
    words = [c.value for c in wb["Exercise"]["A"] if c.value]
    assert any("at least 3 decimals (0.577, not 0.58)" in w for w in words)
    assert any("within half a unit of the 3rd decimal" in w for w in words)
    meta = {r[0]: r[1] for r in wb["nnsheet_exercise"].iter_rows(values_only=True)}
    assert meta["decimals"] == "3"
    for name, ref in (("student", "$A$4"), ("student_id", "$A$6")):
        assert wb.defined_names[name].attr_text == f"Exercise!{ref}"
        cell = wb["Exercise"][ref.replace("$", "")]
        assert cell.value is None and cell.protection.locked is False
        assert cell.number_format == "@"  # text: a student number keeps its leading zeros
    assert main(["template", "-o", str(tmp_path / "x.xlsx"), "--decimals", "16"]) == 2


def _short_answer() -> tuple[tuple[str, str], float, float]:
    """An answer cell whose value typed with 3 decimals is within half a unit of the 3rd
    decimal but not of the 4th: the typed value and the exact one."""
    for r in _answers():
        v = float(r["value"])
        short = round(v, 3)
        if 0.6e-4 < abs(short - v) < 0.4e-3:
            return (r["sheet"], r["cell"]), short, v
    raise AssertionError("no such cell")


def test_fewer_decimals_than_stated_are_judged_at_the_stated_decimal(
    template: Path, tmp_path: Path, capsys
) -> None:
    where, short, exact = _short_answer()
    vals = {**_exact(), where: short}
    f = _fill(template, tmp_path / "short.xlsx", vals)
    rep = tmp_path / "r.csv"

    def verdict(*extra: str) -> str:
        main(["check", str(f), "--report", str(rep), *extra])
        return next(r["verdict"] for r in _csv(rep) if (r["sheet"], r["cell"]) == where)

    assert verdict() == "wrong"  # 4 decimals stated: 0.577 for 0.5767 is wrong
    capsys.readouterr()
    main(["check", str(f)])
    assert (
        "— typed with 3 decimals, but this exercise asks for at least 4" in capsys.readouterr().out
    )
    assert verdict("--decimals", "3") == "correct"  # the teacher's override
    t3 = tmp_path / "ex3.xlsx"
    assert main(["template", "-o", str(t3), "--decimals", "3"]) == 0
    f = _fill(t3, tmp_path / "short3.xlsx", vals)
    assert verdict() == "correct"
    # an exercise written before exercises stated decimals (no such hidden row) said "at least
    # 2": it is graded as it said
    wb = openpyxl.load_workbook(template)
    for row in wb["nnsheet_exercise"].iter_rows():
        if row[0].value == "decimals":
            row[0].value = row[1].value = None
    old = tmp_path / "old.xlsx"
    wb.save(old)
    f = _fill(old, tmp_path / "short_old.xlsx", vals)
    assert verdict() == "correct"
    assert abs(short - exact) > 0.5e-4


# ----------------------------------------------------------------------------- headers
@pytest.mark.parametrize(
    "edit,message",
    [
        ({"F2": "x 3"}, "Steps: header 'x3' (under 'inputs and targets') not found"),
        ({"A5": 1, "B5": 2, "C5": 2}, "Steps: 2 rows are epoch 1, step 2, sample 2"),
        ("bands", "Steps: header 'step' (the band row above the symbols) not found"),
    ],
)
def test_a_header_or_row_not_matched_refuses_the_file_with_one_line(
    template: Path, tmp_path: Path, capsys, edit: dict | str, message: str
) -> None:
    if edit == "bands":  # every band's name gone from row 1 (a band split across printed
        # pages repeats its name at each page break)
        lay = make_layout(load_spec(example_path("course"), {"epochs": 1}))
        edit = {f"{col_name(c)}1": None for c in range(lay.n_cols)}
    assert isinstance(edit, dict)
    wb = openpyxl.load_workbook(template)
    for rng in list(wb["Steps"].merged_cells.ranges):  # the band names are merged cells
        if any(f"{col_name(c - 1)}1" in edit for c in range(rng.min_col, rng.max_col + 1)):
            wb["Steps"].unmerge_cells(str(rng))
    for ref, v in edit.items():
        wb["Steps"][ref] = v
    f = tmp_path / "moved.xlsx"
    wb.save(f)
    capsys.readouterr()
    assert main(["check", str(f)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"nnsheet: error: {f}: {message}") and len(err.splitlines()) == 1, err


def test_notes_beside_the_table_change_nothing(template: Path, tmp_path: Path, capsys) -> None:
    wb = openpyxl.load_workbook(template)
    for (sheet, cell), v in _exact().items():
        wb[sheet][cell] = v
    beside = col_name(make_layout(load_spec(example_path("course"), {"epochs": 1})).n_cols + 1)
    wb["Steps"][f"{beside}3"] = "my check: 0.5 + 0.1"
    wb["Steps"][f"{beside}2"] = "O1"  # right of the table: under the last band, not the forward
    wb["Steps"]["A10"] = "notes below"
    wb["Epochs"]["H2"] = "my notes"
    f = tmp_path / "notes.xlsx"
    wb.save(f)
    capsys.readouterr()
    rc = main(["check", str(f)])
    out = capsys.readouterr()
    # "O1" typed under the last band is not the forward pass's O1: no ambiguity
    assert rc == 0, out.err
    assert "197 correct" in out.out and "layout shifted" not in out.out


# ----------------------------------------------------------------------------- gradebook
def test_gradebook_a_row_per_file_in_name_order(template: Path, tmp_path: Path, capsys) -> None:
    exact = _exact()
    sub = tmp_path / "class"
    sub.mkdir()
    _fill(template, sub / "ana.xlsx", exact, name="Ana Putri", number="007")
    o2 = next(r for r in _answers() if r["label"] == "O2")
    _fill(
        template,
        sub / "citra.xlsx",
        {**exact, ("Steps", o2["cell"]): 0.1234},
        name='=HYPERLINK("http://x","c")',
        number=2310003,
    )
    _fill(template, sub / "budi.xlsx", {}, name="  ")  # nothing typed; a blank name
    (sub / "dewi.xlsx").write_text("name,answer\n")  # saved as CSV under an .xlsx name
    (sub / "notes.txt").write_text("not a submission")
    (sub / "eko.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # Excel 97
    (sub / "~$ana.xlsx").write_bytes(b"\0" * 165)  # Excel's lock file
    (sub / ".hidden.xlsx").write_bytes(b"")
    gb = tmp_path / "gb.csv"
    graded = tmp_path / "out" / "graded"  # made, with its parent, when missing
    capsys.readouterr()
    rc = main(["check", str(sub), "--gradebook", str(gb), "-o", str(graded)])
    cap = capsys.readouterr()
    assert rc == 2
    assert (
        f"{sub}: not graded (not .xlsx, .ods or .xls): .hidden.xlsx, notes.txt, ~$ana.xlsx"
        in cap.err
    )
    with open(gb, newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == GRADEBOOK_CSV
    rows = _csv(gb)
    assert [Path(r["file"]).name for r in rows] == [
        "ana.xlsx",
        "budi.xlsx",
        "citra.xlsx",
        "dewi.xlsx",
        "eko.xls",
    ]
    ana, budi, citra, dewi, eko = rows
    assert eko["status"] == "unreadable" and "save it as an Excel Workbook" in eko["message"]
    assert (ana["student"], ana["student_id"], ana["status"], ana["score"]) == (
        "Ana Putri",
        "007",
        "graded",
        "100.0",
    )
    assert (
        ana["correct"],
        ana["carried"],
        ana["wrong"],
        ana["missing"],
        ana["answer_cells"],
        ana["first_wrong"],
    ) == ("197", "0", "0", "0", "197", "")
    assert (budi["student"], budi["score"], budi["missing"]) == ("budi.xlsx", "0.0", "197")
    assert citra["student"] == '\'=HYPERLINK("http://x","c")'  # text, never a formula
    assert citra["student_id"] == "2310003"
    assert citra["score"] == f"{100 * 196 / 197:.1f}" == "99.5"
    assert citra["first_wrong"] == f"Steps!{o2['cell']} O2"
    assert (dewi["status"], dewi["student"], dewi["score"], dewi["correct"]) == (
        "unreadable",
        "dewi.xlsx",
        "",
        "",
    )
    assert dewi["message"].startswith("a text (CSV?) file")
    assert sorted(p.name for p in graded.iterdir()) == ["ana.xlsx", "budi.xlsx", "citra.xlsx"]
    # the same name for both outputs is refused before anything is graded
    assert main(["check", str(sub), "--gradebook", str(gb), "--report", str(gb)]) == 2


def test_single_file_gradebook_and_a_new_output_folder(template: Path, tmp_path: Path) -> None:
    f = _fill(template, tmp_path / "eko.xlsx", _exact())
    gb = tmp_path / "gb.csv"
    assert main(["check", str(f), "--gradebook", str(gb), "-o", str(tmp_path / "new")]) == 0
    assert (tmp_path / "new" / "eko.xlsx").is_file()
    (row,) = _csv(gb)
    assert row["student"] == "eko.xlsx" and row["score"] == "100.0"
    assert main(["check", str(tmp_path / "empty_dir")]) == 2
    (tmp_path / "empty_dir").mkdir()
    assert main(["check", str(tmp_path / "empty_dir")]) == 2


# ----------------------------------------------------------------------------- | head
def test_check_into_a_closed_pipe_ends_quietly_and_still_writes_the_gradebook(
    template: Path, tmp_path: Path
) -> None:
    sub = tmp_path / "class"
    sub.mkdir()
    f = _fill(template, sub / "a00.xlsx", {})
    for k in range(1, 12):
        (sub / f"a{k:02}.xlsx").write_bytes(f.read_bytes())
    gb = tmp_path / "gb.csv"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nnsheet.cli", "check", str(sub), "--gradebook", str(gb)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # like `head -1`: one line, then the reader is gone
    proc.stdout.close()
    err = proc.stderr.read().decode()
    rc = proc.wait(timeout=120)
    assert first.startswith(str(sub / "a00.xlsx").encode())
    assert "Broken pipe" not in err and "Traceback" not in err and "Exception" not in err, err
    assert rc == 1  # the grading's own status: everything missing
    assert len(_csv(gb)) == 12


def test_two_cells_far_apart_in_an_xlsx_are_refused_before_the_reader_builds_them(
    tmp_path: Path, capsys
) -> None:
    """python-calamine builds a sheet as the dense rectangle its cells span: A1 and ZZ200000
    would cost about 5 GB; the archive check refuses it from the cell references alone."""
    wb = openpyxl.Workbook()
    wb.active.title = "Steps"
    wb.active["A1"] = 1
    wb.active["ZZ200000"] = 2
    far = tmp_path / "far.xlsx"
    wb.save(far)
    tracemalloc.start()
    t0 = time.perf_counter()
    assert main(["check", str(far)]) == 2
    assert time.perf_counter() - t0 < 5
    assert tracemalloc.get_traced_memory()[1] < 50 * 2**20
    tracemalloc.stop()
    assert "a cell as far as ZZ200000" in capsys.readouterr().err


# ----------------------------------------------------------------------------- hostile .ods
_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    "<office:document-content "
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    '<office:body><office:spreadsheet><table:table table:name="Steps">'
)
_ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"


def _ods(path: Path, rows: str, manifest: str = "<manifest/>") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", _ODS_HEAD + rows + _ODS_TAIL)
    return path


def test_hostile_ods_is_refused_before_any_reader_builds_it(tmp_path: Path, capsys) -> None:
    # a few hundred bytes that repeat one number over a whole sheet (17 billion cells)
    cell = (
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" '
        'office:value="1"/>'
    )
    bomb = _ods(
        tmp_path / "bomb.ods",
        f'<table:table-row table:number-rows-repeated="1048576">{cell}</table:table-row>',
    )
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(WorkbookError, match="more than 200,000 cells"):
        check_ods_archive(bomb)
    assert time.perf_counter() - t0 < 5
    assert tracemalloc.get_traced_memory()[1] < 20 * 2**20
    tracemalloc.stop()
    # two cells far apart: a reader would build the rectangle between them
    far = _ods(
        tmp_path / "far.ods",
        '<table:table-row><table:table-cell office:value-type="float" office:value="1"/>'
        '</table:table-row><table:table-row table:number-rows-repeated="1000000">'
        "<table:table-cell/></table:table-row><table:table-row>"
        '<table:table-cell table:number-columns-repeated="1000"/>'
        '<table:table-cell office:value-type="float" office:value="1"/></table:table-row>',
    )
    with pytest.raises(WorkbookError, match="as far as ALM1000002 .*more than the 200,000"):
        check_ods_archive(far)
    # LibreOffice's usual empty tail (repeated empty rows and cells) is fine
    check_ods_archive(
        _ods(
            tmp_path / "tail.ods",
            '<table:table-row><table:table-cell office:value-type="float" '
            'office:value="1"/><table:table-cell table:number-columns-repeated='
            '"16383"/></table:table-row><table:table-row table:number-rows-'
            'repeated="1048575"><table:table-cell table:number-columns-repeated='
            '"16384"/></table:table-row>',
        )
    )
    enc = _ods(
        tmp_path / "locked.ods",
        "",
        manifest="<manifest:manifest><manifest:file-entry>"
        "<manifest:encryption-data/></manifest:file-entry></manifest:manifest>",
    )
    dtd = tmp_path / "dtd.ods"
    with zipfile.ZipFile(dtd, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x/>')
    for f, words in (
        (bomb, "more than 200,000 cells"),
        (enc, "password-protected"),
        (dtd, "declares a DTD"),
    ):
        capsys.readouterr()
        assert main(["check", str(f)]) == 2
        err = capsys.readouterr().err.strip()
        assert words in err and str(f) in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize(
    "name,lang,batch", [("course", "id", 2), ("xor", "en", 2), ("mazur", "id", None)]
)
def test_shifted_tables_of_other_specs_languages_and_batch_update_rows(
    tmp_path: Path, name: str, lang: str, batch: int | None
) -> None:
    """Update rows (sample column: the word "update"/"pembaruan") and Indonesian headers are
    found too; values are the engine's trace table's, the column shift is openpyxl's."""
    import dataclasses

    from nnsheet import grading as grader
    from nnsheet.exercise.template import ExerciseOptions, write_exercise

    spec = load_spec(example_path(name), {"epochs": 2})
    if batch is not None:
        spec = dataclasses.replace(spec, mode="minibatch", batch_size=batch)
    f = tmp_path / f"{name}.xlsx"
    _, answers = write_exercise(spec, f, ExerciseOptions(lang=lang))
    wb = openpyxl.load_workbook(f)
    for r in answers.to_dict("records"):
        wb[r["sheet"]][r["cell"]] = round(float(r["value"]), 6)
    names = sheet_names(lang)
    wb[names.steps].insert_cols(2, 2)
    wb[names.epochs].insert_rows(1)
    wb.save(f)
    res = grader.grade_file(f, grader.Record()).result
    assert dict(res.counts) == {"correct": len(answers)}
    assert shifted_text(res.placement.shifted) == (
        f"{names.steps}: 2 extra columns (B, C); {names.epochs}: 1 extra row (1)"
    )
    if batch is not None:
        assert answers["sample"].isna().any()  # there are update rows, and they were found
