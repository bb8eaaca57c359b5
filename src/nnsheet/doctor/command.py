"""``nnsheet doctor``: what the command line calls, and the note ``trace`` adds for a run that
ended stuck, diverged or saturated."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

from ..core.spec import Spec
from ..output.files import check_output_path, spec_inputs
from ..output.progress import with_progress
from ..output.workbook import make_layout
from ..words import doctor_text as dt
from .diagnose import diagnose
from .findings import diverged, saturated, stuck
from .report import json_report, text_report
from .watch import Run, Watcher
from .workbook import write_report


def run_doctor(
    spec: Spec,
    *,
    lang: str = "en",
    output: str | None = None,
    as_json: bool = False,
    quiet: bool = False,
) -> int:
    """Diagnose ``spec``, print the findings (text or JSON), write ``output`` when given.
    Exit status: 0 nothing found, 1 findings."""
    out = check_output_path(output, ".xlsx", spec_inputs(spec), "-o") if output else None

    def stream(records: Iterable, s: Spec, desc: str):
        return with_progress(records, s, quiet=quiet, desc=desc[:30])

    diag = diagnose(spec, stream)
    layout = make_layout(spec, lang)
    if as_json:
        print(json.dumps(json_report(diag, layout, lang), ensure_ascii=False, indent=2))
    else:
        print(text_report(diag, layout, lang))
    if out is not None:
        write_report(diag, layout, lang, Path(out))
        print(dt.text("wrote", lang, path=out), file=sys.stderr)
    return 1 if diag.findings else 0


def trace_watcher(spec: Spec) -> Watcher:
    """A watcher for ``trace`` to feed: the loss curve, and the last epoch in detail."""
    return Watcher(spec, detail_from=spec.epochs)


#: what ``trace`` notes, in this order: (check, the words of the note)
_NOTES = ((diverged, "hint_diverged"), (stuck, "hint_stuck"), (saturated, "hint_saturated"))


def trace_note(run: Run, args: str, lang: str) -> str | None:
    """One line for ``trace`` when its run ended diverged, stuck or saturated, naming
    ``nnsheet doctor`` with ``args``; None for a healthy-looking run."""
    found = [key for check, key in _NOTES if check(run)]
    if not found:
        return None
    what = ", ".join(dt.text(k, lang) for k in found)
    return dt.text("doctor_hint", lang, what=what, args=args)
