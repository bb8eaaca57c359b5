"""Every rostered student in the gradebook (issue 21, item 4): a student with no file gets a
``not_submitted`` row; two files for one student are both graded and flagged
``duplicate_submission``."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from nnsheet.cli import main

ROSTER = "id,name\n2301,Ni Luh Putu Ayu\n2302,Muhammad Rizky\n2303,Siti Nurhaliza\n2304,Budi\n"


def _class_exercises(tmp_path: Path) -> tuple[Path, Path]:
    """The roster file and the folder of the class's course exercises, one per student."""
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    made = tmp_path / "made"
    assert main(["template", "course", "--roster", str(roster), "-o", str(made)]) == 0
    return roster, made


def test_absent_and_duplicate_students(tmp_path: Path, capsys) -> None:
    roster, made = _class_exercises(tmp_path)
    sub = tmp_path / "submitted"
    sub.mkdir()
    shutil.copy(made / "2301.xlsx", sub / "2301.xlsx")
    shutil.copy(made / "2302.xlsx", sub / "2302.xlsx")
    shutil.copy(made / "2302.xlsx", sub / "rizky-final.xlsx")  # the id typed inside: 2302
    (sub / "2304.xlsx").write_bytes(b"not a workbook")  # unreadable, but it is 2304's
    book = tmp_path / "gb.csv"
    capsys.readouterr()
    args = ["check", str(sub), "--roster", str(roster), "--spec", "course"]
    assert main([*args, "--gradebook", str(book)]) == 2
    err = capsys.readouterr().err
    assert "1 student(s) on the roster submitted no file: 2303" in err
    rows = list(csv.DictReader(book.open(encoding="utf-8")))
    by = {(r["student_id"], Path(r["file"]).name): r for r in rows}
    assert len(rows) == 5
    assert by[("2301", "2301.xlsx")]["flags"] == ""
    for name in ("2302.xlsx", "rizky-final.xlsx"):
        r = by[("2302", name)]
        assert r["status"] == "graded" and r["flags"] == "duplicate_submission"
        assert "student 2302 has 2 files graded: 2302.xlsx, rizky-final.xlsx" in r["message"]
    # unreadable, but a file: 2304 (by its name) did submit
    assert by[("", "2304.xlsx")]["status"] == "unreadable"  # student_id: what the file says
    absent = by[("2303", "")]
    assert absent["status"] == "not_submitted" and absent["student"] == "Siti Nurhaliza"
    assert absent["score"] == "0.0" and absent["message"] == "no file for this student"
    counts = ("correct", "carried", "carried_trivial", "wrong", "missing", "answer_cells")
    assert all(absent[c] == "" for c in counts)
    assert rows[-1] is absent  # after the files, in roster order


def test_absent_students_said_in_indonesian(tmp_path: Path, capsys) -> None:
    roster, made = _class_exercises(tmp_path)
    sub = tmp_path / "sub"
    sub.mkdir()
    shutil.copy(made / "2301.xlsx", sub / "2301.xlsx")
    capsys.readouterr()
    main(["check", str(sub), "--roster", str(roster), "--spec", "course", "--lang", "id"])
    err = capsys.readouterr().err
    assert "3 mahasiswa di daftar kelas tidak mengumpulkan berkas: 2302, 2303, 2304" in err
