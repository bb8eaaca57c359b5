"""What grading writes: the terminal summary, the graded copy and the --report rows."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

from ..core.errors import WorkbookError
from ..core.safety import terminal_text
from ..exercise.template import (
    BLOCKS,
)
from ..output.files import write_atomic
from ..sheet.layout import EPOCHS
from .explain import _i, _n, explain
from .mark import VERDICTS, Result

REPORT_COLUMNS = ["file", "sheet", "cell", "label", "quantity", "epoch", "step", "sample", "layer",
                  "j", "i", "verdict", "expected", "given"]  # fmt: skip
COLOURS = {"correct": "C6EFCE", "carried": "DDEBF7", "wrong": "FFC7CE", "missing": "D9D9D9"}
LEGEND = {
    "correct": "correct: within the tolerance of the expected value",
    "carried": "carried: correct by carry-forward, right when computed from your own earlier "
               "values, one of which was wrong",
    "wrong": "wrong: see the cell's comment",
    "missing": "missing: nothing typed",
}
#: limits on an untrusted .xlsx before anything is decompressed


# =========================================================================== output
def _where(row: dict) -> str:
    if row["sheet"] == EPOCHS:
        return f"epoch {row['epoch']}"
    s = f"step {row['step']}"
    if _i(row["sample"]) is not None:
        s += f", sample {row['sample']}"
    return s


def summary(res: Result) -> list[str]:
    c = res.counts
    total = len(res.marks)
    lines = [f"{res.path}: {total} answer cells — " + ", ".join(
        f"{c.get(v, 0)} {v}" for v in VERDICTS)]  # fmt: skip
    if res.book is not None and res.book.shifted:
        lines.append(f"  {res.book.shifted}")
    drift = sum(m.drift for m in res.marks)
    if drift:
        lines.append(f"  {drift} correct value(s) differ from the exact ones only by rounding "
                     "your own correct earlier values (not a mistake)")
    for b in BLOCKS:
        ms = [m for m in res.marks if m.block == b]
        if ms:
            cb = Counter(m.verdict for m in ms)
            lines.append(f"  {b:9} " + ", ".join(f"{cb.get(v, 0)} {v}" for v in VERDICTS))
    first = next((m for m in res.marks if m.verdict == "wrong"), None)
    if first is not None:
        r = first.row
        lines.append(f"  first wrong: {r['sheet']}!{first.cell} {r['label']} ({_where(r)}): "
                     f"expected {_n(float(r['value']))}, you wrote "
                     f"{terminal_text(first.given.text.strip())}"
                     + (f" — {first.reason}" if first.given.problem else "")
                     + (f" — {first.reason.partition('; ')[2]}" if "; typed with" in first.reason
                        else ""))
        lines.append(f"    {explain(res.key, r)}")
    elif c.get("missing"):
        m = next(m for m in res.marks if m.verdict == "missing")
        lines.append(f"  first missing: {m.row['sheet']}!{m.cell} {m.row['label']} "
                     f"({_where(m.row)})")
    return lines


def _values_copy(res: Result):  # noqa: ANN202
    """A new workbook with the learner's Steps and Epochs sheets as values (a graded copy of an
    .ods, which openpyxl cannot open)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    assert res.book is not None
    for name, grid in res.book.grids.items():
        ws = wb.create_sheet(name)
        for (r, c), (v, _t) in sorted(grid.cells.items()):
            if isinstance(v, str | int | float | bool):
                cell = ws.cell(r + 1, c + 1, v)
                if isinstance(v, str):
                    cell.data_type = "s"  # learners' text stays text, never a formula
    return wb


def write_graded(src: Path, res: Result, out: Path) -> None:
    """A graded copy of the learner's file: answer cells coloured by verdict, a comment on each
    cell that is not plainly correct, and a Grades sheet with the legend and the summary. The
    copy is an .xlsx; of an .ods it holds the Steps and Epochs sheets as values."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    if res.book is not None and res.book.kind == "ods":
        wb = _values_copy(res)
    else:
        try:  # the full load reads parts (charts, styles) the grading's read-only pass skipped
            wb = openpyxl.load_workbook(io.BytesIO(Path(src).read_bytes()), keep_links=False)
        except Exception as exc:  # noqa: BLE001 - any parser failure is an unreadable part
            msg = " ".join(str(exc).split())[:160] or type(exc).__name__
            raise WorkbookError(f"{src}: graded, but no graded copy can be written: a part of "
                                f"the workbook cannot be read ({msg})") from None  # fmt: skip
    fills = {v: PatternFill(fill_type="solid", fgColor="FF" + c) for v, c in COLOURS.items()}
    for m in res.marks:
        ws = wb[m.row["sheet"]]
        cell = ws[m.cell or m.row["cell"]]
        cell.fill = fills[m.verdict]
        if m.verdict == "correct" and not m.drift:
            continue
        text = f"{m.verdict.upper()}: {m.row['label']} ({_where(m.row)})\n"
        if m.verdict == "wrong":
            text += f"you wrote {m.given.text.strip()}; {m.reason}\n{explain(res.key, m.row)}"
        elif m.verdict == "carried":
            text += f"expected {_n(float(m.row['value']))}, but {m.reason}"
        elif m.verdict == "correct":
            text += m.reason
        else:
            text += f"expected {_n(float(m.row['value']))}"
        cm = Comment(text, "nnsheet check")
        cm.width, cm.height = 420, 160
        cell.comment = cm
    g = wb.create_sheet("Grades", 0)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    g.sheet_view.tabSelected = True
    wb.active = 0
    g.column_dimensions["A"].width = 14
    g.column_dimensions["B"].width = 110
    g["A1"] = "nnsheet check"
    g["A1"].font = Font(bold=True, size=14)
    r = 3
    for line in summary(res):
        g.cell(r, 1, line.strip())
        r += 1
    r += 1
    g.cell(r, 1, "Legend").font = Font(bold=True)
    r += 1
    for v in VERDICTS:
        g.cell(r, 1, v).fill = fills[v]
        g.cell(r, 2, LEGEND[v])
        r += 1
    r += 1
    g.cell(r, 1, "Not correct").font = Font(bold=True)
    r += 1
    for m in res.marks:
        if m.verdict == "correct":
            continue
        g.cell(r, 1, f"{m.row['sheet']}!{m.cell}").fill = fills[m.verdict]
        g.cell(r, 2, f"{m.verdict}: {m.row['label']} ({_where(m.row)}), you wrote "
                     f"{m.given.text.strip() or '(nothing)'}; {m.reason}")
        r += 1
    for row in g.iter_rows():  # file names and learners' text: text, never a formula
        for c in row:
            if isinstance(c.value, str):
                c.data_type = "s"
    write_atomic(out, wb.save)


def report_rows(res: Result) -> list[list[object]]:
    out = []
    for m in res.marks:
        r = m.row
        ints = [("" if _i(r[k]) is None else _i(r[k])) for k in ("epoch", "step", "sample",
                                                                 "layer", "j", "i")]  # fmt: skip
        out.append([str(res.path), r["sheet"], m.cell or r["cell"], r["label"], r["quantity"],
                    *ints, m.verdict, repr(float(r["value"])), m.given.text.strip()])
    return out
