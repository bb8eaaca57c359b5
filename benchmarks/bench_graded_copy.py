"""The graded copy of a large exercise (issue 22): ``write_graded`` of the blank Iris exercise
(``nnsheet template iris``: 39,002 answer cells, every one missing, so every one coloured and
commented), before/after.

Run from the repository root, pointing at one or more source trees (default: this one's ``src``):

    python benchmarks/bench_graded_copy.py
    python benchmarks/bench_graded_copy.py --src ../baseline/src --src src --repeats 3

For each tree and each repeat, a fresh child process run with ``PYTHONPATH`` set to that tree
writes the exercise, grades it (``grade_file``), then times ``write_graded`` alone and reports
the process's peak memory (ru_maxrss) before and after it: the copy's own cost is the time and
the growth of the peak. Also ``nnsheet check EXERCISE -o GRADED.xlsx`` end to end in a fresh
interpreter (wall time, imports included). Timings depend on the machine's load: compare trees
run side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
DEFAULT_SRC = HERE.parent.parent / "src"


def _child(folder: str) -> None:
    import resource

    from nnsheet.cli import main
    from nnsheet.grading.pipeline import grade_file
    from nnsheet.grading.report import write_graded

    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    ex = Path(folder) / "iris.xlsx"
    if not ex.exists():
        assert main(["template", "iris", "-o", str(ex)]) == 0
    o = grade_file(ex)
    assert o.result is not None, o.problem
    cells = len(o.result.marks)
    before = peak()
    t0 = time.perf_counter()
    write_graded(ex, o.result, Path(folder) / "graded.xlsx")
    seconds = time.perf_counter() - t0
    size = (Path(folder) / "graded.xlsx").stat().st_size
    print(
        json.dumps(
            {
                "cells": cells,
                "seconds": seconds,
                "peak_before_mb": before,
                "peak_mb": peak(),
                "bytes": size,
            }
        )
    )


def _run(src: Path, folder: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(src))
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False, cwd=folder
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", action="append", type=Path, help="source tree(s) (default: ./src)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child)
        return
    trees = args.src or [DEFAULT_SRC]
    print(f"{'tree':40} {'cells':>6} {'write_graded s':>15} {'peak MB':>8} {'check -o s':>11}")
    for src in trees:
        with tempfile.TemporaryDirectory(prefix="bench-copy-") as tmp:
            runs = []
            for _ in range(args.repeats):
                p = _run(src.resolve(), tmp, str(HERE), "--child", tmp)
                if p.returncode != 0:
                    raise SystemExit(f"{src}: child failed:\n{p.stderr}")
                runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
            walls = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                out = str(Path(tmp) / "check-graded.xlsx")
                p = _run(src.resolve(), tmp, "-m", "nnsheet.cli", "check", "iris.xlsx", "-o", out)
                walls.append(time.perf_counter() - t0)
                if p.returncode not in (0, 1):
                    raise SystemExit(f"{src}: check failed:\n{p.stderr}")
        secs = [r["seconds"] for r in runs]
        peak = max(r["peak_mb"] for r in runs)
        print(
            f"{str(src):40} {runs[0]['cells']:>6} "
            f"{min(secs):>6.1f}–{max(secs):<6.1f}   {peak:>8.0f} "
            f"{statistics.median(walls):>11.1f}"
        )
        print(
            f"  peak before write_graded {max(r['peak_before_mb'] for r in runs):.0f} MB; "
            f"graded copy {runs[0]['bytes'] / 2**20:.1f} MiB"
        )


if __name__ == "__main__":
    main()
