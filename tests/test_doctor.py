"""``nnsheet doctor`` (issue 25): findings, their evidence cells, the reruns that prove the
advice, the JSON, the report workbook, and ``trace``'s note.

Expected numbers come from outside the doctor: independent NumPy training loops written here
(the course's error rule and the exact gradient, DESIGN §2), the trace workbook that ``nnsheet
trace`` writes for the same spec, and hand-made specs whose problem is known by construction.
"""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from nnsheet.cli import main
from nnsheet.core.examples import load_example
from nnsheet.core.specfile import load_spec
from nnsheet.doctor.diagnose import diagnose
from nnsheet.doctor.findings import vanishing
from nnsheet.doctor.variants import VARIANTS
from nnsheet.doctor.watch import watch


def doctor(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["doctor", *args])
    out, err = capsys.readouterr()
    return status, out, err


def doctor_json(capsys, *args: str) -> tuple[int, list[dict]]:
    status, out, _ = doctor(capsys, *args, "--json")
    return status, json.loads(out)


def spec_file(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------------ independent training loops
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def train_2layer(W1, b1, W2, b2, X, T, lr, epochs, rule):
    """A 2-layer sigmoid network trained online; rule "error" (the course's: raw errors sent
    back, Δ = +lr·δ·a) or "gradient" (mse's exact gradient, Δ = −lr·∂). Returns epoch losses
    and accuracies (every output thresholded at 0.5 equals its target)."""
    W1, b1, W2, b2 = (np.array(a, dtype=float) for a in (W1, b1, W2, b2))
    losses, accs = [], []
    for _ in range(epochs):
        total, right = 0.0, 0
        for x, t in zip(np.asarray(X, float), np.asarray(T, float), strict=True):
            h = sigmoid(W1 @ x + b1)
            y = sigmoid(W2 @ h + b2)
            e = t - y
            total += float(np.mean(e * e))
            right += int(np.all((y >= 0.5) == (t == 1)))
            if rule == "error":
                d2 = e * y * (1 - y)
                d1 = (W2.T @ e) * h * (1 - h)
                s = 1.0
            else:
                d2 = (-2.0 / e.size) * e * y * (1 - y)
                d1 = (W2.T @ d2) * h * (1 - h)
                s = -1.0
            W2, b2 = W2 + s * lr * np.outer(d2, h), b2 + s * lr * d2
            W1, b1 = W1 + s * lr * np.outer(d1, x), b1 + s * lr * d1
        losses.append(total / len(X))
        accs.append(right / len(X))
    return losses, accs


def first_at_or_below(losses, target):
    return next((k for k, v in enumerate(losses, 1) if v <= target), None)


# ------------------------------------------------------------------ healthy examples
@pytest.mark.parametrize("name", ["course", "mazur", "xor", "iris", "linreg"])
def test_healthy_examples_give_no_finding(capsys, name):
    status, found = doctor_json(capsys, name, "-q")
    assert (status, found) == (0, [])


def test_healthy_text_says_so(capsys):
    status, out, _ = doctor(capsys, "xor")
    assert status == 0
    assert out.strip() == (
        "nnsheet doctor: XOR 2-2-1: no finding in 5 epochs (final loss 0.2804, accuracy 50%)"
    )


# ------------------------------------------------------------------ sick examples
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("xor-stuck", "stuck"),
        ("lr-too-high", "lr_too_high"),
        ("unscaled", "unscaled_inputs"),
        ("symmetry", "symmetric"),
    ],
)
def test_each_sick_example_shows_its_finding(capsys, name, code):
    status, found = doctor_json(capsys, name)
    assert status == 1
    assert [f["code"] for f in found] == [code]
    f = found[0]
    assert set(f) >= {"code", "severity", "evidence", "advice", "variants"}
    for v in f["variants"]:
        assert set(v) >= {"change", "loss", "accuracy", "epoch_reached"}


def test_xor_stuck_numbers_and_its_proof_agree_with_an_independent_loop(capsys):
    spec = load_example("xor-stuck")
    X, T = spec.inputs, spec.targets
    w = [(ly.weights, ly.biases) for ly in spec.layers]
    losses, accs = train_2layer(*w[0], *w[1], X, T, 0.5, 2000, "gradient")
    assert accs[-1] == 0.5  # stuck at chance, as the example says
    assert abs(losses[-1] - losses[-401]) / losses[-401] < 0.01
    # the rerun "other random weights": [init] draws from default_rng(seed + 1), layer by
    # layer, weights then biases, uniform(-1, 1)
    rng = np.random.default_rng(spec.seed + 1)
    drawn = [rng.uniform(-1, 1, s) for s in ((2, 2), (2,), (1, 2), (1,))]
    r_losses, r_accs = train_2layer(*drawn, X, T, 0.5, 2000, "gradient")
    _, found = doctor_json(capsys, "xor-stuck")
    (f,) = found
    ev = {c["cell"]: c["value"] for e in f["evidence"] for c in e["cells"]}
    assert ev["B2002"] == pytest.approx(losses[-1], rel=1e-9)  # Epochs row of epoch 2000
    assert ev["B1602"] == pytest.approx(losses[-401], rel=1e-9)
    (rnd,) = [v for v in f["variants"] if v["variant"] == "random_init"]
    assert rnd["loss"] == pytest.approx(r_losses[-1], rel=1e-9)
    assert rnd["accuracy"] == r_accs[-1] == 1.0
    assert rnd["epoch_reached"] == first_at_or_below(r_losses, 0.01) is not None
    assert f"by epoch {rnd['epoch_reached']} " in f["proven"]


def test_lr_too_high_rises_and_reruns_agree_with_an_independent_loop(capsys):
    spec = load_example("lr-too-high")
    w = [(ly.weights, ly.biases) for ly in spec.layers]
    X, T = spec.inputs, spec.targets
    losses, _ = train_2layer(*w[0], *w[1], X, T, 30.0, 100, "error")
    rises = sum(b > a for a, b in zip(losses, losses[1:], strict=False))
    assert rises >= 99 / 3
    _, found = doctor_json(capsys, "lr-too-high")
    (f,) = found
    assert f["evidence"][0]["text"].startswith(f"the loss rose in {rises} of 99 epochs")
    for factor in (0.1, 0.3):
        lr = 30.0 * factor
        v_losses, v_accs = train_2layer(*w[0], *w[1], X, T, lr, 100, "error")
        (v,) = [v for v in f["variants"] if v["variant"] == f"lr_x{factor:g}"]
        assert v["loss"] == pytest.approx(v_losses[-1], rel=1e-9)
        assert v["accuracy"] == pytest.approx(v_accs[-1])
        assert v["epoch_reached"] == first_at_or_below(v_losses, 0.01)
    assert f["proven"].startswith("with learning_rate = 9 instead of 30 the loss falls below 0.01")


@pytest.mark.parametrize(
    "name", ["symmetry", "lr-too-high", "unscaled", "symmetry-minibatch", "unscaled-batch"]
)
def test_evidence_cells_are_where_trace_puts_them(capsys, tmp_path, name):
    """Each evidence cell, read back from the workbook `nnsheet trace` writes for the same spec,
    holds the value the doctor quotes, under the header the doctor names (online, and batch and
    mini-batch, whose new weights sit on update rows)."""
    if name.endswith("batch"):
        base, mode = name.split("-")
        text = load_example(base).source.read_text()
        mode_line = 'mode = "batch"' if mode == "batch" else "mode = 2"
        name = str(spec_file(tmp_path, text.replace("[training]", f"[training]\n{mode_line}")))
    _, found = doctor_json(capsys, name)
    out = tmp_path / "t.xlsx"
    assert main(["trace", name, "-o", str(out), "-q"]) == 0
    wb = openpyxl.load_workbook(out, data_only=True, read_only=False)
    n = 0
    for f in found:
        for ev in f["evidence"]:
            for c in ev["cells"]:
                assert c["sheet"] is not None, c
                ws = wb[c["sheet"]]
                got = ws[c["cell"]].value
                assert got == pytest.approx(c["value"], rel=1e-9, abs=1e-15), c
                if c["sheet"] == "Steps":
                    col = openpyxl.utils.cell.coordinate_from_string(c["cell"])[0]
                    assert ws[f"{col}2"].value == c["label"], c
                n += 1
    assert n >= 2


def test_evidence_in_indonesian_uses_the_indonesian_sheet_names_and_decimal_comma(capsys):
    status, out, _ = doctor(capsys, "lr-too-high", "--lang", "id")
    assert status == 1
    assert "laju pembelajaran = 9, bukan 30" in out
    assert "Langkah!X300 net O2 = -9,248" in out
    assert "Epoch!B7 galat = 0,3152" in out  # the Epochs sheet is "Epoch" in Indonesian


# ------------------------------------------------------------------ findings on hand-made specs
NET_2_2_1 = """
title = "t"
preset = "{preset}"
inputs = 2
[[layer]]
size = 2
activation = "{hidden}"
weights = [[0.3, -0.2], [0.1, 0.4]]
biases = [{b1}, {b2}]
[[layer]]
size = 1
activation = "{output}"
weights = [[0.5, -0.3]]
biases = [0.1]
[training]
learning_rate = {lr}
epochs = {epochs}
[data]
inputs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
targets = [{targets}]
"""


def net(tmp_path, **kw) -> Path:
    fields = dict(
        preset="gradient",
        hidden="sigmoid",
        output="sigmoid",
        b1=0.0,
        b2=0.0,
        lr=0.5,
        epochs=20,
        targets="[0.0], [0.0], [0.0], [1.0]",
    )
    fields.update(kw)
    return spec_file(tmp_path, NET_2_2_1.format(**fields))


def codes(capsys, path: Path) -> list[str]:
    _, found = doctor_json(capsys, str(path))
    return [f["code"] for f in found]


def test_target_out_of_range(capsys, tmp_path):
    p = net(tmp_path, targets="[-1.0], [1.0], [1.0], [-1.0]")
    _, found = doctor_json(capsys, str(p))
    assert found[0]["code"] == "target_out_of_range"
    cell = found[0]["evidence"][0]["cells"][0]
    assert (cell["sheet"], cell["quantity"], cell["value"]) == ("Setup", "t", -1.0)
    changes = [v["variant"] for v in found[0]["variants"]]
    assert changes == ["scale_targets", "output_activation"]
    assert "tanh as the output activation" in [v["change"] for v in found[0]["variants"]]


def test_linear_only(capsys, tmp_path):
    p = net(tmp_path, hidden="linear")
    _, found = doctor_json(capsys, str(p))
    assert found[0]["code"] == "linear_only"
    assert [v["variant"] for v in found[0]["variants"]] == ["hidden_sigmoid", "hidden_tanh"]


def test_dead_relu(capsys, tmp_path):
    # a bias of -5 with inputs in [0, 1] and weights below 0.5: net < 0 for every sample
    p = net(tmp_path, hidden="relu", b1=-5.0)
    _, found = doctor_json(capsys, str(p))
    f = next(f for f in found if f["code"] == "dead_relu")
    (cell,) = f["evidence"][0]["cells"]
    assert (cell["quantity"], cell["value"], cell["label"]) == ("a", 0.0, "O1")


def test_diverged_linear_regression(capsys, tmp_path):
    text = (
        load_example("linreg")
        .source.read_text()
        .replace("learning_rate = 0.01", "learning_rate = 0.2")
    )
    _, found = doctor_json(capsys, str(spec_file(tmp_path, text)))
    assert found[0]["code"] == "diverged"
    assert {v["variant"] for v in found[0]["variants"]} == {"lr_x0.1", "lr_x0.3", "normalize"}


def test_lr_too_low(capsys, tmp_path):
    text = (
        load_example("linreg")
        .source.read_text()
        .replace("learning_rate = 0.01", "learning_rate = 0.000001")
    )
    _, found = doctor_json(capsys, str(spec_file(tmp_path, text)))
    assert [f["code"] for f in found] == ["lr_too_low"]
    (v,) = found[0]["variants"]
    assert v["change"] == "learning_rate = 3e-06 instead of 1e-06"


def test_vanishing_threshold_by_hand(tmp_path):
    """A 1-1-1 network whose hidden neuron sits at net = 20: f' = σ(20)(1−σ(20)) ≈ 2.1e-9, so
    its δ is about 1e-9 of the output's (computed here by hand, not by the doctor)."""
    text = """
title = "v"
preset = "gradient"
inputs = 1
[[layer]]
size = 1
activation = "sigmoid"
weights = [[20.0]]
biases = [0.0]
[[layer]]
size = 1
activation = "sigmoid"
weights = [[1.0]]
biases = [0.0]
[training]
learning_rate = 0.1
epochs = 1
[data]
inputs = [[1.0]]
targets = [[0.0]]
"""
    run = watch(load_spec(spec_file(tmp_path, text)))
    h = sigmoid(20.0)
    y = sigmoid(h)
    d2 = -2 * (0 - y) * y * (1 - y)
    d1 = d2 * 1.0 * h * (1 - h)
    (ev,) = vanishing(run)
    assert ev.fields["ratio"] == pytest.approx(abs(d1) / abs(d2), rel=1e-9)


def test_variants_that_cannot_run_are_not_offered():
    spec = load_example("iris")  # normalised already
    assert not VARIANTS["normalize"].offered(spec)
    assert not VARIANTS["normalize"].offered(load_example("course"))  # data already in [0, 1]
    assert VARIANTS["normalize"].offered(load_example("unscaled"))


# ------------------------------------------------------------------ report workbook
@pytest.mark.parametrize(("lang", "sheet"), [("en", "Diagnosis"), ("id", "Diagnosa")])
def test_report_workbook(capsys, tmp_path, lang, sheet):
    out = tmp_path / "r.xlsx"
    status, _, err = doctor(capsys, "lr-too-high", "-o", str(out), "--lang", lang)
    assert status == 1
    assert str(out) in err
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [sheet]
    ws = wb[sheet]
    assert ws.page_setup.paperSize == 9  # A4
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "lr_too_high" in text
    assert ("Steps!X300" if lang == "en" else "Langkah!X300") in text
    with zipfile.ZipFile(out) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert chart.count("<c:ser>") == 3  # the original and its two reruns
    assert "C00000" in chart  # the original drawn in red


def test_report_for_a_healthy_run(capsys, tmp_path):
    out = tmp_path / "r.xlsx"
    status, _, _ = doctor(capsys, "course", "-o", str(out))
    assert status == 0
    ws = openpyxl.load_workbook(out)["Diagnosis"]
    assert any("No finding" in str(c.value) for row in ws.iter_rows() for c in row)


# ------------------------------------------------------------------ bad input, trace's note
@pytest.mark.parametrize(
    "args",
    [
        ["no-such-file.toml"],
        ["course", "-o", "report.csv"],
        ["course", "--epochs", "0"],
    ],
)
def test_bad_input_is_one_line_and_status_2(capsys, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    status, out, err = doctor(capsys, *args)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("nnsheet: error:")


def test_doctor_refuses_to_overwrite_its_spec(capsys, tmp_path):
    p = net(tmp_path)
    p2 = p.with_suffix(".xlsx")
    p2.write_bytes(b"keep")
    status, _, _ = doctor(capsys, str(p), "-o", str(p2))
    assert status in (0, 1)  # a different file: fine
    status, _, err = doctor(capsys, str(p), "-o", str(tmp_path / "nope" / "r.xlsx"))
    assert status == 2 and "does not exist" in err


def test_trace_names_doctor_for_a_stuck_run(capsys, tmp_path):
    capsys.readouterr()
    assert main(["trace", "xor-stuck", "-o", str(tmp_path / "a.xlsx"), "--lang", "id"]) == 0
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (
        "catatan: pelatihan macet; cari tahu sebabnya dengan: nnsheet doctor xor-stuck --lang id"
    )
    assert main(["trace", "lr-too-high", "--epochs", "100", "-o", str(tmp_path / "b.xlsx")]) == 0
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == (
        "note: the training is stuck, ended with most hidden neurons saturated; ask why with: "
        "nnsheet doctor lr-too-high --epochs 100"
    )


def test_trace_of_a_healthy_run_adds_no_note(capsys, tmp_path):
    capsys.readouterr()
    assert main(["trace", "iris", "--epochs", "3", "-o", str(tmp_path / "a.xlsx")]) == 0
    assert "doctor" not in capsys.readouterr().err


# ------------------------------------------------------------------ streaming
def _peak(spec) -> int:
    tracemalloc.start()
    try:
        diagnose(spec)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_is_flat_in_the_number_of_epochs():
    """Ten times the epochs (and reruns) must not take ten times the memory: only one float
    or two per epoch is kept, never the steps (a kept trace of 5,000 epochs is ~50 MB)."""
    base = load_example("lr-too-high")
    import dataclasses

    small = _peak(dataclasses.replace(base, epochs=200))
    big = _peak(dataclasses.replace(base, epochs=2000))
    assert big - small < 1_000_000, (small, big)


def test_unbounded_outputs_take_any_target(capsys, tmp_path):
    """A linear output produces any number: regression targets in the millions are in range."""
    text = (
        load_example("linreg")
        .source.read_text()
        .replace(
            "targets = [[16.0], [12.0], [26.0], [34.0], [24.0]]",
            "targets = [[1.6e7], [1.2e7], [2.6e7], [3.4e7], [2.4e7]]",
        )
    )
    assert "target_out_of_range" not in codes(capsys, spec_file(tmp_path, text))
    # and a ReLU output cannot produce a negative target
    p = net(tmp_path, output="relu", targets="[-1.0], [0.0], [0.0], [1.0]")
    assert codes(capsys, p)[0] == "target_out_of_range"


def test_a_training_error_other_than_divergence_is_one_line(capsys, tmp_path):
    p = net(tmp_path, preset="course").read_text()
    p = p.replace('preset = "course"', 'preset = "course"\n').replace(
        "[training]", '[training]\nhidden_error = "proportional"'
    )
    p = p.replace("weights = [[0.5, -0.3]]", "weights = [[0.5, -0.5]]")
    status, out, err = doctor(capsys, str(spec_file(tmp_path, p, "z.toml")))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "sum to zero" in err


def bipolar(z):
    with np.errstate(over="ignore"):  # e^-z = inf for z < -709: f = -1, as it should
        return 2.0 / (1.0 + np.exp(-np.asarray(z, dtype=float))) - 1.0


def test_bipolar_rerun_agrees_with_an_independent_loop(capsys):
    """A stuck sigmoid network with 0/1 targets is rerun with the bipolar sigmoid (DESIGN §11,
    written here from its definition) in both layers and targets −1/1."""
    _, found = doctor_json(capsys, "xor-stuck")
    (v,) = [v for v in found[0]["variants"] if v["variant"] == "bipolar"]
    assert v["change"] == "bipolar targets (−1/1) with a bipolar sigmoid"
    # the same network, f = bipolar sigmoid in both layers, mse gradient, targets −1/1
    spec = load_example("xor-stuck")
    (W1, b1), (W2, b2) = ((ly.weights.copy(), ly.biases.copy()) for ly in spec.layers)
    T = 2 * spec.targets - 1
    f = bipolar
    for _ in range(spec.epochs):
        total = 0.0
        for x, t in zip(spec.inputs, T, strict=True):
            h = f(W1 @ x + b1)
            y = f(W2 @ h + b2)
            e = t - y
            total += float(np.mean(e * e))
            d2 = -2.0 * e * 0.5 * (1 + y) * (1 - y)
            d1 = (W2.T @ d2) * 0.5 * (1 + h) * (1 - h)
            W2, b2 = W2 - 0.5 * np.outer(d2, h), b2 - 0.5 * d2
            W1, b1 = W1 - 0.5 * np.outer(d1, x), b1 - 0.5 * d1
    assert v["loss"] == pytest.approx(total / 4, rel=1e-9)
    assert v["accuracy"] is None  # −1/1 targets: the engine reports no accuracy


def test_momentum_rerun_agrees_with_an_independent_loop(capsys):
    """The stuck network rerun with momentum 0.9 in Fausett's form (DESIGN §11): Δ(t+1) = the
    rule's own change + μ·Δ(t), Δ(0) = 0, for every weight and bias; the gradient rule's own
    change is −η·∂ (mse)."""
    _, found = doctor_json(capsys, "xor-stuck")
    (v,) = [v for v in found[0]["variants"] if v["variant"] == "momentum"]
    spec = load_example("xor-stuck")
    params = [a.copy() for ly in spec.layers for a in (ly.weights, ly.biases)]
    prev = [np.zeros_like(a) for a in params]
    mu, lr = 0.9, 0.5
    losses, accs = [], []
    for _ in range(spec.epochs):
        total, right = 0.0, 0
        for x, t in zip(spec.inputs, spec.targets, strict=True):
            W1, b1, W2, b2 = params
            h = sigmoid(W1 @ x + b1)
            y = sigmoid(W2 @ h + b2)
            e = t - y
            total += float(np.mean(e * e))
            right += int(np.all((y >= 0.5) == (t == 1)))
            d2 = -2.0 * e * y * (1 - y)
            d1 = (W2.T @ d2) * h * (1 - h)
            grads = [np.outer(d1, x), d1, np.outer(d2, h), d2]
            prev = [-lr * g + mu * p for g, p in zip(grads, prev, strict=True)]
            params = [a + d for a, d in zip(params, prev, strict=True)]
        losses.append(total / 4)
        accs.append(right / 4)
    assert v["loss"] == pytest.approx(losses[-1], rel=1e-9)
    assert v["accuracy"] == accs[-1]
    assert v["epoch_reached"] == first_at_or_below(losses, 0.01)
    assert v["change"] == "momentum = 0.9"


def test_a_trace_too_large_for_a_spreadsheet_quotes_steps_values_without_a_cell():
    """300,000 epochs of XOR are 1.2 million Steps rows: more than a sheet holds, so `trace`
    would refuse; the doctor still quotes the value, and the Epochs sheet's cells."""
    import dataclasses

    from nnsheet.doctor.report import Where
    from nnsheet.doctor.watch import Point
    from nnsheet.output.workbook import make_layout

    spec = dataclasses.replace(load_example("xor"), epochs=300_000)
    where = Where(make_layout(spec, "en"))
    z = where.locate(Point("z", 1.5, epoch=1, sample=0, layer=1, j=0))
    assert (z.sheet, z.cell, z.label) == (None, None, "net O1")
    loss = where.locate(Point("epoch_loss", 0.2, epoch=299_999))
    assert (loss.sheet, loss.cell) == ("Epochs", "B300001")
    small = Where(make_layout(load_example("xor"), "en"))
    assert small.locate(Point("z", 1.5, epoch=1, sample=0, layer=1, j=0)).cell is not None


@pytest.mark.libreoffice
@pytest.mark.parametrize("lang", ["en", "id"])
def test_report_prints_on_a4_with_no_text_cut(capsys, tmp_path, lang):
    """LibreOffice prints the report on A4 portrait pages with the title and page numbers, and
    every line of the report — the wrapped proof sentences included — is on the pages whole."""
    from conftest import libreoffice_required, require_libreoffice
    from pdfcheck import have_poppler, is_a4, read_pages

    from nnsheet.output.pdf import export_pdf

    require_libreoffice()
    if not have_poppler():
        if libreoffice_required():
            pytest.fail("poppler (pdftotext) is not installed", pytrace=False)
        pytest.skip("poppler (pdftotext) is not installed")
    xlsx, pdf = tmp_path / "r.xlsx", tmp_path / "r.pdf"
    status, out, _ = doctor(capsys, "unscaled", "-o", str(xlsx), "--lang", lang)
    assert status == 1
    export_pdf(xlsx, pdf)
    pages = read_pages(pdf)
    assert all(is_a4(p) and p.width < p.height for p in pages)
    assert len(pages) <= 2
    page_word = "Page" if lang == "en" else "Halaman"
    for p in pages:
        assert p.text(p.footer).startswith(f"{page_word} {p.number} ")
        assert p.text(p.header).startswith("Unscaled inputs")
    printed = " ".join(p.text() for p in pages).split()
    proof = next(ln for ln in out.splitlines() if ln.strip().startswith("→"))
    words = proof.split()
    # the proof sentence is printed whole, in order
    at = [i for i, w in enumerate(printed) if w == words[0]]
    assert any(printed[i : i + len(words)] == words for i in at), proof


@pytest.mark.parametrize("name", ["hebb-and", "perceptron-and", "adaline-and"])
@pytest.mark.parametrize("lang", ["en", "id"])
def test_single_layer_examples_that_learn_give_no_finding_and_no_nan(capsys, name, lang):
    """The Hebb rule trains without a loss: the headline shows none rather than "nan"."""
    status, out, err = doctor(capsys, name, "--lang", lang)
    assert status == 0, out + err
    assert "nan" not in out.lower() and err == ""
