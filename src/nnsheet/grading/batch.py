"""A class's files: which files a folder holds, and the gradebook (one row per submitted file,
unreadable ones included) and the ``--report`` rows written from the outcomes of
:func:`~.pipeline.grade_file`. The gradebook is English (scripts read it); a flag's lines for
the terminal are in the language ``check`` speaks."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.ops import BLOCKS, DEFAULT_BLOCKS
from ..core.safety import csv_text, terminal_text
from ..exercise.roster import Student
from ..output.files import write_atomic
from ..words.grading_text import flag_note, say, shifted_text
from .mark import place
from .pipeline import Outcome, name_text
from .reason import Flag
from .report import lost_text

GRADEBOOK_COLUMNS = [
    "file",
    "student",
    "student_id",
    "status",
    "score",
    "correct",
    "carried",
    "carried_trivial",
    "wrong",
    "missing",
    "answer_cells",
    "first_wrong",
    "flags",
    "message",
]
#: what ``check DIR`` grades: the files directly inside the folder with these suffixes (an .xls
#: is refused, but as a gradebook row saying to save it as .xlsx or .ods)
SUBMISSION_SUFFIXES = (".xlsx", ".ods", ".xls")


def submissions(paths: Sequence[Path], say_err: Callable[[str], None]) -> tuple[list[Path], bool]:
    """The files to grade: each path given, and for a folder every .xlsx/.ods (and .xls, to be
    refused with a gradebook row) directly inside it, in name order (hidden files and Excel's
    ``~$`` lock files are not submissions). Every other entry of a folder is accounted for on
    stderr, one line per kind naming them: other files, sub-folders, links to folders, dangling
    links, FIFOs, devices and sockets (none of them is opened: a FIFO would block a read).
    Returns the files and whether they are several (a folder always is: ``-o`` then names a
    folder)."""
    from ..core.safety import terminal_text

    files: list[Path] = []
    folder = False
    for p in paths:
        if not p.is_dir():
            files.append(p)
            continue
        folder = True
        found: list[Path] = []
        skipped: dict[str, list[str]] = {}
        for f in sorted(p.iterdir(), key=lambda f: f.name):
            kind = _entry_kind(f)
            if kind is None and (
                f.suffix.lower() in SUBMISSION_SUFFIXES and not f.name.startswith((".", "~$"))
            ):
                found.append(f)
            else:
                skipped.setdefault(kind or "not .xlsx, .ods or .xls", []).append(
                    terminal_text(f.name)
                )
        for kind in sorted(skipped, key=_KINDS.index):
            names = skipped[kind]
            say_err(
                f"{terminal_text(str(p))}: not graded ({kind}): {', '.join(names[:5])}"
                + (f", … ({len(names)} in all)" if len(names) > 5 else "")
            )
        if not found:
            raise NnsheetError(f"{p}: no .xlsx, .ods or .xls file directly inside this folder")
        files.extend(found)
    return files, folder or len(files) > 1


def _once(flags: Sequence[Flag], lang: str) -> list[tuple[Flag, str]]:
    """Each flag with its note in ``lang``, a note said once (the first flag saying it)."""
    out: list[tuple[Flag, str]] = []
    seen: set[str] = set()
    for f in flags:
        en = flag_note(f, "en")
        if en not in seen:
            seen.add(en)
            out.append((f, flag_note(f, lang) if lang != "en" else en))
    return out


#: what a folder entry that is not a regular file (or a link to one) is, in the order reported
_KINDS = (
    "not .xlsx, .ods or .xls",
    "a folder",
    "a link to a folder",
    "a link to nothing",
    "a FIFO",
    "a device",
    "a socket",
    "not a regular file",
)


def _entry_kind(f: Path) -> str | None:
    """None for a regular file (or a link to one), else what the entry is (one of _KINDS)."""
    import stat

    try:
        st = f.stat()  # follows a link
    except OSError:
        return "a link to nothing" if f.is_symlink() else "not a regular file"
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISDIR(st.st_mode):
        return "a link to a folder" if f.is_symlink() else "a folder"
    if stat.S_ISFIFO(st.st_mode):
        return "a FIFO"
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return "a device"
    if stat.S_ISSOCK(st.st_mode):
        return "a socket"
    return "not a regular file"


def flag_lines(flags: Sequence[Flag], lang: str, before: Sequence[Flag] = ()) -> list[str]:
    """The terminal's line of each flag (its note in ``lang``), a note already said by one of
    the ``before`` flags (or by an earlier flag) not said again."""
    new = _once([*before, *flags], lang)[len(_once(before, lang)) :]
    return [say("flag", lang, code=f.code, note=text) for f, text in new]


def gradebook_row(
    outcome: Outcome,
    later: Sequence[Flag] = (),
    notes: Sequence[str] = (),
    problem: str | None = None,
) -> list[object]:
    """One file's gradebook row (:data:`GRADEBOOK_COLUMNS`): its flags and then ``later`` ones
    (:func:`~.pipeline.class_flags`), the message saying how the table moved, ``problem``, what
    each flag found, the rows not found and ``notes`` (English). Of a file not graded, an
    ``unreadable`` row saying its problem."""
    path, book, res = outcome.path, outcome.book, outcome.result
    names = book.names if book is not None else {}
    student = name_text(names.get("student")) or (outcome.member or path.name)
    sid = name_text(names.get("student_id"))
    flags = [*outcome.flags, *later]
    codes = ";".join(dict.fromkeys(f.code for f in flags))
    own = [text for _f, text in _once(outcome.flags, "en")]
    said = list(own)
    if res is not None and res.placement.lost_rows:
        said.append(say("note.lost_rows", "en", rows=lost_text(res.placement.lost_rows, "en")))
    said += notes
    said += [text for _f, text in _once(flags, "en")[len(own) :]]
    if res is None:
        msg = outcome.problem or ""
        prefix = f"{path}: "
        msg = msg[len(prefix) :] if msg.startswith(prefix) else msg
        msg = "; ".join(x for x in (msg, *said) if x)
        return [outcome.shown, student, sid, "unreadable", *[""] * 8, codes, msg]
    c, n = res.counts, len(res.marks)
    score = f"{100.0 * res.share_right:.1f}" if n else ""
    first = res.first_wrong
    first_wrong = f"{place(res, first)} {first.row.label}" if first is not None else ""
    shifted = res.placement.shifted
    msg = "; ".join(
        x
        for x in (
            (say("shifted", "en", notes=shifted_text(shifted)) if shifted else None),
            problem,
            *said,
        )
        if x
    )
    return [
        outcome.shown,
        student,
        sid,
        "graded",
        score,
        c["correct"],
        c["carried"],
        c["carried_trivial"],
        c["wrong"],
        c["missing"],
        n,
        first_wrong,
        codes,
        msg,
    ]


def shown(v: object) -> object:
    """A gradebook field as it is written: text with its control characters escaped (a
    learner's name typed as ``=CHAR(27)&"[31mEVE"`` is ``\\x1b[31mEVE``), anything else as is."""
    return terminal_text(v) if isinstance(v, str) else v


def not_submitted_row(student: Student) -> list[object]:
    """The gradebook row of a rostered student with no file: status ``not_submitted``, score 0,
    no counts."""
    row: list[object] = ["", student.name, student.id, "not_submitted", "0.0"]
    row += [""] * (len(GRADEBOOK_COLUMNS) - len(row) - 1)
    return [*row, say("note.not_submitted", "en")]


def write_csv(path: Path, columns: list[str], rows: list[list[object]]) -> None:
    """Every text field guarded: a learner's name or file name is never run as a formula."""

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(columns)
            w.writerows([csv_text(shown(v)) for v in row] for row in rows)

    write_atomic(path, write)


#: the per-block score columns the CSV gradebook always has (0–100, one decimal; empty when the
#: block was not asked); a later block asked (``init``) gets its own column after them
BLOCK_COLUMNS: tuple[str, ...] = DEFAULT_BLOCKS


def gradebook_blocks(asked: Iterable[str] = ()) -> list[str]:
    """The gradebook's block columns: :data:`BLOCK_COLUMNS`, then each other block ``asked``
    (in the exercise's order of blocks)."""
    more = [b for b in BLOCKS if b in set(asked) and b not in BLOCK_COLUMNS]
    return [*BLOCK_COLUMNS, *more]


def gradebook_columns(blocks: Sequence[str] = BLOCK_COLUMNS) -> list[str]:
    """The CSV gradebook's columns: :data:`GRADEBOOK_COLUMNS`, the block scores, ``mistakes``."""
    return [*GRADEBOOK_COLUMNS, *blocks, "mistakes"]


def gradebook_extra(
    scores: Mapping[str, float], codes: Sequence[str], blocks: Sequence[str]
) -> list[object]:
    """A row's block scores (one decimal; empty for a block not asked) and its mistakes'
    codes joined by ``;``."""
    return [f"{scores[b]:.1f}" if b in scores else "" for b in blocks] + [";".join(codes)]


def outcome_extra(outcome: Outcome, blocks: Sequence[str]) -> list[object]:
    """:func:`gradebook_extra` of one file (empty cells when it was not graded)."""
    from .classview import block_scores, outcome_block_counts, outcome_mistakes

    res = outcome.result
    credit = res.carried_credit if res is not None else 1.0
    scores = block_scores(outcome_block_counts(outcome), credit)
    return gradebook_extra(scores, outcome_mistakes(outcome), blocks)


def people_row(
    cells: Sequence[object],
    extra: Sequence[object],
    blocks: Sequence[str],
    flags: Sequence[tuple[str, str]],
):
    """The gradebook for people's row (:class:`~.classbook.PeopleRow`) of a CSV row
    (:func:`gradebook_columns`: ``cells`` then ``extra``) and its flags with their reasons in
    the command's language."""
    from .classbook import PeopleRow

    row = dict(zip(GRADEBOOK_COLUMNS, cells, strict=True))
    more = dict(zip([*blocks, "mistakes"], extra, strict=True))

    def num(v: object) -> float | None:
        return float(v) if v not in ("", None) else None  # type: ignore[arg-type]

    counts = {
        c: int(row[c])  # type: ignore[call-overload]
        for c in ("correct", "carried", "carried_trivial", "wrong", "missing", "answer_cells")
        if row[c] not in ("", None)
    }
    return PeopleRow(
        str(row["student_id"] or ""),
        str(row["student"] or ""),
        str(row["status"]),
        num(row["score"]),
        {b: v for b in blocks if (v := num(more[b])) is not None},
        counts,
        [c for c in str(more["mistakes"]).split(";") if c],
        list(flags),
        # what stopped a file being graded; the rest of ``message`` repeats the flags' reasons
        # (said in words in the flags column) or notes in English for scripts
        str(row["message"] or "") if row["status"] == "unreadable" else "",
        str(row["file"] or ""),
    )
