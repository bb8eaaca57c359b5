"""Submissions made the way learners make them (issue 10): the course exercise filled at 4
decimals computed step by step from rounded values, by an independent loop (plain Python, not the
engine), and LibreOffice driven through its UNO bridge (tests/uno_edit.py, run with the system
interpreter that has Debian's python3-uno)."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

#: the gradebook CSV's columns for a course exercise (DESIGN §7, §14, §15), spelled out here
#: rather than read from the code under test
GRADEBOOK_CSV = [
    "file",
    "student",
    "student_id",
    "status",
    "score",
    "correct",
    "carried",
    "carried_trivial",
    "wrong",
    "missing",
    "answer_cells",
    "first_wrong",
    "flags",
    "message",
    "forward",
    "errors",
    "backward",
    "updates",
    "mistakes",
]
#: the course exercise's gradebook (.xlsx for people) in English: its first headers
GRADEBOOK_PEOPLE_HEAD = (
    "Student number",
    "Name",
    "Score",
    "forward",
    "errors",
    "backward",
    "updates",
)


def answer_places(table: Path) -> dict[tuple, tuple[str, str]]:
    """Where each computed Steps/Epochs value sits, from a trace's ``--table`` CSV: (quantity,
    step — None on Epochs —, layer, j, i) → (sheet, cell)."""
    cells = {}
    for r in csv.DictReader(table.open(encoding="utf-8")):
        if r["sheet"] in ("Steps", "Epochs") and r["quantity"] not in ("x", "t", "w", "b", "lr"):
            step = None if r["sheet"] == "Epochs" else int(r["step"])
            rest = tuple(None if r[c] == "" else int(r[c]) for c in ("layer", "j", "i"))
            cells[(r["quantity"], step, *rest)] = (r["sheet"], r["cell"])
    return cells


UNO_PYTHON = "/usr/bin/python3"
UNO_EDIT = Path(__file__).resolve().parent / "uno_edit.py"

# the course example (src/nnsheet/examples/course.toml), copied by hand
X = [[1.0, 0.5, 0.2], [0.2, 1.0, 0.5], [0.5, 0.2, 1.0]]
T = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
W1 = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]
B1 = [0.1, 0.2]
W2 = [[0.7, 0.8], [0.9, 0.1]]
B2 = [0.3, 0.4]
LR = 0.5


def rnd(v: float, d: int | None = 4) -> float:
    """A calculator's rounding: half away from zero on the decimal value (spreadsheet ROUND);
    ``d = None``: not rounded."""
    if d is None:
        return float(v)
    return float(Decimal(repr(v)).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP))


def rounded_course(d: int | None = 4, slip: float | None = None) -> dict[tuple, float]:
    """The course network (error backpropagation, raw hidden errors, mse, sigmoid, online, one
    epoch) by a learner who rounds every value to ``d`` decimals and computes each next value
    from the rounded ones (``d = None``: exactly, as a program would). ``slip``: the learner's
    O1 of step 1 is this instead, and everything after it is computed from it. Keys: (quantity,
    step, layer, j, i), j and i 1-based, as in the trace table; the epoch's values under step
    None."""
    W = [[row[:] for row in W1], [row[:] for row in W2]]
    B = [B1[:], B2[:]]
    out: dict[tuple, float] = {}
    losses, hits = [], []

    def sig(z: float) -> float:
        return 1.0 / (1.0 + math.exp(-z))

    for s in range(3):
        step = s + 1
        x, t = X[s], T[s]
        z1 = [rnd(sum(W[0][j][i] * x[i] for i in range(3)) + B[0][j], d) for j in range(2)]
        a1 = [rnd(sig(z), d) for z in z1]
        if slip is not None and step == 1:
            a1[0] = slip
        z2 = [rnd(sum(W[1][k][j] * a1[j] for j in range(2)) + B[1][k], d) for k in range(2)]
        y = [rnd(sig(z), d) for z in z2]
        e = [rnd(t[k] - y[k], d) for k in range(2)]
        loss = rnd((e[0] ** 2 + e[1] ** 2) / 2, d)
        err2 = [rnd(v, d) for v in e]
        f2 = [rnd(v * (1 - v), d) for v in y]
        d2 = [rnd(err2[k] * f2[k], d) for k in range(2)]
        err1 = [rnd(sum(W[1][k][j] * err2[k] for k in range(2)), d) for j in range(2)]
        f1 = [rnd(v * (1 - v), d) for v in a1]
        d1 = [rnd(err1[j] * f1[j], d) for j in range(2)]
        gw1 = [[rnd(d1[j] * x[i], d) for i in range(3)] for j in range(2)]
        gw2 = [[rnd(d2[k] * a1[j], d) for j in range(2)] for k in range(2)]
        dw1 = [[rnd(LR * g, d) for g in row] for row in gw1]
        dw2 = [[rnd(LR * g, d) for g in row] for row in gw2]
        db1 = [rnd(LR * v, d) for v in d1]
        db2 = [rnd(LR * v, d) for v in d2]
        W = [
            [[rnd(W[0][j][i] + dw1[j][i], d) for i in range(3)] for j in range(2)],
            [[rnd(W[1][k][j] + dw2[k][j], d) for j in range(2)] for k in range(2)],
        ]
        B = [
            [rnd(B[0][j] + db1[j], d) for j in range(2)],
            [rnd(B[1][k] + db2[k], d) for k in range(2)],
        ]
        for q, layer, vec in (
            ("z", 1, z1),
            ("a", 1, a1),
            ("z", 2, z2),
            ("a", 2, y),
            ("e", 2, e),
            ("err", 2, err2),
            ("fprime", 2, f2),
            ("delta", 2, d2),
            ("err", 1, err1),
            ("fprime", 1, f1),
            ("delta", 1, d1),
            ("grad_b", 1, d1),
            ("db", 1, db1),
            ("grad_b", 2, d2),
            ("db", 2, db2),
            ("b_new", 1, B[0]),
            ("b_new", 2, B[1]),
        ):
            for j, v in enumerate(vec):
                out[(q, step, layer, j + 1, None)] = v
        for q, layer, mat in (
            ("grad_w", 1, gw1),
            ("dw", 1, dw1),
            ("grad_w", 2, gw2),
            ("dw", 2, dw2),
            ("w_new", 1, W[0]),
            ("w_new", 2, W[1]),
        ):
            for j, row in enumerate(mat):
                for i, v in enumerate(row):
                    out[(q, step, layer, j + 1, i + 1)] = v
        out[("loss", step, None, None, None)] = loss
        losses.append(loss)
        hits.append(all((y[k] >= 0.5) == (t[k] == 1.0) for k in range(2)))
    out[("epoch_loss", None, None, None, None)] = rnd(sum(losses) / 3, d)
    out[("accuracy", None, None, None, None)] = rnd(sum(hits) / 3, d)
    return out


def _i(v: object) -> int | None:
    return None if v is None or str(v) in ("<NA>", "nan", "None") else int(v)  # type: ignore[arg-type]


def row_key(r: dict) -> tuple:
    step = None if r["sheet"] == "Epochs" else _i(r["step"])
    return r["quantity"], step, _i(r["layer"]), _i(r["j"]), _i(r["i"])


def uno_available() -> bool:
    try:
        done = subprocess.run(
            [UNO_PYTHON, "-c", "import uno"], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def require_uno() -> None:
    """Skip (fail when NNSHEET_REQUIRE_LIBREOFFICE=1) without LibreOffice's Python bridge."""
    from conftest import REQUIRE_LIBREOFFICE_ENV, libreoffice_required, require_libreoffice

    require_libreoffice()
    if not uno_available():
        msg = f"{UNO_PYTHON} cannot import uno (apt-get install python3-uno)"
        if libreoffice_required():
            pytest.fail(f"{msg}, but {REQUIRE_LIBREOFFICE_ENV}=1", pytrace=False)
        pytest.skip(msg)


def uno_edit(src: Path, out: Path, ops: list[dict], timeout: float = 180.0) -> Path:
    """Edit ``src`` with LibreOffice (tests/uno_edit.py) and save it as ``out``."""
    ops_file = out.with_name(out.name + ".ops.json")
    ops_file.write_text(json.dumps(ops))
    done = subprocess.run(
        [UNO_PYTHON, str(UNO_EDIT), str(src), str(out), str(ops_file), "--timeout", str(timeout)],
        capture_output=True,
        text=True,
        timeout=timeout + 30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.is_file()
    return out


if __name__ == "__main__":  # pragma: no cover
    json.dump({repr(k): v for k, v in rounded_course().items()}, sys.stdout, indent=1)
