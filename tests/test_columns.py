"""``--layout columns`` (issue 26 item 4): the Steps sheet with one step per column.

The expected numbers come from outside the code under test: the course network computed by a
learner who rounds (tests/submissions.py, a plain-Python loop), the rows layout's own workbook
(the layout the rest of the suite checks), and hand-written expectations. The layout map is read
only for *where* a value sits, never for what it is.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import openpyxl
import pytest
from submissions import rnd, rounded_course, row_key
from test_workbook import CASES

import nnsheet
from nnsheet.cli import main
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec
from nnsheet.output.workbook import make_layout, write_trace_workbook

GIVEN_Q = {"x", "t", "w", "b", "lr"}


def _course(**ov):
    return load_spec(example_path("course"), {"epochs": 1, **ov})


def _answer_rows(spec, layout: str = "columns", lang: str = "en") -> list[dict]:
    """Where the answer cells are (the layout map's addresses)."""
    table = nnsheet.run(spec).table(make_layout(spec, lang, layout=layout))
    steps, epochs = ("Langkah", "Epoch") if lang == "id" else ("Steps", "Epochs")
    rows = table[table["sheet"].isin([steps, epochs]) & ~table["quantity"].isin(GIVEN_Q)]
    return rows.to_dict("records")


def _fill(template: Path, out: Path, rows: list[dict], values: dict[tuple, float]) -> Path:
    wb = openpyxl.load_workbook(template)
    for r in rows:
        wb[r["sheet"]][r["cell"]] = values[row_key(r)]
    wb.save(out)
    return out


def _report(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ----------------------------------------------------------------------------- the trace
@pytest.mark.parametrize("name", ["course", "batch", "fausett", "siang-xor", "mazur"])
def test_table_is_the_rows_tables_but_for_the_cells(name: str) -> None:
    """The trace table (§5) is the same whatever the layout: every row and value, the sheet
    too; only ``cell`` says where the columns layout put it."""
    spec = CASES[name]()
    trace = nnsheet.run(spec)
    rows = trace.table(make_layout(spec))
    cols = trace.table(make_layout(spec, layout="columns"))
    assert len(rows) == len(cols)
    same = [c for c in rows.columns if c != "cell"]
    assert rows[same].astype(str).equals(cols[same].astype(str))
    steps = rows["sheet"] == "Steps"
    assert (rows["cell"][~steps] == cols["cell"][~steps]).all()  # Setup and Epochs unmoved
    assert (rows["cell"][steps] != cols["cell"][steps]).mean() > 0.9


@pytest.mark.parametrize(("name", "lang"), [("course", "en"), ("batch", "en"), ("siang-xor", "id")])
def test_every_value_sits_where_the_table_says_with_the_rows_layouts_formula_moved(
    tmp_path: Path, name: str, lang: str
) -> None:
    """Each Steps cell of the columns workbook holds the engine's value (cached) and the rows
    workbook's formula with only its references moved: the same formula once each A1
    reference is replaced by the value the rows workbook's table puts there."""
    spec = CASES[name]()
    trace = nnsheet.run(spec)
    books = {}
    for layout in ("rows", "columns"):
        lay = make_layout(spec, lang, layout=layout)
        path = tmp_path / f"{layout}.xlsx"
        write_trace_workbook(trace, path, lay)
        books[layout] = (trace.table(lay), openpyxl.load_workbook(path))
        books[layout] += (openpyxl.load_workbook(path, data_only=True),)
    steps = "Langkah" if lang == "id" else "Steps"
    t_rows, f_rows, _ = books["rows"]
    t_cols, f_cols, v_cols = books["columns"]

    def spelled(formula: str, table) -> str:
        """The formula with each Steps reference replaced by the quantity it holds."""
        where = {
            c: f"{q}/{ly}/{j}/{i}/{st}/{sm}"
            for c, q, ly, j, i, st, sm in zip(
                table["cell"],
                table["quantity"],
                table["layer"],
                table["j"],
                table["i"],
                table["step"],
                table["sample"],
                strict=True,
            )
            if c
        }
        sheet_cells = {c for c, s in zip(table["cell"], table["sheet"], strict=True) if s == steps}

        def sub(m: re.Match) -> str:
            ref = m[2]
            if m[1] or ref not in sheet_cells:  # another sheet's cell (Setup), or a range end
                return m[0]
            return "<" + where[ref] + ">"

        return re.sub(r"(\w+!)?\$?([A-Z]{1,3}\$?\d+)", sub, formula.replace("$", ""))

    checked = 0
    for sheet, c_rows, c_cols, value in zip(
        t_rows["sheet"], t_rows["cell"], t_cols["cell"], t_rows["value"], strict=True
    ):
        if sheet != steps:
            continue
        got = v_cols[steps][c_cols].value
        assert math.isclose(got, value, rel_tol=1e-12, abs_tol=1e-15), (c_cols, got, value)
        a, b = f_rows[steps][c_rows].value, f_cols[steps][c_cols].value
        if ":" in str(a):  # ranges read the same cells, in the other direction
            assert b.count(":") == a.count(":")
            continue
        assert spelled(a, t_rows) == spelled(b, t_cols), (c_rows, a, c_cols, b)
        checked += 1
    assert checked > 50


def test_the_steps_sheet_reads_like_the_books_worked_solution(tmp_path: Path) -> None:
    """Column A the band, B the symbol, C the formula in words, then one column per step."""
    spec = _course()
    path = tmp_path / "t.xlsx"
    write_trace_workbook(nnsheet.run(spec), path, make_layout(spec, layout="columns"))
    ws = openpyxl.load_workbook(path)["Steps"]
    by_symbol = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1)}
    assert [ws.cell(r, 2).value for r in (1, 2, 3)] == ["epoch", "step", "sample"]
    assert [ws.cell(3, c).value for c in (4, 5, 6)] == [1, 2, 3]  # samples 1..3, a column each
    assert ws.max_column == 6
    r = by_symbol["net O1"]
    assert ws.cell(r, 3).value == "w1,1·x1 + w1,2·x2 + w1,3·x3 + b1"
    assert ws.cell(by_symbol["O1"], 3).value == "1/(1+e^-(net O1))"
    assert ws.cell(by_symbol["e1"], 3).value == "t1 − y'1"
    assert ws.cell(by_symbol["eh1"], 3).value == "wo1,1·eo1 + wo2,1·eo2"
    assert ws.cell(by_symbol["f'O1"], 3).value == "O1·(1 − O1)"
    assert ws.cell(by_symbol["Δw1,1"], 3).value == "lr·∂w1,1"
    # the bands' names down column A, merged over their rows
    merged = {str(m) for m in ws.merged_cells.ranges}
    first, last = by_symbol["net O1"], by_symbol["y'2"]
    assert f"A{first}:A{last}" in merged
    assert ws.cell(by_symbol["net O1"], 1).value == "forward pass"
    # formulas point down the step's own column: net O1 of step 2 reads column E
    assert ws.cell(r, 5).value.startswith("=SUMPRODUCT(E")
    # step 2's weights in use are step 1's new weights (column D)
    w11 = by_symbol["w1,1"]
    assert ws.cell(w11, 5).value == f"=D{by_symbol['w1,1 new']}"
    assert ws.cell(w11, 4).value.startswith("=Setup!")


def test_indonesian_and_the_books_notation(tmp_path: Path) -> None:
    spec = nnsheet.load_example("siang-xor", {"epochs": 1})
    path = tmp_path / "t.xlsx"
    write_trace_workbook(nnsheet.run(spec), path, make_layout(spec, "id", layout="columns"))
    ws = openpyxl.load_workbook(path)["Langkah"]
    words = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(1, ws.max_row + 1)}
    assert words["epoch"] == "rumus"
    assert words["x1"] == "diketahui (Inisialisasi)"
    assert words["v11"].endswith("langkah sebelumnya (langkah 1: Inisialisasi)")
    # Siang's δ_k = (t_k − y_k)·f′(y_net_k): read from the error column itself
    assert words["δ_k1"] == "(t1−y1)·f'(y_net1)"
    assert words["z_net1"] == "v11·x1 + v12·x2 + v10"
    assert words["z1"] == "1/(1+e^-(z_net1))"
    assert words["Δv11"] == "α·δ_j1·x1"
    assert words["v11(baru)"] == "v11 + Δv11"


def test_columns_layout_that_does_not_fit_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    out = tmp_path / "t.xlsx"
    rc = main(["trace", "--layout", "columns", "--epochs", "6000", "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and "16,384 columns" in err and "--layout rows" in err
    assert not out.exists()


# ----------------------------------------------------------------------------- the exercise
@pytest.fixture
def exercise(tmp_path: Path) -> Path:
    out = tmp_path / "exercise.xlsx"
    assert main(["template", "--layout", "columns", "-o", str(out)]) == 0
    return out


def test_blank_columns_exercise_records_its_layout_and_shows_nothing(exercise: Path) -> None:
    wb = openpyxl.load_workbook(exercise)
    meta = {r[0].value: r[1].value for r in wb["nnsheet_exercise"].iter_rows() if r[0].value}
    assert meta["layout"] == "columns"
    ws = openpyxl.load_workbook(exercise, data_only=True)["Steps"]
    rows = _answer_rows(_course())
    assert all(ws[r["cell"]].value is None for r in rows if r["sheet"] == "Steps")
    # the weights in use of step 2 wait for step 1's new weights: blank, not 0
    w11 = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "w1,1")
    assert ws.cell(w11, 5).value in (None, "")
    f = openpyxl.load_workbook(exercise)["Steps"].cell(w11, 5).value
    assert f.startswith("=IF(COUNT(D") and f.endswith(',"",D' + f.split(",D")[-1])


def test_filled_correctly_is_100_percent(exercise: Path, tmp_path: Path, capsys) -> None:
    rows = _answer_rows(_course())
    filled = _fill(exercise, tmp_path / "ana.xlsx", rows, rounded_course(4))
    capsys.readouterr()
    rc = main(["check", str(filled), "--report", str(tmp_path / "r.csv")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "197 correct, 0 carried, 0 wrong, 0 missing" in out
    assert "flag" not in out and "shifted" not in out
    report = _report(tmp_path / "r.csv")
    assert {r["verdict"] for r in report} == {"correct"}
    # the report names the columns layout's cells: O1 of step 2 is in column E
    o1 = {(r["label"], r["step"]): r["cell"] for r in report}
    assert o1[("O1", "2")][0] == "E" and o1[("O1", "1")][0] == "D"


def test_a_forgotten_bias_is_named_and_later_cells_carried(
    exercise: Path, tmp_path: Path, capsys
) -> None:
    """The learner forgets the bias in net O1 of step 1 (0.1·1 + 0.2·0.5 + 0.3·0.2 = 0.26
    instead of 0.36) and computes everything after from their own numbers."""
    net = rnd(0.1 * 1 + 0.2 * 0.5 + 0.3 * 0.2)
    o1 = rnd(1 / (1 + math.exp(-net)))
    values = rounded_course(4, slip=o1)
    values[("z", 1, 1, 1, None)] = net
    rows = _answer_rows(_course())
    filled = _fill(exercise, tmp_path / "budi.xlsx", rows, values)
    capsys.readouterr()
    rc = main(["check", str(filled), "--report", str(tmp_path / "r.csv")])
    out = capsys.readouterr().out
    assert rc == 1
    report = {(r["label"], r["step"]): r for r in _report(tmp_path / "r.csv")}
    wrong = report[("net O1", "1")]
    assert wrong["verdict"] == "wrong" and "forgot_bias" in wrong["mistake"]
    assert wrong["cell"] == f"D{_row_of('net O1')}"
    assert report[("O1", "1")]["verdict"] == "carried"
    assert report[("net y'1", "1")]["verdict"] == "carried"
    assert report[("w1,1 new", "3")]["verdict"] == "carried"
    assert sum(r["verdict"] == "wrong" for r in report.values()) == 1
    assert "first wrong: Steps!D" in out


def _row_of(symbol: str) -> int:
    lay = make_layout(_course(), layout="columns")
    header = next(c for c in lay.steps_header_cells() if c.col == 1 and c.value == symbol)
    return header.row + 1


def test_a_table_the_learner_moved_is_found_by_its_row_labels(
    exercise: Path, tmp_path: Path, capsys
) -> None:
    """Rows inserted above the table and inside it, and a scratch column between the steps:
    the answers are found by the symbols in column B and the step numbers in rows 1-3."""
    rows = _answer_rows(_course())
    filled = _fill(exercise, tmp_path / "f.xlsx", rows, rounded_course(4))
    wb = openpyxl.load_workbook(filled)
    ws = wb["Steps"]
    ws.insert_rows(1, 2)  # two rows of notes above
    ws["A1"] = "my notes"
    r = _row_of("net O1") + 2
    ws.insert_rows(r, 1)  # a scratch row in front of the forward pass
    ws.cell(r, 4).value = 99.0
    ws.insert_cols(5, 1)  # a scratch column between steps 1 and 2
    ws.cell(r + 1, 5).value = -3.0
    wb.save(filled)
    capsys.readouterr()
    rc = main(["check", str(filled), "--report", str(tmp_path / "r.csv")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "197 correct, 0 carried, 0 wrong, 0 missing" in out
    assert "Steps: 1 extra column (E) and 3 extra rows (1, 2, " in out
    report = {(r["label"], r["step"]): r["cell"] for r in _report(tmp_path / "r.csv")}
    assert report[("net O1", "1")] == f"D{r + 1}"
    assert report[("net O1", "2")] == f"F{r + 1}"


@pytest.mark.parametrize("lang", ["en", "id"])
def test_a_layout_other_than_the_records_is_flagged(tmp_path: Path, capsys, lang: str) -> None:
    ex = tmp_path / "ex.xlsx"
    assert main(["template", "--layout", "columns", "--lang", lang, "-o", str(ex)]) == 0
    filled = _fill(ex, tmp_path / "f.xlsx", _answer_rows(_course(), lang=lang), rounded_course(4))
    capsys.readouterr()
    rc = main(["check", str(filled), "--layout", "rows", "--lang", lang])
    out = capsys.readouterr().out
    assert rc == 0  # every answer found and correct; the difference is flagged
    line = next(x for x in out.splitlines() if "layout columns" in x)
    if lang == "en":
        assert "layout columns instead of rows in the hidden settings" in line
    else:
        assert "layout columns, seharusnya rows, di pengaturan tersembunyi" in line
    # the record stated the same layout: nothing to flag
    capsys.readouterr()
    assert main(["check", str(filled), "--layout", "columns"]) == 0
    assert "layout columns" not in capsys.readouterr().out
    # with --spec, the record's layout is template's default unless stated
    assert main(["check", str(filled), "--spec", "course", "--layout", "columns"]) == 0
    assert "tampered" not in capsys.readouterr().out


def test_rows_exercise_checked_as_columns_is_flagged_and_still_graded(
    tmp_path: Path, capsys
) -> None:
    ex = tmp_path / "ex.xlsx"
    assert main(["template", "-o", str(ex)]) == 0
    filled = _fill(ex, tmp_path / "f.xlsx", _answer_rows(_course(), "rows"), rounded_course(4))
    capsys.readouterr()
    assert main(["check", str(filled), "--layout", "columns"]) == 0
    out = capsys.readouterr().out
    assert "197 correct" in out and "layout rows instead of columns" in out


def test_damaged_layout_in_the_hidden_sheet_is_one_line(exercise: Path, tmp_path: Path, capsys):
    wb = openpyxl.load_workbook(exercise)
    meta = wb["nnsheet_exercise"]
    row = next(r for r in meta.iter_rows() if r[0].value == "layout")
    row[1].value = "diagonal"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    capsys.readouterr()
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.strip().endswith("the exercise's hidden settings are damaged"), err
    assert err.count("\n") == 1


def test_graded_copy_keeps_the_columns_layout(exercise: Path, tmp_path: Path, capsys) -> None:
    rows = _answer_rows(_course())
    filled = _fill(exercise, tmp_path / "f.xlsx", rows, rounded_course(4))
    graded = tmp_path / "graded.xlsx"
    assert main(["check", str(filled), "-o", str(graded)]) == 0
    ws = openpyxl.load_workbook(graded)["Steps"]
    r = _row_of("O1")
    assert ws.cell(r, 2).value == "O1"
    assert ws.cell(r, 4).value == pytest.approx(rounded_course(4)[("a", 1, 1, 1, None)])


def test_guide_and_instructions_speak_of_columns(exercise: Path) -> None:
    wb = openpyxl.load_workbook(exercise)
    guide = " ".join(str(c.value) for row in wb["Guide"].iter_rows() for c in row if c.value)
    assert "one column per training step" in guide and "column A names the band" in guide
    assert "one row per training step" not in guide
    steps = " ".join(str(c.value) for row in wb["Exercise"].iter_rows() for c in row if c.value)
    assert "your new weights of the column before" in steps


def test_handout_page_estimate_of_the_columns_layout() -> None:
    """``--pdf`` refuses a handout of too many pages before training: the columns layout's
    estimate is its steps' columns across, two pages down."""
    from nnsheet.output.workbook import steps_pages

    one = make_layout(_course(), layout="columns")
    assert steps_pages(one) == (1, 2)  # 3 steps side by side on a portrait page
    many = make_layout(_course(epochs=100), layout="columns")
    across, down = steps_pages(many)
    assert down == 2 and 300 // 7 <= across <= 300 // 3


def test_a_deleted_step_column_is_missing_and_the_others_graded(
    exercise: Path, tmp_path: Path, capsys
) -> None:
    filled = _fill(exercise, tmp_path / "f.xlsx", _answer_rows(_course()), rounded_course(4))
    wb = openpyxl.load_workbook(filled)
    wb["Steps"].delete_cols(5, 1)  # step 2's column
    wb.save(filled)
    capsys.readouterr()
    assert main(["check", str(filled)]) == 1
    out = capsys.readouterr().out
    assert "132 correct, 0 carried, 0 wrong, 65 missing" in out  # 65 answers a step
    assert "their answers missing: Steps: step 2, sample 2" in out
