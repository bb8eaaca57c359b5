"""The layout's cell stream (issue 10): every cell placed once, every formula it can emit parsed
and evaluated by the grader's evaluator, and grading that writes no file.

The variants cover every built-in example and, on top of them, batch and mini-batch, rounding,
every activation, loss and rule, both hidden-error variants, biases not updated, every notation and
both languages, so the evaluator's whitelist (``sheet/formula.py``) and the layout cannot drift
apart.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.examples import EXAMPLES, load_example
from nnsheet.core.ops import ACTIVATIONS, HIDDEN_ERRORS, LOSSES, RULES
from nnsheet.core.spec import NOTATIONS, Spec
from nnsheet.exercise.template import ExerciseOptions
from nnsheet.sheet.formula import FormulaError, evaluate, leaves, parse
from nnsheet.sheet.layout import (
    COMPUTED,
    EPOCHS,
    GIVEN,
    STEPS,
    Cell,
    Layout,
    StepsRow,
    cell_name,
)
from nnsheet.words.notation import notation_for

SRC = Path(__file__).resolve().parent.parent / "src"


def _variants() -> list[tuple[str, Spec, str]]:
    out: list[tuple[str, Spec, str]] = []
    for name in EXAMPLES:
        # Hebb makes its one pass; the other single-layer rules train online only (issue 24)
        base = load_example(name, {"epochs": 1 if name in ("iris", "hebb-and") else 2})
        out.append((name, base, "en"))
        if name == "iris":
            continue
        if base.single:
            out.append((f"{name}-round", dataclasses.replace(base, round=4), "id"))
            out.append((f"{name}-nobias", dataclasses.replace(base, update_biases=False), "en"))
            for nt in NOTATIONS:
                out.append((f"{name}-{nt}", dataclasses.replace(base, notation=nt), "id"))
            continue
        n = base.n_samples
        out.append((f"{name}-batch", dataclasses.replace(base, mode="batch", batch_size=n), "en"))
        if n > 2:
            mini = dataclasses.replace(base, mode="minibatch", batch_size=2)
            out.append((f"{name}-minibatch", mini, "id"))
        out.append((f"{name}-round", dataclasses.replace(base, round=4), "id"))
        out.append((f"{name}-nobias", dataclasses.replace(base, update_biases=False), "en"))
        for nt in NOTATIONS:
            out.append((f"{name}-{nt}", dataclasses.replace(base, notation=nt), "id"))
    xor = load_example("xor", {"epochs": 1})
    for act in ACTIVATIONS:
        layers = tuple(dataclasses.replace(ly, activation=act) for ly in xor.layers)
        out.append((f"activation-{act}", dataclasses.replace(xor, layers=layers), "en"))
    for loss in LOSSES:
        out.append((f"loss-{loss}", dataclasses.replace(xor, loss=loss), "en"))
    for rule in RULES:
        for hidden in HIDDEN_ERRORS:
            for mode, k, rnd in (("online", 1, None), ("batch", 4, 3), ("minibatch", 3, None)):
                out.append(
                    (
                        f"rule-{rule}-{hidden}-{mode}",
                        dataclasses.replace(
                            xor, rule=rule, hidden_error=hidden, mode=mode, batch_size=k, round=rnd
                        ),
                        "en",
                    )
                )
    return out


VARIANTS = _variants()


def _refs(tree: tuple) -> tuple[list[tuple[str | None, str]], list[tuple[str | None, str, str]]]:
    """The single-cell references and the ranges of a parsed formula."""
    found = list(leaves(tree))
    return (
        [(t[1], t[2]) for t in found if t[0] == "ref"],
        [(t[1], t[2], t[3]) for t in found if t[0] == "range"],
    )


class _Placed:
    """The values of the cells the stream placed (a spreadsheet reads any other cell as empty)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.values: dict[tuple[str, str], float] = {}

    def cell(self, sheet: str, ref: str) -> float:
        return self.values.get((sheet, ref), 0.0)

    def name(self, name: str) -> float:
        assert name == "learning_rate"
        return self.spec.learning_rate


def _stream(spec: Spec, lang: str) -> tuple[Layout, list[Cell | StepsRow]]:
    layout = Layout(spec, notation_for(spec, lang))
    trace = run(spec)
    return layout, list(layout.cells(trace.records, w0=trace.w0, b0=trace.b0))


@pytest.mark.parametrize(
    ("spec", "lang"), [(s, lang) for _, s, lang in VARIANTS], ids=[name for name, _, _ in VARIANTS]
)
def test_every_formula_the_layout_emits_parses_and_gives_the_engine_value(
    spec: Spec, lang: str
) -> None:
    layout, items = _stream(spec, lang)
    # the sheets' names in the layout's language (Langkah, Inisialisasi, Epoch with --lang id)
    STEPS, SETUP = layout.sheets.steps, layout.sheets.setup
    placed = _Placed(spec)
    formulas: list[tuple[str, str, str, float]] = []  # sheet, cell, formula, cached value
    setup_givens: set[str] = set()
    for it in items:
        if isinstance(it, StepsRow):
            assert it.row is not None and it.ctx is not None
            letters = layout.letters
            for c, _ in it.templates:
                placed.values[(STEPS, f"{letters[c]}{it.row + 1}")] = float(it.values[c])
            for c, f in it.formulas():
                formulas.append((STEPS, f"{letters[c]}{it.row + 1}", f, float(it.values[c])))
        else:
            if isinstance(it.value, float | int) and not isinstance(it.value, bool):
                placed.values[(it.sheet, it.ref)] = float(it.value)
            if it.sheet == SETUP and it.kind == GIVEN:
                setup_givens.add(it.ref)
            if it.formula is not None:
                formulas.append((it.sheet, it.ref, it.formula, float(it.value)))  # type: ignore[arg-type]
    # every template, of rows written or not (first/later, sample/online/update), parses
    ctx = {"r": 7, "p": 6, "d": 12, "f": 3, "l": 6, "k": 3}
    templates = {t for ts in layout.templates.values() for _, t in ts}
    templates |= {t.format(a=3, b=6) for t in layout.epoch_templates.values()}
    for t in templates:
        parse(t.format_map(ctx) if "{" in t else t)
    assert formulas
    for sheet, ref, f, cached in formulas:
        try:
            tree = parse(f)
        except FormulaError as exc:  # pragma: no cover - the failure this test exists for
            pytest.fail(f"{sheet}!{ref}: {exc}")
        refs, ranges = _refs(tree)
        for s, r in refs:  # a single reference reads a placed cell: a given or a Steps cell
            if s == SETUP:
                assert r.replace("$", "") in setup_givens, (sheet, ref, f)
            else:
                assert ((s or sheet), r.replace("$", "")) in placed.values, (sheet, ref, f)
        for s, a, _ in ranges:
            assert s in (None, STEPS), (sheet, ref, f)
            assert a.replace("$", "")[0].isalpha()
        got = evaluate(tree, placed, sheet)
        assert math.isclose(got, cached, rel_tol=1e-9, abs_tol=1e-12), (sheet, ref, f, got, cached)


@pytest.mark.parametrize("name", ["course", "xor-batch", "and-minibatch", "mazur-fausett"])
def test_each_cell_is_placed_once_and_every_steps_column_is_filled(name: str) -> None:
    spec, lang = next((s, lang) for n, s, lang in VARIANTS if n == name)
    layout, items = _stream(spec, lang)
    # the sheets' names in the layout's language (Langkah, Inisialisasi, Epoch with --lang id)
    STEPS, EPOCHS = layout.sheets.steps, layout.sheets.epochs
    seen: set[tuple[str, int, int]] = set()
    row_cols: dict[str, set[int]] = {}

    def place(sheet: str, row: int, col: int) -> None:
        assert (sheet, row, col) not in seen, (sheet, cell_name(row, col))
        seen.add((sheet, row, col))

    for it in items:
        if isinstance(it, StepsRow):
            cols = [0, 1, 2] + [c for c, _ in it.templates]
            for c in cols:
                place(STEPS, it.row, c)  # type: ignore[arg-type]
            row_cols.setdefault(it.kind, set()).update(cols)
        else:
            for c in range(it.col, (it.last_col or it.col) + 1):
                place(it.sheet, it.row, c)
    every = set(range(layout.n_cols))
    if layout.online:
        assert row_cols == {"online": every}
    else:  # sample rows and update rows between them fill every column
        assert row_cols["sample"] | row_cols["update"] == every
        assert "w_new" not in {
            seg.quantity for seg in layout.segments if seg.first in row_cols["sample"]
        }
    # rows of the Steps sheet: header rows, then one per sample and per update, no gap
    steps_rows = sorted({r for s, r, _ in seen if s == STEPS})
    assert steps_rows == list(range(layout.n_rows))
    epochs = [
        it for it in items if isinstance(it, Cell) and it.sheet == EPOCHS and it.kind == COMPUTED
    ]
    assert {c.quantity for c in epochs} <= {"epoch_loss", "accuracy"}
    assert len(epochs) == spec.epochs * (2 if spec.binary_targets else 1)


def test_setup_givens_hold_the_spec_numbers_where_the_notation_puts_them() -> None:
    """Fausett's tables run from sending (rows) to receiving (columns) neurons, the bias row
    first; the course's run the other way with the bias column last."""
    spec = load_example("course", {"epochs": 1})
    w = spec.layers[0].weights
    for nt, expect in (
        ("course", lambda r0, c0, j, i: (r0 + j, c0 + i)),
        ("fausett", lambda r0, c0, j, i: (r0 + 1 + i, c0 + j)),
    ):
        s = dataclasses.replace(spec, notation=nt)
        layout = Layout(s, notation_for(s))
        r0, c0 = layout.setup.w_origin[0]
        got = {
            (c.row, c.col): c.value
            for c in layout.setup_cells()
            if c.kind == GIVEN and c.quantity == "w" and c.layer == 1
        }
        want = {
            expect(r0, c0, j, i): float(w[j, i])
            for j in range(w.shape[0])
            for i in range(w.shape[1])
        }
        assert got == want


# ----------------------------------------------------------------------------- no file written
_AUDIT = r"""
import json, os, sys
writes = []
def hook(event, args):
    if event == "open" and args:
        path, mode, flags = (list(args) + [None, None])[:3]
        w = (isinstance(mode, str) and any(ch in mode for ch in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if w:
            writes.append(str(path))
    elif event in ("os.mkdir", "os.rename", "os.replace", "os.remove", "shutil.rmtree"):
        writes.append(f"{event} {args[0]}")
from nnsheet.cli import main
sys.addaudithook(hook)
rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "writes": writes}))
"""


def _check_audited(tmp_path: Path, *argv: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(SRC), "TMPDIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", _AUDIT, *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_grading_without_output_options_writes_no_file(tmp_path: Path) -> None:
    """`nnsheet check` with no -o/--report opens no file for writing (the answer key is built in
    memory); the same audit sees the report when one is asked for, so it can see writes."""
    template = tmp_path / "exercise.xlsx"
    assert main(["template", "-o", str(template)]) == 0
    spec = load_example("course", {"epochs": 1})
    table = run(spec).table(Layout(spec, notation_for(spec)))
    asked = table[
        table["sheet"].isin([STEPS, EPOCHS]) & ~table["quantity"].isin(["x", "t", "w", "b"])
    ]
    wb = openpyxl.load_workbook(template)
    for sheet, ref, v in zip(asked["sheet"], asked["cell"], asked["value"], strict=True):
        wb[sheet][ref] = float(v)
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    before = sorted(p.name for p in tmp_path.iterdir())

    res = _check_audited(tmp_path, "check", str(filled))
    assert res == {"rc": 0, "writes": []}
    assert sorted(p.name for p in tmp_path.iterdir()) == before

    res = _check_audited(tmp_path, "check", str(filled), "--report", str(tmp_path / "r.csv"))
    assert res["rc"] == 0 and any("r.csv" in w for w in res["writes"])


def test_answer_key_is_built_without_a_workbook_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    import xlsxwriter

    from nnsheet.grading.key import AnswerKey

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("the answer key wrote a file")

    for obj, attr in (
        (xlsxwriter, "Workbook"),
        (tempfile, "TemporaryDirectory"),
        (tempfile, "mkstemp"),
        (tempfile, "mkdtemp"),
        (tempfile, "NamedTemporaryFile"),
    ):
        monkeypatch.setattr(obj, attr, refuse)
    spec = load_example("course", {"epochs": 1})
    key = AnswerKey.build(spec, ExerciseOptions())
    # every answer cell has its formula; the key's formulas are keyed (sheet, A1 cell)
    assert {a.key for a in key.answers} <= set(key.formulas)
    assert key.formulas[(EPOCHS, "B3")].startswith("SUMPRODUCT(Steps!$")
