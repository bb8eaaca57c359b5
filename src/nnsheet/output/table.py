"""The long-format trace table (DESIGN §5): one row per value, with where it sits in the workbook.

Columns: ``epoch, step, sample, quantity, layer, j, i, label, value, sheet, cell``. Indices are
1-based as shown to users; step 0 holds the Setup sheet's givens. Rows follow the workbook: step 0,
then each Steps row from left to right, then the Epochs sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.engine import Trace, register_table_builder
from ..sheet.layout import UPDATE_QUANTITIES, Layout, cell_name, col_name
from ..words.notation import Notation, notation_for
from .files import write_atomic

if TYPE_CHECKING:  # pandas is imported only when a table is built
    import pandas as pd

COLUMNS = ["epoch", "step", "sample", "quantity", "layer", "j", "i", "label", "value", "sheet",
           "cell"]  # fmt: skip
INT_COLUMNS = ["epoch", "step", "sample", "layer", "j", "i"]
#: Steps columns that are workbook helpers, not DESIGN §5 quantities
_NOT_IN_TABLE = {"epoch", "step", "sample", "correct"}


@dataclass
class _RowKind:
    """Static facts of one kind of Steps row: which columns, and their labels."""

    cols: np.ndarray
    quantity: list[str]
    layer: list[object]
    j: list[object]
    i: list[object]
    label: list[str]
    letters: np.ndarray

    @classmethod
    def of(cls, layout: Layout, notation: Notation, quantities: set[str]) -> _RowKind:
        cols, q, ly, jj, ii, lab = [], [], [], [], [], []
        for seg in layout.segments:
            if seg.quantity not in quantities:
                continue
            for j, i in seg.elements():
                cols.append(seg.index(j, i))
                q.append(seg.quantity)
                ly.append(seg.layer)
                jj.append(None if j is None else j + 1)
                ii.append(None if i is None else i + 1)
                lab.append(notation.symbol(seg.quantity, seg.layer, j, i))
        c = np.array(cols, dtype=np.int64)
        return cls(c, q, ly, jj, ii, lab, np.array([col_name(x) for x in cols], dtype=object))


class _Builder:
    def __init__(self) -> None:
        self.parts: dict[str, list] = {k: [] for k in COLUMNS}

    def add(self, n: int, *, epoch, step, sample, quantity, layer, j, i, label, value, sheet,
            cell) -> None:  # fmt: skip
        p = self.parts
        for key, v in (("epoch", epoch), ("step", step), ("sample", sample), ("sheet", sheet)):
            p[key].append([v] * n)
        p["quantity"].append(quantity)
        p["layer"].append(layer)
        p["j"].append(j)
        p["i"].append(i)
        p["label"].append(label)
        p["value"].append(np.asarray(value, dtype=np.float64))
        p["cell"].append(cell if cell is not None else [""] * n)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        data = {}
        for k in COLUMNS:
            chunks = self.parts[k]
            if k == "value":
                data[k] = np.concatenate(chunks) if chunks else np.empty(0)
            else:
                data[k] = [x for ch in chunks for x in ch]
        df = pd.DataFrame(data, columns=COLUMNS)
        for k in INT_COLUMNS:
            df[k] = pd.array(df[k].tolist(), dtype="Int64")
        return df


def trace_table(trace: Trace, layout: Layout | None = None, lang: str = "en",
                with_cells: bool | None = None) -> pd.DataFrame:  # fmt: skip
    """Build the table of ``trace``. With a ``layout`` (the workbook's), ``sheet``/``cell`` say
    where each value sits; without one they are empty."""
    spec = trace.spec
    cells = layout is not None if with_cells is None else with_cells
    notation = layout.notation if layout is not None else notation_for(spec, lang)
    lay = layout or Layout(spec, notation)
    b = _Builder()
    sheet_or_blank = (lambda s: s) if cells else (lambda s: "")

    # ---- step 0: the givens on Setup
    def given(q, layer, j, i, sample, value):
        r, c = lay.setup_cell(q, layer, j, i, sample)
        b.add(1, epoch=0, step=0, sample=None if sample is None else sample + 1, quantity=[q],
              layer=[layer], j=[None if j is None else j + 1], i=[None if i is None else i + 1],
              label=[notation.symbol(q, layer, j, i)], value=[value],
              sheet=sheet_or_blank(lay.sheets.setup), cell=[cell_name(r, c)] if cells else None)

    given("lr", None, None, None, None, spec.learning_rate)
    for l, (w, bias) in enumerate(zip(trace.w0, trace.b0, strict=True), start=1):
        for j in range(w.shape[0]):
            for i in range(w.shape[1]):
                given("w", l, j, i, None, w[j, i])
        for j in range(w.shape[0]):
            given("b", l, j, None, None, bias[j])
    for s in range(spec.n_samples):
        for i in range(spec.n_inputs):
            given("x", 0, i, None, s, spec.inputs[s, i])
        for k in range(spec.n_outputs):
            given("t", spec.n_layers, k, None, s, spec.targets[s, k])

    # ---- Steps rows
    sample_q = {q for q in ("x", "t", "w", "b", "z", "a", "e", "loss", "err", "fprime", "delta",
                            "grad_w", "grad_b", "dw", "db")}  # fmt: skip
    kind_sample = _RowKind.of(lay, notation, sample_q)
    kind_online = _RowKind.of(lay, notation, sample_q | {"w_new", "b_new"})
    kind_update = _RowKind.of(lay, notation, set(UPDATE_QUANTITIES))

    def emit(kind: _RowKind, values: np.ndarray, epoch: int, step: int, sample, row: int | None):
        in_book = cells and row is not None
        b.add(len(kind.cols), epoch=epoch, step=step, sample=sample, quantity=kind.quantity,
              layer=kind.layer, j=kind.j, i=kind.i, label=kind.label, value=values[kind.cols],
              sheet=lay.sheets.steps if in_book else "",
              cell=list(kind.letters + str(row + 1)) if in_book else None)

    for st in trace.steps:
        detailed = st.epoch <= lay.detail_epochs
        for rec in st.samples:
            s = rec.sample - 1
            row = lay.sample_row(st.epoch, s) if detailed else None
            v = lay.sample_values(rec)
            if spec.mode == "online":
                lay.update_values(st, v)
                emit(kind_online, v, st.epoch, st.step, rec.sample, row)
            else:
                emit(kind_sample, v, st.epoch, st.step, rec.sample, row)
        if spec.mode != "online":
            batch = (st.samples[0].sample - 1) // spec.batch_size
            row = lay.update_row(st.epoch, batch) if detailed else None
            emit(kind_update, lay.update_values(st), st.epoch, st.step, None, row)

    # ---- Epochs sheet
    for ep in trace.epochs:
        r = lay.epochs_row(ep.epoch)
        items = [("epoch_loss", ep.loss, 1)]
        if ep.accuracy is not None:
            items.append(("accuracy", ep.accuracy, 2))
        for q, val, c in items:
            b.add(1, epoch=ep.epoch, step=None, sample=None, quantity=[q], layer=[None], j=[None],
                  i=[None], label=[notation.symbol(q)], value=[val],
                  sheet=sheet_or_blank(lay.sheets.epochs),
                  cell=[cell_name(r, c)] if cells else None)
    return b.frame()


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Write the table as CSV atomically; values with full precision (``repr``)."""
    out = df.copy()
    out["value"] = [repr(float(v)) for v in out["value"]]
    write_atomic(path, lambda tmp: out.to_csv(tmp, index=False))


def _trace_table(trace: Trace, layout: object | None, lang: str) -> pd.DataFrame:
    return trace_table(trace, layout=layout, lang=lang)  # type: ignore[arg-type]


register_table_builder(_trace_table)
