"""nnsheet template / nnsheet check (issue 4, design.md §6).

Fills are built here from the engine's own trace (and, for the slip, a hand-written numpy
network), never from the grader.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from submissions import rounded_course

import nnsheet.grading.read
from nnsheet import grading as grader
from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.examples import example_path
from nnsheet.core.safety import XlsxLimits
from nnsheet.core.specfile import load_spec
from nnsheet.exercise.template import ExerciseOptions
from nnsheet.output.workbook import make_layout
from nnsheet.sheet.formula import FormulaError, evaluate, parse
from nnsheet.words.grading_text import VERDICT_WORDS, reason

GIVEN_Q = {"x", "t", "w", "b", "lr"}


def course_spec(**ov):
    return load_spec(example_path("course"), ov or None)


def expected_answers(spec) -> list[dict]:
    """Answer cells and their values, from the engine's trace table (not from the grader)."""
    trace = run(spec)
    table = trace.table(make_layout(spec))
    rows = table[table["sheet"].isin(["Steps", "Epochs"]) & ~table["quantity"].isin(GIVEN_Q)]
    return rows.to_dict("records")


@pytest.fixture
def template(tmp_path: Path) -> Path:
    out = tmp_path / "exercise.xlsx"
    assert main(["template", "-o", str(out)]) == 0
    return out


def fill(template: Path, out: Path, values: dict[tuple[str, str], object]) -> Path:
    wb = openpyxl.load_workbook(template)
    for (sheet, cell), v in values.items():
        wb[sheet][cell] = v
    wb.save(out)
    return out


def exact_values(spec) -> dict[tuple[str, str], object]:
    return {(r["sheet"], r["cell"]): float(r["value"]) for r in expected_answers(spec)}


def verdicts(path: Path, *extra: str) -> tuple[int, dict[str, str], str]:
    report = path.with_suffix(".grades.csv")
    rc = main(["check", str(path), "--report", str(report), *extra])
    with open(report, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return rc, {f"{r['sheet']}!{r['cell']}": r["verdict"] for r in rows}, report.read_text()


# ----------------------------------------------------------------------------- template
def test_template_has_every_answer_cell_blank_unlocked_and_protected(template: Path) -> None:
    spec = course_spec(epochs=1)
    answers = expected_answers(spec)
    wb = openpyxl.load_workbook(template)
    for r in answers:
        c = wb[r["sheet"]][r["cell"]]
        assert c.value is None, r
        assert c.protection.locked is False, r
    for name in ("Steps", "Epochs", "Setup"):
        assert wb[name].protection.sheet
    assert wb["nnsheet_exercise"].sheet_state == "veryHidden"
    # the givens are there
    assert wb["Setup"]["B4"].value == 0.5


def _xml_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


def _spellings(v: float) -> set[str]:
    out = {repr(v), f"{v:.15g}", f"{v:.16g}", f"{v:.17g}"}
    for d in (4, 5, 6, 8, 10):
        out.add(f"{v:.{d}f}".rstrip("0"))
    return out


def test_template_contains_no_answer_cached_or_hidden(template: Path) -> None:
    spec = course_spec(epochs=1)
    text = _xml_text(template)
    given_vals = {
        round(float(x), 12)
        for x in np.concatenate(
            [
                spec.inputs.ravel(),
                spec.targets.ravel(),
                *[ly.weights.ravel() for ly in spec.layers],
                *[ly.biases.ravel() for ly in spec.layers],
                [spec.learning_rate],
            ]
        )
    }
    checked = 0
    for r in expected_answers(spec):
        v = float(r["value"])
        if abs(v) < 1e-3 or round(v, 12) in given_vals or len(repr(abs(v))) < 7:
            continue  # too short to be told apart from layout numbers
        for s in _spellings(v):
            if len(s.lstrip("-")) >= 6:
                assert not re.search(r"(?<![\d.])" + re.escape(s) + r"(?!\d)", text), (r, s)
        checked += 1
    assert checked > 100
    # the weights in use on later rows are formulas with an empty cached result, blank until
    # the new weight they read is typed
    assert re.search(r"<c r=\"I4\"[^>]*><f>IF\(COUNT\(BW3\)&lt;1,\"\",BW3\)</f><v></v></c>", text)


def test_template_options_ask_and_steps(tmp_path: Path) -> None:
    out = tmp_path / "fw.xlsx"
    assert main(["template", "-o", str(out), "--ask", "forward", "--steps", "1"]) == 0
    spec = course_spec(epochs=1)
    rows = [r for r in expected_answers(spec) if r["quantity"] in ("z", "a") and r["step"] == 1]
    vals = {(r["sheet"], r["cell"]): float(r["value"]) for r in rows}
    filled = fill(out, tmp_path / "fw_filled.xlsx", vals)
    rc, v, _ = verdicts(filled)
    assert rc == 0 and len(v) == len(rows) == 8
    assert set(v.values()) == {"correct"}
    assert main(["template", "-o", str(tmp_path / "x.xlsx"), "--ask", "sideways"]) == 2


# ----------------------------------------------------------------------------- formula evaluator
@pytest.mark.parametrize("name", ["course", "xor", "mazur", "and", "linreg"])
def test_workbook_formulas_evaluated_on_engine_values_give_engine_values(name: str) -> None:
    """The carry-forward evaluator reproduces every value from the layout's own formulas."""
    spec = load_spec(example_path(name))
    key = grader.AnswerKey.build(spec, ExerciseOptions())
    env = grader.LearnerEnv(key, {r.key: r.value for r in key.answers})
    for r in key.answers:
        got = env.compute(r.key)
        assert got == pytest.approx(r.value, rel=1e-12, abs=1e-12), r


def test_batch_and_rounded_formulas_evaluate_too() -> None:
    for ov in ({"preset": "gradient"}, {}):
        spec = load_spec(example_path("xor"), ov)
        import dataclasses

        spec = dataclasses.replace(spec, mode="minibatch", batch_size=2, round=4)
        key = grader.AnswerKey.build(spec, ExerciseOptions())
        env = grader.LearnerEnv(key, {r.key: r.value for r in key.answers})
        for r in key.answers:
            assert env.compute(r.key) == pytest.approx(r.value, abs=1e-12), r


def test_formula_language_is_restricted() -> None:
    class E:
        def cell(self, sheet, ref):
            return {"A1": 2.0, "B1": 3.0}[ref]

        def name(self, n):
            return 0.5

    assert evaluate(parse("=SUMPRODUCT(A1:B1,A1:B1)+-A1*learning_rate"), E(), "S") == 12.0
    assert evaluate(parse("=IF((A1>=2)=(B1=3),1,0)*ROUND(2.675,2)"), E(), "S") == 2.68
    for bad in ("=__import__('os')", "=INDIRECT(A1)", "=A1;B1", "=foo", "=1/(A1-2)"):
        with pytest.raises(FormulaError):
            evaluate(parse(bad), E(), "S")


# ----------------------------------------------------------------------------- grading
def test_exact_values_all_correct(template: Path, tmp_path: Path) -> None:
    f = fill(template, tmp_path / "exact.xlsx", exact_values(course_spec(epochs=1)))
    rc, v, _ = verdicts(f)
    assert rc == 0
    assert len(v) == 197 and set(v.values()) == {"correct"}


def test_rounded_values_all_correct(template: Path, tmp_path: Path) -> None:
    vals = {k: round(x, 4) for k, x in exact_values(course_spec(epochs=1)).items()}
    f = fill(template, tmp_path / "rounded.xlsx", vals)
    rc, v, _ = verdicts(f)
    assert rc == 0 and set(v.values()) == {"correct"}
    # with --decimals 6 the 4-decimal answers are no longer close enough
    rc, v, _ = verdicts(f, "--decimals", "6")
    assert rc == 1 and "wrong" in v.values()


def hand_course(slip: float | None) -> dict[tuple, float]:
    """The course network by hand, exactly (the independent loop of tests/submissions.py, not
    rounded); with ``slip`` the learner's O1 of step 1 replaces the true one and everything after
    it is computed from it. Keys: (quantity, step, layer, j, i) with 1-based j, i."""
    return rounded_course(None, slip)


def _key(r: dict) -> tuple:
    def i(v):
        return None if v is None or v is np.nan or str(v) in ("<NA>", "nan") else int(v)

    step = None if r["quantity"] == "epoch_loss" else i(r["step"])
    return (r["quantity"], step, i(r["layer"]), i(r["j"]), i(r["i"]))


def test_hand_network_matches_engine() -> None:
    hand = hand_course(None)
    rows = [r for r in expected_answers(course_spec(epochs=1)) if r["quantity"] != "accuracy"]
    for r in rows:
        assert hand[_key(r)] == pytest.approx(float(r["value"]), abs=1e-12), r


def test_one_slip_is_wrong_and_its_consequences_are_carried(
    template: Path, tmp_path: Path, capsys
) -> None:
    spec = course_spec(epochs=1)
    rows = expected_answers(spec)
    slip = 0.6123  # not a round number: 0.6 would make f'O1 = 0.24 look like a 2-decimal answer
    hand = hand_course(slip)
    true = hand_course(None)
    vals: dict[tuple[str, str], object] = {}
    expect: dict[str, str] = {}
    o1 = None
    for r in rows:
        cell = f"{r['sheet']}!{r['cell']}"
        if r["quantity"] == "accuracy":
            vals[(r["sheet"], r["cell"])] = float(r["value"])  # thresholds unaffected here
            expect[cell] = "correct"
            continue
        k = _key(r)
        vals[(r["sheet"], r["cell"])] = hand[k]
        if k == ("a", 1, 1, 1, None):
            o1 = cell
            expect[cell] = "wrong"
        elif abs(hand[k] - true[k]) > 1e-9:
            expect[cell] = "carried"
        else:
            expect[cell] = "correct"
    f = fill(template, tmp_path / "slip.xlsx", vals)
    capsys.readouterr()
    rc, v, _ = verdicts(f)
    printed = capsys.readouterr().out
    assert rc == 1
    assert v == expect
    n_carried = sum(1 for x in expect.values() if x == "carried")
    assert n_carried > 150  # the slip runs through the whole epoch
    assert f"first wrong: {o1} O1 (step 1, sample 1)" in printed
    assert "you wrote 0.6123" in printed
    # the formula with its numbers: O1 = 1/(1+e^-(net O1)) = 1/(1+e^-(0.1·1 + 0.2·0.5 + …))
    assert "O1 = 1/(1+e^-(net O1)) = 1/(1+e^-(0.1·1 + 0.2·0.5 + 0.3·0.2 + 0.1)) = 0.589" in printed
    assert re.search(r"forward\s+\d+ correct, \d+ carried, 1 wrong, 0 missing", printed)


def test_typed_text_percentages_blanks_errors_and_words(template: Path, tmp_path: Path) -> None:
    spec = course_spec(epochs=1)
    rows = expected_answers(spec)
    vals: dict[tuple[str, str], object] = exact_values(spec)
    by_label = {(r["label"], r["step"]): r for r in rows if r["sheet"] == "Steps"}
    o1, o2 = by_label[("O1", 1)], by_label[("O2", 1)]
    y1, y2 = by_label[("y'1", 1)], by_label[("y'2", 1)]
    e1, z1 = by_label[("e1", 1)], by_label[("net O1", 1)]
    f1 = by_label[("f'O1", 1)]
    cells = {}

    def put(r, v):
        vals[(r["sheet"], r["cell"])] = v
        cells[r["label"]] = f"Steps!{r['cell']}"

    put(o1, f" {float(o1['value']):.4f} ".replace(".", ","))  # '0,5'-style text
    put(o2, f"{100 * float(o2['value']):.2f}%")  # percentage
    put(y1, None)  # blank
    put(y2, "#DIV/0!")  # an error value
    put(e1, "abc")  # a stray word
    put(z1, f"{float(z1['value']):.5f}")  # a number typed as text with a dot
    put(f1, "=X3*(1-X3)")  # a formula typed by the learner, never computed (saved by openpyxl)
    f = fill(template, tmp_path / "text.xlsx", vals)
    res = grader.grade_file(f, grader.Record()).result
    by_cell = {f"{m.row.sheet}!{m.row.cell}": m for m in res.marks}
    assert by_cell[cells["O1"]].verdict == "correct"
    assert by_cell[cells["O2"]].verdict == "correct"
    assert by_cell[cells["net O1"]].verdict == "correct"
    assert by_cell[cells["y'1"]].verdict == "missing"
    assert by_cell[cells["y'2"]].verdict == "wrong"
    assert "#DIV/0!" in reason(by_cell[cells["y'2"]].reason, "en")
    assert by_cell[cells["e1"]].verdict == "wrong"
    assert "'abc' is not a number" in reason(by_cell[cells["e1"]].reason, "en")
    assert by_cell[cells["f'O1"]].verdict == "wrong"
    assert "not computed" in reason(by_cell[cells["f'O1"]].reason, "en")
    # everything else still correct
    others = [m for c, m in by_cell.items() if c not in cells.values()]
    assert {m.verdict for m in others} == {"correct"}


@pytest.mark.parametrize(
    "text,value,decimals",
    [
        ("0,5", 0.5, 1),
        (" 0.5 ", 0.5, 1),
        ("59.33%", 0.5933, 4),
        ("−0,25", -0.25, 2),
        ("1.5e-3", 0.0015, 4),
        ("1,234.5", 1234.5, 1),
        ("1.234,5", 1234.5, 1),
    ],
)
def test_parse_text(text: str, value: float, decimals: int) -> None:
    g = grader.parse_text(text)
    assert g.value == pytest.approx(value) and g.decimals == decimals and g.problem is None


def test_tolerance_half_a_unit_in_the_last_decimal() -> None:
    g = grader.parse_text("0.5933")
    assert grader.close(g.value, 0.593269992, grader.tolerance(g, None))
    assert not grader.close(g.value, 0.59320, grader.tolerance(g, None))
    # stated decimals make it stricter, never looser than the decimals typed (issue 10)
    assert not grader.close(g.value, 0.59320, grader.tolerance(g, 3))
    short = grader.parse_text("0.577")  # 3 decimals typed where 4 are stated
    assert not grader.close(short.value, 0.5767, grader.tolerance(short, 4))
    assert grader.close(short.value, 0.57704, grader.tolerance(short, 4))
    assert not grader.close(short.value, 0.57706, grader.tolerance(short, 4))
    assert grader.close(short.value, 0.5767, grader.tolerance(short, 2))


# ----------------------------------------------------------------------------- unreadable files
def _unreadable(tmp_path: Path, template: Path) -> dict[str, Path]:
    d = tmp_path / "bad"
    d.mkdir()
    xls = d / "old.xls"
    xls.write_bytes(grader.OLE_MAGIC + b"\0" * 600)
    enc = d / "locked.xlsx"
    enc.write_bytes(
        grader.OLE_MAGIC + b"\0" * 100 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 400
    )
    ods = d / "calc.ods"
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<x/>")
    csvf = d / "table.xlsx"
    csvf.write_text("a,b\n1,2\n")
    empty = d / "empty.xlsx"
    empty.write_bytes(b"")
    trunc = d / "truncated.xlsx"
    data = template.read_bytes()
    trunc.write_bytes(data[: len(data) // 2])
    plain = d / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(plain)
    return {
        "xls": xls,
        "encrypted": enc,
        "ods": ods,
        "csv": csvf,
        "empty": empty,
        "truncated": trunc,
        "plain": plain,
    }


MESSAGES = {
    "xls": "Excel 97-2003 (.xls)",
    "encrypted": "password-protected",
    "ods": "cannot be read as an .ods workbook",
    "csv": "text (CSV?) file",
    "empty": "empty",
    "truncated": "truncated or damaged",
    "plain": "not an nnsheet exercise",
}


def test_every_unreadable_file_exits_2_with_one_line(
    template: Path, tmp_path: Path, capsys
) -> None:
    for kind, path in _unreadable(tmp_path, template).items():
        capsys.readouterr()
        assert main(["check", str(path)]) == 2, kind
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, (kind, err)
        assert MESSAGES[kind] in err and str(path) in err, (kind, err)


def test_zip_bomb_is_refused_before_loading(
    template: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(nnsheet.grading.read, "LIMITS", XlsxLimits(max_uncompressed=1000))
    assert main(["check", str(template)]) == 2
    assert "refusing to open it" in capsys.readouterr().err


def test_plain_workbook_with_spec_is_graded_against_it(template: Path, tmp_path: Path) -> None:
    # a trace workbook is not an exercise, but --spec says what it should hold
    from nnsheet.output.workbook import write_trace_workbook

    tr = tmp_path / "trace.xlsx"
    write_trace_workbook(run(course_spec(epochs=1)), tr)
    assert main(["check", str(tr)]) == 2
    rc, v, _ = verdicts(tr, "--spec", "course")
    assert rc == 0 and len(v) == 197


# ----------------------------------------------------------------------------- a class
def test_a_class_in_one_call(template: Path, tmp_path: Path) -> None:
    spec = course_spec(epochs=1)
    sub = tmp_path / "submissions"
    sub.mkdir()
    exact = exact_values(spec)
    fill(template, sub / "ana.xlsx", exact)
    fill(template, sub / "budi.xlsx", {k: round(x, 4) for k, x in exact.items()})
    slip = dict(exact)
    first = next(r for r in expected_answers(spec) if r["label"] == "O2")
    slip[(first["sheet"], first["cell"])] = 0.1234  # nothing recomputed after it
    fill(template, sub / "citra.xlsx", slip)
    blank = dict(exact)
    blank[(first["sheet"], first["cell"])] = None
    fill(template, sub / "dewi.xlsx", blank)
    (sub / "eko.xlsx").write_text("name,answer\n")
    files = sorted(sub.glob("*.xlsx"))
    before = {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    report, graded = tmp_path / "grades.csv", tmp_path / "graded"
    rc = main(["check", *map(str, files), "--report", str(report), "-o", str(graded)])
    assert rc == 2  # the worst: one unreadable file
    with open(report, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == grader.REPORT_COLUMNS
    counts: dict[str, dict[str, int]] = {}
    for r in rows:
        c = counts.setdefault(Path(r["file"]).name, {})
        c[r["verdict"]] = c.get(r["verdict"], 0) + 1
    assert counts["ana.xlsx"] == {"correct": 197}
    assert counts["budi.xlsx"] == {"correct": 197}
    assert counts["citra.xlsx"]["wrong"] == 1
    assert (
        counts["citra.xlsx"]["correct"] + counts["citra.xlsx"].get("carried", 0) + 1 == 197
    )  # later cells right against the engine (the learner did not carry it)
    assert counts["dewi.xlsx"] == {"correct": 196, "missing": 1}
    assert "eko.xlsx" not in counts
    assert sorted(p.name for p in graded.iterdir()) == [
        "ana.xlsx",
        "budi.xlsx",
        "citra.xlsx",
        "dewi.xlsx",
    ]
    after = {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    assert after == before  # the learners' files are never changed


def test_graded_copy_colours_comments_and_legend(template: Path, tmp_path: Path) -> None:
    spec = course_spec(epochs=1)
    vals = exact_values(spec)
    o1 = next(r for r in expected_answers(spec) if r["label"] == "O1")
    vals[(o1["sheet"], o1["cell"])] = 0.75
    f = fill(template, tmp_path / "learner.xlsx", vals)
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    out = tmp_path / "graded.xlsx"
    assert main(["check", str(f), "-o", str(out)]) == 1
    assert hashlib.sha256(f.read_bytes()).hexdigest() == digest
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Grades"
    g = wb["Grades"]
    texts = [str(c.value) for row in g.iter_rows() for c in row if c.value is not None]
    for code in grader.VERDICTS:  # the legend in words (carried_trivial: "carried (trivial)")
        word = VERDICT_WORDS["en"][code]
        assert any(t.startswith(word + ":") for t in texts), word
    c = wb["Steps"][o1["cell"]]
    assert c.fill.fgColor.rgb.endswith(grader.COLOURS["wrong"])
    assert c.comment is not None and "WRONG" in c.comment.text and "0.75" in c.comment.text
    ok = next(r for r in expected_answers(spec) if r["label"] == "net O1")
    assert wb["Steps"][ok["cell"]].fill.fgColor.rgb.endswith(grader.COLOURS["correct"])
    # a graded copy is never written over the learner's file
    assert main(["check", str(f), "-o", str(f)]) == 2


def test_report_given_column_and_exit_codes(template: Path, tmp_path: Path) -> None:
    f = fill(template, tmp_path / "empty_answers.xlsx", {})
    rc, v, text = verdicts(f)
    assert rc == 1 and set(v.values()) == {"missing"}
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["expected"] and rows[0]["given"] == ""
