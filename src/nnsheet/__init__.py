"""nnsheet: train a small neural network step by step and write every number into a workbook."""

from __future__ import annotations

from .core.engine import EpochRecord, SampleRecord, StepRecord, Trace, iterate, run
from .core.errors import NnsheetError, SpecError, TrainingError, WorkbookError
from .core.examples import EXAMPLES, load_example
from .core.spec import Spec
from .core.specfile import load_spec, loads_spec, spec_to_toml
from .core.version import __version__
from .output import table as _table  # noqa: F401 - registers Trace.table

__all__ = [
    "EXAMPLES",
    "EpochRecord",
    "NnsheetError",
    "SampleRecord",
    "Spec",
    "SpecError",
    "StepRecord",
    "Trace",
    "TrainingError",
    "WorkbookError",
    "__version__",
    "iterate",
    "load_example",
    "load_spec",
    "loads_spec",
    "run",
    "spec_to_toml",
]
