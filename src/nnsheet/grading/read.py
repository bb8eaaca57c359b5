"""Reading learners' files: archive checks before parsing, then every answer cell's value,
type and formula (``Book``), and typed text read as the number it means (``Given``)."""

from __future__ import annotations

import datetime
import io
import math
import re
import zipfile
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..core.cells import Pos, cell_name, cell_pos, range_pos
from ..core.errors import WorkbookError
from ..core.safety import (
    DEFAULT_LIMITS,
    OdsCell,
    check_ods_archive,
    check_xlsx_archive,
    walk_ods,
)
from ..exercise.template import META_SHEET, STUDENT_NAMES
from ..words.notation import SHEET_NAMES
from ..words.numbers import formula_text, numeral_text
from .reason import Reason

#: the sheets holding answers, in every language (the exercise's language names them)
_STEPS = tuple(n.steps for n in SHEET_NAMES.values())
_ANSWER_SHEETS = _STEPS + tuple(n.epochs for n in SHEET_NAMES.values())
#: the sheets holding the givens (compared with the record: edited givens are flagged)
_SETUP_SHEETS = tuple(dict.fromkeys(n.setup for n in SHEET_NAMES.values()))

#: the limits on a learner's workbook (README "Limits on a learner's workbook"): one set, checked
#: by :mod:`nnsheet.core.safety` before any reader builds a grid
LIMITS = DEFAULT_LIMITS
#: cells an answer sheet's merged ranges may cover in all (an exercise's header merges about a
#: hundred; a learner merges a few more)
MAX_MERGED = DEFAULT_LIMITS.max_merged
ERROR_VALUES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
#: the data type of a number stored under a date or time format (read as the number)
DATE = "d"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Given:
    """What the learner put in one answer cell."""

    text: str  # as shown in the report ("" when blank)
    value: float | None = None
    decimals: int | None = None
    problem: Reason | None = None  # why it is not a number
    note: Reason | None = None  # how it was stored, when that is worth saying (a date format)
    #: stored as a number (``text`` is its numeral, after the formula that computed it, if
    #: any), not typed as text: shown to people in their language (:func:`shown`)
    number: bool = False

    @property
    def blank(self) -> bool:
        return self.value is None and self.problem is None


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _decimals(text: str) -> int:
    try:
        exp = Decimal(text).as_tuple().exponent
    except InvalidOperation:
        return 0
    return max(0, -int(exp)) if isinstance(exp, int) else 0


def parse_text(text: str) -> Given:
    """Read typed text as the number it means: ``0,5``, `` 0.5 ``, ``59.33%``, ``−0.2``,
    ``'0,5890`` (the apostrophe a spreadsheet uses to keep text as text, kept in the text)."""
    shown = text
    s = text.strip()
    if s[:1] in ("'", "\u2019"):  # a kept text prefix: '0,5890 as typed into a text cell
        s = s[1:]
    s = s.replace("\u2212", "-").replace("\u00a0", "").replace(" ", "")
    if s == "":
        return Given("")
    pct = s.endswith("%")
    if pct:
        s = s[:-1]
    if "," in s:
        if "." not in s and s.count(",") == 1:
            s = s.replace(",", ".")
        elif "." in s and s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")  # 1.234,5
        else:
            s = s.replace(",", "")  # 1,234.5
    if not _NUMBER.fullmatch(s):
        return Given(shown, problem=Reason.of("text_not_number", text=repr(shown.strip())))
    v = float(s)
    d = _decimals(s)
    if pct:
        v, d = v / 100.0, d + 2
    if not math.isfinite(v):
        return Given(shown, problem=Reason.of("not_finite_text", text=repr(shown.strip())))
    return Given(shown, v, d)


def read_given(value: object, dtype: str | None, formula: object) -> Given:
    """One answer cell from its saved value (``data_only``), its type and its formula text."""
    typed_formula = isinstance(formula, str) and formula.startswith("=")
    if value is None:
        if typed_formula:
            return Given(
                str(formula),
                problem=Reason.of("uncomputed"),
            )
        return Given("")
    if dtype == "e" or (isinstance(value, str) and value in ERROR_VALUES):
        return Given(str(value), problem=Reason.of("spreadsheet_error", value=str(value)))
    if isinstance(value, bool):
        return Given(str(value).upper(), problem=Reason.of("not_number", what=str(value).upper()))
    if dtype == DATE and isinstance(value, float):  # a number under a date or time format
        return replace(read_given(value, None, formula), note=Reason.of("dated"))
    if isinstance(value, int | float):
        v = float(value)
        if not math.isfinite(v):
            return Given(repr(v), problem=Reason.of("not_finite"))
        text = repr(value) if isinstance(value, float) else str(value)
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            text = str(int(value))  # a typed 1 (python-calamine reads every number as a float)
        return Given(
            f"{formula} → {text}" if typed_formula else text, v, _decimals(text), number=True
        )
    if isinstance(value, str):
        return parse_text(value)
    return Given(
        str(value), problem=Reason.of("not_number", what=f"{type(value).__name__} {value!s}")
    )


def shown(given: Given, lang: str) -> str:
    """What the learner put in a cell, for a sentence in ``lang``: a number stored as a number
    with the language's decimal mark (``0,25`` in Indonesian, as their spreadsheet showed it)
    and the formula that computed it as their spreadsheet shows a formula; typed text as typed."""
    text = given.text.strip()
    if not given.number:
        return text
    formula, arrow, numeral = text.rpartition(" → ")
    return f"{formula_text(formula, lang)}{arrow}{numeral_text(numeral, lang)}"


# =========================================================================== opening files
def check_file(path: Path) -> str:
    """Refuse, with one line, anything that is not a sane .xlsx or .ods archive — before parsing
    it. Returns ``"xlsx"`` or ``"ods"``.

    An Excel 97-2003 ``.xls`` file is refused too: it is an OLE compound file, not a zip archive,
    so none of the archive limits (parts, expansion, DTD) can be checked before a reader builds
    it, and python-calamine builds every sheet as a dense rectangle whatever it declares."""
    name = str(path)
    if not path.exists():
        raise WorkbookError(f"{name}: file not found")
    if path.is_dir():
        raise WorkbookError(f"{name}: is a folder, not a workbook")
    size = path.stat().st_size
    if size == 0:
        raise WorkbookError(f"{name}: the file is empty")
    with open(path, "rb") as fh:
        head = fh.read(8)
        if head == OLE_MAGIC:
            body = fh.read(min(size, 4 * 2**20))
            if "EncryptionInfo".encode("utf-16-le") in body or b"EncryptionInfo" in body:
                raise WorkbookError(
                    f"{name}: the workbook is password-protected (encrypted); "
                    "remove the password and save it as .xlsx"
                )
            raise WorkbookError(
                f"{name}: an Excel 97-2003 (.xls) file; open it and save it as "
                "an Excel Workbook (.xlsx) or an OpenDocument spreadsheet (.ods)"
            )
    if not head.startswith(b"PK"):
        try:
            head_text = path.read_bytes()[:4096].decode("utf-8")
        except UnicodeDecodeError:
            head_text = None
        if head_text is not None:
            raise WorkbookError(
                f"{name}: a text (CSV?) file, not an .xlsx workbook; open it in a "
                "spreadsheet and save it as .xlsx"
            )
        raise WorkbookError(f"{name}: not an .xlsx workbook (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as zf:  # the central directory only: no part is read yet
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        raise WorkbookError(
            f"{name}: truncated or damaged (not a complete .xlsx archive)"
        ) from None
    except OSError as exc:
        raise WorkbookError(
            f"{name}: cannot be read ({exc.strerror or 'input/output error'})"
        ) from None
    kind = "ods" if "mimetype" in names and "xl/workbook.xml" not in names else "xlsx"
    # the limits on untrusted archives (README "Security"), before anything is decompressed:
    # size, parts, total and per-part expansion (zip bomb), encryption, DTD/entities, cells
    (check_ods_archive if kind == "ods" else check_xlsx_archive)(path, LIMITS)
    try:
        with zipfile.ZipFile(path) as zf:
            if kind == "ods":
                with zf.open("mimetype") as fh:
                    mt = fh.read(100)
                if b"opendocument.spreadsheet" not in mt:
                    raise WorkbookError(
                        f"{name}: an OpenDocument file but not a spreadsheet (.ods)"
                    )
            elif "xl/workbook.xml" not in names:
                raise WorkbookError(f"{name}: a zip archive but not an .xlsx workbook")
    except zipfile.BadZipFile:
        raise WorkbookError(
            f"{name}: truncated or damaged (not a complete .xlsx archive)"
        ) from None
    except OSError as exc:
        raise WorkbookError(
            f"{name}: cannot be read ({exc.strerror or 'input/output error'})"
        ) from None
    return kind


@dataclass
class Grid:
    """One sheet as the learner saved it: saved value and data type, and typed formula text, of
    every non-empty cell by 0-based (row, column)."""

    cells: dict[Pos, tuple[object, str | None]] = field(default_factory=dict)
    formulas: dict[Pos, str] = field(default_factory=dict)
    #: merged ranges: (top-left, bottom-right) 0-based
    merged: list[tuple[Pos, Pos]] = field(default_factory=list)
    merged_cells: int = 0  # the cells they cover, in all
    _cover: dict[Pos, Pos] | None = field(default=None, repr=False)
    #: the stored text of each number (an .xlsx's ``<v>``): exact under a date format too
    numbers: dict[Pos, str] = field(default_factory=dict)

    def value(self, pos: Pos) -> object:
        return self.cells.get(pos, (None, None))[0]

    def covered(self, pos: Pos) -> Pos | None:
        """The top-left cell of the merged range ``pos`` is hidden under (None when it is not)."""
        if self._cover is None:  # every hidden cell once (their number is limited when read)
            self._cover = {
                (r, c): (r0, c0)
                for (r0, c0), (r1, c1) in self.merged
                for r in range(r0, r1 + 1)
                for c in range(c0, c1 + 1)
                if (r, c) != (r0, c0)
            }
        return self._cover.get(pos)


@dataclass(frozen=True)
class Book:
    """What a learner's file says, and nothing the grader concluded: the hidden sheet's lines,
    the sheets, the answer sheets' cells, the typed name and number, the Setup values. Where the
    answers are is :class:`nnsheet.grading.locate.Placement`'s business (found by the headers)."""

    meta: list[tuple[str, str]]
    sheets: list[str]
    grids: dict[str, Grid]  # Steps and Epochs
    names: dict[str, object] = field(default_factory=dict)  # ``student``, ``student_id``
    kind: str = "xlsx"
    #: the values on the Setup sheet (by sheet name, then position): the givens as the file has
    #: them, compared with the record's (``tampered``, ``givens_changed``)
    setup: dict[str, dict[Pos, object]] = field(default_factory=dict)

    @property
    def exercise(self) -> bool:
        """Whether the workbook has an exercise's instructions sheet (in any language)."""
        return any(n.exercise in self.sheets for n in SHEET_NAMES.values())


_DATES = (datetime.date, datetime.time, datetime.timedelta)  # datetime.datetime is a date
_NULL_DATE = datetime.datetime(1899, 12, 30)  # day 0 of LibreOffice and of Excel after 1900-03-01


def _serial(v: object) -> float:
    """A date, time or duration a reader built from a stored number, as that number (days):
    an .ods stores dates and times as such, not as numbers."""
    if isinstance(v, datetime.timedelta):
        days = v.total_seconds() / 86400
    elif isinstance(v, datetime.time):
        days = (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    elif isinstance(v, datetime.datetime):
        days = (v - _NULL_DATE).total_seconds() / 86400
    else:
        assert isinstance(v, datetime.date)
        days = float((v - _NULL_DATE.date()).days)
    return round(days, 9)  # a reader keeps microseconds: ~1e-11 of a day


def read_book(path: Path) -> Book:
    kind = check_file(path)
    reader = _read_ods if kind == "ods" else _read_xlsx
    try:
        return reader(path)
    except WorkbookError:
        raise
    except Exception as exc:  # the reader's own text (a Rust or parser error) names no cell
        where = f"{exc}: " if isinstance(exc, _Unreadable) else ""
        raise WorkbookError(
            f"{path}: cannot be read as an .{kind} workbook ({where}a cell or part holds what no "
            "spreadsheet saves; open it in a spreadsheet and save it again)"
        ) from None


class _Unreadable(Exception):
    """A reader failed on a sheet: its name (the reader's own message is not shown)."""


def _meta(rows: list[list[object]] | list[tuple]) -> list[tuple[str, str]]:
    meta: list[tuple[str, str]] = []
    for row in rows:
        if row and row[0] is not None and row[0] != "":
            val = row[1] if len(row) > 1 and row[1] is not None else ""
            meta.append((str(row[0]), str(val)))
    return meta


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _xlsx_extras(
    zf: zipfile.ZipFile, sheets: tuple[str, ...], name: str
) -> tuple[dict[str, Grid], dict[str, tuple[str, Pos]]]:
    """What python-calamine does not say about an .xlsx: each typed formula's text and each
    error cell (calamine reads ``#DIV/0!`` as an empty string) of ``sheets``, streamed from
    their XML parts, and the workbook's defined names ``student``/``student_id``."""
    from defusedxml.ElementTree import fromstring, iterparse

    def part(member: str) -> bytes:
        try:
            return zf.read(member)
        except KeyError:
            raise WorkbookError(
                f"{name}: part {member!r} is missing (not a complete .xlsx workbook)"
            ) from None

    book = fromstring(part("xl/workbook.xml"))
    rels = fromstring(part("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(_PKG_REL + "Relationship")}
    parts: dict[str, str] = {}
    for sh in book.iter(_MAIN + "sheet"):
        t = targets.get(sh.get(_REL + "id"), "")
        parts[sh.get("name", "")] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    names: dict[str, tuple[str, Pos]] = {}
    for dn in book.iter(_MAIN + "definedName"):
        m = re.fullmatch(r"'?([^'!]+)'?!(\$?[A-Z]{1,3}\$?\d+)", (dn.text or "").strip())
        if dn.get("name") in STUDENT_NAMES and dn.get("localSheetId") is None and m:
            names[dn.get("name", "")] = (m.group(1), cell_pos(m.group(2)))
    grids: dict[str, Grid] = {}
    for sheet in sheets:
        member = parts.get(sheet)
        if member is None or member not in zf.NameToInfo:
            continue
        g = grids[sheet] = Grid()
        row = col = -1  # a row or cell with no reference is the next one (as calamine reads it)
        with zf.open(member) as fh:
            for event, elem in iterparse(fh, events=("start", "end")):
                tag = elem.tag
                if event == "start":
                    if tag == _MAIN + "row":
                        r = elem.get("r")
                        row, col = (int(r) - 1 if r is not None else row + 1), -1
                    continue
                if tag == _MAIN + "c":
                    ref = elem.get("r")
                    pos = cell_pos(ref) if ref is not None else (row, col + 1)
                    col = pos[1]
                    _xlsx_cell(g, elem, pos, sheet, name)
                    elem.clear()
                elif tag == _MAIN + "row":
                    elem.clear()
                elif tag == _MAIN + "mergeCell":
                    first, last = range_pos(elem.get("ref", ""))
                    _merge(g, first, last, f"{name}: {sheet}")
    return grids, names


def _xlsx_cell(g: Grid, elem: object, pos: Pos, sheet: str, name: str) -> None:
    """One ``<c>`` of an answer sheet, at ``pos``: a typed formula's text, an error value, and a
    number's stored text — a stored ``NaN`` or ``INF`` (no spreadsheet writes one) refuses the
    file."""
    f = elem.find(_MAIN + "f")  # type: ignore[attr-defined]
    ref = cell_name(*pos)
    t = elem.get("t")  # type: ignore[attr-defined]
    if f is None and t not in (None, "n", "e"):
        return
    if f is not None:
        g.formulas[pos] = "=" + (f.text or "(shared formula)")
    v = elem.find(_MAIN + "v")  # type: ignore[attr-defined]
    if t == "e":
        g.cells[pos] = ((v.text or "#VALUE!") if v is not None else "#VALUE!", "e")
    elif t in (None, "n") and v is not None and v.text is not None:
        text = v.text.strip()
        try:
            ok = math.isfinite(float(text))
        except ValueError:
            ok = False
        if not ok:
            raise WorkbookError(
                f"{name}: {sheet}!{ref} stores {text[:20]!r}, which is not a "
                "number (no spreadsheet saves that); open the file in a "
                "spreadsheet, type the cell again and save it"
            )
        g.numbers[pos] = text


def _merge(g: Grid, first: Pos, last: Pos, where: str) -> None:
    """Add a merged range to ``g``, refusing (one line) more than :data:`MAX_MERGED` cells merged
    in all: finding the cell an answer hides under then costs what the file really holds."""
    (r0, c0), (r1, c1) = first, last
    if r1 < r0 or c1 < c0:
        return
    g.merged_cells += (r1 - r0 + 1) * (c1 - c0 + 1)
    if g.merged_cells > MAX_MERGED:
        raise WorkbookError(
            f"{where}: merged ranges cover more than {MAX_MERGED:,} cells; "
            "unmerge them (not an exercise nnsheet wrote)"
        )
    g.merged.append((first, last))


def _setup_values(sheets: list[str], rows) -> dict[str, dict[Pos, object]]:
    """Every non-blank value of the Setup sheet(s) present, by position."""
    return {
        name: {
            (r, c): v
            for r, row in enumerate(rows(name))
            for c, v in enumerate(row)
            if v is not None and v != ""
        }
        for name in _SETUP_SHEETS
        if name in sheets
    }


def _cell(rows: list[list[object]], pos: Pos) -> object:
    r, c = pos
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def _read_xlsx(path: Path) -> Book:
    """An .xlsx through python-calamine (the values), with the typed formulas, error cells and
    defined names from the XML (:func:`_xlsx_extras`)."""
    # read from memory (the size is already limited): no file handle outlives a parse error
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        extras, names_at = _xlsx_extras(zf, _ANSWER_SHEETS, str(path))
    return _read_calamine(data, "xlsx", extras, names_at)


def _read_calamine(
    data: bytes, kind: str, extras: dict[str, Grid], names_at: dict[str, tuple[str, Pos]]
) -> Book:
    """The workbook's values through python-calamine, into the answer sheets' grids that
    ``extras`` already holds what calamine does not say (error cells, typed formulas, merged
    ranges, the stored text of numbers): a cell there is kept as it is. A number calamine turns
    into a date or time (the cell's format) is the number stored."""
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        sheets = list(wb.sheet_names)

        def rows(sheet: str) -> list[list[object]]:
            try:
                return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception:  # the reader's words (``Parse float error``) name no cell
                raise _Unreadable(f"sheet {sheet!r}") from None

        meta = _meta(rows(META_SHEET)) if META_SHEET in sheets else []
        grids: dict[str, Grid] = {}
        for sheet in _ANSWER_SHEETS:
            if sheet not in sheets:
                continue
            g = grids[sheet] = extras.get(sheet, Grid())
            for r, row in enumerate(rows(sheet)):
                for c, v in enumerate(row):
                    if v is not None and v != "" and (r, c) not in g.cells:
                        if isinstance(v, _DATES):  # the number stored, whatever its format
                            text = g.numbers.get((r, c))
                            v, t = (float(text) if text else _serial(v)), DATE
                        else:
                            t = None
                        g.cells[(r, c)] = (v, t)
        names = {
            n: _cell(rows(sheet), pos) for n, (sheet, pos) in names_at.items() if sheet in sheets
        }
        setup = _setup_values(sheets, rows)
    finally:
        wb.close()
    return Book(meta, sheets, grids, names, kind, setup=setup)


def _odf_extras(
    path: Path,
) -> tuple[dict[str, dict[Pos, str]], dict[str, tuple[str, Pos]], dict[str, Grid]]:
    """What python-calamine does not say about an .ods: the error cells of Steps and Epochs
    (calamine reads ``#DIV/0!`` as an empty string), their merged ranges and the workbook's
    named ranges — from the one .ods walker (:func:`nnsheet.core.safety.walk_ods`)."""
    errors: dict[str, dict[Pos, str]] = {}
    merged: dict[str, Grid] = {}  # the merged ranges of each answer sheet
    ranges: dict[str, tuple[str, Pos]] = {}

    def cell(c: OdsCell) -> None:
        if c.sheet not in _ANSWER_SHEETS:
            return
        if "error" in c.attr("value-type"):  # calcext:value-type="error"
            errors.setdefault(c.sheet, {})[(c.row, c.col)] = c.text.strip() or "#VALUE!"
        if c.across > 1 or c.down > 1:
            _merge(
                merged.setdefault(c.sheet, Grid()),
                (c.row, c.col),
                (c.row + c.down - 1, c.col + c.across - 1),
                f"{path}: {c.sheet}",
            )

    def named(name: str, address: str) -> None:
        m = re.fullmatch(r"\$?'?([^.']+)'?\.(\$?[A-Z]{1,3}\$?\d+)", address)
        if name in STUDENT_NAMES and m is not None:
            ranges[name] = (m.group(1), cell_pos(m.group(2)))

    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        walk_ods(fh, str(path), cell, named, LIMITS)
    return errors, ranges, merged


def _read_ods(path: Path) -> Book:
    """An .ods through python-calamine. Calamine gives values only: a LibreOffice file always
    stores each formula's result, so the learner's formulas are not needed (and not read)."""
    errors, ranges, merged = _odf_extras(path)
    extras = merged  # each answer sheet's merged ranges, and its error cells (calamine: "")
    for sheet, cells in errors.items():
        g = extras.setdefault(sheet, Grid())
        for pos, text in cells.items():
            g.cells[pos] = (text, "e")
    return _read_calamine(path.read_bytes(), "ods", extras, ranges)
