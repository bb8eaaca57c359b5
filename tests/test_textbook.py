"""Issue 23 (backpropagation as the Indonesian textbooks compute it) and issue 20 item 2 (one
function draws the random givens).

Every expected number here comes from outside the code under test: the book's published values,
a NumPy loop written in this file, or numpy's generator called directly in the documented order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from nnsheet.core.engine import run
from nnsheet.core.errors import SpecError
from nnsheet.core.ops import ACTIVATIONS
from nnsheet.core.specfile import loads_spec
from nnsheet.exercise.roster import student_seed, student_spec
from nnsheet.output.workbook import make_layout, write_trace_workbook

MIXED = """\
[[layer]]
size = 2
weights = [[0.1, 0.2], [0.3, 0.4]]

[[layer]]
size = 1
biases = [0.5]

[init]
seed = 7
low = -0.5
high = 0.5

[data]
inputs = [[0.0, 1.0]]
targets = [[1.0]]
"""


def test_draw_order_is_one_for_spec_files_and_roster_variants() -> None:
    # the documented order: for each layer its weights then its biases, given ones skipped
    rng = np.random.default_rng(7)
    b1 = rng.uniform(-0.5, 0.5, 2)
    w2 = rng.uniform(-0.5, 0.5, (1, 2))
    spec = loads_spec(MIXED)
    np.testing.assert_array_equal(spec.layers[0].weights, [[0.1, 0.2], [0.3, 0.4]])
    np.testing.assert_array_equal(spec.layers[0].biases, b1)
    np.testing.assert_array_equal(spec.layers[1].weights, w2)
    np.testing.assert_array_equal(spec.layers[1].biases, [0.5])
    # a student's variant is what the spec file draws with the student's seed
    seed = student_seed(7, "2301")
    mine = student_spec(spec, "2301")
    theirs = loads_spec(MIXED.replace("seed = 7", f"seed = {seed}"))
    assert mine.seed == seed
    for a, b in zip(mine.layers, theirs.layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.biases, b.biases)
    assert not np.array_equal(mine.layers[0].biases, spec.layers[0].biases)


# --------------------------------------------------------------------------- bipolar sigmoid
#: XOR in bipolar form, a 2-2-1 bipolar sigmoid network, the course's rule (raw errors sent
#: back, Δ = +α·δ·input), MSE; ``{extra}`` adds [training] keys
BIPOLAR = """\
title = "bipolar XOR"
[[layer]]
size = 2
activation = "bipolar_sigmoid"
weights = [[0.3, -0.2], [-0.4, 0.5]]
biases = [0.1, -0.3]
[[layer]]
size = 1
activation = "bipolar_sigmoid"
weights = [[0.6, -0.5]]
biases = [0.2]
[training]
learning_rate = 0.4
epochs = {epochs}
{extra}
[data]
inputs = [[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]]
targets = [[-1.0], [1.0], [1.0], [-1.0]]
"""
BX = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
BT = np.array([[-1.0], [1.0], [1.0], [-1.0]])


def bipolar(x: np.ndarray) -> np.ndarray:
    return 2.0 / (1.0 + np.exp(-x)) - 1.0


def bipolar_loop(epochs: int, mu: float = 0.0, batch: int = 1, fprime=None) -> dict:
    """The BIPOLAR network trained by hand: online (batch=1) or in batches of ``batch`` samples
    (the mean Δ), momentum Δ(t+1) = rule's change + μ·Δ(t), Δ(0) = 0. Returns per step the
    per-sample records and the applied Δ, and the epoch losses."""
    fprime = fprime or (lambda f: 0.5 * (1 + f) * (1 - f))
    w1, b1 = np.array([[0.3, -0.2], [-0.4, 0.5]]), np.array([0.1, -0.3])
    w2, b2 = np.array([[0.6, -0.5]]), np.array([0.2])
    lr = 0.4
    prev = [np.zeros_like(w1), np.zeros_like(b1), np.zeros_like(w2), np.zeros_like(b2)]
    steps, losses = [], []
    for _ in range(epochs):
        ep = 0.0
        for first in range(0, 4, batch):
            recs = []
            for s in range(first, min(first + batch, 4)):
                x, t = BX[s], BT[s]
                z1 = w1 @ x + b1
                a1 = bipolar(z1)
                z2 = w2 @ a1 + b2
                y = bipolar(z2)
                e = t - y
                ep += float(np.mean(e**2))
                f2, f1 = fprime(y), fprime(a1)
                d2 = e * f2
                err1 = w2.T @ e
                d1 = err1 * f1
                change = [lr * np.outer(d1, x), lr * d1, lr * np.outer(d2, a1), lr * d2]
                recs.append(
                    {"z1": z1, "a1": a1, "y": y, "e": e, "f1": f1, "f2": f2, "change": change}
                )
            mean = [sum(r["change"][k] for r in recs) / len(recs) for k in range(4)]
            dw = [m + mu * p for m, p in zip(mean, prev, strict=True)]
            w1, b1, w2, b2 = w1 + dw[0], b1 + dw[1], w2 + dw[2], b2 + dw[3]
            prev = dw
            steps.append({"samples": recs, "dw": dw, "new": [w1, b1, w2, b2]})
        losses.append(ep / 4)
    return {"steps": steps, "losses": losses}


def test_bipolar_sigmoid_trains_as_the_book_writes_it() -> None:
    trace = run(loads_spec(BIPOLAR.format(epochs=3, extra="")))
    want = bipolar_loop(3)
    for st, ws in zip(trace.steps, want["steps"], strict=True):
        rec, w = st.samples[0], ws["samples"][0]
        np.testing.assert_allclose(rec.a[0], w["a1"], rtol=1e-13)
        np.testing.assert_allclose(rec.a[1], w["y"], rtol=1e-13)
        np.testing.assert_allclose(rec.fprime[1], w["f2"], rtol=1e-13)
        np.testing.assert_allclose(st.w_new[0], ws["new"][0], rtol=1e-13)
        np.testing.assert_allclose(st.b_new[1], ws["new"][3], rtol=1e-13)
    np.testing.assert_allclose([e.loss for e in trace.epochs], want["losses"], rtol=1e-13)
    # it equals tanh(z/2), and never overflows
    z = np.array([-1000.0, -3.0, 0.0, 2.5, 1000.0])
    np.testing.assert_allclose(ACTIVATIONS["bipolar_sigmoid"].value(z), np.tanh(z / 2), atol=1e-15)


def test_bipolar_derivative_is_written_in_the_books_form(tmp_path: Path) -> None:
    spec = loads_spec(BIPOLAR.format(epochs=1, extra=""))
    layout = make_layout(spec, "id")
    out = tmp_path / "b.xlsx"
    write_trace_workbook(run(spec), out, layout)
    wb = openpyxl.load_workbook(out)
    fprime = layout.ref("fprime", 2, 0)
    a = layout.ref("a", 2, 0)
    assert wb[layout.sheets.steps][f"{fprime}3"].value == f"=0.5*(1+{a}3)*(1-{a}3)"
    guide = " ".join(
        str(c.value) for row in wb[layout.sheets.guide].iter_rows() for c in row if c.value
    )
    assert "f' = ½·(1+f)·(1−f)" in guide and "tanh(z/2)" in guide


@pytest.mark.parametrize(
    ("activation", "targets", "where"),
    [
        ("sigmoid", "[[-1.0], [1.0]]", r"data\.targets\[1\]\[1\]: the target -1 "),
        ("bipolar_sigmoid", "[[1.0], [2.0]]", r"data\.targets\[2\]\[1\]: the target 2 "),
    ],
)
def test_target_outside_the_output_range_is_refused(
    activation: str, targets: str, where: str
) -> None:
    text = f"""[[layer]]
size = 1
activation = "{activation}"
[data]
inputs = [[0.0], [1.0]]
targets = {targets}
"""
    with pytest.raises(SpecError, match=rf"^s\.toml: {where}.*'{activation}'") as exc:
        loads_spec(text, "s.toml")
    assert "\n" not in str(exc.value)
