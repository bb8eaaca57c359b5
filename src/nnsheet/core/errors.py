"""Errors that nnsheet reports to the user as one line (exit status 2)."""

from __future__ import annotations


class NnsheetError(Exception):
    """Bad input: a spec, data file or workbook that nnsheet cannot use.

    The message is one line that names the file, the key or cell, and what was expected.
    The command line prints it without a traceback and exits with status 2.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


class SpecError(NnsheetError):
    """A spec file (TOML) or its data (inline or CSV) is invalid."""


class WorkbookError(NnsheetError):
    """A workbook cannot be read, or a trace cannot be written as a workbook."""


class TrainingError(NnsheetError):
    """Training cannot proceed (for example a zero denominator in the proportional rule)."""
