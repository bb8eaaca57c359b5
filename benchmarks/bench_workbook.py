"""Benchmark: writing the trace workbook (issue 3, "Measure") vs a bare XlsxWriter script.

Run from the repository root:

    python benchmarks/bench_workbook.py                 # every built-in example + 4-8-3
    python benchmarks/bench_workbook.py --cases 4-8-3 course
    python benchmarks/bench_workbook.py --repeats 1     # one write per case

Each case runs in fresh subprocesses, one for nnsheet and one for the bare writer, so each peak
resident set size (``ru_maxrss``) is that case's own:

* ``nnsheet``: build the spec, ``nnsheet.run`` (the engine, timed separately), then
  ``write_trace_workbook`` (the write, timed: Guide, Setup, Steps, Epochs and the chart).
* ``bare``: a plain XlsxWriter ``constant_memory`` script that writes the same worksheets with, on
  each, the same number of rows, of formula cells each with a cached value (formula strings of
  the same mean length as nnsheet's) and of other cells (here numbers), each with a format, plus
  a line chart: the same work for XlsxWriter without nnsheet's layout, formulas and values.

Counts come from the nnsheet workbook itself (cells in the sheet XML). Reported: cells and formula
cells, engine time, write time (best of the repeats), cells per second, peak RSS (MB, with the RSS
just before writing in brackets), and the ratio nnsheet write / bare write. A second baseline,
``as-is``, is the bare script with XlsxWriter's per-formula rewriting of Excel 365 function names
switched off (nnsheet switches it off: its formulas use none of them), isolating nnsheet's own
cost.
Target (issue 3): the write takes at most 1.5× the bare writer's time.
This is a script, not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
import zipfile

import numpy as np
from _common import peak_mb, run_child, toml_rows  # benchmarks/ is on sys.path

TARGET_RATIO = 1.5
BIG = "4-8-3"


def make_spec(case: str):
    import nnsheet
    from nnsheet.core.specfile import loads_spec

    if case != BIG:
        return nnsheet.load_example(case)
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, (150, 4)).round(4)
    t = np.eye(3)[rng.integers(0, 3, 150)]

    text = f"""title = "bench 4-8-3"
preset = "course"
[[layer]]
size = 8
activation = "sigmoid"
[[layer]]
size = 3
activation = "sigmoid"
[training]
learning_rate = 0.5
epochs = 10
[init]
seed = 1
[data]
inputs = {toml_rows(x)}
targets = {toml_rows(t)}
"""
    return loads_spec(text, "bench-4-8-3")


def count_cells(path: str) -> dict:
    """Per worksheet (rows, formula cells, other cells), in workbook order; mean formula length."""
    sheets = []
    n = length = 0
    with zipfile.ZipFile(path) as z:
        members = [m for m in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", m)]
        members.sort(key=lambda m: int(re.sub(r"\D", "", m)))
        for m in members:
            xml = z.read(m).decode("utf-8")
            fs = re.findall(r"<f>([^<]*)</f>", xml)
            n += len(fs)
            length += sum(len(f) + 1 for f in fs)  # with the "="
            sheets.append(
                (len(re.findall(r"<row ", xml)), len(fs), len(re.findall(r"<c r=", xml)) - len(fs))
            )
    return {
        "sheets": sheets,
        "formulas": n,
        "other": sum(o for _, _, o in sheets),
        "rows": max(r for r, _, _ in sheets),
        "formula_len": length / max(n, 1),
    }


# --------------------------------------------------------------------------- children
def child_nnsheet(case: str, repeats: int, out: str) -> dict:
    import nnsheet
    from nnsheet.output.workbook import make_layout, write_trace_workbook

    spec = make_spec(case)
    t0 = time.perf_counter()
    trace = nnsheet.run(spec)
    engine = time.perf_counter() - t0
    before = peak_mb()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        write_trace_workbook(trace, out, make_layout(spec))
        best = min(best, time.perf_counter() - t0)
    return {
        "engine": engine,
        "write": best,
        "rss": peak_mb(),
        "rss_before": before,
        **count_cells(out),
    }


def _template(length: float) -> str:
    """A formula template with ``{r}`` whose strings are about ``length`` characters long."""
    cols = ["A", "BC", "D", "EF", "G", "HI", "J", "KL"]
    parts, k = [], 0
    text = "="
    while len(text) < length - 1:
        parts.append(f"{cols[k % len(cols)]}{{r}}")
        k += 1
        text = "=" + "*".join(parts).format(r=1000)
    return "=" + "*".join(parts)


def _as_is(formula: str, expand_future_functions: bool = False) -> str:
    return formula


def child_bare(
    sheets: list[list[int]], formula_len: float, repeats: int, out: str, as_is: bool = False
) -> dict:
    """The same worksheets with the same numbers of rows, formula cells (cached values) and
    other cells, and a line chart, written with XlsxWriter alone. ``as_is``: skip XlsxWriter's
    per-formula rewriting of Excel 365 function names, as nnsheet does (the strictest baseline)."""
    import xlsxwriter

    rng = np.random.default_rng(0)
    values = rng.random(4096).tolist()
    tmpl = _template(formula_len)
    before = peak_mb()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        wb = xlsxwriter.Workbook(out, {"constant_memory": True})
        fmt = wb.add_format({"num_format": "0.000000", "bg_color": "#DDEBF7"})
        ws = None
        for k, (rows, formulas, other) in enumerate(sheets):
            ws = wb.add_worksheet(f"Sheet{k + 1}")
            if as_is:
                ws._prepare_formula = _as_is
            f_left, o_left = formulas, other
            for r in range(rows):
                nf, no = f_left // (rows - r), o_left // (rows - r)
                f_left, o_left = f_left - nf, o_left - no
                ctx = {"r": r + 1}
                for c in range(no):
                    ws.write_number(r, c, r + c, fmt)
                for c in range(no, no + nf):
                    ws.write_formula(r, c, tmpl.format_map(ctx), fmt, values[(r + c) & 4095])
        chart = wb.add_chart({"type": "line"})
        chart.add_series({"values": [ws.name, 0, 0, 9, 0]})
        ws.insert_chart(1, 4, chart)
        wb.close()
        best = min(best, time.perf_counter() - t0)
    return {"write": best, "rss": peak_mb(), "rss_before": before, **count_cells(out)}


# --------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*", help="built-in example names and/or 4-8-3")
    ap.add_argument("--repeats", type=int, default=3, help="writes per case (best is kept)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        kind, *rest = a.child
        if kind == "nnsheet":
            res = child_nnsheet(rest[0], int(rest[1]), rest[2])
        else:
            sheets, flen, rep, out = rest
            res = child_bare(json.loads(sheets), float(flen), int(rep), out, kind == "as_is")
        print(json.dumps(res))
        return

    import nnsheet

    cases = a.cases or [*nnsheet.EXAMPLES, BIG]
    head = (
        f"{'case':10} {'rows':>6} {'cells':>9} {'formulas':>9} {'engine s':>9} "
        f"{'write s':>8} {'bare s':>8} {'ratio':>6} {'cells/s':>9} {'bare c/s':>9} "
        f"{'RSS MB':>13} {'bare RSS':>13} {'as-is s':>8} {'ratio':>6}"
    )
    print(head)
    print("-" * len(head))
    summary = []
    with tempfile.TemporaryDirectory(prefix="nnsheet-bench-") as tmp:
        for case in cases:
            spec = make_spec(case)
            rep = 1 if spec.n_samples * spec.epochs > 5000 else a.repeats  # big: write once
            nn = run_child(__file__, ["--child", "nnsheet", case, str(rep), f"{tmp}/{case}.xlsx"])
            bare, as_is = (
                run_child(
                    __file__,
                    [
                        "--child",
                        kind,
                        json.dumps(nn["sheets"]),
                        str(nn["formula_len"]),
                        str(rep),
                        f"{tmp}/{case}-{kind}.xlsx",
                    ],
                )
                for kind in ("bare", "as_is")
            )
            assert bare["sheets"] == as_is["sheets"] == nn["sheets"], (nn, bare)
            cells = nn["formulas"] + nn["other"]
            ratio = nn["write"] / bare["write"]
            ratio2 = nn["write"] / as_is["write"]
            summary.append((case, ratio, ratio2))
            print(
                f"{case:10} {nn['rows']:>6} {cells:>9,} {nn['formulas']:>9,} "
                f"{nn['engine']:>9.3f} {nn['write']:>8.3f} {bare['write']:>8.3f} "
                f"{ratio:>5.2f}x {cells / nn['write']:>9,.0f} {cells / bare['write']:>9,.0f} "
                f"{nn['rss']:>6.0f} ({nn['rss_before']:>4.0f}) "
                f"{bare['rss']:>6.0f} ({bare['rss_before']:>4.0f}) "
                f"{as_is['write']:>8.3f} {ratio2:>5.2f}x",
                flush=True,
            )
    print(
        f"\nratio = nnsheet write / bare write (target ≤ {TARGET_RATIO}×); as-is = a bare "
        "writer that also skips XlsxWriter's formula rewriting, as nnsheet does"
    )
    for case, ratio, ratio2 in summary:
        if ratio > TARGET_RATIO:
            print(f"  {case}: {ratio:.2f}× the bare writer is over the target")
        if ratio2 > TARGET_RATIO:
            print(f"  {case}: {ratio2:.2f}× the as-is writer is over the target")


if __name__ == "__main__":
    main()
