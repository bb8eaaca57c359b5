"""Issue 3: the trace workbook holds exactly the engine's trace (no spreadsheet needed).

For every built-in example and a set of extra specs (batch, mini-batch without bias updates,
rounding, proportional hidden errors, a deep net, no hidden layer) the workbook is written and read
back with openpyxl: every value the trace table places on Steps or Epochs is a formula whose cached
value is the table's value, and every given on Setup is a plain number. The expected values come
from the table (the engine), never from the workbook writer. LibreOffice's own recalculation is
proven in test_workbook_lo.py.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import nnsheet
from nnsheet.cli import main
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import parse_spec
from nnsheet.output.workbook import make_layout, write_trace_workbook

REPO = Path(__file__).resolve().parents[1]
WORKBOOKS = REPO / "workbooks"
SHEETS = ["Guide", "Setup", "Steps", "Epochs"]
ALLOWED_FUNCTIONS = {"EXP", "SUMPRODUCT", "MAX", "IF", "ROUND"}
REL, ABS = 1e-12, 1e-15

# --------------------------------------------------------------------------- the specs
BATCH = """\
title = "Batch 2-3-2"
preset = "gradient"
[[layer]]
size = 3
activation = "sigmoid"
[[layer]]
size = 2
activation = "sigmoid"
[training]
learning_rate = 0.8
epochs = 3
mode = "batch"
[init]
seed = 7
[data]
inputs = [[0.1, 0.9], [0.8, 0.2], [0.4, 0.4], [0.9, 0.7]]
targets = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]
"""

MINIBATCH = """\
title = "Mini-batch of 3, fixed biases"
preset = "course"
[[layer]]
size = 2
activation = "sigmoid"
[[layer]]
size = 1
activation = "sigmoid"
[training]
learning_rate = 0.9
epochs = 2
mode = 3
update_biases = false
[init]
seed = 3
[data]
inputs = [[0.1, 0.2, 0.3], [0.9, 0.1, 0.5], [0.3, 0.8, 0.2], [0.6, 0.6, 0.6],
          [0.0, 0.4, 0.9], [0.7, 0.3, 0.1], [0.2, 0.9, 0.8]]
targets = [[0.0], [1.0], [1.0], [0.0], [1.0], [0.0], [1.0]]
"""

DEEP = """\
title = "Deep 2-3-2-2"
preset = "gradient"
[[layer]]
size = 3
activation = "tanh"
weights = [[0.5, -0.3], [-0.8, 0.6], [0.2, 0.9]]
biases = [0.1, -0.2, 0.05]
[[layer]]
size = 2
activation = "relu"
weights = [[0.7, -0.4, 0.3], [-0.6, 0.5, 0.8]]
biases = [0.1, 0.2]
[[layer]]
size = 2
activation = "sigmoid"
[training]
learning_rate = 0.3
epochs = 3
loss = "sse"
[init]
seed = 11
[data]
inputs = [[0.5, -0.2], [-0.7, 0.9], [0.3, 0.3], [0.9, 0.8]]
targets = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.2, 0.9]]
"""

NO_HIDDEN = """\
title = "Single layer 3-2, mini-batches of 2"
preset = "gradient"
[[layer]]
size = 2
activation = "sigmoid"
[training]
learning_rate = 0.7
epochs = 4
mode = 2
loss = "half_sse"
[init]
seed = 5
[data]
inputs = [[0.2, 0.4, 0.6], [0.9, 0.1, 0.3], [0.5, 0.5, 0.0], [0.1, 0.8, 0.7], [0.3, 0.3, 0.3]]
targets = [[0.2, 0.7], [0.9, 0.1], [0.4, 0.4], [0.1, 0.8], [0.6, 0.3]]
"""


def _course_variant(name: str, **training: object) -> nnsheet.Spec:
    doc = tomllib.loads(example_path("course").read_text(encoding="utf-8"))
    doc.setdefault("training", {}).update(training)
    return parse_spec(doc, name)


#: examples with more sample rows than this are checked on their first 2 epochs (same layout)
MAX_ROWS = 1000


def _example(name: str) -> nnsheet.Spec:
    spec = nnsheet.load_example(name)
    if spec.n_samples * spec.epochs > MAX_ROWS:
        spec = nnsheet.load_example(name, {"epochs": 2})
    return spec


#: name -> spec factory: the built-in examples and the extra specs of issue 3
EXTRA = {
    "batch": lambda: nnsheet.loads_spec(BATCH, "batch"),
    "minibatch3_fixed_biases": lambda: nnsheet.loads_spec(MINIBATCH, "minibatch3"),
    "round4": lambda: _course_variant("round4", round=4, epochs=2),
    "proportional": lambda: _course_variant("proportional", hidden_error="proportional", epochs=2),
    "deep_gradient": lambda: nnsheet.loads_spec(DEEP, "deep"),
    "deep_error": lambda: nnsheet.loads_spec(DEEP.replace('"gradient"', '"course"'), "deep2"),
    "no_hidden": lambda: nnsheet.loads_spec(NO_HIDDEN, "no_hidden"),
}
#: the single-layer rules' examples (issue 24) have their own columns and sheets: they are
#: checked in tests/test_single.py (their committed workbooks below, with every example)
SINGLE_EXAMPLES = {"hebb-and", "perceptron-and", "adaline-and", "perceptron-xor"}
CASES: dict[str, object] = {
    **{
        name: (lambda n=name: _example(n))
        for name in nnsheet.EXAMPLES
        if name not in SINGLE_EXAMPLES
    },
    **EXTRA,
}


@dataclass
class Built:
    name: str
    spec: nnsheet.Spec
    trace: nnsheet.Trace
    table: pd.DataFrame
    path: Path


def build(name: str, folder: Path, lang: str = "en", spec: nnsheet.Spec | None = None) -> Built:
    """Run the engine and write the workbook and the table from that one run."""
    spec = spec if spec is not None else CASES[name]()
    trace = nnsheet.run(spec)
    layout = make_layout(spec, lang)
    path = folder / f"{name}.xlsx"
    write_trace_workbook(trace, path, layout)
    return Built(name, spec, trace, trace.table(layout), path)


@cache
def _books(path: Path) -> tuple[openpyxl.Workbook, openpyxl.Workbook]:
    return (openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True))


def close(a: float, b: float, rel: float = REL, abs_: float = ABS) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    folder = tmp_path_factory.mktemp("books")
    return {name: build(name, folder) for name in CASES}


# --------------------------------------------------------------------------- every value
@pytest.mark.parametrize("name", list(CASES))
def test_every_table_value_is_a_formula_with_the_engines_cached_value(
    built: dict[str, Built], name: str
) -> None:
    b = built[name]
    wb, wv = _books(b.path)
    assert (b.table["sheet"] != "").all() and (b.table["cell"] != "").all()
    on_steps = b.table[b.table["sheet"].isin(["Steps", "Epochs"])]
    assert len(on_steps) > 0
    bad = []
    for sheet, cell, q, value in zip(
        on_steps["sheet"], on_steps["cell"], on_steps["quantity"], on_steps["value"], strict=True
    ):
        f = wb[sheet][cell].value
        v = wv[sheet][cell].value
        if not (isinstance(f, str) and f.startswith("=")):
            bad.append(f"{sheet}!{cell} ({q}) is not a formula: {f!r}")
        elif not isinstance(v, int | float) or not close(float(v), float(value)):
            bad.append(f"{sheet}!{cell} ({q}): cached {v!r}, engine {value!r}")
    assert not bad, f"{len(bad)} bad cells, e.g. " + "; ".join(bad[:5])
    # every quantity of design.md §5 that is computed shows up on Steps
    want = {
        "x",
        "t",
        "w",
        "b",
        "z",
        "a",
        "e",
        "loss",
        "err",
        "fprime",
        "delta",
        "grad_w",
        "grad_b",
        "dw",
        "w_new",
        "b_new",
    }
    if b.spec.update_biases:
        want.add("db")
    if b.spec.book_columns:  # the book's columns (fausett, siang): no ∂ band
        want -= {"grad_w", "grad_b"}
    assert want <= set(on_steps["quantity"])
    assert "epoch_loss" in set(on_steps["quantity"])


@pytest.mark.parametrize("name", list(CASES))
def test_givens_are_plain_numbers_on_setup(built: dict[str, Built], name: str) -> None:
    b = built[name]
    wb, _ = _books(b.path)
    given = b.table[b.table["step"] == 0]
    assert set(given["sheet"]) == {"Setup"}
    extra = set()
    if b.spec.momentum:
        extra.add("momentum")
    # Nguyen–Widrow: the draws are givens; the weights rescaled from them are live formulas
    rescaled = {l + 1 for l, d in enumerate(b.spec.nw_draws) if d is not None}
    if rescaled:
        extra.add("nw_draw")
    assert set(given["quantity"]) == {"lr", "w", "b", "x", "t"} | extra
    _, cached = _books(b.path)
    for cell, q, layer, value in zip(
        given["cell"], given["quantity"], given["layer"], given["value"], strict=True
    ):
        got = wb["Setup"][cell].value
        if q == "w" and layer in rescaled:
            assert isinstance(got, str) and got.startswith("="), (cell, got)
            got = cached["Setup"][cell].value
        assert isinstance(got, int | float) and not isinstance(got, bool), (cell, got)
        assert close(float(got), float(value)), (cell, got, value)


@pytest.mark.parametrize("name", list(CASES))
def test_formulas_use_only_plain_functions(built: dict[str, Built], name: str) -> None:
    b = built[name]
    wb, _ = _books(b.path)
    seen: set[str] = set()
    n = 0
    for sheet in ("Steps", "Epochs"):
        for row in wb[sheet].iter_rows():
            for c in row:
                if c.data_type == "f" or isinstance(c.value, str) and c.value.startswith("="):
                    assert isinstance(c.value, str), f"{sheet}!{c.coordinate}: {c.value!r}"
                    assert len(c.value) <= 8192
                    seen |= set(re.findall(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(", c.value))
                    n += 1
                elif c.value is not None:  # not a formula: step info, labels
                    assert not isinstance(c.value, str) or not c.value.startswith("=")
    assert n > 0
    assert seen <= ALLOWED_FUNCTIONS, seen - ALLOWED_FUNCTIONS
    if b.spec.round is not None:
        assert "ROUND" in seen
    with zipfile.ZipFile(b.path) as z:
        for member in z.namelist():
            if member.startswith("xl/worksheets/"):
                assert b't="array"' not in z.read(member), member


def test_round_wraps_every_computed_formula(built: dict[str, Built]) -> None:
    b = built["round4"]
    wb, _ = _books(b.path)
    rows = b.table[
        (b.table["sheet"] == "Steps") & ~b.table["quantity"].isin(["x", "t", "w", "b", "grad_b"])
    ]
    for cell, q in zip(rows["cell"], rows["quantity"], strict=True):
        f = wb["Steps"][cell].value
        if q == "b_new" and not b.spec.update_biases:
            continue
        assert f.startswith("=ROUND(") and f.endswith(",4)"), (cell, q, f)
    # the cached values are rounded to 4 decimals
    for v in b.table[b.table["sheet"] == "Steps"]["value"]:
        assert close(v, round(v, 4), rel=0, abs_=1e-12)


# --------------------------------------------------------------------------- structure
@pytest.mark.parametrize("name", list(CASES))
def test_structure(built: dict[str, Built], name: str) -> None:
    b = built[name]
    wb, _ = _books(b.path)
    assert wb.sheetnames == SHEETS
    # learning_rate is a defined name pointing at the Setup cell of lr
    lr_cell = b.table.loc[b.table["quantity"] == "lr", "cell"].item()
    dn = wb.defined_names["learning_rate"]
    dest = list(dn.destinations)
    assert dest == [("Setup", "$" + re.sub(r"(\d+)", r"$\1", lr_cell, count=1))], dest
    assert wb["Setup"][lr_cell].value == b.spec.learning_rate
    # frozen headers: two header rows (and the step-info columns on Steps)
    assert wb["Steps"].freeze_panes == "D3"
    assert wb["Epochs"].freeze_panes == "A3"
    # the first data row of Steps is row 3; header rows hold text only
    for r in (1, 2):
        for c in wb["Steps"][r]:
            assert c.value is None or c.data_type == "s", c.coordinate
    # Epochs has a line chart of the loss
    with zipfile.ZipFile(b.path) as z:
        charts = [m for m in z.namelist() if m.startswith("xl/charts/chart")]
        assert len(charts) == 1
        assert b"<c:lineChart>" in z.read(charts[0])
        if b.spec.epochs > 1:  # the loss per epoch
            assert b"<c:f>Epochs!$B$3" in z.read(charts[0])
        else:  # one epoch: the loss of every sample, the Steps loss cells (rows 3 to the last)
            cells = b.table.loc[
                (b.table["quantity"] == "loss") & (b.table["sheet"] == "Steps"), "cell"
            ]
            col = {re.sub(r"\d", "", c) for c in cells}.pop()
            last = max(int(re.sub(r"\D", "", c)) for c in cells)
            rng = f"${col}$3" + (f":${col}${last}" if last > 3 else "")
            assert f"<c:val><c:numRef><c:f>Steps!{rng}<".encode() in z.read(charts[0])
    assert len(wb["Epochs"]._charts) == 1


def test_batch_rows(built: dict[str, Built]) -> None:
    """Mini-batch k=3 over 7 samples: batches 3, 3, 1 each followed by an update row that
    averages the batch's changes; every sample row of a batch uses the same weights."""
    b = built["minibatch3_fixed_biases"]
    wb, _ = _books(b.path)
    ws = wb["Steps"]
    col_a = [ws.cell(r, 3).value for r in range(3, 3 + 2 * 10)]
    upd = "update"
    assert col_a == [1, 2, 3, upd, 4, 5, 6, upd, 7, upd] * 2
    t = b.table
    dw = t[(t["quantity"] == "dw") & t["sample"].isna()]
    assert len(dw) == 2 * 3 * (3 * 2 + 2 * 1)  # epochs × batches × weights
    f = ws[dw["cell"].iloc[0]].value
    assert re.fullmatch(r"=SUMPRODUCT\([A-Z]+3:[A-Z]+5\)/3", f), f
    last = ws[dw[dw["step"] == 3]["cell"].iloc[0]].value
    assert re.fullmatch(r"=SUMPRODUCT\([A-Z]+11:[A-Z]+11\)/1", last), last
    # no db column at all, and b_new carries the bias forward unchanged
    assert "db" not in set(t["quantity"])
    b_new = t[t["quantity"] == "b_new"]
    b0 = t[(t["quantity"] == "b") & (t["step"] == 0)]
    for layer, j, v in zip(b_new["layer"], b_new["j"], b_new["value"], strict=True):
        want = b0[(b0["layer"] == layer) & (b0["j"] == j)]["value"].item()
        assert v == want
    # sample rows of one batch read the same weights in use: the previous update row's
    w_rows = t[
        (t["quantity"] == "w")
        & (t["step"] == 2)
        & (t["layer"] == 1)
        & (t["j"] == 1)
        & (t["i"] == 1)
    ]
    formulas = {ws[c].value for c in w_rows["cell"]}
    w_new_cell = t[
        (t["quantity"] == "w_new")
        & (t["step"] == 1)
        & (t["layer"] == 1)
        & (t["j"] == 1)
        & (t["i"] == 1)
    ]["cell"].item()
    assert formulas == {"=" + w_new_cell}


def test_weights_in_use_chain_to_the_previous_new_weights(built: dict[str, Built]) -> None:
    b = built["xor"]
    wb, _ = _books(b.path)
    t = b.table
    w = t[(t["quantity"] == "w") & (t["step"] > 0)]
    for _, row in w.iterrows():
        f = wb["Steps"][row["cell"]].value
        if row["step"] == 1:
            given = t[
                (t["quantity"] == "w")
                & (t["step"] == 0)
                & (t["layer"] == row["layer"])
                & (t["j"] == row["j"])
                & (t["i"] == row["i"])
            ]["cell"].item()
            assert f == "=Setup!" + re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", given)
        else:
            prev = t[
                (t["quantity"] == "w_new")
                & (t["step"] == row["step"] - 1)
                & (t["layer"] == row["layer"])
                & (t["j"] == row["j"])
                & (t["i"] == row["i"])
            ]["cell"].item()
            assert f == "=" + prev


def test_course_headers_use_course_symbols(built: dict[str, Built]) -> None:
    wb, _ = _books(built["course"].path)
    ws = wb["Steps"]
    # (a band split across printed pages is named on each: consecutive repeats are one band)
    bands = [k for k, _ in itertools.groupby(c.value for c in ws[1] if c.value)]
    assert bands == [
        "step",
        "inputs and targets",
        "weights and biases in use",
        "forward pass",
        "errors and loss",
        "backward pass",
        "gradients and changes",
        "new weights and biases",
    ]
    symbols = [c.value for c in ws[2]]
    for s in ("w1,2", "wo2,1", "O1", "y'2", "e1", "eh1", "x3", "t2", "net O2", "bo1"):
        assert s in symbols, s
    assert symbols[:3] == ["epoch", "step", "sample"]
    # header symbol and table label agree for every Steps column of the first row
    t = built["course"].table
    first = t[(t["sheet"] == "Steps") & (t["step"] == 1)]
    for cell, label in zip(first["cell"], first["label"], strict=True):
        col = re.match(r"[A-Z]+", cell).group(0)
        assert ws[f"{col}2"].value == label


def test_readable_layout(built: dict[str, Built]) -> None:
    b = built["course"]
    wb, _ = _books(b.path)
    ws = wb["Steps"]
    cell = b.table[(b.table["sheet"] == "Steps") & (b.table["quantity"] == "z")]["cell"].iloc[0]
    assert ws[cell].number_format == "0.000000"
    col = re.match(r"[A-Z]+", cell).group(0)
    assert ws.column_dimensions[col].width >= 10
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows.replace("$", "") == "1:2"


# --------------------------------------------------------------------------- languages
def test_lang_id_same_numbers_same_cells(built: dict[str, Built], tmp_path: Path) -> None:
    """Indonesian: the same numbers and formulas in the same cells; only the words differ, the
    sheet names included (Panduan, Inisialisasi, Langkah, Epoch), and formulas that read
    another sheet name it in Indonesian."""
    names = {"Guide": "Panduan", "Setup": "Inisialisasi", "Steps": "Langkah", "Epochs": "Epoch"}
    for name in ("course", "minibatch3_fixed_biases"):
        en = built[name]
        idb = build(name, tmp_path, lang="id")
        cols = ["epoch", "step", "sample", "quantity", "layer", "j", "i", "value", "sheet", "cell"]
        want = en.table[cols].copy()
        want["sheet"] = want["sheet"].map(names)
        pd.testing.assert_frame_equal(want, idb.table[cols])
        wen, ven = _books(en.path)
        wid, vid = _books(idb.path)
        assert wid.sheetnames == list(names.values())
        for sheet in ("Setup", "Steps", "Epochs"):
            for ra, rb in zip(ven[sheet].iter_rows(), vid[names[sheet]].iter_rows(), strict=True):
                for a, c in zip(ra, rb, strict=True):
                    if isinstance(a.value, int | float):
                        assert a.value == c.value, (sheet, a.coordinate)
            for ra, rb in zip(wen[sheet].iter_rows(), wid[names[sheet]].iter_rows(), strict=True):
                for a, c in zip(ra, rb, strict=True):
                    if isinstance(a.value, str) and a.value.startswith("="):
                        translated = a.value.replace("Setup!", "Inisialisasi!").replace(
                            "Steps!", "Langkah!"
                        )
                        assert translated == c.value, (sheet, a.coordinate)
        assert list(wid.defined_names["learning_rate"].destinations)[0][0] == "Inisialisasi"
    wid, _ = _books(tmp_path / "course.xlsx")
    bands = [k for k, _ in itertools.groupby(c.value for c in wid["Langkah"][1] if c.value)]
    assert bands == [
        "langkah",
        "masukan dan target",
        "bobot dan bias yang dipakai",
        "propagasi maju",
        "galat dan fungsi galat",
        "propagasi mundur",
        "gradien dan perubahan",
        "bobot dan bias baru",
    ]
    setup_text = " ".join(
        str(c.value)
        for row in wid["Inisialisasi"].iter_rows()
        for c in row
        if isinstance(c.value, str)
    ).lower()
    assert "laju pembelajaran" in setup_text and "bobot" in setup_text
    guide_text = " ".join(
        str(c.value) for row in wid["Panduan"].iter_rows() for c in row if isinstance(c.value, str)
    ).lower()
    assert "galat" in guide_text and "bobot" in guide_text


# --------------------------------------------------------------------------- text from the spec
def test_spec_text_is_written_as_text_never_as_a_formula(tmp_path: Path) -> None:
    names = ["=1+2", "+A1", "-cmd|' /C calc'!A0", "@SUM(1)"]
    title = '=HYPERLINK("http://example.com","x")'
    csv = ",".join(f'"{n}"' if "," in n else n for n in names) + ",target\n"
    csv += "0.1,0.2,0.3,0.4,1\n0.5,0.6,0.7,0.8,0\n"
    (tmp_path / "data.csv").write_text(csv, encoding="utf-8")
    (tmp_path / "inj.toml").write_text(
        f"title = '{title}'\n[[layer]]\nsize = 1\nactivation = \"sigmoid\"\n"
        '[data]\ncsv = "data.csv"\ntargets = ["target"]\n',
        encoding="utf-8",
    )
    spec = nnsheet.load_spec(tmp_path / "inj.toml")
    assert spec.title == title and tuple(spec.feature_names) == tuple(names)
    out = tmp_path / "inj.xlsx"
    assert main(["trace", str(tmp_path / "inj.toml"), "-o", str(out), "-q"]) == 0
    wb = openpyxl.load_workbook(out)
    wv = openpyxl.load_workbook(out, data_only=True)
    found: dict[str, int] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str):
                    continue
                for text in [*names, title]:
                    if text in c.value:
                        found[text] = found.get(text, 0) + 1
                        assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                        assert wv[ws.title][c.coordinate].value == c.value
    for text in names:  # each feature name stands at the start of its own cell
        assert found.get(text), f"{text!r} not found as text"
    assert found.get(title), "title not found as text"
    with zipfile.ZipFile(out) as z:
        for m in z.namelist():
            if m.startswith("xl/worksheets/"):
                xml = z.read(m).decode()
                for f in re.findall(r"<f>(.*?)</f>", xml):
                    assert "HYPERLINK" not in f and "calc" not in f and "SUM(1)" not in f


# --------------------------------------------------------------------------- committed workbooks
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheets(z: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(name, member) of each worksheet in workbook order."""
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    book = ET.fromstring(z.read("xl/workbook.xml"))
    return [
        (s.get("name"), "xl/" + target[s.get(_REL)].lstrip("/").removeprefix("xl/"))
        for s in book.iter(_NS + "sheet")
    ]


def _cell_stream(z: zipfile.ZipFile, member: str, sst: list[str]):
    """Every cell of a worksheet as (ref, formula, value), streamed (big workbooks stay cheap)."""
    for _, el in ET.iterparse(z.open(member), events=("end",)):
        if el.tag == _NS + "c":
            f, v, t = el.find(_NS + "f"), el.find(_NS + "v"), el.get("t")
            if t == "s":
                value: object = sst[int(v.text)]
            elif t == "inlineStr":
                value = "".join(x.text or "" for x in el.iter(_NS + "t"))
            elif v is None or t in ("str", "b", "e"):
                value = None if v is None else v.text
            else:
                value = float(v.text)
            yield el.get("r"), None if f is None else f.text, value
            el.clear()
        elif el.tag == _NS + "row":
            el.clear()


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in z.namelist():
        return []
    root = ET.fromstring(z.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(_NS + "t")) for si in root.iter(_NS + "si")]


def _same_cells(fresh: Path, committed: Path, hint: str) -> int:
    """Compare every cell's formula and value (floats within 1e-12); returns the cell count."""
    n = 0
    with zipfile.ZipFile(fresh) as za, zipfile.ZipFile(committed) as zb:
        sa, sb = _sheets(za), _sheets(zb)
        assert [s for s, _ in sa] == [s for s, _ in sb] == SHEETS, hint
        ta, tb = _shared_strings(za), _shared_strings(zb)
        for (sheet, ma), (_, mb) in zip(sa, sb, strict=True):
            cells = itertools.zip_longest(_cell_stream(za, ma, ta), _cell_stream(zb, mb, tb))
            for a, b in cells:
                assert a is not None and b is not None, (hint, sheet, a, b)
                where = (hint, sheet, a[0])
                assert a[:2] == b[:2], where
                if isinstance(a[2], float) and isinstance(b[2], float):
                    assert close(a[2], b[2]), (*where, a[2], b[2])
                else:
                    assert a[2] == b[2], (*where, a[2], b[2])
                n += 1
        names = {
            d.get("name"): d.text
            for d in ET.fromstring(za.read("xl/workbook.xml")).iter(_NS + "definedName")
        }
        assert names == {
            d.get("name"): d.text
            for d in ET.fromstring(zb.read("xl/workbook.xml")).iter(_NS + "definedName")
        }, hint
    return n


def test_committed_workbooks_are_up_to_date(tmp_path: Path) -> None:
    assert main(["examples", "--export", str(tmp_path)]) == 0
    for name in nnsheet.EXAMPLES:
        hint = f"workbooks/{name}.xlsx is out of date: run `nnsheet examples --export workbooks`"
        for f in sorted(tmp_path.glob(f"{name}*")):
            committed = WORKBOOKS / f.name
            assert committed.is_file(), f"workbooks/{f.name} is missing; {hint}"
            if f.suffix != ".xlsx":  # the spec and its data: the very same text
                assert committed.read_bytes() == f.read_bytes(), hint
        fresh = tmp_path / f"{name}.xlsx"
        assert fresh.is_file()
        assert _same_cells(fresh, WORKBOOKS / f"{name}.xlsx", hint) > 100


def test_stale_workbook_is_detected(tmp_path: Path) -> None:
    """The comparison above really looks at the numbers: one changed given is caught."""
    spec = nnsheet.load_example("course")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = build("course", tmp_path / "a", spec=spec)
    b = build("course", tmp_path / "b", spec=replace(spec, learning_rate=0.25))
    assert _same_cells(a.path, a.path, "same") > 100
    with pytest.raises(AssertionError):
        _same_cells(a.path, b.path, "changed")


# --------------------------------------------------------------------------- command line
def test_output_equal_to_an_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text = example_path("course").read_text(encoding="utf-8")
    spec = tmp_path / "spec.xlsx"  # a TOML spec whose name could be mistaken for the output
    spec.write_text(text, encoding="utf-8")
    assert main(["trace", str(spec), "-o", str(spec), "-q"]) == 2
    err = capsys.readouterr().err
    assert "input" in err and err.count("\n") == 1
    assert spec.read_text(encoding="utf-8") == text
    toml = tmp_path / "spec.toml"
    toml.write_text(text, encoding="utf-8")
    assert main(["trace", str(toml), "-o", str(toml), "-q"]) == 2
    assert toml.read_text(encoding="utf-8") == text
    # the CSV data file is an input too
    (tmp_path / "d.csv").write_text("a,b,t\n0.1,0.2,1\n0.3,0.4,0\n", encoding="utf-8")
    (tmp_path / "d.toml").write_text(
        '[[layer]]\nsize = 1\nactivation = "sigmoid"\n[data]\ncsv = "d.csv"\ntargets = ["t"]\n'
    )
    before = (tmp_path / "d.csv").read_bytes()
    assert (
        main(
            [
                "trace",
                str(tmp_path / "d.toml"),
                "-o",
                str(tmp_path / "o.xlsx"),
                "--table",
                str(tmp_path / "d.csv"),
                "-q",
            ]
        )
        == 2
    )
    assert (tmp_path / "d.csv").read_bytes() == before
    assert not (tmp_path / "o.xlsx").exists()


def test_too_many_rows_is_refused_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out, table = tmp_path / "big.xlsx", tmp_path / "big.csv"
    # xor: 4 rows per epoch; 300,000 epochs need 1,200,002 rows
    assert (
        main(["trace", "xor", "--epochs", "300000", "-o", str(out), "--table", str(table), "-q"])
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "1,048,576" in err and "rows" in err
    assert "--detail-epochs" in err or "--epochs" in err  # says what to do instead
    assert not out.exists() and not table.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary files left either
    # a file already there is left as it was
    out.write_bytes(b"old")
    assert main(["trace", "xor", "--epochs", "300000", "-o", str(out), "-q"]) == 2
    assert out.read_bytes() == b"old"


def test_too_many_columns_is_refused_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    n_in, n_hidden = 70, 60  # 4 columns per weight: 4·60·70 = 16,800 > 16,384
    row = "[" + ", ".join(["0.5"] * n_in) + "]"
    (tmp_path / "wide.toml").write_text(
        f'[[layer]]\nsize = {n_hidden}\nactivation = "sigmoid"\n'
        '[[layer]]\nsize = 1\nactivation = "sigmoid"\n'
        f"[data]\ninputs = [{row}]\ntargets = [[1.0]]\n",
        encoding="utf-8",
    )
    out = tmp_path / "wide.xlsx"
    assert main(["trace", str(tmp_path / "wide.toml"), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "16,384" in err and "columns" in err
    assert not out.exists()


@pytest.mark.parametrize("name", ["course", "batch"])
def test_table_cells_filled_with_a_workbook_empty_without(tmp_path: Path, name: str) -> None:
    if name in nnsheet.EXAMPLES:
        spec_arg = name
    else:
        (tmp_path / f"{name}.toml").write_text(BATCH, encoding="utf-8")
        spec_arg = str(tmp_path / f"{name}.toml")
    out, with_book, alone = tmp_path / "o.xlsx", tmp_path / "with.csv", tmp_path / "alone.csv"
    assert main(["trace", spec_arg, "-o", str(out), "--table", str(with_book), "-q"]) == 0
    assert main(["trace", spec_arg, "--table", str(alone), "-q"]) == 0
    read = lambda p: pd.read_csv(p, dtype=str, keep_default_na=False)  # noqa: E731
    a, b = read(with_book), read(alone)
    assert len(a) == len(b) > 0
    assert (a["sheet"] != "").all() and (a["cell"] != "").all()
    assert set(a["sheet"]) == {"Setup", "Steps", "Epochs"}
    assert (b["sheet"] == "").all() and (b["cell"] == "").all()
    assert (a.drop(columns=["sheet", "cell"]) == b.drop(columns=["sheet", "cell"])).all().all()
    assert not a.duplicated(["sheet", "cell"]).any()
    # the CSV's cells hold its values in the workbook written in the same run
    wv = openpyxl.load_workbook(out, data_only=True)
    for sheet, cell, value in zip(a["sheet"], a["cell"], a["value"], strict=True):
        assert close(float(wv[sheet][cell].value), float(value)), (sheet, cell)
