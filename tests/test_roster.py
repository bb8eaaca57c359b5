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


def _expected(seed: int, sid: str, decimals: int | None = 1, low: float = -1.0,
              high: float = 1.0) -> dict[str, list[float]]:  # fmt: skip
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
    p = _roster(tmp_path, "No,ID,Name,email\n1,2301,Ni Luh Putu Ayu,a@x\n\n"
                "2,2302,Muhammad Rizky,b@x\n3,2303,Nguyễn Văn Ân,c@x\n4,2304,Σωκράτης Ὀδυσσεύς,\n"
                "5,2305,O'Brien-Łukasz Żółć,\n", bom=True)  # fmt: skip
    assert read_roster(p) == [
        Student("2301", "Ni Luh Putu Ayu", 1), Student("2302", "Muhammad Rizky", 2),
        Student("2303", "Nguyễn Văn Ân", 3), Student("2304", "Σωκράτης Ὀδυσσεύς", 4),
        Student("2305", "O'Brien-Łukasz Żółć", 5),
    ]  # fmt: skip


def test_roster_keeps_decomposed_unicode_as_typed(tmp_path: Path) -> None:
    name = "Nguye\u0302\u0303n"  # combining marks, not normalised to NFC
    p = _roster(tmp_path, f"id,name\nA1,{name}\n")
    assert read_roster(p)[0].name == name


@pytest.mark.parametrize(("text", "needle"), [
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
    ("id,name\n\"a\tb\",Ayu\n", "the id holds '\\t'"),
    ("id,name\n" + "9" * 101 + ",Ayu\n", "longer than 100 characters"),
    ("id,name\n7,\n", "row 2: id '7': expected the student's name, the cell is empty"),
    ("id,name\n7\n", "row 2: id '7': expected the student's name"),
])  # fmt: skip
def test_roster_bad_input_is_one_line_naming_the_row(tmp_path: Path, text: str,
                                                      needle: str) -> None:  # fmt: skip
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


# --------------------------------------------------------------------------- givens
def _spec():  # noqa: ANN202
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
    assert all(np.array_equal(a.weights, b.weights) and np.array_equal(a.biases, b.biases)
               for a, b in zip(spec.layers, again.layers, strict=True))  # fmt: skip
    assert "decimals" not in spec_to_toml(loads_spec(SPEC.replace("decimals = 1\n", ""), "s"))
    for bad in ("decimals = -1", "decimals = 16", "decimals = 1.5", 'decimals = "2"'):
        with pytest.raises(NnsheetError, match=r"roster.toml: init.decimals: expected a whole "
                                               r"number from 0 to 15"):
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
    assert (st.learning_rate, st.epochs, st.given) == (spec.learning_rate, spec.epochs,
                                                       spec.given)  # fmt: skip


def test_student_givens_without_decimals() -> None:
    spec = loads_spec(SPEC.replace("decimals = 1\n", "").replace("low = -1.0", "low = 0.25"),
                      "s")  # fmt: skip
    st = student_spec(spec, "2302")
    want = _expected(7, "2302", decimals=None, low=0.25)
    assert st.layers[0].biases.tolist() == want["b1"]
    assert st.layers[1].weights.tolist() == [want["w2"]]


def test_different_students_get_different_givens() -> None:
    spec = loads_spec(SPEC.replace("decimals = 1\n", ""), "s")
    drawn = {tuple(np.concatenate([s.layers[0].biases, s.layers[1].weights.ravel(),
                                   s.layers[1].biases]))
             for s in (student_spec(spec, f"23{i:02d}") for i in range(40))}  # fmt: skip
    assert len(drawn) == 40


def test_fixed_spec_gives_every_student_the_same_givens() -> None:
    text = (SPEC.replace("[[layer]]\nsize = 1\n",
                         "[[layer]]\nsize = 1\nweights = [[0.1, 0.2]]\nbiases = [0.3]\n")
            .replace("[0.3, 0.2]]\n", "[0.3, 0.2]]\nbiases = [0, 0]\n"))
    spec = loads_spec(text, "s")
    a, b = student_spec(spec, "1"), student_spec(spec, "2")
    assert a.layers[1].weights.tolist() == b.layers[1].weights.tolist() == [[0.1, 0.2]]
    assert a.layers[0].biases.tolist() == [0.0, 0.0]


# --------------------------------------------------------------------------- files
def _setup_numbers(path: Path) -> list[float]:
    """Every number on the Setup sheet, row by row (givens as the learner sees them)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    return [c.value for row in wb["Setup"].iter_rows() for c in row
            if isinstance(c.value, int | float) and not isinstance(c.value, bool)]


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
