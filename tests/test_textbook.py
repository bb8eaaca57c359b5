"""Issue 23 (backpropagation as the Indonesian textbooks compute it) and issue 20 item 2 (one
function draws the random givens).

Every expected number here comes from outside the code under test: the book's published values,
a NumPy loop written in this file, or numpy's generator called directly in the documented order.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from lo import recalc
from specs import NW_XOR

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.errors import SpecError
from nnsheet.core.examples import example_path, load_example
from nnsheet.core.ops import ACTIVATIONS
from nnsheet.core.specfile import loads_spec, spec_to_toml
from nnsheet.exercise.roster import student_seed, student_spec
from nnsheet.output.workbook import make_layout, write_trace_workbook
from nnsheet.words.guide import guide_lines
from nnsheet.words.notation import notation_for

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
                    {
                        "z": [z1, z2],
                        "a": [a1, y],
                        "e": [None, e],
                        "loss": float(np.mean(e**2)),
                        "err": [err1, e],
                        "fprime": [f1, f2],
                        "delta": [d1, d2],
                        "grad_w": [np.outer(d1, x), np.outer(d2, a1)],
                        "grad_b": [d1, d2],
                        "change": change,
                        "a1": a1,
                        "y": y,
                        "f2": f2,
                    }
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


# --------------------------------------------------------------------------- momentum
@pytest.mark.parametrize(("mode", "batch"), [("online", 1), (2, 2), ("batch", 4)])
def test_momentum_is_the_rules_change_plus_mu_times_the_previous_change(mode, batch) -> None:
    extra = f"momentum = 0.7\nmode = {mode!r}".replace("'", '"')
    trace = run(loads_spec(BIPOLAR.format(epochs=3, extra=extra)))
    want = bipolar_loop(3, mu=0.7, batch=batch)
    assert len(trace.steps) == len(want["steps"]) == 3 * 4 // batch
    for st, ws in zip(trace.steps, want["steps"], strict=True):
        for got, exp in zip([st.dw[0], st.db[0], st.dw[1], st.db[1]], ws["dw"], strict=True):
            np.testing.assert_allclose(got, exp, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(st.w_new[1], ws["new"][2], rtol=1e-12)
    # without momentum the run differs (the term is really there)
    plain = bipolar_loop(3, batch=batch)
    assert not np.allclose(plain["steps"][-1]["new"][2], want["steps"][-1]["new"][2])


def test_momentum_is_torchs_sgd_with_momentum() -> None:
    torch = pytest.importorskip("torch")
    # PyTorch: v ← μ·v + g, p ← p − η·v; with Δ = −η·v this is Δ(t+1) = −η·g + μ·Δ(t)
    spec = loads_spec(
        BIPOLAR.format(epochs=2, extra="momentum = 0.6").replace(
            'title = "bipolar XOR"', 'title = "bipolar XOR"\npreset = "gradient"'
        )
    )
    trace = run(spec)
    params = [
        torch.tensor(a, dtype=torch.float64, requires_grad=True)
        for a in ([[0.3, -0.2], [-0.4, 0.5]], [0.1, -0.3], [[0.6, -0.5]], [0.2])
    ]
    opt = torch.optim.SGD(params, lr=0.4, momentum=0.6, dampening=0.0)
    w1, b1, w2, b2 = params
    for _ in range(2):
        for x, t in zip(BX, BT, strict=True):
            opt.zero_grad()
            xt = torch.tensor(x)
            y = 2 / (1 + torch.exp(-(w2 @ (2 / (1 + torch.exp(-(w1 @ xt + b1))) - 1) + b2))) - 1
            ((torch.tensor(t) - y) ** 2).mean().backward()
            opt.step()
    final = trace.steps[-1]
    np.testing.assert_allclose(final.w_new[0], w1.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(final.b_new[1], b2.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("value", [1.0, -0.1, 1.5])
def test_momentum_outside_zero_to_one_is_refused(value: float) -> None:
    with pytest.raises(SpecError, match=r"^s\.toml: training\.momentum: expected a number from 0"):
        loads_spec(BIPOLAR.format(epochs=1, extra=f"momentum = {value}"), "s.toml")


# --------------------------------------------------------------------------- target_loss
def test_training_stops_at_the_first_epoch_whose_loss_reaches_the_target(
    tmp_path: Path, capsys
) -> None:
    losses = bipolar_loop(30, mu=0.5)["losses"]
    target = (losses[11] + losses[12]) / 2  # between epoch 12's and 13's loss
    assert losses[11] > target >= losses[12] and min(losses[:12]) > target
    spec_text = BIPOLAR.format(epochs=30, extra=f"momentum = 0.5\ntarget_loss = {target!r}")
    trace = run(loads_spec(spec_text))
    assert [e.epoch for e in trace.epochs][-1] == 13
    assert [e.reached for e in trace.epochs] == [False] * 12 + [True]
    path = tmp_path / "s.toml"
    path.write_text(spec_text)
    capsys.readouterr()
    assert main(["trace", str(path), "-o", str(tmp_path / "s.xlsx"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "(52 steps, 13 epochs; training stopped at epoch 13: its loss MSE = " in err
    epochs = openpyxl.load_workbook(tmp_path / "s.xlsx")["Epochs"]
    assert epochs.max_row == 2 + 13 + 1
    assert epochs["A16"].value.startswith("Training stopped at epoch 13: its loss MSE = ")
    # never beyond epochs, and says so when the target is not reached
    path.write_text(spec_text.replace("epochs = 30", "epochs = 5"))
    assert main(["trace", str(path), "-o", str(tmp_path / "t.xlsx"), "--lang", "id", "-q"]) == 0
    err = capsys.readouterr().err
    assert "(20 langkah, 5 epoch; target_loss " in err and "tidak tercapai" in err
    note = openpyxl.load_workbook(tmp_path / "t.xlsx")["Epoch"]["A8"].value
    assert note.startswith("target_loss ") and "setelah epoch terakhir (5)" in note


def _answers(loop: dict, online: bool) -> dict[tuple, float]:
    """Every Steps/Epochs value of the loop's first epoch by (quantity, step, layer, j, i),
    1-based as in the trace table (online: one step per sample)."""
    out: dict[tuple, float] = {}

    def put(q, step, layer, arr):
        for idx, v in np.ndenumerate(np.asarray(arr)):
            j, i = ([k + 1 for k in idx] + [None, None])[:2]
            out[(q, step, layer, j, i)] = float(v)

    for n, st in enumerate(loop["steps"][:4] if online else loop["steps"], start=1):
        rec = st["samples"][0]
        for q in ("z", "a", "err", "fprime", "delta", "grad_w", "grad_b"):
            for layer in (1, 2):
                put(q, n, layer, rec[q][layer - 1])
        put("e", n, 2, rec["e"][1])
        put("loss", n, None, rec["loss"])
        for q, k in (("dw", 0), ("db", 1), ("dw", 2), ("db", 3)):
            put(q, n, 1 + k // 2, st["dw"][k])
        for q, k in (("w_new", 0), ("b_new", 1), ("w_new", 2), ("b_new", 3)):
            put(q, n, 1 + k // 2, st["new"][k])
    out[("epoch_loss", None, None, None, None)] = loop["losses"][0]
    return out


def _cells_of(spec, lang: str = "en") -> dict[tuple, tuple[str, str]]:
    """Which cell holds which value (the trace table, only for addresses)."""
    table = run(spec).table(make_layout(spec, lang))
    out = {}
    for r in table.to_dict("records"):
        if r["quantity"] in ("x", "t", "w", "b", "lr", "momentum") or not r["cell"]:
            continue
        step, *ints = (None if pd.isna(r[k]) else int(r[k]) for k in ("step", "layer", "j", "i"))
        out[(r["quantity"], step, *ints)] = (r["sheet"], r["cell"])
    return out


@pytest.mark.parametrize(
    ("code", "key", "slip"),
    [
        # f' of the output taken as the binary sigmoid's f·(1 − f), step 1
        (
            "fprime_binary_for_bipolar",
            ("fprime", 1, 2, 1, None),
            lambda L: L[0]["y"] * (1 - L[0]["y"]),
        ),
        # Δ of w1,1 at step 2 without μ·Δ(1): the rule's change alone
        ("no_momentum", ("dw", 2, 1, 1, 1), lambda L: L[1]["change"][0][0, 0]),
    ],
)
def test_bipolar_and_momentum_slips_are_named(tmp_path: Path, capsys, code, key, slip) -> None:
    spec_path = tmp_path / "b.toml"
    spec_path.write_text(BIPOLAR.format(epochs=1, extra="momentum = 0.7"))
    exercise = tmp_path / "ex.xlsx"
    assert main(["template", str(spec_path), "-o", str(exercise)]) == 0
    loop = bipolar_loop(1, mu=0.7)
    exact = _answers(loop, online=True)
    cells = _cells_of(loads_spec(spec_path.read_text()))
    assert set(cells) == set(exact)
    firsts = [st["samples"][0] for st in loop["steps"]]
    planted = float(np.ravel(slip(firsts))[0]) if code != "no_momentum" else float(slip(firsts))
    assert abs(planted - exact[key]) > 1e-3
    wb = openpyxl.load_workbook(exercise)
    for k, v in {**exact, key: planted}.items():
        sheet, ref = cells[k]
        wb[sheet][ref] = v
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    report = tmp_path / "r.csv"
    capsys.readouterr()
    assert main(["check", str(filled), "--report", str(report)]) == 1
    rows = pd.read_csv(report, dtype=str, keep_default_na=False).to_dict("records")
    wrong = [r for r in rows if r["verdict"] == "wrong"]
    assert [(r["sheet"], r["cell"], r["mistake"]) for r in wrong] == [(*cells[key], code)]
    if code == "no_momentum":  # the explanation shows the momentum term and its numbers
        out = capsys.readouterr().out
        prev = loop["steps"][0]["dw"][0][0, 0]  # Δw1,1 of step 1, from the loop
        line = next(x for x in out.splitlines() if x.strip().startswith("Δw1,1 = "))
        assert "+ μ·Δw1,1(t−1) = " in line and f"+ 0.7·({prev:.6g})" in line, line


# --------------------------------------------------------------------------- LibreOffice
def _lo_disagreements(
    spec, tmp_path: Path, name: str, edit=None, want=None, lang="en", sheets=("Steps", "Epochs")
) -> int:
    """Write ``spec``'s workbook, drop every cached value (an openpyxl re-save), optionally
    ``edit`` the givens, let LibreOffice recalculate, and compare every Steps/Epochs cell with
    the trace of ``want`` (default ``spec``) to 1e-9. Returns the number of cells compared."""
    layout = make_layout(spec, lang)
    src = tmp_path / f"{name}.xlsx"
    write_trace_workbook(run(spec), src, layout)
    wb = openpyxl.load_workbook(src)
    if edit is not None:
        edit(wb, layout)
    bare = tmp_path / "bare" / f"{name}.xlsx"
    bare.parent.mkdir(exist_ok=True)
    wb.save(bare)
    out = recalc(bare, tmp_path / "out")
    wv = openpyxl.load_workbook(out, data_only=True)
    want = want or spec
    table = run(want).table(make_layout(want, lang))
    rows = table[table["sheet"].isin([getattr(layout.sheets, s.lower()) for s in sheets])]
    bad = [
        f"{s}!{c} ({q}): LibreOffice {wv[s][c].value!r}, engine {v!r}"
        for s, c, q, v in zip(
            rows["sheet"], rows["cell"], rows["quantity"], rows["value"], strict=True
        )
        if not isinstance(wv[s][c].value, int | float)
        or not math.isclose(wv[s][c].value, v, rel_tol=1e-9, abs_tol=1e-12)
    ]
    assert not bad, f"{len(bad)} cells differ: " + "; ".join(bad[:5])
    return len(rows)


@pytest.mark.libreoffice
@pytest.mark.parametrize("mode", ['"online"', "2"])
def test_momentum_workbook_is_live_in_libreoffice(tmp_path: Path, mode: str) -> None:
    text = BIPOLAR.format(epochs=2, extra=f"momentum = 0.7\nmode = {mode}\nround = 6")
    spec = loads_spec(text)
    layout = make_layout(spec)
    # Δ refers to μ on Setup and to the previous update's Δ
    online = mode == '"online"'
    later = layout.sample_row(1, 1) if online else layout.update_row(1, 1)
    prev = layout.sample_row(1, 0) if online else layout.update_row(1, 0)
    dw = layout.ref("dw", 1, 0, 0)
    src = tmp_path / "f.xlsx"
    write_trace_workbook(run(spec), src, layout)
    formula = openpyxl.load_workbook(src)["Steps"][f"{dw}{later + 1}"].value
    assert formula.endswith(f"+Setup!$B$5*{dw}{prev + 1},6)")
    assert _lo_disagreements(spec, tmp_path, "same") > 100

    # change μ on Setup: the whole trace follows, as nnsheet computes it for that μ
    def edit(wb, lay):
        wb[lay.sheets.setup]["B5"] = 0.3

    other = loads_spec(text.replace("momentum = 0.7", "momentum = 0.3"))
    _lo_disagreements(spec, tmp_path, "edited", edit=edit, want=other)


# --------------------------------------------------------------------------- Indonesian
@pytest.mark.parametrize("example", ["fausett", "course", "mazur", "bipolar-momentum"])
def test_indonesian_workbooks_have_no_english_loss(tmp_path: Path, example: str) -> None:
    if example == "bipolar-momentum":
        path = tmp_path / "b.toml"
        path.write_text(BIPOLAR.format(epochs=3, extra="momentum = 0.5\ntarget_loss = 0.001"))
        example = str(path)
    out = tmp_path / "id.xlsx"
    assert main(["trace", example, "-o", str(out), "--lang", "id", "-q"]) == 0
    texts = [
        c.value
        for ws in openpyxl.load_workbook(out).worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and not c.value.startswith("=")
    ]
    # spec keywords quoted as such may stay: loss = "mse", target_loss, half_sse …
    english = [
        t
        for t in texts
        if re.search(r"\bloss\b", re.sub(r'loss = "\w+"|\w+_loss|\w*_sse', "", t), re.I)
    ]
    assert not english, english[:3]
    assert any("fungsi galat" in t for t in texts)


# --------------------------------------------------------------------------- Siang
def test_siang_xor_gives_the_books_published_values() -> None:
    """J.J. Siang's XOR 2-3-1 (α = 0.2, pattern (1, 1) → 0) at 2 decimals, as printed in the
    book: z = 0.55, 0.67, 0.52; y = 0.44; δ_k = −0.11."""
    trace = run(load_example("siang-xor"))
    rec = trace.steps[0].samples[0]
    assert rec.a[0].tolist() == [0.55, 0.67, 0.52]
    assert rec.a[1].tolist() == [0.44]
    assert rec.delta[1].tolist() == [-0.11]
    assert load_example("siang-xor").notation == "siang"


def test_siang_notation_names_the_receiving_unit_first(tmp_path: Path) -> None:
    spec = load_example("siang-xor")
    layout = make_layout(spec, "id")
    nt = layout.notation
    # v12: into z1 from x2; w13: into y1 from z3; biases v10, w10
    assert nt.symbol("w", 1, 0, 1) == "v12" and nt.symbol("w", 2, 0, 2) == "w13"
    assert nt.symbol("b", 1, 2) == "v30" and nt.symbol("b", 2, 0) == "w10"
    assert [nt.symbol("z", 1, 0), nt.symbol("z", 2, 0)] == ["z_net1", "y_net1"]
    assert nt.symbol("err", 1, 1) == "δ_net2" and nt.symbol("fprime", 1, 0) == "f'(z_net1)"
    assert nt.symbol("dw", 1, 0, 1) == "Δv12" and nt.symbol("delta", 2, 0) == "δ_k1"
    out = tmp_path / "s.xlsx"
    write_trace_workbook(run(spec), out, layout)
    setup = openpyxl.load_workbook(out)[layout.sheets.setup]
    rows = [[c.value for c in row if c.value is not None] for row in setup.iter_rows()]
    # his table: rows x1, x2, then 1 for the bias; columns z1, z2, z3
    i = rows.index(["Dari \\ Ke", "ke z1", "ke z2", "ke z3"])
    assert rows[i + 1 : i + 4] == [
        ["dari x1", 0.2, 0.3, -0.1],
        ["dari x2", 0.3, 0.1, -0.1],
        ["dari 1 (bias)", -0.3, 0.3, 0.3],
    ]
    # the Setup cell of v12 (into z1 from x2) holds 0.3, and Steps reads it there
    r, c = layout.setup_cell("w", 1, 0, 1)
    assert setup.cell(r + 1, c + 1).value == 0.3


def test_siang_preset_is_fausetts_with_siangs_notation() -> None:
    a = run(load_example("siang-xor"))
    b = run(load_example("siang-xor", {"preset": "fausett"}))
    assert load_example("siang-xor", {"preset": "fausett"}).notation == "fausett"
    for x, y in zip(
        a.steps[0].w_new + a.steps[0].b_new, b.steps[0].w_new + b.steps[0].b_new, strict=True
    ):
        np.testing.assert_array_equal(x, y)


# --------------------------------------------------------------------------- the book's columns
@pytest.mark.parametrize(
    ("preset", "book"), [("fausett", True), ("siang", True), ("course", False)]
)
def test_the_books_presets_have_no_gradient_band_and_no_output_err(preset: str, book: bool) -> None:
    spec = load_example("siang-xor", {"preset": preset})
    table = run(spec).table(make_layout(spec))
    qs = set(table["quantity"])
    assert ({"grad_w", "grad_b"} <= qs) is not book
    out_err = table[(table["quantity"] == "err") & (table["layer"] == 2)]
    assert out_err.empty is book
    assert {"dw", "db", "delta", "e", "err"} <= qs  # hidden err (δ_net / δ_in) stays


def test_the_books_change_is_alpha_delta_input_in_one_formula(tmp_path: Path) -> None:
    spec = load_example("siang-xor")
    layout = make_layout(spec)
    out = tmp_path / "s.xlsx"
    write_trace_workbook(run(spec), out, layout)
    steps = openpyxl.load_workbook(out)["Steps"]
    d, x = layout.ref("delta", 1, 0), layout.ref("x", 0, 1)
    assert steps[f"{layout.ref('dw', 1, 0, 1)}3"].value == f"=ROUND(learning_rate*{d}3*{x}3,2)"
    e, f = layout.ref("e", 2, 0), layout.ref("fprime", 2, 0)
    assert steps[f"{layout.ref('delta', 2, 0)}3"].value == f"=ROUND({e}3*{f}3,2)"
    # the book rounds α·δ·x once: Δw11 = 0.2·(−0.11)·0.55 = −0.0121 → −0.01, w11 = 0.49
    st = run(spec).steps[0]
    assert st.dw[1].tolist() == [[-0.01, -0.01, -0.01]] and st.w_new[1][0, 0] == 0.49
    assert st.db[1].tolist() == [-0.02] and st.b_new[1].tolist() == [-0.12]


# --------------------------------------------------------------------------- Nguyen–Widrow
NW = NW_XOR.format(training="epochs = 2\nmomentum = 0.5")


def test_nguyen_widrow_draws_and_rescales_as_the_book_says() -> None:
    spec = loads_spec(NW)
    # the draws in the documented order, from numpy directly: layer 1 weights then biases, …
    rng = np.random.default_rng(3)
    beta = 0.7 * 3 ** (1 / 2)  # p = 3 hidden units, n = 2 inputs
    old = rng.uniform(-0.5, 0.5, (3, 2))
    b1 = rng.uniform(-beta, beta, 3)
    w2, b2 = rng.uniform(-0.5, 0.5, (1, 3)), rng.uniform(-0.5, 0.5, 1)
    norms = np.array([np.sqrt(old[j, 0] ** 2 + old[j, 1] ** 2) for j in range(3)])  # per unit
    np.testing.assert_allclose(spec.layers[0].weights, beta * old / norms[:, None], rtol=1e-15)
    np.testing.assert_array_equal(spec.layers[0].biases, b1)
    np.testing.assert_array_equal(spec.layers[1].weights, w2)
    np.testing.assert_array_equal(spec.layers[1].biases, b2)
    np.testing.assert_array_equal(spec.nw_draws[0], old)
    # every rescaled unit has norm β (not the whole matrix)
    np.testing.assert_allclose(np.linalg.norm(spec.layers[0].weights, axis=1), beta)


def test_nguyen_widrow_work_on_setup_from_the_drawn_table(tmp_path: Path) -> None:
    spec = loads_spec(NW)
    layout = make_layout(spec)
    out = tmp_path / "nw.xlsx"
    write_trace_workbook(run(spec), out, layout)
    setup = openpyxl.load_workbook(out)["Setup"]
    st = layout.setup
    drawn = np.array(
        [[setup.cell(*(x + 1 for x in st.draw(1, j, i))).value for i in range(2)] for j in range(3)]
    )
    # computed here from the table the workbook shows
    beta = 0.7 * 3**0.5
    want = beta * drawn / np.sqrt((drawn**2).sum(axis=1))[:, None]
    np.testing.assert_allclose(want, spec.layers[0].weights, rtol=1e-14)
    r, c = st.w(1, 2, 1)
    assert setup.cell(r + 1, c + 1).value.startswith("=$B$")  # a live formula training starts from
    r, c = st.norm(1, 0)
    assert setup.cell(r + 1, c + 1).value.startswith("=SQRT(SUMPRODUCT(")


@pytest.mark.parametrize(
    "text",
    [NW.replace('method = "nguyen-widrow"', 'method = "nguyen"'), NW.replace("seed = 3", "mu = 3")],
)
def test_init_method_is_checked(text: str) -> None:
    with pytest.raises(SpecError, match=r"^nw\.toml: init\.(method|mu)"):
        loads_spec(text, "nw.toml")


@pytest.mark.libreoffice
def test_nguyen_widrow_bipolar_momentum_workbook_recalculates(tmp_path: Path) -> None:
    spec = loads_spec(NW)
    assert _lo_disagreements(spec, tmp_path, "nw", sheets=("Setup", "Steps", "Epochs")) > 200


# --------------------------------------------------------------------------- the bipolar example
def test_bipolar_example_says_how_many_epochs_each_variant_takes() -> None:
    """The example's comment compares the epochs to E ≤ 0.05 with and without momentum and
    Nguyen–Widrow, as the books do; each number is what training that variant gives."""
    text = example_path("bipolar").read_text(encoding="utf-8")
    table = {
        m.group(1).strip(): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(
            r"^#   (Nguyen–Widrow|acak seragam \S+ \S+)\s+(\d+)\s+(\d+)$", text, re.M
        )
    }
    assert set(table) == {"Nguyen–Widrow", "acak seragam [−0,5; 0,5]"}
    got = {}
    for name, method in (
        ("Nguyen–Widrow", "nguyen-widrow"),
        ("acak seragam [−0,5; 0,5]", "uniform"),
    ):
        row = []
        for mu in ("0.9", "0.0"):
            variant = text.replace("momentum = 0.9", f"momentum = {mu}").replace(
                'method = "nguyen-widrow"', f'method = "{method}"'
            )
            last = run(loads_spec(variant)).epochs[-1]
            assert last.reached and last.loss <= 0.05
            row.append(last.epoch)
        got[name] = tuple(row)
    assert got == table
    # momentum and Nguyen–Widrow each shorten training, together the most
    assert got["Nguyen–Widrow"][0] < min(
        got["Nguyen–Widrow"][1], got["acak seragam [−0,5; 0,5]"][0]
    )


def test_guide_explains_momentum_target_and_nguyen_widrow() -> None:
    spec = load_example("bipolar")
    for lang, words in (
        ("en", ("Momentum μ = 0.9", "Δw11(t+1) = +α·δ_k1·z1 + μ·Δw11(t)", "target_loss = 0.05")),
        ("id", ("Momentum μ = 0,9", "Δw11(t+1) = +α·δ_k1·z1 + μ·Δw11(t)", "target_loss = 0,05")),
    ):
        text = " ".join(line for _, line in guide_lines(spec, notation_for(spec, lang), "v", 1000))
        assert all(w in text for w in words), (lang, text)
        assert "Nguyen–Widrow" in text


def test_nguyen_widrow_exercise_round_trips_and_grades(tmp_path: Path, capsys) -> None:
    """The exercise embeds its spec as TOML; with Nguyen–Widrow it keeps the draws' seed, so
    the grader rebuilds the same Setup (draws, norms, β) and the same answer cells."""
    spec = loads_spec(NW)
    again = loads_spec(spec_to_toml(spec))
    for a, b in zip(spec.layers, again.layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.biases, b.biases)
    np.testing.assert_array_equal(again.nw_draws[0], spec.nw_draws[0])
    path = tmp_path / "nw.toml"
    path.write_text(NW.replace("epochs = 2", "epochs = 1"))
    exercise = tmp_path / "ex.xlsx"
    assert main(["template", str(path), "-o", str(exercise)]) == 0
    # the exercise filled with the trace's own values is all correct (addresses and values both
    # from the table: this checks that grading finds the cells, not the numbers)
    one = loads_spec(path.read_text())
    table = run(one).table(make_layout(one))
    wb = openpyxl.load_workbook(exercise)
    answers = table[table["sheet"].isin(("Steps", "Epochs"))]
    for sheet, cell, value in zip(answers["sheet"], answers["cell"], answers["value"], strict=True):
        if wb[sheet][cell].value is None:
            wb[sheet][cell] = float(value)
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    capsys.readouterr()
    assert main(["check", str(filled)]) == 0, capsys.readouterr().out
