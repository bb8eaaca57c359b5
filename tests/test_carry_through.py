"""Carry-forward through skipped cells (issue 21, item 1): a learner following Fausett or Siang
never writes f′ or ∂; the cells computed from those (δ_j, Δ) are judged from the learner's own
numbers through the blank cells' own formulas, and the blank cells themselves stay missing.

The learner's numbers and the expected verdicts come from an independent loop written here (the
``fausett`` example copied by hand, 2 decimals), never from the grader or the engine; the
engine's trace table only says which cell holds which value."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import openpyxl
import pytest
from submissions import require_uno, rnd, uno_edit

from nnsheet.cli import main

V = [[0.2, 0.3], [0.3, 0.1], [-0.1, -0.1]]  # v[j][i]: from x_i to z_j
V0 = [-0.3, 0.3, 0.3]
W = [0.5, -0.3, -0.4]  # from z_j to y
W0, ALPHA, X, T = -0.1, 0.2, [1.0, 1.0], 0.0
Y_SLIP = 0.60  # the learner's y (exactly 0.44): everything after it follows from it


def sig(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def fausett(d: int | None, slip: float | None = None) -> dict[tuple, float]:
    """The first pattern of Fausett's XOR 2-3-1 by hand; ``d``: rounded to d decimals at every
    step (a calculator), ``slip``: the learner's y instead of the computed one. Keys:
    (quantity, step, layer, j, i) as in the trace table."""
    r = (lambda v: v) if d is None else (lambda v: rnd(v, d))
    out: dict[tuple, float] = {}
    zin = [r(V0[j] + sum(V[j][i] * X[i] for i in range(2))) for j in range(3)]
    z = [r(sig(v)) for v in zin]
    yin = r(W0 + sum(W[j] * z[j] for j in range(3)))
    y = r(sig(yin)) if slip is None else slip
    e = r(T - y)
    fk = r(y * (1 - y))
    dk = r(e * fk)
    din = [r(dk * W[j]) for j in range(3)]
    fj = [r(v * (1 - v)) for v in z]
    dj = [r(din[j] * fj[j]) for j in range(3)]
    for j in range(3):
        out[("z", 1, 1, j + 1, None)], out[("a", 1, 1, j + 1, None)] = zin[j], z[j]
        out[("err", 1, 1, j + 1, None)], out[("fprime", 1, 1, j + 1, None)] = din[j], fj[j]
        out[("delta", 1, 1, j + 1, None)], out[("grad_b", 1, 1, j + 1, None)] = dj[j], dj[j]
        out[("db", 1, 1, j + 1, None)] = db = r(ALPHA * dj[j])
        out[("b_new", 1, 1, j + 1, None)] = r(V0[j] + db)
        out[("grad_w", 1, 2, 1, j + 1)] = g = r(dk * z[j])
        out[("dw", 1, 2, 1, j + 1)] = dw = r(ALPHA * dk * z[j])
        out[("w_new", 1, 2, 1, j + 1)] = r(W[j] + dw)
        for i in range(2):
            out[("grad_w", 1, 1, j + 1, i + 1)] = r(dj[j] * X[i])
            out[("dw", 1, 1, j + 1, i + 1)] = dv = r(ALPHA * dj[j] * X[i])
            out[("w_new", 1, 1, j + 1, i + 1)] = r(V[j][i] + dv)
    del g
    out[("z", 1, 2, 1, None)], out[("a", 1, 2, 1, None)] = yin, y
    out[("e", 1, 2, 1, None)], out[("loss", 1, None, None, None)] = e, r(e * e / 2)
    out[("err", 1, 2, 1, None)], out[("fprime", 1, 2, 1, None)] = e, fk
    out[("delta", 1, 2, 1, None)], out[("grad_b", 1, 2, 1, None)] = dk, dk
    out[("db", 1, 2, 1, None)] = db = r(ALPHA * dk)
    out[("b_new", 1, 2, 1, None)] = r(W0 + db)
    return out


SKIPPED = ("fprime", "grad_w", "grad_b")  # the columns Fausett's and Siang's students skip
# (the ``fausett`` preset's exercise has no ∂ band since issue 23: there only f′ is left blank)
FORWARD = ("z", "a")  # before the learner's slip (y) or at it


def expected_verdicts(typed: dict[tuple, float | None], exact: dict[tuple, float]) -> dict:
    """The verdicts by hand: blank → missing; within half a unit in the 2nd decimal of the
    exact value → correct; y itself (the slip) → wrong; a net or activation before it off the
    exact value only by the learner's rounding → correct; any other value off the exact one
    follows from the learner's wrong y → carried."""
    out = {}
    for k, v in typed.items():
        if v is None:
            out[k] = "missing"
        elif abs(v - exact[k]) <= 0.005 + 1e-9:
            out[k] = "correct"
        elif k == ("a", 1, 2, 1, None):
            out[k] = "wrong"
        elif k[0] in FORWARD:  # before y: the learner's rounding of correct values (drift)
            out[k] = "correct"
        else:
            out[k] = "carried"
    return out


@pytest.fixture(scope="module")
def fausett_exercise(tmp_path_factory) -> tuple[Path, dict[tuple, tuple[str, str]]]:
    where = tmp_path_factory.mktemp("fausett")
    ex, table = where / "ex.xlsx", where / "t.csv"
    assert main(["template", "fausett", "-o", str(ex), "--decimals", "2"]) == 0
    assert main(["trace", "fausett", "-o", str(where / "tr.xlsx"), "--table", str(table)]) == 0
    cells = {}
    for r in csv.DictReader(table.open(encoding="utf-8")):
        if r["sheet"] == "Steps" and r["quantity"] not in ("x", "t", "w", "b", "lr"):
            k = tuple(None if r[c] == "" else int(r[c]) for c in ("step", "layer", "j", "i"))
            cells[(r["quantity"], *k)] = (r["sheet"], r["cell"])
    return ex, cells


def _asked(learner: dict[tuple, float], cells: dict[tuple, tuple[str, str]]) -> dict:
    """The loop's values of the cells the exercise asks: the book's columns (preset
    ``fausett``) have no ∂ band and no output err column, which the loop also computes."""
    assert set(cells) <= set(learner)  # the loop gives every answer cell
    assert {k[0] for k in set(learner) - set(cells)} <= {"grad_w", "grad_b", "err"}
    return {k: v for k, v in learner.items() if k in cells}


def _verdicts(report: Path) -> dict[tuple[str, str], str]:
    rows = csv.DictReader(report.open(encoding="utf-8"))
    return {(r["sheet"], r["cell"]): r["verdict"] for r in rows}


def _comment(graded: Path, cell: tuple[str, str]) -> str:
    return openpyxl.load_workbook(graded)[cell[0]][cell[1]].comment.text


def test_skipped_f_prime_and_partials_typed_in_libreoffice_carry(
    fausett_exercise, tmp_path: Path, capsys
) -> None:
    require_uno()
    ex, cells = fausett_exercise
    learner, exact = _asked(fausett(2, slip=Y_SLIP), cells), fausett(None)
    typed = {k: (None if k[0] in SKIPPED else v) for k, v in learner.items()}
    ops = [
        {"op": "unprotect", "sheet": "Steps"},
        {
            "op": "value",
            "sheet": "Steps",
            "cells": {cells[k][1]: v for k, v in typed.items() if v is not None},
        },
    ]
    filled = uno_edit(ex, tmp_path / "siang.xlsx", ops)
    report, graded = tmp_path / "r.csv", tmp_path / "graded.xlsx"
    assert main(["check", str(filled), "--report", str(report), "-o", str(graded)]) == 1
    got = _verdicts(report)
    want = expected_verdicts(typed, exact)
    assert {k: got[cells[k]] for k in want} == want
    # the case the issue is about: cells after a skipped column, off nnsheet's values
    after = [k for k, v in want.items() if v == "carried" and k[0] in ("delta", "dw", "db")]
    assert len(after) >= 3
    # δ_k is not within tolerance when f′ is taken at nnsheet's value (the old grader)
    dk = ("delta", 1, 2, 1, None)
    yk = exact[("a", 1, 2, 1, None)]
    assert abs(typed[dk] - typed[("e", 1, 2, 1, None)] * yk * (1 - yk)) > 0.006
    assert want[dk] == "carried"
    reason = _comment(graded, cells[dk])
    assert (
        "computed from your own numbers" in reason and cells[("fprime", 1, 2, 1, None)][1] in reason
    )
    out = capsys.readouterr().out
    assert "missing" in out


def test_skipped_cells_are_named_in_indonesian(fausett_exercise, tmp_path: Path) -> None:
    ex, cells = fausett_exercise
    learner = _asked(fausett(2, slip=Y_SLIP), cells)
    wb = openpyxl.load_workbook(ex)
    for k, v in learner.items():
        if k[0] not in SKIPPED:
            wb["Steps"][cells[k][1]] = v
    wb.save(tmp_path / "s.xlsx")
    graded = tmp_path / "g.xlsx"
    assert main(["check", str(tmp_path / "s.xlsx"), "-o", str(graded), "--lang", "id"]) == 1
    reason = _comment(graded, cells[("delta", 1, 2, 1, None)])
    assert "sel kosong" in reason and "dihitung dari nilai Anda sendiri" in reason
