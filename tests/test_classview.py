"""The lecturer's view of a class (issue 26, items 1–2): ``check DIR --class-report`` and the
gradebook for people, with the class report's sheets after it; the CSV gradebook's per-block
and ``mistakes`` columns; serve's teacher page and its class report.

The classes are planted: students who type the engine's values everywhere (tests/serving.py's
``answers``: the engine's trace, never the grader) except where a slip is planted by hand — the
net of O1 at step 1 typed without its bias (0.1·1 + 0.2·0.5 + 0.3·0.2 = 0.26 instead of 0.36,
the course network's givens), a net of y' typed without its bias, an error typed with its sign
flipped, the whole backward block left blank. Every share and count asserted below is counted by
hand from the course network (2 hidden units, 2 outputs, 3 inputs, 3 steps, one epoch): per
student 24 forward cells (net and out of 4 units × 3 steps), 11 error cells (e1, e2 and the
loss per step, the epoch's loss and accuracy), 36 backward cells (eo, f', δ of both layers, 2
units each, × 3 steps) and 126 update cells (42 per step)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from serving import answers, codes, fill, write_class
from starlette.testclient import TestClient
from submissions import GRADEBOOK_CSV, GRADEBOOK_PEOPLE_HEAD

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec, loads_spec
from nnsheet.exercise.roster import student_spec
from nnsheet.exercise.template import exercise_spec
from nnsheet.output.workbook import make_layout
from nnsheet.serve.app import create_app
from nnsheet.serve.run import prepare

ROSTER = "NIM,Nama\n2301,Ani\n2302,Budi\n2303,Citra\n2304,Dewi\n2305,Eko\n"
COURSE = Path(example_path("course")).read_text(encoding="utf-8")
CSV_COLUMNS = GRADEBOOK_CSV


def _cells(lang: str) -> dict[tuple, tuple[str, str]]:
    """Where each answer of the course exercise is: (quantity, step, layer, j, i) → (sheet,
    A1), from the engine's trace table (the layout map's cells)."""
    spec = load_spec(example_path("course"))
    table = run(spec).table(make_layout(spec, lang))
    out = {}
    for r in table.to_dict("records"):
        if not r["cell"]:
            continue
        key = tuple(
            None if r[k] is None or str(r[k]) in ("<NA>", "nan") else int(r[k])
            for k in ("step", "layer", "j", "i")
        )
        out[(r["quantity"], *key)] = (r["sheet"], r["cell"])
    return out


def _columns_cells() -> dict[tuple, tuple[str, str]]:
    """:func:`_cells` of the course exercise written with ``--layout columns``."""
    spec = load_spec(example_path("course"))
    table = run(spec).table(make_layout(spec, "en", layout="columns"))
    out = {}
    for r in table.to_dict("records"):
        if r["cell"]:
            key = tuple(
                None if r[k] is None or str(r[k]) in ("<NA>", "nan") else int(r[k])
                for k in ("step", "layer", "j", "i")
            )
            out[(r["quantity"], *key)] = (r["sheet"], r["cell"])
    return out


def _class(tmp_path: Path, lang: str = "en", duplicate: bool = False) -> tuple[Path, Path]:
    """Exercises for the roster, and a folder of submissions: 2301 and 2302 all right, 2303
    forgot the bias in net O1 at step 1, 2304 forgot the bias in net y'1 at step 1, typed
    e1 of step 1 as y' − t and left the backward block blank; 2305 submitted nothing. With
    ``duplicate``: only 2301 (twice: ``2301.xlsx`` and ``ani-final.xlsx``) and 2303."""
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    made = tmp_path / "made"
    assert (
        main(["template", "course", "--roster", str(roster), "-o", str(made), "--lang", lang]) == 0
    )
    exact = answers("2301", lang, COURSE)  # the course fixes every given: one key for all
    at = _cells(lang)
    sub = tmp_path / "sub"
    sub.mkdir()
    fill(made / "2301.xlsx", sub / "2301.xlsx", exact)
    net_o1 = at[("z", 1, 1, 1, None)]
    assert exact[net_o1] == pytest.approx(0.36)  # 0.1 + 0.2·0.5 + 0.3·0.2 + b1 = 0.1
    fill(made / "2303.xlsx", sub / "2303.xlsx", {**exact, net_o1: 0.26})
    if duplicate:
        fill(made / "2301.xlsx", sub / "ani-final.xlsx", exact)
        return roster, sub
    fill(made / "2302.xlsx", sub / "2302.xlsx", exact)
    dewi = dict(exact)
    net_y1, e1 = at[("z", 1, 2, 1, None)], at[("e", 1, 2, 1, None)]
    dewi[net_y1] = exact[net_y1] - 0.3  # bo1 = 0.3 left out
    dewi[e1] = -exact[e1]
    backward = [k for k in at if k[0] in ("err", "fprime", "delta")]
    assert len(backward) == 36
    for k in backward:
        dewi.pop(at[k])
    fill(made / "2304.xlsx", sub / "2304.xlsx", dewi)
    return roster, sub


def _rows(ws) -> list[tuple]:
    """A sheet's rows that hold anything, without their empty cells at the end."""
    out = []
    for r in ws.iter_rows(values_only=True):
        r = list(r)
        while r and r[-1] is None:
            r.pop()
        if r:
            out.append(tuple(r))
    return out


def test_class_report_shares_mistakes_heat_map_and_the_gradebooks(tmp_path: Path, capsys) -> None:
    roster, sub = _class(tmp_path)
    gx, gc, cr = tmp_path / "g.xlsx", tmp_path / "g.csv", tmp_path / "class.xlsx"
    args = ["check", str(sub), "--roster", str(roster), "--spec", "course"]
    assert main([*args, "--gradebook", str(gx), "--class-report", str(cr)]) == 1
    assert f"wrote {cr} (the class report of 4 graded files)" in capsys.readouterr().err
    assert main([*args, "--gradebook", str(gc)]) == 1

    # ---- the CSV: today's columns, then the block scores and the mistakes' codes
    with open(gc, newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == CSV_COLUMNS
    with open(gc, newline="", encoding="utf-8") as fh:
        by = {r["student_id"]: r for r in csv.DictReader(fh)}
    blocks = ("forward", "errors", "backward", "updates", "mistakes")
    assert [by["2301"][b] for b in blocks] == ["100.0", "100.0", "100.0", "100.0", ""]
    assert [by["2303"][b] for b in blocks] == ["95.8", "100.0", "100.0", "100.0", "forgot_bias"]
    # 23/24 forward, 10/11 errors, 0/36 backward (blank), 126/126 updates
    assert [by["2304"][b] for b in blocks] == [
        "95.8",
        "90.9",
        "0.0",
        "100.0",
        "forgot_bias;error_sign",
    ]
    assert [by["2305"][b] for b in blocks] == ["", "", "", "", ""]  # not submitted

    # ---- the class report alone, and the same sheets after the gradebook
    report = openpyxl.load_workbook(cr)
    assert report.sheetnames == ["Class", "Mistakes", "Flags", "Heat map"]
    book = openpyxl.load_workbook(gx)
    assert book.sheetnames == ["Gradebook", "Class", "Mistakes", "Flags", "Heat map"]
    for name in report.sheetnames:
        assert _rows(report[name]) == _rows(book[name])
    rows = _rows(report["Class"])
    assert rows[1][0] == "files graded: 4 of 4"
    head = ("Block", "Answer cells", "correct", "carried", "carried (trivial)", "wrong", "missing")
    k = rows.index(head)
    shares = {r[0]: r[1:7] for r in rows[k + 1 : k + 5]}
    assert shares["forward"] == pytest.approx((96, 94 / 96, 0, 0, 2 / 96, 0))
    assert shares["errors"] == pytest.approx((44, 43 / 44, 0, 0, 1 / 44, 0))
    assert shares["backward"] == pytest.approx((144, 0.75, 0, 0, 0, 0.25))
    assert shares["updates"] == pytest.approx((504, 1, 0, 0, 0, 0))
    by_q = {(r[0], r[1]): r[2:9] for r in rows if r[0] in ("forward", "errors", "backward")}
    assert by_q[("forward", "net O1, net O2")] == pytest.approx((1, 24, 23 / 24, 0, 0, 1 / 24, 0))
    assert by_q[("forward", "O1, O2")] == pytest.approx((1, 24, 1, 0, 0, 0, 0))
    assert by_q[("forward", "net y'1, net y'2")] == pytest.approx((2, 24, 23 / 24, 0, 0, 1 / 24, 0))
    assert by_q[("errors", "e1, e2")] == pytest.approx((2, 24, 23 / 24, 0, 0, 1 / 24, 0))
    assert by_q[("backward", "δO1, δO2")] == pytest.approx((1, 24, 0.75, 0, 0, 0, 0.25))

    ws = report["Mistakes"]
    assert _rows(ws)[1:] == [
        ("Rank", "Mistake", "Code", "Students", "Answer cells", "Who"),
        (1, "the net computed without the bias", "forgot_bias", 2, 2, "2303 Citra; 2304 Dewi"),
        (
            2,
            "the error taken as output − target instead of target − output",
            "error_sign",
            1,
            1,
            "2304 Dewi",
        ),
    ]
    assert len(ws._charts) == 1  # the bar chart of the mistakes
    assert _rows(report["Flags"])[-1] == ("No file was flagged.",)

    # ---- the heat map: the Steps sheet drawn 3 rows down, each answer's share right
    heat = report["Heat map"]
    assert heat["W4"].value == "forward pass" and heat["W5"].value == "net O1"  # the headers
    at = _cells("en")

    def drawn(key: tuple) -> openpyxl.cell.Cell:
        sheet, cell = at[key]
        m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
        assert sheet == "Steps" and m is not None
        return heat[f"{m.group(1)}{int(m.group(2)) + 3}"]

    net_o1, out_o1 = drawn(("z", 1, 1, 1, None)), drawn(("a", 1, 1, 1, None))
    delta = drawn(("delta", 2, 1, 1, None))  # step 2: 2304 left it blank
    assert (net_o1.value, out_o1.value, delta.value) == ("75%", "100%", "75%")
    assert drawn(("z", 1, 2, 1, None)).value == "75%"  # 2304's forgotten bias: net y'1
    assert drawn(("z", 2, 1, 1, None)).value == "100%"  # net O1 of step 2: nobody slipped
    # the Epochs sheet's answers below the Steps rows (3 steps: rows 6–8), the same way
    assert [heat[f"{c}11"].value for c in "AB"] == ["Epochs", None]
    assert [heat[f"{c}13"].value for c in "ABC"] == ["epoch", "loss", "accuracy"]
    assert [heat[f"{c}14"].value for c in "ABC"] == [1, "100%", "100%"]
    assert net_o1.fill.fgColor.rgb != out_o1.fill.fgColor.rgb
    assert net_o1.fill.fgColor.rgb == delta.fill.fgColor.rgb
    assert heat[f"B{int(re.sub('[A-Z]', '', at[('z', 1, 1, 1, None)][1])) + 3}"].value == 1  # step

    # ---- the gradebook for people: id and name first, words, widths, frozen header
    ws = book["Gradebook"]
    head, *body = _rows(ws)
    assert head[:7] == GRADEBOOK_PEOPLE_HEAD
    assert head[-5:] == ("Named mistakes", "Flags", "Status", "Notes", "File")
    people = {r[0]: r for r in body}
    assert list(people) == ["2301", "2302", "2303", "2304", "2305"]
    dewi = people["2304"]
    # the CSV's one decimal, as numbers: 159/197, 23/24, 10/11, 0/36, 126/126
    assert dewi[:7] == ("2304", "Dewi", 80.7, 95.8, 90.9, 0, 100)
    assert dewi[head.index("Named mistakes")] == (
        "the net computed without the bias (forgot_bias)\n"
        "the error taken as output − target instead of target − output (error_sign)"
    )
    assert dewi[head.index("Status")] == "graded" and dewi[-1] == str(sub / "2304.xlsx")
    assert dewi[head.index("Notes")] is None  # the flags' reasons are said once, under Flags
    # two mistakes, the second (76 characters) wrapped in a column 60 wide: 3 lines of 15 points
    assert ws.row_dimensions[5].height == 45
    assert people["2305"][head.index("Status")] == "no file"
    assert ws.freeze_panes == "C2"
    assert ws.column_dimensions["A"].width >= len("Student number")
    assert ws.column_dimensions["E"].width is not None
    mistakes_col = openpyxl.utils.get_column_letter(head.index("Named mistakes") + 1)
    assert ws.column_dimensions[mistakes_col].width >= 40  # the words show


def test_class_report_in_indonesian_with_flags(tmp_path: Path, capsys) -> None:
    roster, sub = _class(tmp_path, "id", duplicate=True)
    gx = tmp_path / "nilai.xlsx"
    args = ["check", str(sub), "--roster", str(roster), "--spec", "course", "--lang", "id"]
    assert main([*args, "--gradebook", str(gx)]) == 1
    book = openpyxl.load_workbook(gx)
    assert book.sheetnames == ["Buku nilai", "Kelas", "Kesalahan", "Tanda", "Peta panas"]
    head, *body = _rows(book["Buku nilai"])
    assert head[:7] == ("NIM", "Nama", "Nilai", "maju", "galat", "mundur", "pembaruan")
    assert head[-1] == "Berkas"
    assert [r[0] for r in body] == ["2301", "2303", "2301", "2302", "2304", "2305"]
    flags = _rows(book["Tanda"])
    assert flags[1] == ("Tanda", "Artinya", "Berkas", "Siapa")
    (dup,) = flags[2:]
    assert dup[:3] == ("duplicate_submission", "lebih dari satu berkas untuk satu mahasiswa", 2)
    assert dup[3].count("2301 Ani") == 2 and "ani-final.xlsx" in dup[3]
    ranked = _rows(book["Kesalahan"])
    assert ranked[2] == (1, "net dihitung tanpa bias", "forgot_bias", 1, 1, "2303 Citra")
    # 2 of the 3 files right in net O1 of step 1: 66,7% with the decimal comma
    sheet, cell = _cells("id")[("z", 1, 1, 1, None)]
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    assert m is not None and sheet == "Langkah"
    heat = book["Peta panas"]
    assert heat[f"{m.group(1)}{int(m.group(2)) + 3}"].value == "66,7%"
    rows = _rows(book["Kelas"])
    assert rows[1][0] == "berkas dinilai: 3 dari 3"
    k = rows.index(
        ("Blok", "Sel jawaban", "benar", "terbawa", "terbawa (remeh)", "salah", "kosong")
    )
    assert rows[k + 1][:2] == ("maju", 72)


def test_a_class_report_must_be_an_xlsx_and_not_an_input(tmp_path: Path, capsys) -> None:
    roster, sub = _class(tmp_path, duplicate=True)
    capsys.readouterr()
    assert main(["check", str(sub), "--class-report", str(tmp_path / "c.csv")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"nnsheet: error: {tmp_path / 'c.csv'}: --class-report must be a .xlsx file"
    )
    target = sub / "2301.xlsx"
    before = target.read_bytes()
    assert main(["check", str(sub), "--class-report", str(target)]) == 2
    assert "refusing to overwrite an input file" in capsys.readouterr().err
    assert target.read_bytes() == before


# =========================================================================== serve
BASE = "https://testserver"


def test_teacher_page_shows_the_class_and_offers_its_report(tmp_path: Path) -> None:
    """Serve's class of three (tests/serving.py: 2-2-1, two patterns, weights drawn per
    student): 2301 and 2303 all right, 2302 (whose name is markup) typed net O1 of step 1
    without its bias. Per student 12 forward cells (net and out of 3 units × 2 steps): the
    class's forward block is 35 of 36 correct (97.2%), 1 wrong (2.8%)."""
    spec_file, roster = write_class(tmp_path / "class")
    s, _, _ = prepare(load_spec(spec_file), roster, tmp_path / "data", "en")
    s.workers = 1
    data = tmp_path / "data"
    with TestClient(create_app(s), base_url=BASE) as client:
        code = codes(data)
        for sid in ("2301", "2302", "2303"):
            vals = answers(sid)
            if sid == "2302":
                spec = student_spec(
                    exercise_spec(loads_spec(spec_file.read_text(), "s.toml"), False), sid
                )
                table = run(spec).table(make_layout(spec, "en"))
                z = table[
                    (table.quantity == "z")
                    & (table.layer == 1)
                    & (table.j == 1)
                    & (table.step == 1)
                ]
                b = table[
                    (table.quantity == "b")
                    & (table.layer == 1)
                    & (table.j == 1)
                    & (table.step == 1)
                ]
                key = (z.sheet.item(), z.cell.item())
                vals[key] = vals[key] - float(b.value.item())
            ex = client.get("/api/exercise", auth=(sid, code[sid])).content
            f = fill(ex, tmp_path / f"{sid}.xlsx", vals)
            r = client.post(
                "/api/submissions",
                data={"student_id": sid, "code": code[sid]},
                files={"workbook": ("mine.xlsx", f.read_bytes())},
            )
            assert r.json()["status"] == "graded"
        assert client.get("/teacher/class-report.xlsx", follow_redirects=False).status_code == 303
        token = (data / "teacher-token").read_text().strip()
        page = client.get("/teacher").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        ok = client.post(
            "/teacher/signin", data={"token": token, "csrf": csrf}, follow_redirects=False
        )
        assert ok.status_code == 303
        t = client.get("/teacher").text
        assert 'href="/teacher/class-report.xlsx"' in t
        blocks = t[t.index('id="class-blocks"') :]
        blocks = blocks[: blocks.index("</table>")]
        assert (
            "<td>forward</td><td>36</td><td>97.2%</td><td>0.0%</td><td>0.0%</td><td>2.8%</td><td>0.0%</td>"
            in blocks
        )
        mistakes = t[t.index('id="class-mistakes"') :]
        mistakes = mistakes[: mistakes.index("</table>")]
        assert (
            "<td>1</td><td>the net computed without the bias</td><td>forgot_bias</td>" in mistakes
        )
        assert "2302 &lt;b&gt;Rizky&lt;/b&gt; &amp; &#34;Co&#34;" in mistakes
        assert "<b>Rizky</b>" not in mistakes
        got = client.get("/teacher/class-report.xlsx")
        assert got.status_code == 200
        assert 'filename="class-report.xlsx"' in got.headers["content-disposition"]
        assert not list(data.glob(".class-report-*"))  # the temporary file is gone
        report = openpyxl.load_workbook(io.BytesIO(got.content))
        assert report.sheetnames == ["Class", "Mistakes", "Flags", "Heat map"]
        ranked = _rows(report["Mistakes"])
        assert ranked[2][2:5] == ("forgot_bias", 1, 1)
        assert ranked[2][5] == '2302 <b>Rizky</b> & "Co"'  # text in a cell, as typed
        heat = report["Heat map"]
        assert "67%" not in [c.value for row in heat.iter_rows() for c in row]
        shown = {
            c.value
            for row in heat.iter_rows(min_row=6)
            for c in row
            if isinstance(c.value, str) and c.value.endswith("%")
        }
        assert shown == {"66.7%", "100%"}  # net O1 of step 1: 2 of 3 right
        book = client.get("/teacher/gradebook.csv").text
        rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(book))}
        assert rows["2302"]["mistakes"] == "forgot_bias"
        assert rows["2302"]["forward"] == f"{100 * 11 / 12:.1f}"
        assert rows["2301"]["forward"] == "100.0"


def test_the_class_report_by_the_api_and_the_teacher_page_in_indonesian(tmp_path: Path) -> None:
    """The class report with the teacher's bearer token (401 without), and the teacher page's
    class tables in Indonesian with the decimal comma: one student of three uploaded, every
    answer right, one typed 0.3 too large (12 forward cells: 11 of 12 right, 91,7 %)."""
    spec_file, roster = write_class(tmp_path / "class")
    s, _, _ = prepare(load_spec(spec_file), roster, tmp_path / "data", "id")
    s.workers = 1
    data = tmp_path / "data"
    with TestClient(create_app(s), base_url=BASE) as client:
        code = codes(data)
        vals = answers("2301", "id")
        spec = student_spec(
            exercise_spec(loads_spec(spec_file.read_text(), "s.toml"), False), "2301"
        )
        table = run(spec).table(make_layout(spec, "id"))
        z = table[(table.quantity == "a") & (table.layer == 2) & (table.step == 2)]
        key = (z.sheet.item(), z.cell.item())
        vals[key] += 0.3
        ex = client.get("/api/exercise", auth=("2301", code["2301"])).content
        f = fill(ex, tmp_path / "2301.xlsx", vals)
        r = client.post(
            "/api/submissions",
            data={"student_id": "2301", "code": code["2301"]},
            files={"workbook": ("mine.xlsx", f.read_bytes())},
        )
        assert r.json()["status"] == "graded"
        assert client.get("/api/class-report.xlsx").status_code == 401
        token = (data / "teacher-token").read_text().strip()
        got = client.get("/api/class-report.xlsx", headers={"authorization": f"Bearer {token}"})
        assert got.status_code == 200
        report = openpyxl.load_workbook(io.BytesIO(got.content))
        assert report.sheetnames == ["Kelas", "Kesalahan", "Tanda", "Peta panas"]
        assert _rows(report["Kelas"])[1][0] == "berkas dinilai: 1 dari 1"
        page = client.get("/teacher").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        client.post("/teacher/signin", data={"token": token, "csrf": csrf})
        t = client.get("/teacher").text
        assert "Unduh laporan kelas (xlsx)" in t and "Jawaban kelas menurut blok" in t
        assert "<td>maju</td><td>12</td><td>91,7%</td>" in t


def test_the_heat_map_of_a_columns_exercise_draws_the_steps_as_columns(tmp_path: Path) -> None:
    """``template --layout columns``: the heat map draws the quantities down the sheet and one
    step per column (the step's epoch, step and sample heading it), as the exercise has them.
    Two files: one right, one with net O1 of step 1 typed without its bias (50 % there)."""
    ex = tmp_path / "ex.xlsx"
    assert main(["template", "course", "--layout", "columns", "-o", str(ex)]) == 0
    at = _columns_cells()
    exact = {at[k]: v for k, v in _by_key(answers("2301", "en", COURSE)).items() if k in at}
    sub = tmp_path / "sub"
    sub.mkdir()
    fill(ex, sub / "a.xlsx", exact)
    fill(ex, sub / "b.xlsx", {**exact, at[("z", 1, 1, 1, None)]: 0.26})
    report = tmp_path / "c.xlsx"
    assert main(["check", str(sub), "--class-report", str(report)]) == 1
    heat = openpyxl.load_workbook(report)["Heat map"]

    def drawn(key: tuple) -> object:
        cell = at[key][1]
        letters = "".join(ch for ch in cell if ch.isalpha())
        return heat[f"{letters}{int(cell[len(letters) :]) + 3}"].value

    assert drawn(("z", 1, 1, 1, None)) == "50%"
    assert drawn(("z", 2, 1, 1, None)) == "100%" and drawn(("a", 1, 1, 1, None)) == "100%"
    net = at[("z", 1, 1, 1, None)][1]
    row = int("".join(ch for ch in net if ch.isdigit())) + 3
    assert [heat[f"{c}{row}"].value for c in "AB"] == ["forward pass", "net O1"]
    col = "".join(ch for ch in net if ch.isalpha())
    assert [heat[f"{col}{r}"].value for r in (4, 5, 6)] == [1, 1, 1]  # epoch, step, sample


def _by_key(values: dict[tuple[str, str], float]) -> dict[tuple, float]:
    """The engine's answers of the rows exercise (by cell) by their trace key instead."""
    rows = _cells("en")
    return {k: values[c] for k, c in rows.items() if c in values}
