"""Scale benchmark: ``nnsheet trace`` on long and wide traces vs a bare XlsxWriter script.

Each case runs in its own subprocess (so its peak memory, ``ru_maxrss``, is its own) and is timed
end to end: ``nnsheet trace SPEC -o OUT.xlsx -q`` (spec loading, training, writing) against a bare
XlsxWriter ``constant_memory`` script that writes the same number of rows, formula cells (each with
a cached value, formulas of the same mean length) and number cells, in the same run.

    python benchmarks/bench_scale.py            # all cases (a few minutes)
    python benchmarks/bench_scale.py --quick    # smaller traces, to check the script works

Cases: XOR × 5,000 epochs (and × 500: 10× shorter, for the memory-growth check), Iris × 100
epochs, and a synthetic 6-12-4 network with about 5 million cells (and a 10× shorter one).
Targets (issue 5): time ≤ 1.3× the bare writer's; peak memory < 150 MB; the 10× longer trace's
peak within 10 % of the shorter one's.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import peak_mb, run_child, toml_rows  # benchmarks/ is on sys.path

SYNTH_SAMPLES = 200
IRIS = Path(__file__).resolve().parent.parent / "src" / "nnsheet" / "examples" / "iris.toml"


def synthetic_spec(folder: Path, epochs: int) -> Path:
    """A 6-12-4 sigmoid network on 200 random samples (0/1 targets): ~600 columns a row."""
    rng = np.random.default_rng(7)
    x = rng.random((SYNTH_SAMPLES, 6)).round(3)
    t = (rng.random((SYNTH_SAMPLES, 4)) > 0.5).astype(float)

    text = f"""title = "synthetic 6-12-4"
preset = "gradient"
[[layer]]
size = 12
activation = "sigmoid"
[[layer]]
size = 4
activation = "sigmoid"
[training]
learning_rate = 0.5
epochs = {epochs}
[init]
seed = 1
[data]
inputs = {toml_rows(x)}
targets = {toml_rows(t)}
"""
    p = folder / f"synthetic-{epochs}.toml"
    p.write_text(text)
    return p


def cases(quick: bool, folder: Path) -> list[tuple[str, str, dict]]:
    """(name, spec, overrides) of each nnsheet case."""
    q = 10 if quick else 1
    synth_epochs = 40 // q  # 200 rows × 643 columns × 40 epochs ≈ 5.1 million cells
    return [
        ("XOR × 500", "xor", {"epochs": 500 // q}),
        ("XOR × 5,000", "xor", {"epochs": 5000 // q}),
        ("Iris × 100", str(IRIS), {"epochs": 100 // q}),
        ("synthetic ÷10", str(synthetic_spec(folder, max(1, synth_epochs // 10))), {}),
        ("synthetic", str(synthetic_spec(folder, synth_epochs)), {}),
    ]


# ----------------------------------------------------------------------------- child processes


def child_nnsheet(spec: str, epochs: int | None, out: str) -> dict:
    from nnsheet.cli import main
    from nnsheet.core.examples import EXAMPLES
    from nnsheet.core.specfile import load_spec
    from nnsheet.output.progress import total_steps
    from nnsheet.output.workbook import make_layout

    argv = ["trace", spec, "-o", out, "-q"] + (["--epochs", str(epochs)] if epochs else [])
    t0 = time.perf_counter()
    rc = main(argv)
    seconds = time.perf_counter() - t0
    assert rc == 0, rc
    # the shape of what was written (not timed)
    from nnsheet.core.examples import example_path

    sp = load_spec(
        example_path(spec) if spec in EXAMPLES else Path(spec),
        {"epochs": epochs} if epochs else None,
    )
    lay = make_layout(sp)
    ws = _FormulaCounter(lay)
    return {
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "rows": lay.n_rows - 2,
        "cols": lay.n_cols,
        "formulas": ws.formulas,
        "numbers": ws.numbers,
        "formula_len": ws.mean_len,
        "steps": total_steps(sp),
        "bytes": Path(out).stat().st_size,
    }


class _FormulaCounter:
    """How many formula and number cells the Steps sheet holds, and the formulas' mean length."""

    def __init__(self, lay) -> None:
        later, update = lay.sample_formulas(False), lay.update_formulas()
        rows = lay.n_rows - 2
        spec = lay.spec
        ctx = {"r": 12345, "p": 12344, "d": 99, "f": 12340, "l": 12344, "k": 4}
        if lay.online:
            per_row = len(later) + len(update)
            lens = [len(t.format_map(ctx)) for _, t in later + update]
            self.formulas = rows * per_row
            self.numbers = rows * 3
        else:
            n_upd = lay.detail_epochs * spec.batches_per_epoch
            n_smp = rows - n_upd
            self.formulas = n_smp * len(later) + n_upd * len(update)
            self.numbers = n_smp * 3 + n_upd * 2
            lens = [len(t.format_map(ctx)) for _, t in later] * n_smp
            lens += [len(t.format_map(ctx)) for _, t in update] * n_upd
        self.mean_len = float(np.mean(lens))


def child_bare(rows: int, cols: int, formula_len: float, out: str) -> dict:
    """Bare XlsxWriter: ``rows`` rows of 3 numbers and ``cols - 3`` formulas with cached values."""
    import xlsxwriter
    from xlsxwriter.utility import xl_col_to_name

    t0 = time.perf_counter()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet("Steps")
    fmt = wb.add_format({"num_format": "0.000000"})
    names = [xl_col_to_name(c) for c in range(cols)]
    tmpls = []
    for c in range(3, cols):  # a sum of cells on the same row, as long as nnsheet's on average
        terms, k = [], 1
        while not terms or len("+".join(terms)) < formula_len - 2:
            terms.append(f"{names[(c + k) % cols]}{{r}}")
            k += 1
        tmpls.append((c, "+".join(terms)))
    rng = np.random.default_rng(0)
    values = rng.random(cols).tolist()
    for r in range(2, rows + 2):
        ws.write_number(r, 0, 1)
        ws.write_number(r, 1, r)
        ws.write_number(r, 2, 1)
        for c, t in tmpls:
            ws.write_formula(r, c, t.format(r=r + 1), fmt, values[c])
    wb.close()
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "formulas": rows * (cols - 3),
        "bytes": Path(out).stat().st_size,
    }


# ----------------------------------------------------------------------------- report
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10× smaller traces")
    ap.add_argument("--only", help="run only the cases whose name contains this (e.g. Iris)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        kind, *rest = a.child
        if kind == "nnsheet":
            spec, epochs, out = rest
            res = child_nnsheet(spec, int(epochs) or None, out)
        else:
            rows, cols, flen, out = rest
            res = child_bare(int(rows), int(cols), float(flen), out)
        print(json.dumps(res))
        return

    import platform

    import xlsxwriter

    print(
        f"Python {platform.python_version()}, XlsxWriter {xlsxwriter.__version__}, "
        f"{platform.machine()}"
    )
    head = (
        f"{'case':15} {'rows':>8} {'cols':>5} {'cells':>10} {'MB file':>8} "
        f"{'nnsheet s':>9} {'bare s':>7} {'ratio':>6} {'peak MB':>8} {'bare MB':>8}"
    )
    print(head)
    print("-" * len(head))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, spec, ov in cases(a.quick, folder):
            if a.only and a.only.lower() not in name.lower():
                continue
            out = str(folder / "nn.xlsx")
            nn = run_child(__file__, ["--child", "nnsheet", spec, str(ov.get("epochs", 0)), out])
            bare = run_child(
                __file__,
                [
                    "--child",
                    "bare",
                    str(nn["rows"]),
                    str(nn["cols"]),
                    str(nn["formula_len"]),
                    str(folder / "bare.xlsx"),
                ],
            )
            results[name] = (nn, bare)
            cells = nn["formulas"] + nn["numbers"]
            print(
                f"{name:15} {nn['rows']:>8,} {nn['cols']:>5} {cells:>10,} "
                f"{nn['bytes'] / 1e6:>8.1f} {nn['seconds']:>9.1f} {bare['seconds']:>7.1f} "
                f"{nn['seconds'] / bare['seconds']:>6.2f} {nn['peak_mb']:>8.0f} "
                f"{bare['peak_mb']:>8.0f}",
                flush=True,
            )
    print()
    print(
        "mean formula length (characters): "
        + ", ".join(f"{k} {v[0]['formula_len']:.0f}" for k, v in results.items())
    )
    for short, long in (("XOR × 500", "XOR × 5,000"), ("synthetic ÷10", "synthetic")):
        if short not in results or long not in results:
            continue
        p0, p1 = results[short][0]["peak_mb"], results[long][0]["peak_mb"]
        print(
            f"peak memory, 10× longer trace: {long} {p1:.0f} MB vs {short} {p0:.0f} MB "
            f"({(p1 / p0 - 1) * 100:+.1f} %)"
        )
    worst = max(nn["seconds"] / bare["seconds"] for nn, bare in results.values())
    peak = max(nn["peak_mb"] for nn, _ in results.values())
    print(f"worst time ratio {worst:.2f} (target ≤ 1.3), highest peak {peak:.0f} MB (target < 150)")


if __name__ == "__main__":
    main()
