"""Blank exercise workbooks (``nnsheet template``, design.md §6).

The exercise has exactly the trace workbook's layout (the writer and :class:`~nnsheet.layout.Layout`
are reused): the givens are filled in, every *asked* cell is blank, unlocked and styled as an
answer cell, and the sheets are protected without a password. The file holds no answer, cached or
hidden:

- asked cells are blank;
- cells that are computed but not asked (the weights in use on rows after the first, which point
  at the previous row's new weights; the ``correct`` helper; blocks not asked) are live formulas
  written with an *empty* cached result, so a spreadsheet computes them from the learner's own
  numbers and no reader sees nnsheet's value; each is wrapped as
  ``IF(COUNT(its references)<n,"",formula)`` (:func:`blank_until_typed`), so it shows nothing
  until every cell it reads holds a number: a blank exercise is blank (no 0 weights, no 1/0 in
  the ``correct`` column before anything is typed);
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
from typing import TYPE_CHECKING

from ..core.engine import EpochRecord, StepRecord, Trace, run
from ..core.errors import NnsheetError, WorkbookError
from ..core.ops import BLOCKS, DEFAULT_BLOCKS
from ..core.spec import Spec
from ..core.specfile import spec_to_toml
from ..output import printing
from ..output.handout import StackedSteps
from ..output.table import TableRow
from ..output.workbook import WorkbookWriter, make_layout
from ..sheet.formula import leaves, parse, range_cells
from ..sheet.layout import COMPUTED, GIVEN, HELPER, Cell, Layout, StepsRow
from ..words.exercise_text import instructions, name_labels
from ..words.notation import sheet_names

if TYPE_CHECKING:  # pandas is imported only when a trace table is built (not by check)
    import pandas as pd

META_SHEET = "nnsheet_exercise"
META_MAGIC = "nnsheet exercise"
FORMAT_VERSION = 1
#: decimals an exercise states when ``template --decimals`` is not given
DEFAULT_DECIMALS = 4
#: decimals graded for an exercise written before exercises stated them (it said "at least 2")
UNSTATED_DECIMALS = 2
#: workbook defined names of the learner's two input cells on the Exercise sheet
STUDENT_NAMES = ("student", "student_id")


@dataclass(frozen=True)
class ExerciseOptions:
    """Which values an exercise asks for."""

    ask: tuple[str, ...] = DEFAULT_BLOCKS
    steps: int | None = None  # only the first K steps (None: all steps of the spec's epochs)
    lang: str = "en"
    decimals: int = DEFAULT_DECIMALS  # answers are judged at least this strictly
    #: where the learner uploads it (``nnsheet serve``'s page); None: graded with nnsheet check
    upload_url: str | None = None
    #: the Steps sheet's layout (``--layout``): ``rows`` (a step per row) or ``columns``
    layout: str = "rows"

    @property
    def quantities(self) -> frozenset[str]:
        return frozenset(q for b in self.ask for q in BLOCKS[b])


def parse_ask(text: str | None) -> tuple[str, ...]:
    """``forward,errors`` → the blocks in their canonical order; ``None``/``all`` → every block of
    the trace (:data:`~nnsheet.core.ops.DEFAULT_BLOCKS`; ``init`` is asked only when named)."""
    if text is None or text.strip().lower() == "all":
        return DEFAULT_BLOCKS
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    bad = [w for w in words if w not in BLOCKS]
    if bad or not words:
        raise NnsheetError(
            f"--ask: expected a comma-separated list of {', '.join(BLOCKS)} (or all), got {text!r}"
        )
    return tuple(b for b in BLOCKS if b in words)


@dataclass(frozen=True)
class Asked:
    """Which trace-table rows an exercise asks for (its answer cells): the asked quantities on
    the Steps sheet (of the first ``steps`` steps), and on the Epochs sheet of the epochs those
    steps complete. The one rule: :func:`answer_rows` (a DataFrame) and the grader's answer key
    (plain rows) both apply it."""

    steps_sheet: str
    epochs_sheet: str
    quantities: frozenset[str]
    steps: int | None
    epochs: frozenset[int]
    setup_sheet: str = ""

    @classmethod
    def of(cls, trace: Trace, options: ExerciseOptions) -> Asked:
        k = options.steps
        sheets = sheet_names(options.lang)
        complete = frozenset(ep.epoch for ep in trace.epochs if k is None or ep.last_step <= k)
        return cls(sheets.steps, sheets.epochs, options.quantities, k, complete, sheets.setup)

    def __call__(self, sheet: str, quantity: str, step: int | None, epoch: int | None) -> bool:
        if quantity not in self.quantities:
            return False
        if sheet == self.setup_sheet:  # the Nguyen–Widrow work (``init``): no step to bound
            return True
        if sheet == self.steps_sheet:
            return self.steps is None or (step or 0) <= self.steps
        return sheet == self.epochs_sheet and (epoch or 0) in self.epochs


def init_rows(layout: Layout, options: ExerciseOptions) -> list[TableRow]:
    """The answer cells of the ``init`` block on the Setup sheet (the Nguyen–Widrow norms, β and
    rescaled weights, :attr:`~nnsheet.sheet.layout.Layout.init_cells`) as table rows at step 0,
    when the exercise asks for them; they come before the Steps rows (computed first)."""
    if "init" not in options.ask:
        return []
    nt = layout.notation
    out = []
    for c in layout.init_cells:
        q = "w" if c.quantity == "nw_w" else c.quantity
        out.append(
            TableRow(
                0,
                0,
                None,
                str(c.quantity),
                c.layer,
                None if c.j is None else c.j + 1,
                None if c.i is None else c.i + 1,
                nt.symbol(q, c.layer, c.j, c.i),
                float(c.value),  # type: ignore[arg-type]
                c.sheet,
                c.ref,
            )
        )
    return out


def check_init(spec: Spec, options: ExerciseOptions) -> None:
    """``--ask init`` of a spec without Nguyen–Widrow is refused (nothing to compute)."""
    if "init" in options.ask and all(d is None for d in spec.nw_draws):
        raise NnsheetError(
            "--ask init: the spec has no Nguyen–Widrow initialisation to compute ([init] method "
            '= "nguyen-widrow")'
        )


def answer_rows(table: pd.DataFrame, trace: Trace, options: ExerciseOptions) -> pd.DataFrame:
    """The trace-table rows an exercise asks for (its answer cells), in table order (the
    ``init`` block's Setup cells are not rows of the trace table: :func:`init_rows`)."""
    rule = Asked.of(trace, options)
    asked = table["quantity"].isin(rule.quantities)
    on_steps = (table["sheet"] == rule.steps_sheet) & asked
    if rule.steps is not None:
        on_steps &= table["step"].fillna(0).astype(int) <= rule.steps
    on_epochs = (
        (table["sheet"] == rule.epochs_sheet)
        & asked
        & table["epoch"].fillna(0).astype(int).isin(rule.epochs)
    )
    return table[on_steps | on_epochs].reset_index(drop=True)


def exercise_records(trace: Trace, options: ExerciseOptions) -> list[StepRecord | EpochRecord]:
    """The steps written on the exercise (the first K) and the epochs they complete."""
    k = options.steps
    steps = [st for st in trace.steps if k is None or st.step <= k]
    epochs = [ep for ep in trace.epochs if k is None or ep.last_step <= k]
    # a single-layer rule's test table, once the steps cover the whole training (issue 24)
    done = trace.test is not None and len(epochs) == len(trace.epochs)
    return [*steps, *epochs, *([trace.test] if done else [])]  # type: ignore[list-item]


#: arguments per COUNT (Excel takes at most 255)
_COUNT_ARGS = 200


def blank_until_typed(formula: str) -> str:
    """``formula`` shown as ``""`` until every cell it reads holds a number:
    ``=IF(COUNT(refs)<n,"",…)`` with ``n`` the number of cells read (a range counts its cells).
    A cell left blank, or one that itself shows ``""``, is not counted, so the blank spreads
    down the chain of dependent cells as the learner's own numbers do. A formula reading no cell
    is returned as it is."""
    args: list[str] = []
    n = 0
    for leaf in leaves(parse(formula)):
        sheet = f"{leaf[1]}!" if leaf[1] else ""
        if leaf[0] == "ref":
            args.append(f"{sheet}{leaf[2]}")
            n += 1
        else:
            args.append(f"{sheet}{leaf[2]}:{leaf[3]}")
            n += len(range_cells(leaf[2], leaf[3]))
    if not args:
        return formula
    count = "+".join(
        f"COUNT({','.join(args[k : k + _COUNT_ARGS])})" for k in range(0, len(args), _COUNT_ARGS)
    )
    eq = "=" if formula.startswith("=") else ""  # as given (the Steps templates have none)
    return f'{eq}IF({count}<{n},"",{formula.removeprefix("=")})'


#: stand-ins for a Steps template's placeholders (:class:`~nnsheet.sheet.layout.StepsRow`
#: ``ctx``), all of one width, so each can be told back into its placeholder
_STAND_IN = {key: str(7_000_001 + n) for n, key in enumerate("rpdflk")}
#: the same for the columns layout, where ``{r}``, ``{p}``, ``{f}``, ``{l}`` stand for a step's
#: column letters (:meth:`~nnsheet.sheet.layout.Layout.bind`)
_STAND_IN_COLUMNS = {**_STAND_IN, "r": "QQA", "p": "QQB", "f": "QQC", "l": "QQD"}


def _wrapped_template(template: str, stand_ins: dict[str, str] = _STAND_IN) -> str | None:
    """:func:`blank_until_typed` of a Steps formula template, as a template (worked out once
    per template rather than once per row), or None when the count of cells read depends on
    the row (a range between two different placeholders, such as a batch's first and last
    rows): then each row is wrapped on its own."""
    try:
        formula = template.format_map(stand_ins)
    except (KeyError, IndexError, ValueError):
        return None
    for leaf in leaves(parse(formula)):
        if leaf[0] == "range":
            # a range between two placeholders (a batch's first and last lines): its size
            # depends on the line
            ends = [{s for s in stand_ins.values() if s in cell} for cell in leaf[2:4]]
            if ends[0] != ends[1]:
                return None
    wrapped = blank_until_typed(formula)
    for key, stand_in in stand_ins.items():
        wrapped = wrapped.replace(stand_in, "{" + key + "}")
    return wrapped


def row_formula(
    template: str, ctx: dict, cache: dict[str, str | None], stand_ins: dict[str, str] = _STAND_IN
) -> str:
    """The wrapped formula of one Steps cell: ``blank_until_typed(template.format_map(ctx))``,
    through the template's wrapped form kept in ``cache`` (``stand_ins``: the layout's)."""
    if template not in cache:
        cache[template] = _wrapped_template(template, stand_ins)
    wrapped = cache[template]
    if wrapped is None:
        return blank_until_typed(template.format_map(ctx))
    return wrapped.format_map(ctx)


class ExerciseWriter(WorkbookWriter):
    """The trace writer with the exercise's rule for each cell (see the module docstring)."""

    exercise = True  # the Guide speaks of the exercise

    def __init__(
        self,
        path: Path | str,
        layout: Layout,
        options: ExerciseOptions,
        meta: list[tuple[str, str]],
        student: tuple[str, str] = ("", ""),
    ) -> None:
        super().__init__(path, layout, protect=True, extra=self._extra)
        self.options = options
        self.meta = meta
        self.student = student  # (name, number) already typed in, or blank
        self.wrapped: dict[str, str | None] = {}  # Steps template → its wrapped template
        # the Setup cells of the ``init`` block, blank for the learner
        self.init_refs = {c.ref for c in layout.init_cells} if "init" in options.ask else set()
        self.reads_init: dict[str, bool] = {}  # Steps template → reads an init answer
        self.stand_ins = _STAND_IN_COLUMNS if layout.columns else _STAND_IN

    def _answer_columns(self) -> set[int]:
        return self.layout.columns_of(self.options.quantities)

    def _steps_header(self, ws) -> None:
        super()._steps_header(ws)
        self.answer_cols = self.layout.columns_of(self.options.quantities)

    def _row(self, ws, sr: StepsRow) -> None:
        if any(c in self.answer_cols for c, _ in sr.templates):  # room to write by hand
            ws.set_row(sr.row, printing.answer_row_height(printing.STEPS_SCALE))
        super()._row(ws, sr)

    def _cells(self, ws, sr: StepsRow) -> None:
        fmts, answer, blank = self.col_fmt, self.answer_cols, self.f.answer
        row, ctx, values, kinds = sr.row, sr.ctx, sr.values, sr.kinds
        for c, tmpl in sr.templates:
            if c in answer:
                ws.write_blank(row, c, None, blank)
                continue
            if kinds[c] == GIVEN and not self._reads_init(tmpl):  # only givens carry a value
                ws.write_formula(row, c, tmpl.format_map(ctx), fmts[c], float(values[c]))
            else:
                formula = row_formula(tmpl, ctx, self.wrapped, self.stand_ins)
                ws.write_formula(row, c, formula, fmts[c], "")

    def _reads_init(self, template: str) -> bool:
        """Whether a given reads an ``init`` answer on Setup (the weights training starts from,
        when the learner computes them): then it shows the learner's number, not nnsheet's."""
        if not self.init_refs:
            return False
        found = self.reads_init.get(template)
        if found is None:
            setup = self.layout.sheets.setup
            formula = template.format_map(self.stand_ins)
            found = self.reads_init[template] = any(
                leaf[0] == "ref" and leaf[1] == setup and leaf[2].replace("$", "") in self.init_refs
                for leaf in leaves(parse(formula))
            )
        return found

    def _put(self, ws, cell: Cell) -> None:
        if cell.sheet == self.layout.sheets.setup and cell.ref in self.init_refs:
            ws.write_blank(cell.row, cell.col, None, self.f.answer)
            return
        if cell.kind == HELPER and cell.formula is not None:  # the test table's match: no answer
            ws.write_formula(
                cell.row, cell.col, blank_until_typed(cell.formula), self.f.style(cell), ""
            )
        elif cell.kind != COMPUTED:  # the givens, labels and headers as in the trace workbook
            super()._put(ws, cell)
        elif cell.quantity in self.options.quantities:
            ws.set_row(cell.row, printing.answer_row_height())  # Epochs prints at 100 %
            ws.write_blank(cell.row, cell.col, None, self.f.answer)
        else:
            ws.write_formula(
                cell.row, cell.col, blank_until_typed(cell.formula), self.f.style(cell), ""
            )

    def _extra(self, wb) -> None:
        lay, opt = self.layout, self.options
        ws = wb.add_worksheet(lay.sheets.exercise)
        self._text_sheet(ws, 0)  # portrait A4, wrapped in a page-wide column
        # the learner's name and number: two unlocked text cells under the title, each with a
        # workbook defined name the grader reads (``student``, ``student_id``)
        entry = wb.add_format(
            {
                "num_format": "@",
                "bg_color": "#FFFFFF",
                "border": 1,
                "border_color": "#4472C4",
                "locked": False,
            }
        )
        lines = instructions(
            opt.lang,
            lay.sheets,
            lay.spec.title,
            opt.ask,
            opt.steps,
            opt.decimals,
            opt.upload_url,
            columns=lay.columns,
        )
        r = 0
        for n, (kind, text) in enumerate(lines):
            self._text_row(ws, r, 0, text, kind)
            r += 1
            if n == 0:
                for name, label, value in zip(
                    STUDENT_NAMES, name_labels(opt.lang), self.student, strict=True
                ):
                    r += 1
                    self._text_row(ws, r, 0, label, "head")
                    ws.set_row(r + 1, printing.answer_row_height())
                    if value:
                        ws.write_string(r + 1, 0, value, entry)
                    else:
                        ws.write_blank(r + 1, 0, None, entry)
                    wb.define_name(name, f"={lay.sheets.exercise}!$A${r + 2}")
                    r += 1
                r += 1
        ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
        ws.activate()  # the file opens where the learner starts: the name and number cells
        meta = wb.add_worksheet(META_SHEET)
        for r, (key, val) in enumerate(self.meta):
            meta.write_string(r, 0, key)
            if val != "":
                meta.write_string(r, 1, val)
        meta.protect("")
        meta.very_hidden()


def meta_rows(spec: Spec, options: ExerciseOptions) -> list[tuple[str, str]]:
    """Key/value rows of the hidden sheet: magic, version, options, then the spec TOML line by
    line (each line its own cell, so no cell approaches the 32,767-character limit)."""
    rows = [
        ("magic", META_MAGIC),
        ("format", str(FORMAT_VERSION)),
        ("lang", options.lang),
        ("ask", ",".join(options.ask)),
        ("steps", "" if options.steps is None else str(options.steps)),
        ("decimals", str(options.decimals)),
        ("layout", options.layout),
    ]
    for line in spec_to_toml(spec).split("\n"):
        if len(line) > 30_000:
            raise WorkbookError("the spec is too large to embed in an exercise workbook")
        rows.append(("spec", line))
    return rows


class StackedExerciseWriter(StackedSteps, ExerciseWriter):
    """The exercise's copy for its printed handout: Steps in stacked stripes
    (:mod:`nnsheet.output.handout`), every other sheet as in the exercise."""


def write_exercise(
    spec: Spec,
    path: Path | str,
    options: ExerciseOptions | None = None,
    student: tuple[str, str] = ("", ""),
    stacked: bool = False,
) -> tuple[Layout, pd.DataFrame]:
    """Write the exercise for ``spec`` at ``path`` (atomically); return its layout and the
    trace-table rows of its answer cells. ``student``: the learner's name and number, written
    into the ``student`` and ``student_id`` cells (blank when empty); ``stacked``: the copy a
    PDF handout is printed from (:class:`StackedExerciseWriter`), not a file to hand out."""
    options = options or ExerciseOptions()
    check_init(spec, options)
    layout = make_layout(spec, options.lang, layout=options.layout)
    layout.check_limits()
    trace = run(spec)
    if options.steps is not None and options.steps > len(trace.steps):
        raise NnsheetError(
            f"--steps {options.steps}: the exercise has only {len(trace.steps)} steps"
        )
    writer = StackedExerciseWriter if stacked else ExerciseWriter
    writer(path, layout, options, meta_rows(spec, options), student).write(
        exercise_records(trace, options)
    )
    rows = answer_rows(trace.table(layout), trace, options)
    init = init_rows(layout, options)
    if init:
        import pandas as pd

        head = pd.DataFrame([r._asdict() for r in init]).astype(rows.dtypes.to_dict())
        rows = pd.concat([head, rows], ignore_index=True)
    return layout, rows


def exercise_spec(spec: Spec, epochs_given: bool) -> Spec:
    """The template asks for the first epoch unless ``--epochs`` says otherwise."""
    return spec if epochs_given else dataclasses.replace(spec, epochs=1)
