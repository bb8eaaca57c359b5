"""Hostile-file benchmark (issue 22 item 1): the time and peak memory of ``nnsheet check`` with and
without ``-o`` on each generated hostile workbook (``tests/hostile.py``), and on the worst files
the limits still accept (just under them: extra sheets full of cells, a far cell on Steps).

Run from the repository root:

    python benchmarks/bench_hostile.py            # every file
    python benchmarks/bench_hostile.py far-lower-case extra-sheets

The files are made by another child process first (``--make DIR``), so that this process stays
small: Linux carries a parent's peak memory into a forked child's ``ru_maxrss``. Each command is
then a fresh child process (``python -m nnsheet.cli``); its wall time and peak resident memory
(``os.wait4``'s ``ru_maxrss``) are printed with its exit status and the first
80 characters of its message. The guarantee (design.md "Bounds"): no file of at most 8 MiB makes
``check`` use more than 500 MB or 30 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import hostile  # noqa: E402

from nnsheet.core.safety import DEFAULT_LIMITS  # noqa: E402


def measure(argv: list[str]) -> tuple[int, float, float, str]:
    """Exit status, wall seconds, peak RSS in MB and stderr's first line of one child."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nnsheet.cli", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    first = err.strip().splitlines()[0] if err.strip() else ""
    return proc.returncode, wall, usage.ru_maxrss / 1024, first


def make(d: Path) -> None:
    """Write the exercise and every file into ``d`` (``names.txt``: name TAB path per line)."""
    template = d / "exercise.xlsx"
    subprocess.run(
        [sys.executable, "-m", "nnsheet.cli", "template", "-o", str(template)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    files = hostile.all_files(template, d)
    # the worst files the limits accept: extra sheets just under the cell limit, and a sheet
    # rectangle just under it on Steps
    under = DEFAULT_LIMITS.max_cells - 20_000
    files["accepted-extra-sheets"] = hostile.extra_sheets(
        template, d / "accepted-extra.xlsx", cells=under
    )
    rows = DEFAULT_LIMITS.max_cells // 200
    files["accepted-far-cell"] = hostile.rewrite(
        template,
        d / "accepted-far.xlsx",
        hostile._append_rows("Steps", b'<row r="%d"><c r="GR%d"><v>1</v></c></row>' % (rows, rows)),
    )
    lim = DEFAULT_LIMITS
    files["accepted-full-steps"] = hostile.full_steps(
        template, d / "accepted-steps.xlsx", lim.max_cells - 20_000
    )
    files["accepted-styles"] = hostile.many_styles(
        template, d / "accepted-styles.xlsx", lim.max_part_elements - 1_000
    )
    files["accepted-strings"] = hostile.many_strings(
        template, d / "accepted-strings.xlsx", (lim.max_elements - 100_000) // 2
    )
    # long shared strings: as much text as the archive may hold (200 MiB), each string just
    # under the 4 MiB without a tag ending, compressed under the 100:1 ratio
    files["accepted-long-strings"] = hostile.many_strings(
        template, d / "accepted-long-strings.xlsx", 60, 3 * 2**20
    )
    # as many sheets as the part limit allows, one cell each
    files["accepted-many-sheets"] = hostile.extra_sheets(
        template, d / "accepted-many-sheets.xlsx", cells=4_900, sheets=4_900, cols=1
    )
    files["exercise"] = template
    (d / "names.txt").write_text("".join(f"{k}\t{v}\n" for k, v in files.items()))


def main(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        subprocess.run([sys.executable, __file__, "--make", str(d)], check=True)
        files = dict(line.split("\t") for line in (d / "names.txt").read_text().splitlines())
        out = d / "graded"
        out.mkdir()
        print(f"{'file':32} {'KiB':>6}  {'check':>18}  {'check -o':>18}  message")
        for name, p in files.items():
            if names and name not in names:
                continue
            path = Path(p)
            size = path.stat().st_size / 1024
            rc1, t1, m1, msg = measure(["check", str(path)])
            rc2, t2, m2, _ = measure(["check", str(path), "-o", str(out)])
            print(
                f"{name:32} {size:6.0f}  rc={rc1} {t1:5.2f}s {m1:4.0f}MB  "
                f"rc={rc2} {t2:5.2f}s {m2:4.0f}MB  {msg.replace(str(d), '')[:90]}",
                flush=True,
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--make"]:
        make(Path(sys.argv[2]))
    else:
        main(sys.argv[1:])
