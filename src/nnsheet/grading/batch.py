"""Grading several files in one call: each file on its own, one status for all, and the
gradebook (one row per submitted file, unreadable ones included)."""

from __future__ import annotations

import csv
import dataclasses
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.safety import csv_text
from ..core.spec import Spec
from ..core.specfile import loads_spec
from ..exercise.roster import Student, draws_anything, student_spec
from ..output.files import silence_stdout, write_atomic
from ..words.grading_text import say as _say
from .integrity import (
    copied_from,
    identical_pairs,
    may_be_copied,
    setup_differences,
    share_correct,
    spec_differences,
)
from .key import AnswerKey, Diff, Record, key_for
from .mark import Result, grade_book, place
from .read import Book, read_book
from .report import (
    REPORT_COLUMNS,
    lost_text,
    report_rows,
    settings_note,
    summary,
    write_graded,
)
from .values import is_values, read_values

GRADEBOOK_COLUMNS = [
    "file",
    "student",
    "student_id",
    "status",
    "score",
    "correct",
    "carried",
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


# =========================================================================== command
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


def _graded_path(
    src: Path, output: str | None, several: bool, stems: dict[str, int]
) -> Path | None:
    if output is None:
        return None
    o = Path(output)
    if several or o.is_dir():
        name = src.name
        if src.suffix.lower() != ".xlsx":  # the graded copy of an .ods is an .xlsx
            name = (src.stem if stems.get(src.stem.lower(), 0) == 1 else src.name) + ".xlsx"
        return o / name
    return o


def _csv_path(path: str, what: str, files: list[Path]) -> Path:
    p = Path(path)
    suffixes = (".csv", ".xlsx") if what == "--gradebook" else (".csv",)
    if p.suffix.lower() not in suffixes:
        raise NnsheetError(f"{p}: {what} must be a {' or '.join(suffixes)} file")
    if p.resolve() in {f.resolve() for f in files}:
        raise NnsheetError(f"{p}: refusing to overwrite an input file")
    if not p.resolve().parent.is_dir():
        raise NnsheetError(f"{p}: the folder {p.resolve().parent} does not exist")
    return p


def name_text(v: object) -> str:
    """A learner's typed name or number as text (12345.0 → ``12345``)."""
    if v is None or isinstance(v, bool):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return " ".join(str(v).split())


@dataclass
class _Row:
    """One gradebook row."""

    path: Path
    book: Book | None = None
    result: Result | None = None
    problem: str | None = None
    #: gradebook flag codes, in the order they were added (``;`` in the ``flags`` column)
    flags: list[str] = field(default_factory=list)
    #: what each flag found, in English (``; `` in ``message``, after the other text)
    notes: list[str] = field(default_factory=list)
    #: the flags' lines for the terminal, in the language ``check`` speaks
    said: list[str] = field(default_factory=list)

    def flag(self, code: str, note: str = "", lang: str = "en", text: str = "") -> None:
        """Add the flag ``code`` (once) with its English ``note`` for the gradebook and its
        ``text`` in ``lang`` for the terminal (the note when not given)."""
        if code not in self.flags:
            self.flags.append(code)
        if note and note not in self.notes:
            self.notes.append(note)
            self.said.append(_say("flag", lang, code=code, note=text or note))

    def cells(self) -> list[object]:
        names = self.book.names if self.book is not None else {}
        student = name_text(names.get("student")) or self.path.name
        sid = name_text(names.get("student_id"))
        if self.result is None:
            msg = self.problem or ""
            prefix = f"{self.path}: "
            msg = msg[len(prefix) :] if msg.startswith(prefix) else msg
            msg = "; ".join(x for x in (msg, *self.notes) if x)
            return [
                str(self.path),
                student,
                sid,
                "unreadable",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                ";".join(self.flags),
                msg,
            ]
        res = self.result
        c, n = res.counts, len(res.marks)
        score = f"{100.0 * res.share_right:.1f}" if n else ""
        first = res.first_wrong
        first_wrong = f"{place(self.book, first)} {first.row['label']}" if first is not None else ""
        shifted = self.book.shifted if self.book else None
        msg = "; ".join(
            x
            for x in (
                (_say("shifted", "en", notes=shifted) if shifted else None),
                self.problem,
                *self.notes,
            )
            if x
        )
        return [
            str(self.path),
            student,
            sid,
            "graded",
            score,
            c["correct"],
            c["carried"],
            c["wrong"],
            c["missing"],
            n,
            first_wrong,
            ";".join(self.flags),
            msg,
        ]


def check_files(
    files: Sequence[Path],
    *,
    spec: Spec | None = None,
    decimals: int | None = None,
    output: str | None = None,
    report: str | None = None,
    gradebook: str | None = None,
    record: Record | None = None,
    say: Callable[[str], None] = print,
    lang: str | None = None,
    roster: Sequence[Student] | None = None,
) -> int:
    """Grade ``files`` (``nnsheet check``; a folder stands for the .xlsx/.ods files in it): a
    summary per file through ``say``, graded copies (``output``: a file, or a folder for
    several, created when missing), the ``report`` CSV (one row per answer cell) and the
    ``gradebook`` CSV (one row per file). Each file is judged on its own; an unreadable one is
    one line on stderr (and a gradebook row) and the others are still graded. Returns the exit
    status: 0 all correct, 1 something wrong or missing, 2 a file could not be read.

    When stdout is a pipe that closes early (``| head``), the summaries stop quietly and every
    file asked for (graded copies, report, gradebook) is still written. ``lang``: the language
    of what is said (default: each exercise's own); the CSV files stay English.

    ``roster`` (with ``spec``): each file is graded on its student's givens, regenerated from
    ``spec`` and the id in its ``student_id`` cell (else its file name). Gradebook flags:
    ``tampered`` (the embedded spec or Setup givens differ from the record: ``spec``, drawn for
    the student with a roster), ``unknown_student`` (an id not on the roster: graded on the
    file's own spec), ``givens_changed`` (no record: Setup differs from the embedded spec),
    ``copied:<id>`` and ``identical:<file>`` (across the files of the run;
    :mod:`.integrity`)."""

    def err(line: str) -> None:
        print(line, file=sys.stderr)

    files, several = submissions([Path(f) for f in files], err)
    if output is not None and (csvs := [f for f in files if is_values(f)]):
        raise NnsheetError(
            f"{csvs[0]}: a program's values have no graded copy; leave out -o "
            "(--report gives every value's verdict)"
        )
    stems: dict[str, int] = {}
    for f in files:
        stems[f.stem.lower()] = stems.get(f.stem.lower(), 0) + 1
    make_folder = False
    targets: list[Path | None] = [None] * len(files)  # each file's graded copy (-o)
    if output is not None:
        o = Path(output)
        if several:
            if o.exists() and not o.is_dir():
                raise NnsheetError(f"{o}: with several files, -o must name a folder")
        elif not o.is_dir() and o.suffix.lower() != ".xlsx" and (o.exists() or o.suffix):
            raise NnsheetError(f"{o}: -o must be a .xlsx file or a folder")
        make_folder = several or (not o.exists() and not o.suffix)
        several = several or make_folder
        targets = [_graded_path(f, output, several, stems) for f in files]
        ins = {f.resolve() for f in files}
        for t in targets:
            if t is not None and t.resolve() in ins:
                raise NnsheetError(
                    f"{t}: refusing to overwrite a learner's file; choose another -o"
                )
        if len({t.resolve() for t in targets if t is not None}) < len(files):
            raise NnsheetError("several files have the same name; grade them in separate calls")
    paths = {
        what: _csv_path(p, what, files)
        for what, p in (("--report", report), ("--gradebook", gradebook))
        if p is not None
    }
    if len({p.resolve() for p in paths.values()}) < len(paths):
        raise NnsheetError(f"{gradebook}: --report and --gradebook need different names")
    if output is not None and make_folder:
        Path(output).mkdir(parents=True, exist_ok=True)

    printing = True

    def out(line: str) -> None:
        nonlocal printing
        if printing:
            try:
                say(line)
            except BrokenPipeError:  # the reader went away (`| head`): go on, quietly
                printing = False
                silence_stdout()

    cache: dict[str, AnswerKey] = {}
    status = 0
    rows: list[list[object]] = []
    book_rows: list[_Row] = []
    said: str | None = None  # the first graded exercise's language
    the_record = record or Record(spec, decimals=decimals if spec is not None else None)
    class_list = {st.id.casefold(): st for st in roster or ()}
    specs: dict[str, Spec] = {}  # each student's record, kept alive (the key cache ids them)
    ids: dict[int, str] = {}  # book_rows index → the roster id it was graded as
    for f, dest in zip(files, targets, strict=True):
        row = _Row(f)
        book_rows.append(row)
        with warnings.catch_warnings():  # a reader's warnings are not the teacher's business
            warnings.simplefilter("ignore")
            try:
                if is_values(f):  # a program's values: no student cells, graded on --spec
                    given, unknown = spec, None
                    row.book, key = read_values(f, spec, lang, cache)
                else:
                    row.book = read_book(f)
                    given, unknown = spec, None  # the spec it is graded on; an id not on roster
                    if roster is not None:
                        assert spec is not None
                        sid = name_text(row.book.names.get("student_id")) or f.stem
                        st = class_list.get(sid.casefold())
                        if st is None:
                            given, unknown = None, sid  # graded on the file's own spec
                        else:
                            if st.id not in specs:
                                specs[st.id] = student_spec(spec, st.id)
                            given = specs[st.id]
                            ids[len(book_rows) - 1] = st.id
                    key = key_for(row.book, f, dataclasses.replace(the_record, spec=given), cache)
                res = grade_book(row.book, key, f, decimals)
                lines, cells = summary(res, lang), report_rows(res)
            except Exception as exc:
                row.problem = _problem(f, exc, "cannot be graded")
                err(f"nnsheet: error: {row.problem}")
                status = 2
                continue
            row.result = res
            said_lang = lang or key.options.lang
            _check_givens(row, key, given, unknown, said_lang, roster is not None)
            if row.book.tampered:  # the hidden options (the givens: _check_givens)
                row.flag(
                    "tampered",
                    settings_note(row.book, "en"),
                    said_lang,
                    settings_note(row.book, said_lang),
                )
            if row.book.lost_rows:
                row.notes.append(f"rows not found: {lost_text(row.book.lost_rows, 'en')}")
            for line in [*lines, *row.said]:
                out(line)
            said = said or res.key.options.lang
            rows.extend(cells)
            if not res.all_correct:
                status = max(status, 1)
            if dest is None:
                continue
            try:
                write_graded(f, res, dest, lang)
            except Exception as exc:
                why = _problem(f, exc, "no graded copy can be written")
                row.notes.append(_say("no_copy", "en", why=why.removeprefix(f"{f}: ")))
                err(f"nnsheet: error: {why}")
                status = 2
                continue
            out(_say("graded_copy", lang or res.key.options.lang, path=dest))
    before = [len(r.said) for r in book_rows]
    if roster is not None and spec is not None and draws_anything(spec):
        _flag_copies(book_rows, ids, specs, the_record, cache, decimals, lang)
    for i, j, agree, filled, wrong in identical_pairs([r.result for r in book_rows]):
        for a, b in ((i, j), (j, i)):
            r = book_rows[a]
            _flag(
                r,
                f"identical:{book_rows[b].path.name}",
                "note.identical",
                lang or _lang_of(r),
                agree=agree,
                filled=filled,
                wrong=wrong,
                file=book_rows[b].path.name,
            )
    for r, n in zip(book_rows, before, strict=True):
        if len(r.said) > n:
            out(f"{r.path}:")
            for line in r.said[n:]:
                out(line)
    if report is not None:
        _write_csv(paths["--report"], REPORT_COLUMNS, rows)
        err(_say("wrote_report", lang or said or "en", path=report, n=len(rows)))
    if gradebook is not None:
        cells = [r.cells() for r in book_rows]
        if paths["--gradebook"].suffix.lower() == ".xlsx":
            _write_xlsx(paths["--gradebook"], GRADEBOOK_COLUMNS, cells)
        else:
            _write_csv(paths["--gradebook"], GRADEBOOK_COLUMNS, cells)
        err(_say("wrote_gradebook", lang or said or "en", path=gradebook, n=len(book_rows)))
    return status


def _problem(path: Path, exc: Exception, what: str) -> str:
    """One line for whatever went wrong with one file: nnsheet's own message, or (a fault the
    grader did not foresee) the file, what could not be done and the exception in brief."""
    if isinstance(exc, NnsheetError | OSError) and str(exc):
        text = " ".join(str(exc).split())
        return text if text.startswith(str(path)) else f"{path}: {text}"
    msg = " ".join(str(exc).split())[:160]
    return f"{path}: {what} ({type(exc).__name__}{': ' + msg if msg else ''})"


def _write_xlsx(path: Path, columns: list[str], rows: list[list[object]]) -> None:
    """The gradebook as a workbook (a comma-separated file opens in one column in a
    comma-decimal locale's Excel): every text a text cell, never run as a formula."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "gradebook"
    ws.append(columns)
    for c in ws[1]:
        c.font = Font(bold=True)
    score = columns.index("score")
    for row in rows:  # the score as a number (the CSV's text); every other text stays text
        ws.append([float(v) if k == score and v != "" else v for k, v in enumerate(row)])
    for line in ws.iter_rows():
        for c in line:
            if isinstance(c.value, str):
                c.data_type = "s"
    ws.freeze_panes = "A2"
    write_atomic(path, wb.save)


def _lang_of(row: _Row) -> str:
    return row.result.key.options.lang if row.result is not None else "en"


def _flag(
    row: _Row, code: str, text_key: str, lang: str, what: Sequence[Diff] = (), **fields: object
) -> None:
    """Flag ``row`` with ``code``; its note is the ``text_key`` text (English in the gradebook,
    ``lang`` on the terminal), ``what`` the differences it lists."""

    def text(lg: str) -> str:
        listed = ", ".join(_say(k, lg, **f) for k, f in what)
        return _say(text_key, lg, what=listed, **fields)

    row.flag(code, text("en"), lang, text(lang))


def _embedded(book: Book, path: Path) -> Spec | None:
    """The spec the exercise carries on its hidden sheet (None when missing or damaged)."""
    lines = [v for k, v in book.meta if k == "spec"]
    if not lines:
        return None
    try:
        return loads_spec("\n".join(lines), name=f"{path} (embedded spec)")
    except NnsheetError:
        return None


def _check_givens(
    row: _Row, key: AnswerKey, record: Spec | None, unknown: str | None, lang: str, roster: bool
) -> None:
    """Flag a file whose givens are not the record's (``tampered``; ``record``: ``--spec``, or
    the student's with a ``roster``), an id not on the roster (``unknown``:
    ``unknown_student``), or without a record, Setup givens that are not the embedded spec's
    (``givens_changed``). A workbook without the exercise's hidden sheet (a trace workbook
    graded with ``--spec``) claims no spec, so only its Setup is compared."""
    assert row.book is not None
    if unknown is not None:
        _flag(row, "unknown_student", "note.unknown_student", lang, sid=unknown)
    if record is None:
        diffs = setup_differences(row.book, key)
        if diffs:
            _flag(
                row,
                "givens_changed",
                "note.givens_changed",
                lang,
                diffs,
                setup=key.layout.sheets.setup,
            )
        return
    embedded = _embedded(row.book, row.path)
    found: list[Diff] = []
    if embedded is not None:
        found += spec_differences(embedded, record)
    elif row.book.meta or roster:  # an exercise's hidden sheet, or a handout that had one
        found.append(("note.no_spec", {}))
    found += setup_differences(row.book, key)
    if found:
        _flag(row, "tampered", "note.tampered", lang, found)


def _flag_copies(
    rows: list[_Row],
    ids: dict[int, str],
    specs: dict[str, Spec],
    record: Record,
    cache: dict[str, AnswerKey],
    decimals: int | None,
    lang: str | None,
) -> None:
    """``copied:<id>``: a file mostly wrong for its own givens but right for another student's
    (one whose file is in this run)."""
    for i, sid in ids.items():
        others = {other: specs[other] for other in sorted(set(ids.values()) - {sid})}
        _flag_copy(rows[i], others, cache, decimals, lang, record)


def _flag_copy(
    row: _Row,
    others: dict[str, Spec],
    cache: dict[str, AnswerKey],
    decimals: int | None,
    lang: str | None,
    record: Record | None = None,
) -> None:
    """``copied:<id>`` when ``row``'s file is right for one of ``others`` (id → that student's
    spec) and not for its own givens; graded with the ``record``'s options when there is one."""
    res = row.result
    if res is None or row.book is None or not may_be_copied(res):
        return
    graded: dict[str, Result] = {}
    for other, spec in others.items():
        try:
            on = spec if record is None else dataclasses.replace(record, spec=spec)
            key = key_for(row.book, row.path, on, cache)
            graded[other] = grade_book(row.book, key, row.path, decimals)
        except NnsheetError:
            continue
    found = copied_from(res, graded)
    if found is not None:
        _flag(
            row,
            f"copied:{found[0]}",
            "note.copied",
            lang or _lang_of(row),
            sid=found[0],
            other=f"{100 * found[1]:.0f}",
            own=f"{100 * share_correct(res):.0f}",
        )


def gradebook_row(
    path: Path, book: Book | None, result: Result | None, problem: str | None = None
) -> list[object]:
    """One file's gradebook row (:data:`GRADEBOOK_COLUMNS`) without flags: ``result`` None makes
    it an ``unreadable`` row saying ``problem``."""
    return _Row(path, book, result, problem).cells()


def flagged_row(
    path: Path,
    book: Book,
    result: Result,
    record: Spec,
    others: dict[str, Spec],
    lang: str = "en",
    problem: str | None = None,
) -> tuple[list[object], list[str]]:
    """One graded file's gradebook row and its flags, as ``check --roster`` flags it:
    ``tampered`` when its embedded spec or Setup givens are not ``record`` (the student's own
    spec; ``result`` was graded on it), ``copied:<id>`` when it is right for one of ``others``
    (id → that student's spec) and not for its own. ``nnsheet serve`` keeps one per upload."""
    row = _Row(path, book, result, problem)
    _check_givens(row, result.key, record, None, lang, True)
    _flag_copy(row, others, {}, None, lang)
    return row.cells(), list(row.flags)


def _write_csv(path: Path, columns: list[str], rows: list[list[object]]) -> None:
    """Every text field guarded: a learner's name or file name is never run as a formula."""

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(columns)
            w.writerows([csv_text(v) for v in row] for row in rows)

    write_atomic(path, write)
