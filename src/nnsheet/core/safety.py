"""Checks on untrusted files before anything expands them (README "Security", design.md
"Bounds").

An .xlsx or .ods file is a zip archive of XML parts. A learner's workbook comes from someone else,
so before any reader (python-calamine, openpyxl) builds anything, :func:`check_xlsx_archive` and
:func:`check_ods_archive` refuse, with one line naming the file and the sheet, part or cell:

- from the archive's central directory alone (nothing decompressed): a file that is not a zip
  archive (or is a damaged one), larger than :data:`XlsxLimits.max_file_bytes`, with more than
  :data:`XlsxLimits.max_members` parts, expanding to more than
  :data:`XlsxLimits.max_uncompressed`, with a part larger than :data:`XlsxLimits.ratio_min_bytes`
  compressed more than :data:`XlsxLimits.max_ratio` to one (a "zip bomb"), or encrypted parts;
- from one streaming pass over every XML part with a real XML parser (expat; :class:`_Walk`):
  more than :data:`XlsxLimits.max_cells` cells, a sheet whose cells holding something span a
  larger rectangle (python-calamine builds each sheet as a dense rectangle), merged ranges
  covering more than :data:`XlsxLimits.max_merged` cells, more than
  :data:`XlsxLimits.max_elements` XML elements, XML nested deeper than
  :data:`XlsxLimits.max_depth` or :data:`XlsxLimits.max_token` bytes without a tag ending, a DTD
  or entity declaration (which a spreadsheet never writes and which carry entity-expansion and
  external-entity attacks), XML that is not well-formed, two sheets of one name, and ODF
  encryption.

The declared sizes can be trusted as upper bounds: Python's ``zipfile`` never returns more bytes
for a part than its directory entry declares. The pass holds one chunk of one part at a time.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .cells import cell_pos, col_name, range_pos
from .errors import NnsheetError, WorkbookError

MiB = 2**20


@dataclass(frozen=True)
class XlsxLimits:
    """What an untrusted workbook may hold: the one set of limits the grader applies (README
    "Limits on a learner's workbook", design.md "Bounds"). The archive's directory is checked
    before anything is decompressed; the rest by one streaming pass over every XML part."""

    #: size of the .xlsx or .ods file itself
    max_file_bytes: int = 50 * MiB
    #: sum of the declared uncompressed sizes of all parts
    max_uncompressed: int = 200 * MiB
    #: number of parts (files) in the archive
    max_members: int = 5_000
    #: largest allowed compression ratio of a part bigger than ``ratio_min_bytes``
    max_ratio: float = 100.0
    ratio_min_bytes: int = 1 * MiB
    #: cells in all sheets together, and the rectangle a reader builds for one sheet (from A1 to
    #: the farthest row and column of a cell holding something)
    max_cells: int = 200_000
    #: cells covered by merged ranges, in all sheets together (an exercise merges about a
    #: hundred; openpyxl makes an object for each)
    max_merged: int = 100_000
    #: XML elements in all parts together (cells, rows, shared strings, styles, …): the
    #: streaming pass and the readers' cost grow with them
    max_elements: int = 1_000_000
    #: XML elements in one part other than a sheet or the shared strings (styles, the workbook,
    #: drawings: readers build those parts whole in memory)
    max_part_elements: int = 50_000
    #: sheets in the workbook (an exercise has six; openpyxl builds and the graded copy writes
    #: each one, at about 25 ms a sheet)
    max_sheets: int = 100
    #: how deeply XML elements may nest (a workbook's parts nest about ten deep)
    max_depth: int = 100
    #: bytes of XML without a single tag ending (one huge attribute, comment or text)
    max_token: int = 4 * MiB


DEFAULT_LIMITS = XlsxLimits()

#: the attributes that make an .ods cell hold something (a reader builds the rectangle to it)
_ODS_VALUE = frozenset(
    (
        "value-type",
        "value",
        "date-value",
        "time-value",
        "boolean-value",
        "string-value",
        "formula",
    )
)
_ODS_CELLS = ("table-cell", "covered-table-cell")
#: the root elements of the parts readers stream (sheets, shared strings, an .ods's content);
#: every other part is built whole, so it gets :data:`XlsxLimits.max_part_elements`
_STREAMED = frozenset(("worksheet", "sst", "document-content"))
_XML_SUFFIXES = (".xml", ".rels", ".vml", ".rdf")


def _mib(n: float) -> str:
    return f"{n / MiB:.0f} MiB" if n >= MiB else f"{n:.0f} bytes"


class _Refuse(Exception):
    """A limit is passed: the message, without the file's name."""


def _local(name: str) -> str:
    """An element's or attribute's local name (``table-cell`` of ``table:table-cell``). Readers
    match elements by namespace URI (ElementTree, openpyxl) or by prefix (python-calamine), and
    a file may bind ``table:`` to another URI or the ODF namespace to another prefix: counting
    every element by its local name, whatever its prefix and namespace, counts what any of them
    would build (and an unbound prefix, which calamine reads, is not an error)."""
    return name[name.rfind(":") + 1 :]


def _attr(attrs: dict[str, str], local: str) -> str | None:
    """The attribute with local name ``local``, in whatever namespace (or none)."""
    v = attrs.get(local)
    if v is None and attrs:
        for k, val in attrs.items():
            if k[k.rfind(":") + 1 :] == local:
                return val
    return v


def _count(value: str, what: str, where: str) -> int:
    v = value.strip()
    if not v.isascii() or not v.isdigit():
        raise _Refuse(f"{where}: {what}={value[:20]!r} is not a count")
    return max(1, int(v))


@dataclass(frozen=True)
class OdsCell:
    """One ``table-cell`` or ``covered-table-cell`` of an .ods, where a reader puts it."""

    sheet: str
    row: int  # 0-based, repeats of the rows above counted
    col: int  # 0-based, repeats of the cells before it counted
    repeat: int  # number-columns-repeated
    across: int  # number-columns-spanned (a merged range)
    down: int  # number-rows-spanned
    attrs: dict[str, str]  # as written (``calcext:value-type``)
    text: str  # its text (the first 1,000 characters)

    def attr(self, local: str) -> list[str]:
        """The values of the attributes named ``local`` in any namespace."""
        return [v for k, v in self.attrs.items() if k[k.rfind(":") + 1 :] == local]


def walk_ods(
    fh,
    name: str,
    on_cell: Callable[[OdsCell], None],
    on_range: Callable[[str, str], None],
    limits: XlsxLimits = DEFAULT_LIMITS,
) -> None:
    """The one .ods walker: stream an .ods's ``content.xml`` (a file object; ``name``: the file,
    for messages) through the pass that checks the limits, calling ``on_cell`` with each cell
    (positions with repeats counted, names matched by local name) and ``on_range`` with each
    named range's name and cell-range address."""
    try:
        _Walk(limits, on_cell, on_range).part(fh, "part 'content.xml'")
    except _Refuse as exc:
        raise WorkbookError(f"{name}: {exc}") from None


class _Table:
    """Counting state of one .ods sheet (``table:table``)."""

    __slots__ = (
        "col",
        "last_col",
        "last_row",
        "name",
        "row",
        "row_cells",
        "row_last",
        "row_n",
        "title",
    )

    def __init__(self, title: str, name: str) -> None:
        self.title = title  # the sheet's name
        self.name = name  # how messages name it
        self.row = 0  # 0-based row of the current row element
        self.col = 0
        self.last_row = self.last_col = -1  # extent of the non-empty cells
        self.row_cells = self.row_last = 0
        self.row_n = 1


class _Walk:
    """One streaming pass over an archive's XML parts with a real XML parser (expat: DTDs and
    entities refused), counting what a reader would build whatever the XML says:

    - ``.xlsx`` cells (``<c>`` in a ``<row>``) with their position however it is written: a
      reference in any case, quoting or spacing (the parser reads attributes, so a ``>`` inside
      another attribute cuts nothing short), and a cell or row with no ``r`` at the next position
      after the previous one, as Excel and python-calamine place it. The rectangle of a sheet is
      bounded by the largest reference and by the position, so no reading of the file builds a
      larger one; merged ranges (``<mergeCell ref>``) on every sheet;
    - ``.ods`` cells (``table-cell``, ``covered-table-cell``) with their repeats, the rectangle of
      each sheet's non-empty cells, spans (merged cells); elements are matched by local name, so
      binding ``table:`` or ``office:`` to another namespace or the ODF namespace to another prefix
      changes nothing;
    - sheet names (a workbook with two sheets of one name is refused), XML elements, depth, and
      bytes without a tag ending, in every part.
    """

    def __init__(
        self,
        limits: XlsxLimits,
        on_cell: Callable[[OdsCell], None] | None = None,
        on_range: Callable[[str, str], None] | None = None,
    ) -> None:
        self.limits = limits
        self.on_cell = on_cell  # .ods: called with each cell (the grader's reader)
        self.on_range = on_range  # .ods: called with each named range's name and address
        self.cells = 0
        self.elements = 0
        self.ends = 0  # end tags read
        self.merged = 0
        self.where = ""  # the sheet or part being read, for messages
        self.sheets: list[tuple[str, str]] = []  # .xlsx: (name, relationship id)
        self.targets: dict[str, str] = {}  # .xlsx: relationship id -> target
        self.tables: list[str] = []  # .ods: sheet names
        self.encrypted = False

    # ------------------------------------------------------------------ one part
    def part(self, fh, where: str) -> None:
        """Stream one part (a file object) through expat."""
        import pyexpat

        lim = self.limits
        self.where = where
        self.stack: list[str] = []
        # .xlsx sheet state: current row and column (0-based), rows and cells seen so far, the
        # far corner of the cells holding something, and the cell being read
        self.row = self.col = -1
        self.rows_seen = self.row_cells = 0
        self.far_row = self.far_col = -1
        self.cell: tuple[int, int] | None = None
        self.part_elements = 0
        self.root = ""  # the part's root element (local name)
        self.open: list[_Table] = []  # .ods sheets being read (a sheet may hold another)
        self.ods_cells: list[list[int]] = []  # .ods cells being read: [repeat, non-empty, merged]

        p = pyexpat.ParserCreate()  # names as written: matched by local name (:func:`_local`)
        p.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)

        def dtd(*_args: object) -> None:
            raise _Refuse(f"{where} declares a DTD or entities, which workbooks never need")

        p.StartDoctypeDeclHandler = dtd
        p.EntityDeclHandler = dtd
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        if self.on_cell is not None:
            p.CharacterDataHandler = self._text
        quiet = 0  # bytes fed since the last element event
        seen = -1
        try:
            while chunk := fh.read(MiB):
                p.Parse(chunk, False)
                now = self.elements + self.ends  # grows with every tag
                quiet = quiet + len(chunk) if now == seen else 0
                seen = now
                if quiet > lim.max_token:
                    raise _Refuse(
                        f"{where} has more than {_mib(lim.max_token)} of XML without "
                        "a tag ending; not a workbook a spreadsheet saved"
                    )
            p.Parse(b"", True)
        except pyexpat.ExpatError as exc:
            raise _Refuse(
                f"{where} is not well-formed XML (line {exc.lineno}, column "
                f"{exc.offset}: {pyexpat.ErrorString(exc.code)})"
            ) from None
        except RecursionError:
            raise _Refuse(f"{where} nests too deeply") from None

    # ------------------------------------------------------------------ events
    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = name[name.rfind(":") + 1 :]
        stack = self.stack
        parent = stack[-1] if stack else ""
        stack.append(local)
        self.elements += 1
        self.part_elements += 1
        lim = self.limits
        if self.elements > lim.max_elements:
            raise _Refuse(
                f"{self.where}: more than {lim.max_elements:,} XML elements in the workbook; "
                "not an exercise nnsheet wrote"
            )
        if self.part_elements > lim.max_part_elements and self.root not in _STREAMED:
            raise _Refuse(
                f"{self.where}: more than {lim.max_part_elements:,} XML elements in one part; "
                "not an exercise nnsheet wrote"
            )
        if not parent:
            self.root = local
        if len(stack) > lim.max_depth:
            raise _Refuse(f"{self.where}: XML nested more than {lim.max_depth} deep")
        if parent == "c":
            if self.cell is not None:  # the cell holds something: the rectangle reaches it
                r, c = self.cell
                self.cell = None
                if r > self.far_row or c > self.far_col:
                    self.far_row, self.far_col = max(r, self.far_row), max(c, self.far_col)
                    self._rectangle(self.far_row + 1, self.far_col + 1, self.where)
        elif parent in _ODS_CELLS and self.ods_cells:
            self.ods_cells[-1][1] = 1  # a child (text:p): the cell holds something
        if local == "c" and parent == "row":
            self._xlsx_cell(attrs)
        elif local == "row":
            ref = _attr(attrs, "r")
            self.rows_seen += 1
            if ref is None:
                self.row += 1
            else:
                self.row = _count(ref, "row r", self.where) - 1
            self.col, self.row_cells = -1, 0
        elif local in _ODS_CELLS:
            self._ods_cell(attrs)
        elif local == "table-row":
            if self.open:
                t = self.open[-1]
                rep = _attr(attrs, "number-rows-repeated")
                t.row_n = 1 if rep is None else _count(rep, "number-rows-repeated", t.name)
                t.col, t.row_cells, t.row_last = 0, 0, -1
        elif local == "mergeCell":
            self._merge(_attr(attrs, "ref") or "")
        elif local == "table":
            tname = _attr(attrs, "name") or ""
            if parent == "spreadsheet":
                self.tables.append(tname)
                self._sheets(len(self.tables))
            self.open.append(_Table(tname, f"sheet {tname!r}" if tname else self.where))
        elif local == "sheet" and parent == "sheets":
            self.sheets.append((_attr(attrs, "name") or "", _attr(attrs, "id") or ""))
            self._sheets(len(self.sheets))
        elif local == "Relationship":
            self.targets[_attr(attrs, "Id") or ""] = _attr(attrs, "Target") or ""
        elif local == "encryption-data":
            self.encrypted = True
        elif local == "named-range" and self.on_range is not None:
            self.on_range(_attr(attrs, "name") or "", _attr(attrs, "cell-range-address") or "")

    def _end(self, name: str) -> None:
        self.ends += 1
        local = self.stack.pop()
        if local in _ODS_CELLS:
            n, full, merged, *more = self.ods_cells.pop()
            if self.open:
                t = self.open[-1]
                if more and self.on_cell is not None:
                    attrs, text, across, down = more
                    self.on_cell(
                        OdsCell(t.title, t.row, t.col, n, across, down, attrs, "".join(text))
                    )
                if full:
                    t.row_cells += n
                    t.row_last = t.col + n - 1
                if merged:
                    self._merged(merged * n, t.name)
                t.col += n
        elif local == "table-row":
            if self.open:
                t = self.open[-1]
                n = t.row_n
                if t.row_cells:
                    self._add_cells(t.row_cells * n, t.name)
                    t.last_row, t.last_col = t.row + n - 1, max(t.last_col, t.row_last)
                    self._rectangle(t.last_row + 1, t.last_col + 1, t.name)
                t.row += n
                t.row_n = 1
        elif local == "table":
            if self.open:
                self.open.pop()

    # ------------------------------------------------------------------ .xlsx
    def _xlsx_cell(self, attrs: dict[str, str]) -> None:
        self._add_cells(1, self.where)
        self.row_cells += 1
        ref = _attr(attrs, "r")
        if ref is None:  # the next column after the previous cell, in the row's row
            r, c = self.row, self.col + 1
        else:
            try:
                r, c = cell_pos(ref)
            except ValueError:
                raise _Refuse(
                    f"{self.where}: a cell's reference r={ref[:20]!r} is not a cell"
                ) from None
        self.col = c
        # wherever a reader puts it: at its reference, or counted by position
        self.cell = (max(r, self.row, self.rows_seen - 1), max(c, self.row_cells - 1))

    def _merge(self, ref: str) -> None:
        try:
            (r0, c0), (r1, c1) = range_pos(ref)
        except ValueError:
            raise _Refuse(f"{self.where}: a merged range {ref[:30]!r} is not a range") from None
        self._merged((r1 - r0 + 1) * (c1 - c0 + 1), self.where, ref)

    # ------------------------------------------------------------------ .ods
    def _ods_cell(self, attrs: dict[str, str]) -> None:
        where = self.open[-1].name if self.open else self.where
        n, full, across, down = 1, 0, 1, 1
        for k, v in attrs.items():
            lk = k[k.rfind(":") + 1 :]
            if lk == "number-columns-repeated":
                n = _count(v, lk, where)
            elif lk == "number-columns-spanned":
                across = _count(v, lk, where)
            elif lk == "number-rows-spanned":
                down = _count(v, lk, where)
            elif lk in _ODS_VALUE:
                full = 1
        state: list = [n, full, across * down if across * down > 1 else 0]
        if self.on_cell is not None:
            state += [attrs, [], across, down]
        self.ods_cells.append(state)

    def _text(self, data: str) -> None:
        if self.ods_cells and sum(map(len, self.ods_cells[-1][4])) < 1000:
            self.ods_cells[-1][4].append(data)

    # ------------------------------------------------------------------ limits
    def _sheets(self, n: int) -> None:
        if n > self.limits.max_sheets:
            raise _Refuse(
                f"more than {self.limits.max_sheets:,} sheets; refusing to read it "
                "(not an exercise nnsheet wrote)"
            )

    def _add_cells(self, n: int, where: str) -> None:
        self.cells += n
        if self.cells > self.limits.max_cells:
            raise _Refuse(
                f"{where}: more than {self.limits.max_cells:,} cells; refusing to read it "
                "(not an exercise nnsheet wrote)"
            )

    def _rectangle(self, rows: int, cols: int, where: str) -> None:
        if rows * cols > self.limits.max_cells:
            far = f"{col_name(cols - 1)}{rows}" if cols <= 18_278 else f"R{rows}C{cols}"
            raise _Refuse(
                f"{where}: a cell as far as {far} makes a sheet of {rows * cols:,} cells, more "
                f"than the {self.limits.max_cells:,} nnsheet reads; refusing to read it "
                "(delete what is typed that far out and save it again)"
            )

    def _merged(self, n: int, where: str, ref: str = "") -> None:
        self.merged += n
        if self.merged > self.limits.max_merged:
            what = f" ({ref[:30]})" if ref else ""
            raise _Refuse(
                f"{where}: merged ranges{what} cover more than {self.limits.max_merged:,} "
                "cells in the workbook; unmerge them (not an exercise nnsheet wrote)"
            )


def check_xlsx_archive(path: str | Path, limits: XlsxLimits = DEFAULT_LIMITS) -> None:
    """Raise :class:`WorkbookError` (one line naming ``path``, and the sheet, part or cell)
    unless ``path`` is a zip archive within ``limits``: the directory first (nothing is
    decompressed for a zip bomb), then one streaming pass over every XML part
    (:class:`_Walk`: cells, rectangles, merges, elements, DTDs, duplicate sheet names)."""
    _check_zip(path, limits, ".xlsx")


def check_ods_archive(path: str | Path, limits: XlsxLimits = DEFAULT_LIMITS) -> None:
    """The same limits for an OpenDocument spreadsheet (``.ods``: a zip archive whose cells are
    all in ``content.xml``), plus: no ODF encryption (declared in ``META-INF/manifest.xml``, not
    in the zip flags); repeated rows and cells count as often as they repeat."""
    _check_zip(path, limits, ".ods")


def _is_xml(filename: str, head: bytes) -> bool:
    if filename.lower().endswith(_XML_SUFFIXES):
        return True
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _walk(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], ext: str, limits: XlsxLimits) -> None:
    """Stream every XML part through :class:`_Walk` (the workbook's list of sheets first, so a
    refusal names the sheet), then check the sheet names."""
    walk = _Walk(limits)
    first = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
    order = sorted(infos, key=lambda i: first.index(i.filename) if i.filename in first else 2)
    named: dict[str, str] | None = None  # part -> sheet name, once the workbook part is read
    for info in order:
        if info.file_size == 0 or info.is_dir():
            continue
        if named is None and info.filename not in first:
            named = {}
            for sheet, rid in walk.sheets:
                target = walk.targets.get(rid, "")
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                named[posixpath.normpath(part)] = sheet
        with zf.open(info) as fh:
            head = fh.read(64)
            if not _is_xml(info.filename, head):
                continue
            sheet = (named or {}).get(info.filename)
            where = f"sheet {sheet!r}" if sheet is not None else f"part {info.filename!r}"
            walk.part(_Prefixed(head, fh), where)
    names = [s for s, _ in walk.sheets] if ext == ".xlsx" else walk.tables
    seen: set[str] = set()
    for s in names:
        if s.casefold() in seen:
            raise _Refuse(
                f"two sheets are named {s!r}; a spreadsheet never saves that (rename one)"
            )
        seen.add(s.casefold())
    if walk.encrypted:
        raise _Refuse(
            "the spreadsheet is password-protected (encrypted); save it without a password"
        )


class _Prefixed:
    """A file object whose first bytes were already read (``head``)."""

    def __init__(self, head: bytes, fh) -> None:
        self.head, self.fh = head, fh

    def read(self, n: int) -> bytes:
        if self.head:
            out, self.head = self.head, b""
            return out + self.fh.read(max(0, n - len(out)))
        return self.fh.read(n)


def _check_zip(path: str | Path, limits: XlsxLimits, ext: str) -> None:
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
            if ext == ".ods" and "content.xml" not in {i.filename for i in infos}:
                raise WorkbookError(
                    f"{name}: a zip archive but not an OpenDocument spreadsheet (no content.xml)"
                )
            _walk(zf, infos, ext, limits)
    except WorkbookError:
        raise
    except _Refuse as exc:
        raise WorkbookError(f"{name}: {exc}") from None
    except zipfile.BadZipFile:
        raise WorkbookError(
            f"{name}: not an {ext} workbook: truncated or damaged (not a valid zip archive)"
        ) from None
    except (EOFError, RuntimeError, ValueError, NotImplementedError, zlib.error):
        raise WorkbookError(
            f"{name}: not an {ext} workbook: a part of the archive is damaged or compressed in "
            "a way spreadsheets do not write"
        ) from None
    except OSError as exc:
        raise WorkbookError(
            f"{name}: cannot be read ({exc.strerror or 'input/output error'})"
        ) from None


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
