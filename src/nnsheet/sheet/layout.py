"""The one layout map: where every trace value sits in the workbook, and its formula.

The workbook writer, the ``sheet``/``cell`` columns of the trace table, the exercise template and
the grader all ask this module; nothing else computes an address.

Steps sheet (DESIGN §4): two header rows (band, symbol), then one row per sample (online: that row
also applies the update) and, in batch and mini-batch modes, an update row after each batch.
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

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from xlsxwriter.utility import xl_col_to_name

from ..core.engine import SampleRecord, StepRecord
from ..core.errors import WorkbookError
from ..core.ops import ACTIVATIONS, LOSSES, RULES, correct_rule, hidden_error_rule, xl_dw
from ..core.spec import Spec
from ..words.notation import Notation

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
EXCEL_MAX_FORMULA = 8_192
HEADER_ROWS = 2

#: the English sheet names; a layout's own (its language's) are ``Layout.sheets``
STEPS, SETUP, EPOCHS, GUIDE = "Steps", "Setup", "Epochs", "Guide"
BANDS = ("step", "data", "weights", "forward", "errors", "backward", "gradients", "new")

#: quantities computed per sample (sample rows) and per update (update rows / online rows)
SAMPLE_QUANTITIES = (
    "x", "t", "w", "b", "z", "a", "e", "loss", "correct", "err", "fprime", "delta",
    "grad_w", "grad_b", "dw", "db",
)  # fmt: skip
UPDATE_QUANTITIES = ("dw", "db", "w_new", "b_new")


@dataclass(frozen=True)
class Segment:
    """One quantity of one layer on the Steps sheet: a run of adjacent columns."""

    quantity: str
    layer: int | None  # DESIGN numbering: 0 = inputs, 1..L
    shape: tuple[int, ...]  # () scalar, (n,) vector, (n, m) matrix
    band: str
    first: int  # first column (0-based)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

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


def col_name(c: int) -> str:
    return xl_col_to_name(c)


def cell_name(row: int, col: int, absolute: bool = False) -> str:
    """A1-style name of a 0-based (row, col)."""
    if absolute:
        return f"${xl_col_to_name(col)}${row + 1}"
    return f"{xl_col_to_name(col)}{row + 1}"


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

    def w(self, layer: int, j: int, i: int) -> tuple[int, int]:
        r, c = self.w_origin[layer - 1]
        if self.transposed:
            return r + 1 + i, c + j
        return r + j, c + i

    def b(self, layer: int, j: int) -> tuple[int, int]:
        r, c = self.w_origin[layer - 1]
        if self.transposed:
            return r, c + j
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

    def __init__(self, spec: Spec, notation: Notation, detail_epochs: int | None = None) -> None:
        self.spec = spec
        self.notation = notation
        #: the sheet names in the notation's language
        self.sheets = notation.sheets
        self.L = spec.n_layers
        self.sizes = spec.sizes
        self.online = spec.mode == "online"
        self.detail_epochs = spec.epochs if detail_epochs is None else min(detail_epochs,
                                                                          spec.epochs)
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
        for l in range(L, 0, -1):
            add("err", l, (n[l],), "backward")
            add("fprime", l, (n[l],), "backward")
            add("delta", l, (n[l],), "backward")
        for l in range(1, L + 1):
            add("grad_w", l, (n[l], n[l - 1]), "gradients")
            add("grad_b", l, (n[l],), "gradients")
            add("dw", l, (n[l], n[l - 1]), "gradients")
            if spec.update_biases:
                add("db", l, (n[l],), "gradients")
        for l in range(1, L + 1):
            add("w_new", l, (n[l], n[l - 1]), "new")
            add("b_new", l, (n[l],), "new")

    def _band_ranges(self) -> list[tuple[str, int, int]]:
        out: list[tuple[str, int, int]] = []
        for s in self.segments:
            end = s.first + s.size - 1
            if out and out[-1][0] == s.band:
                out[-1] = (s.band, out[-1][1], end)
            else:
                out.append((s.band, s.first, end))
        return out

    def col(self, q: str, layer: int | None = None, j: int | None = None,
            i: int | None = None) -> int:  # fmt: skip
        return self.seg[(q, layer)].index(j, i)

    def ref(self, q: str, layer: int | None = None, j: int | None = None,
            i: int | None = None) -> str:  # fmt: skip
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
        for ly in spec.layers:
            row += 2  # caption, column header
            origins.append((row, 1))
            bcols.append(1 + ly.weights.shape[1])
            # as many rows in either orientation, so the data table sits in the same cells
            # whatever the notation (transposed: the bias row, then one per sending neuron)
            row += max(ly.size, ly.weights.shape[1] + 1) + 1
        row += 1  # caption of the data table; next row is its header (and names above it)
        row += 2
        return SetupMap(lr, tuple(origins), tuple(bcols), row, 1, 1 + spec.n_inputs,
                        self.notation.transposed)

    def settings_rows(self) -> list[tuple[str, object]]:
        """The settings listed on the Setup sheet (labels are English keys of the spec)."""
        s = self.spec
        rows: list[tuple[str, object]] = [
            ("preset", s.preset), ("rule", s.rule),
        ]
        if s.rule == "error" and self.L > 1:
            rows.append(("hidden_error", s.hidden_error))
        rows += [
            ("loss", s.loss), ("mode", s.mode_text), ("epochs", s.epochs),
            ("update_biases", "true" if s.update_biases else "false"),
            ("round", "none" if s.round is None else s.round),
            ("activations", ", ".join(ly.activation for ly in s.layers)),
            ("layer sizes", "-".join(map(str, s.sizes))),
            ("init", f"seed {s.seed}, uniform({s.init_low:g}, {s.init_high:g})"),
        ]
        if s.normalization is not None:
            rows.append(("normalize", s.normalization.method))
        return rows

    def setup_cell(self, q: str, layer: int | None = None, j: int | None = None,
                   i: int | None = None, sample: int | None = None) -> tuple[int, int]:  # fmt: skip
        """(row, col) on Setup of a step-0 given; ``sample`` is 0-based."""
        st = self.setup
        if q == "lr":
            return st.lr
        if q == "w":
            return st.w(layer, j, i)  # type: ignore[arg-type]
        if q == "b":
            return st.b(layer, j)  # type: ignore[arg-type]
        if q == "x":
            return st.x(sample, j)  # type: ignore[arg-type]
        if q == "t":
            return st.t(sample, j)  # type: ignore[arg-type]
        raise KeyError(q)

    def setup_ref(self, q: str, layer: int | None = None, j: int | None = None,
                  i: int | None = None, sample: int | None = None) -> str:  # fmt: skip
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
        problems = []
        need = (f"the Steps sheet would need {self.n_rows:,} rows × {self.n_cols:,} columns "
                f"({self.detail_epochs:,} epochs in detail × {self.rows_per_epoch:,} rows, "
                f"plus {HEADER_ROWS} header rows)")  # fmt: skip
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
            raise WorkbookError(f"the trace does not fit in a workbook: {need}, "
                                + "; and ".join(problems))

    # ------------------------------------------------------------------ formulas
    def _round(self, expr: str) -> str:
        d = self.spec.round
        return expr if d is None else f"ROUND({expr},{d})"

    def sample_formulas(self, first: bool) -> list[tuple[int, str]]:
        """(column, template) for a sample row; templates use ``{r}`` (this row), ``{p}`` (the
        row of the previous new weights), ``{d}`` (the sample's Setup data row), all 1-based."""
        spec, L, R = self.spec, self.L, self._round
        n = self.sizes
        out: list[tuple[int, str]] = []
        st = self.setup
        for i in range(n[0]):
            out.append((self.col("x", 0, i),
                        f"{self.sheets.setup}!${col_name(st.x_col + i)}${{d}}"))
        for k in range(n[L]):
            out.append((self.col("t", L, k),
                        f"{self.sheets.setup}!${col_name(st.t_col + k)}${{d}}"))
        for l in range(1, L + 1):
            for j in range(n[l]):
                for i in range(n[l - 1]):
                    src = (self.setup_ref("w", l, j, i) if first
                           else f"{self.ref('w_new', l, j, i)}{{p}}")
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
                z = f"SUMPRODUCT({w0}{{r}}:{w1}{{r}},{a_rng})+{self.ref('b', l, j)}{{r}}"
                out.append((self.col("z", l, j), R(z)))
            for j in range(n[l]):
                zc = f"{self.ref('z', l, j)}{{r}}"
                out.append((self.col("a", l, j), R(act.xl_value(zc))))
            a_prev = ("a", l)
        for k in range(n[L]):
            expr = f"{self.ref('t', L, k)}{{r}}-{self.ref('a', L, k)}{{r}}"
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
                if l == L:
                    expr = rule.xl_output_err(loss, f"{self.ref('e', L, j)}{{r}}", n[L])
                else:
                    expr = self._hidden_err_formula(l, j)
                out.append((self.col("err", l, j), R(expr)))
            for j in range(n[l]):
                zc, ac = f"{self.ref('z', l, j)}{{r}}", f"{self.ref('a', l, j)}{{r}}"
                out.append((self.col("fprime", l, j), R(act.xl_deriv(zc, ac))))
            for j in range(n[l]):
                expr = f"{self.ref('err', l, j)}{{r}}*{self.ref('fprime', l, j)}{{r}}"
                out.append((self.col("delta", l, j), R(expr)))
        for l in range(1, L + 1):
            ain = ("x", 0) if l == 1 else ("a", l - 1)
            for j in range(n[l]):
                for i in range(n[l - 1]):
                    a_ref = f"{col_name(self.seg[ain].index(i))}{{r}}"
                    expr = f"{self.ref('delta', l, j)}{{r}}*{a_ref}"
                    out.append((self.col("grad_w", l, j, i), R(expr)))
            for j in range(n[l]):
                out.append((self.col("grad_b", l, j), f"{self.ref('delta', l, j)}{{r}}"))
            for j in range(n[l]):
                for i in range(n[l - 1]):
                    g = f"{self.ref('grad_w', l, j, i)}{{r}}"
                    out.append((self.col("dw", l, j, i), R(xl_dw(rule.sign, g))))
            if spec.update_biases:
                for j in range(n[l]):
                    g = f"{self.ref('grad_b', l, j)}{{r}}"
                    out.append((self.col("db", l, j), R(xl_dw(rule.sign, g))))
        return out

    def _hidden_err_formula(self, l: int, i: int) -> str:
        """err of neuron i of hidden layer l from layer l+1 (weights in use on this row)."""
        n = self.sizes
        hidden = hidden_error_rule(self.spec.rule, self.spec.hidden_error)
        return hidden.xl([(f"{self.ref('w', l + 1, j, i)}{{r}}",
                           [f"{self.ref('w', l + 1, j, m)}{{r}}" for m in range(n[l])],
                           f"{self.ref(hidden.source, l + 1, j)}{{r}}")
                          for j in range(n[l + 1])])

    def update_formulas(self) -> list[tuple[int, str]]:
        """(column, template) for where an update is applied. Online: on the sample row itself
        (``{r}``). Batch: on the update row ``{r}``, averaging sample rows ``{f}``..``{l}`` of the
        batch (``{k}`` samples) and adding to the weights in use on row ``{f}``."""
        spec, L, R = self.spec, self.L, self._round
        n = self.sizes
        out: list[tuple[int, str]] = []
        w_row = "{r}" if self.online else "{f}"
        for l in range(1, L + 1):
            if not self.online:
                for j in range(n[l]):
                    for i in range(n[l - 1]):
                        c = self.ref("dw", l, j, i)
                        out.append((self.col("dw", l, j, i), R(self._mean(c))))
                if spec.update_biases:
                    for j in range(n[l]):
                        c = self.ref("db", l, j)
                        out.append((self.col("db", l, j), R(self._mean(c))))
        for l in range(1, L + 1):
            for j in range(n[l]):
                for i in range(n[l - 1]):
                    expr = f"{self.ref('w', l, j, i)}{w_row}+{self.ref('dw', l, j, i)}{{r}}"
                    out.append((self.col("w_new", l, j, i), R(expr)))
            for j in range(n[l]):
                if spec.update_biases:
                    expr = R(f"{self.ref('b', l, j)}{w_row}+{self.ref('db', l, j)}{{r}}")
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
        n = self.spec.n_samples
        loss = self.ref("loss")
        steps = self.sheets.steps
        out = {"epoch_loss": self._round(f"SUMPRODUCT({steps}!${loss}${{a}}:${loss}${{b}})/{n}")}
        if self.has("correct"):
            c = self.ref("correct")
            out["accuracy"] = self._round(f"SUMPRODUCT({steps}!${c}${{a}}:${c}${{b}})/{n}")
        return out

    # ------------------------------------------------------------------ values
    def _fill(self, v: np.ndarray, rec: SampleRecord | StepRecord, quantities: tuple[str, ...],
              getter: Callable[[str, int | None], Callable]) -> np.ndarray:  # fmt: skip
        """Copy ``rec``'s values of ``quantities`` into their columns of ``v``."""
        for seg in self.segments:
            if seg.quantity in quantities and not (seg.quantity == "db" and rec.db is None):
                v[seg.first: seg.first + seg.size] = np.ravel(getter(seg.quantity, seg.layer)(rec))
        return v

    def sample_values(self, rec: SampleRecord) -> np.ndarray:
        """The engine's values of a sample row, indexed by column (NaN where not a sample
        quantity)."""
        v = self._fill(np.full(self.n_cols, np.nan), rec, SAMPLE_QUANTITIES, _sample_getter)
        v[0], v[1], v[2] = rec.epoch, rec.step, rec.sample
        return v

    def update_values(self, st: StepRecord, v: np.ndarray | None = None) -> np.ndarray:
        """The values of the update quantities (into ``v``, the online row's values)."""
        if v is None:
            v = np.full(self.n_cols, np.nan)
            v[0], v[1] = st.epoch, st.step
        return self._fill(v, st, UPDATE_QUANTITIES, _step_getter)
