"""Finding the answers in a learner's table by its headers, not by fixed addresses.

A learner may insert columns (scratch work) or rows, or type notes beside the table. The Steps
sheet is read through its two header rows — the band row (``forward pass`` …, merged over its
columns) above the symbol row (``O1``, ``y'2``, ``Δw1,1`` …) — and its epoch/step/sample columns:

- the symbol row is the row, among the first :data:`SCAN_ROWS`, holding the most of the layout's
  symbols; the band row is the nearest row above it naming a band; a column belongs to the last
  band named at or left of it (a merged band names only its first column);
- each layout column is the one learner column under its band with its symbol; none, or more
  than one, refuses the file with one line naming the sheet and that header;
- each layout row is the learner row whose epoch, step and sample (or "update") cells match;
  several refuse the file the same way; none (a deleted row) makes that row's answers
  ``missing`` (:attr:`~.read.Book.absent`, said in :attr:`~.read.Book.lost_rows`) while the
  other rows are graded as themselves — a file where no row is found at all is refused.

In the columns layout (``--layout columns``: a step per column) the Steps sheet is the same
table transposed — the band column (A) beside the symbol column (B), each step's epoch, step
and sample down its column — so it is read transposed (:func:`_transposed`): its row labels
found as the rows layout's headers are, wherever the learner moved the table.

The Epochs sheet is read the same way (its header row: epoch, loss, accuracy; rows by epoch).
Cells under no expected header (scratch columns, notes) are never read. The answers are then
looked up by the layout's own addresses (:attr:`Placement.where`), so the answer key's formulas
and carry-forward stay as they are.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.cells import cell_pos
from ..core.errors import WorkbookError
from ..sheet.layout import cell_name, col_name
from ..words.notation import SHEET_NAMES
from .read import Book, Grid, Pos

if TYPE_CHECKING:
    from .key import AnswerCell, AnswerKey

CellKey = tuple[str, str]  # (sheet, A1) of a layout cell


@dataclass(frozen=True)
class Shift:
    """How one sheet's table moved: the learner's extra columns and rows inside it (scratch
    work), by name; neither when cells changed place otherwise."""

    sheet: str
    cols: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()


@dataclass(frozen=True)
class Placement:
    """Where a learner's file holds each answer cell of a key (what :func:`locate` found):
    ``where`` the learner's cell of each layout cell not where the layout put it, ``absent`` the
    layout cells whose row is not in the learner's table (deleted: missing, never looked up),
    ``lost_rows`` the first answer cell of each such row, ``shifted`` how the tables moved."""

    where: Mapping[CellKey, Pos] = field(default_factory=dict)
    absent: frozenset[CellKey] = frozenset()
    lost_rows: tuple[AnswerCell, ...] = ()
    shifted: tuple[Shift, ...] = ()

    def pos(self, key: CellKey) -> Pos:
        p = self.where.get(key)
        return p if p is not None else cell_pos(key[1])

    def ref(self, key: CellKey) -> str:
        """The learner's A1 address of a layout cell."""
        r, c = self.pos(key)
        return cell_name(r, c)

    def place(self, key: CellKey) -> str:
        """Where the learner finds the answer of a layout cell: ``Steps!X3`` (the sheet alone when
        its row was deleted)."""
        return key[0] if key in self.absent else f"{key[0]}!{self.ref(key)}"

    def value(self, book: Book, key: CellKey) -> tuple[object, str | None]:
        g = book.grids.get(key[0])
        if g is None and key[0] in book.setup:  # the ``init`` answers, where the layout put them
            return book.setup[key[0]].get(self.pos(key)), None
        if g is None or key in self.absent:
            return None, None
        return g.cells.get(self.pos(key), (None, None))

    def formula(self, book: Book, key: CellKey) -> str | None:
        g = book.grids.get(key[0])
        return None if g is None or key in self.absent else g.formulas.get(self.pos(key))

    def covered(self, book: Book, key: CellKey) -> str | None:
        """The learner's A1 address of the merged cell a layout cell is hidden under."""
        g = book.grids.get(key[0])
        at = None if g is None or key in self.absent else g.covered(self.pos(key))
        return None if at is None else cell_name(*at)


#: rows searched for the header rows (a learner may insert rows above the table)
SCAN_ROWS = 50


def _text(v: object) -> str | None:
    if isinstance(v, str):
        return v.strip()
    return None


def _number(v: object) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float) and math.isfinite(v) and float(v) == int(v):
        return int(v)
    if isinstance(v, str):
        try:
            f = float(v.strip())
        except ValueError:
            return None
        return int(f) if math.isfinite(f) and f == int(f) else None
    return None


def no_sheet(book: Book, path: Path, want: str) -> WorkbookError:
    """The refusal of a workbook without its ``want`` sheet, naming the sheet that looks like it
    was renamed (the one sheet an exercise does not have), or the sheets it has."""
    from ..exercise.template import META_SHEET

    ours = {META_SHEET, *(n for sn in SHEET_NAMES.values() for n in dataclasses.astuple(sn))}
    other = [s for s in book.sheets if s not in ours]
    guess = (
        f"renamed to {other[0]!r}?"
        if len(other) == 1
        else f"its sheets are {', '.join(repr(s) for s in book.sheets[:8])}"
    )
    return WorkbookError(
        f"{path}: no sheet named {want!r} ({guess}); give it its name {want!r} back"
    )


def _refuse(path: Path, sheet: str, what: str, fix: str = "the table's headers") -> WorkbookError:
    return WorkbookError(
        f"{path}: {sheet}: {what}; cannot tell which cells hold the answers "
        f"(put {fix} back as the exercise had them)"
    )


def _only(found: list[int], header: str, path: Path, sheet: str) -> int:
    """The one column a header is in; refuse the file when it is in none or in several."""
    if len(found) != 1:
        what = (
            f"header {header} not found"
            if not found
            else f"header {header} is in {len(found)} columns "
            f"({', '.join(col_name(c) for c in found)})"
        )
        raise _refuse(path, sheet, what)
    return found[0]


def _header_row(grid: Grid, wanted: set[str]) -> tuple[int, int]:
    """(row, matches) of the row among the first SCAN_ROWS holding most of ``wanted``."""
    counts: dict[int, int] = {}
    for (r, _c), (v, _t) in grid.cells.items():
        if r < SCAN_ROWS and _text(v) in wanted:
            counts[r] = counts.get(r, 0) + 1
    if not counts:
        return -1, 0
    best = max(counts.values())
    return min(r for r, n in counts.items() if n == best), best


def _row_cells(grid: Grid, row: int) -> dict[int, object]:
    return {c: v for (r, c), (v, _t) in grid.cells.items() if r == row}


def _transposed(grid: Grid) -> Grid:
    """The sheet with rows and columns swapped (its cells only: what :func:`_steps` reads)."""
    return Grid(cells={(c, r): v for (r, c), v in grid.cells.items()})


def _steps(
    book: Book, key: AnswerKey, path: Path
) -> tuple[dict[int, int], dict[tuple, int], set[int]]:
    """Learner column of each layout column, learner row of each (epoch, step, sample) (minus
    the number of rows when several match), and the two header rows (the columns layout:
    of the sheet transposed)."""
    STEPS = key.layout.sheets.steps
    lay, nt = key.layout, key.layout.notation
    grid = book.grids[STEPS]
    if lay.columns:
        grid = _transposed(grid)
    want = [
        (nt.word("band." + seg.band), nt.symbol(seg.quantity, seg.layer, j, i), seg.index(j, i))
        for seg in lay.segments
        for j, i in seg.elements()
    ]
    sym_row, _ = _header_row(grid, {s for _, s, _ in want})
    if sym_row < 0:
        raise _refuse(path, STEPS, f"header {want[0][1]!r} not found")
    bands = {b for b, _, _ in want}
    band_row = next(
        (
            r
            for r in range(sym_row - 1, -1, -1)
            if any(_text(v) in bands for v in _row_cells(grid, r).values())
        ),
        -1,
    )
    if band_row < 0:
        raise _refuse(
            path, STEPS, f"header {want[0][0]!r} (the band row above the symbols) not found"
        )
    band_cells = {c: _text(v) for c, v in _row_cells(grid, band_row).items() if _text(v) in bands}
    symbols: dict[tuple[str, str], list[int]] = {}
    band_at: str | None = None
    sym_cells = _row_cells(grid, sym_row)
    for c in range(max([*sym_cells, *band_cells, 0]) + 1):
        band_at = band_cells.get(c, band_at)
        s = _text(sym_cells.get(c))
        if s and band_at is not None:
            symbols.setdefault((band_at, s), []).append(c)
    cols: dict[int, int] = {}
    for band, sym, col in want:
        cols[col] = _only(symbols.get((band, sym), []), f"{sym!r} (under {band!r})", path, STEPS)
    # rows: epoch, step and sample (a number, or the word "update" on a batch's update row)
    ce, cs, cm = cols[lay.col("epoch")], cols[lay.col("step")], cols[lay.col("sample")]
    update = nt.word("update")
    rows: dict[tuple, list[int]] = {}
    for (r, c), (v, _t) in grid.cells.items():
        if r <= sym_row or c != ce:
            continue
        ep, st = _number(v), _number(grid.value((r, cs)))
        sv = grid.value((r, cm))
        sm = None if _text(sv) == update else _number(sv)
        if ep is None or st is None or (sm is None and _text(sv) != update):
            continue
        rows.setdefault((ep, st, sm), []).append(r)
    head = {band_row, sym_row}
    if lay.columns:  # the formula column beside the symbols is the table's too
        head.add(sym_row + 1)
    return cols, {k: v[0] if len(v) == 1 else -len(v) for k, v in rows.items()}, head


def _row_key(r: AnswerCell) -> tuple:
    return r.epoch, r.step, r.sample


def _where(r: AnswerCell) -> str:
    ep, st, sm = _row_key(r)
    return f"epoch {ep}, step {st}, " + ("update" if sm is None else f"sample {sm}")


def _epochs(
    book: Book, key: AnswerKey, path: Path
) -> tuple[dict[int, int], dict[int, int], set[int]]:
    EPOCHS = key.layout.sheets.epochs
    nt = key.layout.notation
    grid = book.grids[EPOCHS]
    heads = [nt.word("epoch"), nt.symbol("epoch_loss")]
    if key.layout.has("correct"):
        heads.append(nt.symbol("accuracy"))
    row, _ = _header_row(grid, set(heads))
    cols: dict[int, int] = {}
    cells = _row_cells(grid, row) if row >= 0 else {}
    for c, h in enumerate(heads):
        cols[c] = _only(
            [k for k, v in sorted(cells.items()) if _text(v) == h], repr(h), path, EPOCHS
        )
    rows: dict[int, int] = {}
    for (r, c), (v, _t) in grid.cells.items():
        ep = _number(v)
        if r > row and c == cols[0] and ep is not None:
            rows[ep] = -2 if ep in rows else r
    return cols, rows, {row - 1, row}  # the title row above the header, the header


def _describe(sheet: str, used_cols: set[int], used_rows: set[int]) -> Shift:
    """How a sheet's table moved: the learner's extra columns and rows inside it (scratch
    work), or neither when cells changed place otherwise."""
    extra_c = [c for c in range(max(used_cols) + 1) if c not in used_cols]
    extra_r = [r for r in range(max(used_rows) + 1) if r not in used_rows]
    return Shift(sheet, tuple(col_name(c) for c in extra_c), tuple(str(r + 1) for r in extra_r))


def locate(book: Book, key: AnswerKey, path: Path) -> Placement:
    """Find every answer cell of ``key`` in ``book`` by the headers, or refuse the file (one
    line naming the sheet and the header or row)."""
    # the sheets' names in the exercise's language
    STEPS, EPOCHS = key.layout.sheets.steps, key.layout.sheets.epochs
    if STEPS not in book.grids:
        raise no_sheet(book, path, STEPS)
    answers = key.answers
    s_cols, s_rows, s_head = _steps(book, key, path)
    e_cols: dict[int, int] = {}
    e_rows: dict[int, int] = {}
    e_head: set[int] = set()
    if any(r.sheet == EPOCHS for r in answers):
        if EPOCHS not in book.grids:
            raise no_sheet(book, path, EPOCHS)
        e_cols, e_rows, e_head = _epochs(book, key, path)
    where: dict[CellKey, Pos] = {}
    absent: set[CellKey] = set()
    lost: dict[tuple[str, str], AnswerCell] = {}  # the rows not found: the first answer of each
    moved = {STEPS: False, EPOCHS: False}
    for r in answers:
        sheet, cell = r.sheet, r.cell
        if sheet == key.layout.sheets.setup:  # the ``init`` answers: read where they were written
            continue
        row0, col0 = cell_pos(cell)
        across = sheet == STEPS and key.layout.columns  # found in the sheet transposed
        if sheet == STEPS:
            row = s_rows.get(_row_key(r))
            if row is not None and row < 0:
                raise _refuse(
                    path, STEPS, f"{-row} rows are {_where(r)}", "the epoch, step and sample cells"
                )
            what = _where(r)
        else:
            ep = r.epoch
            row = e_rows.get(ep)
            if row is not None and row < 0:
                raise _refuse(path, EPOCHS, f"{-row} rows are epoch {ep}", "the epoch numbers")
            what = f"epoch {ep}"
        if row is None:  # the row was deleted: its answers are missing, the others still graded
            absent.add((sheet, cell))
            lost.setdefault((sheet, what), r)
            continue
        if sheet == STEPS:
            pos = (row, s_cols[key.layout.unplace(row0, col0)[1]])
        else:
            pos = (row, e_cols[col0])
        if across:
            pos = (pos[1], pos[0])
        if pos != (row0, col0):
            where[(sheet, cell)] = pos
            moved[sheet] = True
    if len(absent) == len(answers):  # no row at all: not a table this exercise wrote
        sheet, what = next(iter(lost))
        raise _refuse(
            path,
            sheet,
            f"the row of {what} not found",
            "the epoch, step and sample cells" if sheet == STEPS else "the epoch numbers",
        )
    notes: list[Shift] = []
    for sheet, cols, head, rows in (
        (STEPS, s_cols, s_head, s_rows),
        (EPOCHS, e_cols, e_head, e_rows),
    ):
        if moved[sheet]:
            used_cols = set(cols.values())
            used_rows = head | {r for r in rows.values() if r >= 0}
            if sheet == STEPS and key.layout.columns:  # found transposed: said as it is
                used_cols, used_rows = used_rows, used_cols
            note = _describe(sheet, used_cols, used_rows)
            if note.cols or note.rows or not any(k[0] == sheet for k in lost):
                notes.append(note)  # (rows moving up over a deleted row is said as such)
    return Placement(where, frozenset(absent), tuple(lost.values()), tuple(notes))
