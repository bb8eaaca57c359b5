"""Reading learners' files: archive checks before parsing, then every answer cell's value,
type and formula (``Book``), and typed text read as the number it means (``Given``)."""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..core.errors import WorkbookError
from ..core.safety import XlsxLimits, check_xlsx_archive
from ..exercise.template import (
    META_SHEET,
)
from ..words.notation import SHEET_NAMES

#: the sheets holding answers, in every language (the exercise's language names them)
_STEPS = tuple(n.steps for n in SHEET_NAMES.values())
_ANSWER_SHEETS = _STEPS + tuple(n.epochs for n in SHEET_NAMES.values())

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
        g = Given(text, v, _decimals(text))
        if typed_formula:
            g.text = f"{formula} → {text}"
        return g
    if isinstance(value, str):
        return parse_text(value)
    return Given(str(value), problem=f"{type(value).__name__} {value!s} is not a number")


# =========================================================================== opening files
def check_file(path: Path) -> None:
    """Refuse, with one line, anything that is not a sane .xlsx archive — before parsing it."""
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
                                "an Excel Workbook (.xlsx)")  # fmt: skip
    if not head.startswith(b"PK"):
        try:
            head_text = path.read_bytes()[:4096].decode("utf-8")
        except UnicodeDecodeError:
            head_text = None
        if head_text is not None:
            raise WorkbookError(f"{name}: a text (CSV?) file, not an .xlsx workbook; open it in a "
                                "spreadsheet and save it as .xlsx")  # fmt: skip
        raise WorkbookError(f"{name}: not an .xlsx workbook (not a zip archive)")
    # the limits on untrusted archives (README "Security"), before anything is decompressed:
    # size, parts, total and per-part expansion (zip bomb), encryption, DTD/entities, cells
    check_xlsx_archive(path, LIMITS)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                with zf.open("mimetype") as fh:
                    mt = fh.read(100)
                if b"opendocument.spreadsheet" in mt:
                    raise WorkbookError(f"{name}: an OpenDocument (.ods) spreadsheet; save it as "
                                        "an Excel Workbook (.xlsx)")  # fmt: skip
            if "xl/workbook.xml" not in names:
                raise WorkbookError(f"{name}: a zip archive but not an .xlsx workbook")
    except zipfile.BadZipFile:
        raise WorkbookError(f"{name}: truncated or damaged (not a complete .xlsx archive)"
                            ) from None
    except OSError as exc:
        raise WorkbookError(f"{name}: cannot be read ({exc.strerror or exc})") from None


@dataclass
class Book:
    """What the grader reads from a learner's file."""

    meta: list[tuple[str, str]]
    header: dict[str, object]  # Steps row 2 by cell
    values: dict[tuple[str, str], tuple[object, str | None]]  # saved value and data type
    formulas: dict[tuple[str, str], object]
    sheets: list[str]


def read_book(path: Path) -> Book:
    import openpyxl

    check_file(path)
    try:
        # read from memory (the size is already limited): no file handle outlives a parse error
        data = path.read_bytes()
        wb_v = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                      keep_links=False)  # fmt: skip
        wb_f = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                      keep_links=False)  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - any parser failure is an unreadable file
        msg = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise WorkbookError(f"{path}: cannot be read as an .xlsx workbook ({msg})") from None
    try:
        sheets = list(wb_v.sheetnames)
        meta: list[tuple[str, str]] = []
        if META_SHEET in sheets:
            for row in wb_v[META_SHEET].iter_rows(values_only=True):
                if row and row[0] is not None:
                    val = row[1] if len(row) > 1 and row[1] is not None else ""
                    meta.append((str(row[0]), str(val)))
        values: dict[tuple[str, str], tuple[object, str | None]] = {}
        formulas: dict[tuple[str, str], object] = {}
        header: dict[str, object] = {}
        for sheet in _ANSWER_SHEETS:
            if sheet not in sheets:
                continue
            for row in wb_v[sheet].iter_rows():
                for c in row:
                    if getattr(c, "coordinate", None) is None:
                        continue
                    if sheet in _STEPS and c.row == 2:
                        header[c.coordinate] = c.value
                    if c.value is not None:
                        values[(sheet, c.coordinate)] = (c.value, c.data_type)
            for row in wb_f[sheet].iter_rows():
                for c in row:
                    if getattr(c, "coordinate", None) is not None and isinstance(c.value, str) \
                            and c.value.startswith("="):
                        formulas[(sheet, c.coordinate)] = c.value
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001
        msg = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise WorkbookError(f"{path}: cannot be read as an .xlsx workbook ({msg})") from None
    finally:
        wb_v.close()
        wb_f.close()
    return Book(meta, header, values, formulas, sheets)
