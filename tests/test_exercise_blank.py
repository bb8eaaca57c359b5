"""A blank exercise is blank and opens where the learner starts (issue 26 item 5).

- no helper value before an answer is typed: every computed cell that is not a given (the
  ``correct`` column, the weights in use on later rows, blocks not asked) shows nothing until the
  cells it reads are filled — checked in LibreOffice's own recalculation, then with every answer
  typed through the UNO bridge (the values from the independent loop in tests/submissions.py);
- the instructions sheet (name and NIM cells) is the active sheet: the workbook XML's
  ``activeTab``, and again in the copy LibreOffice saves after opening it;
- the exercise's Guide speaks of the exercise, not of changing givens or pressing F2.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from nnsheet.core.engine import run
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec
from nnsheet.exercise.template import ExerciseOptions, blank_until_typed, write_exercise
from nnsheet.output.workbook import make_layout, write_trace_workbook

GIVEN = re.compile(r"^=?(Setup|Persiapan|Pengaturan)!\$?[A-Z]+\$?\d+$")


def _exercise(tmp_path: Path, lang: str = "en", name: str = "ex.xlsx") -> Path:
    spec = load_spec(example_path("course"), {"epochs": 1})
    out = tmp_path / name
    write_exercise(spec, out, ExerciseOptions(lang=lang))
    return out


def _sheet_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
    return re.findall(r'<sheet name="([^"]+)"', wb)


def _active_tab(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
    m = re.search(r'activeTab="(\d+)"', wb)
    return int(m.group(1)) if m else 0


def test_blank_until_typed_wraps_every_reference() -> None:
    assert blank_until_typed("BW3") == 'IF(COUNT(BW3)<1,"",BW3)'
    assert blank_until_typed("=ROUND(1/(1+EXP(-F3)),4)") == (
        '=IF(COUNT(F3)<1,"",ROUND(1/(1+EXP(-F3)),4))'
    )
    assert blank_until_typed("SUMPRODUCT(Setup!$B$2:$D$2,C5:E5)+H5") == (
        'IF(COUNT(Setup!B2:D2,C5:E5,H5)<7,"",SUMPRODUCT(Setup!$B$2:$D$2,C5:E5)+H5)'
    )
    assert blank_until_typed("learning_rate*2") == "learning_rate*2"  # reads no cell
    many = "+".join(f"A{r}" for r in range(1, 451))
    wrapped = blank_until_typed(many)
    assert wrapped.startswith("IF(COUNT(A1,") and wrapped.count("COUNT(") == 3
    assert f"<450,{chr(34) * 2}," in wrapped


@pytest.mark.parametrize("lang", ["en", "id"])
def test_exercise_opens_on_the_instructions_sheet(tmp_path: Path, lang: str) -> None:
    path = _exercise(tmp_path, lang)
    names = _sheet_names(path)
    wb = openpyxl.load_workbook(path)
    ex = wb.active
    assert names[_active_tab(path)] == ex.title
    assert ex.title == ("Exercise" if lang == "en" else names[_active_tab(path)])
    assert ex.title not in (names[0],)  # not the Guide
    assert ex.sheet_view.tabSelected
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == [ex.title]
    defined = {n: wb.defined_names[n].attr_text for n in ("student", "student_id")}
    assert all(v.startswith(f"{ex.title}!") for v in defined.values())


def test_trace_workbook_still_opens_on_the_guide(tmp_path: Path) -> None:
    spec = load_spec(example_path("course"), {"epochs": 1})
    out = tmp_path / "t.xlsx"
    write_trace_workbook(run(spec), out)
    assert _active_tab(out) == 0


def _guide_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)


@pytest.mark.parametrize(
    ("lang", "absent", "present"),
    [
        (
            "en",
            ["F2", "input cells: change them", "recalculates"],
            ["Type your numbers", "nnsheet check"],
        ),
        ("id", ["F2", "boleh diubah", "ubah nilai"], ["Ketik jawaban Anda", "jangan diubah"]),
    ],
)
def test_exercise_guide_speaks_of_the_exercise(
    tmp_path: Path, lang: str, absent: list[str], present: list[str]
) -> None:
    text = _guide_text(_exercise(tmp_path, lang))
    for word in absent:
        assert word not in text, word
    for word in present:
        assert word in text, word
    spec = load_spec(example_path("course"), {"epochs": 1})
    trace = tmp_path / "t.xlsx"
    write_trace_workbook(run(spec), trace, lang=lang)
    assert "F2" in _guide_text(trace)  # the trace workbook's Guide is unchanged


def _computed_cells(path: Path) -> dict[tuple[str, str], str]:
    """(sheet, cell) → formula of every formula on Steps and Epochs that is not a given."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets[2:4]:
        for row in ws.iter_rows():
            for c in row:
                if (
                    isinstance(c.value, str)
                    and c.value.startswith("=")
                    and not GIVEN.match(c.value)
                ):
                    out[(ws.title, c.coordinate)] = c.value
    return out


@pytest.mark.libreoffice
def test_blank_in_libreoffice_until_typed(tmp_path: Path) -> None:
    from lo import recalc
    from submissions import require_uno, rounded_course, row_key, uno_edit

    require_uno()
    path = _exercise(tmp_path)
    computed = _computed_cells(path)
    assert len(computed) > 20
    blank = openpyxl.load_workbook(recalc(path, tmp_path / "lo"), data_only=True)
    shown = {k: blank[k[0]][k[1]].value for k in computed}
    assert {k: v for k, v in shown.items() if v not in (None, "")} == {}
    # LibreOffice keeps the instructions sheet active in the copy it saves
    saved = uno_edit(path, tmp_path / "saved.xlsx", [{"op": "unprotect", "sheet": "Exercise"}])
    assert _sheet_names(saved)[_active_tab(saved)] == "Exercise"

    # every answer typed (a learner rounding to 4 decimals): the helpers all show numbers, and
    # the weights in use on step 2 are the new weights typed on step 1
    spec = load_spec(example_path("course"), {"epochs": 1})
    table = run(spec).table(make_layout(spec))
    rows = table[
        table["sheet"].isin(["Steps", "Epochs"])
        & ~table["quantity"].isin(["x", "t", "w", "b", "lr"])
    ].to_dict("records")
    values = rounded_course()
    ops: dict[str, dict[str, float]] = {}
    for r in rows:
        ops.setdefault(r["sheet"], {})[r["cell"]] = values[row_key(r)]
    typed = uno_edit(
        path,
        tmp_path / "typed.xlsx",
        [{"op": "value", "sheet": s, "cells": c} for s, c in ops.items()],
    )
    filled = openpyxl.load_workbook(typed, data_only=True)
    empty = [k for k in computed if not isinstance(filled[k[0]][k[1]].value, int | float)]
    assert empty == []
    w2 = table[(table["quantity"] == "w") & (table["step"] == 2)].to_dict("records")
    assert len(w2) >= 6
    for r in w2:
        typed_new = values[("w_new", 1, int(r["layer"]), int(r["j"]), int(r["i"]))]
        assert filled["Steps"][r["cell"]].value == pytest.approx(typed_new, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("course", {"epochs": 2}),
        ("course", {"mode": "batch", "batch_size": 3}),
        ("course", {"mode": "minibatch", "batch_size": 2}),
        ("fausett", {}),
        ("mazur", {}),
    ],
)
def test_wrapped_templates_give_what_each_row_wrapped_gives(name: str, overrides: dict) -> None:
    """The writer wraps each Steps template once (row_formula's cache); every row's formula is
    the one wrapping that row's own formula gives, batch update rows (a range between the
    batch's first and last rows) included."""
    import dataclasses

    from nnsheet.exercise.template import row_formula
    from nnsheet.sheet.layout import StepsRow

    spec = dataclasses.replace(load_spec(example_path(name), {"epochs": 1}), **overrides)
    lay = make_layout(spec)
    trace = run(spec)
    cache: dict[str, str | None] = {}
    rows = [x for x in lay.body([*trace.steps, *trace.epochs]) if type(x) is StepsRow]
    assert rows
    checked = 0
    for sr in rows:
        for _, tmpl in sr.templates:
            assert row_formula(tmpl, sr.ctx, cache) == blank_until_typed(tmpl.format_map(sr.ctx))
            checked += 1
    assert checked > 50
    if "mode" in overrides:
        assert None in cache.values()  # some update template is wrapped row by row
