"""Hostile workbooks for the bounds (issue 22 item 1, design.md "Bounds"), made with zipfile from
a real exercise: references written in every spelling a reader accepts, far cells, merges on
every sheet, extra sheets full of cells, .ods namespace tricks and huge repeats. Each must be
refused by ``nnsheet check`` (with or without ``-o``) in one line naming the sheet. Used by
``tests/test_bounds.py`` and ``benchmarks/bench_hostile.py`` (time and peak memory)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEETS = {  # the parts of an exercise's sheets (nnsheet template, English)
    "Guide": "xl/worksheets/sheet1.xml",
    "Setup": "xl/worksheets/sheet2.xml",
    "Steps": "xl/worksheets/sheet3.xml",
    "Epochs": "xl/worksheets/sheet4.xml",
    "Exercise": "xl/worksheets/sheet5.xml",
}


def rewrite(src: Path, dst: Path, change: Callable[[str, bytes], bytes], extra=()) -> Path:
    """A copy of the workbook ``src`` with each part passed through ``change(name, data)``, and
    the parts ``extra`` ((name, data) pairs) added."""
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info.filename)))
        for name, data in extra:
            zout.writestr(name, data)
    return dst


def _append_rows(sheet: str, rows: bytes) -> Callable[[str, bytes], bytes]:
    part = SHEETS[sheet]

    def change(name: str, data: bytes) -> bytes:
        return data.replace(b"</sheetData>", rows + b"</sheetData>", 1) if name == part else data

    return change


#: far cells on Steps, each written as a reader (python-calamine) accepts it
FAR_CELLS: dict[str, bytes] = {
    "lower-case": b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "single-quotes": b"<row r='1048576'><c r='AZ1048576'><v>1</v></c></row>",
    "spaces": b'<row r = "1048576" ><c r = "AZ1048576" ><v>1</v></c></row>',
    "dollars": b'<row r="1048576"><c r="$XFD$1048576"><v>1</v></c></row>',
    "no-r-cell": b'<row r="1048576"><c r="AY1048576"/><c><v>1</v></c></row>',
    "no-r-row": b'<row r="1048575"/><row><c r="AZ1048576"><v>1</v></c></row>',
    "no-r-by-position": b'<row r="1048576">' + b"<c/>" * 2000 + b"<c><v>1</v></c></row>",
    "gt-in-attribute": b'<row r="1048576"><c cm="a>b" r="XFD1048576"><v>1</v></c></row>',
    "far": b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
    "prefixed": b'<x:row xmlns:x="' + MAIN.encode() + b'" r="1048576">'
    b'<x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
    "inline-string": b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
    b"</row>",
}


def far_cell(template: Path, out: Path, kind: str) -> Path:
    return rewrite(template, out, _append_rows("Steps", FAR_CELLS[kind]))


def merge_everywhere(template: Path, out: Path, sheet: str) -> Path:
    """``<mergeCell ref="A1:XFD1048576"/>`` on ``sheet`` (17 billion cells for openpyxl)."""
    part = SHEETS[sheet]
    merge = b'<mergeCell ref="A1:XFD1048576"/>'

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        if b"<mergeCells" in data:
            return re.sub(rb"(<mergeCells[^>]*>)", lambda m: m.group(1) + merge, data, count=1)
        return data.replace(b"</sheetData>", b"</sheetData><mergeCells>" + merge + b"</mergeCells>")

    return rewrite(template, out, change)


def _sheet_xml(rows: int, cols: int, seed: int = 0) -> bytes:
    """A sheet of ``rows`` x ``cols`` number cells written without references (each at the next
    position), their values varied so that it compresses like a real sheet (about 10:1)."""
    k = seed * rows * cols
    out = []
    for _ in range(rows):
        out.append(b"<row>")
        out.extend(b"<c><v>%d</v></c>" % ((k + j) * 7919 % 1000003) for j in range(cols))
        out.append(b"</row>")
        k += cols
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="'
        + MAIN.encode()
        + b'"><sheetData>'
        + b"".join(out)
        + b"</sheetData></worksheet>"
    )


def extra_sheets(
    template: Path, out: Path, cells: int = 1_900_000, sheets: int = 4, cols: int = 100
) -> Path:
    """``sheets`` extra sheets ``Data1``… holding ``cells`` number cells in all (1.9 million fit
    in well under 8 MiB): python-calamine never reads them, openpyxl (``-o``) builds them all."""
    rows_per = max(1, cells // sheets // cols)
    extra = [
        (f"xl/worksheets/data{k}.xml", _sheet_xml(rows_per, cols, k)) for k in range(1, sheets + 1)
    ]

    def change(name: str, blob: bytes) -> bytes:
        if name == "xl/workbook.xml":
            add = b"".join(
                b'<sheet name="Data%d" sheetId="%d" r:id="rIdX%d"/>' % (k, 100 + k, k)
                for k in range(1, sheets + 1)
            )
            return blob.replace(b"</sheets>", add + b"</sheets>")
        if name == "xl/_rels/workbook.xml.rels":
            add = b"".join(
                b'<Relationship Id="rIdX%d" Type="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships/worksheet" Target="worksheets/data%d.xml"/>'
                % (k, k)
                for k in range(1, sheets + 1)
            )
            return blob.replace(b"</Relationships>", add + b"</Relationships>")
        if name == "[Content_Types].xml":
            add = b"".join(
                b'<Override PartName="/xl/worksheets/data%d.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % k
                for k in range(1, sheets + 1)
            )
            return blob.replace(b"</Types>", add + b"</Types>")
        return blob

    return rewrite(template, out, change, extra)


def full_steps(template: Path, out: Path, cells: int) -> Path:
    """About ``cells`` number cells appended to Steps (88 to a row, the exercise's width), with
    no references: the worst answer sheet the limits accept."""
    rows = cells // 88
    body = b"".join(
        b"<row>"
        + b"".join(b"<c><v>%d</v></c>" % ((r * 88 + j) * 7919 % 1000003) for j in range(88))
        + b"</row>"
        for r in range(rows)
    )
    return rewrite(template, out, _append_rows("Steps", body))


def many_styles(template: Path, out: Path, n: int) -> Path:
    """``n`` XML elements of cell formats (``<xf>``) added to the styles part, which readers
    build whole."""
    xfs = b"".join(
        b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0"><alignment '
        b'indent="%d" textRotation="%d"/></xf>' % (k % 50, k * 7 % 251, k * 13 % 181)
        for k in range(n // 2)
    )

    def change(name: str, blob: bytes) -> bytes:
        if name != "xl/styles.xml":
            return blob
        return re.sub(rb"(<cellXfs[^>]*>)", lambda m: m.group(1) + xfs, blob, count=1)

    return rewrite(template, out, change)


def _long_text(n: int, every: int = 300) -> bytes:
    """``n`` bytes of text that compress about 90:1 (one varied letter every ``every``)."""
    unit = bytearray(b"a" * every)
    out = bytearray()
    k = 0
    while len(out) < n:
        k = (k * 1103515245 + 12345) % 2**31
        unit[k % every] = 97 + (k >> 8) % 26
        out += unit
    return bytes(out[:n])


def many_strings(template: Path, out: Path, n: int, size: int = 0) -> Path:
    """``n`` distinct shared strings (a part every reader loads whole into memory); ``size``: the
    bytes of text in each (about 90:1 compressible), else a short one."""
    parts = [b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + MAIN.encode() + b'">']
    text = _long_text(size) if size else b""
    for k in range(n):
        parts.append(b"<si><t>s%d%s</t></si>" % (k * 7919 % 1000003, text))
    parts.append(b"</sst>")
    sst = b"".join(parts)

    def change(name: str, blob: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return blob.replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
        if name == "xl/_rels/workbook.xml.rels":
            return blob.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                b"</Relationships>",
            )
        return blob

    return rewrite(template, out, change, [("xl/sharedStrings.xml", sst)])


def duplicate_sheet(template: Path, out: Path) -> Path:
    """A second sheet named ``Steps`` (a hand-edited zip: no spreadsheet saves that)."""

    def change(name: str, blob: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return blob.replace(b'name="Exercise"', b'name="Steps"')
        return blob

    return rewrite(template, out, change)


# ---------------------------------------------------------------------------------- .ods
ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:'
    'tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>'
)


def ods(path: Path, body: str, ns: str | None = None) -> Path:
    """An .ods whose one sheet ``Steps`` holds the rows ``body`` (``ns``: the namespace
    declarations, the usual ``office``, ``table``, ``text`` by default)."""
    if ns is None:
        ns = " ".join(f'xmlns:{p}="{u}"' for p, u in ODF.items())
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body>'
        f'<office:spreadsheet><table:table table:name="Steps">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        zf.writestr("META-INF/manifest.xml", _MANIFEST)
        zf.writestr("content.xml", content)
    return path


_ONE = (
    '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p>'
    "</table:table-cell>"
)
#: sheets a reader would build as billions of cells, in few bytes
ODS_FILES: dict[str, tuple[str, str | None]] = {
    # office: bound to another URI (a reader matching prefixes still reads the values)
    "office-elsewhere": (
        f"<table:table-row>{_ONE}</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048574"><table:table-cell/>'
        "</table:table-row>"
        f'<table:table-row><table:table-cell table:number-columns-repeated="16383"/>{_ONE}'
        "</table:table-row>",
        f'xmlns:office="urn:example:not-odf" xmlns:table="{ODF["table"]}" '
        f'xmlns:text="{ODF["text"]}" xmlns:o="{ODF["office"]}"',
    ),
    # the ODF table namespace bound to another prefix (a reader resolving URIs reads it)
    "odf-other-prefix": (
        "<t:table-row><t:table-cell office:value-type='float' office:value='1'/></t:table-row>"
        '<t:table-row t:number-rows-repeated="1048574"><t:table-cell/></t:table-row>'
        "<t:table-row><t:table-cell t:number-columns-repeated='16383'/>"
        "<t:table-cell office:value-type='float' office:value='1'/></t:table-row>",
        " ".join(f'xmlns:{p}="{u}"' for p, u in ODF.items()) + f' xmlns:t="{ODF["table"]}"',
    ),
    # one number repeated over a whole sheet
    "huge-repeats": (
        '<table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" '
        'office:value="1"/></table:table-row>',
        None,
    ),
    # a repeat count beyond any sheet, on one cell
    "huge-column-repeat": (
        '<table:table-row><table:table-cell table:number-columns-repeated="4000000000" '
        'office:value-type="float" office:value="1"/></table:table-row>',
        None,
    ),
}


def hostile_ods(path: Path, kind: str) -> Path:
    body, ns = ODS_FILES[kind]
    return ods(path, body, ns)


def all_files(template: Path, d: Path) -> dict[str, Path]:
    """Every hostile file (name -> path), made in the folder ``d`` from the exercise
    ``template``."""
    out: dict[str, Path] = {}
    for kind in FAR_CELLS:
        out[f"far-{kind}"] = far_cell(template, d / f"far-{kind}.xlsx", kind)
    for sheet in SHEETS:
        out[f"merge-{sheet}"] = merge_everywhere(template, d / f"merge-{sheet}.xlsx", sheet)
    out["extra-sheets"] = extra_sheets(template, d / "extra-sheets.xlsx")
    out["duplicate-sheet"] = duplicate_sheet(template, d / "duplicate-sheet.xlsx")
    for kind in ODS_FILES:
        out[f"ods-{kind}"] = hostile_ods(d / f"ods-{kind}.ods", kind)
    return out
