"""``nnsheet check submissions.zip --roster R --spec S [--all-attempts]`` (issue 22, item 8): the
zip ``serve`` gives the teacher (``<id>/attempt-<n>.xlsx``) graded directly, bounded by
construction (members, sizes, names), and the ``id_mismatch`` flag. Zips are made here with
:mod:`zipfile`; filled exercises hold the engine's own numbers of each student's variant
(tests/serving.py), never the grader's."""

from __future__ import annotations

import csv
import io
import shutil
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest
from serving import answers, write_class

from nnsheet.cli import main
from nnsheet.grading.zipped import MAX_MEMBERS


def _gradebook(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, object]:
    """The class (spec, roster), each student's exercise and filled files: ``right[id]`` all
    correct, ``slip[id]`` one value wrong."""
    tmp = tmp_path_factory.mktemp("zipclass")
    spec, roster = write_class(tmp)
    out = tmp / "made"
    assert main(["template", str(spec), "--roster", str(roster), "-o", str(out)]) == 0
    right: dict[str, bytes] = {}
    slip: dict[str, bytes] = {}
    for sid in ("2301", "2302", "2303"):
        values = answers(sid)
        right[sid] = _filled(out / f"{sid}.xlsx", values)
        first = sorted(values)[0]
        wrong = dict(values)
        wrong[first] = values[first] + 0.25
        slip[sid] = _filled(out / f"{sid}.xlsx", wrong)
    return {"spec": spec, "roster": roster, "right": right, "slip": slip, "out": out}


def _filled(exercise: Path, values: dict, typed_id: str | None = None) -> bytes:
    wb = openpyxl.load_workbook(exercise)
    for (sheet, cell), v in values.items():
        wb[sheet][cell] = v
    if typed_id is not None:  # the learner types another number in the student id cell
        sheet, ref = next(iter(wb.defined_names["student_id"].destinations))
        wb[sheet][ref.replace("$", "")] = typed_id
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip(path: Path, members: dict[str, bytes], level: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _check(made: dict, zpath: Path, tmp: Path, *extra: str) -> tuple[int, list[dict[str, str]]]:
    book = tmp / "gb.csv"
    args = ["check", str(zpath), "--roster", str(made["roster"]), "--spec", str(made["spec"])]
    status = main([*args, "--gradebook", str(book), *extra])
    return status, _gradebook(book)


def test_last_attempt_of_each_student(made, tmp_path: Path, capsys) -> None:
    right, slip = made["right"], made["slip"]
    z = _zip(
        tmp_path / "submissions.zip",
        {
            "2301/attempt-1.xlsx": slip["2301"],
            "2301/attempt-2.xlsx": right["2301"],
            "2302/attempt-1.xlsx": right["2302"],
        },
    )
    status, rows = _check(made, z, tmp_path, "-o", str(tmp_path / "graded"))
    assert status == 0  # both last attempts all correct; 2303 has none
    assert [(r["file"], r["student_id"], r["status"]) for r in rows] == [
        ("2301/attempt-2.xlsx", "2301", "graded"),
        ("2302/attempt-1.xlsx", "2302", "graded"),
        ("", "2303", "not_submitted"),
    ]
    assert rows[0]["score"] == "100.0" and rows[0]["flags"] == ""
    assert rows[1]["score"] == "100.0" and rows[1]["flags"] == ""
    err = capsys.readouterr().err
    assert "submitted no file: 2303" in err
    graded = sorted(p.name for p in (tmp_path / "graded").iterdir())
    assert graded == ["2301-attempt-2.xlsx", "2302-attempt-1.xlsx"]  # named by nnsheet
    wb = openpyxl.load_workbook(tmp_path / "graded" / "2301-attempt-2.xlsx")
    assert wb.sheetnames[0] in ("Grades", "Nilai")


def test_all_attempts_one_row_each_not_duplicates(made, tmp_path: Path) -> None:
    right, slip = made["right"], made["slip"]
    z = _zip(
        tmp_path / "submissions.zip",
        {
            "2301/attempt-1.xlsx": slip["2301"],
            "2301/attempt-2.xlsx": right["2301"],
            "2301/attempt-3.xlsx": right["2301"],  # sent again unchanged: not a copy
            "2302/attempt-1.xlsx": right["2302"],
        },
    )
    status, rows = _check(made, z, tmp_path, "--all-attempts")
    assert status == 1  # attempt 1 has a wrong value
    files = [r["file"] for r in rows]
    assert files == [
        "2301/attempt-1.xlsx",
        "2301/attempt-2.xlsx",
        "2301/attempt-3.xlsx",
        "2302/attempt-1.xlsx",
        "",
    ]
    first = rows[0]
    assert first["status"] == "graded" and int(first["wrong"]) >= 1
    assert float(first["score"]) < 100.0
    for r in rows[:4]:
        assert r["flags"] == "", r  # attempts of one student are neither duplicates nor copies


def test_same_file_from_two_students_names_the_member(made, tmp_path: Path) -> None:
    # 2302 hands in 2301's finished file (2301's id typed in it)
    right = made["right"]
    z = _zip(
        tmp_path / "submissions.zip",
        {"2301/attempt-1.xlsx": right["2301"], "2302/attempt-4.xlsx": right["2301"]},
    )
    status, rows = _check(made, z, tmp_path)
    by = {r["file"]: r for r in rows}
    other = by["2302/attempt-4.xlsx"]
    assert other["student_id"] == "2301"  # what the file says
    flags = other["flags"].split(";")
    assert "id_mismatch" in flags and "copied:2301" in flags
    assert "identical:2301/attempt-1.xlsx" in flags  # whose file it is, not attempt-1.xlsx
    assert (
        "the student id typed in the exercise is 2301, but it was handed in as student 2302's"
        in other["message"]
    )
    assert "identical:2302/attempt-4.xlsx" in by["2301/attempt-1.xlsx"]["flags"]
    assert "id_mismatch" not in by["2301/attempt-1.xlsx"]["flags"]
    assert status == 1  # 2302's file is wrong for 2302's givens


def test_id_mismatch_in_a_folder_by_file_name(made, tmp_path: Path, capsys) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "2301.xlsx").write_bytes(made["right"]["2301"])
    # 2303's own work, but the id typed in it is 2302's
    (sub / "2303.xlsx").write_bytes(
        _filled(made["out"] / "2303.xlsx", answers("2303"), typed_id="2302")
    )
    book = tmp_path / "gb.csv"
    args = ["check", str(sub), "--roster", str(made["roster"]), "--spec", str(made["spec"])]
    capsys.readouterr()
    main([*args, "--gradebook", str(book)])
    out = capsys.readouterr().out
    rows = {Path(r["file"]).name: r for r in _gradebook(book) if r["file"]}
    assert rows["2301.xlsx"]["flags"] == ""
    mixed = rows["2303.xlsx"]
    assert "id_mismatch" in mixed["flags"].split(";")
    assert "is 2302, but its file name is student 2303's" in mixed["message"]
    assert "flag id_mismatch: the student id typed in the exercise is 2302" in out
    capsys.readouterr()
    main([*args, "--lang", "id"])
    out = capsys.readouterr().out
    assert "NIM yang diketik di latihan adalah 2302, tetapi nama berkasnya" in out


def test_hostile_member_names_are_rows_not_paths(made, tmp_path: Path, capsys) -> None:
    right = made["right"]
    work = tmp_path / "work"
    work.mkdir()
    names = {
        "../2301/attempt-1.xlsx": "climbs out of the zip",
        "/tmp/attempt-1.xlsx": "absolute path",
        "2301\\attempt-1.xlsx": "backslash",
        "23\x1b01/attempt-1.xlsx": "control character",
        "2301/notes.txt": "not a submission's name",
        "2301/../../attempt-1.xlsx": "climbs out of the zip",
    }
    rows_expected = len(names) + 1 + 1 + 2  # the bad names, "../", 2302's file, not_submitted
    z = _zip(work / "submissions.zip", {n: right["2301"] for n in names})
    with zipfile.ZipFile(z, "a") as zf:
        zf.writestr(zipfile.ZipInfo("2302/"), b"")  # a folder's own entry: nothing to grade
        zf.writestr("2302/attempt-1.xlsx", right["2302"])
        zf.writestr(zipfile.ZipInfo("../"), b"")  # not a student's folder: a row
    capsys.readouterr()
    status, rows = _check(made, z, work, "-o", str(work / "graded"))
    assert status == 2  # members not graded
    by = {r["file"]: r for r in rows}
    assert len(rows) == rows_expected and "2302/" not in by
    assert "climbs out of the zip" in by["../"]["message"]
    assert by["2302/attempt-1.xlsx"]["status"] == "graded"
    for name, why in names.items():
        shown = name.replace("\x1b", "\\x1b")
        r = by[shown]
        assert r["status"] == "unreadable" and why in r["message"] and "not graded" in r["message"]
    # 2301 handed in nothing gradable: not_submitted; nothing written outside -o
    assert by[""]["student_id"] in ("2301", "2303")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    assert sorted(p.name for p in work.iterdir()) == ["gb.csv", "graded", "submissions.zip"]
    assert [p.name for p in (work / "graded").iterdir()] == ["2302-attempt-1.xlsx"]
    err = capsys.readouterr().err
    assert "\x1b" not in err  # escaped on the terminal too


def test_zip_bomb_member_refused_declared_or_not(made, tmp_path: Path) -> None:
    bomb = b"\0" * (9 * 2**20)  # 9 MiB of zeros: about 9 kB deflated
    z = _zip(
        tmp_path / "submissions.zip",
        {"2301/attempt-1.xlsx": bomb, "2302/attempt-1.xlsx": made["right"]["2302"]},
        level=9,
    )
    assert z.stat().st_size < 100_000
    status, rows = _check(made, z, tmp_path)
    by = {r["file"]: r for r in rows}
    assert status == 2
    assert "larger than 8 MiB unpacked" in by["2301/attempt-1.xlsx"]["message"]
    assert by["2301/attempt-1.xlsx"]["student_id"] == ""
    assert by["2302/attempt-1.xlsx"]["score"] == "100.0"
    # the same member with its declared size rewritten to 1,000 bytes in the central
    # directory: unpacking stops there (the check is not on the declared size alone)
    data = bytearray(z.read_bytes())
    at = data.find(b"PK\x01\x02")
    assert data[at + 46 : at + 46 + 19] == b"2301/attempt-1.xlsx"
    data[at + 24 : at + 28] = struct.pack("<L", 1000)
    lying = tmp_path / "lying.zip"
    lying.write_bytes(bytes(data))
    status, rows = _check(made, lying, tmp_path)
    r = {x["file"]: x for x in rows}["2301/attempt-1.xlsx"]
    assert status == 2 and r["status"] == "unreadable"
    assert "cannot be unpacked" in r["message"]


def test_too_many_members_refused_before_reading(made, tmp_path: Path, capsys) -> None:
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        for n in range(MAX_MEMBERS + 1):
            zf.writestr(f"2301/attempt-{n + 1}.xlsx", b"")
    capsys.readouterr()
    status = main(["check", str(z), "--roster", str(made["roster"]), "--spec", str(made["spec"])])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err == [
        f"nnsheet: error: {z}: {MAX_MEMBERS + 1} members, more than {MAX_MEMBERS}; not graded"
    ]


@pytest.mark.parametrize(
    "content, why",
    [
        (b"id,name\n2301,x\n", "not a zip file"),
        (b"", "not a zip file"),
        (None, "not a readable zip file"),  # a zip cut short in its central directory
    ],
)
def test_not_a_zip_is_one_line(made, tmp_path: Path, capsys, content, why) -> None:
    z = tmp_path / "submissions.zip"
    if content is None:
        _zip(z, {"2301/attempt-1.xlsx": made["right"]["2301"]})
        data = z.read_bytes()
        cd = data.find(b"PK\x01\x02")
        z.write_bytes(data[: cd + 10] + data[cd + 30 :])  # the directory entry damaged
    else:
        z.write_bytes(content)
    before = z.read_bytes()
    capsys.readouterr()
    status = main(["check", str(z), "--roster", str(made["roster"]), "--spec", str(made["spec"])])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and err[0].startswith(f"nnsheet: error: {z}: ") and why in err[0], err
    assert z.read_bytes() == before  # never modified


def test_zip_alone_and_all_attempts_only_for_a_zip(made, tmp_path: Path, capsys) -> None:
    z = _zip(tmp_path / "s.zip", {"2301/attempt-1.xlsx": made["right"]["2301"]})
    other = tmp_path / "2302.xlsx"
    other.write_bytes(made["right"]["2302"])
    capsys.readouterr()
    assert main(["check", str(z), str(other), "--spec", str(made["spec"])]) == 2
    assert "graded on its own" in capsys.readouterr().err
    assert main(["check", str(other), "--all-attempts"]) == 2
    assert "--all-attempts is for a submissions zip" in capsys.readouterr().err
    shutil.rmtree(tmp_path / "nothing", ignore_errors=True)


@pytest.mark.parametrize("suffix", [".ods", ".xlsx"])
def test_id_mismatch_typed_in_libreoffice(made, tmp_path: Path, suffix: str) -> None:
    """2303 opens their own exercise in LibreOffice, answers it and types 2302 in the student
    number cell; uploaded as 2303 (the zip's folder): graded on 2303's givens, all correct,
    flagged id_mismatch naming both."""
    from submissions import require_uno, uno_edit

    require_uno()
    wb = openpyxl.load_workbook(made["out"] / "2303.xlsx")
    sheet, ref = next(iter(wb.defined_names["student_id"].destinations))
    ops: list[dict] = [{"op": "text", "sheet": sheet, "cells": {ref.replace("$", ""): "2302"}}]
    by_sheet: dict[str, dict[str, float]] = {}
    for (s, c), v in answers("2303").items():
        by_sheet.setdefault(s, {})[c] = v
    ops += [{"op": "value", "sheet": s, "cells": cells} for s, cells in by_sheet.items()]
    edited = uno_edit(made["out"] / "2303.xlsx", tmp_path / f"edited{suffix}", ops)
    z = _zip(tmp_path / "submissions.zip", {f"2303/attempt-1{suffix}": edited.read_bytes()})
    status, rows = _check(made, z, tmp_path)
    r = {x["file"]: x for x in rows}[f"2303/attempt-1{suffix}"]
    assert r["status"] == "graded" and r["score"] == "100.0", r
    assert r["student_id"] == "2302" and r["flags"] == "id_mismatch"
    assert r["message"] == (
        "the student id typed in the exercise is 2302, but it was handed in as student 2303's"
    )
    assert status == 0


def test_the_last_attempt_that_can_be_graded(made, tmp_path: Path, capsys) -> None:
    """As serve counts attempts: 2301's attempt 3 has nothing typed and attempt 2 is not a
    workbook, so attempt 1 is graded, the others said in the row's message and on stderr;
    --all-attempts grades each."""
    blank = (made["out"] / "2301.xlsx").read_bytes()
    z = _zip(
        tmp_path / "submissions.zip",
        {
            "2301/attempt-1.xlsx": made["right"]["2301"],
            "2301/attempt-2.xlsx": b"not a workbook",
            "2301/attempt-3.xlsx": blank,
            "2302/attempt-1.xlsx": b"not a workbook either",
        },
    )
    capsys.readouterr()
    status, rows = _check(made, z, tmp_path, "-o", str(tmp_path / "graded"))
    err = capsys.readouterr().err
    by = {r["file"]: r for r in rows}
    assert list(by) == ["2301/attempt-1.xlsx", "2302/attempt-1.xlsx", ""]
    first = by["2301/attempt-1.xlsx"]
    assert first["status"] == "graded" and first["score"] == "100.0"
    assert "2301/attempt-3.xlsx passed over (nothing typed)" in first["message"]
    assert "2301/attempt-2.xlsx passed over (" in first["message"]
    assert "nnsheet: 2301/attempt-3.xlsx passed over (nothing typed)" in err
    assert by["2302/attempt-1.xlsx"]["status"] == "unreadable"  # nothing else to grade
    assert status == 2
    assert [p.name for p in (tmp_path / "graded").iterdir()] == ["2301-attempt-1.xlsx"]
    status, rows = _check(made, z, tmp_path, "--all-attempts")
    got = [(r["file"], r["status"], r["score"]) for r in rows]
    assert got == [
        ("2301/attempt-1.xlsx", "graded", "100.0"),
        ("2301/attempt-2.xlsx", "unreadable", ""),
        ("2301/attempt-3.xlsx", "graded", "0.0"),
        ("2302/attempt-1.xlsx", "unreadable", ""),
        ("", "not_submitted", "0.0"),
    ]
