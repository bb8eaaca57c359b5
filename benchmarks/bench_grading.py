"""Grading benchmark (issue 10): the answer key, `nnsheet check` and `nnsheet trace`, before/after.

Run from the repository root, pointing at one or more source trees (default: this one's ``src``):

    python benchmarks/bench_grading.py
    python benchmarks/bench_grading.py --src ../baseline/src --src src --repeats 7

For each tree, in fresh child processes run with ``PYTHONPATH`` set to that tree:

* ``key``: ``AnswerKey.build`` on Iris × 1 epoch with ``ExerciseOptions()`` (in-process, best and
  median of the repeats after one warm-up call);
* ``check``: grading a filled course exercise (the tree's own ``nnsheet template``, filled with the
  engine's values through openpyxl): ``main(["check", FILE])`` in-process (best, median), the whole
  command as a fresh ``python -m nnsheet.cli check FILE`` (median wall time, imports included), and
  the files the check opens for writing (counted with an audit hook);
* ``trace``: ``python -m nnsheet.cli trace course -o OUT.xlsx -q`` end to end (median wall time).

Both the package layout before the redesign (``nnsheet.grader``, ``nnsheet.workbook``) and after
(``nnsheet.grading``, ``nnsheet.output``) are understood. Timings depend on the machine's load:
compare trees run side by side.
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


# ----------------------------------------------------------------------------- child side
def _imports():
    try:
        from nnsheet.exercise.template import ExerciseOptions
        from nnsheet.grading.key import AnswerKey
        from nnsheet.output.workbook import make_layout
    except ImportError:  # before the redesign
        from nnsheet.grader import AnswerKey
        from nnsheet.workbook import make_layout

        from nnsheet.exercise import ExerciseOptions
    return AnswerKey, ExerciseOptions, make_layout


def _times(fn, repeats: int) -> list[float]:
    fn()  # warm-up (imports, caches)
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def child_key(repeats: int) -> dict:
    import nnsheet

    AnswerKey, ExerciseOptions, _ = _imports()
    spec = nnsheet.load_example("iris", {"epochs": 1})
    t = _times(lambda: AnswerKey.build(spec, ExerciseOptions()), repeats)
    return {"best": min(t), "median": statistics.median(t)}


def child_fill(folder: str) -> dict:
    """Write the course exercise with this tree's CLI and fill every answer cell exactly."""
    import openpyxl

    import nnsheet
    from nnsheet.cli import main

    _, _, make_layout = _imports()
    template, filled = Path(folder) / "exercise.xlsx", Path(folder) / "filled.xlsx"
    assert main(["template", "-o", str(template)]) == 0
    spec = nnsheet.load_example("course", {"epochs": 1})
    table = nnsheet.run(spec).table(make_layout(spec))
    asked = table[
        table["sheet"].isin(["Steps", "Epochs"])
        & ~table["quantity"].isin(["x", "t", "w", "b", "lr"])
    ]
    wb = openpyxl.load_workbook(template)
    for sheet, cell, v in zip(asked["sheet"], asked["cell"], asked["value"], strict=True):
        wb[sheet][cell] = float(v)
    wb.save(filled)
    return {"filled": str(filled), "cells": len(asked)}


def child_check(filled: str, repeats: int) -> dict:
    import contextlib
    import io

    from nnsheet.cli import main

    def check() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["check", filled]) == 0

    t = _times(check, repeats)
    writes: list[str] = []

    def hook(event: str, args: tuple) -> None:
        if event == "open" and args:
            mode = args[1] if len(args) > 1 else None
            flags = args[2] if len(args) > 2 else None
            if (isinstance(mode, str) and any(ch in mode for ch in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            ):
                writes.append(str(args[0]))

    sys.addaudithook(hook)
    check()
    return {"best": min(t), "median": statistics.median(t), "writes": len(writes)}


# ----------------------------------------------------------------------------- parent side
def _child(src: Path, args: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(
        [sys.executable, str(HERE), "--child", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _walls(cmds: list[tuple[Path, list[str], str]], repeats: int) -> list[float]:
    """Median wall time of each (tree, argv, cwd) command, the commands interleaved in every
    round and their order reversed every other round (so a change in the machine's load, or a
    penalty for coming first or last, falls on all of them alike)."""
    times: list[list[float]] = [[] for _ in cmds]
    for k in range(repeats + 1):  # round 0 warms the disk cache
        order = list(enumerate(cmds))
        for n, (src, argv, cwd) in order if k % 2 else order[::-1]:
            env = {**os.environ, "PYTHONPATH": str(src)}
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "nnsheet.cli", *argv],
                env=env,
                cwd=cwd,
                check=True,
                capture_output=True,
            )
            if k:
                times[n].append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--src",
        action="append",
        type=Path,
        help="a source tree (the folder holding nnsheet/); repeatable",
    )
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        kind, *rest = a.child
        if kind == "key":
            res = child_key(int(rest[0]))
        elif kind == "fill":
            res = child_fill(rest[0])
        else:
            res = child_check(rest[0], int(rest[1]))
        print(json.dumps(res))
        return

    trees = [p.resolve() for p in (a.src or [DEFAULT_SRC])]
    n = a.repeats
    print(f"repeats {n}; times in seconds (best / median in-process; median wall for commands)")
    head = (
        f"{'source tree':40} {'key best':>8} {'key med':>8} {'check best':>10} "
        f"{'check med':>9} {'check cmd':>9} {'writes':>6} {'trace cmd':>9}"
    )
    print(head)
    print("-" * len(head))
    with tempfile.TemporaryDirectory(prefix="nnsheet-bench-") as tmp:
        rows = []
        for k, src in enumerate(trees):
            folder = Path(tmp) / str(k)
            folder.mkdir()
            key = _child(src, ["key", str(n)])
            filled = _child(src, ["fill", str(folder)])["filled"]
            chk = _child(src, ["check", filled, str(n)])
            rows.append((src, key, chk, filled, folder))
        cmds = [(src, ["check", filled], str(folder)) for src, _, _, filled, folder in rows]
        cmds += [
            (src, ["trace", "course", "-o", str(folder / "t.xlsx"), "-q"], str(folder))
            for src, _, _, _, folder in rows
        ]
        walls = _walls(cmds, n)
    for k, (src, key, chk, _, _) in enumerate(rows):
        check_cmd, trace_cmd = walls[k], walls[len(rows) + k]
        name = str(src) if len(str(src)) <= 40 else "…" + str(src)[-39:]
        print(
            f"{name:40} {key['best']:>8.3f} {key['median']:>8.3f} {chk['best']:>10.3f} "
            f"{chk['median']:>9.3f} {check_cmd:>9.3f} {chk['writes']:>6} {trace_cmd:>9.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
