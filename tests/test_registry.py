"""Issue 10, point 2: an activation is ONE entry of ``core/ops.py``.

A brand-new activation (softsign, f(z) = z/(1+|z|)) registered through that entry alone — no
other module is told about it — is accepted by the spec, trained by the engine, written with its
formula and Guide text, and recalculated by LibreOffice to the engine's numbers.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from lo import recalc

from nnsheet.core import ops
from nnsheet.core.engine import run
from nnsheet.core.specfile import loads_spec
from nnsheet.output.workbook import make_layout, write_trace_workbook

SOFTSIGN = ops.Activation(
    "softsign",
    lambda z: np.asarray(z, dtype=np.float64) / (1.0 + np.abs(z)),
    lambda z, a: 1.0 / (1.0 + np.abs(z)) ** 2,
    # no ABS in the plain-function whitelist: the two halves of |z|
    lambda z: f"IF({z}>=0,{z}/(1+{z}),{z}/(1-{z}))",
    lambda z, a: f"IF({z}>=0,1/((1+{z})*(1+{z})),1/((1-{z})*(1-{z})))",
    lambda z: f"{z}/(1+|{z}|)",
    lambda z, a: f"1/(1+|{z}|)²",
    True,
    {"en": "f(z) = z/(1+|z|), f' = 1/(1+|z|)²", "id": "f(z) = z/(1+|z|), f' = 1/(1+|z|)²"},
)

SPEC = """\
title = "softsign 2-3-2"
[[layer]]
size = 3
activation = "softsign"
weights = [[0.5, -0.4], [-0.3, 0.8], [0.9, 0.2]]
biases = [0.1, -0.2, 0.05]
[[layer]]
size = 2
activation = "softsign"
[training]
learning_rate = 0.3
epochs = 3
[init]
seed = 7
[data]
inputs = [[1.0, 0.5], [-0.5, 2.0], [0.0, -1.5]]
targets = [[0.5, -0.25], [-0.5, 0.3], [0.2, 0.1]]
"""


@pytest.fixture
def softsign(monkeypatch: pytest.MonkeyPatch) -> ops.Activation:
    monkeypatch.setitem(ops.ACTIVATIONS, "softsign", SOFTSIGN)
    return SOFTSIGN


def test_unknown_activation_is_refused_without_the_entry() -> None:
    from nnsheet.core.errors import SpecError

    with pytest.raises(SpecError, match=r"layer\[1\]\.activation: expected one of"):
        loads_spec(SPEC)


def test_new_activation_trains_as_its_entry_says(softsign: ops.Activation) -> None:
    trace = run(loads_spec(SPEC))
    rec = trace.steps[0].samples[0]
    # independent: z of the first hidden unit by hand, then z/(1+|z|) and 1/(1+|z|)²
    z = 0.5 * 1.0 + -0.4 * 0.5 + 0.1
    assert math.isclose(rec.z[0][0], z, rel_tol=1e-15)
    assert math.isclose(rec.a[0][0], z / (1 + abs(z)), rel_tol=1e-15)
    assert math.isclose(rec.fprime[0][0], 1 / (1 + abs(z)) ** 2, rel_tol=1e-15)


@pytest.mark.libreoffice
def test_new_activation_workbook_recalculates_to_the_engine(
    softsign: ops.Activation, tmp_path: Path
) -> None:
    spec = loads_spec(SPEC)
    trace = run(spec)
    layout = make_layout(spec)
    src = tmp_path / "softsign.xlsx"
    write_trace_workbook(trace, src, layout)
    guide = [
        c.value
        for row in openpyxl.load_workbook(src)["Guide"].iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert any("softsign: f(z) = z/(1+|z|)" in g for g in guide)
    # re-saved by openpyxl the file keeps the formulas but loses every cached value, so what
    # LibreOffice shows below it computed itself
    wf = openpyxl.load_workbook(src)
    bare = tmp_path / "bare" / "softsign.xlsx"
    bare.parent.mkdir()
    wf.save(bare)
    table = trace.table(layout)
    rows = table[table["sheet"].isin(("Steps", "Epochs"))]
    first = rows["cell"].iloc[-1]
    assert openpyxl.load_workbook(bare, data_only=True)["Epochs"][first].value is None
    out = recalc(bare, tmp_path / "out")
    wv = openpyxl.load_workbook(out, data_only=True)
    assert len(rows) > 300
    bad = []
    negative_z = 0
    for sheet, cell, q, value in zip(
        rows["sheet"], rows["cell"], rows["quantity"], rows["value"], strict=True
    ):
        got = wv[sheet][cell].value
        if not isinstance(got, int | float) or not math.isclose(
            got, value, rel_tol=1e-9, abs_tol=1e-12
        ):
            bad.append(f"{sheet}!{cell} ({q}): LibreOffice {got!r}, engine {value!r}")
        if q == "a":
            assert "IF(" in wf[sheet][cell].value  # the entry's formula, not a cached number
        negative_z += q == "z" and value < 0
    assert not bad, f"{len(bad)} cells differ: " + "; ".join(bad[:5])
    assert negative_z > 0  # both halves of the formula were exercised
