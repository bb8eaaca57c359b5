"""Scale (issue 5): --detail-epochs, streaming, progress output, limits, the Iris example.

No timed tests here: benchmarks/bench_scale.py measures time and memory.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import nnsheet
import nnsheet.cli
import nnsheet.core.engine
import nnsheet.output.workbook as workbook_mod
from nnsheet import iterate, load_example, loads_spec, run
from nnsheet.cli import main
from nnsheet.core.examples import EXAMPLES
from nnsheet.core.specfile import load_spec
from nnsheet.output.progress import wants_bar, with_progress
from nnsheet.output.workbook import WorkbookWriter, make_layout, write_trace_workbook
from nnsheet.sheet.layout import EXCEL_MAX_COLS, EXCEL_MAX_ROWS

#: the Iris example; registered in EXAMPLES once its committed workbook is settled (see issue 5)
IRIS = Path(nnsheet.__file__).parent / "examples" / "iris.toml"
IRIS_ARG = "iris" if "iris" in EXAMPLES else str(IRIS)


def _iris(overrides: dict | None = None):
    return load_spec(IRIS, overrides)


BATCH_SPEC = """
title = "mini-batch 2-3-2"
preset = "gradient"
[[layer]]
size = 3
activation = "tanh"
[[layer]]
size = 2
activation = "sigmoid"
[training]
learning_rate = 0.3
epochs = 3
mode = 2
[init]
seed = 5
[data]
inputs = [[0.0, 0.1], [0.5, 1.0], [1.0, 0.3], [0.2, 0.9], [0.7, 0.7]]
targets = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
"""


def _cells(path: Path, data_only: bool) -> dict[str, dict[str, object]]:
    wb = openpyxl.load_workbook(path, data_only=data_only, read_only=True)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = {
            c.coordinate: c.value
            for row in ws.iter_rows()
            for c in row
            if getattr(c, "value", None) is not None
        }
    wb.close()
    return out


# --------------------------------------------------------------------------- --detail-epochs
def test_detail_epochs_writes_k_epochs_of_steps_and_every_epoch_summary(tmp_path, capsys):
    out, csv = tmp_path / "xor.xlsx", tmp_path / "xor.csv"
    assert (
        main(
            [
                "trace",
                "xor",
                "--epochs",
                "5",
                "--detail-epochs",
                "2",
                "-o",
                str(out),
                "--table",
                str(csv),
            ]
        )
        == 0
    )
    assert "Steps rows for the first 2 epochs" in capsys.readouterr().err
    wb = openpyxl.load_workbook(out)
    steps, epochs = wb["Steps"], wb["Epochs"]
    assert steps.max_row == 2 + 2 * 4  # two header rows, then 2 epochs × 4 samples
    assert [steps.cell(r, 1).value for r in range(3, 11)] == [1] * 4 + [2] * 4
    kinds = {}
    for r in range(3, 8):
        ep, loss = epochs.cell(r, 1).value, epochs.cell(r, 2).value
        kinds[ep] = "formula" if isinstance(loss, str) and loss.startswith("=") else type(loss)
    assert kinds == {1: "formula", 2: "formula", 3: float, 4: float, 5: float}
    # the later epochs' summaries are the engine's numbers
    trace = run(load_example("xor", {"epochs": 5}))
    for ep in trace.epochs[2:]:
        assert epochs.cell(2 + ep.epoch, 2).value == pytest.approx(ep.loss, rel=1e-15)
    # the Guide says so
    guide = " ".join(str(c.value) for row in wb["Guide"].iter_rows() for c in row if c.value)
    assert "Epochs after the first 2 are not written on Steps" in guide
    # the table has every epoch; the later ones have no cell
    df = pd.read_csv(csv, keep_default_na=False)
    steps_rows = df[df["step"].astype(str) != "0"]
    later = steps_rows[steps_rows["epoch"].astype(int) > 2]
    earlier = steps_rows[
        (steps_rows["epoch"].astype(int).between(1, 2)) & (steps_rows["quantity"] != "epoch_loss")
    ]
    assert set(later["epoch"].astype(int)) == {3, 4, 5}
    assert (later["sheet"].isin(["", "Epochs"])).all()
    assert (later[later["sheet"] == ""]["cell"] == "").all()
    assert (later[later["quantity"] == "epoch_loss"]["sheet"] == "Epochs").all()
    assert (earlier["cell"] != "").all()


def test_detail_epochs_larger_than_epochs_is_all_of_them():
    spec = load_example("xor", {"epochs": 3})
    assert make_layout(spec, detail_epochs=10).detail_epochs == 3


# --------------------------------------------------------------------------- progress, quiet
@pytest.mark.parametrize("quiet", [False, True])
def test_no_progress_output_when_not_a_terminal(tmp_path, capsys, quiet):
    """stderr under pytest is not a terminal: only the final "wrote" line, with or without -q.
    (AND, which the perceptron learns: XOR's 50 epochs end stuck at 50 %, and trace would add
    its note pointing to nnsheet doctor.)"""
    out = tmp_path / "x.xlsx"
    argv = ["trace", "and", "--epochs", "50", "-o", str(out)] + (["-q"] if quiet else [])
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == [f"wrote {out} (200 steps, 50 epochs)"]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_not_quiet(monkeypatch):
    assert wants_bar(False, _Tty()) is True
    assert wants_bar(True, _Tty()) is False
    assert wants_bar(False, io.StringIO()) is False
    spec = load_example("xor", {"epochs": 20})
    monkeypatch.setattr("nnsheet.output.progress.DELAY", 0.0)
    shown, quiet = _Tty(), _Tty()
    recs = list(with_progress(iterate(spec), spec, stream=shown))
    assert len(recs) == 20 * 4 + 20  # records pass through unchanged
    assert "step" in shown.getvalue()
    list(with_progress(iterate(spec), spec, stream=quiet, quiet=True))
    assert quiet.getvalue() == ""


# --------------------------------------------------------------------------- limits
def test_too_many_rows_refused_before_any_work(tmp_path, capsys, monkeypatch):
    def no_training(*a, **k):
        raise AssertionError("trained before checking the limits")

    monkeypatch.setattr(nnsheet.cli, "iterate", no_training)
    out = tmp_path / "iris.xlsx"
    assert main(["trace", IRIS_ARG, "--epochs", "8000", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "1,200,002 rows × 338 columns" in err
    assert f"{EXCEL_MAX_ROWS:,} rows" in err
    assert "--detail-epochs 6990" in err and "--epochs 6990" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_too_many_columns_refused(tmp_path, capsys):
    spec = tmp_path / "wide.toml"
    ones = ", ".join(["0.5"] * 70)
    spec.write_text(f"""
title = "wide"
inputs = 70
[[layer]]
size = 70
activation = "sigmoid"
[[layer]]
size = 1
activation = "sigmoid"
[data]
inputs = [[{ones}]]
targets = [[1.0]]
""")
    out = tmp_path / "wide.xlsx"
    assert main(["trace", str(spec), "-o", str(out), "--detail-epochs", "1"]) == 2
    err = capsys.readouterr().err
    cols = make_layout(loads_spec(spec.read_text(), base=tmp_path)).n_cols
    assert cols > EXCEL_MAX_COLS
    assert f"3 rows × {cols:,} columns" in err
    assert f"{EXCEL_MAX_COLS:,} columns" in err and "smaller layers" in err
    assert not out.exists()


def test_detail_epochs_makes_a_long_trace_fit():
    spec = _iris({"epochs": 8000})
    make_layout(spec, detail_epochs=6990).check_limits()
    with pytest.raises(Exception, match="6,991 epochs in detail"):
        make_layout(spec, detail_epochs=6991).check_limits()


# --------------------------------------------------------------------------- streaming
@pytest.mark.parametrize("which", ["xor", "batch"])
def test_streaming_writes_the_same_workbook(tmp_path, which):
    spec = load_example("xor", {"epochs": 3}) if which == "xor" else loads_spec(BATCH_SPEC)
    kept, streamed = tmp_path / "kept.xlsx", tmp_path / "streamed.xlsx"
    write_trace_workbook(run(spec), kept, make_layout(spec))
    WorkbookWriter(streamed, make_layout(spec)).write(iterate(spec))
    for data_only in (False, True):
        a, b = _cells(kept, data_only), _cells(streamed, data_only)
        assert a.keys() == b.keys()
        for sheet in a:
            assert a[sheet].keys() == b[sheet].keys(), sheet
            for coord, va in a[sheet].items():
                vb = b[sheet][coord]
                if isinstance(va, float):
                    assert vb == pytest.approx(va, rel=1e-15, abs=1e-300), (sheet, coord)
                else:
                    assert va == vb, (sheet, coord)
    # sanity: the Steps sheet really holds formulas with cached values
    formulas, values = _cells(streamed, False)["Steps"], _cells(streamed, True)["Steps"]
    assert formulas["D3"].startswith("=") and isinstance(values["D3"], float)


def test_cli_streams_without_holding_the_trace(tmp_path, monkeypatch):
    """Without --table, cmd_trace feeds iterate() to the writer and never builds a Trace."""

    def no_run(*a, **k):
        raise AssertionError("the whole trace was kept")

    monkeypatch.setattr(nnsheet.core.engine, "run", no_run)
    monkeypatch.setattr(nnsheet.cli, "Trace", no_run)
    out = tmp_path / "x.xlsx"
    assert main(["trace", "xor", "-o", str(out), "-q"]) == 0
    ref = tmp_path / "ref.xlsx"
    spec = load_example("xor")
    WorkbookWriter(ref, make_layout(spec)).write(iterate(spec))
    assert _cells(out, True) == _cells(ref, True)


@pytest.mark.parametrize("which", ["xor", "batch"])
def test_skipping_formula_rewriting_writes_identical_bytes(tmp_path, monkeypatch, which):
    """The Steps writer skips XlsxWriter's per-formula function rewriting (a no-op for our
    formulas): the workbook is byte for byte the one XlsxWriter writes with it."""
    spec = load_example("xor", {"epochs": 2}) if which == "xor" else loads_spec(BATCH_SPEC)
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    calls = []
    real = workbook_mod._skip_formula_rewriting
    monkeypatch.setattr(
        workbook_mod,
        "_skip_formula_rewriting",
        lambda ws, f: calls.append(real(ws, f)) or calls[-1],
    )
    WorkbookWriter(fast, make_layout(spec)).write(iterate(spec))
    assert calls == [True]
    monkeypatch.setattr(workbook_mod, "_skip_formula_rewriting", lambda ws, f: False)
    WorkbookWriter(slow, make_layout(spec)).write(iterate(spec))
    with zipfile.ZipFile(fast) as za, zipfile.ZipFile(slow) as zb:
        assert za.namelist() == zb.namelist()
        for name in za.namelist():
            assert za.read(name) == zb.read(name), name


def test_formula_rewriting_kept_when_a_formula_would_change(tmp_path):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(tmp_path / "t.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet()
    assert workbook_mod._skip_formula_rewriting(ws, ["A1+B1", "FILTER(A1:A3,B1:B3)"]) is False
    assert "_prepare_formula" not in vars(ws)
    wb.close()


# --------------------------------------------------------------------------- Iris
def test_iris_example_loads():
    spec = _iris()
    assert spec.n_samples == 150 and spec.n_inputs == 4 and spec.n_outputs == 3
    assert spec.sizes == (4, 8, 3) and spec.epochs == 100
    assert spec.target_names == ("setosa", "versicolor", "virginica")
    assert spec.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    t = spec.targets
    assert set(np.unique(t)) == {0.0, 1.0} and (t.sum(axis=1) == 1).all()
    assert (t.sum(axis=0) == 50).all()
    x = spec.inputs
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert np.allclose(x.min(axis=0), 0.0) and np.allclose(x.max(axis=0), 1.0)
    assert spec.normalization is not None and spec.normalization.method == "minmax"


def test_iris_ships_its_csv():
    if "iris" in EXAMPLES:
        from nnsheet.core.examples import example_files

        assert [p.name for p in example_files("iris")] == ["iris.toml", "iris.csv"]
    csv = IRIS.with_suffix(".csv")
    lines = csv.read_text().splitlines()
    assert lines[0] == "sepal_length,sepal_width,petal_length,petal_width,species"
    assert len(lines) == 151
