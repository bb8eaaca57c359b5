"""Issue 3 in a real spreadsheet: LibreOffice recalculates the trace workbooks and gets nnsheet's
numbers.

All workbooks are recalculated in ONE headless LibreOffice run (a fresh profile that forces
recalculation on load, tests/lo.py): every built-in example, the extra specs of test_workbook.py, a
copy with planted wrong cached values (proof that the run really recalculated) and two workbooks
whose givens were edited on Setup (live givens: the whole trace follows).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import tempfile
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import lo
import numpy as np
import openpyxl
import pytest
from test_workbook import CASES, Built, _sheets, build

import nnsheet
from nnsheet.output.workbook import make_layout

pytestmark = pytest.mark.libreoffice

REL, ABS = 1e-9, 1e-12
PLANTED = 12345.0
#: case -> (new learning rate, (layer, j, i) of the changed initial weight (1-based), its value)
LIVE = {
    "xor": (0.3, (1, 1, 2), 0.25),
    "minibatch3_fixed_biases": (0.4, (2, 1, 2), -0.7),
}


def recalc_many(srcs: list[Path], outdir: Path, timeout: float = 600) -> list[Path]:
    """Recalculate several workbooks in one soffice run (one start-up instead of one each)."""
    soffice = lo.soffice_path()
    assert soffice is not None
    outdir.mkdir(parents=True, exist_ok=True)
    assert len({s.name for s in srcs}) == len(srcs)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nnsheet-lo-profile-") as tmp:
        profile = lo.write_profile(Path(tmp))
        cmd = lo.convert_command(soffice, profile, lo.XLSX_FILTER, outdir, srcs)
        env = dict(os.environ)
        env.setdefault("HOME", tmp)
        proc = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    outs = [outdir / s.name for s in srcs]
    missing = [o.name for o in outs if not o.is_file() or o.stat().st_size == 0]
    if missing:
        raise lo.LibreOfficeError(
            f"soffice produced no {', '.join(missing)} (exit "
            f"{proc.returncode})\nstderr: {proc.stderr.strip()}"
        )
    lo.TIMINGS.append((f"{len(srcs)} workbooks", lo.XLSX_FILTER, time.perf_counter() - start))
    return outs


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=ABS)


def plant(src: Path, dst: Path, wrong: dict[str, list[str]]) -> None:
    """Copy ``src`` with the cached value of each cell in ``wrong`` ({sheet: [cells]}) replaced
    by PLANTED, editing the sheet XML inside the zip (the formulas stay)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        members = dict(_sheets(zin))  # sheet name -> worksheet XML member
        targets = {members[sheet]: cells for sheet, cells in wrong.items()}
        for info in zin.infolist():
            data = zin.read(info.filename)
            for cell in targets.get(info.filename, []):
                text = data.decode("utf-8")
                pat = re.compile(rf'(<c r="{cell}"[^>]*>(?:(?!</c>).)*?<v>)([^<]*)(</v>)')
                text, n = pat.subn(rf"\g<1>{PLANTED!r}\g<3>", text, count=1)
                assert n == 1, f"cell {cell} not found with a cached value"
                data = text.encode("utf-8")
            zout.writestr(info, data)


def live_spec(spec: nnsheet.Spec, lr: float, where: tuple[int, int, int], w: float) -> nnsheet.Spec:
    layer, j, i = where
    layers = list(spec.layers)
    weights = np.array(layers[layer - 1].weights, dtype=float)
    weights[j - 1, i - 1] = w
    layers[layer - 1] = replace(layers[layer - 1], weights=weights)
    return replace(spec, learning_rate=lr, layers=tuple(layers))


def setup_cell(
    b: Built, q: str, layer: int | None = None, j: int | None = None, i: int | None = None
) -> str:
    t = b.table[(b.table["step"] == 0) & (b.table["quantity"] == q)]
    if layer is not None:
        t = t[(t["layer"] == layer) & (t["j"] == j) & (t["i"] == i)]
    return t["cell"].item()


@pytest.fixture(scope="module")
def lo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    src = tmp_path_factory.mktemp("src")
    built = {name: build(name, src) for name in CASES}
    extra: list[Path] = []

    # planted: wrong cached values in a computed Steps cell and in the Epochs loss
    course = built["course"]
    t = course.table
    o1 = t[(t["quantity"] == "a") & (t["layer"] == 1) & (t["j"] == 1) & (t["step"] == 1)]
    loss = t[(t["quantity"] == "epoch_loss") & (t["epoch"] == 1)]
    wrong = {"Steps": [o1["cell"].item()], "Epochs": [loss["cell"].item()]}
    planted = src / "planted.xlsx"
    plant(course.path, planted, wrong)
    wv = openpyxl.load_workbook(planted, data_only=True)
    for sheet, cells in wrong.items():  # the wrong values really are in the file
        for cell in cells:
            assert wv[sheet][cell].value == PLANTED
    extra.append(planted)

    # live givens: learning_rate and one initial weight edited on Setup (openpyxl load + save)
    live: dict[str, tuple[Path, nnsheet.Spec]] = {}
    for name, (lr, where, w) in LIVE.items():
        b = built[name]
        wb = openpyxl.load_workbook(b.path)
        wb["Setup"][setup_cell(b, "lr")] = lr
        wcell = setup_cell(b, "w", *where)
        assert (
            wb["Setup"][wcell].value
            == b.spec.layers[where[0] - 1].weights[where[1] - 1, where[2] - 1]
        )
        wb["Setup"][wcell] = w
        path = src / f"{name}_live.xlsx"
        wb.save(path)
        again = openpyxl.load_workbook(path)
        dest = list(again.defined_names["learning_rate"].destinations)
        assert dest == [("Setup", "$" + re.sub(r"(\d+)", r"$\1", setup_cell(b, "lr")))]
        live[name] = (path, live_spec(b.spec, lr, where, w))
        extra.append(path)

    out = tmp_path_factory.mktemp("out")
    recalc_many([b.path for b in built.values()] + extra, out)
    return {"built": built, "out": out, "wrong": wrong, "live": live}


def _recalculated(lo_run: dict, filename: str) -> openpyxl.Workbook:
    return openpyxl.load_workbook(lo_run["out"] / filename, data_only=True)


def _compare(table, wv: openpyxl.Workbook, sheets: tuple[str, ...]) -> int:
    rows = table[table["sheet"].isin(sheets)]
    bad = []
    for sheet, cell, q, value in zip(
        rows["sheet"], rows["cell"], rows["quantity"], rows["value"], strict=True
    ):
        got = wv[sheet][cell].value
        if not isinstance(got, int | float) or not close(float(got), float(value)):
            bad.append(f"{sheet}!{cell} ({q}): LibreOffice {got!r}, nnsheet {value!r}")
    assert not bad, f"{len(bad)} of {len(rows)} cells differ, e.g. " + "; ".join(bad[:5])
    return len(rows)


@pytest.mark.parametrize("name", list(CASES))
def test_libreoffice_recalculates_to_the_engines_values(lo_run: dict, name: str) -> None:
    b = lo_run["built"][name]
    wv = _recalculated(lo_run, b.path.name)
    n = _compare(b.table, wv, ("Setup", "Steps", "Epochs"))
    assert n == len(b.table)
    # no cell of the recalculated Steps sheet holds an error value (#NAME?, #VALUE!, …)
    for row in wv["Steps"].iter_rows(min_row=3):
        for c in row:
            assert not (isinstance(c.value, str) and c.value.startswith("#")), c.coordinate
    # the defined name and the formulas survive LibreOffice's round trip
    wf = openpyxl.load_workbook(lo_run["out"] / b.path.name)
    assert "learning_rate" in wf.defined_names
    cell = b.table[b.table["quantity"] == "z"]["cell"].iloc[0]
    assert "SUMPRODUCT(" in str(wf["Steps"][cell].value)


def test_planted_wrong_cached_values_are_corrected(lo_run: dict) -> None:
    course = lo_run["built"]["course"]
    wv = _recalculated(lo_run, "planted.xlsx")
    t = course.table
    for sheet, cells in lo_run["wrong"].items():
        for cell in cells:
            want = t[(t["sheet"] == sheet) & (t["cell"] == cell)]["value"].item()
            got = wv[sheet][cell].value
            assert got != PLANTED and close(got, want), (sheet, cell, got, want)
    _compare(t, wv, ("Steps", "Epochs"))


@pytest.mark.parametrize("name", list(LIVE))
def test_live_givens_recalculate_the_whole_trace(lo_run: dict, name: str) -> None:
    path, spec = lo_run["live"][name]
    b = lo_run["built"][name]
    fresh = nnsheet.run(spec)
    table = fresh.table(make_layout(spec))
    assert (table["cell"] == b.table["cell"]).all()  # same layout, same cells
    wv = _recalculated(lo_run, path.name)
    n = _compare(table, wv, ("Steps", "Epochs"))
    # not vacuous: most computed Steps values differ from the unedited run
    steps = table["sheet"] == "Steps"
    changed = ~np.isclose(table["value"][steps], b.table["value"][steps], rtol=1e-9, atol=0)
    assert changed.mean() > 0.5, changed.mean()
    assert n > 100
    lr_cell = setup_cell(b, "lr")
    assert wv["Setup"][lr_cell].value == spec.learning_rate
