"""Grading filled exercise workbooks (``nnsheet check``, DESIGN §7).

The answer key is built from the spec the exercise carries (or ``--spec``): the engine's trace, the
trace table (DESIGN §5) as the map of answer cells and expected values, and the workbook's own
formulas for every cell, recorded from the trace writer (the single source of truth).

Each answer cell gets one verdict:

- ``correct``: within the tolerance of the engine's value. The tolerance is half a unit in the last
  decimal the learner typed (at least :data:`MIN_DECIMALS` decimals are expected), or in the D-th
  decimal with ``--decimals D``.
- ``carried`` (correct by carry-forward): wrong against the engine, but right when the cell's own
  workbook formula is evaluated (:mod:`nnsheet.formula`) on the learner's earlier values. Cells the
  learner was not asked for (the weights in use, which point at the previous row's new weights) are
  computed from the learner's values by their formulas as well, so an error carried through a
  weight update is followed too.
- ``wrong``: neither; or text that is not a number, a spreadsheet error value, or a formula the
  learner typed whose result was never computed (file not saved by a spreadsheet).
- ``missing``: blank.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import math
import re
import sys
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from .engine import Trace, run
from .errors import NnsheetError, WorkbookError
from .exercise import (
    BLOCK_OF,
    BLOCKS,
    FORMAT_VERSION,
    META_MAGIC,
    META_SHEET,
    ExerciseOptions,
    answer_rows,
    parse_ask,
)
from .formula import FormulaError, evaluate, parse, references
from .layout import EPOCHS, SETUP, STEPS, Layout
from .ops import ACTIVATIONS, LOSSES, RULES
from .safety import XlsxLimits, check_xlsx_archive, csv_text, terminal_text
from .spec import Spec
from .specfile import loads_spec
from .table import write_atomic
from .workbook import WorkbookWriter, make_layout

VERDICTS = ("correct", "carried", "wrong", "missing")
MIN_DECIMALS = 2
#: relative floor of every tolerance: float noise between two exact computations
REL_FLOOR = 1e-9
REPORT_COLUMNS = ["file", "sheet", "cell", "label", "quantity", "epoch", "step", "sample", "layer",
                  "j", "i", "verdict", "expected", "given"]  # fmt: skip
COLOURS = {"correct": "C6EFCE", "carried": "DDEBF7", "wrong": "FFC7CE", "missing": "D9D9D9"}
LEGEND = {
    "correct": "correct: within the tolerance of the expected value",
    "carried": "carried: correct by carry-forward, right when computed from your own earlier "
               "values",
    "wrong": "wrong: see the cell's comment",
    "missing": "missing: nothing typed",
}
#: limits on an untrusted .xlsx before anything is decompressed
LIMITS = XlsxLimits(max_file_bytes=50 * 2**20, max_uncompressed=200 * 2**20, max_members=5_000)
ERROR_VALUES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# =========================================================================== the answer key
class _Recorder(WorkbookWriter):
    """The trace writer, noting every formula it writes: the key's formulas are exactly the
    workbook's."""

    def __init__(self, path: Path, layout: Layout) -> None:
        super().__init__(path, layout)
        self.formulas: dict[tuple[str, str], str] = {}

    def _cells(self, ws, row: int, templates, values, ctx: dict) -> None:  # noqa: ANN001
        from .layout import cell_name

        for c, tmpl in templates:
            self.formulas[(STEPS, cell_name(row, c))] = tmpl.format_map(ctx)
        super()._cells(ws, row, templates, values, ctx)

    def _epoch(self, ws, ep) -> None:  # noqa: ANN001
        from .layout import cell_name

        lay = self.layout
        if ep.epoch <= lay.detail_epochs:
            a, b = lay.epoch_rows(ep.epoch)
            for q, tmpl in self.epoch_tmpl.items():
                c = 1 if q == "epoch_loss" else 2
                self.formulas[(EPOCHS, cell_name(lay.epochs_row(ep.epoch), c))] = tmpl.format(
                    a=a + 1, b=b + 1)
        super()._epoch(ws, ep)


@dataclass
class AnswerKey:
    """Everything needed to grade one exercise: spec, layout, trace, answer cells, formulas."""

    spec: Spec
    options: ExerciseOptions
    layout: Layout
    trace: Trace
    answers: pd.DataFrame
    givens: dict[tuple[str, str], float]
    formulas: dict[tuple[str, str], str]
    values: dict[tuple[str, str], float]  # engine value of every cell in the table
    _trees: dict[tuple[str, str], tuple] = field(default_factory=dict)

    @classmethod
    def build(cls, spec: Spec, options: ExerciseOptions) -> AnswerKey:
        layout = make_layout(spec, options.lang)
        trace = run(spec)
        table = trace.table(layout)
        with tempfile.TemporaryDirectory(prefix="nnsheet-key-") as tmp:
            rec = _Recorder(Path(tmp) / "key.xlsx", layout)
            rec.write([*trace.steps, *trace.epochs])
        setup = table[table["sheet"] == SETUP]
        givens = {(SETUP, c): float(v) for c, v in zip(setup["cell"], setup["value"], strict=True)}
        cells = zip(table["sheet"], table["cell"], table["value"], strict=True)
        values = {(s, c): float(v) for s, c, v in cells if c}
        return cls(spec, options, layout, trace, answer_rows(table, trace, options), givens,
                   rec.formulas, values)

    def tree(self, key: tuple[str, str]) -> tuple:
        t = self._trees.get(key)
        if t is None:
            t = self._trees[key] = parse(self.formulas[key])
        return t


class LearnerEnv:
    """Cell values as the learner's workbook would compute them: answer cells are what the
    learner typed, givens come from Setup, every other cell is its own formula evaluated on
    these (memoised)."""

    def __init__(self, key: AnswerKey, given: dict[tuple[str, str], float | None]) -> None:
        self.key = key
        self.given = given
        self.memo: dict[tuple[str, str], float] = {}
        self.active: set[tuple[str, str]] = set()

    def cell(self, sheet: str, ref: str) -> float:
        k = (sheet, ref)
        if k in self.given:
            v = self.given[k]
            if v is None:
                raise FormulaError(f"{sheet}!{ref} holds no number")
            return v
        if sheet == SETUP:
            if k not in self.key.givens:
                raise FormulaError(f"{sheet}!{ref} is not a given")
            return self.key.givens[k]
        if k in self.memo:
            return self.memo[k]
        if k in self.active:
            raise FormulaError(f"{sheet}!{ref} refers to itself")
        if k not in self.key.formulas:
            return 0.0  # an empty cell, as a spreadsheet reads it (e.g. update rows in a range)
        self.active.add(k)
        try:
            v = evaluate(self.key.tree(k), self, sheet)
        finally:
            self.active.discard(k)
        self.memo[k] = v
        return v

    def name(self, name: str) -> float:
        return self.key.spec.learning_rate

    def compute(self, key: tuple[str, str]) -> float | None:
        """The cell's formula on the learner's values, or None when an input is unusable."""
        try:
            return evaluate(self.key.tree(key), self, key[0])
        except (FormulaError, OverflowError, KeyError):
            return None

    def inputs(self, key: tuple[str, str]) -> list[tuple[str, str]]:
        """The learner's answer cells a cell's formula reads, directly or through cells the
        learner was not asked for (the weights in use)."""
        out: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        todo = list(references(self.key.tree(key), key[0]))
        while todo:
            k = todo.pop()
            if k in seen:
                continue
            seen.add(k)
            if k in self.given:
                out.append(k)
            elif k[0] != SETUP and k in self.key.formulas:
                todo.extend(references(self.key.tree(k), k[0]))
        return out

    def slack(self, key: tuple[str, str], base: float, tols: dict[tuple[str, str], float]) -> float:
        """How far the cell may move when each of its inputs moves within its own tolerance (the
        learner rounded what they typed but may have kept more digits on the calculator)."""
        total = 0.0
        for k in self.inputs(key):
            v, t = self.given.get(k), tols.get(k, 0.0)
            if v is None or t == 0.0:
                continue
            worst = 0.0
            for sign in (1.0, -1.0):
                moved = LearnerEnv(self.key, {**self.given, k: v + sign * t})
                w = moved.compute(key)
                if w is not None:
                    worst = max(worst, abs(w - base))
            total += worst
        return total


# =========================================================================== reading answers
@dataclass
class Given:
    """What the learner put in one answer cell."""

    text: str  # as shown in the report ("" when blank)
    value: float | None = None
    decimals: int | None = None
    problem: str | None = None  # why it is not a number

    @property
    def blank(self) -> bool:
        return self.value is None and self.problem is None


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _decimals(text: str) -> int:
    try:
        exp = Decimal(text).as_tuple().exponent
    except InvalidOperation:
        return 0
    return max(0, -int(exp)) if isinstance(exp, int) else 0


def parse_text(text: str) -> Given:
    """Read typed text as the number it means: ``0,5``, `` 0.5 ``, ``59.33%``, ``−0.2``."""
    shown = text
    s = text.strip().replace("\u2212", "-").replace("\u00a0", "").replace(" ", "")
    if s == "":
        return Given("")
    pct = s.endswith("%")
    if pct:
        s = s[:-1]
    if "," in s:
        if "." not in s and s.count(",") == 1:
            s = s.replace(",", ".")
        elif "." in s and s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")  # 1.234,5
        else:
            s = s.replace(",", "")  # 1,234.5
    if not _NUMBER.fullmatch(s):
        return Given(shown, problem=f"the text {shown.strip()!r} is not a number")
    v = float(s)
    d = _decimals(s)
    if pct:
        v, d = v / 100.0, d + 2
    if not math.isfinite(v):
        return Given(shown, problem=f"{shown.strip()!r} is not a finite number")
    return Given(shown, v, d)


def read_given(value: object, dtype: str | None, formula: object) -> Given:
    """One answer cell from its saved value (``data_only``), its type and its formula text."""
    typed_formula = isinstance(formula, str) and formula.startswith("=")
    if value is None:
        if typed_formula:
            return Given(str(formula), problem="a formula with no computed result (not computed:"
                         " open the file in a spreadsheet and save it)")  # fmt: skip
        return Given("")
    if dtype == "e" or (isinstance(value, str) and value in ERROR_VALUES):
        return Given(str(value), problem=f"the spreadsheet error {value}")
    if isinstance(value, bool):
        return Given(str(value).upper(), problem=f"{str(value).upper()} is not a number")
    if isinstance(value, int | float):
        v = float(value)
        if not math.isfinite(v):
            return Given(repr(v), problem="not a finite number")
        text = repr(value) if isinstance(value, float) else str(value)
        g = Given(text, v, _decimals(text))
        if typed_formula:
            g.text = f"{formula} → {text}"
        return g
    if isinstance(value, str):
        return parse_text(value)
    return Given(str(value), problem=f"{type(value).__name__} {value!s} is not a number")


# =========================================================================== opening files
def check_file(path: Path) -> None:
    """Refuse, with one line, anything that is not a sane .xlsx archive — before parsing it."""
    name = str(path)
    if not path.exists():
        raise WorkbookError(f"{name}: file not found")
    if path.is_dir():
        raise WorkbookError(f"{name}: is a folder, not a workbook")
    size = path.stat().st_size
    if size == 0:
        raise WorkbookError(f"{name}: the file is empty")
    with open(path, "rb") as fh:
        head = fh.read(8)
        if head == OLE_MAGIC:
            body = fh.read(min(size, 4 * 2**20))
            if "EncryptionInfo".encode("utf-16-le") in body or b"EncryptionInfo" in body:
                raise WorkbookError(f"{name}: the workbook is password-protected (encrypted); "
                                    "remove the password and save it as .xlsx")  # fmt: skip
            raise WorkbookError(f"{name}: an Excel 97-2003 (.xls) file; open it and save it as "
                                "an Excel Workbook (.xlsx)")  # fmt: skip
    if not head.startswith(b"PK"):
        try:
            head_text = path.read_bytes()[:4096].decode("utf-8")
        except UnicodeDecodeError:
            head_text = None
        if head_text is not None:
            raise WorkbookError(f"{name}: a text (CSV?) file, not an .xlsx workbook; open it in a "
                                "spreadsheet and save it as .xlsx")  # fmt: skip
        raise WorkbookError(f"{name}: not an .xlsx workbook (not a zip archive)")
    # the limits on untrusted archives (README "Security"), before anything is decompressed:
    # size, parts, total and per-part expansion (zip bomb), encryption, DTD/entities, cells
    check_xlsx_archive(path, LIMITS)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                with zf.open("mimetype") as fh:
                    mt = fh.read(100)
                if b"opendocument.spreadsheet" in mt:
                    raise WorkbookError(f"{name}: an OpenDocument (.ods) spreadsheet; save it as "
                                        "an Excel Workbook (.xlsx)")  # fmt: skip
            if "xl/workbook.xml" not in names:
                raise WorkbookError(f"{name}: a zip archive but not an .xlsx workbook")
    except zipfile.BadZipFile:
        raise WorkbookError(f"{name}: truncated or damaged (not a complete .xlsx archive)"
                            ) from None
    except OSError as exc:
        raise WorkbookError(f"{name}: cannot be read ({exc.strerror or exc})") from None


@dataclass
class Book:
    """What the grader reads from a learner's file."""

    meta: list[tuple[str, str]]
    header: dict[str, object]  # Steps row 2 by cell
    values: dict[tuple[str, str], tuple[object, str | None]]  # saved value and data type
    formulas: dict[tuple[str, str], object]
    sheets: list[str]


def read_book(path: Path) -> Book:
    import openpyxl

    check_file(path)
    try:
        # read from memory (the size is already limited): no file handle outlives a parse error
        data = path.read_bytes()
        wb_v = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                      keep_links=False)  # fmt: skip
        wb_f = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                      keep_links=False)  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - any parser failure is an unreadable file
        msg = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise WorkbookError(f"{path}: cannot be read as an .xlsx workbook ({msg})") from None
    try:
        sheets = list(wb_v.sheetnames)
        meta: list[tuple[str, str]] = []
        if META_SHEET in sheets:
            for row in wb_v[META_SHEET].iter_rows(values_only=True):
                if row and row[0] is not None:
                    val = row[1] if len(row) > 1 and row[1] is not None else ""
                    meta.append((str(row[0]), str(val)))
        values: dict[tuple[str, str], tuple[object, str | None]] = {}
        formulas: dict[tuple[str, str], object] = {}
        header: dict[str, object] = {}
        for sheet in (STEPS, EPOCHS):
            if sheet not in sheets:
                continue
            for row in wb_v[sheet].iter_rows():
                for c in row:
                    if getattr(c, "coordinate", None) is None:
                        continue
                    if sheet == STEPS and c.row == 2:
                        header[c.coordinate] = c.value
                    if c.value is not None:
                        values[(sheet, c.coordinate)] = (c.value, c.data_type)
            for row in wb_f[sheet].iter_rows():
                for c in row:
                    if getattr(c, "coordinate", None) is not None and isinstance(c.value, str) \
                            and c.value.startswith("="):
                        formulas[(sheet, c.coordinate)] = c.value
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001
        msg = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise WorkbookError(f"{path}: cannot be read as an .xlsx workbook ({msg})") from None
    finally:
        wb_v.close()
        wb_f.close()
    return Book(meta, header, values, formulas, sheets)


def key_for(book: Book, path: Path, spec_override: Spec | None,
            cache: dict[str, AnswerKey]) -> AnswerKey:  # fmt: skip
    """The answer key of a workbook: its embedded spec and options, or ``--spec``."""
    meta: dict[str, str] = {}
    spec_lines: list[str] = []
    for k, v in book.meta:
        if k == "spec":
            spec_lines.append(v)
        else:
            meta[k] = v
    has_meta = meta.get("magic") == META_MAGIC
    if has_meta:
        try:
            version = int(meta.get("format", ""))
        except ValueError:
            version = -1
        if version > FORMAT_VERSION or version < 1:
            raise WorkbookError(f"{path}: exercise format {meta.get('format')!r} is not one this "
                                f"nnsheet reads (it reads up to {FORMAT_VERSION}); upgrade nnsheet")
        try:
            steps = int(meta["steps"]) if meta.get("steps") else None
            options = ExerciseOptions(ask=parse_ask(meta.get("ask") or None), steps=steps,
                                      lang=meta.get("lang", "en") if meta.get("lang") in (
                                          "en", "id") else "en")  # fmt: skip
        except (ValueError, NnsheetError):
            raise WorkbookError(f"{path}: the exercise's hidden settings are damaged") from None
    elif spec_override is None:
        raise WorkbookError(f"{path}: not an nnsheet exercise (no embedded spec); give the spec "
                            "with --spec SPEC")  # fmt: skip
    else:
        options = ExerciseOptions()
    if spec_override is not None:
        epochs = 1  # the template's default: the first epoch
        if has_meta and spec_lines:
            try:
                epochs = loads_spec("\n".join(spec_lines), name=str(path)).epochs
            except NnsheetError:
                pass
        spec = dataclasses.replace(spec_override, epochs=epochs)
        cache_id = f"override:{id(spec_override)}:{epochs}:{options}"
    else:
        text = "\n".join(spec_lines)
        cache_id = f"{text}\n{options}"
        if cache_id not in cache:
            try:
                spec = loads_spec(text, name=f"{path} (embedded spec)")
            except NnsheetError as exc:
                raise WorkbookError(f"{path}: the embedded spec is damaged ({exc})") from None
    if cache_id not in cache:
        cache[cache_id] = AnswerKey.build(spec, options)
    key = cache[cache_id]
    _check_layout(book, key, path)
    return key


def _check_layout(book: Book, key: AnswerKey, path: Path) -> None:
    from .layout import cell_name

    if STEPS not in book.sheets:
        raise WorkbookError(f"{path}: no Steps sheet; not an nnsheet exercise")
    nt = key.layout.notation
    for seg in key.layout.segments:
        for j, i in seg.elements():
            ref = cell_name(1, seg.index(j, i))
            want = nt.symbol(seg.quantity, seg.layer, j, i)
            got = book.header.get(ref)
            if got != want:
                raise WorkbookError(f"{path}: Steps!{ref} is {got!r} but the spec expects "
                                    f"{want!r}; the workbook does not match the spec")


# =========================================================================== grading
@dataclass
class Mark:
    row: dict
    block: str
    given: Given
    verdict: str
    carry: float | None = None
    reason: str = ""


@dataclass
class Result:
    path: Path
    key: AnswerKey
    marks: list[Mark]

    @property
    def counts(self) -> Counter:
        return Counter(m.verdict for m in self.marks)

    @property
    def all_correct(self) -> bool:
        return all(m.verdict in ("correct", "carried") for m in self.marks)


def tolerance(g: Given, decimals: int | None) -> float:
    d = decimals if decimals is not None else max(g.decimals or 0, MIN_DECIMALS)
    return 0.5 * 10.0 ** (-d)


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol + REL_FLOOR * max(1.0, abs(b))


def grade_book(book: Book, key: AnswerKey, path: Path, decimals: int | None = None) -> Result:
    rows = key.answers.to_dict("records")
    givens: dict[tuple[str, str], Given] = {}
    for r in rows:
        k = (r["sheet"], r["cell"])
        val, dtype = book.values.get(k, (None, None))
        givens[k] = read_given(val, dtype, book.formulas.get(k))
    env = LearnerEnv(key, {k: g.value for k, g in givens.items()})
    tols = {k: tolerance(g, decimals) for k, g in givens.items() if g.value is not None}
    marks: list[Mark] = []
    for r in rows:
        k = (r["sheet"], r["cell"])
        g = givens[k]
        block = BLOCK_OF.get(r["quantity"], "errors")
        expected = float(r["value"])
        if g.blank:
            marks.append(Mark(r, block, g, "missing", reason="nothing typed"))
            continue
        if g.problem is not None:
            marks.append(Mark(r, block, g, "wrong", reason=g.problem))
            continue
        tol = tolerance(g, decimals)
        assert g.value is not None
        if close(g.value, expected, tol):
            marks.append(Mark(r, block, g, "correct"))
            continue
        carry = env.compute(k) if k in key.formulas else None
        slack = env.slack(k, carry, tols) if carry is not None else 0.0
        if carry is not None and close(g.value, carry, tol + slack):
            marks.append(Mark(r, block, g, "carried", carry,
                              reason=f"from your own earlier values it is {_n(carry)}"))
        else:
            why = f"expected {_n(expected)}"
            if carry is not None and not close(carry, expected, tol):
                why += f" (or {_n(carry)} from your own earlier values)"
            marks.append(Mark(r, block, g, "wrong", carry, reason=why))
    return Result(path, key, marks)


# =========================================================================== explanations
def _n(v: float) -> str:
    """A number for explanations: up to 6 significant digits, no exponent for usual sizes."""
    if v == 0:
        return "0"
    s = f"{v:.6g}"
    return s


def _p(v: float) -> str:
    """A number as a factor: negative numbers in parentheses."""
    s = _n(v)
    return f"({s})" if s.startswith("-") else s


def explain(key: AnswerKey, row: dict) -> str:
    """The expected value's formula with the symbols, then the numbers substituted:
    ``O1 = 1/(1+e^-(net O1)) = 1/(1+e^-(0.1·1 + 0.2·0.5 + 0.3·0.2 + 0.1)) = 0.589``."""
    try:
        text = _explain(key, row)
    except (KeyError, IndexError, TypeError, ValueError):
        text = None
    if text is None:
        text = _explain_formula(key, row)
    if key.spec.round is not None:
        text += f" (rounded to {key.spec.round} decimals)"
    return text


def _i(v: object) -> int | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA \
        else int(v)  # type: ignore[arg-type]  # noqa: E501


def _explain(key: AnswerKey, row: dict) -> str | None:
    spec, nt, tr = key.spec, key.layout.notation, key.trace
    q = row["quantity"]
    L = spec.n_layers
    val = float(row["value"])
    sym = row["label"]
    layer, j, i = _i(row["layer"]), _i(row["j"]), _i(row["i"])
    j0 = None if j is None else j - 1
    i0 = None if i is None else i - 1
    if q in ("epoch_loss", "accuracy"):
        ep = tr.epochs[int(row["epoch"]) - 1]
        recs = [s for st in tr.steps[ep.first_step - 1: ep.last_step] for s in st.samples]
        if q == "epoch_loss":
            parts = [_n(s.loss) for s in recs]
            sy = f"mean of {nt.symbol('loss')} over the samples"
        else:
            parts = [str(s.correct) for s in recs]
            sy = ("share of samples whose target class has the largest output"
                  if spec.one_hot_targets
                  else "share of samples whose outputs all match their 0/1 targets")
        return f"{sym} = {sy} = ({' + '.join(parts)})/{len(recs)} = {_n(val)}"
    st = tr.steps[int(row["step"]) - 1]
    sample = _i(row["sample"])
    rec = None
    if sample is not None:
        rec = next(s for s in st.samples if s.sample == sample)
    k = (layer or 1) - 1
    if q in ("w_new", "b_new"):
        src = st.samples[0]
        if q == "w_new":
            w, d = src.w[k][j0, i0], st.dw[k][j0, i0]
            base, dsym = nt.symbol("w", layer, j0, i0), nt.symbol("dw", layer, j0, i0)
        else:
            w = src.b[k][j0]
            base = nt.symbol("b", layer, j0)
            if st.db is None:
                return f"{sym} = {base} = {_n(w)} (biases are not updated)"
            d, dsym = st.db[k][j0], nt.symbol("db", layer, j0)
        return f"{sym} = {base} + {dsym} = {_n(w)} + {_p(d)} = {_n(val)}"
    if rec is None:  # batch update row: dw / db mean over the batch
        if q == "dw":
            parts = [_p(s.dw[k][j0, i0]) for s in st.samples]
        else:
            parts = [_p(s.db[k][j0]) for s in st.samples]  # type: ignore[index]
        return (f"{sym} = mean of {sym} over the batch's samples = ({' + '.join(parts)})/"
                f"{len(parts)} = {_n(val)}")
    a_in = rec.x if layer == 1 else (rec.a[k - 1] if layer else None)
    if q == "z":
        prev = [nt.symbol("a" if layer > 1 else "x", layer - 1, m) for m in range(len(a_in))]
        ws = [nt.symbol("w", layer, j0, m) for m in range(len(a_in))]
        sy = " + ".join(f"{w}·{p}" for w, p in zip(ws, prev, strict=True))
        sy += f" + {nt.symbol('b', layer, j0)}"
        return f"{sym} = {sy} = {_z_text(rec, k, j0)} = {_n(val)}"
    if q == "a":
        act = ACTIVATIONS[spec.layers[k].activation]
        zs = nt.symbol("z", layer, j0)
        return (f"{sym} = {act.text_value(zs)} = {act.text_value(_z_text(rec, k, j0))} = "
                f"{_n(val)}")
    if q == "e":
        ts, ys = nt.symbol("t", L, j0), nt.symbol("a", L, j0)
        return f"{sym} = {ts} - {ys} = {_n(rec.t[j0])} - {_p(rec.a[L - 1][j0])} = {_n(val)}"
    if q == "loss":
        loss = LOSSES[spec.loss]
        es = [nt.symbol("e", L, m) for m in range(len(rec.e))]
        return (f"{sym} = {loss.text_value(es)} = {loss.text_value([_p(v) for v in rec.e])} = "
                f"{_n(val)}")
    if q == "err":
        rule = RULES[spec.rule]
        n = spec.sizes[L]
        if layer == L:
            es = nt.symbol("e", L, j0)
            return (f"{sym} = {rule.text_output_err(LOSSES[spec.loss], es, n)} = "
                    f"{rule.text_output_err(LOSSES[spec.loss], _p(rec.e[j0]), n)} = {_n(val)}")
        src = "delta" if rule.backprop_delta else "err"
        W = rec.w[k + 1]
        nxt = getattr(rec, src)[k + 1]
        syms, nums = [], []
        for m in range(W.shape[0]):
            ws, es = nt.symbol("w", layer + 1, m, j0), nt.symbol(src, layer + 1, m)
            if not rule.backprop_delta and spec.hidden_error == "proportional":
                tot = " + ".join(nt.symbol("w", layer + 1, m, c) for c in range(W.shape[1]))
                totn = " + ".join(_p(x) for x in W[m])
                syms.append(f"{ws}/({tot})·{es}")
                nums.append(f"{_p(W[m, j0])}/({totn})·{_p(nxt[m])}")
            else:
                syms.append(f"{ws}·{es}")
                nums.append(f"{_p(W[m, j0])}·{_p(nxt[m])}")
        return f"{sym} = {' + '.join(syms)} = {' + '.join(nums)} = {_n(val)}"
    if q == "fprime":
        act = ACTIVATIONS[spec.layers[k].activation]
        zs, as_ = nt.symbol("z", layer, j0), nt.symbol("a", layer, j0)
        return (f"{sym} = {act.text_deriv(zs, as_)} = "
                f"{act.text_deriv(_p(rec.z[k][j0]), _p(rec.a[k][j0]))} = {_n(val)}")
    if q == "delta":
        es, fs = nt.symbol("err", layer, j0), nt.symbol("fprime", layer, j0)
        return (f"{sym} = {es}·{fs} = {_p(rec.err[k][j0])}·{_p(rec.fprime[k][j0])} = "
                f"{_n(val)}")
    if q in ("grad_w", "grad_b"):
        ds = nt.symbol("delta", layer, j0)
        if q == "grad_b":
            return f"{sym} = {ds} = {_n(val)}"
        ps = nt.symbol("a" if layer > 1 else "x", layer - 1, i0)
        return f"{sym} = {ds}·{ps} = {_p(rec.delta[k][j0])}·{_p(a_in[i0])} = {_n(val)}"
    if q in ("dw", "db"):
        sign = "" if RULES[spec.rule].sign > 0 else "-"
        gs = nt.symbol("grad_w" if q == "dw" else "grad_b", layer, j0, i0)
        g = rec.grad_w[k][j0, i0] if q == "dw" else rec.grad_b[k][j0]
        lr = nt.symbol("lr")
        return (f"{sym} = {sign}{lr}·{gs} = {sign}{_n(spec.learning_rate)}·{_p(g)} = "
                f"{_n(val)}")
    return None


def _z_text(rec, k: int, j: int) -> str:  # noqa: ANN001
    a_in = rec.x if k == 0 else rec.a[k - 1]
    w = rec.w[k][j]
    terms = [f"{_p(w[m])}·{_p(a_in[m])}" for m in range(len(a_in))]
    return " + ".join([*terms, _p(rec.b[k][j])])


def _explain_formula(key: AnswerKey, row: dict) -> str:
    """Fallback: the cell's own formula with each reference replaced by the engine's value."""
    k = (row["sheet"], row["cell"])
    f = key.formulas.get(k, "")

    def sub(m: re.Match) -> str:
        ref = m.group(0)
        sheet, _, cell = ref.rpartition("!")
        cell = cell.replace("$", "")
        v = key.values.get((sheet or k[0], cell))
        return _p(v) if v is not None else ref

    body = re.sub(r"(?:[A-Za-z]+!)?\$?[A-Z]{1,3}\$?\d+", sub, f)
    return f"{row['label']} = {f} → {body} = {_n(float(row['value']))}"


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
    for b in BLOCKS:
        ms = [m for m in res.marks if m.block == b]
        if ms:
            cb = Counter(m.verdict for m in ms)
            lines.append(f"  {b:9} " + ", ".join(f"{cb.get(v, 0)} {v}" for v in VERDICTS))
    first = next((m for m in res.marks if m.verdict == "wrong"), None)
    if first is not None:
        r = first.row
        lines.append(f"  first wrong: {r['sheet']}!{r['cell']} {r['label']} ({_where(r)}): "
                     f"expected {_n(float(r['value']))}, you wrote "
                     f"{terminal_text(first.given.text.strip())}"
                     + (f" — {first.reason}" if first.given.problem else ""))
        lines.append(f"    {explain(res.key, r)}")
    elif c.get("missing"):
        m = next(m for m in res.marks if m.verdict == "missing")
        lines.append(f"  first missing: {m.row['sheet']}!{m.row['cell']} {m.row['label']} "
                     f"({_where(m.row)})")
    return lines


def write_graded(src: Path, res: Result, out: Path) -> None:
    """A graded copy of the learner's file: answer cells coloured by verdict, a comment on each
    cell that is not plainly correct, and a Grades sheet with the legend and the summary."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    try:  # the full load reads parts (charts, styles) the grading's read-only pass skipped
        wb = openpyxl.load_workbook(io.BytesIO(Path(src).read_bytes()), keep_links=False)
    except Exception as exc:  # noqa: BLE001 - any parser failure is an unreadable part
        msg = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise WorkbookError(f"{src}: graded, but no graded copy can be written: a part of the "
                            f"workbook cannot be read ({msg})") from None  # fmt: skip
    fills = {v: PatternFill(fill_type="solid", fgColor="FF" + c) for v, c in COLOURS.items()}
    for m in res.marks:
        ws = wb[m.row["sheet"]]
        cell = ws[m.row["cell"]]
        cell.fill = fills[m.verdict]
        if m.verdict == "correct":
            continue
        text = f"{m.verdict.upper()}: {m.row['label']} ({_where(m.row)})\n"
        if m.verdict == "wrong":
            text += f"you wrote {m.given.text.strip()}; {m.reason}\n{explain(res.key, m.row)}"
        elif m.verdict == "carried":
            text += (f"expected {_n(float(m.row['value']))}, but {m.reason}: "
                     "your earlier mistake was carried correctly")
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
        g.cell(r, 1, f"{m.row['sheet']}!{m.row['cell']}").fill = fills[m.verdict]
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
        out.append([str(res.path), r["sheet"], r["cell"], r["label"], r["quantity"], *ints,
                    m.verdict, repr(float(r["value"])), m.given.text.strip()])
    return out


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


def cmd_check(args: argparse.Namespace) -> int:
    files = [Path(f) for f in args.files]
    decimals = args.decimals
    if decimals is not None and not 0 <= decimals <= 15:
        raise NnsheetError(f"--decimals: expected a whole number from 0 to 15, got {decimals}")
    several = len(files) > 1
    if args.output is not None:
        o = Path(args.output)
        if several:
            if o.exists() and not o.is_dir():
                raise NnsheetError(f"{o}: with several files, -o must name a folder")
            if not o.exists():
                if not o.resolve().parent.is_dir():
                    raise NnsheetError(f"{o}: the folder {o.resolve().parent} does not exist")
                o.mkdir()
        elif not o.is_dir() and o.suffix.lower() != ".xlsx":
            raise NnsheetError(f"{o}: -o must be a .xlsx file or a folder")
        targets = [_graded_path(f, args.output, several) for f in files]
        ins = {f.resolve() for f in files}
        for t in targets:
            if t is not None and t.resolve() in ins:
                raise NnsheetError(f"{t}: refusing to overwrite a learner's file; choose another "
                                   "-o")  # fmt: skip
        if len({t.resolve() for t in targets if t is not None}) < len(files):
            raise NnsheetError("several files have the same name; grade them in separate calls")
    if args.report is not None:
        rp = Path(args.report)
        if rp.suffix.lower() != ".csv":
            raise NnsheetError(f"{rp}: --report must be a .csv file")
        if rp.resolve() in {f.resolve() for f in files}:
            raise NnsheetError(f"{rp}: refusing to overwrite an input file")
        if not rp.resolve().parent.is_dir():
            raise NnsheetError(f"{rp}: the folder {rp.resolve().parent} does not exist")
    spec = None
    if args.spec is not None:
        from .cli import _spec_arg

        spec = _spec_arg(args.spec, {})
    cache: dict[str, AnswerKey] = {}
    status = 0
    report: list[list[object]] = []
    for f in files:
        try:
            res = check_file_grade(f, spec, decimals, cache)
        except NnsheetError as exc:
            print(f"nnsheet: error: {exc}", file=sys.stderr)
            status = 2
            continue
        for line in summary(res):
            print(line)
        report.extend(report_rows(res))
        if not res.all_correct:
            status = max(status, 1)
        out = _graded_path(f, args.output, several)
        if out is not None:
            try:
                write_graded(f, res, out)
            except (NnsheetError, OSError) as exc:  # one failed copy must not stop the class
                print(f"nnsheet: error: {exc}", file=sys.stderr)
                status = 2
                continue
            print(f"  graded copy: {out}")
    if args.report is not None:
        def write(tmp: str) -> None:
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(REPORT_COLUMNS)
                w.writerows([csv_text(v) for v in row] for row in report)

        write_atomic(Path(args.report), write)
        print(f"wrote {args.report} ({len(report)} rows)", file=sys.stderr)
    return status


__all__ = ["AnswerKey", "LearnerEnv", "cmd_check", "grade_book", "read_book", "parse_text",
           "read_given", "explain"]
