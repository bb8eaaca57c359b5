"""The graded copy written by nnsheet (issue 22 items 2, 3 and 5): from the exercise's layout and
the learner's values, never from the learner's file; feedback levels; control characters.

Expected numbers come from the engine's trace table (as in test_grader.py), never from the
grader; the hints' and briefs' words are written out here by hand.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.formatting.rule import FormulaRule
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from serving import answers, codes, fill, write_class
from starlette.testclient import TestClient

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec
from nnsheet.grading.pipeline import grade_file
from nnsheet.grading.reason import Reason
from nnsheet.output.workbook import make_layout
from nnsheet.serve.app import create_app
from nnsheet.serve.grade import result_fields
from nnsheet.serve.run import prepare
from nnsheet.words.grading_text import reason

GIVEN_Q = {"x", "t", "w", "b", "lr"}
BASE = "https://testserver"


def expected() -> dict[tuple[str, str], float]:
    """The course exercise's answer cells and their values, from the engine's trace table."""
    spec = load_spec(example_path("course"), {"epochs": 1})
    table = run(spec).table(make_layout(spec))
    rows = table[table["sheet"].isin(["Steps", "Epochs"]) & ~table["quantity"].isin(GIVEN_Q)]
    return {(r["sheet"], r["cell"]): float(r["value"]) for r in rows.to_dict("records")}


def givens() -> set[float]:
    spec = load_spec(example_path("course"), {"epochs": 1})
    vals = [*spec.inputs.ravel(), *spec.targets.ravel(), spec.learning_rate]
    for ly in spec.layers:
        vals += [*ly.weights.ravel(), *ly.biases.ravel()]
    return {round(float(v), 12) for v in vals}


@pytest.fixture(scope="module")
def exercise(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ex") / "exercise.xlsx"
    assert main(["template", "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def filled(exercise: Path, tmp_path_factory) -> Path:
    """Every answer typed at 6 decimals."""
    wb = openpyxl.load_workbook(exercise)
    for (sheet, cell), v in expected().items():
        wb[sheet][cell] = round(v, 6)
    out = tmp_path_factory.mktemp("filled") / "filled.xlsx"
    wb.save(out)
    return out


def with_controls(src: Path, out: Path) -> Path:
    """``src`` with the markers ``QESCQ``/``QBELQ`` in its strings made the control characters
    ESC and BEL, stored as a spreadsheet stores them in an .xlsx (``_x001B_``, ``_x0007_``)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in zin.namelist():
            data = zin.read(n)
            if n.endswith(".xml"):
                data = data.replace(b"QESCQ", b"_x001B_").replace(b"QBELQ", b"_x0007_")
            zout.writestr(n, data)
    return out


def parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n).decode("utf-8", "replace") for n in zf.namelist()}


def hostile(src: Path, out: Path, merge: str = "C30:H40") -> Path:
    """``src`` carrying active content outside its answer cells: link and web formulas, a DDE
    formula, defined names, a cell hyperlink, a data validation and a conditional format with
    formulas, extra sheets, a macro part, and a merge (``merge``) on Guide and Setup."""
    wb = openpyxl.load_workbook(src)
    setup, guide = wb["Setup"], wb["Guide"]
    setup["Z1"] = '=WEBSERVICE("http://evil.example/w")'
    setup["Z2"] = "=cmd|'/c evilcalc'!A1"
    guide["Z5"] = '=HYPERLINK("http://evil.example/h","evil click")'
    wb.defined_names["evilname"] = DefinedName("evilname", attr_text="Setup!$Z$1")
    guide["A1"].hyperlink = "http://evil.example/link"
    dv = DataValidation(type="custom", formula1="ISNUMBER(EVILDV)")
    dv.add("C3:C9")
    setup.add_data_validation(dv)
    setup.conditional_formatting.add("A1:D9", FormulaRule(formula=["EVILCF(A1)"]))
    for n in range(3):
        ws = wb.create_sheet(f"Evil{n}")
        for r in range(1, 200):
            ws.cell(r, 1, f"evil text {r}")
    tmp = out.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    merge = f'<mergeCells count="1"><mergeCell ref="{merge}"/></mergeCells>'
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        for n in names:
            data = zin.read(n)
            if n in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):  # Guide, Setup
                x = data.decode()
                x = re.sub(
                    r"(<(?:conditionalFormatting|dataValidations|hyperlinks|printOptions"
                    r"|pageMargins)\b)",
                    merge + r"\1",
                    x,
                    count=1,
                )
                assert merge in x
                data = x.encode()
            zout.writestr(n, data)
        zout.writestr("xl/vbaProject.bin", b"evil macro " * 100)
    tmp.unlink()
    return out


def test_no_learner_content_reaches_the_graded_copy(filled: Path, tmp_path: Path) -> None:
    bad = hostile(filled, tmp_path / "bad.xlsx")
    plain_copy, bad_copy = tmp_path / "plain.graded.xlsx", tmp_path / "bad.graded.xlsx"
    assert main(["check", str(filled), "-o", str(plain_copy)]) == 0
    assert main(["check", str(bad), "-o", str(bad_copy)]) == 0
    got = parts(bad_copy)
    text = "\n".join(got.values())
    assert "evil" not in text.lower()
    for tag in ("<hyperlink", "<dataValidation", "<conditionalFormatting"):
        assert tag not in text, tag
    merges = re.findall(r'<mergeCell ref="([^"]*)"', text)
    assert "C30:H40" not in text and sorted(merges) == sorted(
        re.findall(r'<mergeCell ref="([^"]*)"', "\n".join(parts(plain_copy).values()))
    )
    assert not any("vbaProject" in n or "externalLink" in n for n in got)
    assert "WEBSERVICE" not in text and "HYPERLINK" not in text and "cmd|" not in text
    # the copy is the exercise's own workbook: the same parts whatever the file carried
    assert sorted(got) == sorted(parts(plain_copy))
    wb = openpyxl.load_workbook(bad_copy)
    assert wb.sheetnames == [
        "Grades",
        "Guide",
        "Setup",
        "Steps",
        "Epochs",
        "Exercise",
        "nnsheet_exercise",
    ]
    assert set(wb.defined_names) <= {"learning_rate", "student", "student_id"}
    assert wb.active.title == "Grades"
    # every answer is there, as the number typed, coloured correct
    for (sheet, cell), v in expected().items():
        c = wb[sheet][cell]
        assert c.value == round(v, 6) and c.data_type == "n", (sheet, cell)
        assert c.fill.fgColor.rgb == "FFC6EFCE", (sheet, cell)


@pytest.mark.parametrize("merge", ["C30:H40", "A1:XFD1048576"])
def test_the_copy_costs_what_the_exercise_costs(filled: Path, tmp_path: Path, merge) -> None:
    """Grading and writing the copy of the hostile file, in a process of its own: its time and
    peak memory are the exercise's (a merge over a whole sheet, 18 bytes of XML, is refused in
    one line before anything is built; the copy never loads the learner's file)."""
    bad = hostile(filled, tmp_path / "bad.xlsx", merge)
    script = (
        "import resource, sys, time\n"
        "from nnsheet.cli import main\n"
        "t = time.perf_counter()\n"
        "rc = main(['check', sys.argv[1], '-o', sys.argv[2]])\n"
        "print(rc, time.perf_counter() - t,"
        " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(bad), str(tmp_path / "c.xlsx")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rc, seconds, kib = done.stdout.split()[-3:]
    assert rc == ("0" if merge == "C30:H40" else "2")
    assert "Traceback" not in done.stderr
    assert float(seconds) < 15
    assert int(kib) < 300 * 1024  # far below the 500 MB bound (a full merge grid is GBs)


def test_learner_text_in_an_answer_cell_is_text_and_escaped(exercise: Path, tmp_path: Path) -> None:
    """Text typed in an answer cell (with ESC in it) and a formula there: both reach the copy
    as inert text or value, the control character shown as ``\\x1b``."""
    cells = sorted(k for k in expected() if k[0] == "Steps")
    typed = {cells[0]: "0,5QESCQ[31m", cells[1]: '=HYPERLINK("http://x.example",1)'}
    f = with_controls(fill(exercise, tmp_path / "t0.xlsx", typed), tmp_path / "t.xlsx")
    out = tmp_path / "t.graded.xlsx"
    main(["check", str(f), "-o", str(out)])
    steps = openpyxl.load_workbook(out)["Steps"]
    for k in cells[:2]:
        assert steps[k[1]].data_type in ("s", "n"), k
        assert "\x1b" not in str(steps[k[1]].value)
    assert steps[cells[0][1]].value == "0,5\\x1b[31m"  # its text, as text, escaped
    assert steps[cells[1][1]].data_type == "s"  # a formula with no result: its text, as text
    xml = "\n".join(parts(out).values())
    assert not re.search(r"<f>[^<]*HYPERLINK", xml)


# =========================================================================== feedback
def spellings(v: float) -> set[str]:
    out = {repr(v), f"{v:.15g}", f"{v:.16g}", f"{v:.17g}", f"{v:.6g}"}
    for d in (4, 5, 6, 8, 10):
        out.add(f"{v:.{d}f}".rstrip("0"))
    return {s for s in out if len(s.lstrip("-")) >= 6}


def assert_no_expected(text: str, skip: set[tuple[str, str]] = frozenset()) -> int:
    """No answer cell's expected value (any spelling) is in ``text``; returns how many values
    were looked for."""
    known = givens()
    checked = 0
    for k, v in expected().items():
        if k in skip or abs(v) < 1e-3 or round(v, 12) in known or len(repr(abs(v))) < 7:
            continue  # too short to be told apart from the layout's numbers
        for s in spellings(v):
            assert not re.search(r"(?<![\d.])" + re.escape(s) + r"(?!\d)", text), (k, s)
        checked += 1
    return checked


def wrong_first_step(exercise: Path, out: Path) -> tuple[Path, dict]:
    """Step 1's answers typed 0.25 too large (every one wrong), the rest left blank."""
    typed = {
        k: round(v + 0.25, 4)
        for k, v in expected().items()
        if k[0] == "Steps" and int(re.sub(r"\D", "", k[1])) == 3
    }
    return fill(exercise, out, typed), typed


@pytest.mark.parametrize("level", ["verdicts", "hints"])
def test_below_full_no_expected_number_is_shown(exercise: Path, tmp_path: Path, level) -> None:
    for f in (exercise, wrong_first_step(exercise, tmp_path / "w.xlsx")[0]):
        out = tmp_path / f"{f.stem}.{level}.xlsx"
        main(["check", str(f), "--feedback", level, "-o", str(out)])
        assert assert_no_expected("\n".join(parts(out).values())) > 100
        o = grade_file(f)
        assert o.result is not None
        fields = result_fields(o.result, "en", level)
        assert assert_no_expected(json.dumps(fields)) > 100
        if fields["first_wrong"] is not None:
            assert "expected" not in fields["first_wrong"]
            assert ("formula" in fields["first_wrong"]) == (level == "hints")


def test_each_level_says_what_it_promises(exercise: Path, tmp_path: Path) -> None:
    f, typed = wrong_first_step(exercise, tmp_path / "w.xlsx")
    first = min(typed, key=lambda k: (len(k[1]), k[1]))  # the first column of row 3
    comments = {}
    for level in ("verdicts", "hints", "full"):
        out = tmp_path / f"{level}.xlsx"
        main(["check", str(f), "--feedback", level, "-o", str(out)])
        comments[level] = openpyxl.load_workbook(out)["Steps"][first[1]].comment.text
    v = expected()[first]
    assert comments["verdicts"].startswith("WRONG:")
    assert "not the value this cell should hold" in comments["verdicts"]
    assert "→" not in comments["verdicts"]
    assert "→" in comments["hints"] and "=" in comments["hints"]
    assert any(s in comments["full"] for s in spellings(v) | {f"{v:.6g}"})
    # check -o without --feedback is the teacher's copy: full
    out = tmp_path / "teacher.xlsx"
    main(["check", str(f), "-o", str(out)])
    assert openpyxl.load_workbook(out)["Steps"][first[1]].comment.text == comments["full"]


def test_a_hint_substitutes_the_learners_own_numbers(exercise: Path, tmp_path: Path) -> None:
    """The net of the first output typed wrong: its hint reads the learner's typed weights...
    here the givens, and the learner's hidden outputs, typed 0.25 too large."""
    f, typed = wrong_first_step(exercise, tmp_path / "w.xlsx")
    o = grade_file(f)
    assert o.result is not None
    fields = result_fields(o.result, "en", "hints")
    formula = fields["first_wrong"]["formula"]
    assert " → " in formula and not re.search(r"→ .*= -?\d", formula)  # no result given


def test_brief_reasons_name_no_expected_value() -> None:
    r = Reason.of("expected", expected="0.58904", own="0.6123", typed=1, stated=4)
    assert reason(r, "en", "verdicts") == (
        "not the value this cell should hold; typed with 1 decimal, but this exercise asks for "
        "at least 4"
    )
    assert reason(r, "id", "hints") == (
        "bukan nilai yang seharusnya ada di sel ini; diketik dengan 1 angka di belakang koma, "
        "padahal latihan ini meminta paling sedikit 4"
    )
    c = Reason.of("carried", own="0.7", root="wrong", where="Steps!Y3 O1", exact="0.71")
    assert reason(c, "en", "verdicts") == (
        "from your own earlier values it is 0.7: it follows correctly from your earlier wrong "
        "value Steps!Y3 O1"
    )
    assert reason(c, "id", "verdicts") == (
        "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya 0,7: nilai ini mengikuti "
        "dengan benar dari nilai Anda yang salah, Steps!Y3 O1"
    )
    t = Reason.of("carried_trivial", own="0", root="wrong", where="Steps!Y3 O1", exact="0.71")
    assert reason(t, "en", "verdicts") == (
        "from your own earlier values it is 0, but only because your earlier wrong value "
        "Steps!Y3 O1 made it 0; no credit"
    )
    assert "0.71" not in reason(t, "id", "hints")
    d = Reason.of("drift", own="0.5891", exact="0.58904")
    assert "0.58904" not in reason(d, "en", "verdicts") + reason(d, "id", "verdicts")


@contextlib.contextmanager
def served(tmp_path: Path, **settings):
    spec, roster = write_class(tmp_path / "class")
    s, _, _ = prepare(load_spec(spec), roster, tmp_path / "data", "en")
    s.workers = 1
    for k, v in settings.items():
        setattr(s, k, v)
    with TestClient(create_app(s), base_url=BASE) as client:
        yield client, codes(tmp_path / "data")


def _submit(client, sid: str, code: str, body: bytes, name: str = "mine.xlsx"):
    return client.post(
        "/api/submissions", data={"student_id": sid, "code": code}, files={"workbook": (name, body)}
    )


def test_serve_refuses_a_blank_upload_without_an_attempt(tmp_path: Path) -> None:
    with served(tmp_path, attempts=1) as (client, code):
        ex = client.get("/api/exercise", auth=("2301", code["2301"])).content
        blank = _submit(client, "2301", code["2301"], ex).json()
        assert blank["status"] == "unreadable"
        assert (
            "no answer is typed" in blank["message"] and "no attempt was used" in (blank["message"])
        )
        assert blank["score"] is None and not blank.get("first_wrong")
        vals = answers("2301")
        full = fill(ex, tmp_path / "f.xlsx", {k: round(v, 6) for k, v in vals.items()})
        ans = _submit(client, "2301", code["2301"], full.read_bytes()).json()
        assert ans["status"] == "graded" and ans["score"] == 100.0  # the one attempt was left


def test_serve_default_feedback_shows_no_expected_number(tmp_path: Path) -> None:
    with served(tmp_path) as (client, code):
        ex = client.get("/api/exercise", auth=("2302", code["2302"])).content
        vals = answers("2302")
        first = min(
            vals, key=lambda k: (k[0] != "Steps", int(re.sub(r"\D", "", k[1])), len(k[1]), k[1])
        )
        typed = {first: vals[first] + 0.3}
        ans = _submit(
            client, "2302", code["2302"], fill(ex, tmp_path / "w.xlsx", typed).read_bytes()
        ).json()
        assert ans["status"] == "graded"
        assert "expected" not in ans["first_wrong"] and "formula" not in ans["first_wrong"]
        text = json.dumps(ans)
        for k, v in vals.items():
            if k != first and abs(v) > 1e-3 and len(repr(abs(v))) >= 7:
                for s in spellings(v):
                    assert s not in text, (k, s)
        assert ans["graded_copy"] is True
    copies = [
        p
        for p in (tmp_path / "data").rglob("*.xlsx")
        if "Grades" in openpyxl.load_workbook(p, read_only=True).sheetnames
    ]
    assert len(copies) == 1
    xml = "\n".join(parts(copies[0]).values())
    for k, v in vals.items():
        if k != first and abs(v) > 1e-3 and len(repr(abs(v))) >= 7:
            for s in spellings(v):
                assert not re.search(r"(?<![\d.])" + re.escape(s) + r"(?!\d)", xml), (k, s)


# =========================================================================== control characters
def test_control_characters_in_a_name_are_escaped_in_gradebooks_and_copies(
    exercise: Path, tmp_path: Path, capsys
) -> None:
    """A name typed as ``=CHAR(27)&"[31mEVE"`` (ESC and BEL in the name cell, as a spreadsheet
    stores the result): the xlsx and CSV gradebooks and the graded copy hold ``\\x1b``."""
    wb = openpyxl.load_workbook(exercise)
    ws = wb["Exercise"]
    name_cell = wb.defined_names["student"].attr_text.split("!")[1].replace("$", "")
    ws[name_cell] = "QESCQ[31mEVEQBELQ"
    wb.save(tmp_path / "eve0.xlsx")
    f = with_controls(tmp_path / "eve0.xlsx", tmp_path / "eve\x1b.xlsx")
    gx, gc, out = tmp_path / "g.xlsx", tmp_path / "g.csv", tmp_path / "copies"
    assert main(["check", str(f), "--gradebook", str(gx), "-o", str(out)]) == 1
    assert main(["check", str(f), "--gradebook", str(gc)]) == 1
    got = openpyxl.load_workbook(gx)["Gradebook"]
    cells = [str(c.value) for row in got.iter_rows() for c in row if c.value is not None]
    assert any("\\x1b[31mEVE\\x07" in c for c in cells)
    assert not any("\x1b" in c or "\x07" in c for c in cells)
    raw = gc.read_text(encoding="utf-8")
    assert "\\x1b[31mEVE\\x07" in raw and "\x1b" not in raw and "\x07" not in raw
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert len(rows) == 1
    copy = next(out.iterdir())
    cw = openpyxl.load_workbook(copy)
    assert cw["Exercise"][name_cell].value == "\\x1b[31mEVE\\x07"
    said = capsys.readouterr()
    assert "Traceback" not in said.err
    assert "\x1b" not in said.out + said.err and "eve\\x1b.xlsx" in said.out  # the file name


def test_feedback_without_copies_is_one_line(exercise: Path, capsys) -> None:
    assert main(["check", str(exercise), "--feedback", "verdicts"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "nnsheet: error: --feedback sets what the graded copies show: give -o DIR (the copies "
        "to hand back)"
    )
