"""nnsheet: train a small neural network step by step and write every number into a workbook."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .engine import EpochRecord, SampleRecord, StepRecord, Trace, iterate, run
from .errors import NnsheetError, SpecError, TrainingError, WorkbookError
from .examples import EXAMPLES, load_example
from .spec import Spec
from .specfile import load_spec, loads_spec, spec_to_toml

try:
    __version__ = version("nnsheet")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+src"

__all__ = [
    "EXAMPLES", "EpochRecord", "NnsheetError", "SampleRecord", "Spec", "SpecError", "StepRecord",
    "Trace", "TrainingError", "WorkbookError", "__version__", "iterate", "load_example",
    "load_spec", "loads_spec", "run", "spec_to_toml",
]  # fmt: skip
