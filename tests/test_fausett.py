"""Issue 11 (tool issue 11), parts 1–2: ``preset = "fausett"`` and ``weights_from``.

Fausett's generalized delta rule in his own signs, checked three ways: against an independent
implementation written here with plain Python loops (no numpy, none of the engine's code), against
the exact-gradient rule (same updates, opposite err/δ/∂ columns), and against the numbers of a
small Fausett-style homework worked by hand (XOR 2-3-1, the first pattern, α = 0.2).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.errors import SpecError
from nnsheet.core.specfile import loads_spec, spec_to_toml

# The homework: XOR with 2 inputs, 3 hidden units, 1 output, the book's weight tables
# (rows = sending unit), biases updated, α = 0.2, the first pattern x = (1, 1), t = 0.
XOR_231 = """\
title = "XOR 2-3-1, Fausett"
preset = "fausett"

[[layer]]
size = 3
weights_from = [[0.2, 0.3, -0.1],    # from x1 to z1, z2, z3
                [0.3, 0.1, -0.1]]    # from x2
biases = [-0.3, 0.3, 0.3]            # v01, v02, v03

[[layer]]
size = 1
weights_from = [[0.5], [-0.3], [-0.4]]   # from z1, z2, z3 to y1
biases = [-0.1]                          # w01

[training]
learning_rate = 0.2

[data]
inputs = [[1.0, 1.0]]
targets = [[0.0]]
"""

# Several patterns, two outputs, several epochs: the general case for the loop comparison.
NET_232 = """\
title = "2-3-2, Fausett, 3 epochs"
preset = "fausett"
[[layer]]
size = 3
weights_from = [[0.15, -0.25, 0.4], [0.35, 0.2, -0.45]]
biases = [0.1, -0.1, 0.2]
[[layer]]
size = 2
weights_from = [[0.3, -0.2], [-0.5, 0.45], [0.25, 0.6]]
biases = [0.05, -0.15]
[training]
learning_rate = 0.4
epochs = 3
[data]
inputs = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.2, 0.7]]
targets = [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
"""


def f(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def fausett_loops(
    v: list[list[float]],
    v0: list[float],
    w: list[list[float]],
    w0: list[float],
    xs: list[list[float]],
    ts: list[list[float]],
    alpha: float,
    epochs: int,
) -> list[dict]:
    """Fausett's backpropagation (Fundamentals of Neural Networks, §6.1.2, steps 3–8), one
    pattern at a time, with his indices: v[i][j] from x_i to z_j, w[j][k] from z_j to y_k.
    Returns what each step computed, with the weights after it."""
    n, p, m = len(v), len(v0), len(w0)
    v = [row[:] for row in v]
    w = [row[:] for row in w]
    v0, w0 = v0[:], w0[:]
    out = []
    for _ in range(epochs):
        for x, t in zip(xs, ts, strict=True):
            # feedforward (steps 3–5)
            z_in = [v0[j] + sum(x[i] * v[i][j] for i in range(n)) for j in range(p)]
            z = [f(a) for a in z_in]
            y_in = [w0[k] + sum(z[j] * w[j][k] for j in range(p)) for k in range(m)]
            y = [f(a) for a in y_in]
            # backpropagation of error (steps 6–7), weights as they were before this step
            d_k = [(t[k] - y[k]) * y[k] * (1 - y[k]) for k in range(m)]
            dw = [[alpha * d_k[k] * z[j] for k in range(m)] for j in range(p)]
            dw0 = [alpha * d_k[k] for k in range(m)]
            d_in = [sum(d_k[k] * w[j][k] for k in range(m)) for j in range(p)]
            d_j = [d_in[j] * z[j] * (1 - z[j]) for j in range(p)]
            dv = [[alpha * d_j[j] * x[i] for j in range(p)] for i in range(n)]
            dv0 = [alpha * d_j[j] for j in range(p)]
            # update weights and biases (step 8)
            for j in range(p):
                for k in range(m):
                    w[j][k] += dw[j][k]
            for k in range(m):
                w0[k] += dw0[k]
            for i in range(n):
                for j in range(p):
                    v[i][j] += dv[i][j]
            for j in range(p):
                v0[j] += dv0[j]
            out.append(
                {
                    "z_in": z_in,
                    "z": z,
                    "y_in": y_in,
                    "y": y,
                    "d_k": d_k,
                    "d_in": d_in,
                    "d_j": d_j,
                    "dw": dw,
                    "dw0": dw0,
                    "dv": dv,
                    "dv0": dv0,
                    "E": 0.5 * sum((t[k] - y[k]) ** 2 for k in range(m)),
                    "v": [r[:] for r in v],
                    "v0": v0[:],
                    "w": [r[:] for r in w],
                    "w0": w0[:],
                }
            )
    return out


def _loops_for(text: str) -> list[dict]:
    import tomllib

    doc = tomllib.loads(text)
    h, o = doc["layer"]
    return fausett_loops(
        h["weights_from"],
        h["biases"],
        o["weights_from"],
        o["biases"],
        doc["data"]["inputs"],
        doc["data"]["targets"],
        doc["training"]["learning_rate"],
        doc["training"].get("epochs", 1),
    )


def _close(a: object, b: object) -> None:
    np.testing.assert_allclose(
        np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("text", [XOR_231, NET_232], ids=["xor-2-3-1", "2-3-2-3-epochs"])
def test_fausett_preset_equals_an_independent_loop_implementation(text: str) -> None:
    spec = loads_spec(text)
    assert (
        spec.rule,
        spec.hidden_error,
        spec.loss,
        spec.mode,
        spec.update_biases,
        spec.notation,
    ) == ("error", "delta", "half_sse", "online", True, "fausett")
    trace = run(spec)
    book = _loops_for(text)
    assert len(trace.steps) == len(book)
    for st, b in zip(trace.steps, book, strict=True):
        s = st.samples[0]
        _close(s.z[0], b["z_in"])
        _close(s.a[0], b["z"])
        _close(s.z[1], b["y_in"])
        _close(s.a[1], b["y"])
        _close(s.loss, b["E"])
        _close(s.err[1], np.array(s.t) - s.a[1])  # err_k = t_k − y_k, Fausett's sign
        _close(s.delta[1], b["d_k"])
        _close(s.err[0], b["d_in"])  # δ_in_j
        _close(s.delta[0], b["d_j"])
        # the engine stores W as (receiving, sending): Fausett's tables transposed
        _close(s.dw[1].T, b["dw"])
        _close(s.db[1], b["dw0"])
        _close(s.dw[0].T, b["dv"])
        _close(s.db[0], b["dv0"])
        _close(s.grad_w[1].T, np.array(b["dw"]) / spec.learning_rate)  # ∂ = δ·input, + sign
        _close(st.w_new[1].T, b["w"])
        _close(st.b_new[1], b["w0"])
        _close(st.w_new[0].T, b["v"])
        _close(st.b_new[0], b["v0"])


def test_fausett_updates_equal_the_gradient_rule_with_opposite_signs() -> None:
    fa = run(loads_spec(NET_232))
    gr = run(
        loads_spec(
            NET_232.replace(
                'preset = "fausett"', 'preset = "gradient"\nnotation = "fausett"'
            ).replace("epochs = 3", 'epochs = 3\nloss = "half_sse"')
        )
    )
    assert gr.spec.rule == "gradient" and gr.spec.loss == "half_sse"
    for a, b in zip(fa.steps, gr.steps, strict=True):
        for q in ("w_new", "b_new", "dw", "db"):
            for x, y in zip(getattr(a, q), getattr(b, q), strict=True):
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)
        sa, sb = a.samples[0], b.samples[0]
        for q in ("err", "delta", "grad_w", "grad_b"):
            for x, y in zip(getattr(sa, q), getattr(sb, q), strict=True):
                np.testing.assert_allclose(x, -y, rtol=1e-12, atol=1e-15)
                assert np.any(x != 0)
        # δ is positive when the output is too small
        assert np.all(np.sign(sa.delta[1]) == np.sign(sa.t - sa.a[1]))


def test_xor_homework_by_hand() -> None:
    """The homework's numbers, worked with a calculator as the book does (4 decimals here)."""
    s = run(loads_spec(XOR_231)).steps[0]
    r = s.samples[0]
    # z_in1 = −0.3 + 1·0.2 + 1·0.3 = 0.2, z_in2 = 0.3 + 0.3 + 0.1 = 0.7, z_in3 = 0.3 − 0.1 − 0.1
    assert r.z[0] == pytest.approx([0.2, 0.7, 0.1], abs=1e-12)
    # z_j = 1/(1+e^−z_in): 0.5498, 0.6682, 0.5250
    assert r.a[0] == pytest.approx([0.5498, 0.6682, 0.5250], abs=5e-5)
    # y_in = −0.1 + 0.549834·0.5 − 0.668188·0.3 − 0.524979·0.4 = −0.2355; y = 0.4414
    assert r.z[1][0] == pytest.approx(-0.2355, abs=5e-5)
    assert r.a[1][0] == pytest.approx(0.4414, abs=5e-5)
    # δ_k = (0 − 0.4414)·0.4414·(1 − 0.4414) = −0.1088 (negative: the output is too large)
    assert r.delta[1][0] == pytest.approx(-0.1088, abs=5e-5)
    # δ_in_j = δ_k·w_j1: −0.0544, 0.0326, 0.0435; δ_j = δ_in_j·z_j(1 − z_j)
    assert r.err[0] == pytest.approx([-0.0544, 0.0326, 0.0435], abs=5e-5)
    assert r.delta[0] == pytest.approx([-0.0135, 0.0072, 0.0109], abs=5e-5)
    # Δw_j1 = α·δ_k·z_j = 0.2·(−0.1088)·z_j: −0.0120, −0.0145, −0.0114; Δw01 = −0.0218
    assert s.dw[1][0] == pytest.approx([-0.0120, -0.0145, -0.0114], abs=5e-5)
    assert s.db[1][0] == pytest.approx(-0.0218, abs=5e-5)
    # Δv_ij = α·δ_j·x_i (x = 1, 1): −0.0027, 0.0014, 0.0022 for both inputs; Δv0j the same
    assert s.dw[0].T == pytest.approx(np.array([[-0.0027, 0.0014, 0.0022]] * 2), abs=5e-5)
    # new weights: w_j1 = 0.4880, −0.3145, −0.4114; w01 = −0.1218; v1j = 0.1973, 0.3014, −0.0978
    assert s.w_new[1][0] == pytest.approx([0.4880, -0.3145, -0.4114], abs=5e-5)
    assert s.b_new[1][0] == pytest.approx(-0.1218, abs=5e-5)
    assert s.w_new[0][:, 0] == pytest.approx([0.1973, 0.3014, -0.0978], abs=5e-5)
    assert s.b_new[0] == pytest.approx([-0.3027, 0.3014, 0.3022], abs=5e-5)
    assert r.loss == pytest.approx(0.5 * 0.4414**2, abs=5e-5)  # E = ½(t − y)² = 0.0974


# --------------------------------------------------------------------------- weights_from
def test_weights_from_is_the_transpose_of_weights() -> None:
    a = loads_spec(XOR_231)
    b = loads_spec(
        XOR_231.replace(
            "weights_from = [[0.2, 0.3, -0.1],    # from x1 to z1, z2, z3\n"
            "                [0.3, 0.1, -0.1]]    # from x2",
            "weights = [[0.2, 0.3], [0.3, 0.1], [-0.1, -0.1]]",
        )
    )
    np.testing.assert_array_equal(a.layers[0].weights, b.layers[0].weights)
    assert a.layers[0].weights[1, 0] == 0.3  # into z2 from x1 = the book's v12
    assert a.given == ((True, True), (True, True))


def test_spec_to_toml_round_trips_weights_from() -> None:
    a = loads_spec(XOR_231)
    b = loads_spec(spec_to_toml(a))
    for la, lb in zip(a.layers, b.layers, strict=True):
        np.testing.assert_array_equal(la.weights, lb.weights)
        np.testing.assert_array_equal(la.biases, lb.biases)
    assert (b.preset, b.notation, b.rule, b.hidden_error) == (
        "fausett",
        "fausett",
        "error",
        "delta",
    )


def _cli_error(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> str:
    spec = tmp_path / "hw.toml"
    spec.write_text(text, encoding="utf-8")
    before = spec.read_bytes()
    assert main(["trace", str(spec), "-o", str(tmp_path / "out.xlsx")]) == 2
    assert spec.read_bytes() == before
    assert not (tmp_path / "out.xlsx").exists()
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"nnsheet: error: {spec}: ")
    return err


def test_both_weights_and_weights_from_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    err = _cli_error(
        tmp_path,
        XOR_231.replace("biases = [-0.1]", "biases = [-0.1]\nweights = [[0.5, -0.3, -0.4]]"),
        capsys,
    )
    assert (
        "layer[2]: give weights (row j = the weights into neuron j) or weights_from (row i = "
        "the weights out of sending unit i), not both" in err
    )


def test_weights_from_of_the_wrong_shape_names_key_and_orientation(tmp_path: Path, capsys) -> None:
    # the output layer's table typed as one row (the course's orientation) under weights_from
    err = _cli_error(
        tmp_path,
        XOR_231.replace(
            "weights_from = [[0.5], [-0.3], [-0.4]]", "weights_from = [[0.5, -0.3, -0.4]]"
        ),
        capsys,
    )
    assert (
        "layer[2].weights_from: expected 3 rows of 1 number, got 1×3 (weights_from: row i = "
        "the weights out of sending unit i, one column per receiving neuron" in err
    )


def test_weights_of_the_wrong_shape_points_to_weights_from(tmp_path: Path, capsys) -> None:
    # the book's table typed under weights: 2 rows of 3 where 3 rows of 2 are expected
    err = _cli_error(
        tmp_path,
        XOR_231.replace("weights_from = [[0.2, 0.3, -0.1],", "weights = [[0.2, 0.3, -0.1],"),
        capsys,
    )
    assert (
        "layer[1].weights: expected 3 rows of 2 numbers, got 2×3 (weights: row j = the "
        "weights into neuron j of this layer"
        in err
        and "use weights_from" in err
    )


def test_weights_from_is_refused_as_text(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"layer\[1\]\.weights_from: expected 2 rows of 3"):
        loads_spec(
            XOR_231.replace(
                "weights_from = [[0.2, 0.3, -0.1],    # from x1 to z1, z2, "
                "z3\n                [0.3, 0.1, -0.1]]    # from x2",
                'weights_from = "0.2 0.3"',
            )
        )


@pytest.mark.libreoffice
def test_fausett_preset_workbook_recalculates_in_libreoffice(tmp_path: Path) -> None:
    """The hidden error from the deltas under the error rule, in an Indonesian workbook whose
    formulas read Inisialisasi and Langkah: LibreOffice recalculates it (cached values stripped
    by an openpyxl re-save) to the engine's numbers."""
    import openpyxl
    from lo import recalc

    from nnsheet.output.workbook import make_layout, write_trace_workbook

    spec = loads_spec(NET_232)
    layout = make_layout(spec, "id")
    trace = run(spec)
    src = tmp_path / "src.xlsx"
    write_trace_workbook(trace, src, layout)
    bare = tmp_path / "bare" / "fausett.xlsx"
    bare.parent.mkdir()
    openpyxl.load_workbook(src).save(bare)  # formulas kept, cached values gone
    wv = openpyxl.load_workbook(recalc(bare, tmp_path / "out"), data_only=True)
    table = trace.table(layout)
    rows = table[table["sheet"].isin(("Langkah", "Epoch"))]
    bad = [
        (s, c, wv[s][c].value, v)
        for s, c, v in zip(rows["sheet"], rows["cell"], rows["value"], strict=True)
        if not isinstance(wv[s][c].value, int | float)
        or not math.isclose(wv[s][c].value, v, rel_tol=1e-9, abs_tol=1e-12)
    ]
    assert not bad, bad[:5]
    assert len(rows) > 500
