"""Files nnsheet writes: atomic replacement, and the checks on an output path given by a user."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.spec import Spec


def write_atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename over ``path``: readers see the old file or the new."""
    path = Path(path)
    parent = path.resolve().parent
    if not parent.is_dir():
        raise NnsheetError(f"{path}: the folder {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    os.close(fd)
    try:
        write(tmp)
        # mkstemp makes the file private (0600); give it the mode a new file would get (or the
        # mode of the file it replaces)
        try:
            mode = path.stat().st_mode & 0o777
        except OSError:
            mask = os.umask(0o022)
            os.umask(mask)
            mode = 0o666 & ~mask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def spec_inputs(spec: Spec) -> list[Path]:
    """The user's files a spec was read from (never to be overwritten)."""
    return [p.resolve() for p in (spec.source, spec.data_source) if p is not None]


def check_output_path(path: str, suffix: str, inputs: list[Path], what: str) -> Path:
    """An output path given on the command line as ``what``: the right suffix, not one of the
    ``inputs``, not a folder, in a folder that exists."""
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


def silence_stdout() -> None:
    """After a broken pipe (``nnsheet check … | head``): send the rest of stdout to the null
    device, so nothing more is written and Python's final flush raises no second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (a test's capture)
        pass
