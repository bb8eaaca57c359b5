"""The grader under clumsy and hostile submissions, round two (issue 15): each file made with
openpyxl or by rewriting the saved XML the way it happens. The LibreOffice-made ones (merges, row
deletion, saves) are in test_hardening_lo.py. Expected values come from the engine's trace
table (never from the grader)."""

from __future__ import annotations

import csv
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec
from nnsheet.output.workbook import make_layout

GIVEN_Q = {"x", "t", "w", "b", "lr"}
STEPS_PART = "xl/worksheets/sheet3.xml"  # the exercise's third sheet: Steps


def answers() -> list[dict]:
    spec = load_spec(example_path("course"), {"epochs": 1})
    table = run(spec).table(make_layout(spec))
    rows = table[table["sheet"].isin(["Steps", "Epochs"]) & ~table["quantity"].isin(GIVEN_Q)]
    return rows.to_dict("records")


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """The course exercise with every answer typed at 6 decimals."""
    d = tmp_path_factory.mktemp("filled")
    tmpl = d / "exercise.xlsx"
    assert main(["template", "-o", str(tmpl)]) == 0
    wb = openpyxl.load_workbook(tmpl)
    for r in answers():
        wb[r["sheet"]][r["cell"]] = round(float(r["value"]), 6)
    wb.save(d / "filled.xlsx")
    return d / "filled.xlsx"


def edited(src: Path, out: Path, edit) -> Path:
    wb = openpyxl.load_workbook(src)
    edit(wb)
    wb.save(out)
    return out


def rewritten(src: Path, out: Path, part: str, change) -> Path:
    """``src`` with one XML part changed as text (what a hand-made or foreign file holds)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                data = change(data.decode()).encode()
            zout.writestr(info, data)
    return out


def report(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {
            f"{r['file']}|{r['sheet']}!{r['cell'] or r['label'] + r['step']}": r
            for r in csv.DictReader(fh)
        }


def gradebook(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def comment(path: Path, sheet: str, cell: str) -> str:
    c = openpyxl.load_workbook(path)[sheet][cell].comment
    return "" if c is None else c.text


def break_for(monkeypatch, name: str, file: str, exc: Exception) -> None:
    """Make the grader's ``name`` raise ``exc`` for ``file`` (a fault nobody foresaw); the path
    is write_graded's first argument, grade_book's fourth."""
    import nnsheet.grading.pipeline
    import nnsheet.grading.report

    module = nnsheet.grading.report if name == "write_graded" else nnsheet.grading.pipeline
    real = getattr(module, name)

    def broken(*args, **kw):
        path = args[0] if name == "write_graded" else args[3]
        if Path(path).name == file:
            raise exc
        return real(*args, **kw)

    monkeypatch.setattr(module, name, broken)


# ----------------------------------------------------------------------------- 1 merged cells
def test_a_merged_answer_cell_neither_stops_the_class_nor_loses_the_report(
    filled: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    a = edited(filled, tmp_path / "a.xlsx", lambda wb: None)
    b = edited(filled, tmp_path / "b.xlsx", lambda wb: wb["Steps"].merge_cells("W3:X3"))
    c = edited(filled, tmp_path / "c.xlsx", lambda wb: None)
    out, rep, gb = tmp_path / "out", tmp_path / "r.csv", tmp_path / "g.csv"
    rc = main(
        [
            "check",
            str(a),
            str(b),
            str(c),
            "-o",
            str(out),
            "--report",
            str(rep),
            "--gradebook",
            str(gb),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err
    rows = {r["file"]: r for r in gradebook(gb)}
    assert [rows[str(f)]["status"] for f in (a, b, c)] == ["graded"] * 3
    assert rows[str(b)]["correct"] == "196" and rows[str(b)]["missing"] == "1"
    by = report(rep)
    assert by[f"{b}|Steps!W3"]["verdict"] == "correct"  # the top-left value, graded
    assert by[f"{b}|Steps!X3"]["verdict"] == "missing"
    assert "merged into W3" in comment(out / "b.xlsx", "Steps", "X3")
    assert (out / "c.xlsx").is_file()
    # any fault writing one graded copy: one line, that file's gradebook row says so, the rest go on
    break_for(
        monkeypatch,
        "write_graded",
        "b.xlsx",
        AttributeError("'MergedCell' object attribute 'comment' is read-only"),
    )
    out2, gb2 = tmp_path / "out2", tmp_path / "g2.csv"
    assert main(["check", str(a), str(b), str(c), "-o", str(out2), "--gradebook", str(gb2)]) == 2
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.startswith("nnsheet: error")]
    assert len(lines) == 1 and "b.xlsx" in lines[0] and "AttributeError" in lines[0], err
    assert "Traceback" not in err and (out2 / "c.xlsx").is_file()
    row_b = {r["file"]: r for r in gradebook(gb2)}[str(b)]
    assert row_b["status"] == "graded" and "no graded copy" in row_b["message"]


# ----------------------------------------------------------------------------- 2 date formats
def test_the_right_number_under_a_date_or_time_format_is_correct(
    filled: Path, tmp_path: Path
) -> None:
    def dated(wb) -> None:
        wb["Steps"]["W3"].number_format = "hh:mm:ss"  # 0.36 shows as 08:38:24
        wb["Steps"]["X3"].number_format = "dd/mm/yyyy"
        wb["Steps"]["Y3"].number_format = "[h]:mm:ss"

    f = edited(filled, tmp_path / "dated.xlsx", dated)
    rep = tmp_path / "r.csv"
    assert main(["check", str(f), "--report", str(rep), "-o", str(tmp_path / "g.xlsx")]) == 0
    by = report(rep)
    assert {by[f"{f}|Steps!{c}3"]["verdict"] for c in "WXY"} == {"correct"}
    assert by[f"{f}|Steps!W3"]["given"] == "0.36"
    assert "date or time format" in comment(tmp_path / "g.xlsx", "Steps", "W3")


# ----------------------------------------------------------------------------- 3 edited options
def _meta(wb, key: str, value: str) -> None:
    for row in wb["nnsheet_exercise"].iter_rows():
        if row[0].value == key or (key == "epochs" and row[1].value == "epochs = 1"):
            row[1].value = value if key != "epochs" else f"epochs = {value}"


def test_edited_ask_is_flagged_tampered_and_graded_on_the_teachers_options(
    filled: Path, tmp_path: Path, capsys
) -> None:
    f = edited(filled, tmp_path / "ask.xlsx", lambda wb: _meta(wb, "ask", "forward"))
    # without the teacher's record: the file's own settings (24 forward cells)
    rep = tmp_path / "r.csv"
    main(["check", str(f), "--report", str(rep)])
    assert len(report(rep)) == 24
    gb = tmp_path / "g.csv"
    assert main(["check", str(f), "--spec", "course", "--gradebook", str(gb)]) == 0
    row = gradebook(gb)[0]
    assert row["flags"] == "tampered" and row["answer_cells"] == "197"
    assert row["message"] == (
        "the exercise's hidden settings differ from the teacher's record "
        "(graded on the record): ask forward instead of all in the hidden "
        "settings"
    )
    assert "hidden settings differ from the teacher's record" in capsys.readouterr().out
    # the teacher's --ask, without --spec, is the record too
    assert main(["check", str(f), "--ask", "all", "--gradebook", str(gb)]) == 0
    assert gradebook(gb)[0]["flags"] == "tampered"
    # the untouched exercise with the same record: no flag
    assert main(["check", str(filled), "--spec", "course", "--gradebook", str(gb)]) == 0
    assert gradebook(gb)[0]["flags"] == "" and gradebook(gb)[0]["message"] == ""


def test_edited_epochs_is_refused_in_one_line_before_any_training(
    filled: Path, tmp_path: Path, capsys
) -> None:
    f = edited(filled, tmp_path / "epochs.xlsx", lambda wb: _meta(wb, "epochs", "10000"))
    assert f.stat().st_size < 25_000
    capsys.readouterr()
    tracemalloc.start()
    t0 = time.perf_counter()
    assert main(["check", str(f)]) == 2
    took = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    err = capsys.readouterr().err.strip()
    assert took < 10 and peak < 100 * 2**20, (took, peak)
    assert len(err.splitlines()) == 1 and "asks for 30,000 steps" in err
    # with the teacher's spec it is graded on the record, and the edit is named
    gb = tmp_path / "g.csv"
    assert main(["check", str(f), "--spec", "course", "--gradebook", str(gb)]) == 0
    row = gradebook(gb)[0]
    assert row["flags"] == "tampered" and "epochs 10000 instead of 1" in row["message"]


# ----------------------------------------------------------------------------- 4 deleted rows
def test_a_deleted_step_row_is_missing_and_the_next_step_graded_as_itself(
    filled: Path, tmp_path: Path, capsys
) -> None:
    f = edited(filled, tmp_path / "deleted.xlsx", lambda wb: wb["Steps"].delete_rows(4))
    rep, gb = tmp_path / "r.csv", tmp_path / "g.csv"
    capsys.readouterr()
    assert main(["check", str(f), "--report", str(rep), "--gradebook", str(gb)]) == 1
    out = capsys.readouterr().out
    assert "rows not found" in out and "step 2, sample 2" in out
    rows = list(report(rep).values())
    by_step: dict[str, set[str]] = {}
    for r in rows:
        if r["sheet"] == "Steps":
            by_step.setdefault(r["step"], set()).add(r["verdict"])
    assert by_step == {"1": {"correct"}, "2": {"missing"}, "3": {"correct"}}
    # step 3 is found in its new row (row 4) and step 2's answers have no cell
    assert {r["cell"] for r in rows if r["step"] == "2" and r["sheet"] == "Steps"} == {""}
    assert all(r["cell"].endswith("4") for r in rows if r["step"] == "3")
    assert "rows not found: Steps: step 2, sample 2" in gradebook(gb)[0]["message"]


# ----------------------------------------------------------------------------- 5 live formulas
def _sheet_xml(path: Path, sheet: str) -> str:
    """The XML of one sheet of a workbook, found by its name (a graded copy numbers its parts
    anew: its Grades sheet comes first)."""
    with zipfile.ZipFile(path) as zf:
        book = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="([^"]+)"', book).group(1)
        target = re.search(
            rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels
        ) or re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
        name = target.group(1).lstrip("/")
        return zf.read(name if name.startswith("xl/") else f"xl/{name}").decode()


def _cell_xml(path: Path, sheet: str, ref: str) -> str:
    xml = _sheet_xml(path, sheet)
    m = re.search(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', xml)
    return m.group(0) if m else ""


def test_learners_formulas_never_reach_the_graded_copy(filled: Path, tmp_path: Path) -> None:
    def formulas(wb) -> None:
        wb["Steps"]["W3"] = '=HYPERLINK("http://example.invalid/x","0.36")'
        wb["Steps"]["X3"] = "=[1]Sheet1!A1"
        wb["Steps"]["Y3"] = "=0.1+0.48904"  # a formula with a computed result (below)

    f = edited(filled, tmp_path / "formulas.xlsx", formulas)
    # a spreadsheet saves each formula's result: the HYPERLINK shows its text, Y3 its number
    f = rewritten(
        f,
        tmp_path / "saved.xlsx",
        STEPS_PART,
        lambda x: re.sub(
            r'(<c r="Y3"[^>]*>)<f>([^<]*)</f>(?:<v>[^<]*</v>|<v ?/>)?',
            r"\1<f>\2</f><v>0.58904</v>",
            x,
        ),
    )
    out = tmp_path / "graded.xlsx"
    main(["check", str(f), "-o", str(out)])
    for ref in ("W3", "X3", "Y3"):
        assert _cell_xml(out, "Steps", ref) and "<f>" not in _cell_xml(out, "Steps", ref), ref
    ws = openpyxl.load_workbook(out)["Steps"]
    assert ws["W3"].value == '=HYPERLINK("http://example.invalid/x","0.36")'
    assert ws["W3"].data_type == "s" and ws["X3"].data_type == "s"
    assert ws["Y3"].value == pytest.approx(0.58904)
    # nnsheet's own formulas stay (the weights in use of steps 2 and 3)
    assert _sheet_xml(out, "Steps").count("<f>") >= 10


# ----------------------------------------------------------------------------- 6 hidden sheet gone
def test_an_exercise_without_its_hidden_sheet_is_graded_on_the_teachers_options(
    tmp_path: Path, capsys
) -> None:
    tmpl = tmp_path / "ex.xlsx"
    assert main(["template", "-o", str(tmpl), "--ask", "forward", "--steps", "2"]) == 0
    f = edited(tmpl, tmp_path / "nometa.xlsx", lambda wb: wb.remove(wb["nnsheet_exercise"]))
    gb = tmp_path / "g.csv"
    main(
        [
            "check",
            str(f),
            "--spec",
            "course",
            "--ask",
            "forward",
            "--steps",
            "2",
            "--gradebook",
            str(gb),
        ]
    )
    row = gradebook(gb)[0]
    assert row["answer_cells"] == "16" and row["missing"] == "16"  # 2 steps × 8 forward cells
    assert row["flags"] == "tampered" and "hidden sheet is missing" in row["message"]


# ----------------------------------------------------------------------------- 7 declared size
def test_a_huge_declared_dimension_costs_what_the_file_holds(
    filled: Path, tmp_path: Path, capsys
) -> None:
    def declared(x: str) -> str:
        x = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', x)
        return x.replace(
            "</sheetData>", '<row r="1048576"><c r="XFD1048576" s="1"/></row></sheetData>'
        )

    f = rewritten(filled, tmp_path / "declared.xlsx", STEPS_PART, declared)
    assert f.stat().st_size < 30_000
    tracemalloc.start()
    t0 = time.perf_counter()
    assert main(["check", str(f), "-o", str(tmp_path / "g.xlsx")]) == 0
    took, peak = time.perf_counter() - t0, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert took < 10 and peak < 200 * 2**20, (took, peak)
    # a far cell that holds something: refused in one line naming it
    far = rewritten(
        filled,
        tmp_path / "far.xlsx",
        STEPS_PART,
        lambda x: x.replace(
            "</sheetData>",
            '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>'
            "</c></row></sheetData>",
        ),
    )
    capsys.readouterr()
    assert main(["check", str(far)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "a cell as far as XFD1048576" in err


# ----------------------------------------------------------------------------- 8 smaller ones
def test_a_kept_apostrophe_is_read_as_the_number(filled: Path, tmp_path: Path) -> None:
    value = next(float(r["value"]) for r in answers() if r["cell"] == "Y3")
    typed = f"'{value:.4f}".replace(".", ",")
    f = edited(filled, tmp_path / "apos.xlsx", lambda wb: wb["Steps"].__setitem__("Y3", typed))
    rep = tmp_path / "r.csv"
    assert main(["check", str(f), "--report", str(rep)]) == 0
    assert report(rep)[f"{f}|Steps!Y3"]["given"] == typed


@pytest.mark.parametrize("raw", ["NaN", "INF", "-inf", "1e999"])
def test_raw_nan_or_inf_in_the_xml_is_one_clear_line(
    filled: Path, tmp_path: Path, capsys, raw: str
) -> None:
    f = rewritten(
        filled,
        tmp_path / "nan.xlsx",
        STEPS_PART,
        lambda x: re.sub(r'(<c r="W3"[^>]*>)<v>[^<]*</v>', rf"\1<v>{raw}</v>", x),
    )
    capsys.readouterr()
    assert main(["check", str(f)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"nnsheet: error: {f}: Steps!W3 stores {raw!r}, which is not a number (no "
        "spreadsheet saves that); open the file in a spreadsheet, type the cell "
        "again and save it"
    )


def test_a_renamed_steps_sheet_is_reported_as_such(filled: Path, tmp_path: Path, capsys) -> None:
    f = edited(
        filled, tmp_path / "renamed.xlsx", lambda wb: setattr(wb["Steps"], "title", "Langkah2")
    )
    capsys.readouterr()
    assert main(["check", str(f)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"nnsheet: error: {f}: no sheet named 'Steps' (renamed to 'Langkah2'?); give "
        "it its name 'Steps' back"
    )


def test_openpyxl_warnings_never_reach_stderr(filled: Path, tmp_path: Path, capsys) -> None:
    ext = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.'
        'microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="0"/>'
        "</ext></extLst></worksheet>"
    )
    f = rewritten(
        filled, tmp_path / "ext.xlsx", STEPS_PART, lambda x: x.replace("</worksheet>", ext)
    )
    with pytest.warns(UserWarning):  # openpyxl does warn about this file
        openpyxl.load_workbook(f)
    capsys.readouterr()
    assert main(["check", str(f), "-o", str(tmp_path / "g.xlsx")]) == 0
    assert capsys.readouterr().err == ""


def test_gradebook_as_a_workbook_keeps_text_as_text(filled: Path, tmp_path: Path) -> None:
    def name(wb) -> None:
        wb["Exercise"]["A4"] = "=1+1 Ana"
        wb["Exercise"]["A4"].data_type = "s"  # typed as text, as a spreadsheet keeps it

    f = edited(filled, tmp_path / "named.xlsx", name)
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    gb = tmp_path / "grades.xlsx"
    main(["check", str(f), str(bad), "--gradebook", str(gb)])
    ws = openpyxl.load_workbook(gb)["Gradebook"]  # for people (issue 26)
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0][:3]) == ["Student number", "Name", "Score"]
    assert rows[1][1] == "=1+1 Ana" and ws["B2"].data_type == "s"
    status = rows[0].index("Status")
    assert rows[1][status] == "graded" and rows[1][2] == 100.0
    assert rows[2][status] == "not graded"
    with zipfile.ZipFile(gb) as zf:
        assert "<f>" not in zf.read("xl/worksheets/sheet1.xml").decode()


def test_an_exercise_of_k_steps_trains_only_the_epochs_those_steps_need(
    tmp_path: Path, capsys
) -> None:
    """``--steps 2`` on a spec edited to 100,000 epochs: the key is trained up to step 2 (the
    first epoch), not 300,000 steps."""
    tmpl = tmp_path / "ex.xlsx"
    assert main(["template", "-o", str(tmpl), "--steps", "2"]) == 0
    wb = openpyxl.load_workbook(tmpl)
    for r in answers():
        if r["sheet"] == "Steps" and int(r["step"]) <= 2:
            wb["Steps"][r["cell"]] = round(float(r["value"]), 6)
    _meta(wb, "epochs", "100000")
    f = tmp_path / "steps2.xlsx"
    wb.save(f)
    t0 = time.perf_counter()
    assert main(["check", str(f)]) == 0
    assert time.perf_counter() - t0 < 10
    assert "130 answer cells — 130 correct" in capsys.readouterr().out


def test_merges_covering_too_many_cells_are_refused_in_one_line(
    filled: Path, tmp_path: Path, capsys
) -> None:
    """Finding the cell an answer hides under costs what the merges cover: many merged ranges,
    or one over whole columns, are refused before grading."""
    many = "".join(f'<mergeCell ref="CM{r}:CN{r}"/>' for r in range(1, 50_002))
    f = rewritten(
        filled,
        tmp_path / "merges.xlsx",
        STEPS_PART,
        lambda x: re.sub(r'<mergeCells count="\d+">', f'<mergeCells count="99999">{many}', x),
    )
    capsys.readouterr()
    t0 = time.perf_counter()
    assert main(["check", str(f)]) == 2
    assert time.perf_counter() - t0 < 10
    err = capsys.readouterr().err.strip()
    assert err == (
        f"nnsheet: error: {f}: sheet 'Steps': merged ranges (CM50001:CN50001) cover more than "
        "100,000 cells in the workbook; unmerge them (not an exercise nnsheet wrote)"
    )


def test_an_unforeseen_fault_grading_one_file_is_one_line_and_its_gradebook_row(
    filled: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    a = edited(filled, tmp_path / "a.xlsx", lambda wb: None)
    b = edited(filled, tmp_path / "b.xlsx", lambda wb: None)
    break_for(monkeypatch, "grade_book", "a.xlsx", KeyError("O1"))
    gb, rep = tmp_path / "g.csv", tmp_path / "r.csv"
    capsys.readouterr()
    assert main(["check", str(a), str(b), "--gradebook", str(gb), "--report", str(rep)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"nnsheet: error: {a}: cannot be graded (KeyError: 'O1')"
    assert "Traceback" not in err
    rows = gradebook(gb)
    assert [r["status"] for r in rows] == ["unreadable", "graded"]
    assert rows[0]["message"] == "cannot be graded (KeyError: 'O1')"
    assert len(report(rep)) == 197  # b's rows
