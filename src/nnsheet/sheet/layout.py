"""The one layout map: where every cell of the workbook sits, what it is, and its formula.

Given the engine's records, :meth:`Layout.cells` yields every cell of the Setup, Steps and Epochs
sheets once, in writing order: a :class:`Cell` (sheet, row, column, kind, value, formula, and the
trace quantity it holds) for the Setup sheet, the headers and each epoch's summary, and for the
Steps sheet one :class:`StepsRow` per row (its row, templates, their bindings, the engine's values
and each column's kind), so a long trace never costs a Python object per cell. The workbook writer,
the exercise writer, the trace table (its ``sheet``/``cell`` columns) and the grader's answer key
all consume that stream; nothing else computes an address.

Steps sheet (design.md §4): two header rows (band, symbol), then one row per sample (online:
that row also applies the update) and, in batch and mini-batch modes, an update row after each
batch.
Columns come in bands, in this order, each band a list of *segments* (one quantity of one layer):

    step    epoch, step, sample
    data    x (layer 0), t (layer L)
    weights w[l], b[l]                        l = 1..L   (weights in use)
    forward z[l], a[l]                        l = 1..L
    errors  e, loss, correct (0/1 targets only)
    backward err[l], fprime[l], delta[l]      l = L..1
    grads   grad_w[l], grad_b[l], dw[l], db[l] l = 1..L
    new     w_new[l], b_new[l]                l = 1..L

A weight matrix segment runs row-major: w[l][j,0], w[l][j,1], … so a neuron's incoming weights are
one contiguous range (SUMPRODUCT with the previous layer's outputs).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..core.cells import cell_name, col_name, col_number
from ..core.engine import EpochRecord, SampleRecord, StepRecord, TestRecord, initial_weights
from ..core.errors import WorkbookError
from ..core.ops import (
    ACTIVATIONS,
    EXACT,
    LOSSES,
    MISTAKES,
    RULES,
    SINGLE_RULES,
    Steps,
    correct_rule,
    hidden_error_rule,
    xl_nw_beta,
    xl_nw_norm,
)
from ..core.spec import Spec
from ..words.columns_text import text as columns_text
from ..words.notation import Notation, setting_label, setting_value
from .formula import FormulaError, parse
from .spoken import spoken

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
EXCEL_MAX_FORMULA = 8_192
#: column widths (characters): Steps' epoch/step/sample columns and every other Steps column;
#: Setup's labels and numbers; Epochs' epoch, loss and accuracy (printing reads them too)
STEP_COL_WIDTH, STEPS_COL_WIDTH = 7, 11
SETUP_LABEL_WIDTH, SETUP_COL_WIDTH = 22, 12
EPOCHS_WIDTHS = (8, 14, 14)
HEADER_ROWS = 2
#: the Steps sheet's layouts (``--layout``): one step per row (the default) or per column
LAYOUTS = ("rows", "columns")
#: columns layout: the band, symbol and formula columns before the first step's column, and
#: their widths (characters)
COLUMNS_HEAD = 3
BAND_COL_WIDTH, SYMBOL_COL_WIDTH, WORDS_COL_WIDTH = 4, 10, 30
#: a Steps reference in a row template (``H{r}``, ``H{p}``; a batch's ``H{f}:H{l}``) and in the
#: Epochs templates (``$H${a}``): what the columns layout transposes
_ROW_REF = re.compile(r"(?<![A-Za-z$!])([A-Z]{1,3})\{([rpfl])\}")
_EPOCH_REF = re.compile(r"\$([A-Z]{1,3})\$\{([ab])\}")

#: the English sheet names; a layout's own (its language's) are ``Layout.sheets``
STEPS, SETUP, EPOCHS, GUIDE = "Steps", "Setup", "Epochs", "Guide"
BANDS = ("step", "data", "weights", "forward", "errors", "backward", "gradients", "new")

#: the Epochs sheet's columns (0-based)
EPOCHS_COLUMNS = {"epoch": 0, "epoch_loss": 1, "accuracy": 2}
#: the single-layer rules' Epochs columns (design.md §12), per rule
SINGLE_EPOCHS_COLUMNS = {
    "hebb": {"epoch": 0},
    "perceptron": {"epoch": 0, "epoch_updates": 1},
    "adaline": {"epoch": 0, "epoch_loss": 1, "max_change": 2},
}
#: the first column of the single-layer rules' test table on the Epochs sheet (below the epochs)
#: the test table's first pattern row at the earliest: below the Epochs chart (at most 320 px
#: high from row 2, about 16 rows of 20 px)
TEST_FIRST_ROW = 21
TEST_COL = 1  # column A holds only the epoch numbers (the grader finds the epochs by them)

# ---- cell kinds (what a cell is; a writer maps each kind to a style)
TITLE, HEAD, LABEL, TEXT = "title", "head", "label", "text"  # words
BAND, SYMBOL = "band", "symbol"  # header cells: a band's name (over a range), a quantity's symbol
GIVEN = "given"  # a given number (Setup), or a pure reference to one (Steps)
INTEGER, NUMBER = "integer", "number"  # plain numbers: a count or index, a decimal
INDEX = "index"  # epoch, step, sample at the head of a Steps row
CARRIED = "carried"  # the weights in use after the first row: the previous row's new weights
COMPUTED = "computed"  # a formula with a value: what an exercise can ask
HELPER = "helper"  # a formula the workbook needs but no exercise asks (the 0/1 ``correct``)
# ---- Steps row kinds
SAMPLE_ROW, ONLINE_ROW, UPDATE_ROW = "sample", "online", "update"

#: quantities computed per sample (sample rows) and per update (update rows / online rows)
SAMPLE_QUANTITIES = (
    "x",
    "t",
    "w",
    "b",
    "z",
    "a",
    "e",
    "loss",
    "correct",
    "updated",
    "err",
    "fprime",
    "delta",
    "grad_w",
    "grad_b",
    "dw",
    "db",
)
UPDATE_QUANTITIES = ("dw", "db", "w_new", "b_new")


@dataclass(frozen=True)
class Segment:
    """One quantity of one layer on the Steps sheet: a run of adjacent columns."""

    quantity: str
    layer: int | None  # design numbering: 0 = inputs, 1..L
    shape: tuple[int, ...]  # () scalar, (n,) vector, (n, m) matrix
    band: str
    first: int  # first column (0-based)

    @property
    def size(self) -> int:
        return math.prod(self.shape)  # 1 for a scalar

    def index(self, j: int | None = None, i: int | None = None) -> int:
        """Column of element (j, i) (0-based)."""
        if not self.shape:
            return self.first
        if len(self.shape) == 1:
            return self.first + (j or 0)
        return self.first + (j or 0) * self.shape[1] + (i or 0)

    def elements(self) -> Iterator[tuple[int | None, int | None]]:
        if not self.shape:
            yield None, None
        elif len(self.shape) == 1:
            for j in range(self.shape[0]):
                yield j, None
        else:
            for j in range(self.shape[0]):
                for i in range(self.shape[1]):
                    yield j, i


def _sample_getter(q: str, layer: int | None) -> Callable[[SampleRecord], object]:
    if q == "x":
        return lambda s: s.x
    if q == "t":
        return lambda s: s.t
    if q in ("e", "loss", "correct"):
        return lambda s: getattr(s, q)
    k = (layer or 1) - 1
    return lambda s: getattr(s, q)[k]


def _step_getter(q: str, layer: int | None) -> Callable[[StepRecord], object]:
    k = (layer or 1) - 1
    return lambda st: getattr(st, q)[k]


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of the workbook, as the layout places it (0-based row and column).

    ``value`` is a number or a text (a formula's cached result when ``formula`` is set, which is
    written without its ``=``). Givens and computed cells say which trace quantity they hold
    (``quantity``, ``layer`` 1..L or 0, ``j``, ``i`` 0-based, ``sample`` 0-based, ``epoch``).
    ``last_col`` is set on a band header merged over several columns; ``name`` on a cell the
    workbook names (the learning rate)."""

    sheet: str
    row: int
    col: int
    kind: str
    value: float | int | str | None = None
    formula: str | None = None
    quantity: str | None = None
    layer: int | None = None
    j: int | None = None
    i: int | None = None
    sample: int | None = None
    epoch: int | None = None
    band: str | None = None
    last_col: int | None = None
    name: str | None = None
    #: set on a band header merged over several rows (the columns layout)
    last_row: int | None = None

    @property
    def ref(self) -> str:
        """A1 name, e.g. ``B4``."""
        return cell_name(self.row, self.col)


@dataclass(slots=True)
class StepsRow:
    """One row of the Steps sheet, placed but not yet spelled out: the hot path of a long trace
    makes one of these per row, never one object per cell.

    ``templates`` are the row's (column, formula template) pairs (shared by every row of the same
    kind) and ``ctx`` binds their placeholders (``template.format_map(ctx)``); ``values`` holds the
    engine's value of every column (NaN where the row has none); ``kinds`` the kind of each column
    (:data:`GIVEN`, :data:`CARRIED`, :data:`COMPUTED`, …). ``row`` and ``ctx`` are None for a
    step trained beyond the epochs written in detail (it has values but no cells). The head cells
    are ``epoch``, ``step`` and ``sample`` (1-based; None on a batch's update row, whose head reads
    :attr:`Layout.update_label`)."""

    kind: str  # SAMPLE_ROW, ONLINE_ROW or UPDATE_ROW
    row: int | None
    epoch: int
    step: int
    sample: int | None
    templates: list[tuple[int, str]]
    ctx: dict[str, int | str | None] | None
    values: np.ndarray
    kinds: list[str]

    def formulas(self) -> Iterator[tuple[int, str]]:
        """(column, formula) of each formula cell of the row."""
        ctx = self.ctx
        if ctx is None:
            return
        for c, tmpl in self.templates:
            yield c, tmpl.format_map(ctx)


@dataclass(frozen=True)
class SetupMap:
    """Where the givens sit on the Setup sheet (0-based rows and columns).

    A weight table is written in one of two orientations (the notation chooses, it never changes
    a number): rows = receiving neuron j with the bias column beside (``transposed = False``, the
    course's), or rows = sending neuron i with the bias row "1" first and columns = receiving
    neuron j (``transposed = True``, Fausett's "Dari \\ Ke" tables). Ask :meth:`w` and :meth:`b`,
    never the origins, for a cell."""

    lr: tuple[int, int]
    #: per layer 1..L (index l-1): (first row, first col) of the table's numbers: w[l][0,0]
    #: (not transposed) or the bias of neuron 0 (transposed)
    w_origin: tuple[tuple[int, int], ...]
    #: per layer: column of the bias next to the matrix (not transposed; transposed: unused)
    b_col: tuple[int, ...]
    data_row: int  # row of sample 1
    x_col: int
    t_col: int
    transposed: bool = False
    #: transposed only: the bias row "1" after the sending units' rows (Siang's tables), not first
    bias_last: bool = False
    #: per layer: the number of sending units (where the bias row sits when ``bias_last``)
    n_in: tuple[int, ...] = ()
    #: Nguyen–Widrow, per layer: the first row of the table of draws v_old (laid out like the
    #: weight table, each unit's norm ‖v_j‖ where its bias would be), or None
    nw_row: tuple[int | None, ...] = ()
    #: Nguyen–Widrow, per layer: the row of β (its number in column 1), or None
    beta_row: tuple[int | None, ...] = ()

    def draw(self, layer: int, j: int, i: int) -> tuple[int, int]:
        """The Nguyen–Widrow draw v_old of weight (j, i): below the weight table, same place."""
        r, c = self.w(layer, j, i)
        return r + self.nw_row[layer - 1] - self.w_origin[layer - 1][0], c  # type: ignore[operator]

    def norm(self, layer: int, j: int) -> tuple[int, int]:
        """‖v_j‖ of unit j: in the draws table, where the bias sits in the weight table."""
        r, c = self.b(layer, j)
        return r + self.nw_row[layer - 1] - self.w_origin[layer - 1][0], c  # type: ignore[operator]

    def beta(self, layer: int) -> tuple[int, int]:
        return self.beta_row[layer - 1], 1  # type: ignore[return-value]

    def w(self, layer: int, j: int, i: int) -> tuple[int, int]:
        r, c = self.w_origin[layer - 1]
        if self.transposed:
            return r + (0 if self.bias_last else 1) + i, c + j
        return r + j, c + i

    def b(self, layer: int, j: int) -> tuple[int, int]:
        r, c = self.w_origin[layer - 1]
        if self.transposed:
            return r + (self.n_in[layer - 1] if self.bias_last else 0), c + j
        return r + j, self.b_col[layer - 1]

    def table_shape(self, layer: int, sizes: tuple[int, ...]) -> tuple[int, int]:
        """(rows, columns) of the numbers of a layer's weight table, bias included."""
        if self.transposed:
            return sizes[layer - 1] + 1, sizes[layer]
        return sizes[layer], sizes[layer - 1] + 1

    def x(self, s: int, i: int) -> tuple[int, int]:
        return self.data_row + s, self.x_col + i

    def t(self, s: int, k: int) -> tuple[int, int]:
        return self.data_row + s, self.t_col + k


class Layout:
    """Columns, rows and formulas of a trace workbook for one spec."""

    def __init__(
        self,
        spec: Spec,
        notation: Notation,
        detail_epochs: int | None = None,
        orientation: str = "rows",
    ) -> None:
        if orientation not in LAYOUTS:
            raise ValueError(f"layout: expected one of {', '.join(LAYOUTS)}, got {orientation!r}")
        #: ``rows`` (one step per row) or ``columns`` (one step per column, the quantities down
        #: the sheet): only where the Steps cells sit differs (:meth:`place`)
        self.orientation = orientation
        self.columns = orientation == "columns"
        self.spec = spec
        self.notation = notation
        #: the sheet names in the notation's language
        self.sheets = notation.sheets
        self.L = spec.n_layers
        self.sizes = spec.sizes
        self.online = spec.mode == "online"
        self.detail_epochs = (
            spec.epochs if detail_epochs is None else min(detail_epochs, spec.epochs)
        )
        self.segments: list[Segment] = []
        self._build_columns()
        self.seg: dict[tuple[str, int | None], Segment] = {
            (s.quantity, s.layer): s for s in self.segments
        }
        self.n_cols = self.segments[-1].first + self.segments[-1].size
        self.setup = self._build_setup()
        n = spec.n_samples
        self.rows_per_epoch = n if self.online else n + spec.batches_per_epoch
        self.n_rows = HEADER_ROWS + self.detail_epochs * self.rows_per_epoch
        self.band_ranges = self._band_ranges()
        #: :meth:`slipped`'s templates, by mistake, then by the exact templates' id
        #: each mistake's slipped templates, by the row templates' value (never an object's id)
        self._slipped: dict[str, dict[tuple[tuple[int, str], ...], dict[int, str]]] = {}

    # ------------------------------------------------------------------ columns
    def _build_columns(self) -> None:
        spec, L, n = self.spec, self.L, self.sizes
        c = 0

        def add(q: str, layer: int | None, shape: tuple[int, ...], band: str) -> None:
            nonlocal c
            seg = Segment(q, layer, shape, band, c)
            self.segments.append(seg)
            c += seg.size

        add("epoch", None, (), "step")
        add("step", None, (), "step")
        add("sample", None, (), "step")
        add("x", 0, (n[0],), "data")
        add("t", L, (n[L],), "data")
        if spec.single:
            self._single_columns(add)
            return
        for l in range(1, L + 1):
            add("w", l, (n[l], n[l - 1]), "weights")
            add("b", l, (n[l],), "weights")
        for l in range(1, L + 1):
            add("z", l, (n[l],), "forward")
            add("a", l, (n[l],), "forward")
        add("e", L, (n[L],), "errors")
        add("loss", None, (), "errors")
        if spec.binary_targets:
            add("correct", None, (), "errors")
        book = spec.book_columns  # no output err column, no ∂ band (design.md §2)
        for l in range(L, 0, -1):
            if not (book and l == L):
                add("err", l, (n[l],), "backward")
            add("fprime", l, (n[l],), "backward")
            add("delta", l, (n[l],), "backward")
        for l in range(1, L + 1):
            if not book:
                add("grad_w", l, (n[l], n[l - 1]), "gradients")
                add("grad_b", l, (n[l],), "gradients")
            add("dw", l, (n[l], n[l - 1]), "gradients")
            if spec.update_biases:
                add("db", l, (n[l],), "gradients")
        for l in range(1, L + 1):
            add("w_new", l, (n[l], n[l - 1]), "new")
            add("b_new", l, (n[l],), "new")

    def _single_columns(self, add: Callable[[str, int | None, tuple[int, ...], str], None]) -> None:
        """A single-layer rule's row (design.md §12), after the step and data bands: the weights
        in use, its rule's quantities (y_in, y, e, loss, updated, Δw, Δb), the new weights."""
        n = self.sizes
        add("w", 1, (n[1], n[0]), "weights")
        add("b", 1, (n[1],), "weights")
        bands = {"z": "forward", "a": "forward", "e": "errors", "loss": "errors"}
        for q in SINGLE_RULES[self.spec.rule].quantities:
            if q == "db" and not self.spec.update_biases:
                continue
            shape = {"dw": (n[1], n[0]), "loss": ()}.get(q, (n[1],))
            add(q, 1 if q != "loss" else None, shape, bands.get(q, "gradients"))
        add("w_new", 1, (n[1], n[0]), "new")
        add("b_new", 1, (n[1],), "new")

    def _band_ranges(self) -> list[tuple[str, int, int]]:
        out: list[tuple[str, int, int]] = []
        for s in self.segments:
            end = s.first + s.size - 1
            if out and out[-1][0] == s.band:
                out[-1] = (s.band, out[-1][1], end)
            else:
                out.append((s.band, s.first, end))
        return out

    def col(
        self, q: str, layer: int | None = None, j: int | None = None, i: int | None = None
    ) -> int:
        if q == "err" and layer == self.L and self.spec.book_columns:
            q = "e"  # the book's δ_k reads the error column: there is no second copy of t − y
        return self.seg[(q, layer)].index(j, i)

    def ref(
        self, q: str, layer: int | None = None, j: int | None = None, i: int | None = None
    ) -> str:
        """Column letter of a Steps quantity (to be followed by a row number)."""
        return col_name(self.col(q, layer, j, i))

    def has(self, q: str, layer: int | None = None) -> bool:
        return (q, layer) in self.seg

    # ------------------------------------------------------------------ setup sheet
    def _build_setup(self) -> SetupMap:
        spec = self.spec
        # rows 0-1 title, row 3 learning rate, then settings, then weight tables, then data
        lr = (3, 1)
        row = 5 + len(self.settings_rows()) + 1
        origins: list[tuple[int, int]] = []
        bcols: list[int] = []
        nw_rows: list[int | None] = []
        beta_rows: list[int | None] = []
        draws = spec.nw_draws or (None,) * len(spec.layers)
        for ly, drawn in zip(spec.layers, draws, strict=True):
            row += 2  # caption, column header
            origins.append((row, 1))
            bcols.append(1 + ly.weights.shape[1])
            # as many rows in either orientation, so the data table sits in the same cells
            # whatever the notation (transposed: the bias row, then one per sending neuron)
            height = max(ly.size, ly.weights.shape[1] + 1)
            row += height + 1
            nw_rows.append(None if drawn is None else row + 2)
            beta_rows.append(None if drawn is None else row + 2 + height)
            if drawn is not None:  # Nguyen–Widrow's work: caption, header, draws, β, a blank
                row += 2 + height + 2
        row += 1  # caption of the data table; next row is its header (and names above it)
        row += 2
        return SetupMap(
            lr,
            tuple(origins),
            tuple(bcols),
            row,
            1,
            1 + spec.n_inputs,
            self.notation.transposed,
            self.notation.bias_last,
            tuple(ly.weights.shape[1] for ly in spec.layers),
            tuple(nw_rows),
            tuple(beta_rows),
        )

    def settings_rows(self) -> list[tuple[str, object]]:
        """The settings listed on the Setup sheet (labels are English keys of the spec)."""
        s = self.spec
        rows: list[tuple[str, object]] = [
            ("preset", s.preset),
            ("rule", s.rule),
        ]
        if s.single:
            return rows + self._single_settings()
        if s.rule == "error" and self.L > 1:
            rows.append(("hidden_error", s.hidden_error))
        rows += [
            ("loss", s.loss),
            ("mode", s.mode_text),
            ("epochs", s.epochs),
            ("update_biases", "true" if s.update_biases else "false"),
            ("round", "none" if s.round is None else s.round),
            ("activations", ", ".join(ly.activation for ly in s.layers)),
            ("layer sizes", "-".join(map(str, s.sizes))),
            (
                "init",
                f"seed {s.seed}, "
                + (
                    "nguyen-widrow"
                    if s.init_method == "nguyen-widrow"
                    else f"uniform({s.init_low:g}, {s.init_high:g})"
                ),
            ),
        ]
        if s.target_loss is not None:
            rows.append(("target_loss", s.target_loss))
        if s.normalization is not None:
            rows.append(("normalize", s.normalization.method))
        return rows

    def _single_settings(self) -> list[tuple[str, object]]:
        s = self.spec
        rows: list[tuple[str, object]] = []
        if s.tolerance is not None:
            rows.append(("tolerance", s.tolerance))
        return rows + [
            ("mode", s.mode_text),
            ("epochs", s.epochs),
            ("update_biases", "true" if s.update_biases else "false"),
            ("round", "none" if s.round is None else s.round),
            ("layer sizes", "-".join(map(str, s.sizes))),
        ]

    def setup_cell(
        self,
        q: str,
        layer: int | None = None,
        j: int | None = None,
        i: int | None = None,
        sample: int | None = None,
    ) -> tuple[int, int]:
        """(row, col) on Setup of a step-0 given; ``sample`` is 0-based."""
        st = self.setup
        if q == "lr":
            return st.lr
        if q in ("momentum", "theta"):  # θ where momentum would be (they never meet)
            return st.lr[0] + 1, st.lr[1]
        if q == "w":
            return st.w(layer, j, i)  # type: ignore[arg-type]
        if q == "b":
            return st.b(layer, j)  # type: ignore[arg-type]
        if q == "x":
            return st.x(sample, j)  # type: ignore[arg-type]
        if q == "t":
            return st.t(sample, j)  # type: ignore[arg-type]
        raise KeyError(q)

    def setup_ref(
        self,
        q: str,
        layer: int | None = None,
        j: int | None = None,
        i: int | None = None,
        sample: int | None = None,
    ) -> str:
        r, c = self.setup_cell(q, layer, j, i, sample)
        return f"{self.sheets.setup}!{cell_name(r, c, absolute=True)}"

    # ------------------------------------------------------------------ rows
    def sample_row(self, epoch: int, s: int) -> int:
        """0-based Steps row of sample s (0-based) in epoch (1-based)."""
        base = HEADER_ROWS + (epoch - 1) * self.rows_per_epoch
        if self.online:
            return base + s
        return base + s + s // self.spec.batch_size

    def update_row(self, epoch: int, batch: int) -> int:
        """0-based Steps row where batch ``batch`` (0-based) of ``epoch`` is applied."""
        if self.online:
            return self.sample_row(epoch, batch)
        k = self.spec.batch_size
        last = min((batch + 1) * k, self.spec.n_samples) - 1
        return self.sample_row(epoch, last) + 1

    def epoch_rows(self, epoch: int) -> tuple[int, int]:
        first = HEADER_ROWS + (epoch - 1) * self.rows_per_epoch
        return first, first + self.rows_per_epoch - 1

    def epochs_row(self, epoch: int) -> int:
        """0-based row of an epoch on the Epochs sheet."""
        return HEADER_ROWS + epoch - 1

    # ------------------------------------------------------------------ limits
    def check_limits(self) -> None:
        """Refuse, before anything is computed or written, a trace that cannot fit in a
        spreadsheet: the message gives the rows and columns it would need, which limit it
        breaks and the options that make it fit."""
        if self.columns:
            steps = self.n_rows - HEADER_ROWS
            if COLUMNS_HEAD + steps > EXCEL_MAX_COLS:
                raise WorkbookError(
                    f"the trace does not fit in a workbook with --layout columns: the Steps sheet "
                    f"would need {COLUMNS_HEAD + steps:,} columns (one per row of the trace: "
                    f"{self.detail_epochs:,} epochs in detail × {self.rows_per_epoch:,}), more "
                    f"than the {EXCEL_MAX_COLS:,} columns a spreadsheet holds; write fewer epochs "
                    "in detail (--detail-epochs), train fewer (--epochs) or use --layout rows"
                )
        problems = []
        need = (
            f"the Steps sheet would need {self.n_rows:,} rows × {self.n_cols:,} columns "
            f"({self.detail_epochs:,} epochs in detail × {self.rows_per_epoch:,} rows, "
            f"plus {HEADER_ROWS} header rows)"
        )
        if self.n_rows > EXCEL_MAX_ROWS:
            fit = (EXCEL_MAX_ROWS - HEADER_ROWS) // self.rows_per_epoch
            if fit >= 1:
                problems.append(
                    f"more than the {EXCEL_MAX_ROWS:,} rows a spreadsheet holds; to fit, write "
                    f"at most {fit:,} epochs in detail with --detail-epochs {fit} (every epoch "
                    f"is still trained and summarised on the Epochs sheet) or train fewer with "
                    f"--epochs {fit}"
                )
            else:
                problems.append(
                    f"more than the {EXCEL_MAX_ROWS:,} rows a spreadsheet holds even for one "
                    f"epoch ({self.rows_per_epoch:,} rows); use fewer samples"
                )
        if self.n_cols > EXCEL_MAX_COLS:
            problems.append(
                f"more than the {EXCEL_MAX_COLS:,} columns a spreadsheet holds; use smaller "
                "layers (each weight needs 4 columns: in use, gradient, change, new; "
                "--detail-epochs and --epochs do not change the columns)"
            )
        # batch means and epoch losses are ranges (SUMPRODUCT(A3:A10)), so only the layer sizes
        # lengthen a formula: a hidden error sums one term per neuron of the next layer
        widest = max(self.sizes[1:])
        if widest * 16 > EXCEL_MAX_FORMULA:
            problems.append(
                f"a formula would sum {widest} terms, longer than a spreadsheet's "
                f"{EXCEL_MAX_FORMULA:,}-character formula limit; use smaller layers"
            )
        if problems:
            raise WorkbookError(
                f"the trace does not fit in a workbook: {need}, " + "; and ".join(problems)
            )

    # ------------------------------------------------------------------ formulas
    def _round(self, expr: str) -> str:
        d = self.spec.round
        return expr if d is None else f"ROUND({expr},{d})"

    def sample_formulas(self, first: bool, steps: Steps = EXACT) -> list[tuple[int, str]]:
        """(column, template) for a sample row; templates use ``{r}`` (this row), ``{p}`` (the
        row of the previous new weights), ``{d}`` (the sample's Setup data row), all 1-based.
        ``steps``: the shared steps' formulas (a :class:`~nnsheet.core.ops.Mistake`'s to build
        its slipped formulas)."""
        if self.spec.single:
            return self._single_formulas(first, steps)
        spec, L, R = self.spec, self.L, self._round
        n = self.sizes
        out: list[tuple[int, str]] = []
        st = self.setup
        for i in range(n[0]):
            out.append(
                (self.col("x", 0, i), f"{self.sheets.setup}!${col_name(st.x_col + i)}${{d}}")
            )
        for k in range(n[L]):
            out.append(
                (self.col("t", L, k), f"{self.sheets.setup}!${col_name(st.t_col + k)}${{d}}")
            )
        for l in range(1, L + 1):
            for j in range(n[l]):
                for i in range(n[l - 1]):
                    src = (
                        self.setup_ref("w", l, j, i)
                        if first
                        else f"{self.ref('w_new', l, j, i)}{{p}}"
                    )
                    out.append((self.col("w", l, j, i), src))
                src = self.setup_ref("b", l, j) if first else f"{self.ref('b_new', l, j)}{{p}}"
                out.append((self.col("b", l, j), src))
        a_prev = ("x", 0)
        for l in range(1, L + 1):
            act = ACTIVATIONS[spec.layers[l - 1].activation]
            pa = self.seg[a_prev]
            a_rng = f"{col_name(pa.first)}{{r}}:{col_name(pa.first + pa.size - 1)}{{r}}"
            for j in range(n[l]):
                w0, w1 = self.ref("w", l, j, 0), self.ref("w", l, j, n[l - 1] - 1)
                z = steps.net(
                    f"SUMPRODUCT({w0}{{r}}:{w1}{{r}},{a_rng})", f"{self.ref('b', l, j)}{{r}}"
                )
                out.append((self.col("z", l, j), R(z)))
            for j in range(n[l]):
                zc = f"{self.ref('z', l, j)}{{r}}"
                out.append((self.col("a", l, j), R(act.xl_value(zc))))
            a_prev = ("a", l)
        for k in range(n[L]):
            expr = steps.error(f"{self.ref('t', L, k)}{{r}}", f"{self.ref('a', L, k)}{{r}}")
            out.append((self.col("e", L, k), R(expr)))
        e0, e1 = self.ref("e", L, 0), self.ref("e", L, n[L] - 1)
        loss = LOSSES[spec.loss]
        out.append((self.col("loss"), R(loss.xl_value(f"{e0}{{r}}:{e1}{{r}}", n[L]))))
        if self.has("correct"):
            ys = [f"{self.ref('a', L, k)}{{r}}" for k in range(n[L])]
            ts = [f"{self.ref('t', L, k)}{{r}}" for k in range(n[L])]
            expr = correct_rule(spec.one_hot_targets).xl(ys, ts)
            out.append((self.col("correct"), expr))
        rule = RULES[spec.rule]
        for l in range(L, 0, -1):
            act = ACTIVATIONS[spec.layers[l - 1].activation]
            for j in range(n[l]):
                if l == L and spec.book_columns:
                    break  # δ_k reads e itself
                if l == L:
                    expr = rule.xl_output_err(loss, f"{self.ref('e', L, j)}{{r}}", n[L])
                else:
                    expr = self._hidden_err_formula(l, j, steps)
                out.append((self.col("err", l, j), R(expr)))
            for j in range(n[l]):
                zc, ac = f"{self.ref('z', l, j)}{{r}}", f"{self.ref('a', l, j)}{{r}}"
                out.append((self.col("fprime", l, j), R(steps.deriv(act, zc, ac))))
            for j in range(n[l]):
                expr = steps.delta(
                    f"{self.ref('err', l, j)}{{r}}", f"{self.ref('fprime', l, j)}{{r}}"
                )
                out.append((self.col("delta", l, j), R(expr)))
        book = spec.book_columns
        for l in range(1, L + 1):
            ain = ("x", 0) if l == 1 else ("a", l - 1)
            for j in range(n[l]):
                for i in range(n[l - 1]):
                    if book:
                        break
                    a_ref = f"{col_name(self.seg[ain].index(i))}{{r}}"
                    expr = f"{self.ref('delta', l, j)}{{r}}*{a_ref}"
                    out.append((self.col("grad_w", l, j, i), R(expr)))
            for j in range(n[l]):
                if book:
                    break
                out.append((self.col("grad_b", l, j), f"{self.ref('delta', l, j)}{{r}}"))
            # online, the sample's Δ is the update's: after the first, with its momentum term
            carry = self.online and not first and spec.momentum
            for j in range(n[l]):
                for i in range(n[l - 1]):
                    # the book's Δ = α·δ·input in one formula; else from the ∂ column
                    g = (
                        f"{self.ref('delta', l, j)}{{r}}*{col_name(self.seg[ain].index(i))}{{r}}"
                        if book
                        else f"{self.ref('grad_w', l, j, i)}{{r}}"
                    )
                    expr = steps.change(rule.sign, g)
                    if carry:
                        expr = self._momentum(steps, expr, self.ref("dw", l, j, i))
                    out.append((self.col("dw", l, j, i), R(expr)))
            if spec.update_biases:
                for j in range(n[l]):
                    g = f"{self.ref('delta' if book else 'grad_b', l, j)}{{r}}"
                    expr = steps.change(rule.sign, g)
                    if carry:
                        expr = self._momentum(steps, expr, self.ref("db", l, j))
                    out.append((self.col("db", l, j), R(expr)))
        return out

    def _single_formulas(self, first: bool, steps: Steps = EXACT) -> list[tuple[int, str]]:
        """A single-layer rule's row (design.md §12): x, t, the weights in use as references,
        then y_in, y, updated, e, loss, Δw, Δb as the rule computes them (``steps``: the exact
        formulas or a mistake's)."""
        spec, R, st, n = self.spec, self._round, self.setup, self.sizes
        S = self.sheets.setup
        out: list[tuple[int, str]] = []
        for i in range(n[0]):
            out.append((self.col("x", 0, i), f"{S}!${col_name(st.x_col + i)}${{d}}"))
        for k in range(n[1]):
            out.append((self.col("t", 1, k), f"{S}!${col_name(st.t_col + k)}${{d}}"))
        for j in range(n[1]):
            for i in range(n[0]):
                src = (
                    self.setup_ref("w", 1, j, i) if first else f"{self.ref('w_new', 1, j, i)}{{p}}"
                )
                out.append((self.col("w", 1, j, i), src))
            src = self.setup_ref("b", 1, j) if first else f"{self.ref('b_new', 1, j)}{{p}}"
            out.append((self.col("b", 1, j), src))
        rule = spec.rule

        def c(q: str, j: int | None = None, i: int | None = None) -> str:
            return f"{self.ref(q, 1 if q != 'loss' else None, j, i)}{{r}}"

        x_rng = f"{self.ref('x', 0, 0)}{{r}}:{self.ref('x', 0, n[0] - 1)}{{r}}"

        def xc(i: int) -> str:
            return f"{self.ref('x', 0, i)}{{r}}"

        for j in range(n[1]):
            if self.has("z", 1):
                z = steps.net(
                    f"SUMPRODUCT({c('w', j, 0)}:{c('w', j, n[0] - 1)},{x_rng})", c("b", j)
                )
                out.append((self.col("z", 1, j), R(z)))
        for j in range(n[1]):
            if rule == "perceptron":
                y = steps.theta_step(c("z", j), self.setup_ref("theta"))
                out.append((self.col("a", 1, j), y))
            elif rule == "adaline":
                out.append((self.col("a", 1, j), f"IF({c('z', j)}>=0,1,-1)"))
        if rule == "perceptron":
            for j in range(n[1]):
                out.append((self.col("updated", 1, j), steps.updated(c("a", j), c("t", j))))
        if rule == "adaline":
            for j in range(n[1]):
                expr = steps.error(c("t", j), c(steps.adaline_out, j))
                out.append((self.col("e", 1, j), R(expr)))
            e_rng = f"{c('e', 0)}:{c('e', n[1] - 1)}"
            out.append((self.col("loss"), R(LOSSES["mse"].xl_value(e_rng, n[1]))))
        for j in range(n[1]):
            factors = [xc(i) for i in range(n[0])] + [None]
            for i, x in enumerate(factors):
                if x is None and not spec.update_biases:
                    continue
                if rule == "hebb":
                    expr = steps.hebb(x, c("t", j))
                elif rule == "perceptron":
                    g = c(steps.teacher, j) + ("" if x is None else f"*{x}")
                    expr = steps.gate(c("updated", j), steps.change(+1, g))
                else:
                    g = c("e", j) + ("" if x is None else f"*{x}")
                    expr = steps.change(+1, g)
                col = self.col("db", 1, j) if x is None else self.col("dw", 1, j, i)
                out.append((col, R(expr)))
        return out

    def _momentum(self, steps: Steps, change: str, col: str) -> str:
        """Δ = the rule's ``change`` + μ·(the previous update's Δ, column ``col`` of row {p})."""
        return steps.momentum(change, self.setup_ref("momentum"), f"{col}{{p}}")

    def _hidden_err_formula(self, l: int, i: int, steps: Steps = EXACT) -> str:
        """err of neuron i of hidden layer l from layer l+1 (weights in use on this row)."""
        n = self.sizes
        hidden = hidden_error_rule(self.spec.rule, self.spec.hidden_error)
        # the updated weights sit on a sample row only when it applies the update (online)
        w = steps.weights if self.online else "w"
        sent = steps.sent(hidden.source)
        return hidden.xl(
            [
                (
                    f"{self.ref(w, l + 1, j, i)}{{r}}",
                    [f"{self.ref(w, l + 1, j, m)}{{r}}" for m in range(n[l])],
                    f"{self.ref(sent, l + 1, j)}{{r}}",
                )
                for j in range(n[l + 1])
            ]
        )

    def update_formulas(self, steps: Steps = EXACT, first: bool = True) -> list[tuple[int, str]]:
        """(column, template) for where an update is applied. Online: on the sample row itself
        (``{r}``). Batch: on the update row ``{r}``, averaging sample rows ``{f}``..``{l}`` of the
        batch (``{k}`` samples) and adding to the weights in use on row ``{f}``; with momentum,
        after the ``first`` update, plus μ·(the Δ of the previous update row ``{p}``)."""
        spec, L, R = self.spec, self.L, self._round
        carry = not first and bool(spec.momentum)
        n = self.sizes
        out: list[tuple[int, str]] = []
        w_row = "{r}" if self.online else "{f}"
        for l in range(1, L + 1):
            if not self.online:
                for j in range(n[l]):
                    for i in range(n[l - 1]):
                        c = self.ref("dw", l, j, i)
                        expr = self._mean(c)
                        if carry:
                            expr = self._momentum(steps, expr, c)
                        out.append((self.col("dw", l, j, i), R(expr)))
                if spec.update_biases:
                    for j in range(n[l]):
                        c = self.ref("db", l, j)
                        expr = self._mean(c)
                        if carry:
                            expr = self._momentum(steps, expr, c)
                        out.append((self.col("db", l, j), R(expr)))
        for l in range(1, L + 1):
            for j in range(n[l]):
                for i in range(n[l - 1]):
                    expr = steps.new(
                        f"{self.ref('w', l, j, i)}{w_row}", f"{self.ref('dw', l, j, i)}{{r}}"
                    )
                    out.append((self.col("w_new", l, j, i), R(expr)))
            for j in range(n[l]):
                if spec.update_biases:
                    expr = R(
                        steps.new(f"{self.ref('b', l, j)}{w_row}", f"{self.ref('db', l, j)}{{r}}")
                    )
                else:
                    expr = f"{self.ref('b', l, j)}{w_row}"
                out.append((self.col("b_new", l, j), expr))
        return out

    @staticmethod
    def _mean(col: str) -> str:
        """Mean of a column over the batch's sample rows {f}..{l}."""
        return f"SUMPRODUCT({col}{{f}}:{col}{{l}})/{{k}}"

    def epoch_formulas(self) -> dict[str, str]:
        """Epochs sheet formulas with ``{a}``..``{b}`` the epoch's Steps rows (1-based)."""
        if self.spec.single:
            return self._single_epoch_formulas()
        n = self.spec.n_samples
        loss = self.ref("loss")
        steps = self.sheets.steps
        out = {"epoch_loss": self._round(f"SUMPRODUCT({steps}!${loss}${{a}}:${loss}${{b}})/{n}")}
        if self.has("correct"):
            c = self.ref("correct")
            out["accuracy"] = self._round(f"SUMPRODUCT({steps}!${c}${{a}}:${c}${{b}})/{n}")
        return out

    def _single_epoch_formulas(self) -> dict[str, str]:
        """The single-layer rules' Epochs formulas over the epoch's Steps rows ``{a}``..``{b}``:
        the perceptron's count of updates, Adaline's loss and largest |Δ| (design.md §12)."""
        steps, n, out = self.sheets.steps, self.spec.n_samples, {}
        if self.has("updated", 1):
            u0, u1 = self.ref("updated", 1, 0), self.ref("updated", 1, self.sizes[1] - 1)
            out["epoch_updates"] = f"SUMPRODUCT({steps}!${u0}${{a}}:${u1}${{b}})"
        if self.spec.rule == "adaline":
            loss = self.ref("loss")
            out["epoch_loss"] = self._round(f"SUMPRODUCT({steps}!${loss}${{a}}:${loss}${{b}})/{n}")
            # Δw then Δb: one block of adjacent columns
            last = "db" if self.has("db", 1) else "dw"
            d0 = self.ref("dw", 1, 0, 0)
            seg = self.seg[(last, 1)]
            d1 = col_name(seg.first + seg.size - 1)
            rng = f"{steps}!${d0}${{a}}:${d1}${{b}}"
            out["max_change"] = f"MAX(MAX({rng}),-MIN({rng}))"
        return out

    @cached_property
    def epochs_columns(self) -> dict[str, int]:
        """The Epochs sheet's columns of this layout (0-based), by quantity."""
        if self.spec.single:
            return SINGLE_EPOCHS_COLUMNS[self.spec.rule]
        cols = dict(EPOCHS_COLUMNS)
        if not self.has("correct"):
            del cols["accuracy"]
        return cols

    # ------------------------------------------------------------------ values
    def _plan(
        self,
        quantities: tuple[str, ...],
        getter: Callable[[str, int | None], Callable],
    ) -> list[tuple[int, int, str, Callable]]:
        """(first column, end column, quantity, getter) of each segment of ``quantities``."""
        return [
            (s.first, s.first + s.size, s.quantity, getter(s.quantity, s.layer))
            for s in self.segments
            if s.quantity in quantities
        ]

    @cached_property
    def _sample_plan(self) -> list[tuple[int, int, str, Callable]]:
        return self._plan(SAMPLE_QUANTITIES, _sample_getter)

    @cached_property
    def _update_plan(self) -> list[tuple[int, int, str, Callable]]:
        return self._plan(UPDATE_QUANTITIES, _step_getter)

    @staticmethod
    def _fill(
        v: np.ndarray, rec: SampleRecord | StepRecord, plan: list[tuple[int, int, str, Callable]]
    ) -> np.ndarray:
        """Copy ``rec``'s values of the ``plan``'s quantities into their columns of ``v``."""
        no_db = rec.db is None
        for first, end, q, get in plan:
            if not (no_db and q == "db"):
                v[first:end] = np.ravel(get(rec))
        return v

    def sample_values(self, rec: SampleRecord) -> np.ndarray:
        """The engine's values of a sample row, indexed by column (NaN where not a sample
        quantity)."""
        v = self._fill(np.full(self.n_cols, np.nan), rec, self._sample_plan)
        v[0], v[1], v[2] = rec.epoch, rec.step, rec.sample
        return v

    def update_values(self, st: StepRecord, v: np.ndarray | None = None) -> np.ndarray:
        """The values of the update quantities (into ``v``, the online row's values)."""
        if v is None:
            v = np.full(self.n_cols, np.nan)
            v[0], v[1] = st.epoch, st.step
        return self._fill(v, st, self._update_plan)

    # ------------------------------------------------------------------ the cell stream
    # Every cell of a trace workbook, placed once: the Setup sheet, the Steps and Epochs headers,
    # then the records (a Steps row per sample or update, the cells of each epoch's summary). The
    # workbook writer, the exercise writer, the trace table and the grader's answer key all read
    # these; none of them computes an address.

    def cells(
        self,
        records: Iterable[StepRecord | EpochRecord],
        *,
        w0: list | None = None,
        b0: list | None = None,
        detail_only: bool = True,
    ) -> Iterator[Cell | StepsRow]:
        """The whole workbook in writing order (see :meth:`body` for ``detail_only``)."""
        yield from self.setup_cells(w0, b0)
        yield from self.steps_header_cells()
        yield from self.epochs_header_cells()
        yield from self.body(records, detail_only=detail_only)

    @cached_property
    def update_label(self) -> str:
        """The head of a batch's update row (where its sample number would be)."""
        return self.notation.word("update")

    @cached_property
    def letters(self) -> list[str]:
        """Column letters of the Steps sheet, by column."""
        return [col_name(c) for c in range(self.n_cols)]

    def columns_of(self, quantities: Iterable[str]) -> set[int]:
        """The Steps columns of the given quantities."""
        qs = set(quantities)
        return {
            seg.index(j, i)
            for seg in self.segments
            if seg.quantity in qs
            for j, i in seg.elements()
        }

    def _column_kinds(self, first: bool) -> list[str]:
        out = [COMPUTED] * self.n_cols
        for seg in self.segments:
            q = seg.quantity
            if q in ("epoch", "step", "sample"):
                kind = INDEX
            elif q in ("x", "t") or (first and q in ("w", "b")):
                kind = GIVEN  # a pure reference to the Setup sheet
            elif q in ("w", "b"):
                kind = CARRIED
            elif q == "correct":
                kind = HELPER
            else:
                kind = COMPUTED
            out[seg.first : seg.first + seg.size] = [kind] * seg.size
        return out

    @cached_property
    def kinds_first(self) -> list[str]:
        """Kind of each Steps column on the first row (weights in use read from Setup)."""
        return self._column_kinds(True)

    @cached_property
    def kinds_later(self) -> list[str]:
        """Kind of each Steps column on later rows (weights in use carried from the row above)."""
        return self._column_kinds(False)

    @cached_property
    def templates(self) -> dict[str, list[tuple[int, str]]]:
        """The Steps row templates: ``first``/``later`` sample rows (``first``: the weights in use
        are Setup's), ``update`` (a batch's update row); online rows are a sample row followed by
        the update (``first_online``/``later_online``)."""
        return self._template_sets(EXACT)

    def _template_sets(self, steps: Steps) -> dict[str, list[tuple[int, str]]]:
        sets = self._row_template_sets(steps)
        if not self.columns:
            return sets
        return {name: [(c, self.transpose(t)) for c, t in rows] for name, rows in sets.items()}

    def _row_template_sets(self, steps: Steps) -> dict[str, list[tuple[int, str]]]:
        """The templates as the rows layout writes them (column letters, row placeholders)."""
        first, later = (self.sample_formulas(first=f, steps=steps) for f in (True, False))
        update = self.update_formulas(steps, first=False)
        return {
            "first": first,
            "later": later,
            "update": update,
            "first_update": self.update_formulas(steps, first=True),
            "first_online": first + update,
            "later_online": later + update,
        }

    # ------------------------------------------------------------------ placement
    # The one place that says where a Steps cell sits. The cell stream speaks of *lines* (a
    # StepsRow's ``row``: one per sample or update, 0-based from the sheet's top in the rows
    # layout) and of the layout's columns (``c``: one per quantity element); the rows layout
    # puts line r, column c at (r, c), the columns layout at (c, r − 2 + 3): the quantities down
    # the sheet after the band, symbol and formula columns, one column per line. Templates and
    # their bindings are transposed alike (:meth:`transpose`, :meth:`bind`), so every formula is
    # the rows layout's with its references moved.

    def place(self, row: int, c: int) -> tuple[int, int]:
        """The sheet's (row, column) of line ``row``'s cell of column ``c`` (0-based)."""
        if self.columns:
            return c, row - HEADER_ROWS + COLUMNS_HEAD
        return row, c

    def unplace(self, r: int, c: int) -> tuple[int, int]:
        """The (line, column) of the sheet's cell (r, c): :meth:`place` undone."""
        if self.columns:
            return c - COLUMNS_HEAD + HEADER_ROWS, r
        return r, c

    def steps_ref(self, row: int, c: int) -> str:
        """A1 name of line ``row``'s cell of column ``c``."""
        return cell_name(*self.place(row, c))

    def steps_refs(self, row: int, cols: Iterable[int], letters: np.ndarray) -> list[str]:
        """A1 names of line ``row``'s cells of ``cols`` (``letters``: their column letters in the
        rows layout, the fast path of a long trace)."""
        if self.columns:
            return [self.steps_ref(row, int(c)) for c in cols]
        return list(letters + str(row + 1))

    def line(self, row1: int | None) -> int | str | None:
        """The value a template placeholder takes for the 1-based line ``row1``: the row
        number (rows layout) or the column letters (columns layout)."""
        if row1 is None or not self.columns:
            return row1
        return col_name(row1 - 1 - HEADER_ROWS + COLUMNS_HEAD)

    def bind(self, ctx: dict[str, int | None]) -> dict[str, int | str | None]:
        """A StepsRow's bindings for this layout (``{r}`` a row number, or column letters)."""
        if not self.columns:
            return ctx  # type: ignore[return-value]
        return {k: (self.line(v) if k in "rpfl" else v) for k, v in ctx.items()}

    def transpose(self, template: str) -> str:
        """A rows-layout template with every Steps reference moved to the columns layout:
        ``H{r}`` → ``{r}8`` (column H's quantity sits on row 8), ``$H${a}`` → ``${a}$8``."""
        t = _ROW_REF.sub(lambda m: f"{{{m[2]}}}{col_number(m[1]) + 1}", template)
        return _EPOCH_REF.sub(lambda m: f"${{{m[2]}}}${col_number(m[1]) + 1}", t)

    def slipped(self, code: str, templates: list[tuple[int, str]]) -> dict[int, str]:
        """A mistake's formulas (:data:`nnsheet.core.ops.MISTAKES`) for a row built from
        ``templates`` (one of :attr:`templates`' lists): by column, the templates of the
        mistake's quantities that the slip changes (none where it changes nothing, e.g. the
        derivative from net of a linear neuron)."""
        cache = self._slipped.get(code)
        if cache is None:
            m = MISTAKES[code]
            slipped = self._template_sets(m.steps)
            cols = self.columns_of(m.quantities)
            cache = self._slipped[code] = {}
            for name, rows in slipped.items():
                exact = tuple(self.templates[name])
                found = {
                    c: t for (c, t), (_, e) in zip(rows, exact, strict=True) if c in cols and t != e
                }
                if cache.setdefault(exact, found) != found:  # two kinds' rows alike: name none
                    cache[exact] = {}
        return cache.get(tuple(templates), {})

    @cached_property
    def epoch_templates(self) -> dict[str, str]:
        out = self.epoch_formulas()
        return {q: self.transpose(t) for q, t in out.items()} if self.columns else out

    # ---- Setup
    def setup_widths(self) -> list[tuple[int, int, float]]:
        """(first column, last column, width) of the Setup sheet's columns."""
        st, sizes, spec = self.setup, self.sizes, self.spec
        widest = max(st.table_shape(l, sizes)[1] for l in range(1, self.L + 1))
        last = max(3, sizes[0] + spec.n_outputs + 1, widest + 1)
        return [(0, 0, SETUP_LABEL_WIDTH), (1, last, SETUP_COL_WIDTH)]

    def setup_cells(self, w0: list | None = None, b0: list | None = None) -> Iterator[Cell]:
        """The Setup sheet, row by row: title, learning rate, settings, one weight table per layer
        (the notation chooses its orientation and headers), the data, the normalisation. ``w0``,
        ``b0``: the initial weights (by default the spec's)."""
        spec, nt, st, S = self.spec, self.notation, self.setup, self.sheets.setup
        if w0 is None or b0 is None:
            w0, b0 = initial_weights(spec)
        yield Cell(S, 0, 0, TITLE, f"nnsheet — {spec.title}")
        yield Cell(S, 1, 0, HEAD, nt.word("givens"))
        r, c = st.lr
        if spec.rule != "hebb":  # the Hebb rule has no learning rate
            yield Cell(S, r, 0, LABEL, f"{nt.word('learning_rate')} ({nt.symbol('lr')})")
            yield Cell(S, r, c, GIVEN, spec.learning_rate, quantity="lr", name="learning_rate")
        if spec.rule == "perceptron":
            r, c = self.setup_cell("theta")
            yield Cell(S, r, 0, LABEL, f"{nt.setting_label('theta')} ({nt.symbol('theta')})")
            yield Cell(S, r, c, GIVEN, spec.theta, quantity="theta", name="theta")
        if spec.momentum:
            r, c = self.setup_cell("momentum")
            yield Cell(S, r, 0, LABEL, f"{nt.word('momentum')} ({nt.symbol('momentum')})")
            yield Cell(S, r, c, GIVEN, spec.momentum, quantity="momentum")
        yield Cell(S, 5, 0, HEAD, nt.word("settings"))
        for k, (key, val) in enumerate(self.settings_rows()):
            val = setting_value(key, val, nt.lang)
            yield Cell(S, 6 + k, 0, LABEL, setting_label(key, nt.lang))
            if isinstance(val, int | float) and not isinstance(val, bool):
                yield Cell(S, 6 + k, 1, INTEGER, val)
            else:
                yield Cell(S, 6 + k, 1, TEXT, str(val))
        for l in range(1, self.L + 1):
            # one table per layer; its headers say which way it runs (the notation chooses)
            r0, _ = st.w_origin[l - 1]
            n_in = self.sizes[l - 1]
            yield Cell(S, r0 - 2, 0, HEAD, nt.table_caption(l))
            yield Cell(S, r0 - 1, 0, LABEL, nt.table_corner())
            table: list[Cell] = []  # yielded row by row below
            drawn = spec.nw_draws[l - 1] if spec.nw_draws else None
            for j in range(self.sizes[l]):
                for i in range(n_in):
                    r, c = st.w(l, j, i)
                    # Nguyen–Widrow: the weight training starts from is β·v_old/‖v_j‖, live
                    formula = None
                    if drawn is not None:
                        formula = (
                            f"{cell_name(*st.beta(l), absolute=True)}*"
                            f"{cell_name(*st.draw(l, j, i), absolute=True)}/"
                            f"{cell_name(*st.norm(l, j), absolute=True)}"
                        )
                    table.append(
                        Cell(
                            S,
                            r,
                            c,
                            GIVEN,
                            float(w0[l - 1][j, i]),
                            formula=formula,
                            quantity="w",
                            layer=l,
                            j=j,
                            i=i,
                        )
                    )
                r, c = st.b(l, j)
                table.append(Cell(S, r, c, GIVEN, float(b0[l - 1][j]), quantity="b", layer=l, j=j))
                r, c = (r0 - 1, c) if st.transposed else (r, 0)  # column / row j
                table.append(Cell(S, r, c, LABEL, f"{nt.word('to')} {nt.unit(l, j)}"))
            for i in range(n_in):
                r, c = st.w(l, 0, i)
                r, c = (r, 0) if st.transposed else (r0 - 1, c)  # row 1 + i / column i
                table.append(Cell(S, r, c, LABEL, f"{nt.word('from')} {nt.unit(l - 1, i)}"))
            r, c = st.b(l, 0)
            r, c = (r, 0) if st.transposed else (r0 - 1, c)
            table.append(Cell(S, r, c, LABEL, nt.bias_header(l)))
            if drawn is not None:
                table += self._nguyen_widrow_cells(l, drawn)
            yield from sorted(table, key=lambda cell: (cell.row, cell.col))
        dr, L = st.data_row, self.L
        yield Cell(S, dr - 3, 0, HEAD, nt.word("data"))
        for i, name in enumerate(spec.feature_names or ()):
            yield Cell(S, dr - 2, st.x_col + i, TEXT, str(name))
        for k, name in enumerate(spec.target_names or ()):
            yield Cell(S, dr - 2, st.t_col + k, TEXT, str(name))
        yield Cell(S, dr - 1, 0, LABEL, nt.word("sample"))
        for i in range(spec.n_inputs):
            yield Cell(S, dr - 1, st.x_col + i, LABEL, nt.symbol("x", 0, i))
        for k in range(spec.n_outputs):
            yield Cell(S, dr - 1, st.t_col + k, LABEL, nt.symbol("t", L, k))
        for s in range(spec.n_samples):
            yield Cell(S, dr + s, 0, INTEGER, s + 1)
            for i in range(spec.n_inputs):
                r, c = st.x(s, i)
                yield Cell(
                    S, r, c, GIVEN, float(spec.inputs[s, i]), quantity="x", layer=0, j=i, sample=s
                )
            for k in range(spec.n_outputs):
                r, c = st.t(s, k)
                yield Cell(
                    S, r, c, GIVEN, float(spec.targets[s, k]), quantity="t", layer=L, j=k, sample=s
                )
        if spec.normalization is not None:
            nm = spec.normalization
            r = dr + spec.n_samples + 1
            shift, scale = nt.word("shift"), nt.word("scale")
            yield Cell(S, r, 0, HEAD, f"normalize = {nm.method}: x' = (x − {shift}) / {scale}")
            yield Cell(S, r + 1, 0, LABEL, shift)
            yield Cell(S, r + 2, 0, LABEL, scale)
            for i, (sh, sc) in enumerate(zip(nm.shift, nm.scale, strict=True)):
                yield Cell(S, r + 1, st.x_col + i, NUMBER, sh)
                yield Cell(S, r + 2, st.x_col + i, NUMBER, sc)

    @cached_property
    def setup_computed(self) -> frozenset[str]:
        """The Setup cells (A1 names) of givens computed there from other givens: the weights
        Nguyen–Widrow rescales from its draws (the draws themselves are the givens)."""
        return frozenset(
            cell_name(*self.setup.w(l + 1, j, i))
            for l, drawn in enumerate(self.spec.nw_draws)
            if drawn is not None
            for j in range(drawn.shape[0])
            for i in range(drawn.shape[1])
        )

    def nw_draws_range(self, l: int) -> str:
        """The range (absolute A1) of all of layer ``l``'s Nguyen–Widrow draws (a rectangle: the
        norms sit beside it, where the biases sit beside the weights)."""
        p, n = self.sizes[l], self.sizes[l - 1]
        first, last = self.setup.draw(l, 0, 0), self.setup.draw(l, p - 1, n - 1)
        return f"{cell_name(*first, absolute=True)}:{cell_name(*last, absolute=True)}"

    @cached_property
    def init_cells(self) -> tuple[Cell, ...]:
        """The Nguyen–Widrow work a learner computes (``--ask init``): per layer drawn, each
        unit's norm (``nw_norm``), β (``nw_beta``), then the rescaled weights (the weight
        table's live formulas, as quantity ``nw_w``). Empty without Nguyen–Widrow."""
        if all(d is None for d in self.spec.nw_draws):
            return ()
        order = {"nw_norm": 0, "nw_beta": 1, "nw_w": 2}
        out = []
        for c in self.setup_cells():
            if c.formula is None or c.layer is None:
                continue
            if c.quantity == "w":
                c = dataclasses.replace(c, quantity="nw_w")
            if c.quantity in order:
                out.append(c)
        return tuple(sorted(out, key=lambda c: (c.layer, order[c.quantity], c.j or 0, c.i or 0)))

    def _nguyen_widrow_cells(self, l: int, drawn: np.ndarray) -> list[Cell]:
        """The Nguyen–Widrow work of layer ``l`` below its weight table: the draws v_old (givens,
        laid out like the weight table), each unit's norm ‖v_j‖ where its bias would be, and β
        (live formulas; the weight table above rescales the draws with them)."""
        st, nt, S = self.setup, self.notation, self.sheets.setup
        p, n = self.sizes[l], self.sizes[l - 1]
        shift = st.nw_row[l - 1] - st.w_origin[l - 1][0]  # type: ignore[operator]
        beta_val = 0.7 * p ** (1.0 / n)
        out = [
            Cell(S, st.nw_row[l - 1] - 2, 0, HEAD, nt.nw_caption(l, p, n)),  # type: ignore[operator]
            Cell(S, st.nw_row[l - 1] - 1, 0, LABEL, nt.table_corner()),  # type: ignore[operator]
        ]
        for j in range(p):
            first, last = st.draw(l, j, 0), st.draw(l, j, n - 1)
            rng = f"{cell_name(*first, absolute=True)}:{cell_name(*last, absolute=True)}"
            for i in range(n):
                r, c = st.draw(l, j, i)
                out.append(
                    Cell(S, r, c, GIVEN, float(drawn[j, i]), quantity="nw_draw", layer=l, j=j, i=i)
                )
            r, c = st.norm(l, j)
            norm = float(np.sqrt(np.sum(drawn[j] * drawn[j])))
            out.append(
                Cell(
                    S,
                    r,
                    c,
                    COMPUTED,
                    norm,
                    formula=xl_nw_norm(rng),
                    quantity="nw_norm",
                    layer=l,
                    j=j,
                )
            )
            r, c = st.w(l, j, 0)
            r, c = (st.w_origin[l - 1][0] - 1, st.b(l, j)[1]) if st.transposed else (r, 0)
            out.append(Cell(S, r + shift, c, LABEL, f"{nt.word('to')} {nt.unit(l, j)}"))
        for i in range(n):
            r, c = st.w(l, 0, i)
            r, c = (r, 0) if st.transposed else (st.w_origin[l - 1][0] - 1, c)
            out.append(Cell(S, r + shift, c, LABEL, f"{nt.word('from')} {nt.unit(l - 1, i)}"))
        r, c = st.b(l, 0)
        r, c = (r, 0) if st.transposed else (st.w_origin[l - 1][0] - 1, c)
        out.append(Cell(S, r + shift, c, LABEL, nt.symbol("nw_norm", l)))
        r, c = st.beta(l)
        out.append(Cell(S, r, 0, LABEL, nt.beta_label(p, n)))
        out.append(
            Cell(
                S,
                r,
                c,
                COMPUTED,
                beta_val,
                formula=xl_nw_beta(p, n),
                quantity="nw_beta",
                layer=l,
            )
        )
        return out

    # ---- Steps and Epochs headers
    def steps_widths(self) -> list[tuple[int, int, float]]:
        """(first column, last column, width) of each band of the Steps sheet (columns layout:
        of the band, symbol and formula columns, then of the steps' columns)."""
        if self.columns:
            last = COLUMNS_HEAD + max(1, self.n_rows - HEADER_ROWS) - 1
            return [
                (0, 0, BAND_COL_WIDTH),
                (1, 1, SYMBOL_COL_WIDTH),
                (2, 2, WORDS_COL_WIDTH),
                (COLUMNS_HEAD, last, STEPS_COL_WIDTH),
            ]
        return [
            (c0, c1, STEP_COL_WIDTH if band == "step" else STEPS_COL_WIDTH)
            for band, c0, c1 in self.band_ranges
        ]

    def steps_header_cells(self) -> Iterator[Cell]:
        """Row 1: each band's name over its columns; row 2: each column's symbol. Columns
        layout: the same headers transposed (column A: each band's name down its rows; column
        B: each row's symbol), then column C: each row's formula in words."""
        if self.columns:
            yield from self._columns_header_cells()
            return
        nt = self.notation
        for band, c0, c1 in self.band_ranges:
            yield Cell(
                self.sheets.steps, 0, c0, BAND, nt.word("band." + band), band=band, last_col=c1
            )
        for seg in self.segments:
            for j, i in seg.elements():
                yield Cell(
                    self.sheets.steps,
                    1,
                    seg.index(j, i),
                    SYMBOL,
                    nt.symbol(seg.quantity, seg.layer, j, i),
                    quantity=seg.quantity,
                    layer=seg.layer,
                    j=j,
                    i=i,
                    band=seg.band,
                )

    def _columns_header_cells(self) -> Iterator[Cell]:
        nt, S = self.notation, self.sheets.steps
        words = self.formula_words
        for band, c0, c1 in self.band_ranges:
            name = nt.word("band." + band)
            yield Cell(S, c0, 0, BAND, name, band=band, last_row=c1)
            for seg in (s for s in self.segments if s.band == band):
                for j, i in seg.elements():
                    c = seg.index(j, i)
                    symbol = nt.symbol(seg.quantity, seg.layer, j, i)
                    q, ly = seg.quantity, seg.layer
                    yield Cell(S, c, 1, SYMBOL, symbol, quantity=q, layer=ly, j=j, i=i, band=band)
                    if c == 0:  # the epoch's row has no formula: the column's head
                        yield Cell(S, c, 2, HEAD, columns_text("formula_head", nt.lang))
                    elif words[c]:
                        yield Cell(S, c, 2, TEXT, words[c], band=band)

    @cached_property
    def formula_words(self) -> list[str]:
        """Each column's formula in the book's notation (the columns layout's formula column),
        read from the column's own template (:func:`~nnsheet.sheet.spoken.spoken`): the givens
        say where they come from, the weights in use that they are the step before's new ones."""
        nt, lang = self.notation, self.notation.lang
        sym = {
            col_name(seg.index(j, i)): nt.symbol(seg.quantity, seg.layer, j, i)
            for seg in self.segments
            for j, i in seg.elements()
        }
        setup = {
            cell_name(c.row, c.col): nt.symbol(c.quantity, c.layer, c.j, c.i)
            for c in self.setup_cells()
            if c.kind == GIVEN and c.quantity is not None
        }
        here = {"r": 5, "p": 4, "d": 9, "f": 3, "l": 4, "k": 2}  # rows of the rows layout

        def symbol(sheet: str | None, ref: str) -> str:
            if sheet is None and ref == "learning_rate":
                return nt.symbol("lr")
            if sheet is not None:
                return setup.get(ref.replace("$", ""), ref)
            letters = ref.rstrip("0123456789")
            s = sym.get(letters, ref)
            if ref[len(letters) :] == str(here["p"]):
                return columns_text("previous", lang, s=s)
            return s

        sets = self._row_template_sets(EXACT)
        found: dict[int, str] = {}
        for name in ("later_online",) if self.online else ("later", "update"):
            for c, tmpl in sets[name]:
                if c in found:
                    continue
                try:
                    found[c] = spoken(parse(tmpl.format_map(here)), symbol, nt.number, lang)
                except (FormulaError, KeyError, ValueError):
                    found[c] = ""
        out = [""] * self.n_cols
        for seg in self.segments:
            for j, i in seg.elements():
                c = seg.index(j, i)
                if seg.quantity in ("x", "t"):
                    out[c] = columns_text("given", lang, setup=self.sheets.setup)
                elif seg.quantity == "a":  # the activation as the book writes it (the
                    # workbook's formula guards EXP against overflow with an IF)
                    act = ACTIVATIONS[self.spec.layers[seg.layer - 1].activation]  # type: ignore[operator]
                    out[c] = act.text_value(nt.symbol("z", seg.layer, j, i))
                elif seg.quantity == "correct":
                    out[c] = columns_text("correct", lang)
                elif seg.quantity in ("w", "b"):
                    new = nt.symbol(seg.quantity + "_new", seg.layer, j, i)
                    out[c] = columns_text("carried", lang, new=new, setup=self.sheets.setup)
                else:
                    out[c] = found.get(c, "")
        return out

    def epochs_widths(self) -> list[tuple[int, int, float]]:
        return [(c, c, w) for c, w in enumerate(EPOCHS_WIDTHS)]

    def epochs_header_cells(self) -> Iterator[Cell]:
        nt = self.notation
        if self.spec.single:
            yield from self._single_epochs_header_cells()
            return
        yield Cell(self.sheets.epochs, 0, 0, HEAD, nt.word("epoch_loss"))
        heads = [("epoch", nt.word("epoch")), ("epoch_loss", nt.symbol("epoch_loss"))]
        if self.has("correct"):
            heads.append(("accuracy", nt.symbol("accuracy")))
        for q, text in heads:
            yield Cell(
                self.sheets.epochs, 1, EPOCHS_COLUMNS[q], SYMBOL, text, quantity=q, band="errors"
            )

    def _single_epochs_header_cells(self) -> Iterator[Cell]:
        """A single-layer rule's Epochs headers, and its test table's (design.md §12)."""
        nt, E = self.notation, self.sheets.epochs
        yield Cell(E, 0, 0, HEAD, nt.word("epochs_single"))
        for q, col in self.epochs_columns.items():
            text = nt.word("epoch") if q == "epoch" else nt.symbol(q)
            yield Cell(E, 1, col, SYMBOL, text, quantity=q, band="errors")

    def test_row(self, epoch: int) -> int:
        """The 0-based Epochs row of the test table's first pattern: below the last epoch
        trained (``epoch``), its note, a blank row, the caption and the header, and never
        beside the Epochs chart (which stands right of the epochs from row 2)."""
        return max(self.epochs_row(epoch) + 5, TEST_FIRST_ROW)

    @cached_property
    def test_columns(self) -> list[tuple[int, str, int | None]]:
        """The test table's columns on the Epochs sheet: (column, quantity, unit 0-based)."""
        n0, n1 = self.sizes
        out: list[tuple[int, str, int | None]] = [(TEST_COL, "sample", None)]
        for q, size in (("x", n0), ("t", n1), ("test_z", n1), ("test_y", n1)):
            out += [(TEST_COL + len(out) + k, q, k) for k in range(size)]
        out.append((TEST_COL + len(out), "match", None))
        return out

    def test_col(self, q: str, j: int | None = None) -> int:
        return next(c for c, qq, jj in self.test_columns if qq == q and jj == j)

    def test_cells(self, rec: TestRecord, last_row: int | None) -> Iterator[Cell]:
        """The test table (design.md §12): per pattern its x and t (references to Setup), the
        trained net's y_in and y, and whether y = t. ``last_row``: the 1-based Steps row of the
        trained weights (None: not written in detail; the cells then hold plain values)."""
        spec, st, E, R, nt = self.spec, self.setup, self.sheets.epochs, self._round, self.notation
        n0, n1 = self.sizes
        steps, S = self.sheets.steps, self.sheets.setup
        top = self.test_row(rec.epoch)
        yield Cell(E, top - 2, TEST_COL, HEAD, nt.word("test"))
        for col, q, j in self.test_columns:
            text = nt.word(q) if q in ("sample", "match") else nt.symbol(q, int(q != "x"), j)
            yield Cell(E, top - 1, col, SYMBOL, text, band="forward")
        for s in range(spec.n_samples):
            r, d = top + s, st.data_row + s + 1
            yield Cell(E, r, TEST_COL, INTEGER, s + 1, sample=s)
            for i in range(n0):
                xr = f"{S}!${col_name(st.x_col + i)}${d}"
                yield Cell(E, r, self.test_col("x", i), GIVEN, float(spec.inputs[s, i]), xr)
            for k in range(n1):
                tr = f"{S}!${col_name(st.t_col + k)}${d}"
                yield Cell(E, r, self.test_col("t", k), GIVEN, float(spec.targets[s, k]), tr)
            for q in ("test_z", "test_y"):
                for k in range(n1):
                    formula = None
                    if last_row is not None:
                        formula = self._test_formula(q, k, r, d, last_row, steps, S, R)
                    v = rec.z[s, k] if q == "test_z" else rec.y[s, k]
                    yield Cell(
                        E,
                        r,
                        self.test_col(q, k),
                        COMPUTED,
                        float(v),
                        formula=formula,
                        quantity=q,
                        layer=1,
                        j=k,
                        sample=s,
                        epoch=rec.epoch,
                    )
            ys = [cell_name(r, self.test_col("test_y", k)) for k in range(n1)]
            ts = [cell_name(r, self.test_col("t", k)) for k in range(n1)]
            match = "*".join(f"IF({y}={t},1,0)" for y, t in zip(ys, ts, strict=True))
            yield Cell(E, r, self.test_col("match"), HELPER, float(rec.match[s]), formula=match)

    def _test_formula(
        self, q: str, k: int, r: int, d: int, last: int, steps: str, S: str, R: Callable
    ) -> str:
        n0 = self.sizes[0]
        if q == "test_z":
            # the trained weights: line ``last`` (1-based) of Steps, wherever the layout puts it
            def trained(qq: str, i: int | None = None) -> str:
                return cell_name(*self.place(last - 1, self.col(qq, 1, k, i)), absolute=True)

            w0, w1, b = trained("w_new", 0), trained("w_new", n0 - 1), trained("b_new")
            x0 = cell_name(r, self.test_col("x", 0))
            x1 = cell_name(r, self.test_col("x", n0 - 1))
            if self.columns:  # the weights run down a column, the inputs along a row
                terms = [
                    f"{steps}!{trained('w_new', i)}*{cell_name(r, self.test_col('x', i))}"
                    for i in range(n0)
                ]
                return R(f"{'+'.join(terms)}+{steps}!{b}")
            return R(f"SUMPRODUCT({steps}!{w0}:{w1},{x0}:{x1})+{steps}!{b}")
        z = cell_name(r, self.test_col("test_z", k))
        rule = self.spec.rule
        if rule == "perceptron":
            return EXACT.theta_step(z, self.setup_ref("theta"))
        low = 0 if rule == "hebb" and self.spec.binary_targets else -1
        return f"IF({z}>=0,1,{low})"

    # ---- the records
    def body(
        self,
        records: Iterable[StepRecord | EpochRecord],
        *,
        detail_only: bool = True,
    ) -> Iterator[Cell | StepsRow]:
        """A :class:`StepsRow` per sample row and update row of each step, the :class:`Cell`\\ s
        of each epoch's summary, in the order of ``records``. Steps of epochs beyond
        ``detail_epochs`` are skipped, or with ``detail_only=False`` yielded without cells."""
        online, batch_size = self.online, self.spec.batch_size
        tm, d0, detail = self.templates, self.setup.data_row, self.detail_epochs
        kinds_first, kinds_later = self.kinds_first, self.kinds_later
        prev: int | None = None  # 1-based row of the previous new weights
        cycle: tuple[int, int] | None = None  # a perceptron's first repeat (later, earlier)
        for rec in records:
            if isinstance(rec, TestRecord):
                detailed = rec.epoch <= detail
                yield from self.test_cells(rec, prev if detailed else None)
                continue
            if not isinstance(rec, StepRecord):
                if getattr(rec, "repeats", None) is not None and cycle is None:
                    cycle = (rec.epoch, rec.repeats)  # type: ignore[assignment]
                yield from self.epoch_cells(rec, cycle)
                continue
            detailed = rec.epoch <= detail
            if not detailed and detail_only:
                continue
            first = prev is None
            kinds = kinds_first if first else kinds_later
            if online:
                tmpl, kind = (tm["first_online"] if first else tm["later_online"]), ONLINE_ROW
            else:
                tmpl, kind = (tm["first"] if first else tm["later"]), SAMPLE_ROW
            row: int | None = None
            ctx: dict[str, int | str | None] | None = None
            for s in rec.samples:
                v = self.sample_values(s)
                if online:
                    self.update_values(rec, v)
                if detailed:
                    row = self.sample_row(rec.epoch, s.sample - 1)
                    ctx = self.bind({"r": row + 1, "p": prev, "d": d0 + s.sample})
                yield StepsRow(kind, row, rec.epoch, rec.step, s.sample, tmpl, ctx, v, kinds)
            if online:
                if detailed:
                    prev = row + 1  # type: ignore[operator]
                continue
            if detailed:
                first_row = self.sample_row(rec.epoch, rec.samples[0].sample - 1)
                row = self.update_row(rec.epoch, (rec.samples[0].sample - 1) // batch_size)
                ctx = self.bind(
                    {"r": row + 1, "f": first_row + 1, "l": row, "k": len(rec.samples), "p": prev}
                )
                prev = row + 1
            yield StepsRow(
                UPDATE_ROW,
                row,
                rec.epoch,
                rec.step,
                None,
                tm["first_update"] if first else tm["update"],
                ctx,
                self.update_values(rec),
                kinds_later,
            )

    def epoch_cells(self, ep: EpochRecord, cycle: tuple[int, int] | None = None) -> Iterator[Cell]:
        """An epoch's row on the Epochs sheet: its number, its loss and accuracy (formulas over
        its Steps rows when the epoch is written in detail, else plain values); a single-layer
        rule's count of updates or largest |Δ|. ``cycle``: a perceptron's repeat seen so far."""
        r = self.epochs_row(ep.epoch)
        yield Cell(
            self.sheets.epochs, r, EPOCHS_COLUMNS["epoch"], INTEGER, ep.epoch, epoch=ep.epoch
        )
        a, b = self.epoch_rows(ep.epoch)
        detailed = ep.epoch <= self.detail_epochs
        values = {
            "epoch_loss": ep.loss,
            "accuracy": ep.accuracy,
            "epoch_updates": ep.updates,
            "max_change": ep.max_change,
        }
        for q, tmpl in self.epoch_templates.items():
            value = values[q]
            yield Cell(
                self.sheets.epochs,
                r,
                self.epochs_columns[q],
                COMPUTED,
                float(value),  # type: ignore[arg-type]
                formula=tmpl.format(a=self.line(a + 1), b=self.line(b + 1)) if detailed else None,
                quantity=q,
                epoch=ep.epoch,
            )
        note = self.notation.stop_note(ep, self.spec, cycle)
        if note is not None:  # where and why training stopped: the line below its last epoch
            # across the table's columns, wrapped there (the chart stands to the right)
            last = max(self.epochs_columns.values(), default=0)
            last = max(last, len(EPOCHS_WIDTHS) - 1)
            yield Cell(self.sheets.epochs, r + 1, 0, TEXT, note, epoch=ep.epoch, last_col=last)
