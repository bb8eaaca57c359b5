"""Hostile and edge-case inputs (issue 6): untrusted workbooks (XML attacks, zip bombs),
spreadsheet injection through spec text and CSV headers, numeric edge cases with clear outcomes,
and operating-system errors on output. Every command-line failure is exit 2 with one line."""

from __future__ import annotations

import errno
import os
import tomllib
import warnings
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from specs import DIVERGING

import nnsheet.output.table
from nnsheet.cli import main
from nnsheet.core.engine import run
from nnsheet.core.errors import SpecError, TrainingError, WorkbookError
from nnsheet.core.examples import example_path
from nnsheet.core.rounding import xround
from nnsheet.core.safety import DEFAULT_LIMITS, XlsxLimits, check_xlsx_archive
from nnsheet.core.specfile import loads_spec, parse_spec
from nnsheet.output.workbook import make_layout, write_trace_workbook
from nnsheet.sheet.layout import col_name

ROOT = Path(__file__).resolve().parents[1]
MiB = 2**20


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


def one_line_error(capsys, *argv: str) -> str:
    rc, err = run_cli(capsys, *argv)
    assert rc == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsheet: error: "), err
    return lines[0]


# =========================================================================== untrusted workbooks
def test_openpyxl_parses_with_defusedxml():
    """openpyxl switches to defusedxml's parsers when it is installed; nnsheet depends on it."""
    assert openpyxl.DEFUSEDXML is True
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.startswith("defusedxml") for d in deps)
    from openpyxl.xml import functions

    assert functions.iterparse.__module__.startswith("defusedxml")


@pytest.fixture(scope="module")
def good_xlsx(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("good") / "course.xlsx"
    spec = loads_spec(example_path("course").read_text(encoding="utf-8"))
    write_trace_workbook(run(spec), path, make_layout(spec))
    return path


def _rewrite(src: Path, dst: Path, replace: dict[str, bytes]) -> Path:
    """A copy of the workbook ``src`` with some parts replaced."""
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
    return dst


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>
</worksheet>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>
</worksheet>
"""
SHEET = "xl/worksheets/sheet3.xml"  # Steps


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_xml_entity_attacks_are_refused(good_xlsx, tmp_path, payload):
    bad = _rewrite(good_xlsx, tmp_path / "bad.xlsx", {SHEET: payload})
    with pytest.raises(WorkbookError, match="declares a DTD") as ei:
        check_xlsx_archive(bad)
    assert "\n" not in str(ei.value) and str(bad) in str(ei.value)
    # a DTD hidden behind a long comment: the parser reads the whole part, not its first bytes
    padded = payload.replace(b"?>\n", b"?>\n<!--" + b" " * 10_000 + b"-->\n", 1)
    bad2 = _rewrite(good_xlsx, tmp_path / "bad2.xlsx", {SHEET: padded})
    with pytest.raises(WorkbookError, match="sheet 'Steps' declares a DTD") as ei:
        check_xlsx_archive(bad2)
    assert "\n" not in str(ei.value) and "Error" not in str(ei.value)


def test_utf16_dtd_is_refused(good_xlsx, tmp_path):
    payload = (
        EXTERNAL_ENTITY.replace(
            b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>'
        )
        .decode()
        .encode("utf-16")
    )
    bad = _rewrite(good_xlsx, tmp_path / "bad.xlsx", {SHEET: payload})
    with pytest.raises(WorkbookError, match="declares a DTD"):
        check_xlsx_archive(bad)


def _zeros_member(path: Path, member: str, n_mib: int, base: Path | None = None) -> Path:
    """A zip holding ``member`` of ``n_mib`` MiB of zeros (plus the parts of ``base``), written
    streaming: fast, and a few hundred KB on disk."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        if base is not None:
            with zipfile.ZipFile(base) as zb:
                for info in zb.infolist():
                    if info.filename != member:
                        zf.writestr(info.filename, zb.read(info.filename))
        block = bytes(MiB)
        with zf.open(member, "w", force_zip64=True) as fh:
            for _ in range(n_mib):
                fh.write(block)
    return path


@pytest.fixture(scope="module")
def bomb_300(tmp_path_factory, good_xlsx) -> Path:
    p = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    return _zeros_member(p, SHEET, 300, base=good_xlsx)


def test_zip_bomb_is_refused_before_expanding(bomb_300):
    assert bomb_300.stat().st_size < 2 * MiB  # cheap to build and to keep
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(WorkbookError, match="expand to more than 200 MiB") as ei:
        check_xlsx_archive(bomb_300)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5 * MiB  # nothing was expanded
    assert "\n" not in str(ei.value)


def test_highly_compressed_member_is_refused(tmp_path):
    bomb = _zeros_member(tmp_path / "ratio.xlsx", SHEET, 150)
    with pytest.raises(WorkbookError, match=r"compressed \d+:1"):
        check_xlsx_archive(bomb)


def test_too_many_members_is_refused(tmp_path):
    p = tmp_path / "many.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as zf:
        for k in range(DEFAULT_LIMITS.max_members + 1):
            zf.writestr(f"x/{k}", b"")
    with pytest.raises(WorkbookError, match="5001 parts, more than the 5000"):
        check_xlsx_archive(p)


def test_limits_are_configurable_and_real_workbooks_pass(good_xlsx):
    check_xlsx_archive(good_xlsx)
    with pytest.raises(WorkbookError, match="expand to more than"):
        check_xlsx_archive(good_xlsx, XlsxLimits(max_uncompressed=10_000))
    with pytest.raises(WorkbookError, match="parts, more than the 3"):
        check_xlsx_archive(good_xlsx, XlsxLimits(max_members=3))
    with pytest.raises(WorkbookError, match="larger than"):
        check_xlsx_archive(good_xlsx, XlsxLimits(max_file_bytes=100))
    with pytest.raises(WorkbookError, match="compressed"):
        check_xlsx_archive(good_xlsx, XlsxLimits(max_ratio=1.5, ratio_min_bytes=1000))


def test_a_long_real_trace_passes_the_limits(tmp_path):
    """A real trace workbook compresses about 5:1, far from the ratio limit."""
    spec = loads_spec(example_path("xor").read_text(encoding="utf-8"), overrides={"epochs": 300})
    path = tmp_path / "xor.xlsx"
    write_trace_workbook(run(spec), path, make_layout(spec))
    check_xlsx_archive(path)
    with zipfile.ZipFile(path) as zf:
        worst = max(i.file_size / max(i.compress_size, 1) for i in zf.infolist())
    assert worst < DEFAULT_LIMITS.max_ratio / 5


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip at all", b"PK\x03\x04garbage", b"PK\x05\x06" + bytes(18)],
    ids=["empty", "text", "local", "empty-zip"],
)
def test_not_a_workbook(tmp_path, content):
    p = tmp_path / "x.xlsx"
    p.write_bytes(content)
    if content.startswith(b"PK\x05\x06"):
        check_xlsx_archive(p)  # an empty archive is harmless; the reader reports what's missing
        return
    with pytest.raises(WorkbookError, match="not an .xlsx workbook") as ei:
        check_xlsx_archive(p)
    assert "\n" not in str(ei.value)


def test_truncated_workbook(good_xlsx, tmp_path):
    data = good_xlsx.read_bytes()
    for cut in (len(data) // 3, len(data) - 10):
        p = tmp_path / f"cut{cut}.xlsx"
        p.write_bytes(data[:cut])
        with pytest.raises(WorkbookError):
            check_xlsx_archive(p)


def test_missing_and_folder(tmp_path):
    with pytest.raises(WorkbookError, match="file not found"):
        check_xlsx_archive(tmp_path / "nope.xlsx")
    with pytest.raises(WorkbookError, match="got a folder"):
        check_xlsx_archive(tmp_path)


def test_encrypted_member_is_refused(good_xlsx, tmp_path):
    p = _rewrite(good_xlsx, tmp_path / "enc.xlsx", {})
    data = bytearray(p.read_bytes())
    # set the "encrypted" flag bit in every central directory entry
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        data[pos + 8] |= 1
        pos += 4
    p.write_bytes(bytes(data))
    with pytest.raises(WorkbookError, match="encrypted"):
        check_xlsx_archive(p)


# ---- through `nnsheet check` (the grader reads learners' files)
def _has_grader() -> bool:
    try:
        import nnsheet.grading  # noqa: F401
    except ImportError:
        return False
    return True


needs_grader = pytest.mark.skipif(not _has_grader(), reason="nnsheet.grading not there yet")


def _many_cells(n: int) -> bytes:
    """A worksheet of ``n`` distinct cells (compresses like a real sheet, about 10:1)."""
    body = b"".join(b'<c r="A%d"><v>%d</v></c>' % (i, i * 7919 % 1000003) for i in range(1, n + 1))
    return (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1">'
        + body
        + b"</row></sheetData></worksheet>"
    )


def test_cell_count_limit(good_xlsx, tmp_path):
    check_xlsx_archive(good_xlsx, XlsxLimits(max_cells=1000))
    with pytest.raises(WorkbookError, match="more than the 100 nnsheet reads"):
        check_xlsx_archive(good_xlsx, XlsxLimits(max_cells=100))
    # prefixed tags count too (the prefix bound to the sheet's namespace)
    sheet = (
        _many_cells(1100)
        .replace(b"<c ", b"<x:c ")
        .replace(b"</c>", b"</x:c>")
        .replace(
            b"<worksheet ",
            b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ',
        )
    )
    bad = _rewrite(good_xlsx, tmp_path / "prefixed.xlsx", {SHEET: sheet})
    with pytest.raises(WorkbookError, match="sheet 'Steps': .*more than (the )?1,000"):
        check_xlsx_archive(bad, XlsxLimits(max_cells=1000))


@pytest.fixture(scope="module")
def cell_bomb(tmp_path_factory, good_xlsx) -> Path:
    d = tmp_path_factory.mktemp("cells")
    return _rewrite(good_xlsx, d / "cells.xlsx", {SHEET: _many_cells(DEFAULT_LIMITS.max_cells + 1)})


def test_cell_bomb_within_the_size_limits_is_refused(cell_bomb):
    with zipfile.ZipFile(cell_bomb) as zf:
        info = zf.getinfo(SHEET)
    assert info.file_size < DEFAULT_LIMITS.max_uncompressed  # not caught by size or ratio
    assert info.file_size < DEFAULT_LIMITS.max_ratio * info.compress_size
    with pytest.raises(WorkbookError, match="sheet .Steps.: .*more than (the )?200,000"):
        check_xlsx_archive(cell_bomb)


@needs_grader
def test_check_refuses_cell_bomb_with_one_line(capsys, cell_bomb):
    assert "200,000" in one_line_error(capsys, "check", cell_bomb)


@needs_grader
def test_check_refuses_zip_bomb_with_one_line(capsys, bomb_300):
    line = one_line_error(capsys, "check", bomb_300)
    assert str(bomb_300) in line and "200 MiB" in line


@needs_grader
def test_check_reads_no_member_before_the_limits(capsys, tmp_path, good_xlsx):
    """A bomb in the member the grader sniffs first (ODS's ``mimetype``) is refused unread."""
    import tracemalloc

    bomb = _zeros_member(tmp_path / "mime.xlsx", "mimetype", 300, base=good_xlsx)
    tracemalloc.start()
    line = one_line_error(capsys, "check", bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "200 MiB" in line
    assert peak < 20 * MiB  # nothing was expanded


@needs_grader
@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_check_refuses_xml_attacks_with_one_line(capsys, tmp_path, payload):
    ex = tmp_path / "ex.xlsx"
    assert main(["template", "-o", str(ex)]) == 0
    bad = _rewrite(ex, tmp_path / "bad.xlsx", {SHEET: payload})
    padded = payload.replace(b"?>\n", b"?>\n<!--" + b" " * 10_000 + b"-->\n", 1)
    bad2 = _rewrite(ex, tmp_path / "bad2.xlsx", {SHEET: padded})
    for f in (bad, bad2):
        line = one_line_error(capsys, "check", f)
        assert str(f) in line
        assert "root:" not in line  # /etc/passwd never read


@needs_grader
@pytest.mark.parametrize("content", [b"", b"hello", b"PK\x03\x04garbage"])
def test_check_refuses_non_workbooks_with_one_line(capsys, tmp_path, content):
    p = tmp_path / "x.xlsx"
    p.write_bytes(content)
    one_line_error(capsys, "check", p)


@needs_grader
def test_check_refuses_highly_compressed_part_with_one_line(capsys, tmp_path):
    ex = tmp_path / "ex.xlsx"
    assert main(["template", "-o", str(ex)]) == 0
    bomb = _zeros_member(tmp_path / "bomb.xlsx", SHEET, 150, base=ex)
    line = one_line_error(capsys, "check", bomb)
    assert "compressed" in line and "zip bomb" in line


def _filled(ex: Path, out: Path, texts: list[str]) -> Path:
    """The exercise ``ex`` with ``texts`` typed as text into its first answer cells."""
    wb = openpyxl.load_workbook(ex)
    ws = wb["Steps"]
    todo = list(texts)
    for row in ws.iter_rows(min_row=3, max_row=3):
        for c in row:
            if todo and c.value is None and c.protection.locked is False:
                c.value = todo.pop(0)
                c.data_type = "s"  # typed text, as a spreadsheet stores it
    assert not todo
    wb.save(out)
    wb.close()
    return out


@needs_grader
def test_grading_writes_learner_text_and_file_names_as_text(capsys, tmp_path, monkeypatch):
    """Found here: the graded copy's Grades sheet turned a file name starting with "=" into a
    formula, and the --report CSV carried learners' "=cmd|…" text into the teacher's
    spreadsheet as a formula; the terminal summary printed control characters raw."""
    ex = tmp_path / "ex.xlsx"
    assert main(["template", "-o", str(ex)]) == 0
    # C1 controls: XML forbids ESC itself
    texts = [HOSTILE_TITLE, "@SUM(A1)", "+1+1", "-2-2", "\x9b2J\x9d0;pwned\x9c"]
    learner = _filled(ex, tmp_path / '=HYPERLINK("http x").xlsx', texts)
    before = learner.read_bytes()
    graded, report = tmp_path / "graded.xlsx", tmp_path / "grades.csv"
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)  # the summary then starts with the file name
    rc = main(["check", learner.name, "-o", str(graded), "--report", str(report)])
    out = capsys.readouterr()
    assert rc == 1 and "Traceback" not in out.err
    assert "\x9b" not in out.out and "\x9d" not in out.out
    assert learner.read_bytes() == before  # the learner's file is never modified
    wb = openpyxl.load_workbook(graded)
    try:
        assert not [
            c.coordinate for row in wb["Grades"].iter_rows() for c in row if c.data_type == "f"
        ]
        assert any(
            str(c.value).startswith("=HYPERLINK") for row in wb["Grades"].iter_rows() for c in row
        )
    finally:
        wb.close()
    import csv

    with open(report, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for row in rows[1:]:
        for field in row:
            if field[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(field)  # only plain numbers may start so
    given = {r[rows[0].index("given")] for r in rows[1:]}
    assert {"'" + HOSTILE_TITLE, "'@SUM(A1)", "'+1+1", "'-2-2"} <= given


# =========================================================================== injection
HOSTILE_TITLE = "=cmd|' /C calc'!A0"
HOSTILE_HEADERS = ["@SUM(A1)", "+1", "-2", '=HYPERLINK("http://x")']
HOSTILE_LABELS = ["=1+1", "=cmd|' /C calc'!A0", "@A1"]


@pytest.fixture
def hostile_spec(tmp_path) -> Path:
    rows = [
        ",".join(
            f'"{h}"' if "," in h or '"' in h else h
            for h in [h.replace('"', '""') for h in HOSTILE_HEADERS] + ["species"]
        )
    ]
    data = [(5.1, 3.5, 1.4, 0.2), (7.0, 3.2, 4.7, 1.4), (6.3, 3.3, 6.0, 2.5), (4.9, 3.0, 1.4, 0.2)]
    for k, r in enumerate(data):
        label = HOSTILE_LABELS[k % 3]
        rows.append(",".join(map(str, r)) + "," + (f'"{label}"' if "," in label else label))
    (tmp_path / "evil.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    title = HOSTILE_TITLE  # no \ or " in it: a TOML basic string holds it as it is
    (tmp_path / "evil.toml").write_text(
        f"""\
title = "{title}"
[[layer]]
size = 2
activation = "sigmoid"
[[layer]]
size = 3
activation = "sigmoid"
[training]
epochs = 2
[data]
csv = "evil.csv"
targets = "species"
normalize = "minmax"
""",
        encoding="utf-8",
    )
    return tmp_path / "evil.toml"


def _formula_cells(path: Path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(path)
    out = {}
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type == "f":
                        out[(ws.title, c.coordinate)] = str(c.value)
        texts = {
            str(c.value)
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.data_type == "s"
        }
        names = set(wb.defined_names)
    finally:
        wb.close()
    return out, texts, names


def test_spec_and_csv_text_is_written_as_text(capsys, hostile_spec, tmp_path):
    spec = parse_spec(tomllib.loads(hostile_spec.read_text()), "evil.toml", hostile_spec.parent)
    assert spec.title == HOSTILE_TITLE and list(spec.feature_names) == HOSTILE_HEADERS
    assert set(spec.target_names) == set(HOSTILE_LABELS)
    out = tmp_path / "out.xlsx"
    rc, err = run_cli(capsys, "trace", hostile_spec, "-o", out, "--table", tmp_path / "t.csv", "-q")
    assert rc == 0, err
    formulas, texts, names = _formula_cells(out)
    table = run(spec).table(make_layout(spec))
    own = {
        (s, c)
        for s, c in zip(table["sheet"], table["cell"], strict=True)
        if s in ("Steps", "Epochs")
    }
    assert {("Steps", "D3"), ("Steps", "H3")} <= own  # the x and w reference cells count
    # nnsheet's one helper column outside the table: `correct` (0/1, for the accuracy)
    layout = make_layout(spec)
    correct_col = col_name(layout.col("correct"))
    helper = dict(layout.sample_formulas(first=True))[layout.col("correct")]

    def is_helper(sheet: str, cell: str, formula: str) -> bool:
        col, row = cell.rstrip("0123456789"), cell[len(cell.rstrip("0123456789")) :]
        return (
            sheet == "Steps"
            and col == correct_col
            and formula == "=" + helper.format_map({"r": row})
        )

    stray = {k: v for k, v in formulas.items() if k not in own and not is_helper(*k, v)}
    assert not stray, stray
    n_helper = len(formulas) - len([k for k in formulas if k in own])
    assert not [k for k in formulas if k[0] in ("Setup", "Guide")]
    assert len(formulas) - n_helper == len(own)  # every one of nnsheet's cells is a formula
    # the hostile text is there, as text
    for h in [*HOSTILE_HEADERS, *HOSTILE_LABELS]:
        assert h in texts, h
    assert any(HOSTILE_TITLE in t for t in texts)
    assert names == {"learning_rate"}
    import csv

    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as fh:
        for row in list(csv.reader(fh))[1:]:
            for field in row:
                if field[:1] in ("=", "+", "-", "@"):
                    float(field)  # the trace table holds only numbers and nnsheet's labels
    with zipfile.ZipFile(out) as zf:
        parts = zf.namelist()
    assert not [p for p in parts if "externalLink" in p or "vbaProject" in p or "connections" in p]
    for p in parts:
        if p.endswith(".rels"):
            with zipfile.ZipFile(out) as zf:
                assert b'TargetMode="External"' not in zf.read(p), p


def test_exercise_from_hostile_spec_has_no_foreign_formula(capsys, hostile_spec, tmp_path):
    pytest.importorskip("nnsheet.exercise.template")
    out = tmp_path / "ex.xlsx"
    rc, err = run_cli(capsys, "template", hostile_spec, "-o", out)
    assert rc == 0, err
    formulas, texts, _ = _formula_cells(out)
    for (sheet, _cell), f in formulas.items():
        assert sheet in ("Steps", "Epochs"), (sheet, f)
        assert "cmd" not in f and "HYPERLINK" not in f and "SUM(A1)" not in f, f
    assert any(HOSTILE_TITLE in t for t in texts)


# =========================================================================== numeric edge cases
def _spec(act: str = "sigmoid", w=((0.5,),), b=(0.0,), x=((1.0,),), t=((1.0,),), **training):
    tr = {"learning_rate": 0.5, "epochs": 1, **training}
    doc = {
        "inputs": len(x[0]),
        "layer": [
            {"size": len(w), "activation": act, "weights": [list(r) for r in w], "biases": list(b)}
        ],
        "training": tr,
        "data": {"inputs": [list(r) for r in x], "targets": [list(r) for r in t]},
    }
    return parse_spec(doc, "edge.toml")


def test_learning_rate_zero_changes_nothing():
    doc = tomllib.loads(example_path("course").read_text(encoding="utf-8"))
    doc["training"]["learning_rate"] = 0
    doc["training"]["epochs"] = 3
    for rule in ("error", "gradient"):
        doc["training"]["rule"] = rule
        trace = run(parse_spec(doc, "course.toml"))
        for st in trace.steps:
            for w0, w1 in zip(trace.w0, st.w_new, strict=True):
                assert np.array_equal(w0, w1)
            for b0, b1 in zip(trace.b0, st.b_new, strict=True):
                assert np.array_equal(b0, b1)
            assert all(np.all(d == 0) for d in st.dw)
        assert np.isfinite(trace.table()["value"].to_numpy(float)).all()


@pytest.mark.parametrize("z", [1e4, -1e4, 800.0, -800.0])
def test_sigmoid_saturates_exactly_without_warnings(z):
    spec = _spec("sigmoid", w=((1.0,),), b=(0.0,), x=((z,),), t=((0.5,),))
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = run(spec)
    rec = trace.steps[0].samples[0]
    assert rec.a[0][0] == (1.0 if z > 0 else 0.0)
    assert rec.fprime[0][0] == 0.0
    assert np.isfinite(trace.table()["value"].to_numpy(float)).all()


def test_relu_derivative_at_exactly_zero_is_zero():
    spec = _spec("relu", w=((1.0,),), b=(0.0,), x=((0.0,),), t=((1.0,),))
    rec = run(spec).steps[0].samples[0]
    assert rec.z[0][0] == 0.0 and rec.a[0][0] == 0.0 and rec.fprime[0][0] == 0.0
    assert rec.delta[0][0] == 0.0 and np.all(rec.dw[0] == 0)


@pytest.mark.parametrize("z", [1e4, -1e4, 40.0])
def test_tanh_saturation_gives_zero_derivative(z):
    spec = _spec("tanh", w=((1.0,),), b=(0.0,), x=((z,),), t=((0.0,),))
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        rec = run(spec).steps[0].samples[0]
    assert abs(rec.a[0][0]) == 1.0 and rec.fprime[0][0] == 0.0


@pytest.mark.parametrize("method", ["zscore", "minmax"])
def test_constant_column_is_a_clear_error(capsys, tmp_path, method):
    (tmp_path / "d.csv").write_text("a,flat,y\n1,3,0\n2,3,1\n3,3,0\n", encoding="utf-8")
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'[[layer]]\nsize = 1\n[data]\ncsv = "d.csv"\ntargets = ["y"]\nnormalize = "{method}"\n',
        encoding="utf-8",
    )
    line = one_line_error(capsys, "trace", spec, "-o", tmp_path / "o.xlsx")
    assert "'flat'" in line and method in line and "s.toml" in line
    assert not (tmp_path / "o.xlsx").exists()


def test_proportional_zero_sum_names_the_neuron(capsys, tmp_path):
    spec = tmp_path / "p.toml"
    spec.write_text(
        """\
[[layer]]
size = 2
weights = [[0.1, 0.2], [0.3, 0.4]]
biases = [0.0, 0.0]
[[layer]]
size = 2
weights = [[0.5, 0.6], [0.7, -0.7]]
biases = [0.0, 0.0]
[training]
rule = "error"
hidden_error = "proportional"
[data]
inputs = [[1.0, 0.5]]
targets = [[0.0, 1.0]]
""",
        encoding="utf-8",
    )
    line = one_line_error(capsys, "trace", spec, "-o", tmp_path / "o.xlsx")
    assert "neuron 2 of layer 2" in line and "sum to zero" in line
    with pytest.raises(TrainingError):
        run(loads_spec(spec.read_text()))


@pytest.mark.parametrize("rnd", ["", "round = 0", "round = 4"])
def test_divergence_is_a_clear_error_not_nan(capsys, tmp_path, rnd):
    """Found by the property tests: with round = D an overflowing training crashed with
    decimal.InvalidOperation (xround), without it the trace filled with inf/NaN."""
    spec = tmp_path / "d.toml"
    spec.write_text(DIVERGING.format(round=rnd), encoding="utf-8")
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        line = one_line_error(capsys, "trace", spec, "-o", tmp_path / "o.xlsx", "-q")
    assert "diverged at epoch" in line and "learning_rate" in line
    assert not (tmp_path / "o.xlsx").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["d.toml"]  # no temp file left behind


def test_xround_of_huge_values():
    assert xround(8.71691373307952e34, 0) == 8.71691373307952e34
    assert xround(1.7e308, 6) == 1.7e308
    assert xround(-1e300, 15) == -1e300
    assert xround(2.675, 2) == 2.68


# =========================================================================== OS errors on output
def test_output_is_a_folder(capsys, tmp_path):
    (tmp_path / "out.xlsx").mkdir()
    line = one_line_error(capsys, "trace", "-o", tmp_path / "out.xlsx")
    assert "folder" in line


def test_unwritable_folder_is_one_line(capsys, tmp_path, monkeypatch):
    def refuse(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(nnsheet.output.files.tempfile, "mkstemp", refuse)
    line = one_line_error(
        capsys, "trace", "-o", tmp_path / "out.xlsx", "--table", tmp_path / "t.csv"
    )
    assert "Permission denied" in line and str(tmp_path) in line


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_folder_is_one_line(capsys, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        line = one_line_error(capsys, "trace", "-o", ro / "out.xlsx")
        assert "Permission denied" in line
    finally:
        ro.chmod(0o755)


def test_disk_full_keeps_the_previous_file(capsys, tmp_path, monkeypatch):
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"previous")

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(nnsheet.output.files.os, "replace", full)
    line = one_line_error(capsys, "trace", "-o", out, "-q")
    assert "No space left" in line
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_new_output_gets_normal_permissions(tmp_path):
    """mkstemp's private 0600 mode used to leak into every output file."""
    mask = os.umask(0o022)
    os.umask(mask)
    out = tmp_path / "o.xlsx"
    assert main(["trace", "-o", str(out), "--table", str(tmp_path / "t.csv"), "-q"]) == 0
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask
    assert (tmp_path / "t.csv").stat().st_mode & 0o777 == 0o666 & ~mask
    out.chmod(0o640)
    assert main(["trace", "-o", str(out), "-q"]) == 0
    assert out.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode


def test_spec_and_csv_errors_never_escape_as_exceptions(tmp_path):
    for text in ("\x00\x01", "[[layer]]\nsize = 1e999", "title = 'a'\n" * 3, "[data]\ncsv = '/'"):
        with pytest.raises(SpecError):
            loads_spec(text, "x.toml", tmp_path)


# =========================================================================== text helpers
@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+1+1", "'+1+1"),
        ("-2-2", "'-2-2"),
        ("\t=1", "'\t=1"),
        ("-0.5", "-0.5"),
        ("+3", "+3"),
        ("-1e-3", "-1e-3"),
        ("0,5", "0,5"),
        ("plain", "plain"),
        ("", ""),
        (1.5, 1.5),
        (None, None),
    ],
)
def test_csv_text(value, want):
    from nnsheet.core.safety import csv_text

    assert csv_text(value) == want


def test_terminal_text():
    from nnsheet.core.safety import terminal_text

    assert terminal_text("0,5 ok") == "0,5 ok"
    assert terminal_text("a\x1b[2Jb\x9bc\n") == "a\\x1b[2Jb\\x9bc\\n"


# =========================================================================== odd files
@pytest.mark.parametrize(
    "text",
    [
        "title = " + "[" * 100_000 + "]" * 100_000,
        "title = " + "{a=" * 5000 + "1" + "}" * 5000,
        "[data]\ninputs = " + "[" * 3000 + "]" * 3000,
    ],
)
def test_deeply_nested_toml_is_one_line(capsys, tmp_path, text):
    """Found here: tomllib's RecursionError escaped as a traceback."""
    spec = tmp_path / "deep.toml"
    spec.write_text(text + "\n", encoding="utf-8")
    line = one_line_error(capsys, "trace", spec, "-o", tmp_path / "o.xlsx")
    assert "nested too deeply" in line
    with pytest.raises(SpecError):
        loads_spec(text)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_pipes_and_devices_never_hang(capsys, tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert "special file" in one_line_error(capsys, "trace", fifo, "-o", tmp_path / "o.xlsx")
    assert "special file" in one_line_error(capsys, "trace", "/dev/zero", "-o", tmp_path / "o.xlsx")
    (tmp_path / "s.toml").write_text(
        '[[layer]]\nsize = 1\n[data]\ncsv = "pipe.csv"\ntargets = ["y"]\n', encoding="utf-8"
    )
    os.mkfifo(tmp_path / "pipe.csv")
    one_line_error(capsys, "trace", tmp_path / "s.toml", "-o", tmp_path / "o.xlsx")
    if _has_grader():
        one_line_error(capsys, "check", fifo)
        one_line_error(capsys, "check", "/dev/zero")
