"""Property-based tests (hypothesis) of issue 6: random networks, data and settings, and random
corruptions of the files nnsheet reads.

Every property is derandomized (the same examples on every run, so CI is stable) and keeps a
modest ``max_examples``; run ``pytest tests/test_properties.py --hypothesis-show-statistics`` to
see how many examples each one ran.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from nnsheet.cli import main
from nnsheet.core.engine import Network, initial_weights, run
from nnsheet.core.errors import TrainingError
from nnsheet.core.examples import example_path
from nnsheet.core.ops import ACTIVATION_NAMES, ACTIVATIONS, LOSS_NAMES, RULE_NAMES
from nnsheet.core.specfile import parse_spec
from nnsheet.output.workbook import make_layout, write_trace_workbook


def _settings(n: int) -> settings:
    return settings(
        max_examples=n,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# --------------------------------------------------------------------------- random networks
W_RANGE = 5.0  # documented ranges of the properties: |w|, |b| ≤ 5, |x|, |t| ≤ 10, lr in [0, 2]
X_RANGE = 10.0


def _floats(bound: float) -> st.SearchStrategy[float]:
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False)


@st.composite
def network_docs(
    draw,
    activations=ACTIVATION_NAMES,
    rules=RULE_NAMES,
    rounding=True,
    max_epochs=3,
    w_range=W_RANGE,
    x_range=X_RANGE,
):
    """A spec document (as parsed from TOML): 1-3 computing layers of 1-4 neurons, 1-4 samples."""
    n0 = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    n = draw(st.integers(1, 4))
    layers = []
    prev = n0
    for size in sizes:
        layers.append(
            {
                "size": size,
                "activation": draw(st.sampled_from(activations)),
                "weights": [[draw(_floats(w_range)) for _ in range(prev)] for _ in range(size)],
                "biases": [draw(_floats(w_range)) for _ in range(size)],
            }
        )
        prev = size
    mode = draw(st.sampled_from(["online", "batch", *range(1, n + 1)]))
    training = {
        "learning_rate": draw(st.floats(0, 2)),
        "epochs": draw(st.integers(1, max_epochs)),
        "mode": mode,
        "rule": draw(st.sampled_from(rules)),
        "loss": draw(st.sampled_from(LOSS_NAMES)),
        "hidden_error": draw(st.sampled_from(("transpose", "proportional"))),
        "update_biases": draw(st.booleans()),
    }
    if rounding:
        r = draw(st.one_of(st.none(), st.integers(0, 6)))
        if r is not None:
            training["round"] = r
    data = {
        "inputs": [[draw(_floats(x_range)) for _ in range(n0)] for _ in range(n)],
        # targets the output activation can reach (one outside its range is refused)
        "targets": [
            [
                draw(
                    st.floats(
                        max(-x_range, ACTIVATIONS[layers[-1]["activation"]].range[0]),
                        min(x_range, ACTIVATIONS[layers[-1]["activation"]].range[1]),
                        allow_nan=False,
                        allow_infinity=False,
                    )
                )
                for _ in range(prev)
            ]
            for _ in range(n)
        ],
    }
    return {"title": "generated", "inputs": n0, "layer": layers, "training": training, "data": data}


def _all_values(trace) -> list[np.ndarray]:
    out = [*trace.w0, *trace.b0]
    for st_ in trace.steps:
        for rec in st_.samples:
            out += [
                *rec.z,
                *rec.a,
                rec.e,
                np.array([rec.loss]),
                *rec.err,
                *rec.fprime,
                *rec.delta,
                *rec.grad_w,
                *rec.grad_b,
                *rec.dw,
                *(rec.db or []),
            ]
        out += [*st_.dw, *(st_.db or []), *st_.w_new, *st_.b_new]
    for ep in trace.epochs:
        out.append(np.array([ep.loss, 0.0 if ep.accuracy is None else ep.accuracy]))
    return out


@_settings(1000)
@given(network_docs())
def test_engine_values_are_finite_for_finite_inputs(doc):
    """Finite inputs in the documented ranges give finite values everywhere, or a clear
    TrainingError (proportional rule with a zero weight sum, or a training that diverged)."""
    spec = parse_spec(doc, "generated.toml")
    try:
        with np.errstate(all="ignore"):
            trace = run(spec)
    except TrainingError as exc:
        msg = str(exc)
        assert "\n" not in msg
        assert "proportional" in msg or "diverged" in msg, msg
        event("TrainingError: " + ("proportional" if "proportional" in msg else "diverged"))
        return
    event("finite trace")
    for arr in _all_values(trace):
        assert np.all(np.isfinite(arr)), arr
    table = trace.table()
    assert np.isfinite(table["value"].to_numpy(dtype=float)).all()


# --------------------------------------------------------------------------- finite differences
def _loss_at(spec, w, b, s: int) -> float:
    net = Network(spec)
    return net.sample(1, 1, s, w, b, 0.0).loss


@_settings(400)
@given(
    network_docs(
        activations=("sigmoid", "tanh", "linear"),
        rules=("gradient",),
        rounding=False,
        max_epochs=1,
        w_range=2.0,
        x_range=2.0,
    ),
    st.data(),
)
def test_gradient_rule_matches_central_finite_differences(doc, data):
    """grad_w and grad_b of the gradient rule are the derivatives of the per-sample loss."""
    spec = parse_spec(doc, "generated.toml")
    w, b = initial_weights(spec)
    s = data.draw(st.integers(0, spec.n_samples - 1), label="sample")
    rec = Network(spec).sample(1, 1, s, w, b, spec.learning_rate)
    loss0 = rec.loss
    checked = 0
    for l in range(spec.n_layers):
        for kind in ("w", "b"):
            arr = w[l] if kind == "w" else b[l]
            grad = rec.grad_w[l] if kind == "w" else rec.grad_b[l]
            for idx in np.ndindex(arr.shape):
                h = 1e-6 * max(1.0, abs(arr[idx]))
                plus = [x.copy() for x in (w if kind == "w" else b)]
                minus = [x.copy() for x in (w if kind == "w" else b)]
                plus[l][idx] += h
                minus[l][idx] -= h
                if kind == "w":
                    lp, lm = _loss_at(spec, plus, b, s), _loss_at(spec, minus, b, s)
                else:
                    lp, lm = _loss_at(spec, w, plus, s), _loss_at(spec, w, minus, s)
                fd = (lp - lm) / (2 * h)
                g = float(grad[idx])
                # relative error < 1e-6, with an absolute floor for the rounding noise of the
                # difference quotient (about eps·|loss|/h ≈ 2e-10·|loss| with h = 1e-6)
                floor = 1e-8 * max(1.0, abs(loss0))
                assert abs(g - fd) <= 1e-6 * max(abs(g), abs(fd)) + floor, (l, kind, idx, g, fd)
                checked += 1
    assert checked > 0


# --------------------------------------------------------------------------- workbook == table
@_settings(30)
@given(network_docs(max_epochs=2))
def test_workbook_cached_values_equal_the_table(doc):
    spec = parse_spec(doc, "generated.toml")
    try:
        trace = run(spec)
    except TrainingError:
        assume(False)
    layout = make_layout(spec)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.xlsx"
        write_trace_workbook(trace, path, layout)
        table = trace.table(layout)
        wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
        try:
            n = 0
            for sheet, cell, value in zip(
                table["sheet"], table["cell"], table["value"], strict=True
            ):
                if not sheet:
                    continue
                got = wb[sheet][cell].value
                assert isinstance(got, int | float) and not isinstance(got, bool), (sheet, cell)
                assert math.isclose(got, value, rel_tol=1e-14, abs_tol=1e-300), (
                    sheet,
                    cell,
                    got,
                    value,
                )
                n += 1
            assert n == len(table)
        finally:
            wb.close()


# --------------------------------------------------------------------------- corrupted inputs
def _run_cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(argv)
    return rc, err.getvalue()


def _assert_clean_outcome(rc: int, stderr: str, allow_wrote: bool = False) -> None:
    assert rc in (0, 1, 2), rc
    assert "Traceback" not in stderr
    if rc == 2:
        lines = stderr.splitlines()
        if allow_wrote:  # `check --report` still writes its (partial) report and says so
            lines = [x for x in lines if not x.startswith("wrote ")]
        assert len(lines) == 1 and lines[0].startswith("nnsheet: error: "), stderr


VALUE_SWAPS = [
    '"text"',
    "true",
    "[]",
    "[[1, 2], [3]]",
    "{a = 1}",
    "-1",
    "0",
    "1e400",
    "nan",
    "inf",
    "-0.0",
    "99999999999999999999",
    "1979-05-27",
    '""',
    '["a", 1]',
    "3.5",
]
UNKNOWN_KEYS = [
    "colour = 1",
    "layers = 2",
    "[trainning]\nlr = 1",
    "[[layer]]\nsize = 1",
    "[data.extra]\nx = 1",
    "inputs = 2",
]


BYTE_DAMAGE = ("flip", "truncate", "delete", "insert")


def damage_bytes(
    draw,
    b: bytearray,
    kind: str,
    max_delete: int,
    inserts: st.SearchStrategy[bytes],
) -> None:
    """One corruption of ``b`` in place: flip a bit, truncate, delete up to ``max_delete``
    bytes, or insert something drawn from ``inserts``."""
    if kind == "flip" and b:
        i = draw(st.integers(0, len(b) - 1))
        b[i] ^= 1 << draw(st.integers(0, 7))
    elif kind == "truncate":
        del b[draw(st.integers(0, len(b))) :]
    elif kind == "delete" and b:
        i = draw(st.integers(0, len(b) - 1))
        del b[i : i + draw(st.integers(1, max_delete))]
    elif kind == "insert":
        i = draw(st.integers(0, len(b)))
        b[i:i] = draw(inserts)


@st.composite
def corruptions(draw, text: str) -> str:
    """A spec text after 1-3 random corruptions."""
    b = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 3), label="how many")):
        kind = draw(st.sampled_from(("flip", "truncate", "delete", "insert", "swap", "key")))
        if kind in BYTE_DAMAGE:
            damage_bytes(draw, b, kind, 20, st.binary(min_size=1, max_size=4))
        elif kind == "swap":
            s = b.decode("utf-8", "replace")
            values = list(re.finditer(r"(?m)^(\s*[\w.]+\s*=\s*)(.+)$", s))
            if values:
                m = draw(st.sampled_from(values))
                s = s[: m.start(2)] + draw(st.sampled_from(VALUE_SWAPS)) + s[m.end(2) :]
                b = bytearray(s.encode("utf-8"))
        elif kind == "key":
            s = b.decode("utf-8", "replace")
            lines = s.split("\n")
            at = draw(st.integers(0, len(lines)))
            lines.insert(at, draw(st.sampled_from(UNKNOWN_KEYS)))
            b = bytearray("\n".join(lines).encode("utf-8"))
    return bytes(b)


COURSE = example_path("course").read_text(encoding="utf-8")
XOR = example_path("xor").read_text(encoding="utf-8")
CSV_SPEC = """\
title = "csv"
[[layer]]
size = 2
activation = "tanh"
[[layer]]
size = 3
activation = "sigmoid"
[training]
learning_rate = 0.1
epochs = 2
mode = 2
[data]
csv = "small.csv"
features = ["sepal_length", "sepal_width", "petal_length"]
targets = "species"
normalize = "zscore"
"""
SMALL_CSV = """\
sepal_length,sepal_width,petal_length,species
5.1,3.5,1.4,setosa
7.0,3.2,4.7,versicolor
6.3,3.3,6.0,virginica
4.9,3.0,1.4,setosa
6.4,3.2,4.5,versicolor
5.8,2.7,5.1,virginica
"""


def _trace_files(spec_bytes: bytes, csv_bytes: bytes = SMALL_CSV.encode()) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "spec.toml").write_bytes(spec_bytes)
        (d / "small.csv").write_bytes(csv_bytes)
        rc, err = _run_cli(
            [
                "trace",
                str(d / "spec.toml"),
                "-o",
                str(d / "out.xlsx"),
                "--table",
                str(d / "out.csv"),
                "-q",
            ]
        )
        if rc == 0:
            assert (d / "out.xlsx").stat().st_size > 0 and (d / "out.csv").stat().st_size > 0
        assert (d / "spec.toml").read_bytes() == spec_bytes
        assert (d / "small.csv").read_bytes() == csv_bytes
        return rc, err


@pytest.mark.parametrize("base", [COURSE, XOR, CSV_SPEC], ids=["course", "xor", "csv"])
@_settings(200)
@given(data=st.data())
def test_corrupted_spec_ends_in_exit_0_or_2_with_one_line(base, data):
    spec = data.draw(corruptions(base), label="spec")
    rc, err = _trace_files(spec)
    event(f"exit {rc}")
    _assert_clean_outcome(rc, err)
    assert rc in (0, 2)


@st.composite
def csv_corruptions(draw) -> bytes:
    b = bytearray(SMALL_CSV.encode())
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(("flip", "truncate", "delete", "insert", "cell", "bom")))
        if kind in BYTE_DAMAGE:
            damage_bytes(
                draw,
                b,
                kind,
                30,
                st.sampled_from(
                    [
                        b",",
                        b"\n",
                        b'"',
                        b"\x00",
                        b"\r",
                        b"nan",
                        b"inf",
                        b"1e999",
                        b"=1+1",
                        b",,,,",
                        b"\xff\xfe",
                    ]
                ),
            )
        elif kind == "cell":
            s = b.decode("utf-8", "replace")
            cells = list(re.finditer(r"[^,\n]+", s))
            if cells:
                m = draw(st.sampled_from(cells))
                new = draw(
                    st.sampled_from(
                        [
                            "",
                            " ",
                            "x",
                            "NaN",
                            "-inf",
                            "1,5",
                            "0x10",
                            "1_0",
                            "١٢",
                            "=cmd|' /C calc'!A0",
                            "@SUM(A1)",
                        ]
                    )
                )
                s = s[: m.start()] + new + s[m.end() :]
                b = bytearray(s.encode("utf-8"))
        elif kind == "bom":
            b[0:0] = b"\xef\xbb\xbf"
    return bytes(b)


@_settings(300)
@given(csv_corruptions())
def test_corrupted_csv_ends_in_exit_0_or_2_with_one_line(csv_bytes):
    rc, err = _trace_files(CSV_SPEC.encode(), csv_bytes)
    event(f"exit {rc}")
    _assert_clean_outcome(rc, err)
    assert rc in (0, 2)


# --------------------------------------------------------------------------- corrupted exercises
def _filled_exercise() -> bytes:
    """The course exercise with every answer filled in from the engine (a perfect homework)."""
    from nnsheet.core.specfile import load_spec

    spec = load_spec(example_path("course"))
    table = run(spec).table(make_layout(spec))
    with tempfile.TemporaryDirectory() as tmp:
        ex = Path(tmp) / "ex.xlsx"
        assert main(["template", "-o", str(ex)]) == 0
        wb = openpyxl.load_workbook(ex)
        for sheet, cell, q, v in zip(
            table["sheet"], table["cell"], table["quantity"], table["value"], strict=True
        ):
            if sheet in ("Steps", "Epochs") and q not in ("x", "t", "w", "b"):
                c = wb[sheet][cell]
                if c.value is None:
                    c.value = float(v)
        wb.save(ex)
        return ex.read_bytes()


_EXERCISE: list[bytes] = []


def _exercise() -> bytes:
    if not _EXERCISE:
        _EXERCISE.append(_filled_exercise())
    return _EXERCISE[0]


XML_SNIPPETS = [
    b"<",
    b">",
    b"</c>",
    b'<c r="ZZZ99999999">',
    b"<v>nan</v>",
    b"<v>1e999</v>",
    b't="e"',
    b't="b"',
    b"<f>1/0</f>",
    b"&amp;",
    b"&#0;",
    b'"',
    b"\x00",
    b"<!-- x -->",
    b'r="A0"',
    b'<row r="0">',
    b'state="veryHidden"',
    b"<v>=cmd|' /C calc'!A0</v>",
    b't="inlineStr"><is><t>=1+1</t></is>',
]


@st.composite
def exercise_corruptions(draw) -> bytes:
    """The filled exercise with its zip bytes or the XML inside one of its parts corrupted."""
    raw = _exercise()
    if draw(st.booleans(), label="raw bytes"):
        b = bytearray(raw)
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(("flip", "truncate", "delete", "zero")))
            if kind in BYTE_DAMAGE:
                damage_bytes(draw, b, kind, 64, st.just(b""))
            else:
                i = draw(st.integers(0, len(b) - 1))
                b[i : i + 16] = bytes(16)
            if not b:
                break
        return bytes(b)
    with zipfile.ZipFile(io.BytesIO(raw)) as zin:
        parts = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    steps = "xl/worksheets/sheet3.xml"  # the answers: corrupted more often than other parts
    name = draw(st.sampled_from(sorted(parts) + [steps] * 8), label="part")
    if draw(st.integers(0, 9)) == 0:
        del parts[name]
    else:
        x = bytearray(parts[name])
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(("flip", "truncate", "delete", "insert", "number")))
            if kind in BYTE_DAMAGE:
                damage_bytes(draw, x, kind, 200, st.sampled_from(XML_SNIPPETS))
            else:
                nums = list(re.finditer(rb"<v>[^<]*</v>", bytes(x)))
                if nums:
                    m = draw(st.sampled_from(nums))
                    new = draw(
                        st.sampled_from(
                            [
                                b"<v></v>",
                                b"<v>abc</v>",
                                b"<v>-0</v>",
                                b"<v>1e308</v>",
                                b"<v>9" * 40 + b"</v>",
                            ]
                        )
                    )
                    x[m.start() : m.end()] = new
        parts[name] = bytes(x)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for n, data in parts.items():
            zout.writestr(n, data)
    return buf.getvalue()


@_settings(100)
@given(exercise_corruptions())
def test_corrupted_exercise_ends_in_exit_0_1_or_2_with_one_line(data):
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        f = d / "homework.xlsx"
        f.write_bytes(data)
        rc, err = _run_cli(
            ["check", str(f), "-o", str(d / "graded.xlsx"), "--report", str(d / "grades.csv")]
        )
        event(f"exit {rc}")
        _assert_clean_outcome(rc, err, allow_wrote=True)
        assert f.read_bytes() == data  # the learner's file is never modified
