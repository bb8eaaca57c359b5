"""One exercise per student (issue 13): the roster, the per-student givens and ``[init] decimals``.

The expected givens are computed here on their own, from the seed derivation the README and
exercise/roster.py document (SHA-256 of "<seed>:<id>", first 8 bytes big-endian, shifted right by
one bit; numpy default_rng; layer by layer, weights then biases; Python's round for decimals),
never by calling the code under test.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from nnsheet.core.errors import NnsheetError
from nnsheet.core.specfile import loads_spec, spec_to_toml
from nnsheet.exercise.roster import (
    Student,
    read_roster,
    student_spec,
    write_student_exercises,
)
from nnsheet.exercise.template import ExerciseOptions

#: layer 1: weights fixed, biases drawn; layer 2: weights and biases drawn
SPEC = """
title = "Roster test"
[[layer]]
size = 2
activation = "sigmoid"
weights = [[0.5, -0.4], [0.3, 0.2]]
[[layer]]
size = 1
activation = "sigmoid"
[training]
learning_rate = 0.5
[init]
seed = 7
low = -1.0
high = 1.0
decimals = 1
[data]
inputs = [[0, 1], [1, 0]]
targets = [[1], [1]]
"""


def _expected(
    seed: int, sid: str, decimals: int | None = 1, low: float = -1.0, high: float = 1.0
) -> dict[str, list[float]]:
    """The drawn givens of SPEC for student ``sid``, re-derived independently."""
    h = hashlib.sha256((str(seed) + ":" + sid).encode("utf-8")).digest()
    s = int.from_bytes(h[:8], byteorder="big") // 2
    g = np.random.default_rng(s)
    b1 = list(g.uniform(low, high, 2))
    w2 = list(g.uniform(low, high, (1, 2))[0])
    b2 = list(g.uniform(low, high, 1))
    if decimals is not None:
        b1, w2, b2 = ([round(float(v), decimals) for v in xs] for xs in (b1, w2, b2))
    return {"b1": b1, "w2": w2, "b2": b2, "seed": [s]}


def _roster(tmp_path: Path, text: str, name: str = "class.csv", bom: bool = False) -> Path:
    p = tmp_path / name
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return p


# --------------------------------------------------------------------------- roster parsing
def test_roster_reads_ids_and_unicode_names_exactly(tmp_path: Path) -> None:
    p = _roster(
        tmp_path,
        "No,ID,Name,email\n1,2301,Ni Luh Putu Ayu,a@x\n\n"
        "2,2302,Muhammad Rizky,b@x\n3,2303,Nguyễn Văn Ân,c@x\n4,2304,Σωκράτης Ὀδυσσεύς,\n"
        "5,2305,O'Brien-Łukasz Żółć,\n",
        bom=True,
    )
    assert read_roster(p) == [
        Student("2301", "Ni Luh Putu Ayu", 1),
        Student("2302", "Muhammad Rizky", 2),
        Student("2303", "Nguyễn Văn Ân", 3),
        Student("2304", "Σωκράτης Ὀδυσσεύς", 4),
        Student("2305", "O'Brien-Łukasz Żółć", 5),
    ]


def test_roster_keeps_decomposed_unicode_as_typed(tmp_path: Path) -> None:
    name = "Nguye\u0302\u0303n"  # combining marks, not normalised to NFC
    p = _roster(tmp_path, f"id,name\nA1,{name}\n")
    assert read_roster(p)[0].name == name


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name,email\nAyu,a\n", "row 1: no column 'id'"),
        ("id,email\n1,a\n", "row 1: no column 'name'"),
        ("id,name,ID\n1,Ayu,2\n", "row 1: more than one column 'id'"),
        ("", "empty; expected a header row"),
        ("id,name\n", "expected at least one student"),
        ("id,name\n1,Ayu\n,Rizky\n", "row 3: id '' cannot be a file name: the id is empty"),
        ("id,name\n1,Ayu\n1,Rizky\n", "row 3: id '1' is already on row 2"),
        ("id,name\nab1,Ayu\nAB1,Rizky\n", "row 3: id 'AB1' is already on row 2"),
        ("id,name\n../x,Ayu\n", "row 2: id '../x' cannot be a file name: the id holds '/'"),
        ("id,name\na/b,Ayu\n", "row 2: id 'a/b' cannot be a file name: the id holds '/'"),
        ("id,name\na\\b,Ayu\n", "row 2: id 'a\\\\b' cannot be a file name: the id holds '\\\\'"),
        ("id,name\nCON,Ayu\n", "row 2: id 'CON' cannot be a file name: 'CON' is a device name"),
        ("id,name\nnul.txt,Ayu\n", "'nul' is a device name"),
        ("id,name\ncom1,Ayu\n", "'com1' is a device name"),
        ("id,name\n.,Ayu\n", "row 2: id '.' cannot be a file name: the id starts with a dot"),
        ("id,name\n..,Ayu\n", "the id starts with a dot"),
        ("id,name\n.hidden,Ayu\n", "the id starts with a dot"),
        ("id,name\nab.,Ayu\n", "ends with a dot or a space"),
        ("id,name\na:b,Ayu\n", "the id holds ':'"),
        ('id,name\n"a\tb",Ayu\n', "the id holds '\\t'"),
        ("id,name\n" + "9" * 101 + ",Ayu\n", "longer than 100 characters"),
        ("id,name\n7,\n", "row 2: id '7': expected the student's name, the cell is empty"),
        ("id,name\n7\n", "row 2: id '7': expected the student's name"),
    ],
)
def test_roster_bad_input_is_one_line_naming_the_row(
    tmp_path: Path, text: str, needle: str
) -> None:
    p = _roster(tmp_path, text)
    with pytest.raises(NnsheetError) as exc:
        read_roster(p)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(p))
    assert needle in msg, msg


def test_roster_not_utf8_or_missing(tmp_path: Path) -> None:
    p = tmp_path / "latin1.csv"
    p.write_bytes("id,name\n1,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(NnsheetError, match="expected UTF-8 text"):
        read_roster(p)
    with pytest.raises(NnsheetError, match="roster file not found"):
        read_roster(tmp_path / "nope.csv")
    with pytest.raises(NnsheetError, match="got a folder"):
        read_roster(tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        "NIM;Nama\n2301;Ni Luh Putu Ayu\n2302;Muhammad Rizky\n",  # Indonesian-locale Excel
        "NIM,Nama\n2301,Ni Luh Putu Ayu\n2302,Muhammad Rizky\n",
        "No;Nama;NPM;Kelas\n1;Ni Luh Putu Ayu;2301;A\n2;Muhammad Rizky;2302;A\n",
        "nama,nis\nNi Luh Putu Ayu,2301\nMuhammad Rizky,2302\n",
        "Student ID,NAME\n2301,Ni Luh Putu Ayu\n2302,Muhammad Rizky\n",
        "student_id;name;email\n2301;Ni Luh Putu Ayu;a@x, b@y\n2302;Muhammad Rizky;\n",
    ],
)
def test_roster_header_aliases_any_order_and_separator(tmp_path: Path, text: str) -> None:
    p = _roster(tmp_path, text, bom=True)
    assert read_roster(p) == [
        Student("2301", "Ni Luh Putu Ayu", 1),
        Student("2302", "Muhammad Rizky", 2),
    ]


@pytest.mark.parametrize(
    ("text", "en", "id_"),
    [
        (
            "No;Email\n1;a\n",
            "row 1: no column 'id'; expected a header with the student number (id, nim",
            "baris 1: tidak ada kolom NIM (id); diharapkan baris judul dengan kolom nomor "
            "mahasiswa (id, nim, npm, nis atau student_id)",
        ),
        (
            "NIM;Email\n1;a\n",
            "row 1: no column 'name'",
            "baris 1: tidak ada kolom nama (name)",
        ),
        (
            "NIM;NPM;Nama\n1;2;Ayu\n",
            "row 1: more than one column 'id' ('NIM', 'NPM')",
            "baris 1: lebih dari satu kolom NIM (id) ('NIM', 'NPM')",
        ),
        (
            "NIM;Nama\n1;Ayu\n\n1;Rizky\n",
            "row 4: id '1' is already on row 2",
            "baris 4: NIM '1' sudah ada di baris 2",
        ),
        (
            "NIM;Nama\na/b;Ayu\n",
            "row 2: id 'a/b' cannot be a file name: the id holds '/'",
            "baris 2: NIM 'a/b' tidak dapat menjadi nama berkas: NIM memuat '/'",
        ),
        ("NIM;Nama\n7;\n", "row 2: id '7': expected the student's name", "baris 2: NIM '7'"),
        ("", "empty; expected a header row", "kosong; diharapkan baris judul"),
    ],
)
def test_roster_errors_in_the_commands_language(
    tmp_path: Path, text: str, en: str, id_: str
) -> None:
    p = _roster(tmp_path, text)
    for lang, needle in (("en", en), ("id", id_)):
        with pytest.raises(NnsheetError) as exc:
            read_roster(p, lang)
        msg = str(exc.value)
        assert "\n" not in msg and msg.startswith(f"{p}: ") and needle in msg, msg


def test_roster_error_on_the_command_line_in_indonesian(tmp_path: Path, capsys) -> None:
    from nnsheet.cli import main

    spec = tmp_path / "s.toml"
    spec.write_text(SPEC, encoding="utf-8")
    roster = _roster(tmp_path, "No;Email\n1;a\n")
    rc = main(
        [
            "template",
            str(spec),
            "--roster",
            str(roster),
            "-o",
            str(tmp_path / "out"),
            "--lang",
            "id",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "tidak ada kolom NIM (id)" in err and "no column" not in err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- givens
def _spec():
    return loads_spec(SPEC, "roster.toml")


def test_init_decimals_rounds_every_drawn_value_without_roster() -> None:
    spec = _spec()
    g = np.random.default_rng(7)
    b1 = [round(float(v), 1) for v in g.uniform(-1, 1, 2)]
    w2 = [round(float(v), 1) for v in g.uniform(-1, 1, (1, 2))[0]]
    b2 = [round(float(v), 1) for v in g.uniform(-1, 1, 1)]
    assert spec.layers[0].weights.tolist() == [[0.5, -0.4], [0.3, 0.2]]  # fixed: untouched
    assert spec.layers[0].biases.tolist() == b1
    assert spec.layers[1].weights.tolist() == [w2]
    assert spec.layers[1].biases.tolist() == b2
    assert spec.given == ((True, False), (False, False))


def test_init_decimals_round_trips_and_is_validated() -> None:
    spec = _spec()
    text = spec_to_toml(spec)
    assert "decimals = 1" in text.split("[init]")[1]
    again = loads_spec(text, "again.toml")
    assert again.init_decimals == 1
    assert all(
        np.array_equal(a.weights, b.weights) and np.array_equal(a.biases, b.biases)
        for a, b in zip(spec.layers, again.layers, strict=True)
    )
    assert "decimals" not in spec_to_toml(loads_spec(SPEC.replace("decimals = 1\n", ""), "s"))
    for bad in ("decimals = -1", "decimals = 16", "decimals = 1.5", 'decimals = "2"'):
        with pytest.raises(
            NnsheetError,
            match=r"roster.toml: init.decimals: expected a whole "
            r"number from 0 to 15",
        ):
            loads_spec(SPEC.replace("decimals = 1", bad), "roster.toml")


def test_decimals_zero_and_negative_zero() -> None:
    spec = loads_spec(SPEC.replace("decimals = 1", "decimals = 0"), "s")
    vals = [*spec.layers[0].biases, *spec.layers[1].weights[0], *spec.layers[1].biases]
    assert set(vals) <= {-1.0, 0.0, 1.0}
    assert all(str(v) != "-0.0" for v in vals)


@pytest.mark.parametrize("sid", ["2301", "Ni-Luh_7", "ÄÖ-9", "x" * 100])
def test_student_givens_follow_the_documented_derivation(sid: str) -> None:
    spec = _spec()
    st = student_spec(spec, sid)
    want = _expected(7, sid)
    assert st.seed == want["seed"][0]
    assert st.layers[0].weights.tolist() == [[0.5, -0.4], [0.3, 0.2]]  # what the spec fixes
    assert st.layers[0].biases.tolist() == want["b1"]
    assert st.layers[1].weights.tolist() == [want["w2"]]
    assert st.layers[1].biases.tolist() == want["b2"]
    assert (st.learning_rate, st.epochs, st.given) == (spec.learning_rate, spec.epochs, spec.given)


def test_student_givens_without_decimals() -> None:
    spec = loads_spec(SPEC.replace("decimals = 1\n", "").replace("low = -1.0", "low = 0.25"), "s")
    st = student_spec(spec, "2302")
    want = _expected(7, "2302", decimals=None, low=0.25)
    assert st.layers[0].biases.tolist() == want["b1"]
    assert st.layers[1].weights.tolist() == [want["w2"]]


def test_different_students_get_different_givens() -> None:
    spec = loads_spec(SPEC.replace("decimals = 1\n", ""), "s")
    drawn = {
        tuple(np.concatenate([s.layers[0].biases, s.layers[1].weights.ravel(), s.layers[1].biases]))
        for s in (student_spec(spec, f"23{i:02d}") for i in range(40))
    }
    assert len(drawn) == 40


def test_fixed_spec_gives_every_student_the_same_givens() -> None:
    text = SPEC.replace(
        "[[layer]]\nsize = 1\n", "[[layer]]\nsize = 1\nweights = [[0.1, 0.2]]\nbiases = [0.3]\n"
    ).replace("[0.3, 0.2]]\n", "[0.3, 0.2]]\nbiases = [0, 0]\n")
    spec = loads_spec(text, "s")
    a, b = student_spec(spec, "1"), student_spec(spec, "2")
    assert a.layers[1].weights.tolist() == b.layers[1].weights.tolist() == [[0.1, 0.2]]
    assert a.layers[0].biases.tolist() == [0.0, 0.0]


# --------------------------------------------------------------------------- files
def _setup_numbers(path: Path) -> list[float]:
    """Every number on the Setup sheet, row by row (givens as the learner sees them)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    return [
        c.value
        for row in wb["Setup"].iter_rows()
        for c in row
        if isinstance(c.value, int | float) and not isinstance(c.value, bool)
    ]


def _names(path: Path) -> tuple[object, object]:
    wb = openpyxl.load_workbook(path)
    out = []
    for n in ("student", "student_id"):
        sheet, ref = next(iter(wb.defined_names[n].destinations))
        out.append(wb[sheet][ref.replace("$", "")].value)
    return tuple(out)


def test_write_student_exercises_is_deterministic(tmp_path: Path) -> None:
    roster = [Student("2301", "Ni Luh Putu Ayu", 1), Student("2302", "Muhammad Rizky", 2)]
    a = write_student_exercises(_spec(), roster, tmp_path / "a", ExerciseOptions())
    b = write_student_exercises(_spec(), roster, tmp_path / "b", ExerciseOptions())
    assert [p.name for p in a] == ["2301.xlsx", "2302.xlsx"]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()
    assert a[0].read_bytes() != a[1].read_bytes()
    assert _names(a[0]) == ("Ni Luh Putu Ayu", "2301")
    assert _names(a[1]) == ("Muhammad Rizky", "2302")
    for path, st in zip(a, roster, strict=True):
        nums = _setup_numbers(path)
        want = _expected(7, st.id)
        for v in (*want["b1"], *want["w2"], *want["b2"]):
            assert v in nums, (path.name, v, nums)
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- check --roster
ROSTER = "id,name\n2301,Ni Luh Putu Ayu\n2302,Muhammad Rizky\n2303,Siti Nurhaliza\n"
ASK = ["--ask", "forward,errors", "--steps", "1"]


def _explicit(seed: int, sid: str, **change: float) -> str:
    """SPEC with the student's givens (re-derived here) written out; ``change`` replaces some
    (``b1_1=0.5``: layer 1's first bias), as a learner who edits a given would compute."""
    e = _expected(seed, sid)
    b1 = list(e["b1"])
    if "b1_1" in change:
        b1[0] = change["b1_1"]
    return SPEC.replace("[0.3, 0.2]]\n", f"[0.3, 0.2]]\nbiases = {b1}\n").replace(
        "[[layer]]\nsize = 1\n", f"[[layer]]\nsize = 1\nweights = [{e['w2']}]\nbiases = {e['b2']}\n"
    )


def _answer_cells(spec_text: str) -> dict[tuple[str, str], float]:
    """The asked cells (step 1: forward and errors) and their values, to 4 decimals, for a spec
    with every given written out (the engine's, not the roster code's)."""
    from nnsheet.core.engine import run
    from nnsheet.exercise.template import answer_rows, parse_ask
    from nnsheet.output.workbook import make_layout

    spec = loads_spec(spec_text.replace("epochs = 1\n", ""), "s")
    import dataclasses

    spec = dataclasses.replace(spec, epochs=1)
    trace = run(spec)
    opt = ExerciseOptions(ask=parse_ask("forward,errors"), steps=1)
    rows = answer_rows(trace.table(make_layout(spec)), trace, opt)
    return {(r.sheet, r.cell): round(float(r.value), 4) for r in rows.itertuples()}


def _setup_cell(quantity: str, layer: int, j: int) -> str:
    from nnsheet.core.engine import run
    from nnsheet.output.workbook import make_layout

    spec = _spec()
    t = run(spec).table(make_layout(spec))
    hit = t[
        (t["sheet"] == "Setup")
        & (t["quantity"] == quantity)
        & (t["layer"] == layer)
        & (t["j"] == j)
    ]
    assert len(hit) == 1
    return str(hit["cell"].iloc[0])


def _fill(
    src: Path, out: Path, values: dict, setup: dict | None = None, sid: str | None = None
) -> Path:
    wb = openpyxl.load_workbook(src)
    for (sheet, cell), v in values.items():
        wb[sheet][cell] = v
    for cell, v in (setup or {}).items():
        wb["Setup"][cell] = v
    if sid is not None:
        sheet, ref = next(iter(wb.defined_names["student_id"].destinations))
        wb[sheet][ref.replace("$", "")] = sid
    wb.save(out)
    return out


def _gradebook(path: Path) -> dict[str, dict]:
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        return {Path(r["file"]).name: r for r in csv.DictReader(fh)}


@pytest.fixture
def classroom(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The teacher's spec and roster, and the handed-out folder (template --roster)."""
    from nnsheet.cli import main

    spec = tmp_path / "class.toml"
    spec.write_text(SPEC, encoding="utf-8")
    roster = _roster(tmp_path, ROSTER)
    assert (
        main(
            ["template", str(spec), "--roster", str(roster), "-o", str(tmp_path / "handout"), *ASK]
        )
        == 0
    )
    (tmp_path / "in").mkdir()
    return spec, roster, tmp_path / "handout"


def test_template_roster_cli_writes_one_file_each(classroom, capsys) -> None:
    _spec_path, _roster_path, handout = classroom
    assert sorted(p.name for p in handout.iterdir()) == ["2301.xlsx", "2302.xlsx", "2303.xlsx"]
    assert _names(handout / "2303.xlsx") == ("Siti Nurhaliza", "2303")


def test_template_roster_bad_roster_writes_nothing(tmp_path: Path, capsys) -> None:
    from nnsheet.cli import main

    spec = tmp_path / "class.toml"
    spec.write_text(SPEC, encoding="utf-8")
    roster = _roster(tmp_path, "id,name\n2301,Ayu\n../x,Rizky\n")
    assert main(["template", str(spec), "--roster", str(roster), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"nnsheet: error: {roster}: row 3: id '../x' cannot be a file name: the id "
        "holds '/', which a file name cannot"
    )
    assert not (tmp_path / "out").exists() and not (tmp_path / "x.xlsx").exists()


def test_template_roster_fixed_spec_says_so_and_writes(tmp_path: Path, capsys) -> None:
    from nnsheet.cli import main

    spec = tmp_path / "fixed.toml"
    spec.write_text(_explicit(7, "2301"), encoding="utf-8")
    roster = _roster(tmp_path, ROSTER)
    for lang, words in (
        ("en", "note: the spec fixes every weight and bias, so every student gets the same givens"),
        ("id", "catatan: spec menetapkan semua bobot dan bias"),
    ):
        out = tmp_path / f"out-{lang}"
        assert (
            main(["template", str(spec), "--roster", str(roster), "-o", str(out), "--lang", lang])
            == 0
        )
        err = capsys.readouterr().err.splitlines()
        assert err[0].startswith(words) and len(err) == 2
        assert len(list(out.iterdir())) == 3


def test_check_roster_flags_copied_tampered_unknown(classroom, tmp_path: Path, capsys) -> None:
    from nnsheet.cli import main

    spec, roster, handout = classroom
    sub = tmp_path / "in"
    mine = _answer_cells(_explicit(7, "2301"))
    assert mine != _answer_cells(_explicit(7, "2302"))
    _fill(handout / "2301.xlsx", sub / "2301.xlsx", mine)  # honest
    _fill(handout / "2302.xlsx", sub / "2302.xlsx", mine)  # 2301's answers in 2302's file
    # 2303 changes a given (layer 1's first bias) and answers for the changed one
    b1 = _setup_cell("b", 1, 1)
    own = _expected(7, "2303")["b1"][0]
    new = 0.5 if own != 0.5 else -0.5
    _fill(
        handout / "2303.xlsx",
        sub / "2303.xlsx",
        _answer_cells(_explicit(7, "2303", b1_1=new)),
        setup={b1: new},
    )
    # an id not on the roster, typed into a copy of 2301's handout
    _fill(handout / "2301.xlsx", sub / "guest.xlsx", mine, sid="9999")
    book = tmp_path / "grades.csv"
    assert (
        main(
            [
                "check",
                str(sub),
                "--roster",
                str(roster),
                "--spec",
                str(spec),
                *ASK,
                "--gradebook",
                str(book),
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    rows = _gradebook(book)
    n = len(mine)
    # guest.xlsx holds 2301's answers too, but all right for both: no shared wrong answer
    assert rows["2301.xlsx"]["flags"] == "identical:2302.xlsx"
    assert rows["2301.xlsx"]["score"] == "100.0"
    assert rows["2302.xlsx"]["flags"] == ("copied:2301;identical:2301.xlsx;identical:guest.xlsx")
    assert rows["2302.xlsx"]["correct"] == "0"
    assert (
        f"100% of the answer cells are right for student 2301's givens, 0% correct for the "
        f"file's own; {n} of {n} filled answer cells are the same as in 2301.xlsx"
    ) in rows["2302.xlsx"]["message"]
    assert rows["2303.xlsx"]["flags"] == "tampered"
    assert rows["2303.xlsx"]["message"] == (
        f"the givens differ from the teacher's record: Setup!{b1} b1 is {new:g}, expected {own:g}"
    )
    assert int(rows["2303.xlsx"]["correct"]) < n  # graded on the record, not on the edit
    assert rows["guest.xlsx"]["flags"] == "unknown_student;identical:2302.xlsx"
    assert rows["guest.xlsx"]["message"].startswith(
        "student id 9999 is not on the roster; graded on the file's own spec"
    )
    assert rows["guest.xlsx"]["score"] == "100.0"  # the handout's own (2301's) givens
    assert f"  flag tampered: the givens differ from the teacher's record: Setup!{b1}" in out
    assert "  flag copied:2301: 100% of the answer cells are right" in out


def test_check_roster_grades_on_regenerated_givens_not_embedded(
    classroom, tmp_path: Path, capsys
) -> None:
    """A learner who edits the hidden spec (and Setup) to their own wrong numbers is graded on
    the teacher's record and flagged; the embedded spec's edit is named."""
    from nnsheet.cli import main
    from nnsheet.exercise.template import META_SHEET

    spec, roster, handout = classroom
    sub = tmp_path / "in"
    wrong = _explicit(7, "2302", b1_1=0.55)
    path = _fill(handout / "2302.xlsx", sub / "2302.xlsx", _answer_cells(wrong))
    wb = openpyxl.load_workbook(path)
    ws = wb[META_SHEET]
    b1 = _expected(7, "2302")["b1"]
    for row in ws.iter_rows():
        if row[0].value == "spec" and row[1].value == f"biases = {b1!r}":
            row[1].value = f"biases = {[0.55, b1[1]]!r}"
            break
    else:
        raise AssertionError("the embedded spec's biases line was not found")
    wb["Setup"][_setup_cell("b", 1, 1)] = 0.55
    wb.save(path)
    book = tmp_path / "grades.csv"
    assert (
        main(
            [
                "check",
                str(path),
                "--roster",
                str(roster),
                "--spec",
                str(spec),
                *ASK,
                "--gradebook",
                str(book),
            ]
        )
        == 1
    )
    row = _gradebook(book)["2302.xlsx"]
    assert row["flags"] == "tampered"
    assert row["message"].startswith(
        "the givens differ from the teacher's record: layer 1 biases in the hidden spec, Setup!"
    )
    assert int(row["wrong"]) >= 1
    # without the roster the edited file grades itself perfect, but its Setup and its hidden
    # spec agree, so only the roster catches it
    assert main(["check", str(path), "--gradebook", str(book)]) == 0
    assert _gradebook(book)["2302.xlsx"]["flags"] == ""


def test_check_without_roster_flags_givens_changed(tmp_path: Path, capsys) -> None:
    from nnsheet.cli import main

    spec = tmp_path / "one.toml"
    spec.write_text(_explicit(7, "2301"), encoding="utf-8")
    tmpl = tmp_path / "ex.xlsx"
    assert main(["template", str(spec), "-o", str(tmpl), "--lang", "id", *ASK]) == 0
    b1 = _setup_cell("b", 1, 1)
    own = _expected(7, "2301")["b1"][0]
    new = 0.5 if own != 0.5 else -0.5
    wb = openpyxl.load_workbook(tmpl)
    assert wb.sheetnames[:3] != ["Steps", "Epochs", "Setup"]  # Indonesian sheet names
    setup = next(n for n in wb.sheetnames if wb[n][b1].value == own)
    wb[setup][b1] = new
    wb.save(tmp_path / "edited.xlsx")
    book = tmp_path / "g.csv"
    assert main(["check", str(tmp_path / "edited.xlsx"), "--gradebook", str(book)]) == 1
    row = _gradebook(book)["edited.xlsx"]
    assert row["flags"] == "givens_changed"
    assert row["message"] == (
        f"the givens on {setup} differ from the exercise's own spec: "
        f"{setup}!{b1} b1 is {new:g}, expected {own:g}"
    )
    assert row["missing"] == row["answer_cells"]  # graded on the embedded spec: nothing typed
    out = capsys.readouterr().out
    assert f"  tanda givens_changed: nilai yang diketahui di lembar {setup} berbeda" in out


def test_identical_needs_shared_wrong_answers(tmp_path: Path, capsys) -> None:
    """Same givens (no roster): two right files are not flagged; two with the same wrong
    answers are; a file differing in more than 5% of the cells is not."""
    from nnsheet.cli import main

    spec = tmp_path / "one.toml"
    spec.write_text(_explicit(7, "2301"), encoding="utf-8")
    tmpl = tmp_path / "ex.xlsx"
    assert main(["template", str(spec), "-o", str(tmpl), *ASK]) == 0
    right = _answer_cells(_explicit(7, "2301"))
    cells = list(right)
    slip = {**right, cells[0]: right[cells[0]] + 0.25}
    other = {**slip, cells[1]: right[cells[1]] + 0.5}
    sub = tmp_path / "in"
    sub.mkdir()
    for name, vals in (("a", right), ("b", right), ("c", slip), ("d", slip), ("e", other)):
        _fill(tmpl, sub / f"{name}.xlsx", vals)
    book = tmp_path / "g.csv"
    main(["check", str(sub), "--gradebook", str(book)])
    rows = _gradebook(book)
    assert len(cells) >= 8
    assert rows["a.xlsx"]["flags"] == rows["b.xlsx"]["flags"] == ""
    assert rows["c.xlsx"]["flags"] == "identical:d.xlsx"
    assert rows["d.xlsx"]["flags"] == "identical:c.xlsx"
    assert rows["e.xlsx"]["flags"] == ""  # 1 of 8 differs: 87.5% < 95%


def test_trace_workbook_graded_with_spec_is_not_flagged(tmp_path: Path, capsys) -> None:
    """A trace workbook has no hidden spec to differ: with --spec it is graded, not flagged
    ``tampered`` (only ``answer_key`` and ``formulas``, issue 21: it is the answer key); with its
    Setup edited it is ``tampered``."""
    from nnsheet.cli import main

    spec = tmp_path / "one.toml"
    spec.write_text(_explicit(7, "2301"), encoding="utf-8")
    trace = tmp_path / "trace.xlsx"
    assert main(["trace", str(spec), "-o", str(trace)]) == 0
    book = tmp_path / "g.csv"
    assert main(["check", str(trace), "--spec", str(spec), "--gradebook", str(book)]) == 0
    assert _gradebook(book)["trace.xlsx"]["flags"] == "answer_key;formulas"
    wb = openpyxl.load_workbook(trace)
    wb["Setup"][_setup_cell("b", 1, 1)] = 0.75
    wb.save(tmp_path / "edited.xlsx")
    main(["check", str(tmp_path / "edited.xlsx"), "--spec", str(spec), "--gradebook", str(book)])
    assert _gradebook(book)["edited.xlsx"]["flags"] == "tampered;answer_key;formulas"


def test_check_roster_id_from_file_name_and_needs_spec(classroom, tmp_path: Path, capsys) -> None:
    """A blank ``student_id`` cell: the file name is the id. --roster without --spec is one
    line, exit 2."""
    from nnsheet.cli import main

    spec, roster, handout = classroom
    answers = _answer_cells(_explicit(7, "2302"))
    path = _fill(handout / "2302.xlsx", tmp_path / "in" / "2302.xlsx", answers, sid="")
    assert _names(path)[1] in (None, "")
    book = tmp_path / "g.csv"
    assert (
        main(
            [
                "check",
                str(path),
                "--roster",
                str(roster),
                "--spec",
                str(spec),
                *ASK,
                "--gradebook",
                str(book),
            ]
        )
        == 0
    )
    row = _gradebook(book)["2302.xlsx"]
    assert (row["flags"], row["score"], row["student_id"]) == ("", "100.0", "")
    # the same file under another student's name is graded on that student's givens
    other = tmp_path / "in" / "2303.xlsx"
    other.write_bytes(path.read_bytes())
    assert (
        main(
            [
                "check",
                str(other),
                "--roster",
                str(roster),
                "--spec",
                str(spec),
                *ASK,
                "--gradebook",
                str(book),
            ]
        )
        == 1
    )
    row = _gradebook(book)["2303.xlsx"]
    assert row["flags"] == "tampered"
    assert row["message"].startswith(
        "the givens differ from the teacher's record: layer 1 "
        "biases in the hidden spec, layer 2 weights in the hidden "
        "spec, layer 2 biases in the hidden spec, Setup!"
    )
    capsys.readouterr()
    assert main(["check", str(path), "--roster", str(roster)]) == 2
    assert capsys.readouterr().err.strip() == (
        "nnsheet: error: --roster needs --spec SPEC: the spec the class's exercises were made "
        "from (their givens are regenerated from it)"
    )
