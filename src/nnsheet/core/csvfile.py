"""The one CSV reader: spec data (``[data] csv``), rosters and a program's values CSV.

- Encoding: UTF-8; a leading byte-order mark (Excel's "CSV UTF-8") is dropped.
- Separator: ``,`` or ``;``, sniffed from the header row (the one with more of them outside
  quotes wins; a tie is ``,``). Excel and LibreOffice in an Indonesian (or any decimal-comma)
  locale save CSV with ``;``.
- Row numbers: the row a spreadsheet shows when it opens the file. Every record counts, blank
  ones too, and a quoted field spanning lines is one row; the first record is row 1. The header
  is the first non-blank row (row 1 unless the file starts with blank lines); blank rows below it
  are skipped.

Bad input is one :class:`CsvError` line naming the file (and the row when there is one). The
error carries a ``code`` and ``fields`` so a caller can say the same in the learner's language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import NnsheetError

MiB = 2**20
SEPARATORS = (",", ";")


class CsvError(NnsheetError):
    """A CSV file that cannot be read. ``code`` is one of ``not_found``, ``not_a_file``,
    ``too_large``, ``not_utf8``, ``unreadable``, ``not_csv``, ``empty``; ``fields`` hold the
    file name and the code's details (``what``, ``kind``, ``mib``, ``byte``, ``detail``)."""

    def __init__(self, message: str, code: str, **fields: object) -> None:
        super().__init__(message)
        self.code = code
        self.fields = fields


@dataclass(frozen=True)
class CsvRow:
    """One non-blank data row: ``row`` is its spreadsheet row number (header = row 1)."""

    row: int
    cells: tuple[str, ...]

    def get(self, column: int) -> str:
        """The cell in ``column`` (0-based), ``""`` when the row is shorter."""
        return self.cells[column] if 0 <= column < len(self.cells) else ""


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as read: its header (cells stripped), the header's row number, the non-blank
    data rows and the separator found."""

    name: str
    separator: str
    header: tuple[str, ...]
    header_row: int
    rows: tuple[CsvRow, ...] = field(default=())

    def __iter__(self) -> Iterator[CsvRow]:
        return iter(self.rows)

    def where(self, row: int, column: str | None = None) -> str:
        """``name: row N`` (``, column C``): the place an error names."""
        return f"{self.name}: row {row}" + (f", column {column}" if column is not None else "")


def sniff_separator(first_line: str) -> str:
    """``;`` when the header line holds more semicolons than commas outside double quotes,
    else ``,``."""
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return ";" if counts[";"] > counts[","] else ","


def _first_record(text: str) -> str:
    """The text of the first non-blank physical line (where the header starts)."""
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def decode(data: bytes, name: str, what: str) -> str:
    """``data`` as UTF-8 text (a byte-order mark dropped), or a :class:`CsvError` naming the
    first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(
            f"{name}: expected {what} in UTF-8 (byte {exc.start + 1} is not); save it as CSV UTF-8",
            "not_utf8",
            name=name,
            what=what,
            byte=exc.start + 1,
        ) from None


def parse_csv(text: str, name: str, what: str = "a CSV file") -> CsvTable:
    """The CSV ``text`` (already decoded) read by the module's rules; ``name`` is how errors
    name the file, ``what`` what it should be (``a roster CSV``)."""
    sep = sniff_separator(_first_record(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False)
    header: tuple[str, ...] | None = None
    header_row = 0
    rows: list[CsvRow] = []
    try:
        for n, record in enumerate(reader, start=1):
            if not any(c.strip() for c in record):
                continue
            if header is None:
                header, header_row = tuple(c.strip() for c in record), n
            else:
                rows.append(CsvRow(n, tuple(record)))
    except csv.Error as exc:
        raise CsvError(
            f"{name}: not valid CSV ({exc})", "not_csv", name=name, what=what, detail=str(exc)
        ) from None
    if header is None:
        raise CsvError(f"{name}: empty; expected {what}", "empty", name=name, what=what)
    return CsvTable(name, sep, header, header_row, tuple(rows))


def read_csv(path: Path, what: str = "a CSV file", max_bytes: int = 50 * MiB) -> CsvTable:
    """The CSV file at ``path`` read by the module's rules; errors name ``path`` as given."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise CsvError(f"{name}: file not found", "not_found", name=name, what=what)
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "a special file (device or pipe)"
        raise CsvError(
            f"{name}: expected {what}, got {kind}", "not_a_file", name=name, what=what, kind=kind
        )
    if path.stat().st_size > max_bytes:
        raise CsvError(
            f"{name}: larger than {max_bytes // MiB} MiB; not {what}",
            "too_large",
            name=name,
            what=what,
            mib=max_bytes // MiB,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CsvError(
            f"{name}: cannot read ({exc.strerror})",
            "unreadable",
            name=name,
            what=what,
            detail=str(exc.strerror),
        ) from None
    return parse_csv(decode(data, name, what), name, what)


def csv_number(text: str, separator: str = ",") -> float | None:
    """The number in a CSV cell, or None when it is not one. With the ``;`` separator a decimal
    comma is read too (``0,25``: a decimal-comma locale's spreadsheet wrote the file)."""
    t = text.strip()
    if separator == ";" and "," in t and "." not in t:
        t = t.replace(",", ".", 1) if t.count(",") == 1 else t
    try:
        v = float(t)
    except ValueError:
        return None
    return v
