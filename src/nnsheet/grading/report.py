"""What grading writes: the terminal summary, the graded copy and the --report rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ..core.ops import BLOCKS
from ..core.safety import terminal_text
from ..output import printing
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
from .copy import COLOURS, write_graded_book
from .explain import explain, explain_mistakes, explain_own
from .key import AnswerCell
from .mark import VERDICTS, Mark, Result, place
from .read import shown
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


def own_numbers(res: Result) -> dict[tuple[str, str], float | None]:
    """The learner's answers by their cell in the layout (what a hint substitutes)."""
    return {m.row.key: m.given.value for m in res.marks}


def summary(res: Result, lang: str | None = None, feedback: str = "full") -> list[str]:
    """The terminal summary (and the Grades sheet's first lines); below ``full`` feedback the
    first wrong value is told without its expected value (``hints``: with its formula on the
    learner's own numbers; ``verdicts``: with neither)."""
    lang = _lang(res, lang)
    c = res.counts
    path = terminal_text(str(res.path))
    lines = [say("summary", lang, path=path, total=len(res.marks), counts=_counts(c, lang))]
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
        given = terminal_text(shown(first.given, lang))
        full = feedback == "full"
        lines.append(
            (
                say("first_wrong", lang, where=where, expected=number(r.value, lang), given=given)
                if full
                else say("first_wrong.brief", lang, where=where, given=given)
            )
            + (f" — {reason(first.reason, lang, feedback)}" if first.given.problem else "")
            + (f" — {short}" if short is not None else "")
        )
        if full:
            lines.append(f"    {explain(res.key, r, lang)}")
        elif feedback == "hints":
            lines.append(f"    {explain_own(res.key, r, own_numbers(res), lang)}")
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


def comment_text(res: Result, m: Mark, lang: str, feedback: str = "full") -> str | None:
    """The comment on one answer cell of the graded copy (None: plainly correct). Below
    ``full`` feedback it names no expected value (``hints``: a wrong cell's formula on the
    learner's own numbers instead)."""
    if m.verdict == "correct" and not m.drift and m.given.note is None:
        return None
    full = feedback == "full"
    text = f"{verdict(m.verdict, lang).upper()}: {m.row.label} ({_where(m.row, lang)})\n"
    expected = number(m.row.value, lang)
    why = reason(m.reason, lang, feedback) if m.reason is not None else ""
    if m.verdict == "wrong":
        given = terminal_text(shown(m.given, lang))
        text += say("comment_wrong", lang, given=given, reason=why)
        if full:
            text += f"\n{explain(res.key, m.row, lang)}"
        elif feedback == "hints":
            text += f"\n{explain_own(res.key, m.row, own_numbers(res), lang)}"
        if m.mistakes:
            text += f"\n{explain_mistakes(res.key, m.mistakes, lang)}"
    elif m.verdict in ("carried", "carried_trivial"):
        text += say("comment_carried", lang, expected=expected, reason=why) if full else why
    elif m.verdict == "correct":  # rounding drift, not a mistake
        text += why if m.drift else ""
    else:
        blank = m.reason is None or m.reason.code == "blank"
        if full:
            text += say("comment_missing", lang, expected=expected)
            if not blank:  # merged away
                text += f"; {why}"
        else:
            text += why
    if m.given.note is not None:
        text += ("\n" if m.verdict != "correct" or m.drift else "") + reason(m.given.note, lang)
    return text


def grades_lines(res: Result, lang: str, feedback: str = "full") -> list[printing.GradesLine]:
    """The Grades sheet, line by line: the title, the summary, the legend (each verdict in its
    colour) and the cells not correct (each place in its verdict's colour, what was typed and
    why). Learners' text has its control characters escaped."""
    bold = {"bold": True}
    out: list[printing.GradesLine] = [("nnsheet check", None, {"bold": True, "font_size": 14})]
    out.append(None)
    out += [(line.strip(), None, {}) for line in summary(res, lang, feedback)]
    out += [None, (say("legend", lang), None, bold)]
    out += [
        (verdict(v, lang), say("legend." + v, lang), {"bg_color": "#" + COLOURS[v]})
        for v in VERDICTS
    ]
    out += [None, (say("not_correct", lang), None, bold)]
    for m in res.marks:
        if m.verdict == "correct":
            continue
        text = say(
            "you_wrote",
            lang,
            verdict=verdict(m.verdict, lang),
            label=m.row.label,
            where=_where(m.row, lang),
            given=terminal_text(shown(m.given, lang)) or say("nothing", lang),
            reason=reason(m.reason, lang, feedback) if m.reason is not None else "",
        ) + (f"; {explain_mistakes(res.key, m.mistakes, lang)}" if m.mistakes else "")
        place_of = place(res, m) or m.row.cell
        out.append((place_of, text, {"bg_color": "#" + COLOURS[m.verdict]}))
    return out


def write_graded(
    src: Path, res: Result, out: Path, lang: str | None = None, feedback: str = "full"
) -> None:
    """A graded copy of the learner's file, written by nnsheet in one pass
    (:func:`.copy.write_graded_book`: the exercise from its layout, with the learner's answers
    as values or text): answer cells coloured by verdict, a comment on each cell that is not
    plainly correct, and a Grades sheet first with the summary, the legend and the cells not
    correct. ``feedback``: how much it shows (:data:`~nnsheet.words.grading_text.FEEDBACK`;
    ``full``: the expected values)."""
    lang = _lang(res, lang)
    comments = {m.row.key: comment_text(res, m, lang, feedback) for m in res.marks}
    title = terminal_text(Path(src).name)
    write_graded_book(out, res, comments, grades_lines(res, lang, feedback), title, lang)


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
