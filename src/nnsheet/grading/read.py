"""Reading learners' files: archive checks before parsing, then every answer cell's value,
type and formula (``Book``), and typed text read as the number it means (``Given``)."""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..core.errors import WorkbookError
from ..core.safety import XlsxLimits, check_ods_archive, check_xlsx_archive
from ..exercise.template import META_SHEET, STUDENT_NAMES
from ..sheet.layout import cell_name
from ..words.notation import SHEET_NAMES

#: the sheets holding answers, in every language (the exercise's language names them)
_STEPS = tuple(n.steps for n in SHEET_NAMES.values())
_ANSWER_SHEETS = _STEPS + tuple(n.epochs for n in SHEET_NAMES.values())
#: the sheets holding the givens (compared with the record: edited givens are flagged)
_SETUP_SHEETS = tuple(dict.fromkeys(n.setup for n in SHEET_NAMES.values()))

LIMITS = XlsxLimits(max_file_bytes=50 * 2**20, max_uncompressed=200 * 2**20, max_members=5_000)
ERROR_VALUES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Given:
    """What the learner put in one answer cell."""

    text: str  # as shown in the report ("" when blank)
    value: float | None = None
    decimals: int | None = None
    problem: str | None = None  # why it is not a number

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
    """Read typed text as the number it means: ``0,5``, `` 0.5 ``, ``59.33%``, ``−0.2``."""
    shown = text
    s = text.strip().replace("\u2212", "-").replace("\u00a0", "").replace(" ", "")
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
        return Given(shown, problem=f"the text {shown.strip()!r} is not a number")
    v = float(s)
    d = _decimals(s)
    if pct:
        v, d = v / 100.0, d + 2
    if not math.isfinite(v):
        return Given(shown, problem=f"{shown.strip()!r} is not a finite number")
    return Given(shown, v, d)


def read_given(value: object, dtype: str | None, formula: object) -> Given:
    """One answer cell from its saved value (``data_only``), its type and its formula text."""
    typed_formula = isinstance(formula, str) and formula.startswith("=")
    if value is None:
        if typed_formula:
            return Given(str(formula), problem="a formula with no computed result (not computed:"
                         " open the file in a spreadsheet and save it)")  # fmt: skip
        return Given("")
    if dtype == "e" or (isinstance(value, str) and value in ERROR_VALUES):
        return Given(str(value), problem=f"the spreadsheet error {value}")
    if isinstance(value, bool):
        return Given(str(value).upper(), problem=f"{str(value).upper()} is not a number")
    if isinstance(value, int | float):
        v = float(value)
        if not math.isfinite(v):
            return Given(repr(v), problem="not a finite number")
        text = repr(value) if isinstance(value, float) else str(value)
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            text = str(int(value))  # a typed 1 (python-calamine reads every number as a float)
        g = Given(text, v, _decimals(text))
        if typed_formula:
            g.text = f"{formula} → {text}"
        return g
    if isinstance(value, str):
        return parse_text(value)
    return Given(str(value), problem=f"{type(value).__name__} {value!s} is not a number")


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
                raise WorkbookError(f"{name}: the workbook is password-protected (encrypted); "
                                    "remove the password and save it as .xlsx")  # fmt: skip
            raise WorkbookError(f"{name}: an Excel 97-2003 (.xls) file; open it and save it as "
                                "an Excel Workbook (.xlsx) or an OpenDocument spreadsheet (.ods)"
                                )  # fmt: skip
    if not head.startswith(b"PK"):
        try:
            head_text = path.read_bytes()[:4096].decode("utf-8")
        except UnicodeDecodeError:
            head_text = None
        if head_text is not None:
            raise WorkbookError(f"{name}: a text (CSV?) file, not an .xlsx workbook; open it in a "
                                "spreadsheet and save it as .xlsx")  # fmt: skip
        raise WorkbookError(f"{name}: not an .xlsx workbook (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as zf:  # the central directory only: no part is read yet
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        raise WorkbookError(f"{name}: truncated or damaged (not a complete .xlsx archive)"
                            ) from None
    except OSError as exc:
        raise WorkbookError(f"{name}: cannot be read ({exc.strerror or exc})") from None
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
                    raise WorkbookError(f"{name}: an OpenDocument file but not a spreadsheet "
                                        "(.ods)")  # fmt: skip
            elif "xl/workbook.xml" not in names:
                raise WorkbookError(f"{name}: a zip archive but not an .xlsx workbook")
    except zipfile.BadZipFile:
        raise WorkbookError(f"{name}: truncated or damaged (not a complete .xlsx archive)"
                            ) from None
    except OSError as exc:
        raise WorkbookError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    return kind


Pos = tuple[int, int]  # 0-based (row, column)


@dataclass
class Grid:
    """One sheet as the learner saved it: saved value and data type, and typed formula text, of
    every non-empty cell by 0-based (row, column)."""

    cells: dict[Pos, tuple[object, str | None]] = field(default_factory=dict)
    formulas: dict[Pos, str] = field(default_factory=dict)

    def value(self, pos: Pos) -> object:
        return self.cells.get(pos, (None, None))[0]


@dataclass
class Book:
    """What the grader reads from a learner's file. The answers are found by the headers
    (:func:`nnsheet.grading.locate.locate` fills :attr:`where`): every lookup takes the layout's
    own address, so the key's formulas stay as they are."""

    meta: list[tuple[str, str]]
    sheets: list[str]
    grids: dict[str, Grid]  # Steps and Epochs
    names: dict[str, object] = field(default_factory=dict)  # ``student``, ``student_id``
    kind: str = "xlsx"
    #: the learner's cell of each layout cell (sheet, A1) that is not where the layout put it
    where: dict[tuple[str, str], Pos] = field(default_factory=dict)
    #: how the learner's table moved, e.g. "Steps: 1 extra column (W)" (None when it did not)
    shifted: str | None = None
    #: the values on the Setup sheet (by sheet name, then position): the givens as the file has
    #: them, compared with the record's (``tampered``, ``givens_changed``)
    setup: dict[str, dict[Pos, object]] = field(default_factory=dict)

    def pos(self, key: tuple[str, str]) -> Pos:
        p = self.where.get(key)
        return p if p is not None else _pos(key[1])

    def ref(self, key: tuple[str, str]) -> str:
        """The learner's A1 address of a layout cell."""
        r, c = self.pos(key)
        return cell_name(r, c)

    def place(self, key: tuple[str, str]) -> str:
        """Where the learner finds the answer of a layout cell: ``Steps!X3``."""
        return f"{key[0]}!{self.ref(key)}"

    def value(self, key: tuple[str, str]) -> tuple[object, str | None]:
        g = self.grids.get(key[0])
        return (None, None) if g is None else g.cells.get(self.pos(key), (None, None))

    def formula(self, key: tuple[str, str]) -> str | None:
        g = self.grids.get(key[0])
        return None if g is None else g.formulas.get(self.pos(key))


_A1 = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


def _pos(a1: str) -> Pos:
    m = _A1.fullmatch(a1.strip().upper())
    if m is None:
        raise ValueError(a1)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def read_book(path: Path) -> Book:
    kind = check_file(path)
    reader = _read_ods if kind == "ods" else _read_xlsx
    try:
        return reader(path)
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is an unreadable file
        msg = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise WorkbookError(f"{path}: cannot be read as an .{kind} workbook ({msg})") from None


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


def _xlsx_extras(zf: zipfile.ZipFile, sheets: tuple[str, ...]
                 ) -> tuple[dict[str, Grid], dict[str, tuple[str, Pos]]]:  # fmt: skip
    """What python-calamine does not say about an .xlsx: each typed formula's text and each
    error cell (calamine reads ``#DIV/0!`` as an empty string) of ``sheets``, streamed from
    their XML parts, and the workbook's defined names ``student``/``student_id``."""
    from defusedxml.ElementTree import fromstring, iterparse

    book = fromstring(zf.read("xl/workbook.xml"))
    rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(_PKG_REL + "Relationship")}
    parts: dict[str, str] = {}
    for sh in book.iter(_MAIN + "sheet"):
        t = targets.get(sh.get(_REL + "id"), "")
        parts[sh.get("name", "")] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    names: dict[str, tuple[str, Pos]] = {}
    for dn in book.iter(_MAIN + "definedName"):
        m = re.fullmatch(r"'?([^'!]+)'?!(\$?[A-Z]{1,3}\$?\d+)", (dn.text or "").strip())
        if dn.get("name") in STUDENT_NAMES and dn.get("localSheetId") is None and m:
            names[dn.get("name", "")] = (m.group(1), _pos(m.group(2)))
    grids: dict[str, Grid] = {}
    for sheet in sheets:
        part = parts.get(sheet)
        if part is None:
            continue
        g = grids[sheet] = Grid()
        with zf.open(part) as fh:
            for _event, elem in iterparse(fh, events=("end",)):
                if elem.tag == _MAIN + "c":
                    f = elem.find(_MAIN + "f")
                    ref = elem.get("r")
                    if ref is not None and (f is not None or elem.get("t") == "e"):
                        pos = _pos(ref)
                        if f is not None:
                            g.formulas[pos] = "=" + (f.text or "(shared formula)")
                        if elem.get("t") == "e":
                            v = elem.find(_MAIN + "v")
                            g.cells[pos] = ((v.text or "#VALUE!") if v is not None
                                            else "#VALUE!", "e")  # fmt: skip
                    elem.clear()
                elif elem.tag == _MAIN + "row":
                    elem.clear()
    return grids, names


def _setup_values(sheets: list[str], rows) -> dict[str, dict[Pos, object]]:  # noqa: ANN001
    """Every non-blank value of the Setup sheet(s) present, by position."""
    return {name: {(r, c): v for r, row in enumerate(rows(name)) for c, v in enumerate(row)
                   if v is not None and v != ""}
            for name in _SETUP_SHEETS if name in sheets}  # fmt: skip


def _cell(rows: list[list[object]], pos: Pos) -> object:
    r, c = pos
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def _read_xlsx(path: Path) -> Book:
    """An .xlsx through python-calamine (the values), with the typed formulas, error cells and
    defined names from the XML (:func:`_xlsx_extras`)."""
    import python_calamine

    # read from memory (the size is already limited): no file handle outlives a parse error
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        extras, names_at = _xlsx_extras(zf, _ANSWER_SHEETS)
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        sheets = list(wb.sheet_names)

        def rows(sheet: str) -> list[list[object]]:
            return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)

        meta = _meta(rows(META_SHEET)) if META_SHEET in sheets else []
        grids: dict[str, Grid] = {}
        for sheet in _ANSWER_SHEETS:
            if sheet not in sheets:
                continue
            g = grids[sheet] = extras.get(sheet, Grid())
            for r, row in enumerate(rows(sheet)):
                for c, v in enumerate(row):
                    if v is not None and v != "" and (r, c) not in g.cells:
                        g.cells[(r, c)] = (v, None)
        names = {n: _cell(rows(sheet), pos) for n, (sheet, pos) in names_at.items()
                 if sheet in sheets}  # fmt: skip
        setup = _setup_values(sheets, rows)
    finally:
        wb.close()
    return Book(meta, sheets, grids, names, "xlsx", setup=setup)


_ODF_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODF_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _odf_extras(path: Path) -> tuple[dict[str, dict[Pos, str]], dict[str, tuple[str, Pos]]]:
    """What python-calamine does not say about an .ods: the error cells of Steps and Epochs
    (calamine reads ``#DIV/0!`` as an empty string) and the workbook's named ranges."""
    from defusedxml.ElementTree import iterparse

    errors: dict[str, dict[Pos, str]] = {}
    ranges: dict[str, tuple[str, Pos]] = {}
    table = ""
    row = col = 0
    stack: list = []
    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        for event, elem in iterparse(fh, events=("start", "end")):
            tag = elem.tag
            if event == "start":
                stack.append(elem)
                if tag == _ODF_TABLE + "table":
                    table, row = elem.get(_ODF_TABLE + "name", ""), 0
                elif tag == _ODF_TABLE + "table-row":
                    col = 0
                continue
            stack.pop()
            if tag in (_ODF_TABLE + "table-cell", _ODF_TABLE + "covered-table-cell"):
                if table in _ANSWER_SHEETS and elem.get(_ODF_CALCEXT + "value-type") == "error":
                    text = "".join(elem.itertext()).strip() or "#VALUE!"
                    errors.setdefault(table, {})[(row, col)] = text
                col += _odf_repeat(elem, "number-columns-repeated")
                stack[-1].remove(elem)
            elif tag == _ODF_TABLE + "table-row":
                row += _odf_repeat(elem, "number-rows-repeated")
                stack[-1].remove(elem)
            elif tag == _ODF_TABLE + "named-range":
                name = elem.get(_ODF_TABLE + "name", "")
                m = re.fullmatch(r"\$?'?([^.']+)'?\.(\$?[A-Z]{1,3}\$?\d+)",
                                 elem.get(_ODF_TABLE + "cell-range-address", ""))
                if name in STUDENT_NAMES and m is not None:
                    ranges[name] = (m.group(1), _pos(m.group(2)))
    return errors, ranges


def _odf_repeat(elem: object, attr: str) -> int:
    try:
        return max(1, int(elem.get(_ODF_TABLE + attr, "1")))  # type: ignore[attr-defined]
    except ValueError:
        return 1


def _read_ods(path: Path) -> Book:
    """An .ods through python-calamine. Calamine gives values only: a LibreOffice file always
    stores each formula's result, so the learner's formulas are not needed (and not read)."""
    import python_calamine

    errors, ranges = _odf_extras(path)
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    try:
        sheets = list(wb.sheet_names)

        def rows(sheet: str) -> list[list[object]]:
            return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)

        meta = _meta(rows(META_SHEET)) if META_SHEET in sheets else []
        grids: dict[str, Grid] = {}
        for sheet in _ANSWER_SHEETS:
            if sheet not in sheets:
                continue
            g = grids[sheet] = Grid()
            for r, row in enumerate(rows(sheet)):
                for c, v in enumerate(row):
                    if v is not None and v != "":
                        g.cells[(r, c)] = (v, None)
            for pos, text in errors.get(sheet, {}).items():
                g.cells[pos] = (text, "e")
        names = {n: _cell(rows(sheet), pos) for n, (sheet, pos) in ranges.items()
                 if sheet in sheets}  # fmt: skip
        setup = _setup_values(sheets, rows)
    finally:
        wb.close()
    return Book(meta, sheets, grids, names, "ods", setup=setup)
