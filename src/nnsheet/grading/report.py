"""What grading writes: the terminal summary, the graded copy and the --report rows."""

from __future__ import annotations

import io
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ..core.errors import WorkbookError
from ..core.ops import BLOCKS
from ..core.safety import terminal_text
from ..output import printing
from ..output.files import write_atomic
from ..words.grading_text import (
    BLOCK_WORDS,
    number,
    reason,
    runs,
    say,
    shifted_text,
    typed_short,
    verdict,
)
from ..words.notation import SHEET_NAMES
from .explain import explain, explain_mistakes
from .key import AnswerCell
from .mark import VERDICTS, Mark, Result, place
from .reason import Diff

REPORT_COLUMNS = [
    "file",
    "sheet",
    "cell",
    "label",
    "quantity",
    "epoch",
    "step",
    "sample",
    "layer",
    "j",
    "i",
    "verdict",
    "expected",
    "given",
    "mistake",
]
COLOURS = {
    "correct": "C6EFCE",
    "carried": "DDEBF7",
    "carried_trivial": "FCE4D6",
    "wrong": "FFC7CE",
    "missing": "D9D9D9",
}


# =========================================================================== output
_EPOCHS = {n.epochs for n in SHEET_NAMES.values()}


def _lang(res: Result, lang: str | None) -> str:
    """The language of what check says: ``--lang``, else the exercise's own."""
    return lang or res.key.options.lang


def _where(row: AnswerCell, lang: str = "en") -> str:
    if row.sheet in _EPOCHS:
        return say("epoch", lang, epoch=row.epoch)
    s = say("step", lang, step=row.step)
    if row.sample is not None:
        s += say("sample", lang, sample=row.sample)
    return s


def settings_note(tampered: Sequence[Diff], lang: str) -> str:
    """How the exercise's hidden settings differ from the teacher's record, in ``lang``."""
    what = ", ".join(say(k, lang, **f) for k, f in tampered)
    return say("note.settings", lang, what=what)


def lost_text(rows: Sequence[AnswerCell], lang: str) -> str:
    """The rows not found, e.g. ``Steps: step 2, sample 2``, by sheet."""
    by: dict[str, list[str]] = {}
    for r in rows:
        by.setdefault(r.sheet, []).append(_where(r, lang))
    return "; ".join(f"{s}: {runs(w)}" for s, w in by.items())


def _counts(c: Counter, lang: str) -> str:
    """Each verdict's count (``carried_trivial`` only when there is one)."""
    shown = [v for v in VERDICTS if v != "carried_trivial" or c.get(v)]
    return ", ".join(f"{c.get(v, 0)} {verdict(v, lang)}" for v in shown)


def summary(res: Result, lang: str | None = None) -> list[str]:
    lang = _lang(res, lang)
    c = res.counts
    lines = [say("summary", lang, path=res.path, total=len(res.marks), counts=_counts(c, lang))]
    at = res.placement
    if at.shifted:
        lines.append(f"  {say('shifted', lang, notes=shifted_text(at.shifted))}")
    if at.lost_rows:
        lines.append(f"  {say('lost_rows', lang, rows=lost_text(at.lost_rows, lang))}")
    dated = sum(m.given.note is not None for m in res.marks)
    if dated:
        lines.append(f"  {say('dated', lang, n=dated)}")
    drift = sum(m.drift for m in res.marks)
    if drift:
        lines.append(f"  {say('drift', lang, n=drift)}")
    width = max(9, *(len(w) for w in BLOCK_WORDS[lang].values()))
    for b in BLOCKS:
        ms = [m for m in res.marks if m.block == b]
        if ms:
            cb = Counter(m.verdict for m in ms)
            lines.append(f"  {BLOCK_WORDS[lang][b]:{width}} {_counts(cb, lang)}")
    first = res.first_wrong
    if first is not None:
        r = first.row
        where = f"{place(res, first)} {r.label} ({_where(r, lang)})"
        assert first.reason is not None
        short = typed_short(first.reason, lang)
        lines.append(
            say(
                "first_wrong",
                lang,
                where=where,
                expected=number(r.value),
                given=terminal_text(first.given.text.strip()),
            )
            + (f" — {reason(first.reason, lang)}" if first.given.problem else "")
            + (f" — {short}" if short is not None else "")
        )
        lines.append(f"    {explain(res.key, r, lang)}")
        if first.mistakes:
            lines.append(f"    {explain_mistakes(res.key, first.mistakes, lang)}")
    elif c.get("missing"):
        m = next(m for m in res.marks if m.verdict == "missing")
        lines.append(
            say(
                "first_missing",
                lang,
                where=" ".join(p for p in (place(res, m), m.row.label) if p)
                + f" ({_where(m.row, lang)})",
            )
        )
    return lines


def _values_copy(res: Result):
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


def _unmerge(wb, marks: list[Mark]) -> None:
    """Split every merged range holding an answer cell, so that each answer cell of the graded
    copy has its own colour and comment (the hidden cells of a merge cannot)."""
    from openpyxl.utils import get_column_letter

    by_sheet: dict[str, set[str]] = {}
    for m in marks:
        by_sheet.setdefault(m.row.sheet, set()).add(m.cell)
    for sheet, cells in by_sheet.items():
        ws = wb[sheet]
        for rng in list(ws.merged_cells.ranges):  # their cells are limited when read
            if any(
                f"{get_column_letter(c)}{r}" in cells
                for r in range(rng.min_row, rng.max_row + 1)
                for c in range(rng.min_col, rng.max_col + 1)
            ):
                ws.unmerge_cells(str(rng))


def _as_value(cell, m: Mark) -> None:
    """What the learner put in an answer cell, as a value or as text, never as a formula: a
    learner's ``=HYPERLINK(…)`` or external reference stays dead in the graded copy."""
    v = cell.value
    if isinstance(v, str | int | float) and not (isinstance(v, str) and v.startswith("=")):
        if isinstance(v, str):
            cell.data_type = "s"
        return
    if v is None:
        return
    cell.value = m.given.value if m.given.value is not None else m.given.text
    if isinstance(cell.value, str):
        cell.data_type = "s"


def write_graded(src: Path, res: Result, out: Path, lang: str | None = None) -> None:
    """A graded copy of the learner's file: answer cells coloured by verdict, a comment on each
    cell that is not plainly correct, and a Grades sheet with the legend and the summary. The
    copy is an .xlsx; of an .ods it holds the Steps and Epochs sheets as values."""
    lang = _lang(res, lang)
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    if res.book is not None and res.book.kind == "ods":
        wb = _values_copy(res)
    else:
        try:  # the full load reads parts (charts, styles) the grading's read-only pass skipped
            with warnings.catch_warnings():  # openpyxl's notes on parts it drops: not ours
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(io.BytesIO(Path(src).read_bytes()), keep_links=False)
        except Exception as exc:
            msg = " ".join(str(exc).split())[:160] or type(exc).__name__
            raise WorkbookError(
                f"{src}: graded, but no graded copy can be written: a part of "
                f"the workbook cannot be read ({msg})"
            ) from None
    fills = {v: PatternFill(fill_type="solid", fgColor="FF" + c) for v, c in COLOURS.items()}
    marks = [m for m in res.marks if m.cell]  # not the answers of a deleted row
    _unmerge(wb, marks)
    for m in marks:
        ws = wb[m.row.sheet]
        cell = ws[m.cell]
        _as_value(cell, m)
        cell.fill = fills[m.verdict]
        if m.verdict == "correct" and not m.drift and m.given.note is None:
            continue
        text = f"{verdict(m.verdict, lang).upper()}: {m.row.label} ({_where(m.row, lang)})\n"
        expected = number(m.row.value)
        why = reason(m.reason, lang) if m.reason is not None else ""
        if m.verdict == "wrong":
            text += (
                say("comment_wrong", lang, given=m.given.text.strip(), reason=why)
                + f"\n{explain(res.key, m.row, lang)}"
            )
            if m.mistakes:
                text += f"\n{explain_mistakes(res.key, m.mistakes, lang)}"
        elif m.verdict in ("carried", "carried_trivial"):
            text += say("comment_carried", lang, expected=expected, reason=why)
        elif m.verdict == "correct":  # rounding drift, not a mistake
            text += why if m.drift else ""
        else:
            text += say("comment_missing", lang, expected=expected)
            if m.reason is None or m.reason.code != "blank":  # merged away
                text += f"; {why}"
        if m.given.note is not None:
            text += ("\n" if m.verdict != "correct" or m.drift else "") + reason(m.given.note, lang)
        cm = Comment(text, "nnsheet check")
        cm.width, cm.height = 420, 160
        cell.comment = cm
    g = wb.create_sheet(SHEET_NAMES[lang].grades, 0)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    g.sheet_view.tabSelected = True
    wb.active = 0
    g["A1"] = "nnsheet check"
    g["A1"].font = Font(bold=True, size=14)
    r = 3
    for line in summary(res, lang):
        g.cell(r, 1, line.strip())
        r += 1
    r += 1
    g.cell(r, 1, say("legend", lang)).font = Font(bold=True)
    r += 1
    for v in VERDICTS:
        g.cell(r, 1, verdict(v, lang)).fill = fills[v]
        g.cell(r, 2, say("legend." + v, lang))
        r += 1
    r += 1
    g.cell(r, 1, say("not_correct", lang)).font = Font(bold=True)
    r += 1
    for m in res.marks:
        if m.verdict == "correct":
            continue
        g.cell(r, 1, place(res, m)).fill = fills[m.verdict]
        g.cell(
            r,
            2,
            say(
                "you_wrote",
                lang,
                verdict=verdict(m.verdict, lang),
                label=m.row.label,
                where=_where(m.row, lang),
                given=m.given.text.strip() or say("nothing", lang),
                reason=reason(m.reason, lang) if m.reason is not None else "",
            )
            + (f"; {explain_mistakes(res.key, m.mistakes, lang)}" if m.mistakes else ""),
        )
        r += 1
    for row in g.iter_rows():  # file names and learners' text: text, never a formula
        for c in row:
            if isinstance(c.value, str):
                c.data_type = "s"
    printing.grades_sheet(g, Path(src).name, lang)  # prints within the page width
    write_atomic(out, wb.save)


def report_rows(res: Result) -> list[list[object]]:
    """One row per answer cell; of a values CSV, ``cell`` is the learner's row number there and
    ``sheet`` is empty."""
    out = []
    values = res.book is not None and res.book.kind == "csv"
    for m in res.marks:
        r = m.row
        ints = ["" if v is None else v for v in (r.epoch, r.step, r.sample, r.layer, r.j, r.i)]
        sheet, cell = ("", m.cell) if values else (r.sheet, m.cell)  # "": a deleted row
        out.append(
            [
                str(res.path),
                sheet,
                cell,
                r.label,
                r.quantity,
                *ints,
                m.verdict,
                repr(r.value),
                m.given.text.strip(),
                ";".join(code for code, _ in m.mistakes),
            ]
        )
    return out
