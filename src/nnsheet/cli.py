"""The command line: ``nnsheet trace | template | check | serve | doctor | examples``.

Thin by design: it parses the arguments, resolves the spec (:func:`~nnsheet.core.examples.
resolve_spec`), calls the library and maps errors to exit codes: 0 success, 1 ``check`` found
wrong or missing answers, 2 bad input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .core.engine import EpochRecord, Trace, initial_weights, iterate
from .core.errors import NnsheetError
from .core.examples import EXAMPLES, resolve_spec
from .core.safety import terminal_text
from .core.spec import NOTATIONS, PRESETS
from .core.version import __version__
from .doctor.command import trace_note, trace_watcher
from .doctor.watch import tap
from .output import pdf as pdf_export
from .output.export import export_examples
from .output.files import check_output_path, silence_stdout, spec_inputs
from .output.progress import total_steps, with_progress
from .output.table import write_table
from .output.workbook import WorkbookWriter, make_layout
from .sheet.layout import LAYOUTS
from .words.grading_text import FEEDBACK
from .words.messages import message

if TYPE_CHECKING:
    from .exercise.roster import Student
    from .grading.key import Record


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise NnsheetError(f"{self.prog}: {message} (see {self.prog} --help)")


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    ov: dict[str, object] = {}
    for k in ("epochs", "preset", "notation"):
        v = getattr(args, k, None)
        if v is not None:
            ov[k] = v
    return ov


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {v}")
    return v


def _credit(text: str) -> float:
    """``--carried-credit``: a number from 0 to 1 (a decimal comma accepted)."""
    try:
        v = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= v <= 1.0:  # NaN fails too
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}")
    return v


def _spec_options(p: argparse.ArgumentParser) -> None:
    """The options ``trace`` and ``template`` share."""
    p.add_argument("spec", nargs="?", help="spec file (TOML) or built-in example name")
    p.add_argument("--epochs", type=_positive, help="override training.epochs")
    p.add_argument("--preset", choices=tuple(PRESETS), help="override the spec's preset")
    p.add_argument("--notation", choices=NOTATIONS, help="symbols used in headers and labels")
    p.add_argument("--lang", choices=("en", "id"), default="en", help="label language")
    p.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="rows",
        help="the Steps sheet: one step per row (default) or per column (the quantities down "
        "the page, as a worked solution in the book)",
    )
    p.add_argument(
        "--pdf",
        metavar="OUT.pdf",
        help="also write the workbook as a PDF handout (A4; needs LibreOffice)",
    )


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="nnsheet",
        description="Train a small neural network step by step and "
        "write every number into a live Excel workbook.",
    )
    p.add_argument("--version", action="version", version=f"nnsheet {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("trace", help="train and write the trace workbook and/or table")
    _spec_options(t)
    t.add_argument("-o", "--output", help="workbook to write (.xlsx)")
    t.add_argument("--table", help="long-format trace table to write (.csv)")
    t.add_argument(
        "--detail-epochs",
        type=_positive,
        metavar="K",
        help="write only the first K epochs row by row on Steps (all are summarised)",
    )
    t.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    m = sub.add_parser("template", help="write a blank exercise workbook to fill in by hand")
    _spec_options(m)
    m.add_argument(
        "-o",
        "--output",
        required=True,
        help="exercise workbook to write (.xlsx); with --roster, a folder",
    )
    m.add_argument(
        "--ask",
        metavar="BLOCKS",
        help="blocks to ask, comma-separated: forward,errors,backward,updates (default: all of "
        "these), and init (the Nguyen–Widrow work on Setup, asked only when named)",
    )
    m.add_argument("--steps", type=_positive, metavar="K", help="ask only the first K steps")
    m.add_argument(
        "--decimals",
        type=int,
        metavar="D",
        default=4,
        help="decimals the answers need, stated on the Exercise sheet (default 4)",
    )
    m.add_argument(
        "--roster",
        metavar="ROSTER.csv",
        help="one exercise per student (CSV with columns id and name): -o DIR gets "
        "DIR/<id>.xlsx each, with givens drawn per student",
    )

    c = sub.add_parser("check", help="grade filled exercise workbooks")
    c.add_argument(
        "files",
        nargs="+",
        metavar="FILLED",
        help="filled exercises (.xlsx or .ods), or a folder: every .xlsx/.ods "
        "directly inside it, in name order; or a program's values (.csv with "
        "the columns quantity, epoch, step, sample, layer, j, i, value; needs "
        "--spec); or, alone, serve's submissions zip (<id>/attempt-<n>.xlsx)",
    )
    c.add_argument(
        "-o",
        "--output",
        help="graded copy (.xlsx), or a folder for several files (created when missing)",
    )
    c.add_argument(
        "--feedback",
        choices=FEEDBACK,
        help="graded copies (-o) to hand back, showing only: verdicts (no expected number), "
        "hints (and the formula on the learner's own numbers) or full; without it "
        "everything is shown (the teacher's copy)",
    )
    c.add_argument(
        "--all-attempts",
        action="store_true",
        help="of a submissions zip (serve's <id>/attempt-<n>.xlsx): every attempt, one "
        "gradebook row each, instead of each student's last that can be graded",
    )
    c.add_argument("--report", help="one row per answer cell (.csv)")
    c.add_argument(
        "--gradebook",
        metavar="GRADEBOOK",
        help="one row per submitted file, unreadable ones included (.csv for scripts, or .xlsx "
        "for people: headers in the command's language, with the class report's sheets after it)",
    )
    c.add_argument(
        "--class-report",
        metavar="C.xlsx",
        help="the class's statistics (.xlsx): shares per block and quantity, the named mistakes "
        "ranked with their students and a chart, the flags, a heat map of the Steps sheet",
    )
    c.add_argument(
        "--spec",
        help="grade against this spec instead of the one in the workbook; "
        "with the options below as template had them, the record: an "
        "exercise whose hidden settings differ is flagged tampered",
    )
    c.add_argument("--ask", metavar="BLOCKS", help="the blocks the exercise asked (as template)")
    c.add_argument(
        "--layout",
        choices=LAYOUTS,
        help="the Steps layout the exercise was written with (as template; default with "
        "--spec: rows); the answers are found in either",
    )
    c.add_argument(
        "--steps",
        type=_positive,
        metavar="K",
        help="the exercise asked only the first K steps (as template)",
    )
    c.add_argument(
        "--epochs",
        type=_positive,
        metavar="N",
        help="the exercise's epochs (as template; default with --spec: 1)",
    )
    c.add_argument(
        "--roster",
        metavar="ROSTER.csv",
        help="the class the exercises were made for (with --spec): each file graded "
        "on its student's givens, regenerated from the spec and the id",
    )
    c.add_argument(
        "--decimals",
        type=int,
        metavar="D",
        help="judge at least D decimals instead of the exercise's stated decimals "
        "(with --spec: the decimals template stated, default 4)",
    )
    c.add_argument(
        "--carried-credit",
        type=_credit,
        default=1.0,
        metavar="F",
        help="the share of a point a carried cell earns, 0 to 1 (default 1): "
        "score = 100·(correct + F·carried) / answer cells",
    )
    c.add_argument(
        "--lang",
        choices=("en", "id"),
        help="language of the summary, graded copy and explanations (default: the exercise's)",
    )

    s = sub.add_parser(
        "serve",
        help="a self-check web page for a class: students sign in, "
        "download their exercise, upload it and see what is wrong",
    )
    s.add_argument("spec", help="spec file (TOML) or built-in example name")
    s.add_argument(
        "--roster",
        required=True,
        metavar="ROSTER.csv",
        help="the class: a UTF-8 CSV with the columns id and name",
    )
    s.add_argument(
        "--data",
        required=True,
        metavar="DIR",
        help="folder that keeps everything (codes, token, database, files)",
    )
    s.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; "
        "0.0.0.0 for the lab's network)",
    )
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    s.add_argument(
        "--public-url",
        metavar="URL",
        help="the class page's address as students type it, given in each exercise's "
        "instructions (default: http://HOST:PORT/, 0.0.0.0 said as this machine's name)",
    )
    s.add_argument(
        "--attempts",
        type=_positive,
        metavar="N",
        help="uploads each student may have graded (default: unlimited)",
    )
    s.add_argument(
        "--lang", choices=("en", "id"), default="en", help="language of the pages and the exercises"
    )
    s.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="files graded at once (default: the CPU count, at most 4)",
    )
    s.add_argument(
        "--carried-credit",
        type=_credit,
        default=1.0,
        metavar="F",
        help="the share of a point a carried cell earns, 0 to 1 (default 1)",
    )
    s.add_argument(
        "--timeout",
        type=_positive,
        default=60,
        metavar="S",
        help="seconds one file may take to grade before it is stopped (default 60)",
    )
    s.add_argument(
        "--new-term",
        action="store_true",
        help="start afresh with another spec, options or language: move the data folder's "
        "records (database, codes, exercises, uploads) into DIR/archive/<time>/",
    )
    s.add_argument(
        "--revoke",
        metavar="ID",
        help="give one student a new access code (printed, and in codes.csv; the old one stops "
        "working at once), then exit",
    )
    s.add_argument(
        "--header-timeout",
        type=_positive,
        default=10,
        metavar="S",
        help="seconds a client may take to send a request's headers (default 10)",
    )
    s.add_argument(
        "--per-client",
        type=_positive,
        default=256,
        metavar="N",
        help="open connections one address may hold (default 256: a browser uses about 6, and a "
        "lab behind one router shares an address)",
    )
    s.add_argument(
        "--feedback",
        choices=FEEDBACK,
        default="verdicts",
        help="what a student is shown: verdicts (each cell's verdict and the named mistake, "
        "no expected number; the default), hints (and the formula on the student's own "
        "numbers) or full (and the expected values, e.g. after the deadline)",
    )

    d = sub.add_parser(
        "doctor",
        help="why a network does not learn: findings shown with its own numbers, "
        "advice proven by reruns",
    )
    d.add_argument("spec", nargs="?", help="spec file (TOML) or built-in example name")
    d.add_argument("-o", "--output", metavar="REPORT.xlsx", help="also write a report workbook")
    d.add_argument("--epochs", type=_positive, help="override training.epochs")
    d.add_argument("--preset", choices=tuple(PRESETS), help="override the spec's preset")
    d.add_argument("--notation", choices=NOTATIONS, help="symbols used in the evidence")
    d.add_argument("--lang", choices=("en", "id"), default="en", help="report language")
    d.add_argument("--json", action="store_true", help="print the findings as JSON")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    e = sub.add_parser("examples", help="list the built-in examples")
    e.add_argument(
        "--export", metavar="DIR", help="write each example's spec file, data and workbook into DIR"
    )
    return p


def cmd_trace(args: argparse.Namespace) -> int:
    spec = resolve_spec(args.spec, _overrides(args))
    if not args.output and not args.table and not args.pdf:
        raise NnsheetError(
            "nnsheet trace: nothing to write; give -o OUT.xlsx, --table OUT.csv and/or "
            "--pdf OUT.pdf"
        )
    inputs = spec_inputs(spec)
    out = check_output_path(args.output, ".xlsx", inputs, "-o") if args.output else None
    table = check_output_path(args.table, ".csv", inputs, "--table") if args.table else None
    pdf = check_output_path(args.pdf, ".pdf", inputs, "--pdf") if args.pdf else None
    if out is not None and table is not None and out.resolve() == table.resolve():
        raise NnsheetError(f"{args.table}: the table and the workbook need different names")
    if pdf is not None and out is None and pdf_export.soffice_path() is None:
        raise NnsheetError(pdf_export.missing_message(pdf))  # nothing else would be written
    with tempfile.TemporaryDirectory(prefix="nnsheet-") as tmp:
        if pdf is not None and out is None:  # the PDF alone: its workbook is a temporary file
            return _trace(args, spec, Path(tmp) / f"{pdf.stem}.xlsx", table, pdf, keep=False)
        return _trace(args, spec, out, table, pdf)


def _trace(
    args: argparse.Namespace,
    spec,
    out: Path | None,
    table: Path | None,
    pdf: Path | None,
    keep: bool = True,
) -> int:
    layout = make_layout(spec, args.lang, args.detail_epochs, args.layout)
    if out is not None:
        layout.check_limits()  # before any training: the numbers and the options that fit
    if pdf is not None:
        pdf_export.check_pages(layout, pdf, "--detail-epochs")
    # The engine's records stream straight into the workbook writer, a row at a time, so without
    # --table the trace is never held in memory. The table needs every value at the end: with
    # --table the records are also kept in a Trace as they stream by (memory grows with steps).
    records = with_progress(iterate(spec), spec, quiet=args.quiet)
    epochs: list[EpochRecord] = []  # the last epoch summary seen (where training stopped)
    cycle: list[tuple[int, int]] = []  # a perceptron's first repeated weights (later, earlier)
    records = _last_epoch(records, epochs, cycle)
    # watched on the way: a run that ends stuck, diverged or saturated gets a note (issue 25);
    # the doctor's findings are backpropagation's, not the single-layer rules'
    watcher = trace_watcher(spec)
    if not spec.single:
        records = tap(records, watcher)
    trace = None
    if table is not None:
        trace = Trace(spec, *initial_weights(spec))
        records = _keeping(records, trace)
    if out is not None:
        WorkbookWriter(out, layout).write(records)
        detail = ""
        if layout.detail_epochs < spec.epochs:
            detail = message("detail", args.lang, k=layout.detail_epochs)
        last = epochs[-1] if epochs else None
        if last is not None:
            note = layout.notation.stop_note(last, spec, cycle[0] if cycle else None)
            detail += f"; {note[0].lower()}{note[1:].rstrip('.')}" if note else ""
        if keep:
            print(
                message(
                    "wrote_trace",
                    args.lang,
                    path=out,
                    steps=last.last_step if last is not None else total_steps(spec),
                    epochs=last.epoch if last is not None else spec.epochs,
                    detail=detail,
                ),
                file=sys.stderr,
            )
    else:
        for _ in records:
            pass
    if table is not None:
        assert trace is not None
        write_table(trace.table(layout if out is not None else None, lang=args.lang), table)
        print(message("wrote_table", args.lang, path=table), file=sys.stderr)
    if pdf is not None:
        assert out is not None
        from .output import handout

        if handout.stacks(layout):
            # printed from a copy whose Steps bands are stacked down the page (output/handout.py);
            # only a short trace stacks, so training it again for the copy is quick
            with tempfile.TemporaryDirectory(prefix="nnsheet-handout-") as tmp:
                copy = Path(tmp) / out.name
                handout.StackedWriter(copy, layout).write(iterate(spec))
                _write_pdf(copy, pdf, args.lang, args.quiet, kept=keep, workbook=out)
        else:
            _write_pdf(out, pdf, args.lang, args.quiet, kept=keep)
    note = None if spec.single else trace_note(watcher.run, _doctor_args(args), args.lang)
    if note:
        print(note, file=sys.stderr)
    return 0


def _doctor_args(args: argparse.Namespace) -> str:
    """``trace``'s spec and training options, as ``nnsheet doctor`` takes them."""
    parts = [args.spec] if args.spec else []
    for flag in ("epochs", "preset", "notation"):
        if getattr(args, flag) is not None:
            parts += [f"--{flag}", str(getattr(args, flag))]
    if args.lang != "en":
        parts += ["--lang", args.lang]
    return " ".join(shlex.quote(p) for p in parts)


def _write_pdf(
    xlsx: Path,
    pdf: Path,
    lang: str,
    quiet: bool = False,
    kept: bool = True,
    workbook: Path | None = None,
) -> None:
    """``--pdf``: the workbook written (or ``xlsx``, its copy for printing), exported by
    LibreOffice."""
    pdf_export.export_pdf(xlsx, pdf, kept=kept, workbook=workbook)
    note = pdf_export.font_note()
    if note and not quiet:
        print(f"nnsheet: note: {note}", file=sys.stderr)
    print(message("wrote_table", lang, path=pdf), file=sys.stderr)


def _last_epoch(records, kept: list[EpochRecord], cycle: list[tuple[int, int]] | None = None):
    """Pass ``records`` through, keeping the last epoch summary in ``kept`` (and in ``cycle``
    the first epoch whose weights repeat an earlier epoch's, with that epoch)."""
    for rec in records:
        if isinstance(rec, EpochRecord):
            kept[:] = [rec]
            if cycle is not None and not cycle and rec.repeats is not None:
                cycle.append((rec.epoch, rec.repeats))
        yield rec


def _keeping(records, trace):
    """Pass ``records`` through, keeping each in ``trace``."""
    for rec in records:
        trace.add(rec)
        yield rec


def _check_decimals(decimals: int) -> None:
    if not 0 <= decimals <= 15:
        raise NnsheetError(f"--decimals: expected a whole number from 0 to 15, got {decimals}")


def cmd_template(args: argparse.Namespace) -> int:
    # imported here, not at the top: `nnsheet trace` loads neither pandas nor the grader
    from .exercise.template import ExerciseOptions, exercise_spec, parse_ask, write_exercise

    _check_decimals(args.decimals)
    spec = resolve_spec(args.spec, _overrides(args))
    if args.roster is not None:
        return _template_roster(args, spec)
    out = check_output_path(args.output, ".xlsx", spec_inputs(spec), "-o")
    pdf = check_output_path(args.pdf, ".pdf", spec_inputs(spec), "--pdf") if args.pdf else None
    spec = exercise_spec(spec, args.epochs is not None)
    options = ExerciseOptions(
        ask=parse_ask(args.ask),
        steps=args.steps,
        lang=args.lang,
        decimals=args.decimals,
        layout=args.layout,
    )
    if pdf is not None:
        from .output import printing

        row_pt = printing.answer_row_height(printing.STEPS_SCALE)  # rows to write in by hand
        lay = make_layout(spec, args.lang, layout=args.layout)
        pdf_export.check_pages(lay, pdf, "--epochs", row_pt)
    layout, answers = write_exercise(spec, out, options)
    print(message("wrote_exercise", args.lang, path=out, n=len(answers)), file=sys.stderr)
    if pdf is not None:
        from .output import handout, printing

        if handout.stacks(layout, printing.answer_row_height(printing.STEPS_SCALE)):
            # printed from a copy whose Steps bands are stacked down the page (output/handout.py)
            with tempfile.TemporaryDirectory(prefix="nnsheet-handout-") as tmp:
                copy = Path(tmp) / out.name
                write_exercise(spec, copy, options, stacked=True)
                _write_pdf(copy, pdf, args.lang, workbook=out)
        else:
            _write_pdf(out, pdf, args.lang)
    return 0


def _template_roster(args: argparse.Namespace, spec) -> int:
    """``template --roster ROSTER.csv -o DIR``: one exercise per student."""
    from .exercise.roster import draws_anything, read_roster, write_student_exercises
    from .exercise.template import DEFAULT_DECIMALS, ExerciseOptions, exercise_spec, parse_ask

    if args.pdf:
        raise NnsheetError(
            "--pdf writes one handout; with --roster, print each student's DIR/<id>.xlsx instead"
        )
    roster = read_roster(Path(args.roster), args.lang)  # every row checked before writing
    folder = Path(args.output)
    if folder.suffix.lower() in (".xlsx", ".xls", ".ods", ".csv") or (
        folder.exists() and not folder.is_dir()
    ):
        raise NnsheetError(f"{args.output}: with --roster, -o names a folder (DIR/<id>.xlsx each)")
    inputs = set(spec_inputs(spec)) | {Path(args.roster).resolve()}
    clash = [st.id for st in roster if (folder / f"{st.id}.xlsx").resolve() in inputs]
    if clash:
        raise NnsheetError(
            f"{folder / (clash[0] + '.xlsx')}: refusing to overwrite an input "
            "file; choose another -o folder"
        )
    spec = exercise_spec(spec, args.epochs is not None)
    options = ExerciseOptions(
        ask=parse_ask(args.ask),
        steps=args.steps,
        lang=args.lang,
        decimals=args.decimals,
        layout=args.layout,
    )
    if not draws_anything(spec):
        print(message("roster_fixed", args.lang), file=sys.stderr)
    paths = write_student_exercises(spec, roster, folder, options)
    decimals = args.decimals if args.decimals != DEFAULT_DECIMALS else None
    flags = "".join(
        f" {flag} {v}"
        for flag, v in (
            ("--ask", args.ask),
            ("--steps", args.steps),
            ("--epochs", args.epochs),
            ("--decimals", decimals),
            ("--layout", None if args.layout == "rows" else args.layout),
        )
        if v is not None
    )
    print(
        message(
            "wrote_roster",
            args.lang,
            n=len(paths),
            folder=folder,
            roster=args.roster,
            spec=args.spec or "SPEC",
            options=flags,
        ),
        file=sys.stderr,
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    decimals = args.decimals
    if decimals is not None:
        _check_decimals(decimals)
    if args.feedback is not None and args.output is None:
        raise NnsheetError(
            "--feedback sets what the graded copies show: give -o DIR (the copies to hand back)"
        )
    if args.roster is not None and args.spec is None:
        raise NnsheetError(
            "--roster needs --spec SPEC: the spec the class's exercises were made "
            "from (their givens are regenerated from it)"
        )
    from .exercise.template import parse_ask
    from .grading.key import Record

    spec = resolve_spec(args.spec) if args.spec is not None else None
    roster = None
    if args.roster is not None:
        from .exercise.roster import read_roster

        roster = read_roster(Path(args.roster), args.lang or "en")
    ask = parse_ask(args.ask) if args.ask is not None else None
    record = Record(
        spec, ask, args.steps, args.epochs, decimals, args.carried_credit, layout=args.layout
    )
    return check_files(
        [Path(f) for f in args.files],
        record,
        output=args.output,
        report=args.report,
        gradebook=args.gradebook,
        lang=args.lang,
        roster=roster,
        class_report=args.class_report,
        feedback=args.feedback or "full",
        all_attempts=args.all_attempts,
    )


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
    suffixes = {"--gradebook": (".csv", ".xlsx"), "--class-report": (".xlsx",)}.get(what, (".csv",))
    if p.suffix.lower() not in suffixes:
        raise NnsheetError(f"{p}: {what} must be a {' or '.join(suffixes)} file")
    if p.resolve() in {f.resolve() for f in files}:
        raise NnsheetError(f"{p}: refusing to overwrite an input file")
    if not p.resolve().parent.is_dir():
        raise NnsheetError(f"{p}: the folder {p.resolve().parent} does not exist")
    return p


def _graded_paths(
    files: list[Path], output: str | None, several: bool
) -> tuple[list[Path | None], bool]:
    """Each file's graded copy (``-o``: a file, or a folder for several) and whether ``-o`` is
    a folder to create; refused before anything is graded when one would overwrite a learner's
    file."""
    from .grading.values import is_values

    if output is None:
        return [None] * len(files), False
    if csvs := [f for f in files if is_values(f)]:
        raise NnsheetError(
            f"{csvs[0]}: a program's values have no graded copy; leave out -o "
            "(--report gives every value's verdict)"
        )
    stems: dict[str, int] = {}
    for f in files:
        stems[f.stem.lower()] = stems.get(f.stem.lower(), 0) + 1
    o = Path(output)
    if several:
        if o.exists() and not o.is_dir():
            raise NnsheetError(f"{o}: with several files, -o must name a folder")
    elif not o.is_dir() and o.suffix.lower() != ".xlsx" and (o.exists() or o.suffix):
        raise NnsheetError(f"{o}: -o must be a .xlsx file or a folder")
    make_folder = several or (not o.exists() and not o.suffix)
    targets = [_graded_path(f, output, several or make_folder, stems) for f in files]
    ins = {f.resolve() for f in files}
    for t in targets:
        if t is not None and t.resolve() in ins:
            raise NnsheetError(f"{t}: refusing to overwrite a learner's file; choose another -o")
    if len({t.resolve() for t in targets if t is not None}) < len(files):
        raise NnsheetError("several files have the same name; grade them in separate calls")
    return targets, make_folder


def _member_folder(
    members: list, output: str | None, zipped: Path
) -> tuple[list[Path | None], bool]:
    """Where the graded copies of a submissions zip go (``-o``: a folder, created when
    missing), one entry per row: each copy is ``<id>-attempt-<n>.xlsx`` there, the id and
    number read from the checked member name of the attempt graded (never the name itself)."""
    if output is None:
        return [None] * len(members), False
    o = Path(output)
    if o.exists() and not o.is_dir():
        raise NnsheetError(f"{o}: with a submissions zip, -o must name a folder")
    if o.resolve() == zipped.resolve():
        raise NnsheetError(f"{o}: refusing to overwrite the submissions zip; choose another -o")
    return [o] * len(members), True


def check_files(
    files: Sequence[Path],
    record: Record,
    *,
    output: str | None = None,
    report: str | None = None,
    gradebook: str | None = None,
    lang: str | None = None,
    roster: Sequence[Student] | None = None,
    say: Callable[[str], None] = print,
    feedback: str = "full",
    class_report: str | None = None,
    all_attempts: bool = False,
) -> int:
    """Grade ``files`` (``nnsheet check``; a folder stands for the .xlsx/.ods files in it), each
    by :func:`~nnsheet.grading.pipeline.grade_file` against the teacher's ``record``: a
    summary per file through ``say``, graded copies (``output``), the ``report`` CSV (one row
    per answer cell) and the ``gradebook`` (one row per file, with the flags of
    :func:`~nnsheet.grading.pipeline.class_flags`). An unreadable file is one line on stderr
    (and a gradebook row) and the others are still graded. Returns the exit status: 0 all
    correct, 1 something wrong or missing, 2 a file could not be graded.

    When stdout is a pipe that closes early (``| head``), the summaries stop quietly and every
    file asked for is still written. ``lang``: the language of what is said (default: each
    exercise's own); the CSV files stay English. ``class_report``: the class's statistics
    (:mod:`~nnsheet.grading.classview`), also written after the sheet of an .xlsx gradebook.

    A submissions zip (``serve``'s, :mod:`nnsheet.grading.zipped`), given alone, is graded
    member by member: each student's last attempt that can be graded (every attempt with
    ``all_attempts``), graded as the student its folder names; ``-o`` then names a folder
    (``<id>-attempt-<n>.xlsx``)."""
    from .core.safety import terminal_text
    from .grading.batch import flag_lines, submissions, write_csv
    from .grading.pipeline import class_flags, grade_file, not_submitted, problem_text
    from .grading.report import REPORT_COLUMNS, report_rows, summary, write_graded
    from .words.grading_text import runs
    from .words.grading_text import say as words

    def err(line: str) -> None:  # file names and learners' text: control characters escaped
        print(terminal_text(line), file=sys.stderr)

    from .grading.zipped import grade_last, is_zip_path, open_zip, read_members

    given = [Path(f) for f in files]
    zipped = next((f for f in given if is_zip_path(f)), None)
    members: list = []
    if zipped is not None:
        if len(given) > 1:
            raise NnsheetError(f"{zipped}: a submissions zip is graded on its own; give it alone")
        members = read_members(zipped, all_attempts)
        files, several = [zipped], True
        targets, make_folder = _member_folder(members, output, zipped)
    else:
        if all_attempts:
            raise NnsheetError("--all-attempts is for a submissions zip (serve's <id>/attempt-<n>)")
        files, several = submissions(given, err)
        targets, make_folder = _graded_paths(files, output, several)
    paths = {
        what: _csv_path(p, what, files)
        for what, p in (
            ("--report", report),
            ("--gradebook", gradebook),
            ("--class-report", class_report),
        )
        if p is not None
    }
    if len({p.resolve() for p in paths.values()}) < len(paths):
        raise NnsheetError(
            f"{gradebook or report}: --report, --gradebook and --class-report need different names"
        )
    if output is not None and make_folder:
        Path(output).mkdir(parents=True, exist_ok=True)

    printing = True

    def out(line: str) -> None:
        nonlocal printing
        if printing:
            try:
                say(terminal_text(line))
            except BrokenPipeError:  # the reader went away (`| head`): go on, quietly
                printing = False
                silence_stdout()

    cache: dict = {}  # answer keys by value (the spec's text and the options)
    status = 0
    rows: list[list[object]] = []
    outcomes = []
    notes: list[list[str]] = []  # per file: what the gradebook says beyond its flags
    said: str | None = None  # the first graded exercise's language
    zf = None if zipped is None else open_zip(zipped)  # read_members has read it once
    for item, dest in zip(members or files, targets, strict=True):
        passed: list[str] = []
        if zf is not None:  # a student's attempts: the last one that can be graded
            m, o, passed = grade_last(zf, item, record, roster, lang=lang, cache=cache)
            f = o.path
            named = dest is not None and m.problem is None
            dest = dest / f"{m.id}-attempt-{m.attempt}.xlsx" if named else None
            for line in passed:
                err(f"nnsheet: {line}")
        else:
            f = item
            o = grade_file(f, record, roster, lang=lang, cache=cache)
        outcomes.append(o)
        notes.append(passed)
        if o.result is None:
            err(f"nnsheet: error: {o.problem}")
            status = 2
            continue
        res, speak = o.result, lang or o.lang
        for line in [*summary(res, lang), *flag_lines(o.flags, speak)]:
            out(line)
        said = said or o.lang
        rows.extend(report_rows(res))
        if not res.all_correct:
            status = max(status, 1)
        if dest is None:
            continue
        try:
            write_graded(f, res, dest, lang, feedback)
        except Exception as exc:
            why = problem_text(f, exc, "no graded copy can be written")
            notes[-1].append(words("no_copy", "en", why=why.removeprefix(f"{f}: ")))
            err(f"nnsheet: error: {why}")
            status = 2
            continue
        out(words("graded_copy", lang or o.lang, path=dest))
    if zf is not None:
        zf.close()
    later = class_flags(outcomes, record, roster, cache)
    for o, flags in zip(outcomes, later, strict=True):
        lines = flag_lines(flags, lang or o.lang, o.flags)
        if lines:
            out(f"{o.path}:")
            for line in lines:
                out(line)
    absent = not_submitted(outcomes, roster) if roster is not None else []
    if absent:
        ids = runs([st.id for st in absent])
        err(words("not_submitted", lang or said or "en", n=len(absent), ids=ids))
    if report is not None:
        write_csv(paths["--report"], REPORT_COLUMNS, rows)
        err(words("wrote_report", lang or said or "en", path=report, n=len(rows)))
    if gradebook is not None or class_report is not None:
        _class_files(outcomes, later, notes, absent, roster, paths, lang or said or "en", err)
    return status


def _class_files(outcomes, later, notes, absent, roster, paths, lang, err) -> None:
    """``check``'s gradebook (CSV for scripts, or .xlsx for people with the class report's
    sheets after it) and its ``--class-report``, from the run's outcomes and class flags."""
    from .grading.batch import (
        gradebook_blocks,
        gradebook_columns,
        gradebook_row,
        not_submitted_row,
        outcome_extra,
        people_row,
        write_csv,
    )
    from .grading.classbook import write_report
    from .grading.classview import class_view, paper_of
    from .words.class_text import class_say
    from .words.grading_text import say as words

    asked = {m.block for o in outcomes if o.result is not None for m in o.result.marks}
    blocks = gradebook_blocks(asked)
    names = {st.id: st.name for st in roster or ()}
    cells = [gradebook_row(o, f, n) for o, f, n in zip(outcomes, later, notes, strict=True)]
    extra = [outcome_extra(o, blocks) for o in outcomes]
    cells += [not_submitted_row(st) for st in absent]
    extra += [[""] * (len(blocks) + 1) for _ in absent]
    papers = [
        paper_of(o, f, lang, names.get(o.student or ""))
        for o, f in zip(outcomes, later, strict=True)
    ]
    view = class_view(papers)
    ref = next((o.result for o in outcomes if o.result is not None), None)
    sent, layout, answers = "err", None, None
    if ref is not None:
        from .core.ops import hidden_error_rule

        spec = ref.key.spec
        sent = hidden_error_rule(spec.rule, spec.hidden_error).source
        layout, answers = ref.key.layout, ref.key.answers
    book = paths.get("--gradebook")
    if book is not None:
        if book.suffix.lower() == ".xlsx":
            # a file's student as the class view has it (the roster's name with a roster, the
            # typed one otherwise; never the file name, which is the last column)
            people = [
                dataclasses.replace(
                    people_row(row, more, blocks, p.flags), student_id=p.student_id, name=p.name
                )
                for row, more, p in zip(cells, extra, papers, strict=False)
            ]
            people += [
                people_row(row, more, blocks, [])
                for row, more in zip(cells[len(papers) :], extra[len(papers) :], strict=True)
            ]
            write_report(book, view, lang, sent, layout, answers, (people, blocks))
        else:
            rows = [[*row, *more] for row, more in zip(cells, extra, strict=True)]
            write_csv(book, gradebook_columns(blocks), rows)
        err(words("wrote_gradebook", lang, path=book, n=len(outcomes)))
    report = paths.get("--class-report")
    if report is not None:
        write_report(report, view, lang, sent, layout, answers)
        err(class_say("wrote", lang, path=report, n=view.graded))


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve.run import revoke, serve

    if args.revoke is not None:
        return revoke(Path(args.data), args.revoke, args.lang)
    return serve(
        resolve_spec(args.spec),
        args.roster,
        args.data,
        host=args.host,
        port=args.port,
        attempts=args.attempts,
        lang=args.lang,
        workers=args.workers,
        timeout=args.timeout,
        feedback=args.feedback,
        new_term=args.new_term,
        header_timeout=args.header_timeout,
        per_client=args.per_client,
        public_url=args.public_url,
        carried_credit=args.carried_credit,
    )


def cmd_doctor(args: argparse.Namespace) -> int:
    from .core.specfile import TARGETS_ANY_RANGE
    from .doctor.command import run_doctor

    token = TARGETS_ANY_RANGE.set(True)  # an unreachable target is a finding here, not a refusal
    try:
        spec = resolve_spec(args.spec, _overrides(args))
    finally:
        TARGETS_ANY_RANGE.reset(token)
    return run_doctor(spec, lang=args.lang, output=args.output, as_json=args.json, quiet=args.quiet)


def cmd_examples(args: argparse.Namespace) -> int:
    if args.export:
        export_examples(Path(args.export))
        return 0
    width = max(len(name) for name in EXAMPLES)
    for name, text in EXAMPLES.items():
        print(f"{name:{width}}  {text}")
    print("use one with: nnsheet trace NAME -o NAME.xlsx", file=sys.stderr)
    return 0


COMMANDS = {
    "trace": cmd_trace,
    "template": cmd_template,
    "check": cmd_check,
    "serve": cmd_serve,
    "doctor": cmd_doctor,
    "examples": cmd_examples,
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        status = COMMANDS[args.command](args)
        try:
            sys.stdout.flush()  # a pipe is block-buffered: a closed reader shows up here
        except BrokenPipeError:
            silence_stdout()
            # check has graded and written everything asked for: its status still holds
            return status if args.command == "check" else 141
        return status
    except NnsheetError as exc:
        # a file name or a learner's text in the message cannot drive the terminal or add a line
        print(f"nnsheet: error: {terminal_text(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # stdout's reader went away (`nnsheet examples | head`): stop quietly, as Unix tools
        # do, with the status a shell shows for a process ended by SIGPIPE (128 + 13)
        silence_stdout()
        return 141
    except OSError as exc:  # unwritable folder, disk full, output is a folder, …
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"nnsheet: error: {terminal_text(f'{where}{exc.strerror or exc}')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nnsheet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
