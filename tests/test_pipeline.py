"""Issue 20: grading as one typed pipeline in one direction — read → Book → locate → Placement →
AnswerKey (AnswerCells) → mark → Outcome — with reasons and flags as codes and fields, put into
words only at the edges, and no pandas on the way.

Fills are the engine's trace table (never the grader); the Indonesian reasons are written out
here by hand, as the course says them.
"""

from __future__ import annotations

import copy
import dataclasses
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec
from nnsheet.grading import Flag, Reason, Record, class_flags, grade_file, key_for, read_book
from nnsheet.output.workbook import make_layout
from nnsheet.words.grading_text import REASON_TEXT, flag_note, reason

GIVEN_Q = {"x", "t", "w", "b", "lr"}


def _answers(lang: str = "en") -> list[dict]:
    spec = load_spec(example_path("course"), {"epochs": 1})
    lay = make_layout(spec, lang)
    table = run(spec).table(lay)
    rows = table[
        table["sheet"].isin([lay.sheets.steps, lay.sheets.epochs])
        & ~table["quantity"].isin(GIVEN_Q)
    ]
    return rows.to_dict("records")


@pytest.fixture(scope="module")
def exercise(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("pipeline")
    out = d / "exercise.xlsx"
    assert main(["template", "-o", str(out)]) == 0
    return out


def _filled(template: Path, out: Path, change: dict[str, object] | None = None) -> Path:
    wb = openpyxl.load_workbook(template)
    for r in _answers():
        wb[r["sheet"]][r["cell"]] = round(float(r["value"]), 6)
    for ref, v in (change or {}).items():
        sheet, cell = ref.split("!")
        wb[sheet][cell] = v
    wb.save(out)
    return out


# ----------------------------------------------------------------------------- no pandas
def test_check_and_serves_grading_never_import_pandas(exercise: Path, tmp_path: Path) -> None:
    """``check`` (every output asked for) and serve's worker grade without pandas: the answer key
    is read from the layout's cell stream."""
    f = _filled(exercise, tmp_path / "f.xlsx", {"Steps!Y3": 0.6})
    code = (
        "import sys\n"
        "from nnsheet.cli import main\n"
        f"main(['check', {str(f)!r}, '-o', {str(tmp_path / 'g.xlsx')!r},"
        f" '--report', {str(tmp_path / 'r.csv')!r}, '--gradebook', {str(tmp_path / 'b.csv')!r}])\n"
        "import nnsheet.serve.grade\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'pandas'], 'pandas imported'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
    assert "1 wrong" in done.stdout


# ----------------------------------------------------------------------------- one direction
def test_each_stage_returns_a_frozen_value_and_changes_nothing_before_it(
    exercise: Path, tmp_path: Path
) -> None:
    f = _filled(exercise, tmp_path / "f.xlsx")
    book = read_book(f)
    before = copy.deepcopy(book)
    # the teacher's record asks for the forward pass only: a difference the key returns
    key, tampered = key_for(
        book, f, Record(load_spec(example_path("course")), ask=("forward",)), {}
    )
    assert book == before  # nothing written into what the file says
    assert tampered == (("diff.option", {"what": "ask", "got": "all", "want": "forward"}),)
    assert {a.quantity for a in key.answers} == {"z", "a"}
    out = grade_file(f, Record(load_spec(example_path("course")), ask=("forward",)))
    assert out.result is not None and out.problem is None
    assert [fl.code for fl in out.flags] == ["tampered"]
    assert out.flags[0].what == tampered
    res = out.result
    for thing, field in (
        (out, "flags"),
        (out.book, "meta"),
        (res, "marks"),
        (res.marks[0], "verdict"),
        (res.placement, "where"),
        (key.answers[0], "value"),
        (key, "answers"),
        (out.flags[0], "code"),
    ):
        with pytest.raises(AttributeError):  # a frozen dataclass's error is one too
            setattr(thing, field, None)


def test_a_deleted_row_and_an_inserted_column_are_the_placements_not_the_books(
    exercise: Path, tmp_path: Path
) -> None:
    f = _filled(exercise, tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(f)
    wb["Steps"].insert_cols(5)
    wb["Steps"].delete_rows(5)
    wb.save(f)
    out = grade_file(f, Record())
    assert out.result is not None
    at = out.result.placement
    assert [s.cols for s in at.shifted] == [("E",)]
    assert [(r.step, r.sample) for r in at.lost_rows] == [(3, 3)]
    lost = {m.row.key for m in out.result.marks if m.reason == Reason.of("row_lost")}
    assert lost == set(at.absent) and len(lost) == 65
    assert not hasattr(out.book, "where") and not hasattr(out.book, "tampered")


def test_answer_keys_are_cached_by_the_specs_value_not_its_identity(
    exercise: Path, tmp_path: Path
) -> None:
    f = _filled(exercise, tmp_path / "f.xlsx")
    book = read_book(f)
    cache: dict = {}
    a, _ = key_for(book, f, Record(load_spec(example_path("course"))), cache)
    b, _ = key_for(book, f, Record(load_spec(example_path("course"))), cache)  # another object
    assert a is b and len(cache) == 1
    other = load_spec(example_path("course"))
    w = other.layers[0].weights.copy()
    w[0, 0] = 0.15
    layers = (dataclasses.replace(other.layers[0], weights=w), *other.layers[1:])
    c, _ = key_for(book, f, Record(dataclasses.replace(other, layers=layers)), cache)
    assert c is not a and len(cache) == 2
    assert c.values[("Setup", "B20")] == 0.15 and a.values[("Setup", "B20")] == 0.1


def test_class_flags_compare_the_outcomes_of_one_run(exercise: Path, tmp_path: Path) -> None:
    a = _filled(exercise, tmp_path / "a.xlsx", {"Steps!Y3": 0.6})
    b = _filled(exercise, tmp_path / "b.xlsx", {"Steps!Y3": 0.6})
    c = _filled(exercise, tmp_path / "c.xlsx")
    outs = [grade_file(p, Record()) for p in (a, b, c)]
    found = class_flags(outs, Record())
    assert [[f.code for f in fl] for fl in found] == [
        ["identical:b.xlsx"],
        ["identical:a.xlsx"],
        [],
    ]
    assert found[0][0].fields["agree"] == found[0][0].fields["filled"] == 197
    assert flag_note(found[0][0], "en") == (
        "197 of 197 filled answer cells are the same as in b.xlsx, 1 of them wrong in one file "
        "or both"
    )


# ----------------------------------------------------------------------------- words at the edges
REASONS = [
    (Reason.of("blank"), "nothing typed", "tidak ada yang diketik"),
    (Reason.of("row_lost"), "its row is not in your table", "barisnya tidak ada di tabel Anda"),
    (
        Reason.of("merged", cell="W3"),
        "merged into W3; only W3 keeps a value",
        "digabung ke W3; hanya W3 yang menyimpan nilai",
    ),
    (
        Reason.of("dated"),
        "stored under a date or time format; graded as the number it holds",
        "tersimpan dengan format tanggal atau waktu; dinilai sebagai angka yang tersimpan",
    ),
    (
        Reason.of("expected", expected="0.58904", own=None, typed=None, stated=4),
        "expected 0.58904",
        "seharusnya 0,58904",
    ),
    (
        Reason.of("expected", expected="0.58904", own="0.6123", typed=None, stated=4),
        "expected 0.58904 (or 0.6123 from your own earlier values)",
        "seharusnya 0,58904 (atau 0,6123 bila dihitung dari nilai Anda sendiri sebelumnya)",
    ),
    (
        Reason.of("expected", expected="0.58904", own=None, typed=1, stated=4),
        "expected 0.58904; typed with 1 decimal, but this exercise asks for at least 4",
        "seharusnya 0,58904; diketik dengan 1 angka di belakang koma, padahal latihan ini "
        "meminta paling sedikit 4",
    ),
    (
        Reason.of("expected", expected="0.5", own=None, typed=2, stated=4),
        "expected 0.5; typed with 2 decimals, but this exercise asks for at least 4",
        "seharusnya 0,5; diketik dengan 2 angka di belakang koma, padahal latihan ini "
        "meminta paling sedikit 4",
    ),
    (
        Reason.of("drift", own="0.5891", exact="0.58904"),
        "rounding, not a mistake: from your own earlier values, which are correct, it is 0.5891 "
        "(unrounded 0.58904)",
        "pembulatan, bukan kesalahan: dihitung dari nilai Anda sendiri sebelumnya, yang benar, "
        "hasilnya 0,5891 (tanpa pembulatan 0,58904)",
    ),
    (
        Reason.of("carried", own="0.7", root="wrong", where="Steps!Y3 O1", exact="0.71"),
        "from your own earlier values it is 0.7: it follows correctly from your earlier wrong "
        "value Steps!Y3 O1 (expected 0.71)",
        "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya 0,7: nilai ini mengikuti "
        "dengan benar dari nilai Anda yang salah, Steps!Y3 O1 (seharusnya 0,71)",
    ),
    (
        Reason.of("carried", own="0.7", root="missing", where="Steps!Y3 O1", exact="0.71"),
        "from your own earlier values it is 0.7: it follows correctly from your earlier missing "
        "value Steps!Y3 O1 (expected 0.71)",
        "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya 0,7: nilai ini mengikuti "
        "dengan benar dari sel Anda yang kosong, Steps!Y3 O1 (seharusnya 0,71)",
    ),
    (
        Reason.of("carried_trivial", own="0", root="wrong", where="Steps!AA3 y'1", exact="0.2381"),
        "from your own earlier values it is 0, but only because your earlier wrong value "
        "Steps!AA3 y'1 made it 0; no credit (expected 0.2381)",
        "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya 0, tetapi hanya karena nilai "
        "Anda sebelumnya Steps!AA3 y'1 membuatnya 0; tanpa nilai (seharusnya 0,2381)",
    ),
    (
        Reason.of(
            "carried_trivial",
            own="0.7",
            root="wrong",
            where="Steps!Y3 O1",
            exact="0.7012",
            input="Steps!L4 wo1,1",
        ),
        "from your own earlier values it is 0.7, but only because your earlier wrong value "
        "Steps!Y3 O1 made it equal to Steps!L4 wo1,1; no credit (expected 0.7012)",
        "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya 0,7, tetapi hanya karena "
        "nilai Anda sebelumnya Steps!Y3 O1 membuatnya sama dengan Steps!L4 wo1,1; tanpa nilai "
        "(seharusnya 0,7012)",
    ),
    (
        Reason.of(
            "drift", own="0.1", exact="0.1004", through="Steps!AF3 f'(y_in1), Steps!AQ3 ∂v11"
        ),
        "rounding, not a mistake: from your own earlier values, which are correct, it is 0.1 "
        "(unrounded 0.1004); the blank cell(s) Steps!AF3 f'(y_in1), Steps!AQ3 ∂v11 computed "
        "from your own numbers",
        "pembulatan, bukan kesalahan: dihitung dari nilai Anda sendiri sebelumnya, yang benar, "
        "hasilnya 0,1 (tanpa pembulatan 0,1004); sel kosong Steps!AF3 f'(y_in1), Steps!AQ3 "
        "∂v11 dihitung dari nilai Anda sendiri",
    ),
    (
        Reason.of("text_not_number", text="'abc'"),
        "the text 'abc' is not a number",
        "teks 'abc' bukan angka",
    ),
    (
        Reason.of("not_finite_text", text="'1e999'"),
        "'1e999' is not a finite number",
        "'1e999' bukan angka yang terhingga",
    ),
    (Reason.of("not_finite"), "not a finite number", "bukan angka yang terhingga"),
    (
        Reason.of("spreadsheet_error", value="#DIV/0!"),
        "the spreadsheet error #DIV/0!",
        "galat spreadsheet #DIV/0!",
    ),
    (
        Reason.of("uncomputed"),
        "a formula with no computed result (not computed: open the file in a spreadsheet and "
        "save it)",
        "rumus tanpa hasil hitungan (belum dihitung: buka berkas ini di spreadsheet lalu simpan)",
    ),
    (Reason.of("not_number", what="TRUE"), "TRUE is not a number", "TRUE bukan angka"),
]


@pytest.mark.parametrize(("r", "en", "id_"), REASONS)
def test_every_reason_is_said_in_both_languages_from_its_code(r: Reason, en: str, id_: str) -> None:
    assert reason(r, "en") == en
    assert reason(r, "id") == id_


def test_every_reason_code_is_written_in_both_languages_and_tested() -> None:
    tested = {r.code for r, _, _ in REASONS}
    variants = {"expected.own", "expected.typed", "carried_trivial.input"}
    briefs = {k for k in REASON_TEXT["en"] if k.endswith(".brief")}
    assert set(REASON_TEXT["en"]) - variants - briefs == tested
    ids = {k.partition(".")[0] for k in REASON_TEXT["id"]}
    assert ids == {k.partition(".")[0] for k in REASON_TEXT["en"]}


def test_a_flag_is_its_code_and_fields_said_in_the_readers_language() -> None:
    f = Flag("tampered", "note.tampered", what=(("diff.lr", {"got": "0.1", "want": "0.5"}),))
    assert flag_note(f, "en") == (
        "the givens differ from the teacher's record: learning rate 0.1 instead of 0.5 in the "
        "hidden spec"
    )
    assert flag_note(f, "id") == (
        "nilai yang diketahui berbeda dari catatan dosen: laju pembelajaran 0,1, seharusnya 0,5, "
        "di spec tersembunyi"
    )


def test_an_indonesian_summary_says_too_few_decimals_in_indonesian(tmp_path: Path) -> None:
    """The first wrong value's note on decimals comes from the reason's fields, not from
    splitting an English sentence."""
    tmpl = tmp_path / "latihan.xlsx"
    assert main(["template", "--lang", "id", "-o", str(tmpl)]) == 0
    wb = openpyxl.load_workbook(tmpl)
    rows = _answers("id")
    for r in rows:
        wb[r["sheet"]][r["cell"]] = round(float(r["value"]), 6)
    first = next(r for r in rows if r["quantity"] == "a")
    wb[first["sheet"]][first["cell"]] = round(float(first["value"]), 1)
    wb.save(tmpl)
    out = grade_file(tmpl, Record())
    from nnsheet.grading.report import summary

    assert out.result is not None
    line = next(x for x in summary(out.result) if x.startswith("  salah pertama"))
    assert line.endswith(
        " — diketik dengan 1 angka di belakang koma, padahal latihan ini meminta paling sedikit 4"
    ), line
