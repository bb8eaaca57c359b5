"""Nothing lost (issue 6): an interrupted ``nnsheet trace`` leaves the previous output (byte for
byte) or none, never a truncated workbook, and never touches its input files.

The interruption is real: a subprocess is killed with SIGKILL (no chance to clean up) at several
moments, including while the workbook's zip is being written. Outputs are written to a hidden
temporary file ``.NAME.*.tmp`` in the same folder and renamed over NAME only when complete; after
a SIGKILL that temporary file may remain (docs/security.md).

Nothing here depends on how fast the machine is. A kill at a moment of the run (a fraction of its
measured length) may land before or after the rename — the process lives on for a few hundred
milliseconds after ``os.replace`` (interpreter exit), longer on a loaded machine — so those tests
accept either outcome and tell them apart by the bytes at the output path. The tests that must
interrupt the write wait for an observable state (the hidden temporary file exists, or has bytes),
then freeze the process (SIGSTOP) and look again before they kill it, so the kill provably lands
before the rename.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from specs import DIVERGING

from nnsheet.cli import main

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")

ROWS = 48


def _write_inputs(folder: Path, epochs: int) -> Path:
    """A spec reading a CSV, sized so that a trace takes a couple of seconds."""
    lines = ["a,b,c,label"]
    for k in range(ROWS):
        lines.append(
            f"{(k * 7) % 10 / 10},{(k * 3) % 10 / 10},{(k * 5) % 10 / 10},"
            f"{('red', 'green', 'blue')[k % 3]}"
        )
    (folder / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = folder / "spec.toml"
    spec.write_text(
        f"""\
title = "atomic"
[[layer]]
size = 4
activation = "sigmoid"
[[layer]]
size = 3
activation = "sigmoid"
[training]
epochs = {epochs}
[data]
csv = "data.csv"
targets = "label"
normalize = "minmax"
""",
        encoding="utf-8",
    )
    return spec


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _complete_workbook(p: Path) -> bool:
    with zipfile.ZipFile(p) as zf:
        if zf.testzip() is not None:
            return False
    wb = openpyxl.load_workbook(p, read_only=True)
    try:
        return {"Guide", "Setup", "Steps", "Epochs"} <= set(wb.sheetnames)
    finally:
        wb.close()


def _start(spec: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "nnsheet.cli", "trace", str(spec), "-o", str(out), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _temps(folder: Path, out: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(f".{out.name}.")]


def _freeze(proc: subprocess.Popen) -> bool:
    """SIGSTOP, and wait until the process is stopped; False when it had already exited."""
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGSTOP)
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    if os.WIFSTOPPED(status):
        return True
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return False


def _wait_for(proc: subprocess.Popen, seen, timeout: float = 120) -> object:
    """Poll until ``seen()`` gives something (returned) or the process ends (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        found = seen()
        if found:
            return found
        time.sleep(0.002)
    return None


def _kill(proc: subprocess.Popen) -> bool:
    """SIGKILL; True when the process was still running."""
    running = proc.poll() is None
    if running:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return running and proc.returncode == -signal.SIGKILL


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """The inputs; ``full``, the complete output, written by a run made like the killed ones (a
    subprocess) and timed whole; ``old``, a complete workbook that differs from ``full`` (one
    epoch), the previous output of the tests that write over one."""
    folder = tmp_path_factory.mktemp("atomic")
    spec = _write_inputs(folder, epochs=20)
    full = folder / "full.xlsx"
    t0 = time.monotonic()
    assert _start(spec, full).wait(timeout=300) == 0
    seconds = time.monotonic() - t0
    old = folder / "old.xlsx"
    assert main(["trace", str(spec), "--epochs", "1", "-o", str(old), "-q"]) == 0
    assert old.read_bytes() != full.read_bytes()
    return folder, spec, full, seconds, old


def _check_after_kill(folder: Path, out: Path, previous: bytes | None) -> None:
    if out.exists():
        data = out.read_bytes()
        if previous is not None and data == previous:
            pass  # the old file, untouched
        else:
            assert _complete_workbook(out), "a truncated workbook was left at the output path"
    for t in _temps(folder, out):
        assert re.fullmatch(rf"\.{re.escape(out.name)}\.[^/]+\.tmp", t.name), t.name


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.6, 0.9])
@pytest.mark.parametrize("previous", [True, False], ids=["over-previous", "new"])
def test_kill_at_a_moment(setup, tmp_path, fraction, previous):
    folder, spec, full, seconds, old = setup
    out = tmp_path / "out.xlsx"
    prev = old.read_bytes() if previous else None
    if prev is not None:
        out.write_bytes(prev)
    hashes = {p: _sha(p) for p in (spec, folder / "data.csv")}
    proc = _start(spec, out)
    time.sleep(max(0.05, seconds * fraction))
    killed = _kill(proc)
    now = out.read_bytes() if out.exists() else None
    # the previous file byte for byte (or none), or the complete new workbook; never anything else
    assert now == prev or now == full.read_bytes()
    if not killed:  # it ended on its own before the kill: it finished
        assert proc.returncode == 0 and now == full.read_bytes()
    _check_after_kill(tmp_path, out, prev)
    assert {p: _sha(p) for p in hashes} == hashes  # inputs never modified


def _output(tmp_path: Path, old: Path, previous: bool) -> tuple[Path, bytes | None]:
    """The output path, holding a copy of ``old`` (returned too) when there is a previous file."""
    out = tmp_path / "out.xlsx"
    prev = old.read_bytes() if previous else None
    if prev is not None:
        out.write_bytes(prev)
    return out, prev


@pytest.mark.parametrize("previous", [True, False], ids=["over-previous", "new"])
def test_kill_while_training(setup, tmp_path, previous):
    """Kill once the hidden temporary file exists (training and writing under way), frozen first
    so the kill provably comes before the rename: the previous file stays, byte for byte."""
    _, spec, _, _, old = setup
    out, prev = _output(tmp_path, old, previous)
    proc = _start(spec, out)
    seen = _wait_for(proc, lambda: _temps(tmp_path, out))
    assert seen, "the run ended before its temporary file was seen"
    assert _freeze(proc), "the run ended before it could be stopped"
    try:
        assert _temps(tmp_path, out) == seen  # still writing: the rename has not happened
    finally:
        killed = _kill(proc)
    assert killed
    if prev is not None:
        assert out.read_bytes() == prev
    else:
        assert not out.exists()
    leftovers = _temps(tmp_path, out)
    assert leftovers == seen and all(t.name.startswith(".") for t in leftovers)


@pytest.mark.parametrize("previous", [True, False], ids=["over-previous", "new"])
def test_kill_while_the_zip_is_being_written(setup, tmp_path, previous):
    """Kill as soon as the hidden temporary workbook has bytes in it: mid-write for sure."""
    _, spec, _, _, old = setup
    out, prev = _output(tmp_path, old, previous)
    proc = _start(spec, out)

    def nonempty() -> list[Path]:
        return [t for t in _temps(tmp_path, out) if t.exists() and t.stat().st_size > 0]

    seen = _wait_for(proc, nonempty)
    frozen = seen is not None and _freeze(proc)
    # frozen while the temporary file is still there: the kill comes before the rename
    mid_write = frozen and bool(_temps(tmp_path, out))
    killed = _kill(proc)
    if not mid_write:
        pytest.skip("the write finished before it could be interrupted")
    assert killed
    if prev is not None:
        assert out.read_bytes() == prev
    else:
        assert not out.exists()
    leftovers = _temps(tmp_path, out)
    assert leftovers and all(t.name.startswith(".") for t in leftovers)  # hidden, as documented
    with pytest.raises(zipfile.BadZipFile):  # it is indeed a partial file
        zipfile.ZipFile(leftovers[0]).testzip()
    # the next run replaces the output and the stale temp file does not get in its way
    assert main(["trace", str(spec), "-o", str(out), "-q"]) == 0
    assert _complete_workbook(out)


def test_a_complete_run_replaces_the_previous_file(setup, tmp_path):
    folder, spec, full, _, _ = setup
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"previous, not a workbook")
    hashes = (_sha(spec), _sha(folder / "data.csv"))
    proc = _start(spec, out)
    assert proc.wait(timeout=300) == 0
    assert _complete_workbook(out) and out.read_bytes() == full.read_bytes()
    assert not _temps(tmp_path, out)
    assert (_sha(spec), _sha(folder / "data.csv")) == hashes


def test_failed_run_keeps_previous_and_leaves_no_temp(tmp_path, capsys):
    """A training that fails half-way (it diverges) after the workbook was started."""
    spec = tmp_path / "d.toml"
    spec.write_text(DIVERGING.format(round=""), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"previous")
    table = tmp_path / "t.csv"
    table.write_bytes(b"previous table")
    assert main(["trace", str(spec), "-o", str(out), "--table", str(table), "-q"]) == 2
    assert out.read_bytes() == b"previous" and table.read_bytes() == b"previous table"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.toml", "out.xlsx", "t.csv"]
