"""Indonesian output everywhere a person reads it (issue 26 item 6): every number with the decimal
comma — the terminal summary of ``check``, the explanations, the graded copy's sheet and
comments (full feedback and hints), the doctor's text and report, serve's pages — while the
``--report`` CSV, JSON and the formulas in cells keep the decimal point; and the lecturer is
*dosen* in every Indonesian word table. Expected numbers are written out by hand."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import openpyxl
import pytest

from nnsheet.cli import main
from nnsheet.grading.read import read_given, shown
from nnsheet.words import (
    doctor_text,
    exercise_text,
    grading_text,
    guide,
    messages,
    notation,
    serve_text,
)
from nnsheet.words.notation import setting_value
from nnsheet.words.numbers import formula_text, numeral_text

#: a number written with a decimal point: what Indonesian text must not hold
POINT = re.compile(r"\d\.\d")
#: what may hold one: cell references with a sheet (no dot there), the version, file names
ALLOWED = re.compile(r"nnsheet \d+\.\d+\.\d+|[\w/.-]+\.(?:xlsx|ods|csv|pdf|toml)\b")


def _points(text: str) -> list[str]:
    """The decimal-point numbers of ``text`` (with a little context), version and files aside."""
    text = ALLOWED.sub("", text)
    return [text[max(0, m.start() - 30) : m.end() + 10] for m in POINT.finditer(text)]


def _book_text(path: Path) -> list[str]:
    """Every text a person reads in a workbook: cell texts (not formulas) and comments."""
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        if ws.sheet_state == "veryHidden":
            continue  # the spec as TOML, for the grader
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and not c.value.startswith("="):
                    out.append(f"{ws.title}!{c.coordinate}: {c.value}")
                if c.comment is not None:
                    out.append(f"{ws.title}!{c.coordinate} (comment): {c.comment.text}")
    return out


# ----------------------------------------------------------------------------- pieces
def test_formula_text_as_an_indonesian_spreadsheet_shows_it() -> None:
    assert formula_text("IF(AND(A3>=0.5,B3<0.5),1,0)", "id") == "IF(AND(A3>=0,5;B3<0,5);1;0)"
    assert formula_text("SUMPRODUCT(I3:K3,D3:F3)+O3", "id") == "SUMPRODUCT(I3:K3;D3:F3)+O3"
    # quoted texts and sheet names are kept; English is unchanged
    assert formula_text("'a.b'!A1&\"x,y\"&0.25", "id") == "'a.b'!A1&\"x,y\"&0,25"
    assert formula_text("IF(A3>=0.5,1,0)", "en") == "IF(A3>=0.5,1,0)"
    assert numeral_text("0.57671234567", "id") == "0,57671234567"  # digit for digit


def test_a_typed_number_is_shown_with_the_decimal_comma_and_typed_text_as_typed() -> None:
    assert shown(read_given(0.25, "n", None), "id") == "0,25"
    assert shown(read_given(0.25, "n", None), "en") == "0.25"
    assert shown(read_given(0.1 + 0.2, "n", None), "id") == "0,30000000000000004"
    assert shown(read_given(0.5, "n", "=A1/2"), "id") == "=A1/2 → 0,5"
    assert shown(read_given(2.0, "n", None), "id") == "2"
    # text typed in a cell is quoted as the learner typed it (a point there is their own)
    assert shown(read_given("0.5", "s", None), "id") == "0.5"
    assert shown(read_given("0,5", "s", None), "id") == "0,5"


def test_reason_numbers_are_said_in_the_readers_language() -> None:
    from nnsheet.grading.reason import Flag, Reason

    r = Reason.of("expected", expected="-0.58904", own="1.5e-05", typed=None, stated=4)
    assert grading_text.reason(r, "id") == (
        "seharusnya -0,58904 (atau 1,5e-05 bila dihitung dari nilai Anda sendiri sebelumnya)"
    )
    assert grading_text.reason(r, "en").startswith("expected -0.58904 (or 1.5e-05 ")
    # a field that is not a number stays as it is (an error value, a network's sizes)
    e = Reason.of("spreadsheet_error", value="#DIV/0!")
    assert grading_text.reason(e, "id") == "galat spreadsheet #DIV/0!"
    f = Flag(
        "tampered", "note.tampered", what=(("diff.network", {"got": "3-2-2", "want": "2-2-1"}),)
    )
    assert grading_text.flag_note(f, "id").endswith("jaringan 3-2-2, seharusnya 2-2-1")


def test_setup_initial_range_in_indonesian() -> None:
    assert setting_value("init", "seed 7, uniform(-0.5, 0.5)", "id") == (
        "seed 7, acak seragam (-0,5; 0,5)"
    )
    assert setting_value("init", "seed 7, uniform(-1, 1)", "id") == "seed 7, acak seragam (-1; 1)"


# ----------------------------------------------------------------------------- dosen
def _indonesian_strings(obj: object, inside_id: bool = False) -> list[str]:
    """Every string reachable in a word table under an ``"id"`` key (at any depth)."""
    out: list[str] = []
    if isinstance(obj, str):
        return [obj] if inside_id else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _indonesian_strings(v, inside_id or k == "id")
    elif isinstance(obj, tuple | list):
        for v in obj:
            out += _indonesian_strings(v, inside_id)
    return out


def test_no_guru_or_pengajar_in_any_indonesian_word_table() -> None:
    import importlib
    import pkgutil

    import nnsheet.words
    from nnsheet.core import ops

    texts: list[str] = []
    modules = [
        importlib.import_module(f"nnsheet.words.{m.name}")
        for m in pkgutil.iter_modules(nnsheet.words.__path__)
    ]
    assert {doctor_text, exercise_text, grading_text, guide, messages, notation, serve_text} <= set(
        modules
    )
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, dict):
                texts += _indonesian_strings(value)
    # the registry's texts (rules, activations, mistakes) carry their Indonesian words too
    for table in (ops.ACTIVATIONS, ops.LOSSES, ops.RULES, ops.MISTAKES):
        for entry in table.values():
            for value in vars(entry).values() if hasattr(entry, "__dict__") else ():
                texts += _indonesian_strings(value)
    assert len(texts) > 300
    bad = [t for t in texts if re.search(r"\b(guru|pengajar)\b", t, re.I)]
    assert not bad, bad
    assert any(re.search(r"\bdosen\b", t) for t in texts)
    src = Path(notation.__file__).parents[1]
    for page in (src / "serve" / "templates").glob("*.html"):
        assert not re.search(r"\b(guru|pengajar)\b", page.read_text(encoding="utf-8"), re.I), page


# ----------------------------------------------------------------------------- check
def _wrong_exercise(tmp_path: Path) -> Path:
    """The course exercise in Indonesian with a few numbers typed in: net O1 of step 1 as 0.25
    (it is 0.1·1 + 0.2·0.5 + 0.3·0.2 + 0.1 = 0.36), the rest of row 3's first cells 0.5767."""
    ex = tmp_path / "latihan.xlsx"
    assert main(["template", "course", "--lang", "id", "-o", str(ex)]) == 0
    wb = openpyxl.load_workbook(ex)
    ws = wb["Langkah"]
    typed = 0
    for c in ws[3]:
        if c.value is None and c.protection.locked is False and typed < 12:
            c.value = 0.25 if typed == 0 else 0.5767
            typed += 1
    wb.save(ex)
    return ex


def test_check_in_indonesian_writes_decimal_commas(tmp_path: Path, capsys) -> None:
    ex = _wrong_exercise(tmp_path)
    capsys.readouterr()
    graded, report = tmp_path / "dinilai.xlsx", tmp_path / "nilai.csv"
    assert main(["check", str(ex), "-o", str(graded), "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "seharusnya 0,36, Anda menulis 0,25" in out, out
    assert "= 0,1·1 + 0,2·0,5 + 0,3·0,2 + 0,1 = 0,36" in out, out
    assert not _points(out), _points(out)
    texts = _book_text(graded)
    assert any("Anda menulis 0,5767" in t for t in texts)
    bad = [p for t in texts for p in _points(t)]
    assert not bad, bad
    # the CSV for scripts keeps the decimal point
    with open(report, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    first = next(r for r in rows if r["given"] == "0.25")
    assert float(first["expected"]) == pytest.approx(0.36)
    assert "," not in first["expected"]


def test_hints_copy_in_indonesian_writes_formulas_as_an_indonesian_spreadsheet(
    tmp_path: Path,
) -> None:
    ex = _wrong_exercise(tmp_path)
    out = tmp_path / "kembali"
    assert main(["check", str(ex), "--feedback", "hints", "-o", str(out)]) == 1
    texts = _book_text(out / ex.name)
    # net O1's formula on the learner's own numbers: the givens 0.1 (b1) and 0.25 typed
    net = next(t for t in texts if "(comment)" in t and "net O1 = SUMPRODUCT(" in t)
    assert "SUMPRODUCT(I3:K3;D3:F3)+O3 → SUMPRODUCT(0,1:0,3;1:0,2)+0,1" in net, net
    o1 = next(t for t in texts if "(comment)" in t and "\nO1 = IF(" in t)
    assert "IF(0,25>=0;1/(1+EXP(-0,25))" in o1, o1
    bad = [p for t in texts for p in _points(t)]
    assert not bad, bad


# ----------------------------------------------------------------------------- doctor
@pytest.mark.parametrize("example", ["lr-too-high", "unscaled", "xor-stuck"])
def test_doctor_in_indonesian_writes_decimal_commas(tmp_path: Path, capsys, example) -> None:
    report = tmp_path / "laporan.xlsx"
    assert main(["doctor", example, "--lang", "id", "-o", str(report)]) == 1
    out = capsys.readouterr().out
    assert re.search(r"\d,\d", out), out
    assert not _points(out), _points(out)
    bad = [p for t in _book_text(report) for p in _points(t)]
    assert not bad, bad
    # JSON for scripts keeps numbers as numbers
    assert main(["doctor", example, "--lang", "id", "--json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert any(isinstance(v["loss"], float) for f in found for v in f["variants"])


# ----------------------------------------------------------------------------- serve
def _page_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_serve_pages_in_indonesian_write_decimal_commas(tmp_path: Path) -> None:
    from serving import answers, fill
    from test_serve import _order, _sign_in, _submit, _teacher, served

    with served(tmp_path, lang="id", feedback="full") as (client, data, code):
        assert _sign_in(client, "2301", code["2301"]).status_code == 303
        ex = client.get("/exercise").content
        vals = answers("2301", "id")
        for k in sorted(vals, key=_order)[:3]:  # three wrong: a score with a decimal
            vals[k] += 0.3
        f = fill(ex, tmp_path / "f.xlsx", vals)
        ans = _submit(client, "2301", code["2301"], f).json()
        assert ans["status"] == "graded"
        n = ans["answer_cells"]
        score = 100 * (ans["correct"] + ans["carried"]) / n  # carried earn credit (1)
        assert isinstance(ans["score"], float)  # JSON: a number
        shown_score = f"{score:.1f}".replace(".", ",")
        pages = [client.get("/attempts/1").text, client.get("/me").text]
        _teacher(client, data)
        pages += [client.get("/teacher").text, client.get("/teacher/students/2301").text]
        for page in pages:
            text = _page_text(page)
            assert not _points(text), _points(text)
        assert f"{shown_score}%" in _page_text(pages[0]), _page_text(pages[0])
        assert f"{shown_score}%" in _page_text(pages[2])


def test_every_indonesian_template_asks_only_for_fields_its_english_one_is_given() -> None:
    """A translated template must not rename a placeholder (``{galat}`` for ``{loss}`` raised a
    KeyError in ``doctor --lang id``): the Indonesian one's fields are among the English one's
    (the English may have more: plural suffixes such as ``{epochs_s}``)."""
    import importlib
    import pkgutil
    import string

    import nnsheet.words as words_package

    def fields(template: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(template) if f}

    # fields a call gives both languages though only one says them: "the {nth} decimal" is
    # "desimal ke-{d}"
    both_given = {("exercise_text", "INSTRUCTIONS", "decimals"): {"d"}}
    checked, wrong = 0, []
    for info in pkgutil.iter_modules(words_package.__path__):
        module = importlib.import_module(f"nnsheet.words.{info.name}")
        for name, table in vars(module).items():
            if not (isinstance(table, dict) and {"en", "id"} <= table.keys()):
                continue
            en, id_ = table["en"], table["id"]
            if not (isinstance(en, dict) and isinstance(id_, dict)):
                continue
            for key, text in id_.items():
                if isinstance(text, str) and isinstance(en.get(key), str):
                    checked += 1
                    extra = fields(text) - fields(en[key])
                    extra -= both_given.get((info.name, name, key), set())
                    if extra:
                        wrong.append(f"{info.name}.{name}[{key!r}]: {sorted(extra)}")
    assert checked > 300
    assert not wrong, wrong
