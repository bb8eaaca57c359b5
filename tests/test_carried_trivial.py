"""No credit where the mistake makes the rest trivial (issue 21, item 2): stock answers — all
zeros, every sigmoid output typed as 1 and everything after it consistent — are
``carried_trivial`` where their value is 0 (or the input it copies because another input is 0)
and nnsheet's is not; the single classic slips keep every carried cell.

Every cell's value from the learner's own numbers and the expected verdicts come from an
independent loop written here (the course network by hand, tests/submissions.py), never from
the grader; the engine's trace table only says which cell holds which value."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import openpyxl
import pytest
from submissions import (
    B1,
    B2,
    LR,
    W1,
    W2,
    T,
    X,
    answer_places,
    require_uno,
    rnd,
    rounded_course,
    uno_edit,
)

from nnsheet.cli import main

TOL = 0.5e-4  # 4 decimals typed, 4 stated


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def own_values(typed: dict[tuple, float]) -> tuple[dict[tuple, float], dict[tuple, tuple]]:
    """Each answer cell's formula evaluated on the learner's typed answers (the course rule:
    raw errors sent back, mse, Δ = +η·δ·a), and for the updates the (weight in use, Δ) it adds.
    The weights in use after step 1 are the learner's typed new weights."""
    own: dict[tuple, float] = {}
    adds: dict[tuple, tuple] = {}
    w = [[r[:] for r in W1], [r[:] for r in W2]]
    b = [B1[:], B2[:]]
    losses, hits = [], []
    for s in range(3):
        st, x, t = s + 1, X[s], T[s]

        def v(q, layer=None, j=None, i=None, st=st):
            return typed[(q, st, layer, j, i)]

        for j in range(2):
            own[("z", st, 1, j + 1, None)] = sum(w[0][j][i] * x[i] for i in range(3)) + b[0][j]
            own[("a", st, 1, j + 1, None)] = sig(v("z", 1, j + 1))
        for k in range(2):
            own[("z", st, 2, k + 1, None)] = (
                sum(w[1][k][j] * v("a", 1, j + 1) for j in range(2)) + b[1][k]
            )
            own[("a", st, 2, k + 1, None)] = sig(v("z", 2, k + 1))
            own[("e", st, 2, k + 1, None)] = t[k] - v("a", 2, k + 1)
            own[("err", st, 2, k + 1, None)] = v("e", 2, k + 1)
            y = v("a", 2, k + 1)
            own[("fprime", st, 2, k + 1, None)] = y * (1 - y)
            own[("delta", st, 2, k + 1, None)] = v("err", 2, k + 1) * v("fprime", 2, k + 1)
        own[("loss", st, None, None, None)] = (v("e", 2, 1) ** 2 + v("e", 2, 2) ** 2) / 2
        for j in range(2):
            own[("err", st, 1, j + 1, None)] = sum(
                w[1][k][j] * v("err", 2, k + 1) for k in range(2)
            )
            a = v("a", 1, j + 1)
            own[("fprime", st, 1, j + 1, None)] = a * (1 - a)
            own[("delta", st, 1, j + 1, None)] = v("err", 1, j + 1) * v("fprime", 1, j + 1)
        ins = [x, [v("a", 1, 1), v("a", 1, 2)]]
        for layer in (1, 2):
            for j in range(2):
                own[("grad_b", st, layer, j + 1, None)] = v("delta", layer, j + 1)
                own[("db", st, layer, j + 1, None)] = LR * v("grad_b", layer, j + 1)
                nb = ("b_new", st, layer, j + 1, None)
                own[nb] = b[layer - 1][j] + v("db", layer, j + 1)
                adds[nb] = (b[layer - 1][j], ("db", st, layer, j + 1, None))
                for i in range(len(ins[layer - 1])):
                    g = ("grad_w", st, layer, j + 1, i + 1)
                    own[g] = v("delta", layer, j + 1) * ins[layer - 1][i]
                    own[("dw", st, layer, j + 1, i + 1)] = LR * typed[g]
                    nw = ("w_new", st, layer, j + 1, i + 1)
                    own[nw] = w[layer - 1][j][i] + v("dw", layer, j + 1, i + 1)
                    adds[nw] = (w[layer - 1][j][i], ("dw", st, layer, j + 1, i + 1))
        losses.append(v("loss"))
        hits.append(all((v("a", 2, k + 1) >= 0.5) == (t[k] == 1.0) for k in range(2)))
        w = [
            [
                [v("w_new", layer, j + 1, i + 1) for i in range(len(ins[layer - 1]))]
                for j in range(2)
            ]
            for layer in (1, 2)
        ]
        b = [[v("b_new", layer, j + 1) for j in range(2)] for layer in (1, 2)]
    own[("epoch_loss", None, None, None, None)] = sum(losses) / 3
    own[("accuracy", None, None, None, None)] = sum(hits) / 3
    return own, adds


def near(a: float, b: float) -> bool:
    return abs(a - b) <= TOL + 1e-9 * max(1.0, abs(b))


def expected_verdicts(typed: dict[tuple, float], exact: dict[tuple, float]) -> dict:
    """By the rule of docs/design.md, on the loop's numbers: right → correct; right from the
    learner's own numbers → carried, or carried_trivial when that value is 0 where the exact
    one is not, or a new weight equal to the weight in use because the learner's Δ is 0 where
    the exact Δ is not; otherwise wrong. (Neither stock answer has e = t with y' = 0.)"""
    own, adds = own_values(typed)
    out = {}
    for k, v in typed.items():
        if near(v, exact[k]):
            out[k] = "correct"
        elif not near(v, own[k]):
            out[k] = "wrong"
        elif near(own[k], 0.0) and not near(exact[k], 0.0):
            out[k] = "carried_trivial"
        elif k in adds and near(typed[adds[k][1]], 0.0) and not near(exact[adds[k][1]], 0.0):
            out[k] = "carried_trivial"
        else:
            out[k] = "carried"
    return out


def ones_learner() -> dict[tuple, float]:
    """Every sigmoid output typed as 1 (no exponential computed), everything after it computed
    from the learner's own numbers at 4 decimals."""
    typed: dict[tuple, float] = {}
    for _ in range(80):  # fixed point: each cell from the earlier ones (the loop is acyclic)
        base = {**{k: 0.0 for k in rounded_course()}, **typed}
        own, _adds = own_values(base)
        new = {k: (1.0 if k[0] == "a" else rnd(val, 4)) for k, val in own.items()}
        if new == typed:
            return typed
        typed = new
    raise AssertionError("no fixed point")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, dict[tuple, tuple[str, str]]]:
    where = tmp_path_factory.mktemp("course")
    ex, table = where / "ex.xlsx", where / "t.csv"
    assert main(["template", "-o", str(ex)]) == 0
    assert main(["trace", "-o", str(where / "tr.xlsx"), "--table", str(table)]) == 0
    cells = answer_places(table)
    return ex, cells


def exact_values() -> dict[tuple, float]:
    return rounded_course(d=15)  # every value unrounded (15 decimals: float noise only)


def _grade(path: Path, tmp_path: Path, *args: str) -> dict[tuple[str, str], str]:
    report = tmp_path / "r.csv"
    main(["check", str(path), "--report", str(report), *args])
    rows = csv.DictReader(report.open(encoding="utf-8"))
    return {(r["sheet"], r["cell"]): r["verdict"] for r in rows}


def _fill(ex: Path, out: Path, cells: dict, typed: dict) -> Path:
    wb = openpyxl.load_workbook(ex)
    for k, v in typed.items():
        wb[cells[k][0]][cells[k][1]] = v
    wb.save(out)
    return out


def test_all_zeros_earns_nothing(course, tmp_path: Path) -> None:
    ex, cells = course
    typed = {k: 0.0 for k in cells}
    want = expected_verdicts(typed, exact_values())
    got = _grade(_fill(ex, tmp_path / "zeros.xlsx", cells, typed), tmp_path)
    assert {k: got[cells[k]] for k in want} == want
    assert "carried" not in want.values() and "correct" not in want.values()
    assert list(want.values()).count("carried_trivial") > 100


def test_all_activations_one_earns_only_the_nontrivial_work(course, tmp_path: Path) -> None:
    ex, cells = course
    typed = ones_learner()
    assert set(typed) == set(cells)
    want = expected_verdicts(typed, exact_values())
    graded = tmp_path / "g.xlsx"
    got = _grade(_fill(ex, tmp_path / "ones.xlsx", cells, typed), tmp_path, "-o", str(graded))
    assert {k: got[cells[k]] for k in want} == want
    counts = {v: list(want.values()).count(v) for v in set(want.values())}
    assert counts["carried_trivial"] > 100 and counts["carried"] > 10  # nets and errors kept
    # the explanation names the earlier cell that made it trivial, and the input it copies
    f = cells[("fprime", 1, 2, 1, None)]
    text = openpyxl.load_workbook(graded)[f[0]][f[1]].comment.text
    assert "CARRIED (TRIVIAL)" in text and "made it 0; no credit" in text
    assert cells[("a", 1, 2, 1, None)][1] in text  # y'1 typed as 1
    nw = cells[("w_new", 1, 2, 1, 1)]
    text = openpyxl.load_workbook(graded)[nw[0]][nw[1]].comment.text
    assert "made it equal to" in text and "no credit" in text


def test_all_zeros_typed_in_libreoffice(course, tmp_path: Path) -> None:
    require_uno()
    ex, cells = course
    typed = {k: 0.0 for k in cells}
    ops: list[dict] = []
    for sheet in ("Steps", "Epochs"):
        mine = {c: 0.0 for (s, c) in cells.values() if s == sheet}
        ops += [{"op": "unprotect", "sheet": sheet}, {"op": "value", "sheet": sheet, "cells": mine}]
    filled = uno_edit(ex, tmp_path / "zeros_lo.xlsx", ops)
    want = expected_verdicts(typed, exact_values())
    got = _grade(filled, tmp_path, "--lang", "id")
    assert {k: got[cells[k]] for k in want} == want


@pytest.mark.parametrize("slip", [0.7, 0.5])
def test_a_slip_carried_keeps_its_credit(course, tmp_path: Path, slip: float) -> None:
    """The learner's O1 of step 1 wrong, everything after it from their own numbers: nothing
    is trivial, every cell after it keeps its carried credit."""
    ex, cells = course
    typed = rounded_course(4, slip=slip)
    want = expected_verdicts(typed, exact_values())
    assert "carried_trivial" not in want.values() and list(want.values()).count("carried") > 50
    got = _grade(_fill(ex, tmp_path / "slip.xlsx", cells, typed), tmp_path)
    mine = {k: got[cells[k]] for k in want}
    assert "carried_trivial" not in mine.values()
    assert [k for k, v in mine.items() if v == "wrong"] == [("a", 1, 1, 1, None)]
    # carried by hand: carried, or correct when its inputs are all correct (rounding drift,
    # which this loop does not tell apart)
    assert all(mine[k] in ("carried", "correct") for k, v in want.items() if v == "carried")


# ----------------------------------------------------------------------------- item 3
def _counts(want: dict) -> dict[str, int]:
    return {v: list(want.values()).count(v) for v in set(want.values())}


@pytest.mark.parametrize("credit", ["0", "0.25", "0,5", "1"])
def test_carried_credit_weighs_carried_cells_in_the_gradebook(
    course, tmp_path: Path, credit: str
) -> None:
    ex, cells = course
    typed = ones_learner()
    n = _counts(expected_verdicts(typed, exact_values()))
    f = _fill(ex, tmp_path / "ones.xlsx", cells, typed)
    book = tmp_path / "gb.csv"
    args = ["check", str(f), "--gradebook", str(book), "--carried-credit", credit]
    assert main(args) == 1
    (row,) = csv.DictReader(book.open(encoding="utf-8"))
    share = float(credit.replace(",", "."))
    assert float(row["score"]) == pytest.approx(
        round(100 * (n["correct"] + share * n["carried"]) / len(cells), 1), abs=1e-9
    )
    assert int(row["carried_trivial"]) == n["carried_trivial"]
    assert int(row["carried"]) == n["carried"] and int(row["wrong"]) == n["wrong"]


@pytest.mark.parametrize("bad", ["1.5", "-0.1", "half", "nan"])
def test_carried_credit_outside_0_to_1_is_refused_in_one_line(course, bad: str, capsys) -> None:
    ex, _cells = course
    assert main(["check", str(ex), "--carried-credit", bad]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--carried-credit" in err and "0 to 1" in err


def test_serve_weighs_carried_cells_as_its_record_says(course, tmp_path: Path) -> None:
    from nnsheet.core.examples import example_path
    from nnsheet.core.specfile import load_spec
    from nnsheet.exercise.template import ExerciseOptions
    from nnsheet.serve.grade import grade_upload

    ex, cells = course
    typed = ones_learner()
    n = _counts(expected_verdicts(typed, exact_values()))
    f = _fill(ex, tmp_path / "ones.xlsx", cells, typed)
    job = {
        "spec": load_spec(example_path("course"), {"epochs": 1}),
        "options": ExerciseOptions(lang="en"),
        "student_id": "s1",
        "roster": ["s1"],
        "upload": str(f),
        "graded": str(tmp_path / "graded.xlsx"),
        "shown": "ones.xlsx",
        "lang": "en",
        "carried_credit": 0.5,
    }
    ans = grade_upload(job)
    assert ans["status"] == "graded"
    assert ans["score"] == round(100 * (n["correct"] + 0.5 * n["carried"]) / len(cells), 1)
    assert ans["carried_trivial"] == n["carried_trivial"] and ans["carried"] == n["carried"]
