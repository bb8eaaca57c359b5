"""Issue 11 (tool issue 11), parts 3–4: everything a learner or teacher reads with ``--lang id``
is Indonesian, and the small faults: ``−(t1−y1)``, no course symbol in a Fausett Guide.

The homework is the XOR 2-3-1 Fausett exercise of test_fausett.py, written with
``template --preset fausett --lang id`` and solved as the book does it: every number from the
plain-loop implementation there (Fausett's formulas and signs), typed at 4 decimals.
"""

from __future__ import annotations

import csv
import re
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_fausett import XOR_231, fausett_loops

from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.specfile import loads_spec
from nnsheet.output.workbook import make_layout, write_trace_workbook
from nnsheet.words.guide import guide_lines
from nnsheet.words.notation import notation_for

#: English a learner must not meet in an Indonesian check (words of the English texts)
ENGLISH = (
    "expected",
    "you wrote",
    "answer cells",
    "first wrong",
    "first missing",
    "graded copy",
    "from your own",
    "not a number",
    "nothing typed",
    "carried",
    "correct",
    "wrong",
    "missing",
    "Legend",
    "step ",
    "sample",
    "the spreadsheet",
    "mean of",
    "rounded",
)


def _book_values() -> dict[tuple[str, int | None, int | None, int | None], float]:
    """The homework solved as the book does it, by (quantity, layer, j, i), 1-based."""
    doc = tomllib.loads(XOR_231)
    h, o = doc["layer"]
    x, t = doc["data"]["inputs"][0], doc["data"]["targets"][0]
    b = fausett_loops(
        h["weights_from"], h["biases"], o["weights_from"], o["biases"], [x], [t], 0.2, 1
    )[0]
    v: dict[tuple[str, int | None, int | None, int | None], float] = {}
    for j in range(3):
        v[("z", 1, j + 1, None)], v[("a", 1, j + 1, None)] = b["z_in"][j], b["z"][j]
        v[("err", 1, j + 1, None)] = b["d_in"][j]  # δ_in_j
        v[("fprime", 1, j + 1, None)] = b["z"][j] * (1 - b["z"][j])
        v[("delta", 1, j + 1, None)] = v[("grad_b", 1, j + 1, None)] = b["d_j"][j]
        v[("db", 1, j + 1, None)], v[("b_new", 1, j + 1, None)] = b["dv0"][j], b["v0"][j]
        for i in range(2):
            v[("grad_w", 1, j + 1, i + 1)] = b["d_j"][j] * x[i]  # ∂ = δ·input, Fausett's sign
            v[("dw", 1, j + 1, i + 1)], v[("w_new", 1, j + 1, i + 1)] = b["dv"][i][j], b["v"][i][j]
        v[("grad_w", 2, 1, j + 1)] = b["d_k"][0] * b["z"][j]
        v[("dw", 2, 1, j + 1)], v[("w_new", 2, 1, j + 1)] = b["dw"][j][0], b["w"][j][0]
    y = b["y"][0]
    v[("z", 2, 1, None)], v[("a", 2, 1, None)] = b["y_in"][0], y
    v[("e", 2, 1, None)] = v[("err", 2, 1, None)] = t[0] - y  # err_k = t − y
    v[("fprime", 2, 1, None)] = y * (1 - y)
    v[("delta", 2, 1, None)] = v[("grad_b", 2, 1, None)] = b["d_k"][0]
    v[("db", 2, 1, None)], v[("b_new", 2, 1, None)] = b["dw0"][0], b["w0"][0]
    v[("loss", None, None, None)] = v[("epoch_loss", None, None, None)] = b["E"]
    v[("accuracy", None, None, None)] = float((y >= 0.5) == (t[0] == 1))
    return v


def _int(v: object) -> int | None:
    return None if v is None or str(v) == "<NA>" else int(v)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def homework(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    d = tmp_path_factory.mktemp("hw")
    spec_file = d / "xor.toml"
    spec_file.write_text(XOR_231.replace('preset = "fausett"\n', ""), encoding="utf-8")
    exercise = d / "latihan.xlsx"
    assert (
        main(
            ["template", str(spec_file), "--preset", "fausett", "--lang", "id", "-o", str(exercise)]
        )
        == 0
    )
    spec = loads_spec(XOR_231)
    layout = make_layout(spec, "id")
    table = run(spec).table(layout)
    book = _book_values()
    answers = table[
        table["sheet"].isin(["Langkah", "Epoch"]) & ~table["quantity"].isin(["x", "t", "w", "b"])
    ]
    wb = openpyxl.load_workbook(exercise)
    for sheet, cell, q, layer, j, i in zip(
        answers["sheet"],
        answers["cell"],
        answers["quantity"],
        answers["layer"],
        answers["j"],
        answers["i"],
        strict=True,
    ):
        wb[sheet][cell] = round(book[(q, _int(layer), _int(j), _int(i))], 4)
    solved = d / "jawaban.xlsx"
    wb.save(solved)
    # the same with mistakes: δ_in_j1 with the wrong weight (w21 for w11), z_in1 wrong so that
    # z1 is carried, y1 as text, f'(y_in1) left blank, the epoch's loss as a spreadsheet error
    cell = {
        (q, _int(ly), _int(j), _int(i)): (s, c)
        for s, c, q, ly, j, i in zip(
            answers["sheet"],
            answers["cell"],
            answers["quantity"],
            answers["layer"],
            answers["j"],
            answers["i"],
            strict=True,
        )
    }
    d_k = book[("delta", 2, 1, None)]
    slips = {
        ("err", 1, 1, None): round(d_k * -0.3, 4),
        ("z", 1, 1, None): 0.3,
        ("a", 1, 1, None): round(1 / (1 + 2.718281828459045**-0.3), 4),
        ("a", 2, 1, None): "nol koma empat",
        ("fprime", 2, 1, None): None,
        ("epoch_loss", None, None, None): "#DIV/0!",
    }
    for k, val in slips.items():
        s, c = cell[k]
        wb[s][c] = val
    slipped = d / "jawaban_salah.xlsx"
    wb.save(slipped)
    return {"dir": d, "solved": solved, "slipped": slipped, "cell": cell, "n": len(answers)}


def _check(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["check", *args])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _no_english(text: str) -> None:
    found = [w for w in ENGLISH if re.search(rf"\b{re.escape(w)}", text)]
    assert not found, (found, text[:800])


def test_book_solution_is_all_correct_and_said_in_indonesian(homework, capsys) -> None:
    d = homework["dir"]
    rc, out, err = _check([str(homework["solved"]), "-o", str(d / "dinilai.xlsx")], capsys)
    assert rc == 0, out + err
    n = homework["n"]
    assert out.splitlines()[0] == (
        f"{homework['solved']}: {n} sel jawaban — {n} benar, 0 terbawa, 0 salah, 0 kosong"
    )
    assert "  hasil penilaian: " in out
    _no_english(out)


def test_mistakes_are_explained_in_indonesian(homework, capsys) -> None:
    d = homework["dir"]
    graded, report = d / "dinilai_salah.xlsx", d / "nilai.csv"
    rc, out, err = _check(
        [str(homework["slipped"]), "-o", str(graded), "--report", str(report)], capsys
    )
    assert rc == 1
    _no_english(out)
    s, c = homework["cell"][("z", 1, 1, None)]
    assert (
        f"  salah pertama: {s}!{c} z_in1 (langkah 1, pola 1): seharusnya 0,2, Anda menulis "
        "0,3" in out
    )
    assert "    z_in1 = v11·x1 + v21·x2 + v01 = 0,2·1 + 0,3·1 + (-0,3) = 0,2" in out
    assert err.strip() == f"menulis {report} ({homework['n']} baris)"
    wb = openpyxl.load_workbook(graded)
    assert wb.sheetnames[0] == "Nilai"
    grades = "\n".join(
        str(v) for row in wb["Nilai"].iter_rows(values_only=True) for v in row if v is not None
    )
    assert "Keterangan" in grades and "Belum benar" in grades
    _no_english(grades.replace("nnsheet check", ""))
    comments = {
        (ws.title, c.coordinate): c.comment.text
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.comment is not None
    }
    assert len(comments) >= 6
    for text in comments.values():
        _no_english(text)
    at = {
        k: comments[homework["cell"][k]]
        for k in (
            ("err", 1, 1, None),
            ("a", 1, 1, None),
            ("a", 2, 1, None),
            ("fprime", 2, 1, None),
            ("epoch_loss", None, None, None),
        )
    }
    assert at[("err", 1, 1, None)].startswith("SALAH: δ_in_j1 (langkah 1, pola 1)\nAnda menulis")
    assert "δ_in_j1 = w11·δ_k1 = 0,5·(" in at[("err", 1, 1, None)]
    assert (
        at[("a", 1, 1, None)].startswith("TERBAWA: z1")
        and "mengikuti dengan benar dari nilai Anda yang salah, Langkah!" in at[("a", 1, 1, None)]
    )
    assert "teks 'nol koma empat' bukan angka" in at[("a", 2, 1, None)]
    assert at[("fprime", 2, 1, None)].startswith("KOSONG: f'(y_in1)")
    assert "galat spreadsheet #DIV/0!" in at[("epoch_loss", None, None, None)]
    # the CSV keeps English column names and verdict codes: scripts read it
    with open(report, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "file",
        "sheet",
        "cell",
        "label",
        "quantity",
        "epoch",
        "step",
        "sample",
        "layer",
        "j",
        "i",
        "verdict",
        "expected",
        "given",
        "mistake",
    ]
    assert {r["verdict"] for r in rows} == {"correct", "carried", "wrong", "missing"}
    assert {r["sheet"] for r in rows} == {"Langkah", "Epoch"}


def test_lang_overrides_the_exercises_language(homework, capsys) -> None:
    d = homework["dir"]
    graded = d / "graded_en.xlsx"
    rc, out, _ = _check([str(homework["slipped"]), "--lang", "en", "-o", str(graded)], capsys)
    assert rc == 1
    assert " answer cells — " in out and "  first wrong: Langkah!" in out
    assert "(step 1, sample 1): expected 0.2, you wrote 0.3" in out
    assert "  graded copy: " in out
    wb = openpyxl.load_workbook(graded)
    assert wb.sheetnames[0] == "Grades"
    assert "Langkah" in wb.sheetnames  # the learner's own sheets keep their names


# --------------------------------------------------------------------------- workbook words
def test_indonesian_exercise_sheets_setup_and_chart(homework) -> None:
    wb = openpyxl.load_workbook(homework["dir"] / "latihan.xlsx")
    assert wb.sheetnames == [
        "Panduan",
        "Inisialisasi",
        "Langkah",
        "Epoch",
        "Petunjuk",
        "nnsheet_exercise",
    ]
    instructions = " ".join(
        str(v) for row in wb["Petunjuk"].iter_rows(values_only=True) for v in row if v
    )
    assert "lembar Langkah dan Epoch" in instructions and "Inisialisasi" in instructions
    assert "propagasi maju, galat, propagasi mundur, perubahan bobot" in instructions
    settings = {
        r[0]: r[1]
        for r in wb["Inisialisasi"].iter_rows(min_row=7, max_row=17, values_only=True)
        if r[0]
    }
    assert settings["aturan"] == "error (propagasi balik galat)"
    assert settings["bias diperbarui"] == "ya" and settings["pembulatan"] == "tidak ada"
    assert settings["mode pelatihan"].startswith("online (")
    assert settings["fungsi galat"].startswith("half_sse (")
    with zipfile.ZipFile(homework["dir"] / "latihan.xlsx") as z:
        chart = z.read("xl/charts/chart1.xml").decode("utf-8")
    # one epoch: the chart shows the loss of each pattern (the Langkah sheet's loss column)
    assert "galat per pola (epoch 1)" in chart and "Langkah!$" in chart


# --------------------------------------------------------------------------- small faults
#: the same homework under the exact-gradient rule (Mazur's signs), written in Fausett's symbols
GRADIENT_FAUSETT = XOR_231.replace(
    'preset = "fausett"', 'preset = "gradient"\nnotation = "fausett"'
).replace("learning_rate = 0.2", 'learning_rate = 0.2\nloss = "half_sse"')


def _guide(text: str, lang: str) -> str:
    spec = loads_spec(text)
    return "\n".join(t for _, t in guide_lines(spec, notation_for(spec, lang), "0", 1))


@pytest.mark.parametrize("lang", ["en", "id"])
def test_fausett_guide_uses_fausetts_symbols_and_says_its_signs(lang: str) -> None:
    text = _guide(XOR_231, lang)
    assert "y'" not in text
    assert ("read as 1 if y_k ≥ 0.5" if lang == "en" else "dibaca 1 jika y_k ≥ 0,5") in text
    assert (
        "positive when the output is too small"
        if lang == "en"
        else "positif bila keluaran terlalu kecil"
    ) in text
    assert "δ_in_j = Σ_k δ_k·w jk" in text
    gradient = _guide(GRADIENT_FAUSETT, lang)
    assert (
        "positive when the output is too large"
        if lang == "en"
        else "positif bila keluaran terlalu besar"
    ) in gradient
    assert "−(t1−y1)" in gradient


def test_output_error_of_the_gradient_rule_is_parenthesised(tmp_path: Path) -> None:
    from nnsheet.exercise.template import ExerciseOptions
    from nnsheet.grading import AnswerKey, explain

    spec = loads_spec(GRADIENT_FAUSETT)
    key = AnswerKey.build(spec, ExerciseOptions())
    row = next(a for a in key.answers if a.quantity == "err" and a.layer == 2)
    text = explain(key, row)
    assert text.startswith("err_k1 = -(t1−y1) = -(-0.441388) = 0.441388"), text


def test_trace_and_template_say_what_they_wrote_in_indonesian(tmp_path: Path, capsys) -> None:
    spec_file = tmp_path / "xor.toml"
    spec_file.write_text(XOR_231, encoding="utf-8")
    capsys.readouterr()
    assert (
        main(
            [
                "trace",
                str(spec_file),
                "--lang",
                "id",
                "-o",
                str(tmp_path / "j.xlsx"),
                "--table",
                str(tmp_path / "j.csv"),
                "-q",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"menulis {tmp_path / 'j.xlsx'} (1 langkah, 1 epoch)",
        f"menulis {tmp_path / 'j.csv'}",
    ]
    assert main(["template", str(spec_file), "--lang", "id", "-o", str(tmp_path / "l.xlsx")]) == 0
    assert capsys.readouterr().err.startswith(
        f"menulis {tmp_path / 'l.xlsx'} (49 sel jawaban; periksa dengan: nnsheet check"
    )
    write_trace_workbook(
        run(loads_spec(XOR_231)), tmp_path / "w.xlsx", make_layout(loads_spec(XOR_231), "id")
    )
    assert openpyxl.load_workbook(tmp_path / "w.xlsx").sheetnames == [
        "Panduan",
        "Inisialisasi",
        "Langkah",
        "Epoch",
    ]
