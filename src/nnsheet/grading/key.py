"""The answer key of an exercise (spec, options, layout, trace, answer cells, formulas) and the
learner's environment that evaluates those formulas on the learner's own numbers."""

from __future__ import annotations

import dataclasses
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.cells import cell_pos
from ..core.engine import Trace, run
from ..core.errors import NnsheetError, WorkbookError
from ..core.ops import DEFAULT_BLOCKS, MISTAKES
from ..core.spec import Spec
from ..core.specfile import loads_spec, spec_to_toml
from ..exercise.template import (
    DEFAULT_DECIMALS,
    FORMAT_VERSION,
    META_MAGIC,
    UNSTATED_DECIMALS,
    Asked,
    ExerciseOptions,
    init_rows,
    parse_ask,
)
from ..output.table import TableRow, trace_rows
from ..output.workbook import make_layout
from ..sheet.formula import FormulaError, evaluate, parse, references
from ..sheet.layout import LAYOUTS, Layout, StepsRow
from ..words.notation import SHEET_NAMES
from .locate import no_sheet
from .read import Book
from .reason import Diff

CellKey = tuple[str, str]  # (sheet, A1) of a layout cell


#: one answer cell of an exercise: a row of the trace table (immutable; 1-based indices, None
#: where the table has none) with its place in the workbook (``sheet``, A1 ``cell``, ``key``)
#: and the engine's ``value``
AnswerCell = TableRow


# =========================================================================== the answer key
@dataclass(frozen=True)
class AnswerKey:
    """Everything needed to grade one exercise: spec, layout, trace, answer cells, formulas."""

    spec: Spec
    options: ExerciseOptions
    layout: Layout
    trace: Trace
    answers: tuple[AnswerCell, ...]
    givens: dict[CellKey, float]
    formulas: dict[CellKey, str]
    values: dict[CellKey, float]  # engine value of every cell in the table
    #: each Steps row (1-based) of the key: its templates and their bindings (the slips' rows)
    rows: dict[int, tuple[list[tuple[int, str]], dict]] = field(default_factory=dict)
    #: the labels of the givens on the Setup sheet (``Setup!B19`` → ``w1,1``)
    given_labels: dict[str, str] = field(default_factory=dict)
    _trees: dict[CellKey, tuple] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, spec: Spec, options: ExerciseOptions) -> AnswerKey:
        layout = make_layout(spec, options.lang, layout=options.layout)
        trace = run(spec)
        table = trace_rows(trace, layout)  # the cells of the workbook, from the layout's stream
        layout.check_limits()  # a key is a workbook's: refused where the workbook would be
        name = layout.sheets.setup
        setup = [r for r in table if r.sheet == name]
        asked = Asked.of(trace, options)
        rows: dict[int, tuple[list[tuple[int, str]], dict]] = {}
        return cls(
            spec,
            options,
            layout,
            trace,
            (
                *init_rows(layout, options),  # the Nguyen–Widrow work on Setup, computed first
                *(r for r in table if asked(r.sheet, r.quantity, r.step, r.epoch)),
            ),
            {(name, r.cell): r.value for r in setup},
            key_formulas(layout, trace, rows),
            {(r.sheet, r.cell): r.value for r in table},
            rows,
            {f"{r.sheet}!{r.cell}": r.label for r in setup},
        )

    def only(self, options: ExerciseOptions) -> AnswerKey:
        """This key asking only ``options``' blocks (the same trace and cells)."""
        qs = options.quantities
        answers = tuple(a for a in self.answers if a.quantity in qs)
        return dataclasses.replace(self, options=options, answers=answers, _trees={})

    def tree(self, key: tuple[str, str]) -> tuple:
        t = self._trees.get(key)
        if t is None:
            t = self._trees[key] = parse(self.formulas[key])
        return t

    def slips(self, key: tuple[str, str], quantity: str) -> list[tuple[str, tuple]]:
        """(code, parsed formula) of each mistake (:data:`nnsheet.core.ops.MISTAKES`) that
        changes this answer cell's formula: the cell computed with that slip."""
        sheet, ref = key
        if sheet == self.layout.sheets.setup:
            return self._setup_slips(ref, quantity)
        if sheet != self.layout.sheets.steps:
            return []
        row, col = self.layout.unplace(*cell_pos(ref))
        found = self.rows.get(row + 1)
        if found is None:
            return []
        templates, ctx = found
        out = []
        for code, m in MISTAKES.items():
            if quantity in m.quantities:
                tmpl = self.layout.slipped(code, templates).get(col)
                if tmpl is not None:
                    out.append((code, parse(tmpl.format_map(ctx))))
        return out

    def _setup_slips(self, ref: str, quantity: str) -> list[tuple[str, tuple]]:
        """The Nguyen–Widrow slips of a Setup answer cell (β, a unit's norm)."""
        lay = self.layout
        cell = next((c for c in lay.init_cells if c.ref == ref), None)
        if cell is None or cell.layer is None:
            return []
        l = cell.layer
        p, n, rng = lay.sizes[l], lay.sizes[l - 1], lay.nw_draws_range(l)
        return [
            (code, parse(formula))
            for code, m in MISTAKES.items()
            if m.setup is not None and quantity in m.quantities
            for formula in m.setup(p, n, rng)
        ]


def key_formulas(
    layout: Layout,
    trace: Trace,
    rows: dict[int, tuple[list[tuple[int, str]], dict]] | None = None,
) -> dict[tuple[str, str], str]:
    """Every formula of the trace workbook by (sheet, A1 cell), read from the layout's cell
    stream: exactly the formulas the workbook holds, and no file is written. ``rows`` receives
    each Steps row's templates and bindings."""
    formulas: dict[tuple[str, str], str] = {}
    letters, steps = layout.letters, layout.sheets.steps
    for item in layout.body([*trace.steps, *trace.epochs]):
        if isinstance(item, StepsRow):
            row, ctx = str(item.row + 1), item.ctx  # type: ignore[operator]
            if rows is not None:
                rows[item.row + 1] = (item.templates, ctx)  # type: ignore[operator]
            for c, tmpl in item.templates:
                ref = layout.steps_ref(item.row, c) if layout.columns else letters[c] + row  # type: ignore[arg-type]
                formulas[(steps, ref)] = tmpl.format_map(ctx)  # type: ignore[arg-type]
        elif item.formula is not None:
            formulas[(item.sheet, item.ref)] = item.formula
    for cell in layout.init_cells:  # the Nguyen–Widrow work on Setup (``--ask init``)
        formulas[(cell.sheet, cell.ref)] = cell.formula  # type: ignore[assignment]
    return formulas


class LearnerEnv:
    """Cell values as the learner's workbook would compute them: answer cells are what the
    learner typed, givens come from Setup, every other cell is its own formula evaluated on
    these (memoised). An answer cell in ``blank`` (left blank by the learner) is, for the cells
    that read it, its own formula on the learner's numbers (recursively; formulas point back,
    so no cycle); it is still graded ``missing`` itself."""

    def __init__(
        self,
        key: AnswerKey,
        given: Mapping[tuple[str, str], float | None],
        blank: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.key = key
        self.given = given
        self.blank = blank
        self.memo: dict[tuple[str, str], float] = {}
        self.active: set[tuple[str, str]] = set()

    def cell(self, sheet: str, ref: str) -> float:
        k = (sheet, ref)
        if k in self.given:
            v = self.given[k]
            if v is not None:
                return v
            if k not in self.blank or k not in self.key.formulas:
                raise FormulaError(f"{sheet}!{ref} holds no number")
            # a blank answer cell: its own formula on the learner's own numbers (below)
        if sheet == self.key.layout.sheets.setup:
            if k not in self.key.givens:
                raise FormulaError(f"{sheet}!{ref} is not a given")
            return self.key.givens[k]
        if k in self.memo:
            return self.memo[k]
        if k in self.active:
            raise FormulaError(f"{sheet}!{ref} refers to itself")
        if k not in self.key.formulas:
            return 0.0  # an empty cell, as a spreadsheet reads it (e.g. update rows in a range)
        self.active.add(k)
        try:
            v = evaluate(self.key.tree(k), self, sheet)
        finally:
            self.active.discard(k)
        self.memo[k] = v
        return v

    def name(self, name: str) -> float:
        return self.key.spec.learning_rate

    def compute(self, key: tuple[str, str], tree: tuple | None = None) -> float | None:
        """The cell's formula (or ``tree``, another formula for it) on the learner's values, or
        None when an input is unusable."""
        try:
            return evaluate(self.key.tree(key) if tree is None else tree, self, key[0])
        except (FormulaError, OverflowError, KeyError):
            return None

    def inputs(self, key: tuple[str, str], tree: tuple | None = None) -> list[tuple[str, str]]:
        """The learner's answer cells a cell's formula (or ``tree``) reads, directly or through
        cells the learner was not asked for (the weights in use) or left blank (computed from
        their own inputs: :meth:`through`)."""
        return self._walk(key, tree)[0]

    def through(self, key: tuple[str, str], tree: tuple | None = None) -> list[tuple[str, str]]:
        """The blank answer cells a cell's formula (or ``tree``) reads, directly or through
        other cells: each computed from the learner's own numbers by its own formula."""
        return self._walk(key, tree)[1]

    def _walk(
        self, key: tuple[str, str], tree: tuple | None
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        out: list[tuple[str, str]] = []
        blank: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        todo = list(references(self.key.tree(key) if tree is None else tree, key[0]))
        while todo:
            k = todo.pop()
            if k in seen:
                continue
            seen.add(k)
            if k in self.given and self.given[k] is not None:
                out.append(k)
                continue
            if k in self.given:
                if k not in self.blank or k not in self.key.formulas:
                    out.append(k)  # not a number (text, an error): an input all the same
                    continue
                blank.append(k)
            if k[0] != self.key.layout.sheets.setup and k in self.key.formulas:
                todo.extend(references(self.key.tree(k), k[0]))
        return out, blank

    def slack(
        self,
        key: tuple[str, str],
        base: float,
        tols: dict[tuple[str, str], float],
        tree: tuple | None = None,
    ) -> float:
        """How far the cell (computed by its formula, or ``tree``) may move when each of its
        inputs moves within its own tolerance (the learner rounded what they typed but may have
        kept more digits on the calculator)."""
        total = 0.0
        for k in self.inputs(key, tree):
            v, t = self.given.get(k), tols.get(k, 0.0)
            if v is None or t == 0.0:
                continue
            worst = 0.0
            for sign in (1.0, -1.0):
                # one input moved; the others read through (no copy of every answer)
                moved = LearnerEnv(self.key, ChainMap({k: v + sign * t}, self.given), self.blank)
                w = moved.compute(key, tree)
                if w is not None:
                    worst = max(worst, abs(w - base))
            total += worst
        return total


@dataclass(frozen=True)
class Record:
    """The exercise as the teacher states it on ``check`` (the same options as ``template``):
    ``--spec``, ``--ask``, ``--steps``, ``--epochs``, ``--decimals``. Given ``spec``, the teacher's
    options are the record (an option left out is ``template``'s default); without it, the
    embedded spec stands and only ``--ask``, ``--steps`` and ``--epochs`` given are the record.
    ``decimals`` (``--decimals``) always replaces the decimals the exercise states when it is
    graded; with ``spec`` it is also the record's stated decimals (a hidden setting compared).
    ``carried_credit`` (``--carried-credit``): the share of a point a carried cell earns."""

    spec: Spec | None = None
    ask: tuple[str, ...] | None = None
    steps: int | None = None
    epochs: int | None = None
    decimals: int | None = None
    carried_credit: float = 1.0
    #: ``--layout``: the Steps layout the exercise was written with (None: not stated)
    layout: str | None = None


def _option_differences(
    embedded: ExerciseOptions, record: ExerciseOptions, decimals: bool
) -> list[Diff]:
    """What the exercise's hidden options change of the record's (the epochs are compared where
    the spec is read; the givens, by :func:`~.pipeline.givens_flags`)."""

    def ask(o: ExerciseOptions) -> str:
        return ",".join(o.ask) if o.ask != DEFAULT_BLOCKS else "all"

    pairs = [
        ("ask", ask(embedded), ask(record)),
        ("steps", embedded.steps or "all", record.steps or "all"),
    ]
    if decimals:
        pairs.append(("decimals", embedded.decimals, record.decimals))
    return [
        ("diff.option", {"what": w, "got": got, "want": want})
        for w, got, want in pairs
        if got != want
    ]


def _epochs_difference(got: int, want: int) -> list[Diff]:
    return [] if got == want else [("diff.option", {"what": "epochs", "got": got, "want": want})]


def _steps_rows(book: Book) -> int:
    """How many rows the learner's answer sheets really hold (rows with any cell)."""
    return sum(len({r for r, _c in g.cells}) for g in book.grids.values())


def bounded_spec(spec: Spec, options: ExerciseOptions, book: Book, path: Path) -> Spec:
    """The spec to train for a key: never more work than the file can hold answers for.

    Refused (one line, before any training) when the exercise asks for more steps than the
    learner's answer sheets have rows — every asked step has at least one row of its own; and
    trained only up to the epoch of the last step asked (``--steps K``)."""
    per_epoch = spec.batches_per_epoch
    total = spec.epochs * per_epoch
    asked = total if options.steps is None else min(options.steps, total)
    have = _steps_rows(book)
    if asked > have:
        raise WorkbookError(
            f"{path}: the exercise asks for {asked:,} steps, but its answer "
            f"sheets hold only {have:,} rows; refusing to grade it (its hidden "
            "settings edited? grade it with --spec and the options the exercise "
            "was written with)"
        )
    epochs = min(spec.epochs, -(-asked // per_epoch))
    return spec if epochs == spec.epochs else dataclasses.replace(spec, epochs=epochs)


def key_for(
    book: Book, path: Path, spec_override: Spec | None | Record, cache: dict[str, AnswerKey]
) -> tuple[AnswerKey, tuple[Diff, ...]]:
    """The answer key of a workbook: its embedded spec and options, or the teacher's record
    (:class:`Record`: ``--spec`` and the options); and how the embedded settings differ from
    the record (graded on the record). ``cache`` holds keys by the spec's text and the
    options (a value, never an object's identity)."""
    record = spec_override if isinstance(spec_override, Record) else Record(spec_override)
    meta: dict[str, str] = {}
    spec_lines: list[str] = []
    for k, v in book.meta:
        if k == "spec":
            spec_lines.append(v)
        else:
            meta[k] = v
    has_meta = meta.get("magic") == META_MAGIC
    embedded: ExerciseOptions | None = None
    if has_meta:
        try:
            version = int(meta.get("format", ""))
        except ValueError:
            version = -1
        if version > FORMAT_VERSION or version < 1:
            raise WorkbookError(
                f"{path}: exercise format {meta.get('format')!r} is not one this "
                f"nnsheet reads (it reads up to {FORMAT_VERSION}); upgrade nnsheet"
            )
        try:
            steps = int(meta["steps"]) if meta.get("steps") else None
            if steps is not None and steps < 1:
                raise ValueError(steps)
            # an exercise written before exercises stated their decimals said "at least 2"
            decimals = int(meta["decimals"]) if meta.get("decimals") else UNSTATED_DECIMALS
            if not 0 <= decimals <= 15:
                raise ValueError(decimals)
            layout = meta.get("layout") or "rows"  # written before layouts: rows
            if layout not in LAYOUTS:
                raise ValueError(layout)
            embedded = ExerciseOptions(
                ask=parse_ask(meta.get("ask") or None),
                steps=steps,
                lang=meta.get("lang", "en") if meta.get("lang") in ("en", "id") else "en",
                decimals=decimals,
                layout=layout,
            )
        except (ValueError, NnsheetError):
            if record.spec is None:
                raise WorkbookError(f"{path}: the exercise's hidden settings are damaged") from None
    elif record.spec is None:
        raise WorkbookError(
            f"{path}: not an nnsheet exercise (no embedded spec); give the spec with --spec SPEC"
        )
    lang = (
        embedded.lang
        if embedded is not None
        else next((lang for lang, n in SHEET_NAMES.items() if n.steps in book.sheets), "en")
    )
    if SHEET_NAMES[lang].steps not in book.grids:
        raise no_sheet(book, path, SHEET_NAMES[lang].steps)
    tampered: list[Diff] = []
    # the answers are looked for in the file's own layout; a record stating another is told
    layout = embedded.layout if embedded is not None else record.layout or "rows"
    want_layout = record.layout or ("rows" if record.spec is not None else layout)
    if embedded is not None and embedded.layout != want_layout:
        tampered.append(
            ("diff.option", {"what": "layout", "got": embedded.layout, "want": want_layout})
        )
    if record.spec is not None:
        options = ExerciseOptions(
            ask=record.ask or DEFAULT_BLOCKS,
            steps=record.steps,
            lang=lang,
            decimals=DEFAULT_DECIMALS if record.decimals is None else record.decimals,
            layout=layout,
        )
        spec = dataclasses.replace(record.spec, epochs=record.epochs or 1)  # as template does
        if embedded is not None:
            tampered += _option_differences(embedded, options, decimals=True)
            try:  # the givens are compared by the batch; the epochs are the options' business
                theirs = loads_spec("\n".join(spec_lines), name=str(path)).epochs
            except NnsheetError:
                tampered.append(("diff.bad_settings", {}))
            else:
                tampered += _epochs_difference(theirs, spec.epochs)
        elif has_meta:
            tampered.append(("diff.bad_settings", {}))
        elif book.exercise:  # an exercise (its instructions sheet) without its hidden sheet
            tampered.append(("diff.no_settings", {}))
        cache_id = f"record:{spec_to_toml(spec)}\n{options}"
    else:
        assert embedded is not None
        options = dataclasses.replace(
            embedded, ask=record.ask or embedded.ask, steps=record.steps or embedded.steps
        )
        tampered += _option_differences(embedded, options, decimals=False)
        text = "\n".join(spec_lines)
        try:
            spec = loads_spec(text, name=f"{path} (embedded spec)")
        except NnsheetError as exc:
            raise WorkbookError(f"{path}: the embedded spec is damaged ({exc})") from None
        if record.epochs is not None and record.epochs != spec.epochs:
            tampered += _epochs_difference(spec.epochs, record.epochs)
            spec = dataclasses.replace(spec, epochs=record.epochs)
        cache_id = f"{text}\n{spec.epochs}\n{options}"
    spec = bounded_spec(spec, options, book, path)  # before any training
    cache_id += f"\n{spec.epochs}"
    if cache_id not in cache:
        cache[cache_id] = AnswerKey.build(spec, options)
    return cache[cache_id], tuple(tampered)
