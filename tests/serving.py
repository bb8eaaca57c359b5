"""Shared by the ``nnsheet serve`` tests: a class of three on a spec whose weights are drawn per
student, the app in a test client, and filled exercises built from the engine's own trace of
each student's variant (never from the grader)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from nnsheet.core.engine import run
from nnsheet.core.specfile import loads_spec
from nnsheet.exercise.roster import student_spec
from nnsheet.exercise.template import exercise_spec
from nnsheet.output.workbook import make_layout
from nnsheet.words.notation import sheet_names

#: every weight and bias drawn per student (one decimal)
SPEC = """
title = "Serve test"
[[layer]]
size = 2
activation = "sigmoid"
[[layer]]
size = 1
activation = "sigmoid"
[training]
learning_rate = 0.5
epochs = 1
[init]
seed = 11
low = -1.0
high = 1.0
decimals = 1
[data]
inputs = [[0, 1], [1, 0]]
targets = [[1], [0]]
"""

#: the class; the second name holds markup that must be shown as text
ROSTER = 'id,name\n2301,Ni Luh Putu Ayu\n2302,<b>Rizky</b> & "Co"\n2303,Budi Santoso\n'
GIVEN_Q = {"x", "t", "w", "b", "lr"}


def write_class(folder: Path) -> tuple[Path, Path]:
    """The spec file and the roster in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    spec, roster = folder / "spec.toml", folder / "roster.csv"
    spec.write_text(SPEC, encoding="utf-8")
    roster.write_text(ROSTER, encoding="utf-8")
    return spec, roster


def answers(
    student_id: str, lang: str = "en", spec_text: str = SPEC
) -> dict[tuple[str, str], float]:
    """The answer cells of ``student_id``'s exercise (of the spec ``spec_text``) and their
    values, from the engine's trace of the student's variant."""
    spec = student_spec(exercise_spec(loads_spec(spec_text, "serve.toml"), False), student_id)
    table = run(spec).table(make_layout(spec, lang))
    names = sheet_names(lang)
    rows = table[
        table["sheet"].isin([names.steps, names.epochs]) & ~table["quantity"].isin(GIVEN_Q)
    ]
    return {(r["sheet"], r["cell"]): float(r["value"]) for r in rows.to_dict("records")}


def fill(exercise: Path | bytes, out: Path, values: dict[tuple[str, str], object]) -> Path:
    """``exercise`` with ``values`` typed in, saved as ``out``."""
    import io

    src = io.BytesIO(exercise) if isinstance(exercise, bytes) else exercise
    wb = openpyxl.load_workbook(src)
    for (sheet, cell), v in values.items():
        wb[sheet][cell] = v
    wb.save(out)
    return out


def codes(data: Path) -> dict[str, str]:
    import csv

    with open(data / "codes.csv", newline="", encoding="utf-8") as fh:
        return {r["id"]: r["code"] for r in csv.DictReader(fh)}
