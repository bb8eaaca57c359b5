"""Edit a workbook with LibreOffice itself, the way a learner does, through its UNO bridge.

Run with the interpreter that has Debian's ``python3-uno`` (the system ``/usr/bin/python3``),
not the project's virtual environment:

    /usr/bin/python3 tests/uno_edit.py SRC OUT OPS.json [--timeout SECONDS]

It starts a headless soffice with a private, throw-away profile listening on a private pipe,
opens SRC, applies the operations in OPS.json (a list, in order), recalculates, saves OUT in the
format its suffix names (.xlsx: "Calc MS Excel 2007 XML", .ods: "calc8", .csv: Text CSV of the
active sheet, ';'-separated UTF-8) and closes soffice.
Operations (rows and columns 0-based, cells in A1 notation):

    {"op": "unprotect", "sheet": "Steps"}
    {"op": "insert_columns", "sheet": "Steps", "at": 5, "count": 1}
    {"op": "insert_rows", "sheet": "Steps", "at": 3, "count": 1}
    {"op": "delete_rows", "sheet": "Steps", "at": 3, "count": 1}
    {"op": "value", "sheet": "Steps", "cells": {"F3": 0.5767, ...}}   # typed numbers
    {"op": "text", "sheet": "Steps", "cells": {"G3": "0,5", ...}}     # typed text
    {"op": "formula", "sheet": "Exercise", "cells": {"A4": '=CHAR(27)&"x"'}}  # typed formula
    {"op": "merge", "sheet": "Steps", "range": "W3:X3"}               # Format > Merge Cells
    {"op": "number_format", "sheet": "Steps", "cells": ["W3"], "format": "HH:MM:SS"}

A sheet is unprotected (the exercise protects it without a password, as a learner would undo)
before any operation on it. Exit status 0 on success; anything else prints one line on stderr.
Every wait is bounded: soffice is killed when the timeout passes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

FILTERS = {
    ".xlsx": "Calc MS Excel 2007 XML",
    ".ods": "calc8",
    ".csv": "Text - txt - csv (StarCalc)",
}
#: File > Save As > Text CSV as an Indonesian-locale spreadsheet saves it: fields separated by
#: ';' (59), text in '"' (34), UTF-8 (76), from row 1, no column formats, system language, text
#: quoted only when it must be, special numbers detected, cells saved as shown
CSV_OPTIONS = "59,34,76,1,,0,false,true,true"


def _prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _connect(pipe: str, proc: subprocess.Popen, deadline: float):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"soffice exited early (status {proc.returncode})")
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if time.monotonic() > deadline:
                raise TimeoutError("soffice did not accept a connection in time") from None
            time.sleep(0.25)


def _apply(doc, ops: list[dict]) -> None:
    sheets = doc.Sheets
    unprotected: set[str] = set()
    for op in ops:
        sheet = sheets.getByName(op["sheet"])
        if op["sheet"] not in unprotected:
            sheet.unprotect("")
            unprotected.add(op["sheet"])
        kind = op["op"]
        if kind == "unprotect":
            continue
        if kind == "insert_columns":
            sheet.Columns.insertByIndex(op["at"], op.get("count", 1))
        elif kind == "insert_rows":
            sheet.Rows.insertByIndex(op["at"], op.get("count", 1))
        elif kind == "delete_rows":
            sheet.Rows.removeByIndex(op["at"], op.get("count", 1))
        elif kind == "value":
            for ref, v in op["cells"].items():
                sheet.getCellRangeByName(ref).setValue(float(v))
        elif kind == "text":
            for ref, v in op["cells"].items():
                sheet.getCellRangeByName(ref).setString(str(v))
        elif kind == "formula":  # typed as a formula, e.g. =CHAR(27)&"[31mEVE"
            for ref, v in op["cells"].items():
                sheet.getCellRangeByName(ref).setFormula(str(v))
        elif kind == "number_format":  # Format > Cells > Numbers, in the en-US format code
            formats = doc.NumberFormats
            locale = uno.createUnoStruct("com.sun.star.lang.Locale")
            locale.Language, locale.Country = "en", "US"
            key = formats.queryKey(op["format"], locale, False)
            if key == -1:
                key = formats.addNew(op["format"], locale)
            for ref in op["cells"]:
                sheet.getCellRangeByName(ref).NumberFormat = key
        elif kind == "merge":
            sheet.getCellRangeByName(op["range"]).merge(True)
        else:
            raise ValueError(f"unknown operation {kind!r}")


def edit(src: Path, out: Path, ops: list[dict], timeout: float) -> None:
    soffice = shutil.which("soffice") or "/usr/lib/libreoffice/program/soffice"
    filt = FILTERS.get(out.suffix.lower())
    if filt is None:
        raise ValueError(f"{out}: expected .xlsx, .ods or .csv")
    deadline = time.monotonic() + timeout
    pipe = f"nnsheet_uno_{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="nnsheet-uno-") as tmp:
        env = dict(os.environ, HOME=tmp)
        cmd = [
            soffice,
            f"-env:UserInstallation={Path(tmp).as_uri()}/profile",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ]
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            ctx = _connect(pipe, proc, deadline)
            desktop = ctx.ServiceManager.createInstanceWithContext(
                "com.sun.star.frame.Desktop", ctx
            )
            doc = desktop.loadComponentFromURL(
                src.resolve().as_uri(), "_blank", 0, (_prop("Hidden", True),)
            )
            if doc is None:
                raise RuntimeError(f"soffice could not open {src}")
            try:
                _apply(doc, ops)
                doc.calculateAll()
                props = [_prop("FilterName", filt), _prop("Overwrite", True)]
                if out.suffix.lower() == ".csv":  # the active sheet, ';'-separated
                    props.append(_prop("FilterOptions", CSV_OPTIONS))
                doc.storeToURL(out.resolve().as_uri(), tuple(props))
            finally:
                doc.close(True)
            try:
                desktop.terminate()
            except Exception:
                pass
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
                proc.wait(timeout=10)
    if not out.is_file() or out.stat().st_size == 0:
        raise RuntimeError(f"soffice wrote no {out}")


def main(argv: list[str]) -> int:
    args = list(argv)
    timeout = 120.0
    if "--timeout" in args:
        k = args.index("--timeout")
        timeout = float(args[k + 1])
        del args[k : k + 2]
    if len(args) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    src, out, ops = Path(args[0]), Path(args[1]), json.loads(Path(args[2]).read_text())
    try:
        edit(src, out, ops, timeout)
    except Exception as exc:
        print(f"uno_edit: {type(exc).__name__}: {exc}".replace("\n", " "), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
