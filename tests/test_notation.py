"""Issue 7: notation presets course | fausett | mazur.

A notation changes symbols only: the Steps headers, the Guide's formulas, the table's ``label``
column, the Setup weight tables' orientation and headers (Fausett: rows = sending unit with the
bias row "1" first, columns = receiving unit). It never changes a number: the same spec traced in
the three notations gives the same values in the same Steps and Epochs cells, and the Setup givens
(wherever their table puts them) hold the same numbers the formulas read.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import nnsheet
from nnsheet.cli import main
from nnsheet.output.workbook import make_layout, write_trace_workbook
from nnsheet.sheet.layout import SETUP, STEPS, Layout
from nnsheet.words.guide import guide_lines
from nnsheet.words.notation import (
    WORDS,
    FausettNotation,
    MazurNotation,
    Notation,
    notation_for,
    sheet_names,
    word,
)

NOTATIONS = ("course", "fausett", "mazur")

NET_231 = """\
title = "2-3-1 for notations"
preset = "course"
notation = "{notation}"

[[layer]]
size = 3
activation = "sigmoid"
weights = [[0.11, -0.21],
           [0.31, 0.41],
           [-0.51, 0.61]]
biases = [0.71, -0.81, 0.91]

[[layer]]
size = 1
activation = "sigmoid"
weights = [[0.12, -0.22, 0.32]]
biases = [-0.42]

[training]
learning_rate = 0.7
epochs = 2

[data]
inputs = [[0.0, 1.0], [1.0, 0.5], [0.3, 0.9]]
targets = [[1.0], [0.0], [1.0]]
"""

DEEP = """\
title = "deep 3-2-2-2, mini-batch"
preset = "gradient"
notation = "{notation}"
[[layer]]
size = 2
activation = "tanh"
[[layer]]
size = 2
activation = "relu"
[[layer]]
size = 2
activation = "sigmoid"
[training]
learning_rate = 0.3
epochs = 2
mode = 2
[init]
seed = 3
[data]
inputs = [[0.1, 0.2, 0.3], [0.5, 0.1, 0.9], [0.7, 0.3, 0.2]]
targets = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
"""

SINGLE = """\
title = "no hidden layer 2-2"
notation = "{notation}"
[[layer]]
size = 2
activation = "sigmoid"
weights = [[0.1, 0.2], [0.3, 0.4]]
biases = [0.5, 0.6]
[data]
inputs = [[1.0, 0.0]]
targets = [[1.0, 0.0]]
"""


def spec_of(text: str, notation: str, **overrides: object) -> nnsheet.Spec:
    return nnsheet.loads_spec(text.format(notation=notation), overrides=overrides or None)


def traced(
    text: str, notation: str, folder: Path, lang: str = "en"
) -> tuple[Path, Layout, pd.DataFrame]:
    spec = spec_of(text, notation)
    layout = make_layout(spec, lang)
    trace = nnsheet.run(spec)
    path = folder / f"{notation}-{lang}.xlsx"
    write_trace_workbook(trace, path, layout)
    return path, layout, trace.table(layout)


def headers(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[2]  # Steps, in any language
    return [c for c in next(ws.iter_rows(min_row=2, max_row=2, values_only=True))]


# --------------------------------------------------------------------------- dispatch, symbols
def test_notation_for_dispatches_on_spec_notation() -> None:
    assert type(notation_for(spec_of(NET_231, "course"))) is Notation
    assert type(notation_for(spec_of(NET_231, "fausett"))) is FausettNotation
    assert type(notation_for(spec_of(NET_231, "mazur"), "id")) is MazurNotation
    assert notation_for(spec_of(NET_231, "mazur"), "id").lang == "id"
    # the CLI override reaches the spec
    overridden = nnsheet.loads_spec(
        NET_231.format(notation="course"), overrides={"notation": "fausett"}
    )
    assert overridden.notation == "fausett"


def test_course_symbols_unchanged() -> None:
    nt = notation_for(nnsheet.load_example("course"))
    assert [
        nt.symbol("w", 1, 0, 1),
        nt.symbol("w", 2, 1, 0),
        nt.symbol("a", 1, 0),
        nt.symbol("a", 2, 1),
        nt.symbol("e", 2, 0),
        nt.symbol("err", 1, 0),
        nt.symbol("lr"),
        nt.symbol("w_new", 2, 0, 0),
    ] == ["w1,2", "wo2,1", "O1", "y'2", "e1", "eh1", "lr", "wo1,1 new"]


def test_fausett_symbols() -> None:
    nt = notation_for(spec_of(NET_231, "fausett"))
    s = nt.symbol
    # v_ij: i = sending x_i, j = receiving z_j; the engine's w[1][j, i] is v_(i+1)(j+1)
    assert s("w", 1, 1, 0) == "v12"  # from x1 to z2
    assert s("b", 1, 0) == "v01"
    assert s("w", 2, 0, 2) == "w31"  # from z3 to y1
    assert s("b", 2, 0) == "w01"
    assert (s("x", 0, 0), s("a", 1, 2), s("a", 2, 0), s("t", 2, 0)) == ("x1", "z3", "y1", "t1")
    assert (s("z", 1, 0), s("z", 2, 0)) == ("z_in1", "y_in1")
    assert (s("delta", 2, 0), s("delta", 1, 1)) == ("δ_k1", "δ_j2")
    assert (s("err", 1, 0), s("err", 2, 0)) == ("δ_in_j1", "err_k1")
    assert s("fprime", 1, 0) == "f'(z_in1)"
    assert (s("dw", 1, 1, 0), s("w_new", 1, 1, 0), s("grad_b", 2, 0)) == (
        "Δv12",
        "v12(new)",
        "∂w01",
    )
    assert s("e", 2, 0) == "t1−y1"
    assert s("lr") == "α"
    assert notation_for(spec_of(NET_231, "fausett"), "id").symbol("w_new", 1, 1, 0) == "v12(baru)"


def test_mazur_symbols_follow_the_reference_numbering() -> None:
    # the example's comment: w1..w4 input->hidden (row = hidden neuron), w5..w8 hidden->output
    spec = dataclasses.replace(nnsheet.load_example("mazur"), notation="mazur")
    nt = notation_for(spec)
    names = {
        nt.symbol("w", l, j, i): spec.layers[l - 1].weights[j, i]
        for l in (1, 2)
        for j in range(2)
        for i in range(2)
    }
    assert names == {
        "w1": 0.15,
        "w2": 0.20,
        "w3": 0.25,
        "w4": 0.30,
        "w5": 0.40,
        "w6": 0.45,
        "w7": 0.50,
        "w8": 0.55,
    }
    s = nt.symbol
    assert (s("x", 0, 0), s("t", 2, 1)) == ("i1", "target_o2")
    assert (s("z", 1, 0), s("a", 1, 0), s("z", 2, 0), s("a", 2, 0)) == (
        "net_h1",
        "out_h1",
        "net_o1",
        "out_o1",
    )
    assert (s("b", 1, 1), s("b", 2, 0)) == ("b1.2", "b2.1")
    assert (s("loss"), s("err", 2, 0), s("fprime", 2, 0), s("delta", 1, 0)) == (
        "E_total",
        "∂E/∂out_o1",
        "∂out_o1/∂net_o1",
        "δ_h1",
    )
    assert (s("grad_w", 2, 0, 0), s("dw", 2, 0, 0), s("w_new", 2, 0, 0)) == ("∂E/∂w5", "Δw5", "w5⁺")
    assert s("lr") == "η"


@pytest.mark.parametrize("notation", NOTATIONS)
@pytest.mark.parametrize("text", [NET_231, DEEP, SINGLE], ids=["2-3-1", "deep", "single"])
@pytest.mark.parametrize("lang", ["en", "id"])
def test_labels_are_unique_within_a_row(notation: str, text: str, lang: str) -> None:
    """A grader's explanation names a cell by its label: no two values of a row share one."""
    spec = spec_of(text, notation)
    layout = Layout(spec, notation_for(spec, lang))
    labels = [
        layout.notation.symbol(seg.quantity, seg.layer, j, i)
        for seg in layout.segments
        for j, i in seg.elements()
    ]
    assert len(labels) == len(set(labels)), sorted(x for x in labels if labels.count(x) > 1)


def test_deeper_and_single_layer_networks_extend_naturally() -> None:
    f = notation_for(spec_of(DEEP, "fausett"))
    assert (f.symbol("w", 1, 1, 0), f.symbol("w", 2, 1, 0), f.symbol("w", 3, 1, 0)) == (
        "v1.12",
        "v2.12",
        "w12",
    )
    assert (f.symbol("a", 2, 0), f.symbol("z", 2, 0), f.symbol("b", 2, 1)) == (
        "z2.1",
        "z_in2.1",
        "v2.02",
    )
    m = notation_for(spec_of(DEEP, "mazur"))
    # 3·2 + 2·2 + 2·2 = 14 weights numbered through the network
    assert [m.symbol("w", 3, 1, 1), m.symbol("w", 2, 0, 0), m.symbol("a", 2, 0)] == [
        "w14",
        "w7",
        "out_h2.1",
    ]
    c = notation_for(spec_of(DEEP, "course"))
    assert c.symbol("w", 2, 0, 2 - 1) == "w2.1,2"
    s = notation_for(spec_of(SINGLE, "fausett"))
    assert (s.symbol("w", 1, 1, 0), s.symbol("b", 1, 1), s.symbol("a", 1, 0)) == (
        "w12",
        "w02",
        "y1",
    )
    wide = spec_of(NET_231, "fausett")
    big = dataclasses.replace(
        wide,
        layers=(
            dataclasses.replace(
                wide.layers[0], size=12, weights=np.zeros((12, 2)), biases=np.zeros(12)
            ),
            dataclasses.replace(wide.layers[1], weights=np.zeros((1, 12))),
        ),
    )
    assert notation_for(big).symbol("w", 1, 11, 0) == "v1,12"


# --------------------------------------------------------------------------- the workbook
@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], tuple]:
    folder = tmp_path_factory.mktemp("notation")
    out = {}
    for name, text in (("2-3-1", NET_231), ("deep", DEEP)):
        for notation in NOTATIONS:
            for lang in ("en", "id"):
                sub = folder / name
                sub.mkdir(exist_ok=True)
                out[(name, notation, lang)] = traced(text, notation, sub, lang)
    return out


def _cells(path: Path, sheet: str) -> dict[str, object]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return {
        c.coordinate: c.value for row in ws.iter_rows(min_row=3) for c in row if c.value is not None
    }


@pytest.mark.parametrize("name", ["2-3-1", "deep"])
@pytest.mark.parametrize("lang", ["en", "id"])
def test_same_values_in_the_same_cells_in_every_notation(books, name: str, lang: str) -> None:
    _, _, course = books[(name, "course", lang)]
    key = ["epoch", "step", "sample", "quantity", "layer", "j", "i", "sheet", "cell"]
    sh = sheet_names(lang)
    base = course[course["sheet"] != sh.setup]
    for notation in ("fausett", "mazur"):
        path, layout, table = books[(name, notation, lang)]
        other = table[table["sheet"] != sh.setup]
        pd.testing.assert_frame_equal(
            base[key + ["value"]].reset_index(drop=True),
            other[key + ["value"]].reset_index(drop=True),
        )
        # Setup: the same numbers; only w/b may sit elsewhere (Fausett's transposed tables)
        cs, os_ = course[course["sheet"] == sh.setup], table[table["sheet"] == sh.setup]
        assert list(cs["value"]) == list(os_["value"])
        same_place = ~cs["quantity"].isin(["w", "b"]).to_numpy()
        assert list(cs["cell"][same_place]) == list(os_["cell"][same_place])
        moved = cs["cell"].to_numpy() != os_["cell"].to_numpy()
        assert moved.any() == (notation == "fausett")
        # and the cached values of the whole Steps and Epochs sheets are the same
        for sheet in (sh.steps, sh.epochs):
            a, b = _cells(books[(name, "course", lang)][0], sheet), _cells(path, sheet)
            assert a.keys() == b.keys()
            for c, va in a.items():
                if isinstance(va, float):
                    assert va == pytest.approx(b[c], rel=1e-15, abs=1e-300), (sheet, c)
                elif sheet == sh.steps and c[0] == "C" and not isinstance(va, int | float):
                    assert va == b[c]  # "update" on batch rows


@pytest.mark.parametrize("lang", ["en", "id"])
def test_setup_givens_are_where_the_layout_says(books, lang: str) -> None:
    for notation in NOTATIONS:
        path, _, table = books[("deep", notation, lang)]
        ws = openpyxl.load_workbook(path)[sheet_names(lang).setup]
        given = table[table["sheet"] == sheet_names(lang).setup]
        assert len(given) > 0
        for cell, value in zip(given["cell"], given["value"], strict=True):
            assert ws[cell].value == pytest.approx(value, rel=1e-15), (notation, cell)


def test_headers_carry_the_notations_symbols(books) -> None:
    course = headers(books[("2-3-1", "course", "en")][0])
    fausett = headers(books[("2-3-1", "fausett", "en")][0])
    mazur = headers(books[("2-3-1", "mazur", "en")][0])
    assert len(course) == len(fausett) == len(mazur)
    assert {"w1,2", "wo1,3", "O1", "y'1", "e1", "eh1", "δO1"} <= set(course)
    assert {
        "v12",
        "v01",
        "w31",
        "w01",
        "z_in1",
        "y_in1",
        "z1",
        "y1",
        "δ_k1",
        "δ_j1",
        "δ_in_j1",
        "Δv12",
        "v12(new)",
    } <= set(fausett)
    assert any(h.startswith("δ_k") for h in fausett)
    assert {
        "w5",
        "w9",
        "net_h1",
        "out_h1",
        "net_o1",
        "out_o1",
        "E_total",
        "∂E/∂w5",
        "w5⁺",
        "δ_o1",
        "b1.1",
    } <= set(mazur)
    # the same column holds the same quantity: v12 sits where the course writes w2,1
    assert fausett[course.index("w2,1")] == "v12"
    assert mazur[course.index("wo1,1")] == "w7"  # 2·3 weights into the hidden layer first


@pytest.mark.parametrize("notation", NOTATIONS)
def test_lang_id_combines_with_every_notation(books, notation: str) -> None:
    path, layout, table = books[("2-3-1", notation, "id")]
    en_path, _, en_table = books[("2-3-1", notation, "en")]
    assert list(table["cell"]) == list(en_table["cell"])
    assert list(table["value"]) == list(en_table["value"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Panduan", "Inisialisasi", "Langkah", "Epoch"]
    bands = [c.value for c in wb["Langkah"][1] if c.value]
    assert word("band.forward", "id") in bands and word("band.new", "id") in bands
    setup = [
        c.value for row in wb["Inisialisasi"].iter_rows() for c in row if isinstance(c.value, str)
    ]
    corner = "Dari \\ Ke" if notation == "fausett" else "Ke \\ Dari"
    assert corner in setup
    assert any(v.startswith("dari ") for v in setup) and any(v.startswith("ke ") for v in setup)
    guide = [c.value for row in wb["Panduan"].iter_rows() for c in row if isinstance(c.value, str)]
    assert f"Notasi: {notation}" in guide
    new = {"course": "w1,1 baru", "fausett": "v11(baru)", "mazur": "w1⁺"}[notation]
    assert new in headers(path)
    assert new in set(table["label"])


def test_fausett_setup_table_of_a_2_3_1_network(books) -> None:
    """Input→hidden weights: rows 1 (bias), x1, x2 × columns z1, z2, z3 (Fausett's v_ij)."""
    path, layout, _ = books[("2-3-1", "fausett", "en")]
    spec = layout.spec
    w, b = spec.layers[0].weights, spec.layers[0].biases
    ws = openpyxl.load_workbook(path)[SETUP]
    r0, c0 = layout.setup.w_origin[0]  # 0-based: the bias row, column of z1
    grid = [[ws.cell(r0 + 1 + dr, c0 + 1 + dc).value for dc in range(-1, 4)] for dr in range(-1, 4)]
    assert grid[0][0] == "From \\ To"
    assert grid[0][1:] == ["to z1", "to z2", "to z3", None]
    assert [row[0] for row in grid[1:]] == ["from 1 (bias)", "from x1", "from x2", None]
    values = [row[1:4] for row in grid[1:4]]
    assert values[0] == pytest.approx(list(b))  # v01 v02 v03
    assert values[1] == pytest.approx(list(w[:, 0]))  # v11 v12 v13: from x1
    assert values[2] == pytest.approx(list(w[:, 1]))  # v21 v22 v23: from x2
    assert grid[1][4] is None and grid[4][1] is None  # exactly 3 × 3
    # the hidden→output table: rows 1, z1, z2, z3 × column y1
    r1, c1 = layout.setup.w_origin[1]
    col = [ws.cell(r1 + 1 + dr, c1 + 1).value for dr in range(-1, 4)]
    assert col[0] == "to y1"
    assert col[1:] == pytest.approx([-0.42, 0.12, -0.22, 0.32])
    assert ws.cell(r1 + 1 + 4, c1 + 1).value is None or not isinstance(
        ws.cell(r1 + 1 + 4, c1 + 1).value, float
    )
    # the caption names the orientation
    caption = ws.cell(r0 - 1, 1).value
    assert "v" in caption and "rows = from" in caption
    # Steps row 1 reads its weights from those cells
    wb = openpyxl.load_workbook(path)
    steps = wb[STEPS]
    v12 = steps.cell(3, layout.col("w", 1, 1, 0) + 1).value
    assert v12 == f"={layout.setup_ref('w', 1, 1, 0)}"
    assert layout.setup_cell("w", 1, 1, 0) == (r0 + 1, c0 + 1)  # row x1, column z2


@pytest.mark.parametrize("notation", ["course", "mazur"])
def test_other_setup_tables_have_rows_to_and_columns_from(books, notation: str) -> None:
    path, layout, _ = books[("2-3-1", notation, "en")]
    ws = openpyxl.load_workbook(path)[SETUP]
    r0, c0 = layout.setup.w_origin[0]
    head = [ws.cell(r0, c0 + 1 + k).value for k in range(-1, 3)]
    unit = {"course": ("x", "O"), "mazur": ("i", "h")}[notation]
    assert head == ["To \\ From", f"from {unit[0]}1", f"from {unit[0]}2", "bias"]
    assert [ws.cell(r0 + 1 + j, 1).value for j in range(3)] == [
        f"to {unit[1]}{j}" for j in (1, 2, 3)
    ]


def test_guide_formulas_come_from_the_notation() -> None:
    for notation, expect in (
        ("course", ["net O1 = w1,1·x1", "eh1 = wo1,1·eo1"]),
        ("fausett", ["z_in_j = v0j + Σ_i x_i·v ij", "δ_in_j1 =", "v12 ", "α = learning_rate"]),
        ("mazur", ["net_h1 = w1·i1 + w2·i2 + b1.1", "w7⁺ = w7 + Δw7", "E_total"]),
    ):
        spec = spec_of(NET_231, notation)
        for lang in ("en", "id"):
            text = "\n".join(t for _, t in guide_lines(spec, notation_for(spec, lang), "0", 2))
            for e in expect:
                assert e in text, (notation, lang, e)
            if notation == "fausett":
                assert ("v12 goes from x1 to z2" if lang == "en" else "v12 dari x1 ke z2") in text
            others = {"course": "wo1,1", "fausett": "v12", "mazur": "out_h1"}
            for n, sym in others.items():
                if n != notation:
                    assert sym not in text, (notation, lang, sym)
    deep = spec_of(DEEP, "fausett")
    text = "\n".join(t for _, t in guide_lines(deep, notation_for(deep), "0", 2))
    assert "hidden layer's number comes first" in text


def test_words_have_both_languages() -> None:
    assert all(set(v) == {"en", "id"} for v in WORDS.values())


# --------------------------------------------------------------------------- command line
def test_cli_notation_override_and_spec_key(tmp_path: Path) -> None:
    spec_file = tmp_path / "net.toml"
    spec_file.write_text(NET_231.format(notation="mazur"))
    assert (
        main(
            [
                "trace",
                str(spec_file),
                "-o",
                str(tmp_path / "m.xlsx"),
                "--table",
                str(tmp_path / "m.csv"),
                "-q",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "trace",
                str(spec_file),
                "--notation",
                "fausett",
                "--lang",
                "id",
                "-o",
                str(tmp_path / "f.xlsx"),
                "--table",
                str(tmp_path / "f.csv"),
                "-q",
            ]
        )
        == 0
    )
    m = pd.read_csv(tmp_path / "m.csv")
    f = pd.read_csv(tmp_path / "f.csv")
    assert "w5" in set(m["label"]) and "v12" in set(f["label"])
    assert "v12(baru)" in set(f["label"])
    assert "z_in1" in headers(tmp_path / "f.xlsx")
    assert list(m["value"]) == list(f["value"])


# --------------------------------------------------------------------------- LibreOffice
def _plant(path: Path, out: Path, cell: str, value: float) -> None:
    """Copy the workbook with a wrong cached value in one Steps formula cell."""
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet3.xml":  # Guide, Setup, Steps, Epochs
                text = data.decode("utf-8")
                pattern = rf'(<c r="{cell}"[^>]*>(?:<f>[^<]*</f>)<v>)[^<]*(</v>)'
                text, n = re.subn(pattern, rf"\g<1>{value!r}\g<2>", text)
                assert n == 1, f"{cell} not found"
                data = text.encode("utf-8")
            zout.writestr(item, data)


@pytest.mark.libreoffice
def test_fausett_workbook_recalculates_in_libreoffice(tmp_path: Path) -> None:
    from lo import recalc

    spec = spec_of(NET_231, "fausett", epochs=2)
    layout = make_layout(spec, "id")
    trace = nnsheet.run(spec)
    src = tmp_path / "fausett.xlsx"
    write_trace_workbook(trace, src, layout)
    table = trace.table(layout)
    planted = tmp_path / "planted" / "fausett.xlsx"
    planted.parent.mkdir()
    # the first row's z_in1 reads v11, v21, v01 from the transposed Setup table
    cell = f"{layout.ref('z', 1, 0)}3"
    _plant(src, planted, cell, 123.0)
    assert openpyxl.load_workbook(planted, data_only=True)[layout.sheets.steps][cell].value == 123.0
    out = recalc(planted, tmp_path / "out")
    wb = openpyxl.load_workbook(out, data_only=True)
    n = 0
    for sheet, c, value in zip(table["sheet"], table["cell"], table["value"], strict=True):
        got = wb[sheet][c].value
        assert isinstance(got, int | float), (sheet, c, got)
        assert abs(got - value) <= 1e-9, (sheet, c, got, value)
        n += 1
    assert n == len(table) and wb[layout.sheets.steps][cell].value != 123.0


# --------------------------------------------------------------------------- the grader
def test_fausett_exercise_is_graded_with_fausett_symbols(tmp_path: Path, capsys) -> None:
    """An exercise made with --notation fausett, filled at 4 decimals with one slip (z1 of the
    first step) and one blank (δ_k1 of step 2), is graded with Fausett's symbols in the terminal
    summary, the --report CSV and the comments of the graded copy."""
    import csv

    spec_file = tmp_path / "net.toml"
    spec_file.write_text(NET_231.format(notation="course"))
    exercise = tmp_path / "latihan.xlsx"
    assert (
        main(
            [
                "template",
                str(spec_file),
                "--notation",
                "fausett",
                "--epochs",
                "1",
                "-o",
                str(exercise),
            ]
        )
        == 0
    )
    assert "z_in1" in headers(exercise) and "v12" in headers(exercise)
    # the answers, from the engine's table (never from the grader), written at 4 decimals
    spec = spec_of(NET_231, "fausett", epochs=1)
    layout = make_layout(spec)
    table = nnsheet.run(spec).table(layout)
    answers = table[
        table["sheet"].isin(["Steps", "Epochs"])
        & ~table["quantity"].isin(["x", "t", "w", "b", "lr"])
    ]
    slip_cell = f"{layout.ref('a', 1, 0)}3"  # z1 of step 1
    wb = openpyxl.load_workbook(exercise)
    for sheet, cell, value in zip(answers["sheet"], answers["cell"], answers["value"], strict=True):
        wb[sheet][cell] = round(float(value), 4)
    wb[STEPS][slip_cell] = round(float(wb[STEPS][slip_cell].value) + 0.1, 4)
    blank_cell = f"{layout.ref('delta', 2, 0)}4"  # δ_k1 of step 2 left blank
    wb[STEPS][blank_cell] = None
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)

    graded, report = tmp_path / "graded.xlsx", tmp_path / "grades.csv"
    capsys.readouterr()
    rc = main(["check", str(filled), "-o", str(graded), "--report", str(report)])
    printed = capsys.readouterr().out
    assert rc == 1
    assert f"{slip_cell} z1 " in printed

    with open(report, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(answers)
    nt = layout.notation
    for r in rows:  # every label is the Fausett symbol of that cell's quantity
        ints = [int(r[k]) - 1 if r[k] else None for k in ("j", "i")]
        layer = int(r["layer"]) if r["layer"] else None
        assert r["label"] == nt.symbol(r["quantity"], layer, *ints), r
    labels = {r["label"] for r in rows}
    assert {
        "z_in1",
        "z1",
        "y_in1",
        "y1",
        "t1−y1",
        "δ_k1",
        "δ_j1",
        "δ_in_j1",
        "Δv12",
        "v12(new)",
        "w01(new)",
    } <= labels
    verdict = {r["cell"]: r["verdict"] for r in rows if r["sheet"] == STEPS}
    assert verdict[slip_cell] == "wrong"
    assert verdict[blank_cell] == "missing"

    comments = {
        c.coordinate: c.comment.text
        for row in openpyxl.load_workbook(graded)[STEPS].iter_rows()
        for c in row
        if c.comment is not None
    }
    assert comments, "the graded copy has comments"
    slip = comments[slip_cell]
    assert slip.startswith("WRONG: z1") and "z_in1" in slip, slip
    assert comments[blank_cell].startswith("MISSING: δ_k1"), comments[blank_cell]
    text = "\n".join(comments.values())
    for course_symbol in ("O1", "net O", "wo1", "y'1", "eh1", "eo1"):
        assert course_symbol not in text, (course_symbol, text[:500])
    assert re.search(r"\b(z_in|δ_|v\d\d|w\d\d|y\d)", text)
