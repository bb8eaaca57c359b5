"""Headless LibreOffice helpers for tests and tools.

LibreOffice does not recalculate an .xlsx on load by default; it shows the cached values
that the writer stored. :func:`recalc` therefore runs soffice with a fresh, throw-away
profile whose registry forces "always recalculate" for OOXML files, converts the workbook
back to .xlsx and returns the path of the recalculated copy. Read it with openpyxl
``data_only=True`` to see LibreOffice's results.

soffice exits 0 even when it fails, so every call checks that the output file exists.
Each call gets its own profile directory, so calls may run concurrently.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

# one soffice lookup (NNSHEET_SOFFICE, PATH, usual places) and one profile for the package and the
# tests; the tests' profile recalculates on load
from nnsheet.output.pdf import (  # noqa: F401 (re-exported to the LibreOffice tests)
    PDF_FILTER,
    convert_command,
    profile_registry,
    soffice_path,
)

DEFAULT_TIMEOUT = 180.0
XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"

# (source name, filter, seconds) of every successful conversion in this process;
# conftest.py prints a summary at the end of the test run.
TIMINGS: list[tuple[str, str, float]] = []


class LibreOfficeError(RuntimeError):
    """soffice is missing, timed out, or produced no output."""


def write_profile(profile: Path) -> Path:
    """Create a LibreOffice user profile in *profile* that always recalculates on load."""
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(profile_registry(True), encoding="utf-8")
    return profile


def convert(
    src: Path | str,
    outdir: Path | str,
    filter: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Convert *src* with ``soffice --convert-to FILTER`` into *outdir*; return the output path.

    *filter* is what ``--convert-to`` takes, e.g. ``"pdf"`` or ``"xlsx:Calc MS Excel 2007 XML"``;
    the part before ``:`` is the output extension. Formulas are recalculated on load.
    Raises :class:`LibreOfficeError` when soffice is missing, times out or writes nothing.
    """
    src = Path(src).resolve()
    outdir = Path(outdir).resolve()
    if not src.is_file():
        raise FileNotFoundError(src)
    soffice = soffice_path()
    if soffice is None:
        raise LibreOfficeError("LibreOffice (soffice) not found on PATH")
    outdir.mkdir(parents=True, exist_ok=True)
    ext = filter.split(":", 1)[0]
    out = outdir / f"{src.stem}.{ext}"
    if out.resolve() == src:
        raise ValueError(f"output would overwrite the input: {src}; use another outdir")
    if out.exists():
        out.unlink()

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nnsheet-lo-profile-") as tmp:
        profile = write_profile(Path(tmp))
        cmd = convert_command(soffice, profile, filter, outdir, [src])
        env = dict(os.environ)
        env.setdefault("HOME", tmp)  # soffice wants a HOME; CI may not set one
        try:
            proc = subprocess.run(
                cmd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise LibreOfficeError(
                f"soffice timed out after {timeout:.0f} s converting {src}"
            ) from exc
    if not out.is_file() or out.stat().st_size == 0:
        raise LibreOfficeError(
            f"soffice produced no {out.name} (exit {proc.returncode})\n"
            f"command: {' '.join(cmd)}\nstdout: {proc.stdout.strip()}\n"
            f"stderr: {proc.stderr.strip()}"
        )
    TIMINGS.append((src.name, filter, time.perf_counter() - start))
    return out


def recalc(src: Path | str, outdir: Path | str, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Recalculate *src* (.xlsx) with headless LibreOffice; return the recalculated copy.

    The copy is written to *outdir* under the same file name (outdir must differ from the
    source's folder). Read it with ``openpyxl.load_workbook(path, data_only=True)``.
    """
    return convert(src, outdir, XLSX_FILTER, timeout=timeout)
