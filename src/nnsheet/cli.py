"""The command line: ``nnsheet trace | template | check | examples`` (DESIGN §6).

Exit status: 0 success, 1 ``check`` found wrong or missing answers, 2 bad input (one line on
stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import NnsheetError
from .examples import DEFAULT_EXAMPLE, EXAMPLES, example_path
from .spec import NOTATIONS, PRESETS, Spec
from .specfile import load_spec


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise NnsheetError(f"{self.prog}: {message} (see {self.prog} --help)")


def _spec_arg(value: str | None, overrides: dict[str, object]) -> Spec:
    """SPEC is a path, or the name of a built-in example, or absent (the course example)."""
    if value is None:
        return load_spec(example_path(DEFAULT_EXAMPLE), overrides)
    p = Path(value)
    if not p.exists() and value in EXAMPLES:
        return load_spec(example_path(value), overrides)
    return load_spec(p, overrides)


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


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="nnsheet", description="Train a small neural network step by step and "
                "write every number into a live Excel workbook.")
    p.add_argument("--version", action="version", version=f"nnsheet {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("trace", help="train and write the trace workbook and/or table")
    t.add_argument("spec", nargs="?", help="spec file (TOML) or built-in example name")
    t.add_argument("-o", "--output", help="workbook to write (.xlsx)")
    t.add_argument("--table", help="long-format trace table to write (.csv)")
    t.add_argument("--epochs", type=_positive, help="override training.epochs")
    t.add_argument("--preset", choices=tuple(PRESETS), help="override the spec's preset")
    t.add_argument("--notation", choices=NOTATIONS, help="symbols used in headers and labels")
    t.add_argument("--lang", choices=("en", "id"), default="en", help="label language")
    t.add_argument("--detail-epochs", type=_positive, metavar="K",
                   help="write only the first K epochs row by row on Steps (all are summarised)")
    t.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    m = sub.add_parser("template", help="write a blank exercise workbook to fill in by hand")
    m.add_argument("spec", nargs="?", help="spec file (TOML) or built-in example name")
    m.add_argument("-o", "--output", required=True, help="exercise workbook to write (.xlsx)")
    m.add_argument("--epochs", type=_positive, help="override training.epochs")
    m.add_argument("--preset", choices=tuple(PRESETS), help="override the spec's preset")
    m.add_argument("--notation", choices=NOTATIONS, help="symbols used in headers and labels")
    m.add_argument("--lang", choices=("en", "id"), default="en", help="label language")
    m.add_argument("--ask", metavar="BLOCKS",
                   help="blocks to ask, comma-separated: forward,errors,backward,updates "
                        "(default: all)")
    m.add_argument("--steps", type=_positive, metavar="K", help="ask only the first K steps")

    c = sub.add_parser("check", help="grade filled exercise workbooks")
    c.add_argument("files", nargs="+", metavar="FILLED.xlsx", help="filled exercise workbooks")
    c.add_argument("-o", "--output", help="graded copy (.xlsx), or a folder for several files")
    c.add_argument("--report", help="one row per answer cell (.csv)")
    c.add_argument("--spec", help="grade against this spec instead of the one in the workbook")
    c.add_argument("--decimals", type=int, metavar="D",
                   help="tolerance: half a unit in the D-th decimal for every cell")

    e = sub.add_parser("examples", help="list the built-in examples")
    e.add_argument("--export", metavar="DIR",
                   help="write each example's spec file, data and workbook into DIR")
    return p


def _inputs_of(spec: Spec) -> list[Path]:
    """The user's files a command reads (never to be overwritten)."""
    return [p.resolve() for p in (spec.source, spec.data_source) if p is not None]


def _check_output(path: str, suffix: str, inputs: list[Path], what: str) -> Path:
    p = Path(path)
    if p.suffix.lower() != suffix:
        raise NnsheetError(f"{path}: {what} must be a {suffix} file")
    if p.resolve() in inputs:
        raise NnsheetError(f"{path}: refusing to overwrite an input file; choose another name")
    if p.is_dir():
        raise NnsheetError(f"{path}: is a folder; expected a {suffix} file name")
    if not p.resolve().parent.is_dir():
        raise NnsheetError(f"{path}: the folder {p.resolve().parent} does not exist")
    return p


def cmd_trace(args: argparse.Namespace) -> int:
    spec = _spec_arg(args.spec, _overrides(args))
    if not args.output and not args.table:
        raise NnsheetError(
            "nnsheet trace: nothing to write; give -o OUT.xlsx and/or --table OUT.csv"
        )
    inputs = _inputs_of(spec)
    out = _check_output(args.output, ".xlsx", inputs, "-o") if args.output else None
    table = _check_output(args.table, ".csv", inputs, "--table") if args.table else None
    if out is not None and table is not None and out.resolve() == table.resolve():
        raise NnsheetError(f"{args.table}: the table and the workbook need different names")
    from .engine import Trace, initial_weights, iterate
    from .progress import total_steps, with_progress
    from .table import write_table
    from .workbook import WorkbookWriter, make_layout

    layout = make_layout(spec, args.lang, args.detail_epochs)
    if out is not None:
        layout.check_limits()  # before any training: the numbers and the options that fit
    # The engine's records stream straight into the workbook writer, a row at a time, so without
    # --table the trace is never held in memory. The table needs every value at the end: with
    # --table the records are also kept in a Trace as they stream by (memory grows with steps).
    records = with_progress(iterate(spec), spec, quiet=args.quiet)
    trace = None
    if table is not None:
        trace = Trace(spec, *initial_weights(spec))
        records = _keeping(records, trace)
    if out is not None:
        WorkbookWriter(out, layout).write(records)
        detail = ""
        if layout.detail_epochs < spec.epochs:
            detail = f"; Steps rows for the first {layout.detail_epochs} epochs"
        print(f"wrote {out} ({total_steps(spec)} steps, {spec.epochs} epochs{detail})",
              file=sys.stderr)
    else:
        for _ in records:
            pass
    if table is not None:
        assert trace is not None
        write_table(trace.table(layout if out is not None else None, lang=args.lang), table)
        print(f"wrote {table}", file=sys.stderr)
    return 0


def _keeping(records, trace):  # noqa: ANN001, ANN202
    """Pass ``records`` through, keeping each in ``trace``."""
    for rec in records:
        trace.add(rec)
        yield rec


def cmd_examples(args: argparse.Namespace) -> int:
    if args.export:
        return export_examples(Path(args.export))
    for name, text in EXAMPLES.items():
        print(f"{name:10} {text}")
    print("use one with: nnsheet trace NAME -o NAME.xlsx", file=sys.stderr)
    return 0


def export_examples(folder: Path) -> int:
    """Write every built-in example's spec (and data) and its workbook into ``folder``."""
    import shutil

    from .engine import iterate
    from .examples import EXPORT_DETAIL_EPOCHS, example_files
    from .progress import with_progress
    from .workbook import WorkbookWriter, make_layout

    if not folder.is_dir():
        raise NnsheetError(f"{folder}: no such folder")
    for name in EXAMPLES:
        for f in example_files(name):
            shutil.copyfile(f, folder / f.name)
        spec = load_spec(folder / f"{name}.toml")
        records = with_progress(iterate(spec), spec, desc=name)
        layout = make_layout(spec, detail_epochs=EXPORT_DETAIL_EPOCHS.get(name))
        WorkbookWriter(folder / f"{name}.xlsx", layout).write(records)
        print(f"wrote {folder / (name + '.xlsx')}", file=sys.stderr)
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from .exercise import cmd_template as run_template

    return run_template(args, _spec_arg(args.spec, _overrides(args)))


def cmd_check(args: argparse.Namespace) -> int:
    from .grader import cmd_check as run_check

    return run_check(args)


COMMANDS = {"trace": cmd_trace, "template": cmd_template, "check": cmd_check,
            "examples": cmd_examples}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except NnsheetError as exc:
        print(f"nnsheet: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # unwritable folder, disk full, output is a folder, …
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"nnsheet: error: {where}{exc.strerror or exc}".replace("\n", " "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nnsheet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
