"""``nnsheet examples --export``: every built-in example's spec, data and workbook in a folder."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ..core.engine import iterate
from ..core.errors import NnsheetError
from ..core.examples import EXAMPLES, EXPORT_DETAIL_EPOCHS, example_files
from ..core.specfile import load_spec
from .progress import with_progress
from .workbook import WorkbookWriter, make_layout


def export_examples(folder: Path) -> None:
    """Write every built-in example's spec (and data) and its workbook into ``folder``."""
    if not folder.is_dir():
        raise NnsheetError(f"{folder}: no such folder")
    for name in EXAMPLES:
        for f in example_files(name):
            shutil.copyfile(f, folder / f.name)
        spec = load_spec(folder / f"{name}.toml")
        records = with_progress(iterate(spec), spec, desc=name)
        layout = make_layout(spec, detail_epochs=EXPORT_DETAIL_EPOCHS.get(name))
        WorkbookWriter(folder / f"{name}.xlsx", layout).write(records)
        print(f"wrote {folder / (name + '.xlsx')}", file=sys.stderr)
