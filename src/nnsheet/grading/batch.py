"""Grading several files in one call: each file on its own, one status for all."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.safety import csv_text
from ..core.spec import Spec
from ..output.files import write_atomic
from ..words.grading_text import say as _say
from .key import AnswerKey, key_for
from .mark import Result, grade_book
from .read import read_book
from .report import REPORT_COLUMNS, report_rows, summary, write_graded


# =========================================================================== command
def check_file_grade(path: Path, spec: Spec | None, decimals: int | None,
                     cache: dict[str, AnswerKey]) -> Result:  # fmt: skip
    book = read_book(path)
    key = key_for(book, path, spec, cache)
    return grade_book(book, key, path, decimals)


def _graded_path(src: Path, output: str | None, several: bool) -> Path | None:
    if output is None:
        return None
    o = Path(output)
    if several or o.is_dir():
        return o / src.name
    return o


def check_files(files: Sequence[Path], *, spec: Spec | None = None, decimals: int | None = None,
                output: str | None = None, report: str | None = None,
                say: Callable[[str], None] = print, lang: str | None = None) -> int:
    """Grade ``files`` (``nnsheet check``): a summary per file through ``say``, graded copies
    (``output``: a file, or a folder for several) and the ``report`` CSV. Each file is judged on
    its own; an unreadable one is one line on stderr and the others are still graded. Returns the
    exit status: 0 all correct, 1 something wrong or missing, 2 a file could not be read.
    ``lang``: the language of what is said (default: each exercise's own)."""
    files = [Path(f) for f in files]
    several = len(files) > 1
    if output is not None:
        o = Path(output)
        if several:
            if o.exists() and not o.is_dir():
                raise NnsheetError(f"{o}: with several files, -o must name a folder")
            if not o.exists():
                if not o.resolve().parent.is_dir():
                    raise NnsheetError(f"{o}: the folder {o.resolve().parent} does not exist")
                o.mkdir()
        elif not o.is_dir() and o.suffix.lower() != ".xlsx":
            raise NnsheetError(f"{o}: -o must be a .xlsx file or a folder")
        targets = [_graded_path(f, output, several) for f in files]
        ins = {f.resolve() for f in files}
        for t in targets:
            if t is not None and t.resolve() in ins:
                raise NnsheetError(f"{t}: refusing to overwrite a learner's file; choose another "
                                   "-o")  # fmt: skip
        if len({t.resolve() for t in targets if t is not None}) < len(files):
            raise NnsheetError("several files have the same name; grade them in separate calls")
    if report is not None:
        rp = Path(report)
        if rp.suffix.lower() != ".csv":
            raise NnsheetError(f"{rp}: --report must be a .csv file")
        if rp.resolve() in {f.resolve() for f in files}:
            raise NnsheetError(f"{rp}: refusing to overwrite an input file")
        if not rp.resolve().parent.is_dir():
            raise NnsheetError(f"{rp}: the folder {rp.resolve().parent} does not exist")
    cache: dict[str, AnswerKey] = {}
    status = 0
    rows: list[list[object]] = []
    said: str | None = None  # the first graded exercise's language
    for f in files:
        try:
            res = check_file_grade(f, spec, decimals, cache)
        except NnsheetError as exc:
            print(f"nnsheet: error: {exc}", file=sys.stderr)
            status = 2
            continue
        for line in summary(res, lang):
            say(line)
        rows.extend(report_rows(res))
        said = said or res.key.options.lang
        if not res.all_correct:
            status = max(status, 1)
        out = _graded_path(f, output, several)
        if out is not None:
            try:
                write_graded(f, res, out, lang)
            except (NnsheetError, OSError) as exc:  # one failed copy must not stop the class
                print(f"nnsheet: error: {exc}", file=sys.stderr)
                status = 2
                continue
            say(_say("graded_copy", lang or res.key.options.lang, path=out))
    if report is not None:
        def write(tmp: str) -> None:
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(REPORT_COLUMNS)
                w.writerows([csv_text(v) for v in row] for row in rows)

        write_atomic(Path(report), write)
        print(_say("wrote_report", lang or said or "en", path=report, n=len(rows)),
              file=sys.stderr)
    return status


