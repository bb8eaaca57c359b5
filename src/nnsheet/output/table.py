"""The long-format trace table (design.md §5): one row per value, and where it sits in the
workbook.

Columns: ``epoch, step, sample, quantity, layer, j, i, label, value, sheet, cell``. Indices are
1-based as shown to users; step 0 holds the Setup sheet's givens. Rows follow the workbook: step 0,
then each Steps row from left to right, then the Epochs sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..core.engine import Trace, register_table_builder
from ..sheet.layout import (
    COMPUTED,
    GIVEN,
    ONLINE_ROW,
    SAMPLE_QUANTITIES,
    SAMPLE_ROW,
    UPDATE_QUANTITIES,
    UPDATE_ROW,
    Cell,
    Layout,
    StepsRow,
    col_name,
)
from ..words.notation import Notation, notation_for
from .files import write_atomic

if TYPE_CHECKING:  # pandas is imported only when a table is built
    import pandas as pd

COLUMNS = [
    "epoch",
    "step",
    "sample",
    "quantity",
    "layer",
    "j",
    "i",
    "label",
    "value",
    "sheet",
    "cell",
]
INT_COLUMNS = ["epoch", "step", "sample", "layer", "j", "i"]
#: Steps columns that are workbook helpers, not design.md §5 quantities
_NOT_IN_TABLE = {"correct"}


class TableRow(NamedTuple):
    """One row of the trace table as plain values (an index None where the DataFrame has
    ``<NA>``; ``sheet``/``cell`` empty where the value is not in the workbook)."""

    epoch: int | None
    step: int | None
    sample: int | None
    quantity: str
    layer: int | None
    j: int | None
    i: int | None
    label: str
    value: float
    sheet: str
    cell: str

    @property
    def key(self) -> tuple[str, str]:
        """(sheet, A1 cell): where the value is in the workbook."""
        return self.sheet, self.cell


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

    def add(
        self, n: int, *, epoch, step, sample, quantity, layer, j, i, label, value, sheet, cell
    ) -> None:
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

    def rows(self, in_book: bool = True) -> list[TableRow]:
        """The rows of the table that are in the workbook, as plain rows (no pandas): what the
        grader's answer key reads."""
        p = self.parts
        out: list[TableRow] = []
        for chunk in zip(*(p[k] for k in COLUMNS), strict=True):
            ep, st, sm, q, ly, jj, ii, lab, val, sh, cell = chunk
            if in_book and (not sh or not sh[0]):  # not in the workbook (beyond its detail)
                continue
            rows = zip(ep, st, sm, q, ly, jj, ii, lab, val.tolist(), sh, cell, strict=True)
            out.extend(map(TableRow._make, rows))
        return out

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


def trace_table(
    trace: Trace, layout: Layout | None = None, lang: str = "en", with_cells: bool | None = None
) -> pd.DataFrame:
    """Build the table of ``trace``. With a ``layout`` (the workbook's), ``sheet``/``cell`` say
    where each value sits; without one they are empty."""
    return _build(trace, layout, lang, with_cells).frame()


def trace_rows(trace: Trace, layout: Layout, in_book: bool = True) -> list[TableRow]:
    """The table of ``trace`` with the workbook ``layout``'s cells as plain rows (no pandas; the
    same rows in the same order as :func:`trace_table`): only those that are cells of the
    workbook, unless ``in_book`` is False."""
    return _build(trace, layout, "en", None).rows(in_book)


def _build(trace: Trace, layout: Layout | None, lang: str, with_cells: bool | None) -> _Builder:
    spec = trace.spec
    cells = layout is not None if with_cells is None else with_cells
    notation = layout.notation if layout is not None else notation_for(spec, lang)
    lay = layout or Layout(spec, notation)
    b = _Builder()
    sheet_or_blank = (lambda s: s) if cells else (lambda s: "")

    # ---- step 0: the givens on Setup, in the table's order (lr; per layer w, b; per sample x, t)
    givens = [c for c in lay.setup_cells(trace.w0, trace.b0) if c.kind == GIVEN]
    for c in sorted(givens, key=_given_order):
        b.add(
            1,
            epoch=0,
            step=0,
            sample=None if c.sample is None else c.sample + 1,
            quantity=[c.quantity],
            layer=[c.layer],
            j=[None if c.j is None else c.j + 1],
            i=[None if c.i is None else c.i + 1],
            label=[notation.symbol(c.quantity, c.layer, c.j, c.i)],
            value=[c.value],
            sheet=sheet_or_blank(c.sheet),
            cell=[c.ref] if cells else None,
        )

    # ---- Steps rows (every step, with cells only where written in detail), then the Epochs sheet
    sample_q = set(SAMPLE_QUANTITIES) - _NOT_IN_TABLE
    kinds = {
        SAMPLE_ROW: _RowKind.of(lay, notation, sample_q),
        ONLINE_ROW: _RowKind.of(lay, notation, sample_q | {"w_new", "b_new"}),
        UPDATE_ROW: _RowKind.of(lay, notation, set(UPDATE_QUANTITIES)),
    }
    for item in lay.body([*trace.steps, *trace.epochs], detail_only=False):
        if isinstance(item, StepsRow):
            kind = kinds[item.kind]
            in_book = cells and item.row is not None
            b.add(
                len(kind.cols),
                epoch=item.epoch,
                step=item.step,
                sample=item.sample,
                quantity=kind.quantity,
                layer=kind.layer,
                j=kind.j,
                i=kind.i,
                label=kind.label,
                value=item.values[kind.cols],
                sheet=lay.sheets.steps if in_book else "",
                cell=lay.steps_refs(item.row, kind.cols, kind.letters) if in_book else None,  # type: ignore[arg-type]
            )
        elif item.kind == COMPUTED:
            q = item.quantity
            b.add(
                1,
                epoch=item.epoch,
                step=None,
                sample=None,
                quantity=[q],
                layer=[None],
                j=[None],
                i=[None],
                label=[notation.symbol(q)],
                value=[item.value],
                sheet=sheet_or_blank(item.sheet),
                cell=[item.ref] if cells else None,
            )
    return b


def _given_order(c: Cell) -> tuple:
    if c.quantity == "lr":
        return (0,)
    if c.quantity == "momentum":
        return (0, 1)
    if c.quantity == "nw_draw":  # Nguyen–Widrow's draws after the layer's weights and biases
        return (1, c.layer, 2, c.j, c.i)
    if c.quantity in ("w", "b"):
        return (1, c.layer, c.quantity == "b", c.j, c.i or 0)
    return (2, c.sample, c.quantity == "t", c.j)


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Write the table as CSV atomically; values with full precision (``repr``)."""
    out = df.copy()
    out["value"] = [repr(float(v)) for v in out["value"]]
    write_atomic(path, lambda tmp: out.to_csv(tmp, index=False))


def _trace_table(trace: Trace, layout: object | None, lang: str) -> pd.DataFrame:
    return trace_table(trace, layout=layout, lang=lang)  # type: ignore[arg-type]


register_table_builder(_trace_table)
