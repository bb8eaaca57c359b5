"""A progress bar on stderr for long traces (tqdm), counting training steps.

The bar appears only when the trace takes more than about a second (tqdm's ``delay``), only when
stderr is a terminal, and never with ``--quiet``; so scripts, pipes and tests see no bar at all.
It is cleared when the trace is done (``leave=False``), leaving only the command's "wrote" line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from ..core.engine import EpochRecord, StepRecord
from ..core.spec import Spec

#: seconds before the bar appears: shorter traces never show one
DELAY = 1.0


def wants_bar(quiet: bool, stream: TextIO | None = None) -> bool:
    """A bar is shown only on a terminal and when not asked to be quiet."""
    stream = sys.stderr if stream is None else stream
    if quiet:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or unusual streams
        return False


def total_steps(spec: Spec) -> int:
    return spec.epochs * spec.batches_per_epoch


def with_progress(
    records: Iterable[StepRecord | EpochRecord],
    spec: Spec,
    *,
    quiet: bool = False,
    stream: TextIO | None = None,
    desc: str = "training",
) -> Iterator[StepRecord | EpochRecord]:
    """Yield ``records`` unchanged, advancing a bar by one per step when :func:`wants_bar`."""
    if not wants_bar(quiet, stream):
        yield from records
        return
    from tqdm import tqdm

    stream = sys.stderr if stream is None else stream
    with tqdm(
        total=total_steps(spec),
        unit="step",
        desc=desc,
        file=stream,
        delay=DELAY,
        leave=False,
        dynamic_ncols=True,
        mininterval=0.25,
    ) as bar:
        for rec in records:
            if isinstance(rec, StepRecord):
                bar.update(1)
            else:
                bar.set_postfix_str(f"epoch {rec.epoch}/{spec.epochs}", refresh=False)
            yield rec
