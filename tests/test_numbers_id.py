"""Indonesian numbers and words (issue 26 item 6): the decimal comma in every Indonesian sentence,
the lecturer is *dosen*, and no English in what ``--lang id`` writes for a learner (the exercise
workbook, roster errors, the "wrote" lines). Expected spellings are written out by hand."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from nnsheet.cli import main
from nnsheet.core.examples import example_path
from nnsheet.core.specfile import load_spec
from nnsheet.exercise.template import ExerciseOptions, write_exercise
from nnsheet.words import exercise_text, guide, messages, serve_text
from nnsheet.words.numbers import interval_text, number_text, percent_text


@pytest.mark.parametrize(
    ("x", "lang", "decimals", "want"),
    [
        (0.5767, "id", None, "0,5767"),
        (0.5767, "en", None, "0.5767"),
        (0.576712345678, "id", 4, "0,5767"),
        (0.576712345678, "id", 3, "0,577"),
        (-1.25, "id", None, "-1,25"),
        (12, "id", None, "12"),
        (1234.5, "id", None, "1234,5"),  # no thousands separator
        (2.0, "id", 2, "2,00"),
        (-0.00001, "id", 2, "0,00"),  # no "-0,00"
        (1e-7, "id", None, "1e-07"),
        (float("nan"), "id", None, "nan"),
        (True, "id", None, "1"),
    ],
)
def test_number_text(x: float, lang: str, decimals: int | None, want: str) -> None:
    assert number_text(x, lang, decimals) == want


def test_percent_and_interval() -> None:
    assert percent_text(0.5933, "id") == "59,3%"
    assert percent_text(0.5933, "en", 2) == "59.33%"
    assert interval_text(-0.5, 0.5, "id") == "(-0,5; 0,5)"
    assert interval_text(-0.5, 0.5, "en") == "(-0.5, 0.5)"


def _id_strings() -> list[str]:
    """Every Indonesian string of the words modules this issue touches."""
    out: list[str] = []
    for table in (
        messages.MESSAGES["id"],
        messages.ROSTER["id"],
        exercise_text.INSTRUCTIONS["id"],
        exercise_text.BLOCK_NAMES["id"],
        guide.T["id"],
        serve_text.TEXT["id"],
    ):
        out += [v for v in table.values() if isinstance(v, str)]
    return out


def test_the_lecturer_is_dosen() -> None:
    texts = _id_strings()
    assert texts
    for t in texts:
        assert not re.search(r"\b(guru|pengajar|teacher)\b", t.replace("{url}teacher", ""), re.I), t
    assert any("dosen" in t for t in texts)


def _workbook_text(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        if ws.sheet_state == "veryHidden":
            continue  # the spec as TOML, for the grader, not for reading
        out += [
            c.value
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, str) and not c.value.startswith("=")
        ]
    return out


def test_indonesian_exercise_has_decimal_commas_and_no_english(tmp_path: Path) -> None:
    spec = load_spec(example_path("course"), {"epochs": 1})
    path = tmp_path / "latihan.xlsx"
    write_exercise(spec, path, ExerciseOptions(lang="id", decimals=3))
    texts = _workbook_text(path)
    joined = "\n".join(texts)
    assert "0,577" in joined and "0,58" in joined  # the decimals example, by hand
    version_or_title = re.compile(r"nnsheet \d+\.\d+\.\d+|Course example")
    for t in texts:
        assert not re.search(r"\d\.\d", version_or_title.sub("", t)), t
    for english in (
        "carry-forward",
        "Grade with",
        "Your name",
        "student number",
        "change them",
        "press F2",
        "the givens",
        "spreadsheet",
    ):
        assert english not in joined, english


def test_roster_and_wrote_lines_in_indonesian(tmp_path: Path, capsys) -> None:
    roster = tmp_path / "kelas.csv"
    roster.write_text("NIM;Nama\n2301;Ayu\n", encoding="utf-8")
    out = tmp_path / "kelas"
    assert (
        main(["template", "course", "--roster", str(roster), "-o", str(out), "--lang", "id"]) == 0
    )
    err = capsys.readouterr().err
    assert "menulis 1 latihan" in err
    assert not any(line.startswith(("wrote", "note")) for line in err.splitlines())
