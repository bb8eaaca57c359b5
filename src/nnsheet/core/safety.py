"""Checks on untrusted files before anything expands them (README "Security").

An .xlsx file is a zip archive of XML parts. A learner's workbook comes from someone else, so
before openpyxl opens it :func:`check_xlsx_archive` reads only the archive's central directory
(a few kilobytes, nothing decompressed) and refuses, with one line naming the file:

- a file that is not a zip archive (or is a damaged one);
- more than :data:`XlsxLimits.max_members` parts;
- a total uncompressed size above :data:`XlsxLimits.max_uncompressed` (this also bounds the number
  of cells a reader could be made to build);
- more than :data:`XlsxLimits.max_cells` cells, or a sheet whose cells span a larger rectangle
  (python-calamine, the grader's reader, builds each sheet as a dense rectangle);
- a part larger than :data:`XlsxLimits.ratio_min_bytes` that is more than
  :data:`XlsxLimits.max_ratio` times smaller compressed (a "zip bomb": real workbooks compress
  about 2-10x);
- encrypted parts, and XML parts that declare a DTD (``<!DOCTYPE``), which a spreadsheet never
  needs and which carry entity-expansion ("billion laughs") and external-entity attacks.

The declared sizes can be trusted as upper bounds: Python's ``zipfile`` never returns more bytes
for a part than its directory entry declares. XML is then parsed by openpyxl through defusedxml
(a dependency of nnsheet), which refuses entity declarations and external references.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name

from .errors import NnsheetError, WorkbookError

MiB = 2**20


@dataclass(frozen=True)
class XlsxLimits:
    """What an untrusted workbook may hold (all checked before anything is decompressed)."""

    #: size of the .xlsx file itself
    max_file_bytes: int = 100 * MiB
    #: sum of the declared uncompressed sizes of all parts
    max_uncompressed: int = 200 * MiB
    #: number of parts (files) in the archive
    max_members: int = 10_000
    #: largest allowed compression ratio of a part bigger than ``ratio_min_bytes``
    max_ratio: float = 100.0
    ratio_min_bytes: int = 1 * MiB
    #: bytes read from the start of each XML part to look for a DTD
    sniff_bytes: int = 4096
    #: cells in all worksheets together (counted by streaming through the sheets' XML, which
    #: costs about a second for the largest archive allowed and no memory)
    max_cells: int = 2_000_000


DEFAULT_LIMITS = XlsxLimits()


def _mib(n: float) -> str:
    return f"{n / MiB:.0f} MiB" if n >= MiB else f"{n:.0f} bytes"


#: a cell's start tag (its attributes, and a ``/`` at the end when it is empty: ``<c r="A1"/>``)
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])([^<>]*)>")
_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d{1,9})"')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _count_cells(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> tuple[int, int, int]:
    """Cells (``<c`` elements) in a worksheet part and the rectangle (rows, columns) spanned by
    the references of those that hold something — a reader such as python-calamine allocates
    it however few cells there are; an empty ``<c r="XFD1048576"/>`` (a format, no value) costs
    it nothing and does not count — streaming; stops once either is over ``budget``. Each chunk
    is scanned up to its last ``<``, so no tag is cut in two (``<`` cannot occur inside a tag).
    The sheet's declared ``<dimension>`` is never trusted."""
    n = rows = cols = 0
    tail = b""

    def scan(data: bytes, end: int) -> None:
        nonlocal n, rows, cols
        for m in _CELL.finditer(data, 0, end):
            n += 1
            attrs = m.group(1)
            if attrs.endswith(b"/"):
                continue
            ref = _REF.search(attrs)
            if ref is not None:
                rows = max(rows, int(ref.group(2)))
                cols = max(cols, _col_number(ref.group(1)))

    with zf.open(info) as fh:
        while chunk := fh.read(MiB):
            data = tail + chunk
            cut = data.rfind(b"<")
            if cut < 0:
                cut = len(data)
            scan(data, cut)
            tail = data[cut:]
            if len(tail) > MiB:
                raise ValueError(f"part {info.filename!r} has a tag longer than 1 MiB")
            if n > budget or rows * cols > budget:
                return n, rows, cols
    scan(tail, len(tail))
    return n, rows, cols


def check_xlsx_archive(path: str | Path, limits: XlsxLimits = DEFAULT_LIMITS) -> None:
    """Raise :class:`WorkbookError` (one line naming ``path``) unless ``path`` is a zip archive
    within ``limits``. Only the central directory and the first bytes of each XML part are
    read, so checking a zip bomb costs nothing."""
    _check_zip(path, limits, _xlsx_cells, ".xlsx")


def check_ods_archive(path: str | Path, limits: XlsxLimits = DEFAULT_LIMITS) -> None:
    """The same limits for an OpenDocument spreadsheet (``.ods``: a zip archive whose cells are
    all in ``content.xml``), plus: no ODF encryption (declared in ``META-INF/manifest.xml``, not
    in the zip flags) and, since a reader builds each sheet as a dense rectangle, the rectangle
    spanned by each sheet's non-empty cells (repeated rows and cells counted as often as they
    repeat) within ``max_cells``. ``content.xml`` is streamed, never held whole."""
    _check_zip(path, limits, _odf_cells, ".ods")


def _xlsx_cells(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str, limits: XlsxLimits
) -> None:
    cells = 0
    for info in infos:
        if info.filename.lower().startswith("xl/worksheets/") and info.filename.lower().endswith(
            ".xml"
        ):
            n, rows, cols = _count_cells(zf, info, limits.max_cells - cells)
            cells += n
            if cells > limits.max_cells:
                raise WorkbookError(
                    f"{name}: more than {limits.max_cells:,} cells; "
                    "refusing to read it (not an exercise nnsheet "
                    "wrote)"
                )
            if rows * cols > limits.max_cells:
                far = f"{xl_col_to_name(cols - 1)}{rows}"
                raise WorkbookError(
                    f"{name}: a cell as far as {far} makes "
                    f"a sheet of {rows * cols:,} cells, more than the "
                    f"{limits.max_cells:,} nnsheet reads; refusing to read it "
                    "(delete what is typed that far out and save it "
                    "again)"
                )


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _repeat(elem: object, attr: str) -> int:
    try:
        return max(1, int(elem.get(_TABLE + attr, "1")))  # type: ignore[attr-defined]
    except ValueError:
        return 1


def _odf_cells(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str, limits: XlsxLimits
) -> None:
    from defusedxml.ElementTree import iterparse  # refuses DTDs, entities, external references

    names = {i.filename for i in infos}
    if "content.xml" not in names:
        raise WorkbookError(
            f"{name}: a zip archive but not an OpenDocument spreadsheet (no content.xml)"
        )
    if "META-INF/manifest.xml" in names:
        with zf.open("META-INF/manifest.xml") as fh:
            if b"encryption-data" in fh.read(limits.sniff_bytes * 64):
                raise WorkbookError(
                    f"{name}: the spreadsheet is password-protected "
                    "(encrypted); save it without a password"
                )
    too_many = WorkbookError(
        f"{name}: more than {limits.max_cells:,} cells; refusing to read it "
        "(not an exercise nnsheet wrote)"
    )
    total = 0
    row = col = 0
    last_row = last_col = -1  # extent of the current sheet's non-empty cells
    row_cells = row_last = 0
    stack: list = []  # open elements: each finished row or cell is dropped from its parent
    with zf.open("content.xml") as fh:
        for event, elem in iterparse(fh, events=("start", "end")):
            tag = elem.tag
            if event == "start":
                stack.append(elem)
                if tag == _TABLE + "table":
                    row, last_row, last_col = 0, -1, -1
                elif tag == _TABLE + "table-row":
                    col, row_cells, row_last = 0, 0, -1
                continue
            stack.pop()
            if tag in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
                n = _repeat(elem, "number-columns-repeated")
                if elem.get(_OFFICE + "value-type") is not None or len(elem):
                    row_cells += n
                    row_last = col + n - 1
                col += n
                stack[-1].remove(elem)
            elif tag == _TABLE + "table-row":
                n = _repeat(elem, "number-rows-repeated")
                if row_cells:
                    total += row_cells * n
                    last_row, last_col = row + n - 1, max(last_col, row_last)
                    span = (last_row + 1) * (last_col + 1)
                    if total > limits.max_cells or span > limits.max_cells:
                        raise too_many
                row += n
                stack[-1].remove(elem)


def _check_zip(path: str | Path, limits: XlsxLimits, cells: Callable[..., None], ext: str) -> None:
    p = Path(path)
    name = str(path)
    try:
        if not p.is_file():
            raise WorkbookError(
                f"{name}: file not found"
                if not p.exists()
                else f"{name}: expected an {ext} file, got a folder"
            )
        size = p.stat().st_size
        if size > limits.max_file_bytes:
            raise WorkbookError(
                f"{name}: the file is {_mib(size)}, larger than the "
                f"{_mib(limits.max_file_bytes)} nnsheet reads; not a workbook "
                "it wrote"
            )
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            if len(infos) > limits.max_members:
                raise WorkbookError(
                    f"{name}: the archive holds {len(infos)} parts, more than "
                    f"the {limits.max_members} nnsheet accepts; refusing to open "
                    "it"
                )
            total = 0
            for info in infos:
                if info.flag_bits & 0x1:
                    raise WorkbookError(
                        f"{name}: part {info.filename!r} is encrypted; save the "
                        "workbook without a password"
                    )
                total += info.file_size
                if total > limits.max_uncompressed:
                    raise WorkbookError(
                        f"{name}: it would expand to more than "
                        f"{_mib(limits.max_uncompressed)}; refusing to open it "
                        "(zip bomb or not a workbook nnsheet wrote)"
                    )
                if info.file_size > limits.ratio_min_bytes and (
                    info.file_size > limits.max_ratio * max(info.compress_size, 1)
                ):
                    ratio = info.file_size / max(info.compress_size, 1)
                    raise WorkbookError(
                        f"{name}: part {info.filename!r} is compressed "
                        f"{ratio:.0f}:1 (more than {limits.max_ratio:.0f}:1); "
                        "refusing to open a likely zip bomb"
                    )
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels", ".vml", ".rdf")):
                    with zf.open(info) as fh:
                        head = fh.read(limits.sniff_bytes)
                    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 XML
                        head = head.decode("utf-16", "ignore").encode("utf-8")
                    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                        raise WorkbookError(
                            f"{name}: part {info.filename!r} declares a DTD or "
                            "entities, which workbooks never need; refusing "
                            "to read it"
                        )
            cells(zf, infos, name, limits)
    except WorkbookError:
        raise
    except zipfile.BadZipFile as exc:
        raise WorkbookError(
            f"{name}: not an {ext} workbook: truncated or damaged (not a valid zip archive: {exc})"
        ) from None
    except (OSError, EOFError, RuntimeError, ValueError, NotImplementedError, zlib.error) as exc:
        raise WorkbookError(
            f"{name}: cannot read the workbook archive ({type(exc).__name__}: {exc})"
        ) from None
    except Exception as exc:
        msg = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise WorkbookError(f"{name}: cannot read the workbook's XML ({msg})") from None


# --------------------------------------------------------------------------- text going out
#: a spreadsheet reads a CSV field or a typed cell starting with one of these as a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def read_text_file(
    path: Path,
    what: str,
    max_bytes: int,
    error: type[NnsheetError] = NnsheetError,
    bom: bool = False,
) -> str:
    """The UTF-8 text of a small input file (``what``, e.g. ``a spec file (TOML)``), or one line
    naming the file: not found, a directory or special file, larger than ``max_bytes``, not
    UTF-8. ``bom``: a leading byte-order mark is allowed (and dropped)."""
    name = str(path)
    if not path.exists():
        raise error(f"{name}: file not found")
    if not path.is_file():
        kind = "a directory" if path.is_dir() else "a special file (device or pipe)"
        raise error(f"{name}: expected {what}, got {kind}")
    if path.stat().st_size > max_bytes:
        raise error(f"{name}: larger than {max_bytes // MiB} MiB; not {what}")
    try:
        return path.read_bytes().decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError:
        raise error(f"{name}: expected {what} in UTF-8") from None
    except OSError as exc:
        raise error(f"{name}: cannot read ({exc.strerror})") from None


def csv_text(value: object) -> object:
    """A CSV field that a spreadsheet opening the CSV will not run as a formula.

    Text starting with ``= + - @``, a tab or a line break gets a leading ``'`` (OWASP's advice
    against CSV injection) unless it is a plain number such as ``-0.5``; anything else is
    returned unchanged.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def terminal_text(text: str) -> str:
    """``text`` with control characters (terminal escape sequences) shown as ``\\xNN``."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
