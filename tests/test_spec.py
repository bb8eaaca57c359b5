"""Spec files (design.md §3): what a valid spec resolves to.

Expected values are computed here independently (normalisation by hand, numpy's default_rng draws in
the documented order, presets as design.md §2 lists them). Bad inputs are in test_cli_errors.py.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pytest
from specs import COURSE_322

from nnsheet import SpecError, load_example, load_spec, loads_spec, run, spec_to_toml
from nnsheet.core.specfile import parse_spec

BASE = COURSE_322


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- basics
def test_base_spec_values(tmp_path):
    spec = load_spec(write(tmp_path / "s.toml", BASE))
    assert spec.title == "t"
    assert spec.sizes == (3, 2, 2)
    np.testing.assert_array_equal(spec.layers[0].weights, [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    np.testing.assert_array_equal(spec.layers[1].biases, [0.3, 0.4])
    np.testing.assert_array_equal(spec.inputs, [[1.0, 0.5, 0.2], [0.2, 1.0, 0.5]])
    np.testing.assert_array_equal(spec.targets, [[0.0, 1.0], [1.0, 0.0]])
    assert spec.learning_rate == 0.5 and spec.epochs == 1
    assert spec.inputs.dtype == np.float64 and spec.layers[0].weights.dtype == np.float64


def test_inputs_inferred_from_data():
    spec = loads_spec(BASE.replace("inputs = 3\n", ""), "s.toml")
    assert spec.n_inputs == 3
    assert spec.sizes == (3, 2, 2)


def test_integer_numbers_are_accepted_as_floats():
    spec = loads_spec(BASE.replace("[[1.0, 0.5, 0.2], [0.2, 1.0, 0.5]]", "[[1, 0, 2], [0, 1, 0]]"))
    np.testing.assert_array_equal(spec.inputs, [[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]])
    assert spec.inputs.dtype == np.float64


@pytest.mark.parametrize(
    ("mode", "want_mode", "want_bs", "batches"),
    [
        ("online", "online", 1, [[0], [1], [2], [3], [4]]),
        ("batch", "batch", 5, [[0, 1, 2, 3, 4]]),
        (2, "minibatch", 2, [[0, 1], [2, 3], [4]]),
        (9, "minibatch", 5, [[0, 1, 2, 3, 4]]),
    ],
)
def test_modes(mode, want_mode, want_bs, batches):
    doc = {
        "layer": [{"size": 1}],
        "training": {"mode": mode},
        "data": {"inputs": [[float(i)] for i in range(5)], "targets": [[0.0]] * 5},
    }
    spec = parse_spec(doc, "m")
    assert spec.mode == want_mode and spec.batch_size == want_bs
    assert [list(b) for b in spec.batches()] == batches


# --------------------------------------------------------------------------- presets
PRESET_WANT = {
    "course": dict(
        rule="error", hidden_error="transpose", loss="mse", mode="online", update_biases=True
    ),
    "gradient": dict(rule="gradient", loss="mse", mode="online", update_biases=True),
    "mazur": dict(rule="gradient", loss="half_sse", mode="online", update_biases=False),
}


def _training_less(preset: str | None) -> str:
    text = BASE.replace("learning_rate = 0.5\nepochs = 1\n", "")
    if preset:
        text = f'preset = "{preset}"\n' + text
    return text


@pytest.mark.parametrize("preset", ["course", "gradient", "mazur"])
def test_presets(preset):
    spec = loads_spec(_training_less(preset), "p.toml")
    assert spec.preset == preset
    for k, v in PRESET_WANT[preset].items():
        assert getattr(spec, k) == v, k


def test_default_preset_is_course():
    spec = loads_spec(_training_less(None), "p.toml")
    assert spec.preset == "course"
    for k, v in PRESET_WANT["course"].items():
        assert getattr(spec, k) == v, k


def test_explicit_keys_override_preset():
    text = _training_less("mazur").replace(
        "[training]\n", '[training]\nloss = "sse"\nupdate_biases = true\n'
    )
    spec = loads_spec(text, "p.toml")
    assert spec.loss == "sse" and spec.update_biases is True
    assert spec.rule == "gradient"  # still from the preset


def test_command_line_preset_overrides_file_preset_but_not_explicit_keys():
    text = _training_less("mazur").replace("[training]\n", '[training]\nloss = "sse"\n')
    spec = loads_spec(text, "p.toml", overrides={"preset": "course"})
    assert spec.preset == "course"
    assert spec.rule == "error" and spec.update_biases is True
    assert spec.loss == "sse"


def test_epochs_override():
    assert loads_spec(BASE, "s", overrides={"epochs": 7}).epochs == 7


@pytest.mark.parametrize("bad", [0, -1])
def test_epochs_override_must_be_positive(bad):
    with pytest.raises(SpecError, match="training.epochs"):
        loads_spec(BASE, "s", overrides={"epochs": bad})


# --------------------------------------------------------------------------- random init
def test_random_init_in_documented_order():
    text = """
inputs = 3
[[layer]]
size = 4
weights = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]]
[[layer]]
size = 3
[[layer]]
size = 2
biases = [0.5, -0.5]
[init]
seed = 1234
low = -0.3
high = 0.7
[data]
inputs = [[0.1, 0.2, 0.3]]
targets = [[0.0, 1.0]]
"""
    spec = loads_spec(text, "init.toml")
    rng = np.random.default_rng(1234)
    # only those not given, in the order layer 1 weights, layer 1 biases, layer 2 weights, ...
    b1 = rng.uniform(-0.3, 0.7, 4)
    w2 = rng.uniform(-0.3, 0.7, (3, 4))
    b2 = rng.uniform(-0.3, 0.7, 3)
    w3 = rng.uniform(-0.3, 0.7, (2, 3))
    np.testing.assert_array_equal(
        spec.layers[0].weights, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]]
    )
    np.testing.assert_array_equal(spec.layers[0].biases, b1)
    np.testing.assert_array_equal(spec.layers[1].weights, w2)
    np.testing.assert_array_equal(spec.layers[1].biases, b2)
    np.testing.assert_array_equal(spec.layers[2].weights, w3)
    np.testing.assert_array_equal(spec.layers[2].biases, [0.5, -0.5])
    assert all(-0.3 <= v <= 0.7 for v in np.concatenate([b1, w2.ravel(), b2, w3.ravel()]))
    assert spec.given == ((True, False), (False, False), (False, True))
    # the values used are the ones training starts from (step 0)
    trace = run(spec)
    for li in range(3):
        np.testing.assert_array_equal(trace.w0[li], spec.layers[li].weights)
        np.testing.assert_array_equal(trace.b0[li], spec.layers[li].biases)
        np.testing.assert_array_equal(trace.steps[0].samples[0].w[li], spec.layers[li].weights)


def test_random_init_reproducible_and_seed_dependent():
    text = BASE.replace("weights = [[0.7, 0.8], [0.9, 0.1]]\nbiases = [0.3, 0.4]\n", "")
    a = loads_spec(text + "[init]\nseed = 5\n", "a")
    b = loads_spec(text + "[init]\nseed = 5\n", "b")
    c = loads_spec(text + "[init]\nseed = 6\n", "c")
    np.testing.assert_array_equal(a.layers[1].weights, b.layers[1].weights)
    assert not np.array_equal(a.layers[1].weights, c.layers[1].weights)
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(a.layers[1].weights, rng.uniform(-1.0, 1.0, (2, 2)))
    np.testing.assert_array_equal(a.layers[1].biases, rng.uniform(-1.0, 1.0, 2))


# --------------------------------------------------------------------------- CSV data
CSV = """x1,x2,x3,y
1.0,10,5,0
2.0,30,5.5,1
4.0,20,7,1
5.0,40,4,0
"""
CSV_ROWS = [[1.0, 10.0, 5.0], [2.0, 30.0, 5.5], [4.0, 20.0, 7.0], [5.0, 40.0, 4.0]]


def _csv_spec(tmp_path: Path, data_lines: str, csv_text: str = CSV, out: int = 1) -> Path:
    write(tmp_path / "data.csv", csv_text)
    return write(
        tmp_path / "spec.toml",
        f"""
[[layer]]
size = 2
[[layer]]
size = {out}
[data]
csv = "data.csv"
{data_lines}
""",
    )


def test_csv_minmax(tmp_path):
    spec = load_spec(_csv_spec(tmp_path, 'targets = ["y"]\nnormalize = "minmax"'))
    cols = list(zip(*CSV_ROWS, strict=True))
    want = [
        [(v - min(c)) / (max(c) - min(c)) for v, c in zip(row, cols, strict=True)]
        for row in CSV_ROWS
    ]
    np.testing.assert_allclose(spec.inputs, want, rtol=0, atol=1e-15)
    assert spec.inputs.min() == 0.0 and spec.inputs.max() == 1.0
    np.testing.assert_array_equal(spec.targets, [[0.0], [1.0], [1.0], [0.0]])
    assert spec.feature_names == ("x1", "x2", "x3") and spec.target_names == ("y",)
    n = spec.normalization
    assert n.method == "minmax"
    np.testing.assert_allclose(n.shift, [min(c) for c in cols])
    np.testing.assert_allclose(n.scale, [max(c) - min(c) for c in cols])
    assert spec.n_inputs == 3


def test_csv_zscore(tmp_path):
    spec = load_spec(_csv_spec(tmp_path, 'targets = ["y"]\nnormalize = "zscore"'))
    cols = list(zip(*CSV_ROWS, strict=True))
    mu = [statistics.fmean(c) for c in cols]
    sd = [statistics.pstdev(c) for c in cols]  # population standard deviation
    want = [[(v - m) / d for v, m, d in zip(row, mu, sd, strict=True)] for row in CSV_ROWS]
    np.testing.assert_allclose(spec.inputs, want, rtol=0, atol=1e-14)
    np.testing.assert_allclose(spec.inputs.mean(axis=0), 0.0, atol=1e-15)
    assert spec.normalization.method == "zscore"
    np.testing.assert_allclose(spec.normalization.shift, [statistics.fmean(c) for c in cols])
    np.testing.assert_allclose(spec.normalization.scale, [statistics.pstdev(c) for c in cols])


def test_csv_without_normalisation_and_explicit_features(tmp_path):
    spec = load_spec(_csv_spec(tmp_path, 'features = ["x3", "x1"]\ntargets = ["y"]'))
    np.testing.assert_array_equal(spec.inputs, [[r[2], r[0]] for r in CSV_ROWS])
    assert spec.feature_names == ("x3", "x1") and spec.normalization is None


def test_csv_path_is_relative_to_the_spec_file(tmp_path, monkeypatch):
    path = _csv_spec(tmp_path, 'targets = ["y"]')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_spec(path).n_samples == 4


def test_csv_one_hot_categorical_target(tmp_path):
    csv_text = """a,b,species
1,2,setosa
3,4,virginica
5,6,setosa
7,8,versicolor
"""
    spec = load_spec(_csv_spec(tmp_path, 'targets = "species"', csv_text, out=3))
    labels = ["setosa", "virginica", "setosa", "versicolor"]
    assert sorted(spec.target_names) == ["setosa", "versicolor", "virginica"]
    assert spec.feature_names == ("a", "b")
    np.testing.assert_array_equal(spec.inputs, [[1, 2], [3, 4], [5, 6], [7, 8]])
    assert spec.targets.shape == (4, 3)
    for row, lab in zip(spec.targets, labels, strict=True):
        want = [1.0 if name == lab else 0.0 for name in spec.target_names]
        np.testing.assert_array_equal(row, want)
    assert spec.binary_targets


def test_csv_blank_lines_and_bom(tmp_path):
    csv_text = "\ufeff" + CSV.replace("\n2.0", "\n\n2.0")
    spec = load_spec(_csv_spec(tmp_path, 'targets = ["y"]', csv_text))
    np.testing.assert_array_equal(spec.inputs, CSV_ROWS)


def test_csv_error_row_counts_blank_lines(tmp_path):
    csv_text = "x1,x2,x3,y\n1,2,3,0\n\n\n4,,6,1\n"
    with pytest.raises(SpecError) as info:
        load_spec(_csv_spec(tmp_path, 'targets = ["y"]', csv_text))
    assert "row 5, column x2" in str(info.value)  # line 5 of the file


def test_builtin_examples_load_and_run():
    from nnsheet import EXAMPLES

    assert {"course", "mazur", "xor", "and", "linreg", "symmetry"} <= set(EXAMPLES)
    for name in EXAMPLES:
        spec = load_example(name)
        trace = run(spec)
        if spec.single:  # the single-layer rules stop by their own rule (issue 24)
            last = trace.epochs[-1]
            assert len(trace.epochs) == spec.epochs or last.stop is not None
        elif spec.target_loss is None:
            assert len(trace.epochs) == spec.epochs
        else:  # stops at the first epoch that reaches target_loss, never beyond epochs
            assert len(trace.epochs) <= spec.epochs and trace.epochs[-1].reached


# --------------------------------------------------------------------------- round trip
def _assert_same_spec(a, b):
    assert a.title == b.title and a.preset == b.preset
    assert a.sizes == b.sizes
    for la, lb in zip(a.layers, b.layers, strict=True):
        assert la.activation == lb.activation
        np.testing.assert_array_equal(la.weights, lb.weights)
        np.testing.assert_array_equal(la.biases, lb.biases)
    for k in (
        "learning_rate",
        "epochs",
        "mode",
        "batch_size",
        "rule",
        "loss",
        "update_biases",
        "hidden_error",
        "round",
    ):
        assert getattr(a, k) == getattr(b, k), k
    np.testing.assert_array_equal(a.inputs, b.inputs)
    np.testing.assert_array_equal(a.targets, b.targets)


def test_spec_to_toml_round_trips_csv_random_init(tmp_path):
    path = _csv_spec(tmp_path, 'targets = ["y"]\nnormalize = "zscore"')
    extra = (
        '[training]\nmode = 2\nround = 6\nrule = "gradient"\nloss = "sse"\nepochs = 3\n'
        "learning_rate = 0.1234567890123\n[init]\nseed = 77\nlow = -0.25\nhigh = 0.125\n"
    )
    text = path.read_text().replace("[data]", extra + "[data]")
    write(path, text)
    spec = load_spec(path)
    again = loads_spec(spec_to_toml(spec), "again.toml")
    _assert_same_spec(spec, again)
    # and the training is identical too
    a, b = run(spec), run(again)
    for sa, sb in zip(a.steps, b.steps, strict=True):
        for li in range(2):
            np.testing.assert_array_equal(sa.w_new[li], sb.w_new[li])


@pytest.mark.parametrize("name", ["course", "mazur", "xor", "and", "linreg", "symmetry"])
def test_spec_to_toml_round_trips_examples(name):
    spec = load_example(name)
    _assert_same_spec(spec, loads_spec(spec_to_toml(spec), f"{name}-again.toml"))


def test_spec_to_toml_preserves_awkward_floats():
    doc = {
        "title": 'quote " and backslash \\',
        "layer": [
            {
                "size": 1,
                "activation": "linear",
                "weights": [[0.1 + 0.2, 1e-300]],
                "biases": [-2.5e17],
            }
        ],
        "training": {"learning_rate": 1 / 3, "mode": "batch"},
        "data": {"inputs": [[1 / 7, -0.0]], "targets": [[123456789.123456789]]},
    }
    spec = parse_spec(doc, "awkward")
    _assert_same_spec(spec, loads_spec(spec_to_toml(spec), "again"))
