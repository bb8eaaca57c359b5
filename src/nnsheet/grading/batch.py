"""Grading several files in one call: each file on its own, one status for all, and the
gradebook (one row per submitted file, unreadable ones included)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.safety import csv_text
from ..core.spec import Spec
from ..output.files import silence_stdout, write_atomic
from ..words.grading_text import say as _say
from .key import AnswerKey, key_for
from .mark import Result, grade_book
from .read import Book, read_book
from .report import REPORT_COLUMNS, report_rows, summary, write_graded

GRADEBOOK_COLUMNS = ["file", "student", "student_id", "status", "score", "correct", "carried",
                     "wrong", "missing", "answer_cells", "first_wrong", "flags", "message"]
#: what ``check DIR`` grades: the files directly inside the folder with these suffixes (an .xls
#: is refused, but as a gradebook row saying to save it as .xlsx or .ods)
SUBMISSION_SUFFIXES = (".xlsx", ".ods", ".xls")


# =========================================================================== command
def check_file_grade(path: Path, spec: Spec | None, decimals: int | None,
                     cache: dict[str, AnswerKey]) -> Result:  # fmt: skip
    book = read_book(path)
    key = key_for(book, path, spec, cache)
    return grade_book(book, key, path, decimals)


def submissions(paths: Sequence[Path], say_err: Callable[[str], None]) -> tuple[list[Path], bool]:
    """The files to grade: each path given, and for a folder every .xlsx/.ods (and .xls, to be
    refused with a gradebook row) directly inside it, in name order (hidden files and Excel's
    ``~$`` lock files are not submissions). Returns
    the files and whether they are several (a folder always is: ``-o`` then names a folder)."""
    files: list[Path] = []
    folder = False
    for p in paths:
        if not p.is_dir():
            files.append(p)
            continue
        folder = True
        inside = sorted((f for f in p.iterdir() if f.is_file()), key=lambda f: f.name)
        found = [f for f in inside if f.suffix.lower() in SUBMISSION_SUFFIXES
                 and not f.name.startswith((".", "~$"))]  # fmt: skip
        other = [f.name for f in inside if f not in found]
        if other:
            say_err(f"{p}: not graded (not .xlsx, .ods or .xls): {', '.join(other[:5])}"
                    + (f", … ({len(other)} in all)" if len(other) > 5 else ""))
        if not found:
            raise NnsheetError(f"{p}: no .xlsx, .ods or .xls file directly inside this folder")
        files.extend(found)
    return files, folder or len(files) > 1


def _graded_path(src: Path, output: str | None, several: bool,
                 stems: dict[str, int]) -> Path | None:  # fmt: skip
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
    if p.suffix.lower() != ".csv":
        raise NnsheetError(f"{p}: {what} must be a .csv file")
    if p.resolve() in {f.resolve() for f in files}:
        raise NnsheetError(f"{p}: refusing to overwrite an input file")
    if not p.resolve().parent.is_dir():
        raise NnsheetError(f"{p}: the folder {p.resolve().parent} does not exist")
    return p


def _name_text(v: object) -> str:
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

    def cells(self) -> list[object]:
        names = self.book.names if self.book is not None else {}
        student = _name_text(names.get("student")) or self.path.name
        sid = _name_text(names.get("student_id"))
        if self.result is None:
            msg = self.problem or ""
            prefix = f"{self.path}: "
            msg = msg[len(prefix):] if msg.startswith(prefix) else msg
            return [str(self.path), student, sid, "unreadable", "", "", "", "", "", "", "", "",
                    msg]  # fmt: skip
        res = self.result
        c, n = res.counts, len(res.marks)
        score = f"{100.0 * (c['correct'] + c['carried']) / n:.1f}" if n else ""
        first = next((m for m in res.marks if m.verdict == "wrong"), None)
        first_wrong = (f"{first.row['sheet']}!{first.cell} {first.row['label']}"
                       if first is not None else "")  # fmt: skip
        shifted = self.book.shifted if self.book else None
        msg = "; ".join(x for x in ((_say("shifted", "en", notes=shifted) if shifted else None),
                                    self.problem) if x)  # fmt: skip
        return [str(self.path), student, sid, "graded", score, c["correct"], c["carried"],
                c["wrong"], c["missing"], n, first_wrong, "", msg]  # fmt: skip


def check_files(files: Sequence[Path], *, spec: Spec | None = None, decimals: int | None = None,
                output: str | None = None, report: str | None = None,
                gradebook: str | None = None,
                say: Callable[[str], None] = print, lang: str | None = None) -> int:  # fmt: skip
    """Grade ``files`` (``nnsheet check``; a folder stands for the .xlsx/.ods files in it): a
    summary per file through ``say``, graded copies (``output``: a file, or a folder for
    several, created when missing), the ``report`` CSV (one row per answer cell) and the
    ``gradebook`` CSV (one row per file). Each file is judged on its own; an unreadable one is
    one line on stderr (and a gradebook row) and the others are still graded. Returns the exit
    status: 0 all correct, 1 something wrong or missing, 2 a file could not be read.

    When stdout is a pipe that closes early (``| head``), the summaries stop quietly and every
    file asked for (graded copies, report, gradebook) is still written. ``lang``: the language
    of what is said (default: each exercise's own); the CSV files stay English."""
    def err(line: str) -> None:
        print(line, file=sys.stderr)

    files, several = submissions([Path(f) for f in files], err)
    stems: dict[str, int] = {}
    for f in files:
        stems[f.stem.lower()] = stems.get(f.stem.lower(), 0) + 1
    make_folder = False
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
                raise NnsheetError(f"{t}: refusing to overwrite a learner's file; choose another "
                                   "-o")  # fmt: skip
        if len({t.resolve() for t in targets if t is not None}) < len(files):
            raise NnsheetError("several files have the same name; grade them in separate calls")
    paths = {what: _csv_path(p, what, files)
             for what, p in (("--report", report), ("--gradebook", gradebook)) if p is not None}
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
    for f in files:
        row = _Row(f)
        book_rows.append(row)
        try:
            row.book = read_book(f)
            key = key_for(row.book, f, spec, cache)
            res = row.result = grade_book(row.book, key, f, decimals)
        except NnsheetError as exc:
            row.problem = str(exc)
            err(f"nnsheet: error: {exc}")
            status = 2
            continue
        for line in summary(res, lang):
            out(line)
        said = said or res.key.options.lang
        rows.extend(report_rows(res))
        if not res.all_correct:
            status = max(status, 1)
        dest = _graded_path(f, output, several, stems) if output is not None else None
        if dest is not None:
            try:
                write_graded(f, res, dest, lang)
            except (NnsheetError, OSError) as exc:  # one failed copy must not stop the class
                row.problem = f"no graded copy: {exc}"
                err(f"nnsheet: error: {exc}")
                status = 2
                continue
            out(_say("graded_copy", lang or res.key.options.lang, path=dest))
    if report is not None:
        _write_csv(paths["--report"], REPORT_COLUMNS, rows)
        err(_say("wrote_report", lang or said or "en", path=report, n=len(rows)))
    if gradebook is not None:
        _write_csv(paths["--gradebook"], GRADEBOOK_COLUMNS, [r.cells() for r in book_rows])
        err(_say("wrote_gradebook", lang or said or "en", path=gradebook, n=len(book_rows)))
    return status


def gradebook_row(path: Path, book: Book | None, result: Result | None,
                  problem: str | None = None) -> list[object]:  # fmt: skip
    """One file's gradebook row (:data:`GRADEBOOK_COLUMNS`): ``result`` None makes it an
    ``unreadable`` row saying ``problem``. ``nnsheet serve`` keeps one per submission."""
    return _Row(path, book, result, problem).cells()


def _write_csv(path: Path, columns: list[str], rows: list[list[object]]) -> None:
    """Every text field guarded: a learner's name or file name is never run as a formula."""
    def write(tmp: str) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(columns)
            w.writerows([csv_text(v) for v in row] for row in rows)

    write_atomic(path, write)
