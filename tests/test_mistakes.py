"""Mistakes named (issue 14): each slip of the catalogue planted in an otherwise exact exercise,
and a learner's own program checked from a values CSV.

The exact values and every planted value come from an independent NumPy loop written here (the
course example, src/nnsheet/examples/course.toml, copied by hand), never from the catalogue or
the engine; the engine's trace table only says which cell holds which value."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.examples import example_path
from nnsheet.core.ops import MISTAKES
from nnsheet.core.specfile import load_spec
from nnsheet.output.workbook import make_layout
from nnsheet.words.grading_text import MISTAKE_WORDS

ROOT = Path(__file__).resolve().parents[1]

X = np.array([[1.0, 0.5, 0.2], [0.2, 1.0, 0.5], [0.5, 0.2, 1.0]])
T = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
W1, B1 = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]), np.array([0.1, 0.2])
W2, B2 = np.array([[0.7, 0.8], [0.9, 0.1]]), np.array([0.3, 0.4])
LR = 0.5

Key = tuple  # (quantity, step, layer, j, i), 1-based as in the trace table


def sig(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def course(gradient: bool = False) -> tuple[dict[Key, float], list[dict]]:
    """Every answer of the course network's first epoch (online, mse, sigmoid) by hand:
    the course's error rule (raw errors sent back, Δ = +η·δ·a), or with ``gradient`` the exact
    gradient (err = ∂MSE/∂y' = −e, deltas sent back, Δ = −η·δ·a). Also each step's
    intermediate arrays, to plant slips from."""
    w1, b1, w2, b2 = W1.copy(), B1.copy(), W2.copy(), B2.copy()
    out: dict[Key, float] = {}
    steps: list[dict] = []
    losses, hits = [], []
    for s in range(3):
        x, t = X[s], T[s]
        z1 = w1 @ x + b1
        a1 = sig(z1)
        z2 = w2 @ a1 + b2
        y = sig(z2)
        e = t - y
        loss = float(np.mean(e**2))
        err2 = -e if gradient else e  # mse of 2 outputs: −(2/2)·e
        f2, f1 = y * (1 - y), a1 * (1 - a1)
        d2 = err2 * f2
        err1 = w2.T @ (d2 if gradient else err2)
        d1 = err1 * f1
        g1, g2 = np.outer(d1, x), np.outer(d2, a1)
        sign = -1.0 if gradient else 1.0
        dw1, db1, dw2, db2 = sign * LR * g1, sign * LR * d1, sign * LR * g2, sign * LR * d2
        new = {"w1": w1 + dw1, "b1": b1 + db1, "w2": w2 + dw2, "b2": b2 + db2}
        steps.append(
            {
                "x": x,
                "t": t,
                "w1": w1,
                "b1": b1,
                "w2": w2,
                "b2": b2,
                "z1": z1,
                "a1": a1,
                "z2": z2,
                "y": y,
                "e": e,
                "err2": err2,
                "f2": f2,
                "d2": d2,
                "err1": err1,
                "f1": f1,
                "d1": d1,
                "g1": g1,
                "g2": g2,
                "dw1": dw1,
                "dw2": dw2,
                "new": new,
            }
        )
        for q, layer, v in (
            ("z", 1, z1),
            ("a", 1, a1),
            ("z", 2, z2),
            ("a", 2, y),
            ("e", 2, e),
            ("loss", None, loss),
            ("err", 2, err2),
            ("fprime", 2, f2),
            ("delta", 2, d2),
            ("err", 1, err1),
            ("fprime", 1, f1),
            ("delta", 1, d1),
            ("grad_w", 1, g1),
            ("grad_b", 1, d1),
            ("dw", 1, dw1),
            ("db", 1, db1),
            ("grad_w", 2, g2),
            ("grad_b", 2, d2),
            ("dw", 2, dw2),
            ("db", 2, db2),
            ("w_new", 1, new["w1"]),
            ("b_new", 1, new["b1"]),
            ("w_new", 2, new["w2"]),
            ("b_new", 2, new["b2"]),
        ):
            for idx, val in np.ndenumerate(np.asarray(v)):
                j, i = ([k + 1 for k in idx] + [None, None])[:2]
                out[(q, s + 1, layer, j, i)] = float(val)
        w1, b1, w2, b2 = new["w1"], new["b1"], new["w2"], new["b2"]
        losses.append(loss)
        hits.append(bool(np.all((y >= 0.5) == (t == 1))))
    out[("epoch_loss", None, None, None, None)] = float(np.mean(losses))
    out[("accuracy", None, None, None, None)] = float(np.mean(hits))
    return out, steps


def _planted(code: str, st: dict, gradient: bool) -> tuple[Key, float]:
    """The learner's value with the slip, at step 1, by hand (no catalogue code)."""
    if code == "forgot_bias":  # net y'1 = Σ wo1,j·Oj, no bo1
        return ("z", 1, 2, 1, None), float(st["w2"][0] @ st["a1"])
    if code == "error_sign":  # e1 = y'1 − t1
        return ("e", 1, 2, 1, None), float(st["y"][0] - st["t"][0])
    if code == "fprime_from_net":  # f'(y'1) = net·(1 − net)
        z = st["z2"][0]
        return ("fprime", 1, 2, 1, None), float(z * (1 - z))
    if code == "no_fprime":  # δy'1 = err y'1
        return ("delta", 1, 2, 1, None), float(st["err2"][0])
    if code == "new_weights_in_backprop":  # eh1 through the output weights after this update
        sent = st["d2"] if gradient else st["err2"]
        return ("err", 1, 1, 1, None), float(st["new"]["w2"][:, 0] @ sent)
    if code == "rule_swap":  # deltas where the course sends raw errors, or the reverse
        sent = st["err2"] if gradient else st["d2"]
        return ("err", 1, 1, 1, None), float(st["w2"][:, 0] @ sent)
    if code == "no_learning_rate":  # Δw1,1 = ±∂w1,1
        return ("dw", 1, 1, 1, 1), float((-1 if gradient else 1) * st["g1"][0, 0])
    if code == "update_sign":  # wo1,1 new = wo1,1 − Δwo1,1
        return ("w_new", 1, 2, 1, 1), float(st["w2"][0, 0] - st["dw2"][0, 0])
    raise AssertionError(code)


def _cells(
    spec_args: dict | None = None, spec_path: Path | None = None, lang: str = "en"
) -> dict[Key, tuple[str, str]]:
    """Which cell holds which value (the engine's trace table, only for addresses)."""
    spec = load_spec(spec_path or example_path("course"), {"epochs": 1, **(spec_args or {})})
    table = run(spec).table(make_layout(spec, lang))
    out = {}
    for r in table.to_dict("records"):
        if r["quantity"] in ("x", "t", "w", "b", "lr") or not r["cell"]:
            continue
        step, *ints = (None if pd.isna(r[k]) else int(r[k]) for k in ("step", "layer", "j", "i"))
        out[(r["quantity"], step, *ints)] = (r["sheet"], r["cell"])
    return out


def _fill(
    template: Path, out: Path, cells: dict[Key, tuple[str, str]], values: dict[Key, float]
) -> Path:
    wb = openpyxl.load_workbook(template)
    assert set(values) == set(cells)  # the hand-written loop gives every answer
    for k, v in values.items():
        sheet, ref = cells[k]
        wb[sheet][ref] = v
    wb.save(out)
    return out


def _report(path: Path) -> list[dict]:
    """A CSV's rows as text (an empty field stays ``""``)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")


#: the single-layer rules' slips (issue 24), planted in tests/test_single.py
SINGLE_SLIPS = (
    "perceptron_update_when_correct",
    "perceptron_no_theta",
    "perceptron_used_y",
    "adaline_used_y",
    "hebb_binary_zero",
)


@pytest.fixture(scope="module")
def course_exercise(tmp_path_factory) -> Path:
    """The course's exercise (``nnsheet template``: first epoch, every block)."""
    out = tmp_path_factory.mktemp("ex") / "course.xlsx"
    assert main(["template", "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def gradient_spec(tmp_path_factory) -> Path:
    text = (ROOT / "src/nnsheet/examples/course.toml").read_text()
    path = tmp_path_factory.mktemp("spec") / "gradient.toml"
    path.write_text(text.replace('preset = "course"', 'preset = "gradient"'))
    return path


def test_the_catalogue_has_the_issues_codes_each_in_english_and_indonesian() -> None:
    assert set(MISTAKES) == {
        "forgot_bias",
        "error_sign",
        "fprime_from_net",
        "no_fprime",
        "new_weights_in_backprop",
        "rule_swap",
        "no_learning_rate",
        "update_sign",
        # issue 23, planted in tests/test_textbook.py (a bipolar network with momentum)
        "fprime_binary_for_bipolar",
        "no_momentum",
        # issue 23 item 3, planted in tests/test_nw_init.py (the Nguyen–Widrow work on Setup)
        "nw_inputs_for_hidden",
        "nw_whole_matrix",
        # issue 24, planted in tests/test_single.py (the single-layer rules)
        *SINGLE_SLIPS,
    }
    for lang in ("en", "id"):
        assert set(MISTAKE_WORDS[lang]) == set(MISTAKES)
    assert len(set(MISTAKE_WORDS["en"].values())) == len(MISTAKES)


def test_the_exact_loop_agrees_with_the_exercise(course_exercise: Path, tmp_path: Path) -> None:
    """The hand-written loop is the course's (so a planted slip is the only difference)."""
    exact, _ = course()
    filled = _fill(course_exercise, tmp_path / "exact.xlsx", _cells(), exact)
    assert main(["check", str(filled)]) == 0


#: the slips the course network can make (the bipolar and momentum ones: tests/test_textbook.py;
#: the Nguyen–Widrow ones: tests/test_nw_init.py)
TEXTBOOK_SLIPS = (
    "fprime_binary_for_bipolar",
    "no_momentum",
    "nw_inputs_for_hidden",
    "nw_whole_matrix",
    *SINGLE_SLIPS,
)
PLANTS = [*(m for m in MISTAKES if m not in TEXTBOOK_SLIPS), "update_sign_change"]


@pytest.mark.parametrize("code", PLANTS)
def test_each_slip_planted_in_an_exact_exercise_is_named(
    course_exercise: Path, tmp_path: Path, capsys, code: str
) -> None:
    exact, steps = course()
    if code == "update_sign_change":  # Δwo1,1 taken with the opposite sign: −η·δ·O
        key, value, code = ("dw", 1, 2, 1, 1), float(-LR * steps[0]["g2"][0, 0]), "update_sign"
    else:
        key, value = _planted(code, steps[0], gradient=False)
    assert abs(value - exact[key]) > 1e-3  # the slip changes the value
    cells = _cells()
    filled = _fill(course_exercise, tmp_path / f"{code}.xlsx", cells, {**exact, key: value})
    report, graded = tmp_path / "r.csv", tmp_path / "graded.xlsx"
    capsys.readouterr()
    assert main(["check", str(filled), "--report", str(report), "-o", str(graded)]) == 1
    out = capsys.readouterr().out
    rows = _report(report)
    wrong = [r for r in rows if r["verdict"] == "wrong"]
    assert [(r["sheet"], r["cell"]) for r in wrong] == [cells[key]]
    assert wrong[0]["mistake"] == code
    assert {r["mistake"] for r in rows if r["verdict"] != "wrong"} == {""}
    words = MISTAKE_WORDS["en"][code].split(" {")[0].split(":")[0]
    line = next(x for x in out.splitlines() if x.strip().startswith("likely slip:"))
    assert words in line and f"({code})" in line
    assert re.search(r"it is (-?[\d.e-]+), what you wrote", line)
    assert abs(float(re.search(r"it is (-?[\d.e-]+),", line).group(1)) - value) < 1e-5
    sheet, ref = cells[key]
    comment = openpyxl.load_workbook(graded)[sheet][ref].comment.text
    assert f"({code})" in comment and words in comment


@pytest.mark.parametrize(
    "code",
    ["rule_swap", "new_weights_in_backprop", "no_learning_rate", "update_sign", "error_sign"],
)
def test_slips_under_the_gradient_rule(gradient_spec: Path, tmp_path: Path, code: str) -> None:
    """The gradient rule sends back deltas (rule_swap: raw errors) and subtracts η·∂."""
    exercise = tmp_path / "g.xlsx"
    assert main(["template", str(gradient_spec), "-o", str(exercise)]) == 0
    exact, steps = course(gradient=True)
    cells = _cells(spec_path=gradient_spec)
    assert main(["check", str(_fill(exercise, tmp_path / "exact.xlsx", cells, exact))]) == 0
    key, value = _planted(code, steps[0], gradient=True)
    filled = _fill(exercise, tmp_path / "slip.xlsx", cells, {**exact, key: value})
    report = tmp_path / "r.csv"
    assert main(["check", str(filled), "--report", str(report)]) == 1
    wrong = [r for r in _report(report) if r["verdict"] == "wrong"]
    assert [(r["cell"], r["mistake"]) for r in wrong] == [(cells[key][1], code)]


def test_a_slip_is_named_in_indonesian(tmp_path: Path, capsys) -> None:
    exercise = tmp_path / "id.xlsx"
    assert main(["template", "-o", str(exercise), "--lang", "id"]) == 0
    exact, steps = course()
    cells = _cells(lang="id")
    key, value = _planted("no_fprime", steps[0], gradient=False)
    filled = _fill(exercise, tmp_path / "slip.xlsx", cells, {**exact, key: value})
    capsys.readouterr()
    assert main(["check", str(filled), "-o", str(tmp_path / "g.xlsx")]) == 1
    out = capsys.readouterr().out
    assert (
        "kemungkinan kekeliruan: δ diambil sama dengan galat, tanpa faktor turunan (no_fprime)"
    ) in out
    sheet, ref = cells[key]
    comment = openpyxl.load_workbook(tmp_path / "g.xlsx")[sheet][ref].comment.text
    assert "kemungkinan kekeliruan" in comment and "(no_fprime)" in comment


def test_a_wrong_value_no_slip_explains_names_none(course_exercise: Path, tmp_path: Path) -> None:
    exact, _ = course()
    cells = _cells()
    key = ("z", 1, 2, 1, None)
    filled = _fill(course_exercise, tmp_path / "x.xlsx", cells, {**exact, key: 0.5})
    report = tmp_path / "r.csv"
    assert main(["check", str(filled), "--report", str(report)]) == 1
    wrong = [r for r in _report(report) if r["verdict"] == "wrong"]
    assert [(r["cell"], r["mistake"]) for r in wrong] == [(cells[key][1], "")]


def test_a_slip_that_changes_nothing_is_not_tried() -> None:
    """The derivative from net of a linear output neuron is its derivative (1)."""
    spec = load_spec(example_path("linreg"))
    layout = make_layout(spec)
    fprime = layout.columns_of(["fprime"])
    for templates in layout.templates.values():
        assert not set(layout.slipped("fprime_from_net", templates)) & fprime
    # and the sigmoid's is tried on every f' column of a course row
    course_layout = make_layout(load_spec(example_path("course")))
    row = course_layout.templates["first_online"]
    assert set(course_layout.slipped("fprime_from_net", row)) == course_layout.columns_of(
        ["fprime"]
    )


# =========================================================================== a program's values
def readme_program() -> str:
    text = (ROOT / "docs" / "grading.md").read_text(encoding="utf-8")
    section = text[text.index("## Checking your own program") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def _run_program(code: str, where: Path) -> Path:
    (where / "train.py").write_text(code)
    done = subprocess.run(
        [sys.executable, "train.py"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return where / "values.csv"


def test_the_readmes_program_is_graded_all_correct(tmp_path: Path, capsys) -> None:
    values = _run_program(readme_program(), tmp_path)
    capsys.readouterr()
    assert main(["check", str(values), "--spec", "course"]) == 0
    out = capsys.readouterr().out
    assert "197 answer cells — 197 correct, 0 carried, 0 wrong, 0 missing" in out


def test_a_program_that_forgets_the_output_bias_is_told_so(tmp_path: Path, capsys) -> None:
    code = readme_program()
    assert code.count("z2 = W2 @ a1 + b2") == 1
    values = _run_program(code.replace("z2 = W2 @ a1 + b2", "z2 = W2 @ a1"), tmp_path)
    report, book = tmp_path / "r.csv", tmp_path / "gradebook.csv"
    capsys.readouterr()
    assert (
        main(
            [
                "check",
                str(values),
                "--spec",
                "course",
                "--report",
                str(report),
                "--gradebook",
                str(book),
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "first wrong: values.csv:6 net y'1 (step 1, sample 1)" in out
    assert (
        "likely slip: the net computed without the bias (forgot_bias): computed that way "
        "from your own earlier values it is 0.992424, what you wrote"
    ) in out
    rows = _report(report)
    # net y'1 of step 1 is the CSV's row 6 (header, then net O1, net O2, O1, O2)
    first = next(r for r in rows if r["verdict"] == "wrong")
    assert (first["sheet"], first["cell"], first["label"], first["step"], first["mistake"]) == (
        "",
        "6",
        "net y'1",
        "1",
        "forgot_bias",
    )
    # every output net is wrong by that slip, and everything after it is carried
    wrong = [r for r in rows if r["verdict"] == "wrong"]
    assert {(r["quantity"], r["layer"], r["mistake"]) for r in wrong} == {("z", "2", "forgot_bias")}
    assert len(wrong) == 6
    assert {r["verdict"] for r in rows} == {"correct", "carried", "wrong"}
    gb = _report(book)
    assert gb[0]["first_wrong"] == "values.csv:6 net y'1" and gb[0]["student"] == "values.csv"


def test_the_full_trace_table_is_accepted_as_values(tmp_path: Path) -> None:
    table = tmp_path / "table.csv"
    assert main(["trace", "course", "--table", str(table)]) == 0
    assert main(["check", str(table), "--spec", "course"]) == 0


def _values(tmp_path: Path) -> Path:
    exact, _ = course()
    path = tmp_path / "values.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["quantity", "epoch", "step", "sample", "layer", "j", "i", "value"])
        for (q, step, layer, j, i), v in exact.items():
            w.writerow([q, 1, step or "", step or "", layer or "", j or "", i or "", repr(v)])
    return path


def test_a_program_that_writes_only_the_forward_pass_is_graded_on_it(
    tmp_path: Path, capsys
) -> None:
    path = _values(tmp_path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], *(x for x in lines[1:] if x.split(",")[0] in "za")]))
    capsys.readouterr()
    assert main(["check", str(path), "--spec", "course"]) == 0
    out = capsys.readouterr().out
    assert "24 answer cells — 24 correct" in out and "backward" not in out


def _bad(tmp_path: Path, capsys, edit) -> str:
    path = _values(tmp_path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(edit(lines)) + "\n")
    capsys.readouterr()
    assert main(["check", str(path), "--spec", "course"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    return err


def test_bad_values_csvs_are_refused_naming_the_row(tmp_path: Path, capsys) -> None:
    # lines[0] is the header (row 1); lines[k] is row k + 1
    err = _bad(tmp_path, capsys, lambda ls: [ls[0], ls[1], "zz" + ls[2][1:], *ls[3:]])
    assert "values.csv: row 3: unknown quantity 'zz'" in err
    err = _bad(
        tmp_path, capsys, lambda ls: [",".join(x.split(",")[:5] + x.split(",")[6:]) for x in ls]
    )  # the column j removed
    assert "row 1 (the header) has no column 'j'" in err
    err = _bad(tmp_path, capsys, lambda ls: [*ls[:4], ls[4].rsplit(",", 1)[0] + ",0.5x", *ls[5:]])
    assert "values.csv: row 5: the value '0.5x' is not a number" in err
    err = _bad(tmp_path, capsys, lambda ls: [*ls, ls[3]])
    assert (
        f"values.csv: row {len(_values(tmp_path).read_text().splitlines()) + 1}: the same "
        "key as row 4" in err
    )
    err = _bad(tmp_path, capsys, lambda ls: [*ls, "z,1,4,1,1,1,,0.5"])
    assert "no such value in the trace of this spec (quantity z, epoch 1, step 4" in err
    err = _bad(tmp_path, capsys, lambda ls: [*ls[:2], ls[2].replace(",1,", ",1.5,", 1), *ls[3:]])
    assert "values.csv: row 3: epoch '1.5' is not a whole number" in err


def test_values_need_a_spec_and_have_no_graded_copy(tmp_path: Path, capsys) -> None:
    path = _values(tmp_path)
    assert main(["check", str(path)]) == 2
    assert "graded against a spec; give it with --spec SPEC" in capsys.readouterr().err
    assert main(["check", str(path), "--spec", "course", "-o", str(tmp_path / "g.xlsx")]) == 2
    assert "no graded copy" in capsys.readouterr().err
