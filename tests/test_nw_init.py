"""Issue 23 item 3: ``template --ask init`` asks for the Nguyen–Widrow work on the Setup sheet
(each hidden unit's norm, β and the rescaled weights; the draws given) and ``check`` grades it
like every block: carry-forward, and the classic slips named.

The expected numbers are computed here with NumPy from the draws the exercise shows (the
addresses come from the layout, the values never from nnsheet).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from specs import NW_XOR

from nnsheet.cli import main
from nnsheet.core.specfile import loads_spec
from nnsheet.output.workbook import make_layout
from nnsheet.words.notation import SHEET_NAMES

NW = NW_XOR.format(training="epochs = 1")
P, N = 3, 2  # hidden units, inputs


def _exercise(tmp_path: Path, ask: str = "init", lang: str = "en") -> tuple[Path, object]:
    spec_path = tmp_path / "nw.toml"
    spec_path.write_text(NW)
    out = tmp_path / "ex.xlsx"
    assert main(["template", str(spec_path), "--ask", ask, "--lang", lang, "-o", str(out)]) == 0
    return out, make_layout(loads_spec(NW), lang).setup


def _setup_sheet(wb) -> str:
    return next(n.setup for n in SHEET_NAMES.values() if n.setup in wb.sheetnames)


def _at(ws, pos: tuple[int, int]):
    return ws.cell(pos[0] + 1, pos[1] + 1)


def _nw(draws: np.ndarray, beta: float | None = None, whole: bool = False):
    """Nguyen–Widrow from the drawn table: per-unit norms (or one over the whole matrix), β,
    the rescaled weights."""
    norms = np.sqrt((draws**2).sum(axis=1))
    if whole:
        norms = np.full(P, np.sqrt((draws**2).sum()))
    beta = 0.7 * P ** (1 / N) if beta is None else beta
    return norms, beta, beta * draws / norms[:, None]


def _fill(ex: Path, st, norms, beta, weights, out: Path) -> None:
    wb = openpyxl.load_workbook(ex)
    ws = wb[_setup_sheet(wb)]
    for j in range(P):
        _at(ws, st.norm(1, j)).value = float(norms[j])
        for i in range(N):
            _at(ws, st.w(1, j, i)).value = float(weights[j, i])
    _at(ws, st.beta(1)).value = float(beta)
    wb.save(out)


def _draws(ex: Path, st) -> np.ndarray:
    wb = openpyxl.load_workbook(ex)
    ws = wb[_setup_sheet(wb)]
    return np.array([[_at(ws, st.draw(1, j, i)).value for i in range(N)] for j in range(P)])


def _check(tmp_path: Path, filled: Path, capsys) -> tuple[int, list[dict]]:
    report = tmp_path / "r.csv"
    capsys.readouterr()
    status = main(["check", str(filled), "--report", str(report)])
    return status, pd.read_csv(report, dtype=str, keep_default_na=False).to_dict("records")


def test_init_exercise_asks_the_work_and_gives_the_draws(tmp_path: Path) -> None:
    ex, st = _exercise(tmp_path)
    wb = openpyxl.load_workbook(ex)
    ws = wb["Setup"]
    asked = [st.beta(1)] + [st.norm(1, j) for j in range(P)]
    asked += [st.w(1, j, i) for j in range(P) for i in range(N)]
    assert all(_at(ws, pos).value is None for pos in asked)  # blank: no answer in the file
    assert all(not _at(ws, pos).protection.locked for pos in asked)  # the learner types there
    draws = _draws(ex, st)
    assert draws.shape == (P, N) and np.all(np.abs(draws) <= 0.5)
    # the draws are numpy's, in the documented order (independent of the layout's values)
    np.testing.assert_allclose(  # (the file keeps 16 significant digits)
        draws, np.random.default_rng(3).uniform(-0.5, 0.5, (P, N)), rtol=1e-15
    )
    # the Steps sheet asks nothing (only init was asked)
    text = " ".join(str(c.value) for row in wb["Exercise"].iter_rows() for c in row if c.value)
    assert "Nguyen–Widrow" in text and "0.7·p^(1/n)" in text


def test_init_all_correct_is_full_marks(tmp_path: Path, capsys) -> None:
    ex, st = _exercise(tmp_path)
    filled = tmp_path / "filled.xlsx"
    _fill(ex, st, *_nw(_draws(ex, st)), filled)
    status, rows = _check(tmp_path, filled, capsys)
    assert status == 0
    assert len(rows) == P + 1 + P * N
    assert {r["verdict"] for r in rows} == {"correct"}
    assert {r["sheet"] for r in rows} == {SHEET_NAMES["en"].setup}


def test_init_blank_is_missing(tmp_path: Path, capsys) -> None:
    ex, _ = _exercise(tmp_path)
    status, rows = _check(tmp_path, ex, capsys)
    assert status == 1
    assert {r["verdict"] for r in rows} == {"missing"}


@pytest.mark.parametrize(
    "beta",
    [0.7 * N ** (1 / N), 0.7 * P ** (1 / P), 0.7 * N ** (1 / P)],
    ids=["n^(1/n)", "p^(1/p)", "n^(1/p)"],
)
def test_beta_from_the_wrong_powers_is_named(tmp_path: Path, capsys, beta: float) -> None:
    ex, st = _exercise(tmp_path)
    filled = tmp_path / "filled.xlsx"
    norms, slipped, weights = _nw(_draws(ex, st), beta=beta)  # weights from the learner's β
    _fill(ex, st, norms, slipped, weights, filled)
    status, rows = _check(tmp_path, filled, capsys)
    assert status == 1
    wrong = [r for r in rows if r["verdict"] == "wrong"]
    beta_ref = openpyxl.utils.get_column_letter(st.beta(1)[1] + 1) + str(st.beta(1)[0] + 1)
    assert [(r["cell"], r["mistake"]) for r in wrong] == [(beta_ref, "nw_inputs_for_hidden")]
    # the weights follow the wrong β correctly: carried, not wrong again
    assert sum(r["verdict"] == "carried" for r in rows) == P * N
    assert sum(r["verdict"] == "correct" for r in rows) == P


def test_one_norm_over_the_whole_matrix_is_named(tmp_path: Path, capsys) -> None:
    ex, st = _exercise(tmp_path, lang="id")
    filled = tmp_path / "filled.xlsx"
    _fill(ex, st, *_nw(_draws(ex, st), whole=True), filled)
    status, rows = _check(tmp_path, filled, capsys)
    assert status == 1
    wrong = [r for r in rows if r["verdict"] == "wrong"]
    assert len(wrong) == P and {r["mistake"] for r in wrong} == {"nw_whole_matrix"}
    assert sum(r["verdict"] == "carried" for r in rows) == P * N
    out = capsys.readouterr().out
    assert "norma Nguyen–Widrow dihitung dari semua bobot" in out, out


def test_init_with_forward_carries_the_learners_weights(tmp_path: Path, capsys) -> None:
    """Asked init and forward: z of the first pattern computed from the learner's (wrong,
    whole-matrix) starting weights is carried, not wrong."""
    ex, st = _exercise(tmp_path, ask="init,forward")
    draws = _draws(ex, st)
    norms, beta, weights = _nw(draws, whole=True)
    filled = tmp_path / "filled.xlsx"
    _fill(ex, st, norms, beta, weights, filled)
    spec = loads_spec(NW)
    lay = make_layout(spec)
    x = spec.inputs[0]
    z = weights @ x + spec.layers[0].biases  # the learner's net of the hidden units, pattern 1
    wb = openpyxl.load_workbook(filled)
    row = lay.sample_row(1, 0) + 1
    for j in range(P):
        col = openpyxl.utils.get_column_letter(lay.col("z", 1, j) + 1)
        wb["Steps"][f"{col}{row}"] = float(z[j])
    wb.save(filled)
    _, rows = _check(tmp_path, filled, capsys)
    z_rows = [r for r in rows if r["sheet"] == "Steps" and r["cell"].endswith(str(row))]
    z_rows = [r for r in z_rows if r["verdict"] != "missing"]
    assert len(z_rows) == P and {r["verdict"] for r in z_rows} == {"carried"}


def test_init_without_nguyen_widrow_is_refused(tmp_path: Path, capsys) -> None:
    spec_path = tmp_path / "u.toml"
    spec_path.write_text(NW.replace('method = "nguyen-widrow"', 'method = "uniform"'))
    out = tmp_path / "ex.xlsx"
    assert main(["template", str(spec_path), "--ask", "init", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--ask init" in err and "Traceback" not in err and not out.exists()


def test_init_exercise_holds_no_answer_anywhere(tmp_path: Path) -> None:
    """No cell of the file (cached results included, every sheet) holds a norm, β or a rescaled
    weight: the Steps sheet's weights in use read the learner's Setup cells and show nothing
    until they are typed."""
    ex, st = _exercise(tmp_path)
    norms, beta, weights = _nw(_draws(ex, st))
    secrets = [*norms, beta, *weights.ravel()]
    wb = openpyxl.load_workbook(ex, data_only=True)
    found = [
        f"{ws.title}!{c.coordinate}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, int | float) and any(abs(c.value - s) < 1e-9 for s in secrets)
    ]
    assert not found, found


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_init_typed_in_libreoffice_at_4_decimals_is_correct(tmp_path: Path, capsys, fmt) -> None:
    """A learner types the work in LibreOffice, rounding every number to 4 decimals as on a
    calculator (the weights from the rounded β and norms); saved by LibreOffice itself. The
    Steps sheet's weights in use then show the learner's numbers (recalculated live)."""
    from submissions import require_uno, uno_edit

    require_uno()
    ex, st = _exercise(tmp_path)
    draws = _draws(ex, st)
    norms = np.round(np.sqrt((draws**2).sum(axis=1)), 4)
    beta = round(0.7 * P ** (1 / N), 4)
    weights = np.round(beta * draws / norms[:, None], 4)

    def ref(pos: tuple[int, int]) -> str:
        return openpyxl.utils.get_column_letter(pos[1] + 1) + str(pos[0] + 1)

    cells = {ref(st.beta(1)): beta}
    for j in range(P):
        cells[ref(st.norm(1, j))] = float(norms[j])
        for i in range(N):
            cells[ref(st.w(1, j, i))] = float(weights[j, i])
    (tmp_path / "in").mkdir()
    saved = uno_edit(
        ex, tmp_path / "in" / f"ana.{fmt}", [{"op": "value", "sheet": "Setup", "cells": cells}]
    )
    status, rows = _check(tmp_path, saved, capsys)
    assert status == 0, rows
    assert len(rows) == P + 1 + P * N and {r["verdict"] for r in rows} == {"correct"}
    if fmt == "xlsx":  # the weights in use on the first Steps row are the learner's own
        lay = make_layout(loads_spec(NW))
        row = lay.sample_row(1, 0) + 1
        steps = openpyxl.load_workbook(saved, data_only=True)["Steps"]
        col = openpyxl.utils.get_column_letter(lay.col("w", 1, 0, 0) + 1)
        assert steps[f"{col}{row}"].value == pytest.approx(weights[0, 0], abs=1e-12)
