"""nnsheet: train a small neural network step by step and write every number into a workbook.

The public API is what this module exports (README "Python API"); import from ``nnsheet``, not
from the modules inside. ``write_trace_workbook``, ``write_exercise``, ``ExerciseOptions`` and
``grade_file`` are loaded on first use: the exercise writer imports pandas, which
``nnsheet trace`` and ``nnsheet check`` must not pay for (tests/test_layers.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .core.engine import EpochRecord, SampleRecord, StepRecord, Trace, iterate, run
from .core.errors import NnsheetError, SpecError, TrainingError, WorkbookError
from .core.examples import EXAMPLES, load_example
from .core.spec import Spec
from .core.specfile import load_spec, loads_spec, spec_to_toml
from .core.version import __version__
from .output import table as _table  # noqa: F401 - registers Trace.table

if TYPE_CHECKING:
    from .exercise.template import ExerciseOptions, write_exercise
    from .grading.pipeline import grade_file
    from .output.workbook import write_trace_workbook

#: public name -> the module that defines it, imported when the name is first used
_LAZY = {
    "write_trace_workbook": "nnsheet.output.workbook",
    "write_exercise": "nnsheet.exercise.template",
    "ExerciseOptions": "nnsheet.exercise.template",
    "grade_file": "nnsheet.grading.pipeline",
}

__all__ = [
    "EXAMPLES",
    "EpochRecord",
    "ExerciseOptions",
    "NnsheetError",
    "SampleRecord",
    "Spec",
    "SpecError",
    "StepRecord",
    "Trace",
    "TrainingError",
    "WorkbookError",
    "__version__",
    "grade_file",
    "iterate",
    "load_example",
    "load_spec",
    "loads_spec",
    "run",
    "spec_to_toml",
    "write_exercise",
    "write_trace_workbook",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # the next look-up is an ordinary attribute
        return value
    raise AttributeError(f"module 'nnsheet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
