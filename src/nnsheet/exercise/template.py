"""Blank exercise workbooks (``nnsheet template``, DESIGN §6–7).

The exercise has exactly the trace workbook's layout (the writer and :class:`~nnsheet.layout.Layout`
are reused): the givens are filled in, every *asked* cell is blank, unlocked and styled as an
answer cell, and the sheets are protected without a password. The file holds no answer, cached or
hidden:

- asked cells are blank;
- cells that are computed but not asked (the weights in use on rows after the first, which point
  at the previous row's new weights; the ``correct`` helper; blocks not asked) are live formulas
  written with an *empty* cached result, so a spreadsheet computes them from the learner's own
  numbers and no reader sees nnsheet's value;
- only the givens (pure references to the Setup sheet) carry cached values.

A very hidden sheet (:data:`META_SHEET`) carries the format version, the options and the spec as
self-contained TOML (:func:`nnsheet.specfile.spec_to_toml`), so ``nnsheet check`` needs no other
file. :func:`answer_rows` is the one rule, shared with the grader, of which trace-table rows are
asked.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.engine import EpochRecord, StepRecord, Trace, run
from ..core.errors import NnsheetError, WorkbookError
from ..core.spec import Spec
from ..core.specfile import spec_to_toml
from ..output.workbook import WorkbookWriter, make_layout
from ..sheet.layout import EPOCHS, STEPS, Layout

META_SHEET = "nnsheet_exercise"
META_MAGIC = "nnsheet exercise"
FORMAT_VERSION = 1
INSTRUCTIONS_SHEET = "Exercise"
#: decimals an exercise states when ``template --decimals`` is not given
DEFAULT_DECIMALS = 4
#: decimals graded for an exercise written before exercises stated them (it said "at least 2")
UNSTATED_DECIMALS = 2
#: workbook defined names of the learner's two input cells on the Exercise sheet
STUDENT_NAMES = ("student", "student_id")

#: the blocks a template can ask, and the trace quantities of each (DESIGN §5 names)
BLOCKS: dict[str, tuple[str, ...]] = {
    "forward": ("z", "a"),
    "errors": ("e", "loss", "epoch_loss", "accuracy"),
    "backward": ("err", "fprime", "delta"),
    "updates": ("grad_w", "grad_b", "dw", "db", "w_new", "b_new"),
}
BLOCK_OF: dict[str, str] = {q: b for b, qs in BLOCKS.items() for q in qs}
#: Steps columns that are never asked: the givens and the 0/1 ``correct`` helper
NEVER_ASKED = ("epoch", "step", "sample", "x", "t", "w", "b", "correct")


@dataclass(frozen=True)
class ExerciseOptions:
    """Which values an exercise asks for."""

    ask: tuple[str, ...] = tuple(BLOCKS)
    steps: int | None = None  # only the first K steps (None: all steps of the spec's epochs)
    lang: str = "en"
    decimals: int = DEFAULT_DECIMALS  # answers are judged at least this strictly

    @property
    def quantities(self) -> frozenset[str]:
        return frozenset(q for b in self.ask for q in BLOCKS[b])


def parse_ask(text: str | None) -> tuple[str, ...]:
    """``forward,errors`` → the blocks in their canonical order; ``None``/``all`` → every block."""
    if text is None or text.strip().lower() == "all":
        return tuple(BLOCKS)
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    bad = [w for w in words if w not in BLOCKS]
    if bad or not words:
        raise NnsheetError(f"--ask: expected a comma-separated list of {', '.join(BLOCKS)} "
                           f"(or all), got {text!r}")  # fmt: skip
    return tuple(b for b in BLOCKS if b in words)


def answer_rows(table: pd.DataFrame, trace: Trace, options: ExerciseOptions) -> pd.DataFrame:
    """The trace-table rows an exercise asks for (its answer cells), in table order."""
    asked = options.quantities
    k = options.steps
    complete = {ep.epoch for ep in trace.epochs if k is None or ep.last_step <= k}
    on_steps = (table["sheet"] == STEPS) & table["quantity"].isin(asked)
    if k is not None:
        on_steps &= table["step"].fillna(0).astype(int) <= k
    on_epochs = ((table["sheet"] == EPOCHS) & table["quantity"].isin(asked)
                 & table["epoch"].fillna(0).astype(int).isin(complete))  # fmt: skip
    return table[on_steps | on_epochs].reset_index(drop=True)


def exercise_records(trace: Trace, options: ExerciseOptions) -> list[StepRecord | EpochRecord]:
    """The steps written on the exercise (the first K) and the epochs they complete."""
    k = options.steps
    steps = [st for st in trace.steps if k is None or st.step <= k]
    epochs = [ep for ep in trace.epochs if k is None or ep.last_step <= k]
    return [*steps, *epochs]


class ExerciseWriter(WorkbookWriter):
    """The trace writer with the exercise's rule for each cell (see the module docstring)."""

    def __init__(self, path: Path | str, layout: Layout, options: ExerciseOptions,
                 meta: list[tuple[str, str]]) -> None:  # fmt: skip
        super().__init__(path, layout, protect=True, extra=self._extra)
        self.options = options
        self.meta = meta

    def _steps_header(self, ws) -> None:  # noqa: ANN001
        super()._steps_header(ws)
        asked = self.options.quantities
        self.answer_cols = {seg.index(j, i) for seg in self.layout.segments
                            if seg.quantity in asked for j, i in seg.elements()}  # fmt: skip

    def _cells(self, ws, row: int, templates, values, ctx: dict) -> None:  # noqa: ANN001
        fmts, answer, blank = self.col_fmt, self.answer_cols, self.f.answer
        for c, tmpl in templates:
            if c in answer:
                ws.write_blank(row, c, None, blank)
                continue
            formula = tmpl.format_map(ctx)
            given = _is_setup_ref(formula)
            ws.write_formula(row, c, formula, fmts[c], float(values[c]) if given else "")

    def _epoch(self, ws, ep: EpochRecord) -> None:  # noqa: ANN001
        lay, f = self.layout, self.f
        r = lay.epochs_row(ep.epoch)
        ws.write_number(r, 0, ep.epoch, f.int)
        a, b = lay.epoch_rows(ep.epoch)
        cols = {"epoch_loss": 1, "accuracy": 2}
        for q, tmpl in self.epoch_tmpl.items():
            if q in self.options.quantities:
                ws.write_blank(r, cols[q], None, f.answer)
            else:
                ws.write_formula(r, cols[q], tmpl.format(a=a + 1, b=b + 1), f.num, "")

    def _extra(self, wb) -> None:  # noqa: ANN001
        f = self.f
        ws = wb.add_worksheet(INSTRUCTIONS_SHEET)
        ws.set_column(0, 0, 110)
        # the learner's name and number: two unlocked text cells under the title, each with a
        # workbook defined name the grader reads (``student``, ``student_id``)
        entry = wb.add_format({"num_format": "@", "bg_color": "#FFFFFF", "border": 1,
                               "border_color": "#4472C4", "locked": False})  # fmt: skip
        lines = _instructions(self.options, self.layout)
        r = 0
        for n, (kind, text) in enumerate(lines):
            ws.write_string(r, 0, text, f.title if kind == "title" else f.text)
            r += 1
            if n == 0:
                for name, label in zip(STUDENT_NAMES, _name_labels(), strict=True):
                    r += 1
                    ws.write_string(r, 0, label, f.head)
                    ws.write_blank(r + 1, 0, None, entry)
                    wb.define_name(name, f"={INSTRUCTIONS_SHEET}!$A${r + 2}")
                    r += 1
                r += 1
        ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
        meta = wb.add_worksheet(META_SHEET)
        for r, (key, val) in enumerate(self.meta):
            meta.write_string(r, 0, key)
            if val != "":
                meta.write_string(r, 1, val)
        meta.protect("")
        meta.very_hidden()


def _is_setup_ref(formula: str) -> bool:
    """True for a pure reference to a Setup given (``Setup!$B$12``): safe to cache."""
    head, _, tail = formula.partition("!")
    return head == "Setup" and tail.replace("$", "").isalnum()


def _name_labels() -> tuple[str, str]:
    return ("Your name (type it in the cell below):",
            "Your student number (type it in the cell below):")


def _instructions(options: ExerciseOptions, layout: Layout) -> list[tuple[str, str]]:
    blocks = ", ".join(options.ask)
    steps = ("every step" if options.steps is None else f"the first {options.steps} step(s)")
    return [
        ("title", f"Exercise — {layout.spec.title}"),
        ("text", ""),
        ("text", f"Compute by hand and type your numbers into the white cells with a blue border "
                 f"on the Steps and Epochs sheets: {blocks}, for {steps}."),
        ("text", "The givens (learning rate, initial weights, data) are on the Setup sheet; the "
                 "Guide sheet explains every formula and symbol."),
        ("text", "The weights in use on each row are your new weights of the row before; the "
                 "spreadsheet fills them in from your numbers."),
        ("text", f"Give every answer to {_decimals_words(options.decimals)}: an answer typed "
                 f"with fewer decimals must still be within half a unit of the "
                 f"{_ordinal(options.decimals)} decimal; one typed with more decimals is judged "
                 "at half a unit of the last decimal typed. 0,5 and 59.33% are read as numbers."),
        ("text", "Rounding every step on a calculator is fine: a value computed correctly from "
                 "your own earlier values is correct when those were correct too."),
        ("text", "An error of yours carried correctly into later cells is not marked wrong "
                 "again (carry-forward)."),
        ("text", "Grade with:  nnsheet check THIS_FILE.xlsx -o graded.xlsx"),
    ]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _decimals_words(d: int) -> str:
    if d == 0:
        return "whole numbers (0 decimals)"
    v = 0.576712345678
    return f"at least {d} decimal{'s' if d != 1 else ''} ({v:.{d}f}, not {v:.{d - 1}f})"


def meta_rows(spec: Spec, options: ExerciseOptions) -> list[tuple[str, str]]:
    """Key/value rows of the hidden sheet: magic, version, options, then the spec TOML line by
    line (each line its own cell, so no cell approaches the 32,767-character limit)."""
    rows = [("magic", META_MAGIC), ("format", str(FORMAT_VERSION)), ("lang", options.lang),
            ("ask", ",".join(options.ask)),
            ("steps", "" if options.steps is None else str(options.steps)),
            ("decimals", str(options.decimals))]  # fmt: skip
    for line in spec_to_toml(spec).split("\n"):
        if len(line) > 30_000:
            raise WorkbookError("the spec is too large to embed in an exercise workbook")
        rows.append(("spec", line))
    return rows


def write_exercise(spec: Spec, path: Path | str, options: ExerciseOptions | None = None,
                   ) -> tuple[Layout, pd.DataFrame]:  # fmt: skip
    """Write the exercise for ``spec`` at ``path`` (atomically); return its layout and the
    trace-table rows of its answer cells."""
    options = options or ExerciseOptions()
    layout = make_layout(spec, options.lang)
    layout.check_limits()
    trace = run(spec)
    if options.steps is not None and options.steps > len(trace.steps):
        raise NnsheetError(f"--steps {options.steps}: the exercise has only {len(trace.steps)} "
                           "steps")  # fmt: skip
    ExerciseWriter(path, layout, options, meta_rows(spec, options)).write(
        exercise_records(trace, options))
    return layout, answer_rows(trace.table(layout), trace, options)


def exercise_spec(spec: Spec, epochs_given: bool) -> Spec:
    """The template asks for the first epoch unless ``--epochs`` says otherwise."""
    return spec if epochs_given else dataclasses.replace(spec, epochs=1)
