"""The engine's numbers, checked against numbers from outside the code under test.

Expected values come from Matt Mazur's published figures (tests/reference, a copy of the
project's shared/reference, and the built-in ``mazur`` example), from central finite
differences, from independent re-implementations written here with plain Python loops or numpy,
and from hand-rounded arithmetic in :mod:`decimal`.
"""

from __future__ import annotations

import math
import re
import warnings
import zlib
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import numpy as np
import pytest

from nnsheet import TrainingError, load_example, load_spec, loads_spec, run
from nnsheet.core.ops import ACTIVATIONS, LOSSES
from nnsheet.core.rounding import round_array, xround
from nnsheet.core.specfile import parse_spec

#: the published reference (a copy of ../shared/reference, so the tests run from any clone)
REFERENCE = Path(__file__).parent / "reference"
SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
MAZUR_TOML = REFERENCE / "mazur-2-2-2.toml"
MAZUR_MD = REFERENCE / "mazur-2-2-2.md"


def test_reference_copy_matches_the_shared_reference():
    """tests/reference is a verbatim copy of ../shared/reference (checked where that exists)."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip("no ../shared/reference beside this clone")
    for f in REFERENCE.iterdir():
        assert f.read_bytes() == (SHARED_REFERENCE / f.name).read_bytes(), f.name


# --------------------------------------------------------------------------- independent helpers
def np_act(name: str, z: np.ndarray) -> np.ndarray:
    """Activations written out again, independently of nnsheet.core.ops."""
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "linear":
        return z
    raise ValueError(name)


def np_loss(name: str, t: np.ndarray, y: np.ndarray) -> float:
    """Per-sample losses of design.md §1, written out again."""
    e = t - y
    if name == "mse":
        return float(np.sum(e * e) / e.size)
    if name == "half_sse":
        return float(0.5 * np.sum(e * e))
    if name == "sse":
        return float(np.sum(e * e))
    raise ValueError(name)


def np_forward(ws, bs, acts, x):
    a = np.asarray(x, dtype=np.float64)
    for w, b, f in zip(ws, bs, acts, strict=True):
        a = np_act(f, w @ a + b)
    return a


def mean_loss(ws, bs, acts, loss, xs, ts) -> float:
    total = sum(np_loss(loss, t, np_forward(ws, bs, acts, x)) for x, t in zip(xs, ts, strict=True))
    return total / len(xs)


def fd_grad(ws, bs, acts, loss, xs, ts, h=1e-5):
    """Central finite differences of the mean per-sample loss over (xs, ts)."""
    ws = [np.array(w, dtype=np.float64) for w in ws]
    bs = [np.array(b, dtype=np.float64) for b in bs]
    gws, gbs = [], []
    for params, grads in ((ws, gws), (bs, gbs)):
        for p in params:
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + h
                up = mean_loss(ws, bs, acts, loss, xs, ts)
                p[idx] = old - h
                down = mean_loss(ws, bs, acts, loss, xs, ts)
                p[idx] = old
                g[idx] = (up - down) / (2 * h)
            grads.append(g)
    return gws, gbs


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)
    return float(np.linalg.norm(a - b) / denom)


def make_doc(ws, bs, acts, X, T, **training):
    return {
        "title": "test network",
        "inputs": int(np.asarray(X).shape[1]),
        "layer": [
            {
                "size": int(np.asarray(w).shape[0]),
                "activation": f,
                "weights": np.asarray(w, dtype=float).tolist(),
                "biases": np.asarray(b, dtype=float).tolist(),
            }
            for w, b, f in zip(ws, bs, acts, strict=True)
        ],
        "training": dict(training),
        "data": {
            "inputs": np.asarray(X, dtype=float).tolist(),
            "targets": np.asarray(T, dtype=float).tolist(),
        },
    }


def random_net(rng, sizes, low=-1.0, high=1.0):
    ws = [rng.uniform(low, high, (sizes[i + 1], sizes[i])) for i in range(len(sizes) - 1)]
    bs = [rng.uniform(low, high, sizes[i + 1]) for i in range(len(sizes) - 1)]
    return ws, bs


# --------------------------------------------------------------------------- Mazur's figures
def _mazur_rows() -> list[tuple[str, str]]:
    rows = []
    for line in MAZUR_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"-?\d+\.\d+", cells[2]):
            rows.append((cells[0], cells[2]))
    return rows


MAZUR_ROWS = _mazur_rows()


def test_mazur_reference_table_parsed():
    # The reference page has 24 published figures; all of them are tested below.
    assert len(MAZUR_ROWS) == 24


def _mazur_value(quantity: str, trace) -> float:
    step = trace.steps[0]
    s = step.samples[0]
    if quantity == "loss":
        return s.loss
    m = re.fullmatch(r"½·e(\d)²", quantity)
    if m:
        return 0.5 * float(s.e[int(m.group(1)) - 1]) ** 2
    m = re.fullmatch(r"(\w+)\[(\d)\]\[(\d)(?:,(\d))?\]", quantity)
    assert m, quantity
    name, layer, j, i = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
    if name == "w_new":
        return float(step.w_new[layer - 1][j - 1, int(i) - 1])
    arr = getattr(s, name)[layer - 1]
    return float(arr[j - 1] if i is None else arr[j - 1, int(i) - 1])


@pytest.fixture(scope="module", params=["reference", "builtin"])
def mazur_trace(request):
    spec = load_spec(MAZUR_TOML) if request.param == "reference" else load_example("mazur")
    return run(spec)


@pytest.mark.parametrize(("quantity", "published"), MAZUR_ROWS, ids=[q for q, _ in MAZUR_ROWS])
def test_mazur_published_figure(mazur_trace, quantity, published):
    decimals = len(published.split(".")[1])
    tol = 0.5 * 10.0**-decimals + 1e-15
    got = _mazur_value(quantity, mazur_trace)
    assert abs(got - float(published)) <= tol, f"{quantity}: {got!r} vs published {published}"


def test_mazur_loss_after_one_update(mazur_trace):
    step = mazur_trace.steps[0]
    s = step.samples[0]
    # biases are not updated (preset mazur)
    for b_new, b in zip(step.b_new, s.b, strict=True):
        np.testing.assert_array_equal(b_new, b)
    y = np_forward(step.w_new, step.b_new, ["sigmoid", "sigmoid"], s.x)
    assert abs(np_loss("half_sse", s.t, y) - 0.291027774) <= 0.5e-9


@pytest.mark.parametrize("source", ["reference", "builtin"])
def test_mazur_after_10000_updates(source):
    ov = {"epochs": 10000}
    spec = load_spec(MAZUR_TOML, ov) if source == "reference" else load_example("mazur", ov)
    trace = run(spec)
    assert len(trace.steps) == 10000
    w, b = trace.final_weights
    y = np_forward(w, b, ["sigmoid", "sigmoid"], spec.inputs[0])
    assert abs(np_loss("half_sse", spec.targets[0], y) - 3.5101878e-05) <= 0.5e-12
    assert abs(y[0] - 0.0159136204) <= 0.5e-10
    assert abs(y[1] - 0.9840642735) <= 0.5e-10


# --------------------------------------------------------------------------- gradient rule vs FD
SMOOTH = ("sigmoid", "tanh", "linear")
LOSS_NAMES = ("mse", "half_sse", "sse")
MODES = ("online", "batch", 2)


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize("act", SMOOTH)
@pytest.mark.parametrize("n_hidden", [1, 2, 3])
def test_gradient_rule_matches_finite_differences(n_hidden, act, loss, mode):
    seed = zlib.crc32(f"{n_hidden}-{act}-{loss}-{mode}".encode())
    rng = np.random.default_rng(seed)
    sizes = [3, *[int(rng.integers(2, 5)) for _ in range(n_hidden)], 2]
    ws, bs = random_net(rng, sizes)
    acts = [act] * (len(sizes) - 1)
    n = 5
    X = rng.uniform(-1, 1, (n, sizes[0]))
    T = rng.uniform(0, 1, (n, sizes[-1]))
    lr = 0.05
    doc = make_doc(
        ws,
        bs,
        acts,
        X,
        T,
        rule="gradient",
        loss=loss,
        mode=mode,
        learning_rate=lr,
        epochs=2,
        update_biases=True,
    )
    trace = run(parse_spec(doc, "fd"))
    batch = {"online": 1, "batch": n, 2: 2}[mode]
    assert len(trace.steps) == 2 * math.ceil(n / batch)
    for step in trace.steps:
        recs = step.samples
        w_in_use, b_in_use = recs[0].w, recs[0].b
        xs = [r.x for r in recs]
        ts = [r.t for r in recs]
        gw, gb = fd_grad(w_in_use, b_in_use, acts, loss, xs, ts)
        for li in range(len(acts)):
            # the applied change is -lr times the gradient of the mean per-sample loss
            assert rel_err(step.dw[li], -lr * gw[li]) < 1e-6, (step.step, li)
            assert rel_err(step.db[li], -lr * gb[li]) < 1e-6, (step.step, li)
            np.testing.assert_allclose(step.w_new[li], w_in_use[li] + step.dw[li], atol=1e-15)
            np.testing.assert_allclose(step.b_new[li], b_in_use[li] + step.db[li], atol=1e-15)
        # each sample's own grad_w is the gradient of its own loss
        for r in recs:
            gw1, gb1 = fd_grad(r.w, r.b, acts, loss, [r.x], [r.t])
            for li in range(len(acts)):
                assert rel_err(r.grad_w[li], gw1[li]) < 1e-6
                assert rel_err(r.grad_b[li], gb1[li]) < 1e-6
            want = np_loss(loss, r.t, np_forward(r.w, r.b, acts, r.x))
            assert r.loss == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_gradient_rule_mixed_activations_finite_differences():
    rng = np.random.default_rng(7)
    sizes = [2, 4, 3, 3]
    acts = ["tanh", "linear", "sigmoid"]
    ws, bs = random_net(rng, sizes)
    X = rng.uniform(-2, 2, (3, 2))
    T = rng.uniform(0, 1, (3, 3))
    trace = run(
        parse_spec(
            make_doc(
                ws, bs, acts, X, T, rule="gradient", loss="sse", learning_rate=0.1, mode="batch"
            ),
            "mixed",
        )
    )
    step = trace.steps[0]
    gw, gb = fd_grad(ws, bs, acts, "sse", X, T)
    for li in range(3):
        assert rel_err(step.dw[li], -0.1 * gw[li]) < 1e-6
        assert rel_err(step.db[li], -0.1 * gb[li]) < 1e-6


def test_finite_difference_check_can_fail():
    """The FD comparison above detects a wrong gradient (not a tautology)."""
    rng = np.random.default_rng(3)
    ws, bs = random_net(rng, [2, 3, 1])
    acts = ["sigmoid", "sigmoid"]
    X, T = rng.uniform(-1, 1, (1, 2)), np.array([[0.3]])
    gw, _ = fd_grad(ws, bs, acts, "mse", X, T)
    # the error rule (a different update) is not the exact gradient for the hidden layer
    trace = run(
        parse_spec(
            make_doc(ws, bs, acts, X, T, rule="error", loss="half_sse", learning_rate=1.0), "err"
        )
    )
    assert rel_err(trace.steps[0].dw[0], -gw[0]) > 1e-3


# --------------------------------------------------------------------------- the error rule
def _sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def error_rule_reference(ws, bs, X, T, lr, epochs, hidden="transpose", update_biases=True):
    """design.md §2 `error` rule with sigmoid layers, written with explicit loops over floats.

    Returns the weights and biases after every step (online, data order)."""
    W = [[list(map(float, row)) for row in w] for w in ws]
    B = [list(map(float, b)) for b in bs]
    L = len(W)
    history = []
    for _ in range(epochs):
        for x, t in zip(X, T, strict=True):
            outs = [list(map(float, x))]
            for li in range(L):
                a_prev = outs[-1]
                outs.append(
                    [
                        _sig(sum(W[li][j][i] * a_prev[i] for i in range(len(a_prev))) + B[li][j])
                        for j in range(len(W[li]))
                    ]
                )
            y = outs[-1]
            err = [[] for _ in range(L)]
            err[L - 1] = [float(t[k]) - y[k] for k in range(len(y))]  # e = t - y'
            for li in range(L - 2, -1, -1):
                nxt = W[li + 1]
                err[li] = []
                for i in range(len(W[li])):
                    s = 0.0
                    for j in range(len(nxt)):
                        if hidden == "transpose":
                            s += nxt[j][i] * err[li + 1][j]
                        else:
                            denom = sum(nxt[j][m] for m in range(len(nxt[j])))
                            s += nxt[j][i] / denom * err[li + 1][j]
                    err[li].append(s)
            delta = [
                [err[li][j] * outs[li + 1][j] * (1.0 - outs[li + 1][j]) for j in range(len(W[li]))]
                for li in range(L)
            ]
            # every layer's update uses the pre-update weights (err was computed above)
            for li in range(L):
                for j in range(len(W[li])):
                    for i in range(len(W[li][j])):
                        W[li][j][i] += lr * delta[li][j] * outs[li][i]
                    if update_biases:
                        B[li][j] += lr * delta[li][j]
            history.append(([np.array(w) for w in W], [np.array(b) for b in B]))
    return history


AND_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
AND_T = [[0.0], [0.0], [0.0], [1.0]]


@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_error_rule_2_5_1_and_online(loss):
    rng = np.random.default_rng(2025)
    ws, bs = random_net(rng, [2, 5, 1])
    doc = make_doc(
        ws,
        bs,
        ["sigmoid", "sigmoid"],
        AND_X,
        AND_T,
        rule="error",
        loss=loss,
        learning_rate=0.7,
        epochs=4,
        mode="online",
    )
    trace = run(parse_spec(doc, "and251"))
    ref = error_rule_reference(ws, bs, AND_X, AND_T, 0.7, 4)
    assert len(trace.steps) == len(ref) == 16
    for step, (w_ref, b_ref) in zip(trace.steps, ref, strict=True):
        for li in range(2):
            np.testing.assert_allclose(step.w_new[li], w_ref[li], rtol=0, atol=1e-12)
            np.testing.assert_allclose(step.b_new[li], b_ref[li], rtol=0, atol=1e-12)
        # the output error is e = t - y' whatever the loss
        s = step.samples[0]
        np.testing.assert_allclose(s.err[1], s.t - s.a[1], rtol=0, atol=1e-15)


def test_error_rule_default_is_course_preset():
    rng = np.random.default_rng(11)
    ws, bs = random_net(rng, [2, 5, 1])
    doc = make_doc(ws, bs, ["sigmoid", "sigmoid"], AND_X, AND_T, learning_rate=0.5, epochs=2)
    trace = run(parse_spec(doc, "course-default"))
    ref = error_rule_reference(ws, bs, AND_X, AND_T, 0.5, 2)
    for step, (w_ref, b_ref) in zip(trace.steps, ref, strict=True):
        for li in range(2):
            np.testing.assert_allclose(step.w_new[li], w_ref[li], rtol=0, atol=1e-12)
            np.testing.assert_allclose(step.b_new[li], b_ref[li], rtol=0, atol=1e-12)


@pytest.mark.parametrize("sizes", [[2, 5, 1], [3, 4, 3, 2]], ids=["2-5-1", "3-4-3-2"])
def test_error_rule_proportional(sizes):
    rng = np.random.default_rng(99)
    ws, bs = random_net(rng, sizes, low=0.1, high=1.0)  # positive: no zero denominators
    X = rng.uniform(0, 1, (4, sizes[0]))
    T = rng.integers(0, 2, (4, sizes[-1])).astype(float)
    acts = ["sigmoid"] * (len(sizes) - 1)
    doc = make_doc(
        ws, bs, acts, X, T, rule="error", hidden_error="proportional", learning_rate=0.5, epochs=3
    )
    trace = run(parse_spec(doc, "prop"))
    ref = error_rule_reference(ws, bs, X, T, 0.5, 3, hidden="proportional")
    for step, (w_ref, b_ref) in zip(trace.steps, ref, strict=True):
        for li in range(len(acts)):
            np.testing.assert_allclose(step.w_new[li], w_ref[li], rtol=0, atol=1e-12)
            np.testing.assert_allclose(step.b_new[li], b_ref[li], rtol=0, atol=1e-12)
    # and it is really different from the transpose split
    ref_t = error_rule_reference(ws, bs, X, T, 0.5, 3, hidden="transpose")
    assert np.max(np.abs(ref_t[-1][0][0] - trace.steps[-1].w_new[0])) > 1e-6


def test_error_rule_proportional_first_step_by_hand():
    # 1 input, 2 hidden, 1 output; output weights 1 and 3 -> shares 1/4 and 3/4 of e.
    doc = make_doc(
        [[[0.0], [0.0]], [[1.0, 3.0]]],
        [[0.0, 0.0], [0.0]],
        ["sigmoid", "sigmoid"],
        [[1.0]],
        [[1.0]],
        rule="error",
        hidden_error="proportional",
        learning_rate=1.0,
    )
    s = run(parse_spec(doc, "hand")).steps[0].samples[0]
    y = _sig(1 * 0.5 + 3 * 0.5)
    e = 1.0 - y
    np.testing.assert_allclose(s.err[0], [0.25 * e, 0.75 * e], rtol=0, atol=1e-15)


def test_proportional_zero_denominator_is_a_clear_error():
    doc = make_doc(
        [[[0.2, 0.1], [0.3, 0.4]], [[0.5, -0.5]]],
        [[0.0, 0.0], [0.0]],
        ["sigmoid", "sigmoid"],
        AND_X,
        AND_T,
        rule="error",
        hidden_error="proportional",
    )
    spec = parse_spec(doc, "zero")
    with pytest.raises(TrainingError) as info:
        run(spec)
    msg = str(info.value)
    assert "\n" not in msg
    assert "neuron 1" in msg and "layer 2" in msg
    assert "nan" not in msg.lower()


# --------------------------------------------------------------------------- modes and biases
def _weights_history(trace):
    return [([w.copy() for w in st.w_new], [b.copy() for b in st.b_new]) for st in trace.steps]


@pytest.mark.parametrize("rule", ["gradient", "error"])
def test_batch_with_one_sample_equals_online(rule):
    rng = np.random.default_rng(5)
    ws, bs = random_net(rng, [3, 4, 2])
    X, T = rng.uniform(-1, 1, (1, 3)), rng.uniform(0, 1, (1, 2))
    acts = ["sigmoid", "tanh"]
    online = run(parse_spec(make_doc(ws, bs, acts, X, T, rule=rule, mode="online", epochs=5), "a"))
    batch = run(parse_spec(make_doc(ws, bs, acts, X, T, rule=rule, mode="batch", epochs=5), "b"))
    assert len(online.steps) == len(batch.steps) == 5
    for (w1, b1), (w2, b2) in zip(_weights_history(online), _weights_history(batch), strict=True):
        for li in range(2):
            np.testing.assert_allclose(w1[li], w2[li], rtol=0, atol=1e-15)
            np.testing.assert_allclose(b1[li], b2[li], rtol=0, atol=1e-15)
    # and something actually changed
    assert np.max(np.abs(online.steps[-1].w_new[0] - ws[0])) > 1e-4


def test_minibatch_of_n_equals_batch():
    rng = np.random.default_rng(6)
    ws, bs = random_net(rng, [2, 3, 2])
    X, T = rng.uniform(-1, 1, (4, 2)), rng.uniform(0, 1, (4, 2))
    acts = ["sigmoid", "sigmoid"]
    batch = run(parse_spec(make_doc(ws, bs, acts, X, T, mode="batch", epochs=3), "b"))
    mini = run(parse_spec(make_doc(ws, bs, acts, X, T, mode=4, epochs=3), "m"))
    online = run(parse_spec(make_doc(ws, bs, acts, X, T, mode="online", epochs=3), "o"))
    assert len(batch.steps) == len(mini.steps) == 3
    assert len(online.steps) == 12
    for (w1, b1), (w2, b2) in zip(_weights_history(batch), _weights_history(mini), strict=True):
        for li in range(2):
            np.testing.assert_allclose(w1[li], w2[li], rtol=0, atol=1e-15)
            np.testing.assert_allclose(b1[li], b2[li], rtol=0, atol=1e-15)
    assert np.max(np.abs(online.steps[-1].w_new[0] - batch.steps[-1].w_new[0])) > 1e-6


def test_batch_applies_mean_of_per_sample_changes():
    rng = np.random.default_rng(8)
    ws, bs = random_net(rng, [2, 3, 1])
    X, T = rng.uniform(-1, 1, (5, 2)), rng.uniform(0, 1, (5, 1))
    trace = run(parse_spec(make_doc(ws, bs, ["sigmoid"] * 2, X, T, mode=2, epochs=1), "m"))
    assert [len(st.samples) for st in trace.steps] == [2, 2, 1]
    assert [[r.sample for r in st.samples] for st in trace.steps] == [[1, 2], [3, 4], [5]]
    for st in trace.steps:
        for li in range(2):
            mean = sum(r.dw[li] for r in st.samples) / len(st.samples)
            np.testing.assert_allclose(st.dw[li], mean, rtol=0, atol=1e-15)
            for r in st.samples:  # every sample of a batch uses the same weights
                np.testing.assert_array_equal(r.w[li], st.samples[0].w[li])


@pytest.mark.parametrize("mode", ["online", "batch", 2], ids=str)
@pytest.mark.parametrize("rule", ["gradient", "error"])
def test_update_biases_false_keeps_biases(rule, mode):
    rng = np.random.default_rng(9)
    ws, bs = random_net(rng, [2, 3, 2])
    X, T = rng.uniform(-1, 1, (3, 2)), rng.uniform(0, 1, (3, 2))
    doc = make_doc(
        ws, bs, ["sigmoid"] * 2, X, T, rule=rule, mode=mode, epochs=3, update_biases=False
    )
    trace = run(parse_spec(doc, "nobias"))
    for st in trace.steps:
        assert st.db is None
        for li in range(2):
            np.testing.assert_array_equal(st.b_new[li], bs[li])
    assert np.max(np.abs(trace.steps[-1].w_new[0] - ws[0])) > 1e-6


def test_step_perceptron_learns_and_within_10_epochs():
    spec = load_example("and")
    assert spec.epochs <= 10
    assert spec.layers[0].activation == "step" and spec.n_layers == 1
    trace = run(spec)
    (w,), (b,) = trace.final_weights
    for x, t in zip(AND_X, AND_T, strict=True):
        z = w[0, 0] * x[0] + w[0, 1] * x[1] + b[0]
        assert (1.0 if z >= 0 else 0.0) == t[0], (x, z)
    # the last epoch classifies all four samples correctly
    assert trace.epochs[-1].accuracy == 1.0


def test_step_perceptron_rule_by_hand():
    # w += lr·(t - y)·x with f' taken as 1, from zero weights
    spec = load_example("and")
    trace = run(spec)
    w, b = [0.0, 0.0], 0.0
    lr = spec.learning_rate
    for st in trace.steps:
        x, t = st.samples[0].x, st.samples[0].t[0]
        y = 1.0 if w[0] * x[0] + w[1] * x[1] + b >= 0 else 0.0
        w = [w[0] + lr * (t - y) * x[0], w[1] + lr * (t - y) * x[1]]
        b = b + lr * (t - y)
        np.testing.assert_allclose(st.w_new[0][0], w, rtol=0, atol=1e-12)
        assert abs(st.b_new[0][0] - b) < 1e-12


def test_epoch_loss_and_accuracy():
    rng = np.random.default_rng(12)
    ws, bs = random_net(rng, [2, 3, 1])
    acts = ["sigmoid", "sigmoid"]
    trace = run(
        parse_spec(
            make_doc(ws, bs, acts, AND_X, AND_T, rule="gradient", epochs=2, loss="half_sse"), "ep"
        )
    )
    for ep in trace.epochs:
        steps = [st for st in trace.steps if st.epoch == ep.epoch]
        losses = [
            np_loss("half_sse", r.t, np_forward(r.w, r.b, acts, r.x))
            for st in steps
            for r in st.samples
        ]
        assert abs(ep.loss - sum(losses) / 4) < 1e-14
        correct = [
            all((np_forward(r.w, r.b, acts, r.x) >= 0.5) == (r.t == 1))
            for st in steps
            for r in st.samples
        ]
        assert ep.accuracy == sum(correct) / 4


def test_accuracy_of_one_hot_targets_is_argmax():
    """Class labels (one 1 per target row, several outputs): a sample is correct when its
    target class has the largest output, even when no output reaches 0.5."""
    rng = np.random.default_rng(21)
    ws, bs = random_net(rng, [2, 3, 3])
    acts = ["sigmoid", "sigmoid"]
    X = rng.uniform(-1, 1, (6, 2))
    T = np.eye(3)[[0, 1, 2, 2, 1, 0]]
    trace = run(parse_spec(make_doc(ws, bs, acts, X, T, rule="gradient", epochs=3), "onehot"))
    assert trace.spec.one_hot_targets
    for ep in trace.epochs:
        recs = [r for st in trace.steps if st.epoch == ep.epoch for r in st.samples]
        hits = [int(np.argmax(np_forward(r.w, r.b, acts, r.x)) == np.argmax(r.t)) for r in recs]
        assert [r.correct for r in recs] == hits
        assert ep.accuracy == sum(hits) / len(hits)
    # multi-label 0/1 targets (a row with two 1s) keep the per-output 0.5 threshold
    T2 = T.copy()
    T2[0] = [1.0, 1.0, 0.0]
    spec2 = parse_spec(make_doc(ws, bs, acts, X, T2, rule="gradient", epochs=1), "multi")
    assert spec2.binary_targets and not spec2.one_hot_targets
    for st in run(spec2).steps:
        for r in st.samples:
            y = np_forward(r.w, r.b, acts, r.x)
            assert r.correct == int(all((y >= 0.5) == (r.t == 1)))


# --------------------------------------------------------------------------- rounding
@pytest.mark.parametrize(
    ("x", "d", "want"),
    [
        (2.675, 2, 2.68),
        (-2.675, 2, -2.68),
        (1.005, 2, 1.01),
        (-1.005, 2, -1.01),
        (0.5, 0, 1.0),
        (-0.5, 0, -1.0),
        (1.5, 0, 2.0),
        (2.5, 0, 3.0),
        (-2.5, 0, -3.0),
        (0.125, 2, 0.13),
        (0.00005, 4, 0.0001),
        (-0.00005, 4, -0.0001),
        (0.00004999, 4, 0.0),
        (1.2345, 3, 1.235),
        (123.456, 1, 123.5),
        (0.0, 3, 0.0),
    ],
)
def test_xround_spreadsheet_semantics(x, d, want):
    assert xround(x, d) == want


def test_xround_differs_from_python_round():
    assert round(2.675, 2) == 2.67  # Python: binary value below the half
    assert xround(2.675, 2) == 2.68
    np.testing.assert_array_equal(round_array(np.array([2.675, -0.125]), 2), [2.68, -0.13])


D4 = Decimal("0.0001")


def _q(v: Decimal) -> Decimal:
    return v.quantize(D4, rounding=ROUND_HALF_UP)


def _dsig(z: Decimal) -> Decimal:
    return Decimal(1) / (Decimal(1) + (-z).exp())


def hand_rounded_error_rule(W, B, X, T, lr, epochs, mode):
    """A learner with a calculator: every value rounded to 4 decimals, half away from zero.

    Sigmoid layers, rule error (transpose), loss mse; online or full batch."""
    W = [[[Decimal(v) for v in row] for row in w] for w in W]
    B = [[Decimal(v) for v in b] for b in B]
    X = [[Decimal(v) for v in x] for x in X]
    T = [[Decimal(v) for v in t] for t in T]
    lr = Decimal(lr)
    L = len(W)
    records = []  # per sample: dict of values; per step: new weights
    steps = []
    n = len(X)
    batches = [[s] for s in range(n)] if mode == "online" else [list(range(n))]
    with localcontext() as ctx:
        ctx.prec = 40
        for _ in range(epochs):
            for batch in batches:
                dws, dbs = [], []
                for s in batch:
                    outs, zs = [X[s]], []
                    for li in range(L):
                        z = [
                            _q(
                                sum(W[li][j][i] * outs[-1][i] for i in range(len(outs[-1])))
                                + B[li][j]
                            )
                            for j in range(len(W[li]))
                        ]
                        zs.append(z)
                        outs.append([_q(_dsig(v)) for v in z])
                    y = outs[-1]
                    e = [_q(T[s][k] - y[k]) for k in range(len(y))]
                    loss = _q(sum(v * v for v in e) / len(e))
                    err = [None] * L
                    err[L - 1] = e
                    for li in range(L - 2, -1, -1):
                        nxt = W[li + 1]
                        err[li] = [
                            _q(sum(nxt[j][i] * err[li + 1][j] for j in range(len(nxt))))
                            for i in range(len(W[li]))
                        ]
                    fp = [[_q(a * (1 - a)) for a in outs[li + 1]] for li in range(L)]
                    delta = [
                        [_q(err[li][j] * fp[li][j]) for j in range(len(W[li]))] for li in range(L)
                    ]
                    gw = [
                        [
                            [_q(delta[li][j] * outs[li][i]) for i in range(len(W[li][j]))]
                            for j in range(len(W[li]))
                        ]
                        for li in range(L)
                    ]
                    dw = [[[_q(lr * g) for g in row] for row in gw[li]] for li in range(L)]
                    db = [[_q(lr * d) for d in delta[li]] for li in range(L)]
                    dws.append(dw)
                    dbs.append(db)
                    records.append(
                        dict(
                            z=zs,
                            a=outs[1:],
                            e=e,
                            loss=loss,
                            err=err,
                            fprime=fp,
                            delta=delta,
                            grad_w=gw,
                            dw=dw,
                            db=db,
                        )
                    )
                m = Decimal(len(batch))
                DW = [
                    [
                        [_q(sum(d[li][j][i] for d in dws) / m) for i in range(len(W[li][j]))]
                        for j in range(len(W[li]))
                    ]
                    for li in range(L)
                ]
                DB = [
                    [_q(sum(d[li][j] for d in dbs) / m) for j in range(len(W[li]))]
                    for li in range(L)
                ]
                W = [
                    [
                        [_q(W[li][j][i] + DW[li][j][i]) for i in range(len(W[li][j]))]
                        for j in range(len(W[li]))
                    ]
                    for li in range(L)
                ]
                B = [[_q(B[li][j] + DB[li][j]) for j in range(len(W[li]))] for li in range(L)]
                steps.append((W, B))
    return records, steps


def _as_float(nested):
    if isinstance(nested, Decimal):
        return float(nested)
    return [_as_float(v) for v in nested]


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_round_4_reproduces_hand_rounded_arithmetic(mode):
    W = [[["0.15", "-0.2"], ["0.35", "0.1"]], [["0.45", "-0.3"]]]
    B = [["0.1", "-0.05"], ["0.2"]]
    X = [["0.5", "1"], ["1", "0.25"]]
    T = [["1"], ["0"]]
    records, steps = hand_rounded_error_rule(W, B, X, T, "0.5", 2, mode)
    doc = {
        "inputs": 2,
        "layer": [
            {
                "size": 2,
                "activation": "sigmoid",
                "weights": _as_float([[Decimal(v) for v in r] for r in W[0]]),
                "biases": [float(v) for v in B[0]],
            },
            {
                "size": 1,
                "activation": "sigmoid",
                "weights": [[float(v) for v in W[1][0]]],
                "biases": [float(v) for v in B[1]],
            },
        ],
        "training": {
            "learning_rate": 0.5,
            "epochs": 2,
            "mode": mode,
            "rule": "error",
            "loss": "mse",
            "round": 4,
        },
        "data": {
            "inputs": [[float(v) for v in x] for x in X],
            "targets": [[float(v) for v in t] for t in T],
        },
    }
    trace = run(parse_spec(doc, "round4"))
    samples = [r for st in trace.steps for r in st.samples]
    assert len(samples) == len(records) == 4
    for got, want in zip(samples, records, strict=True):
        for name in ("z", "a", "err", "fprime", "delta", "grad_w", "dw", "db"):
            for li in range(2):
                np.testing.assert_array_equal(
                    np.asarray(getattr(got, name)[li]),
                    np.asarray(_as_float(want[name][li])),
                    err_msg=name,
                )
        np.testing.assert_array_equal(got.e, _as_float(want["e"]))
        assert got.loss == float(want["loss"])
    assert len(trace.steps) == len(steps)
    for st, (w_want, b_want) in zip(trace.steps, steps, strict=True):
        for li in range(2):
            np.testing.assert_array_equal(st.w_new[li], np.asarray(_as_float(w_want[li])))
            np.testing.assert_array_equal(st.b_new[li], np.asarray(_as_float(b_want[li])))


def test_round_4_hand_arithmetic_has_half_ties():
    """The hand-rounded case above exercises the half-away-from-zero rule: with lr = 0.5 some
    weight changes land exactly on a half unit of the 4th decimal."""
    W = [[["0.15", "-0.2"], ["0.35", "0.1"]], [["0.45", "-0.3"]]]
    B = [["0.1", "-0.05"], ["0.2"]]
    X = [["0.5", "1"], ["1", "0.25"]]
    T = [["1"], ["0"]]
    records, _ = hand_rounded_error_rule(W, B, X, T, "0.5", 2, "online")
    ties = 0
    for r in records:
        for li in range(2):
            for row in r["grad_w"][li]:
                for g in row:
                    raw = Decimal("0.5") * g
                    ties += raw != raw.quantize(Decimal("0.0001")) and (raw * 20000) % 2 == 1
    assert ties > 0


# --------------------------------------------------------------------------- activations, losses
def test_sigmoid_stable_for_large_z():
    z = np.array([1e4, -1e4, 800.0, -800.0, 0.0])
    f = ACTIVATIONS["sigmoid"]
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        a = f.value(z)
        d = f.deriv(z, a)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))
    np.testing.assert_array_equal(a, [1.0, 0.0, 1.0, 0.0, 0.5])
    np.testing.assert_array_equal(d, [0.0, 0.0, 0.0, 0.0, 0.25])


def test_engine_with_sigmoid_at_1e4_has_no_warning_or_nan():
    doc = make_doc(
        [[[1e4], [-1e4]], [[1.0, 1.0]]],
        [[0.0, 0.0], [0.0]],
        ["sigmoid", "sigmoid"],
        [[1.0]],
        [[1.0]],
        rule="gradient",
    )
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = run(parse_spec(doc, "big"))
    s = trace.steps[0].samples[0]
    np.testing.assert_array_equal(s.z[0], [1e4, -1e4])
    np.testing.assert_array_equal(s.a[0], [1.0, 0.0])
    assert abs(s.a[1][0] - 1.0 / (1.0 + math.exp(-1.0))) < 1e-15
    for st in trace.steps:
        for arr in (*st.w_new, *st.b_new):
            assert np.all(np.isfinite(arr))


def test_tanh_large_z():
    with np.errstate(all="raise"):
        a = ACTIVATIONS["tanh"].value(np.array([1e4, -1e4]))
    np.testing.assert_array_equal(a, [1.0, -1.0])


def test_loss_definitions():
    t = np.array([1.0, 0.0, 0.5])
    y = np.array([0.0, 2.0, -2.5])
    e = t - y  # [1, -2, 3]: squares 1, 4, 9
    assert LOSSES["mse"].value(e) == pytest.approx(14.0 / 3.0, abs=1e-15)
    assert LOSSES["half_sse"].value(e) == pytest.approx(7.0, abs=1e-15)
    assert LOSSES["sse"].value(e) == pytest.approx(14.0, abs=1e-15)
    # dL/dy' by central differences in y'
    for name in LOSS_NAMES:
        g = LOSSES[name].grad(e)
        fd = np.zeros(3)
        for k in range(3):
            up, down = y.copy(), y.copy()
            up[k] += 1e-6
            down[k] -= 1e-6
            fd[k] = (np_loss(name, t, up) - np_loss(name, t, down)) / 2e-6
        np.testing.assert_allclose(g, fd, rtol=1e-7, atol=1e-9)


def test_relu_and_step_definitions():
    z = np.array([-1.0, 0.0, 2.0])
    relu, step = ACTIVATIONS["relu"], ACTIVATIONS["step"]
    a = relu.value(z)
    np.testing.assert_array_equal(a, [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(relu.deriv(z, a), [0.0, 0.0, 1.0])  # relu'(0) = 0
    a = step.value(z)
    np.testing.assert_array_equal(a, [0.0, 1.0, 1.0])  # step(0) = 1
    np.testing.assert_array_equal(step.deriv(z, a), [1.0, 1.0, 1.0])  # f' taken as 1


def test_relu_and_step_in_the_engine_at_zero():
    # z = 0 exactly for both hidden neurons: relu'(0) = 0 and step(0) = 1
    doc = make_doc(
        [[[0.0, 0.0], [1.0, -1.0]], [[1.0, 1.0]]],
        [[0.0, 0.0], [0.0]],
        ["relu", "step"],
        [[1.0, 1.0]],
        [[0.0]],
        rule="gradient",
        loss="half_sse",
    )
    s = run(parse_spec(doc, "zero")).steps[0].samples[0]
    np.testing.assert_array_equal(s.z[0], [0.0, 0.0])
    np.testing.assert_array_equal(s.fprime[0], [0.0, 0.0])
    np.testing.assert_array_equal(s.a[1], [1.0])
    np.testing.assert_array_equal(s.fprime[1], [1.0])
    np.testing.assert_array_equal(s.grad_w[0], np.zeros((2, 2)))


def test_loads_spec_text_runs_like_the_file():
    text = MAZUR_TOML.read_text(encoding="utf-8")
    a = run(loads_spec(text, "mazur.toml")).steps[0]
    b = run(load_spec(MAZUR_TOML)).steps[0]
    for li in range(2):
        np.testing.assert_array_equal(a.w_new[li], b.w_new[li])
