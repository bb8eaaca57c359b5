"""A workbook as a PDF handout (``--pdf``), exported by headless LibreOffice.

Each export runs ``soffice --headless --convert-to pdf`` with a private, throw-away profile
directory (so it neither disturbs nor waits for a LibreOffice the user has open, and concurrent
exports do not collide), on a copy of the workbook in a temporary folder, within a time limit.
The profile tells LibreOffice never to recalculate on load: the PDF shows the values the workbook
carries (an exercise's blank cells stay blank). soffice exits 0 even when it fails, so success is
judged by the PDF it leaves; the PDF is then moved into place atomically.

The page setup (A4, breaks, print titles) is the workbook's own (:mod:`nnsheet.output.printing`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..core.errors import NnsheetError
from ..sheet.layout import Layout
from .files import write_atomic
from .printing import rows_per_page
from .workbook import steps_pages

INSTALL = "apt-get install libreoffice-calc-nogui"
TIMEOUT = 600.0  #: seconds LibreOffice may take (the course workbook takes about 3)
MAX_PAGES = 2000  #: a handout of more Steps pages is refused before anything is trained
PDF_FILTER = "pdf:calc_pdf_Export"
_FALLBACK_PATHS = (
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)


def profile_registry(recalculate: bool) -> str:
    """A LibreOffice profile's ``registrymodifications.xcu`` that makes it recalculate every
    .xlsx and .ods on load (``OOXMLRecalcMode``/``ODFRecalcMode`` 0: the tests' proof that a
    formula gives the engine's value) or never (1: a handout prints the cached values, and an
    exercise's blank answers stay blank)."""
    mode = 0 if recalculate else 1
    items = "".join(
        f'<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        f'<prop oor:name="{name}" oor:op="fuse"><value>{mode}</value></prop></item>\n'
        for name in ("OOXMLRecalcMode", "ODFRecalcMode")
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry"\n'
        '           xmlns:xs="http://www.w3.org/2001/XMLSchema"\n'
        '           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"{items}</oor:items>\n"
    )


def soffice_path() -> str | None:
    """The soffice executable, or None when LibreOffice is not installed: ``NNSHEET_SOFFICE``
    if set, else ``soffice`` / ``libreoffice`` on PATH, else the usual install locations."""
    override = os.environ.get("NNSHEET_SOFFICE")
    if override:
        return override if Path(override).is_file() else shutil.which(override)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _FALLBACK_PATHS:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def missing_message(pdf: Path | str, written: Path | str | None = None) -> str:
    """The one line shown when LibreOffice is not installed."""
    kept = f" (the workbook {written} was written)" if written is not None else ""
    return (
        f"{pdf}: writing a PDF needs LibreOffice, which is not installed; install it with: "
        f"{INSTALL}{kept}"
    )


def convert_command(
    soffice: str, profile: Path, filter: str, outdir: Path, files: Sequence[Path]
) -> list[str]:
    """The soffice command line that converts ``files`` with ``filter`` into ``outdir``, headless,
    with the private profile folder ``profile`` (one per concurrent job; see
    :func:`profile_registry`). ``--export`` and the tests' recalculation harness both run it."""
    return [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--nodefault",
        "--nologo",
        "--convert-to",
        filter,
        "--outdir",
        str(outdir),
        *map(str, files),
    ]


def export_pdf(
    xlsx: Path | str,
    pdf: Path | str,
    *,
    timeout: float = TIMEOUT,
    kept: bool = True,
    workbook: Path | str | None = None,
) -> Path:
    """Export the workbook ``xlsx`` to ``pdf`` (atomically) with headless LibreOffice.

    Raises :class:`NnsheetError` (one line; it says the workbook was written unless ``kept`` is
    False, a temporary workbook) when LibreOffice is missing, takes longer than ``timeout``
    seconds or writes no PDF. ``workbook``: the workbook to name as written when ``xlsx`` is a
    copy made for printing (:mod:`nnsheet.output.handout`)."""
    xlsx, pdf = Path(xlsx), Path(pdf)
    shown = xlsx if workbook is None else Path(workbook)
    written = f" (the workbook {shown} was written)" if kept else ""
    soffice = soffice_path()
    if soffice is None:
        raise NnsheetError(missing_message(pdf, shown if kept else None))
    with tempfile.TemporaryDirectory(prefix="nnsheet-pdf-") as tmp:
        work = Path(tmp)
        src = work / "in" / "workbook.xlsx"
        src.parent.mkdir()
        shutil.copyfile(xlsx, src)
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(
            profile_registry(False), encoding="utf-8"
        )
        outdir = work / "out"
        outdir.mkdir()
        cmd = convert_command(soffice, profile, PDF_FILTER, outdir, [src])
        env = dict(os.environ)
        env.setdefault("HOME", tmp)  # soffice wants a HOME
        rc, err = _run(
            cmd, env, timeout, f"{pdf}: LibreOffice did not finish within {timeout:.0f} s{written}"
        )
        out = outdir / "workbook.pdf"
        if not out.is_file() or out.stat().st_size == 0 or out.read_bytes()[:5] != b"%PDF-":
            last = err.strip().splitlines()[-1:] or ["no message"]
            raise NnsheetError(
                f"{pdf}: LibreOffice ({soffice}) wrote no PDF (exit {rc}: {last[0][:200]}){written}"
            )
        write_atomic(pdf, lambda tmp_pdf: shutil.copyfile(out, tmp_pdf))
    return pdf


def _run(cmd: list[str], env: dict[str, str], timeout: float, late: str) -> tuple[int, str]:
    """Run ``cmd`` in its own process group; on timeout kill the whole group (soffice is a
    script that starts the real program) and raise ``late``."""
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGKILL)
            else:  # pragma: no cover - Windows
                proc.kill()
        proc.communicate()
        raise NnsheetError(late) from None
    except BaseException:  # Ctrl-C: do not leave LibreOffice running
        with contextlib.suppress(OSError):
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGKILL)
            else:  # pragma: no cover
                proc.kill()
        proc.wait()
        raise
    return proc.returncode, err or ""


def font_note() -> str | None:
    """A note when LibreOffice will draw the workbook's Calibri with a wider font than Carlito
    (Calibri's metric twin): its columns are then wider than the page breaks assume, and it adds
    breaks of its own. None when Carlito (or Calibri) is there, or fontconfig cannot tell."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        family = subprocess.run(
            [fc_match, "-f", "%{family}", "Calibri"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    if not family or "carlito" in family.lower() or "calibri" in family.lower():
        return None
    return (
        f"LibreOffice draws Calibri with {family.split(',')[0]}, wider than Calibri, so some "
        "colour bands on Steps may split across pages; install Carlito for Calibri's widths: "
        "apt-get install fonts-crosextra-carlito"
    )


def check_pages(layout: Layout, pdf: Path | str, option: str, row_pt: float | None = None) -> None:
    """Refuse, before training, a handout whose Steps sheet would print on more than
    :data:`MAX_PAGES` pages, saying how many epochs in detail would fit (``option``);
    ``row_pt``: the Steps rows' height when not the default (an exercise's answer rows)."""
    across, down = steps_pages(layout, row_pt)
    if across * down <= MAX_PAGES:
        return
    fit = (MAX_PAGES // across) * rows_per_page(row_pt=row_pt) // layout.rows_per_epoch
    advice = (
        f"use {option} {fit} or fewer" if fit >= 1 else "use a smaller network or fewer samples"
    )
    raise NnsheetError(
        f"{pdf}: the Steps sheet would print on about {across * down:,} pages "
        f"({across} across × {down:,} down), more than the {MAX_PAGES:,}"
        f" a handout may have; {advice}, or leave out --pdf"
    )
