"""Every bad input of issue 2 through the command line: exit status 2, exactly one line on stderr
that names the file and the key path (or the CSV row and column), and never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from specs import COURSE_322

from nnsheet.cli import main

BASE = COURSE_322

W1 = "weights = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]"
INPUTS = "inputs = [[1.0, 0.5, 0.2], [0.2, 1.0, 0.5]]"
TARGETS = "targets = [[0.0, 1.0], [1.0, 0.0]]"


def variant(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


#: id -> (spec text, substrings the one-line message must contain besides the file name)
SPEC_CASES: dict[str, tuple[str, list[str]]] = {
    # unknown keys, with the closest valid name suggested
    "unknown-training-key": (
        variant("learning_rate", "learnig_rate"),
        ["training.learnig_rate", "did you mean learning_rate"],
    ),
    "unknown-top-key": (variant('title = "t"', 'titel = "t"'), ["titel", "did you mean title"]),
    "unknown-layer-key": (
        variant('activation = "sigmoid"', 'activaton = "sigmoid"'),
        ["layer[1].activaton", "did you mean activation"],
    ),
    "unknown-data-key": (variant("targets =", "target ="), ["data.target", "targets"]),
    "unknown-init-key": (BASE + "[init]\nsed = 3\n", ["init.sed", "did you mean seed"]),
    "unknown-key-no-suggestion": (
        variant("epochs = 1", "epochs = 1\nzzzz = 1"),
        ["training.zzzz", "learning_rate"],
    ),
    # shapes
    "weights-shape": (
        variant(W1, "weights = [[0.1, 0.2], [0.4, 0.5]]"),
        ["layer[1].weights", "2 rows of 3 numbers", "2×2"],
    ),
    "weights-ragged": (
        variant(W1, "weights = [[0.1, 0.2, 0.3], [0.4, 0.5]]"),
        ["layer[1].weights"],
    ),
    "weights-flat": (variant(W1, "weights = [0.1, 0.2, 0.3]"), ["layer[1].weights"]),
    "weights-scalar": (variant(W1, "weights = 0.5"), ["layer[1].weights"]),
    "biases-length": (
        variant("biases = [0.1, 0.2]", "biases = [0.1]"),
        ["layer[1].biases", "2 numbers"],
    ),
    "layer2-weights-shape": (
        variant("weights = [[0.7, 0.8], [0.9, 0.1]]", "weights = [[1.0, 2.0]]"),
        ["layer[2].weights", "2 rows of 2 numbers"],
    ),
    # types
    "weight-text": (
        variant(W1, 'weights = [[0.1, "x", 0.3], [0.4, 0.5, 0.6]]'),
        ["layer[1].weights[1][2]", "number"],
    ),
    "weight-bool": (
        variant(W1, "weights = [[0.1, 0.2, 0.3], [0.4, true, 0.6]]"),
        ["layer[1].weights[2][2]"],
    ),
    "learning-rate-text": (
        variant("learning_rate = 0.5", 'learning_rate = "fast"'),
        ["training.learning_rate", "number"],
    ),
    "learning-rate-negative": (
        variant("learning_rate = 0.5", "learning_rate = -0.5"),
        ["training.learning_rate"],
    ),
    "epochs-float": (variant("epochs = 1", "epochs = 1.5"), ["training.epochs"]),
    "epochs-text": (variant("epochs = 1", 'epochs = "ten"'), ["training.epochs"]),
    "update-biases-text": (
        variant("epochs = 1", 'epochs = 1\nupdate_biases = "yes"'),
        ["training.update_biases", "true or false"],
    ),
    "size-text": (variant("size = 2", 'size = "two"'), ["layer[1].size"]),
    "size-zero": (variant("size = 2", "size = 0"), ["layer[1].size"]),
    "size-missing": (variant("size = 2\n", ""), ["layer[1].size"]),
    "title-number": (variant('title = "t"', "title = 5"), ["title"]),
    "training-not-table": (
        variant("[training]\nlearning_rate = 0.5\nepochs = 1\n", "").replace(
            'title = "t"', 'title = "t"\ntraining = 5'
        ),
        ["training"],
    ),
    "round-negative": (variant("epochs = 1", "epochs = 1\nround = -1"), ["training.round"]),
    "round-float": (variant("epochs = 1", "epochs = 1\nround = 2.5"), ["training.round"]),
    "seed-negative": (BASE + "[init]\nseed = -1\n", ["init.seed"]),
    "low-above-high": (BASE + "[init]\nlow = 1.0\nhigh = 0.5\n", ["init.high"]),
    # NaN and infinities (TOML nan / inf)
    "nan-learning-rate": (
        variant("learning_rate = 0.5", "learning_rate = nan"),
        ["training.learning_rate", "finite"],
    ),
    "inf-weight": (
        variant(W1, "weights = [[inf, 0.2, 0.3], [0.4, 0.5, 0.6]]"),
        ["layer[1].weights[1][1]", "finite"],
    ),
    "nan-bias": (
        variant("biases = [0.1, 0.2]", "biases = [0.1, -nan]"),
        ["layer[1].biases[2]", "finite"],
    ),
    "nan-input": (
        variant(INPUTS, "inputs = [[1.0, 0.5, 0.2], [0.2, nan, 0.5]]"),
        ["data.inputs[2][2]", "finite"],
    ),
    "inf-target": (
        variant(TARGETS, "targets = [[0.0, 1.0], [-inf, 0.0]]"),
        ["data.targets[2][1]", "finite"],
    ),
    "inf-init": (BASE + "[init]\nlow = -inf\n", ["init.low", "finite"]),
    # empty data
    "empty-data": (
        variant(INPUTS, "inputs = []").replace(TARGETS, "targets = []"),
        ["data.inputs"],
    ),
    "empty-rows": (variant(INPUTS, "inputs = [[], []]"), ["data.inputs"]),
    "empty-target-rows": (variant(TARGETS, "targets = [[], []]"), ["data.targets"]),
    "missing-data": (BASE.split("[data]")[0], ["data"]),
    "missing-inputs": (variant(INPUTS + "\n", ""), ["data.inputs"]),
    "missing-targets": (variant(TARGETS + "\n", ""), ["data.targets"]),
    "no-layers": ("inputs = 3\n[data]\n" + INPUTS + "\n" + TARGETS + "\n", ["layer"]),
    # widths and counts
    "target-width": (
        variant(TARGETS, "targets = [[0.0], [1.0]]"),
        ["data.targets", "output layer"],
    ),
    "target-rows": (variant(TARGETS, "targets = [[0.0, 1.0]]"), ["data.targets", "2 rows"]),
    "inputs-key-mismatch": (variant("inputs = 3", "inputs = 4"), [": inputs:", "4", "3"]),
    "data-vs-weights-width": (
        variant(INPUTS, "inputs = [[1.0, 0.5], [0.2, 1.0]]").replace("inputs = 3\n", ""),
        ["layer[1].weights", "2×3"],
    ),
    "ragged-inputs": (variant(INPUTS, "inputs = [[1.0, 0.5, 0.2], [0.2, 1.0]]"), ["data.inputs"]),
    # names
    "bad-activation": (
        variant('activation = "sigmoid"', 'activation = "sigmod"'),
        ["layer[1].activation", "did you mean 'sigmoid'"],
    ),
    "bad-activation-layer2": (
        BASE.replace(
            'activation = "sigmoid"\nweights = [[0.7', 'activation = "softmax"\nweights = [[0.7'
        ),
        ["layer[2].activation", "relu"],
    ),
    "bad-loss": (variant("epochs = 1", 'epochs = 1\nloss = "mae"'), ["training.loss", "mse"]),
    "bad-rule": (
        variant("epochs = 1", 'epochs = 1\nrule = "backprop"'),
        ["training.rule", "gradient"],
    ),
    "bad-mode": (variant("epochs = 1", 'epochs = 1\nmode = "stochastic"'), ["training.mode"]),
    "mode-zero": (variant("epochs = 1", "epochs = 1\nmode = 0"), ["training.mode"]),
    "mode-float": (variant("epochs = 1", "epochs = 1\nmode = 2.5"), ["training.mode"]),
    "bad-preset": ('preset = "corse"\n' + BASE, ["preset", "did you mean 'course'"]),
    "bad-hidden-error": (
        variant("epochs = 1", 'epochs = 1\nhidden_error = "prop"'),
        ["training.hidden_error", "proportional"],
    ),
    "bad-normalize": (BASE + 'normalize = "l2"\n', ["data.normalize", "minmax"]),
    "features-without-csv": (BASE + 'features = ["a"]\n', ["data.features"]),
    # epochs
    "epochs-zero": (variant("epochs = 1", "epochs = 0"), ["training.epochs"]),
    "epochs-negative": (variant("epochs = 1", "epochs = -3"), ["training.epochs"]),
    # syntax
    "bad-toml": (variant("epochs = 1", "epochs = = 1"), ["not valid TOML", "line 18"]),
    "bad-toml-unclosed": (variant(W1, "weights = [[0.1, 0.2, 0.3]"), ["not valid TOML"]),
    "constant-inline-minmax": (
        variant(INPUTS, "inputs = [[1.0, 0.5, 0.2], [1.0, 1.0, 0.5]]") + 'normalize = "minmax"\n',
        ["data.normalize", "x1", "constant"],
    ),
}

CSV_GOOD = "a,b,y\n1,2,0\n3,4,1\n5,7,1\n"

#: id -> (csv text or None for no file, [data] lines, substrings; "{spec}" means the spec file)
CSV_CASES: dict[str, tuple[str | None, str, list[str]]] = {
    "csv-missing-cell": (
        "a,b,y\n1,2,0\n3,,1\n5,7,1\n",
        'targets = ["y"]',
        ["data.csv", "row 3", "column b", "empty"],
    ),
    "csv-short-row": (
        "a,b,y\n1,2,0\n3,4\n5,7,1\n",
        'targets = ["y"]',
        ["data.csv", "row 3", "column y"],
    ),
    "csv-non-numeric": (
        "a,b,y\n1,2,0\n3,4,1\n5,seven,1\n",
        'targets = ["y"]',
        ["data.csv", "row 4", "column b", "seven"],
    ),
    "csv-nan-cell": (
        "a,b,y\n1,2,0\nnan,4,1\n5,7,1\n",
        'targets = ["y"]',
        ["data.csv", "row 3", "column a", "finite"],
    ),
    "csv-missing-file": (None, 'targets = ["y"]', ["{spec}", "data.csv", "not found"]),
    "csv-unknown-column": (
        CSV_GOOD,
        'features = ["a", "c"]\ntargets = ["y"]',
        ["{spec}", "data.features", "'c'"],
    ),
    "csv-unknown-target": (CSV_GOOD, 'targets = ["why"]', ["{spec}", "data.targets", "'why'"]),
    "csv-missing-targets": (CSV_GOOD, "", ["{spec}", "data.targets"]),
    "csv-constant-zscore": (
        "a,b,y\n1,2,0\n3,2,1\n5,2,1\n",
        'targets = ["y"]\nnormalize = "zscore"',
        ["{spec}", "data.normalize", "'b'", "constant"],
    ),
    "csv-constant-minmax": (
        "a,b,y\n1,2,0\n1,3,1\n1,4,1\n",
        'targets = ["y"]\nnormalize = "minmax"',
        ["{spec}", "data.normalize", "'a'", "constant"],
    ),
    "csv-header-only": ("a,b,y\n", 'targets = ["y"]', ["{spec}", "data.csv"]),
    "csv-empty-label": (
        "a,b,species\n1,2,x\n3,4,\n5,7,z\n",
        'targets = "species"',
        ["data.csv", "row 3", "column species"],
    ),
    "csv-and-inline": (
        CSV_GOOD,
        'targets = ["y"]\ninputs = [[1.0, 2.0]]',
        ["{spec}", "data.inputs"],
    ),
    "csv-duplicate-header": ("a,a,y\n1,2,0\n", 'targets = ["y"]', ["data.csv", "row 1", "'a'"]),
}


def run_cli(capsys, argv: list[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc: int, out: str, err: str, must: list[str]) -> None:
    assert rc == 2, (rc, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert err.startswith("nnsheet: error: "), err
    for m in must:
        assert m in err, f"{m!r} not in {err!r}"


@pytest.mark.parametrize("case", list(SPEC_CASES))
def test_bad_spec_via_cli(tmp_path, capsys, case):
    text, must = SPEC_CASES[case]
    spec = tmp_path / "bad.toml"
    spec.write_text(text, encoding="utf-8")
    out_csv = tmp_path / "out.csv"
    rc, out, err = run_cli(capsys, ["trace", str(spec), "--table", str(out_csv)])
    assert_one_line_error(rc, out, err, [str(spec), *must])
    assert not out_csv.exists()


def csv_spec_file(path: Path, data_lines: str) -> Path:
    """A 2-1 network reading data.csv beside ``path``; ``data_lines`` end its [data] table."""
    path.write_text(
        f'[[layer]]\nsize = 2\n[[layer]]\nsize = 1\n[data]\ncsv = "data.csv"\n{data_lines}\n',
        encoding="utf-8",
    )
    return path


def csv_case(tmp_path: Path, case: str) -> tuple[Path, list[str]]:
    """Write CSV_CASES[case] (its CSV, if any, and its spec); the spec and the words the error
    must contain."""
    csv_text, data_lines, must = CSV_CASES[case]
    if csv_text is not None:
        (tmp_path / "data.csv").write_text(csv_text, encoding="utf-8")
    spec = csv_spec_file(tmp_path / "spec.toml", data_lines)
    return spec, [m.replace("{spec}", str(spec)) for m in must]


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_bad_csv_via_cli(tmp_path, capsys, case):
    spec, must = csv_case(tmp_path, case)
    out_csv = tmp_path / "out.csv"
    rc, out, err = run_cli(capsys, ["trace", str(spec), "--table", str(out_csv)])
    assert_one_line_error(rc, out, err, must)
    assert not out_csv.exists()


def test_valid_base_spec_is_accepted(tmp_path, capsys):
    """The bad cases above are variants of a spec that is itself fine."""
    from nnsheet import load_spec

    spec = tmp_path / "good.toml"
    spec.write_text(BASE, encoding="utf-8")
    assert load_spec(spec).sizes == (3, 2, 2)
    (tmp_path / "data.csv").write_text(CSV_GOOD, encoding="utf-8")
    csv_spec = csv_spec_file(tmp_path / "csv.toml", 'targets = ["y"]')
    assert load_spec(csv_spec).n_samples == 3


def test_missing_spec_file(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    rc, out, err = run_cli(capsys, ["trace", str(missing), "--table", str(tmp_path / "o.csv")])
    assert_one_line_error(rc, out, err, [str(missing), "not found"])


def test_directory_as_spec(tmp_path, capsys):
    rc, out, err = run_cli(capsys, ["trace", str(tmp_path), "--table", str(tmp_path / "o.csv")])
    assert_one_line_error(rc, out, err, [str(tmp_path)])


def test_spec_not_utf8(tmp_path, capsys):
    spec = tmp_path / "latin1.toml"
    spec.write_bytes('title = "café"\n'.encode("latin-1"))
    rc, out, err = run_cli(capsys, ["trace", str(spec), "--table", str(tmp_path / "o.csv")])
    assert_one_line_error(rc, out, err, [str(spec), "UTF-8"])


@pytest.mark.parametrize(
    ("args", "must"),
    [
        (["trace", "mazur", "--epochs", "0"], ["--epochs"]),
        (["trace", "mazur", "--epochs", "x"], ["--epochs"]),
        (["trace", "mazur", "--preset", "bogus"], ["--preset"]),
        (["frobnicate"], ["frobnicate"]),
        (["trace", "mazur"], ["nothing to write"]),
    ],
)
def test_bad_command_line(capsys, args, must):
    rc, out, err = run_cli(capsys, args)
    assert_one_line_error(rc, out, err, must)


PROPORTIONAL_ZERO = """\
[[layer]]
size = 2
weights = [[0.2, 0.1], [0.3, 0.4]]
biases = [0.0, 0.0]
[[layer]]
size = 1
weights = [[0.5, -0.5]]
biases = [0.0]
[training]
rule = "error"
hidden_error = "proportional"
[data]
inputs = [[0.0, 1.0]]
targets = [[1.0]]
"""


def test_proportional_zero_denominator_via_cli(tmp_path, capsys):
    spec = tmp_path / "zero.toml"
    spec.write_text(PROPORTIONAL_ZERO, encoding="utf-8")
    out_csv = tmp_path / "out.csv"
    rc, out, err = run_cli(capsys, ["trace", str(spec), "--table", str(out_csv)])
    assert_one_line_error(rc, out, err, ["proportional", "neuron 1", "layer 2"])
    assert not out_csv.exists()


# --------------------------------------------------------------------------- real processes
def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return env


SUBPROCESS_CASES = ["unknown-training-key", "inf-weight", "target-width", "bad-toml"]


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_bad_spec_python_m(tmp_path, case):
    text, must = SPEC_CASES[case]
    spec = tmp_path / "bad.toml"
    spec.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnsheet.cli",
            "trace",
            str(spec),
            "--table",
            str(tmp_path / "out.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
        cwd=tmp_path,
    )
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, [str(spec), *must])


@pytest.mark.parametrize("case", ["csv-missing-cell", "csv-missing-file"])
def test_bad_csv_console_script(tmp_path, case):
    exe = shutil.which("nnsheet")
    if exe is None:
        pytest.skip("the nnsheet console script is not on PATH")
    spec, must = csv_case(tmp_path, case)
    proc = subprocess.run(
        [exe, "trace", str(spec), "--table", str(tmp_path / "out.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, must)


def test_missing_file_console_script(tmp_path):
    exe = shutil.which("nnsheet")
    if exe is None:
        pytest.skip("the nnsheet console script is not on PATH")
    missing = tmp_path / "missing.toml"
    proc = subprocess.run(
        [exe, "trace", str(missing), "--table", str(tmp_path / "o.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, [str(missing), "not found"])


# --------------------------------------------------------------------------- one good run
def test_trace_table_smoke(tmp_path, capsys):
    """`nnsheet trace mazur --table OUT.csv` succeeds and the table carries Mazur's w5⁺."""
    pd = pytest.importorskip("pandas")
    out_csv = tmp_path / "mazur.csv"
    rc = main(["trace", "mazur", "--table", str(out_csv)])
    capsys.readouterr()
    assert rc == 0 and out_csv.exists()
    df = pd.read_csv(out_csv)
    assert list(df.columns) == [
        "epoch",
        "step",
        "sample",
        "quantity",
        "layer",
        "j",
        "i",
        "label",
        "value",
        "sheet",
        "cell",
    ]
    w5 = df[(df.quantity == "w_new") & (df.layer == 2) & (df.j == 1) & (df.i == 1)]
    assert len(w5) == 1
    assert abs(float(w5.value.iloc[0]) - 0.35891648) <= 0.5e-8


def test_examples_lists_builtins(capsys):
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    for name in ("course", "mazur", "xor", "and", "linreg", "symmetry"):
        assert name in out


def test_paths_in_messages_are_the_ones_given(tmp_path, capsys, monkeypatch):
    """A relative spec path is reported as the user typed it."""
    monkeypatch.chdir(tmp_path)
    Path("rel.toml").write_text(variant("epochs = 1", "epochs = 0"), encoding="utf-8")
    rc, out, err = run_cli(capsys, ["trace", "rel.toml", "--table", "o.csv"])
    assert_one_line_error(rc, out, err, ["rel.toml: training.epochs"])
