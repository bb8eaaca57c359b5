"""A learner's own program, graded: ``nnsheet check VALUES.csv --spec SPEC``.

The CSV holds the trace table's key columns (``quantity, epoch, step, sample, layer, j, i,
value``; any other column, e.g. the rest of what ``trace --table`` writes, is ignored). Each row
is mapped to the cell its value has in the spec's workbook through the trace table's
``sheet``/``cell`` columns, and the values are put in those cells of a :class:`~.read.Book`
(where each is in the CSV: :class:`CsvPlacement`): the grader then judges them exactly as it
judges a workbook (verdicts, carry-forward, mistakes).

Graded: every answer cell of the blocks (forward, errors, backward, updates) the CSV gives a
quantity of, over the spec's epochs; a value the program did not write is ``missing``. Rows of
the givens (``x``, ``t``, ``lr``, the weights in use ``w``, ``b``) are checked like the others but
not graded. Bad input (a missing key column, an unknown quantity or key, a value that is not a
number, the same key twice) is one line naming the CSV row (the header is row 1).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.cells import cell_pos
from ..core.csvfile import CsvError, read_csv
from ..core.errors import NnsheetError
from ..core.ops import BLOCK_OF, BLOCKS
from ..core.spec import Spec
from ..core.specfile import spec_to_toml
from ..exercise.template import ExerciseOptions
from ..output.table import trace_rows
from .key import AnswerKey
from .locate import CellKey, Placement
from .read import Book, Grid, parse_text

#: the columns a values CSV must have
KEY_COLUMNS = ("quantity", "epoch", "step", "sample", "layer", "j", "i", "value")
_INDEX_COLUMNS = KEY_COLUMNS[1:-1]
#: the largest values CSV read (a full trace table of a spec that fits a workbook is smaller)
MAX_BYTES = 200 * 2**20

Key = tuple[str, int | None, int | None, int | None, int | None, int | None, int | None]


def is_values(path: Path) -> bool:
    """Whether ``check`` reads ``path`` as a program's values (a .csv) rather than a workbook."""
    return path.suffix.lower() == ".csv"


@dataclass(frozen=True)
class CsvPlacement(Placement):
    """Where a values CSV holds each answer: each value is put in its cell of the spec's layout
    (a :class:`~.read.Book` of kind ``csv``); for the learner it is its CSV row
    (``values.csv:14``)."""

    file: str = ""
    #: the CSV row (1-based, the header is row 1) of each layout cell given
    rows: Mapping[CellKey, int] = field(default_factory=dict)

    def ref(self, key: CellKey) -> str:
        row = self.rows.get(key)
        return "" if row is None else str(row)

    def place(self, key: CellKey) -> str:
        row = self.rows.get(key)
        return "" if row is None else f"{self.file}:{row}"


def _int(text: str, where: str, column: str) -> int | None:
    t = text.strip()
    if t == "" or t.lower() in ("nan", "<na>", "none", "null"):
        return None
    try:
        v = float(t)
    except ValueError:
        v = math.nan
    if not math.isfinite(v) or not v.is_integer():
        raise NnsheetError(f"{where}: {column} {text.strip()!r} is not a whole number (or empty)")
    return int(v)


def _describe(k: Key) -> str:
    parts = [f"quantity {k[0]}"]
    parts += [f"{c} {v}" for c, v in zip(_INDEX_COLUMNS, k[1:], strict=True) if v is not None]
    return ", ".join(parts)


def _read_rows(path: Path) -> list[tuple[int, Key, str]]:
    """(CSV row, key, value text) of each non-blank row, the key columns checked."""
    name = str(path)
    try:
        table = read_csv(path, "a values CSV", MAX_BYTES)
    except CsvError as exc:
        if exc.code != "empty":
            raise
        raise NnsheetError(
            f"{name}: empty; a values CSV needs the columns {', '.join(KEY_COLUMNS)}"
        ) from None
    header = table.header
    cols: dict[str, int] = {}
    for c, h in enumerate(header):
        if h in KEY_COLUMNS and h in cols:
            raise NnsheetError(
                f"{name}: row {table.header_row} (the header) has the column {h!r} twice"
            )
        cols.setdefault(h, c)
    missing = [c for c in KEY_COLUMNS if c not in cols]
    if missing:
        raise NnsheetError(
            f"{name}: row {table.header_row} (the header) has no column "
            f"{', '.join(repr(c) for c in missing)}; a values CSV needs the columns "
            f"{', '.join(KEY_COLUMNS)}"
        )
    out: list[tuple[int, Key, str]] = []
    for csv_row in table:
        n = csv_row.row
        where = table.where(n)
        cells = {c: csv_row.get(i) for c, i in cols.items() if c in KEY_COLUMNS}
        q = cells["quantity"].strip()
        idx = tuple(_int(cells[c], where, c) for c in _INDEX_COLUMNS)
        out.append((n, (q, *idx), cells["value"]))  # type: ignore[arg-type]
    return out


def read_values(
    path: Path, spec: Spec | None, lang: str | None, cache: dict[str, AnswerKey]
) -> tuple[Book, CsvPlacement, AnswerKey]:
    """The values of ``path`` in their cells, where they are in the CSV, and the answer key that
    grades them."""
    if spec is None:
        raise NnsheetError(
            f"{path}: a program's values are graded against a spec; give it with --spec SPEC"
        )
    rows = _read_rows(path)
    lang = lang or "en"
    cache_id = f"values:{spec_to_toml(spec)}\n{lang}"
    full = cache.get(cache_id)
    if full is None:
        full = cache[cache_id] = AnswerKey.build(spec, ExerciseOptions(lang=lang))
    table = trace_rows(full.trace, full.layout, in_book=False)
    cells: dict[Key, tuple[str, str]] = {
        (r.quantity, r.epoch, r.step, r.sample, r.layer, r.j, r.i): (r.sheet, r.cell) for r in table
    }
    quantities = sorted({r.quantity for r in table})
    seen: dict[Key, int] = {}
    given: dict[tuple[str, str], tuple[int, str]] = {}
    for n, k, value in rows:
        where = f"{path}: row {n}"
        if k[0] not in quantities:
            raise NnsheetError(
                f"{where}: unknown quantity {k[0]!r} (the trace table's "
                f"quantities are {', '.join(quantities)})"
            )
        if k in seen:
            raise NnsheetError(f"{where}: the same key as row {seen[k]} ({_describe(k)})")
        seen[k] = n
        if k not in cells:
            raise NnsheetError(
                f"{where}: no such value in the trace of this spec "
                f"({_describe(k)}; {len(full.trace.steps)} steps in "
                f"{spec.epochs} epoch{'s' if spec.epochs != 1 else ''})"
            )
        if parse_text(value).value is None:
            what = "is empty" if not value.strip() else f"{value.strip()!r} is not a number"
            raise NnsheetError(f"{where}: the value {what} ({_describe(k)})")
        given[cells[k]] = (n, value.strip())
    asked = {BLOCK_OF[q] for q in {k[0] for _, k, _ in rows} if q in BLOCK_OF}
    key = full
    if asked != set(BLOCKS):
        options = dataclasses.replace(full.options, ask=tuple(b for b in BLOCKS if b in asked))
        key = full.only(options)
    sheets = full.layout.sheets
    grids = {sheets.steps: Grid(), sheets.epochs: Grid()}
    where_rows: dict[CellKey, int] = {}
    for a in key.answers:
        found = given.get(a.key)
        if found is not None:  # the givens' rows (x, t, w, b, lr) are not graded
            grids[a.sheet].cells[cell_pos(a.cell)] = (found[1], "s")
            where_rows[a.key] = found[0]
    book = Book(meta=[], sheets=list(grids), grids=grids, kind="csv")
    return book, CsvPlacement(file=path.name, rows=where_rows), key
