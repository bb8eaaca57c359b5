"""``duplicate_submission`` on ``serve`` (issue 22, item 8): a student's latest upload that is the
same file as another student's latest — byte for byte, or the same workbook packed again — is
flagged on both, naming the other's submission, on the teacher page (with the reason) and in
the gradebook, as ``check --roster`` flags one student's several files."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from serving import answers, fill
from test_serve import _exercise, _submit, _teacher, served


def _gradebook(client, data: Path) -> dict[str, dict[str, str]]:
    token = (data / "teacher-token").read_text().strip()
    text = client.get("/api/gradebook.csv", headers={"authorization": f"Bearer {token}"}).text
    return {r["student_id"]: r for r in csv.DictReader(io.StringIO(text))}


def _repacked(data: bytes) -> bytes:
    """The same workbook with other bytes: every part stored instead of deflated."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    return out.getvalue()


def test_the_same_file_from_two_students_is_flagged_on_both(tmp_path: Path) -> None:
    with served(tmp_path) as (client, data, code):
        own = fill(_exercise(client, "2301", code["2301"]), tmp_path / "a.xlsx", answers("2301"))
        assert _submit(client, "2301", code["2301"], own).json()["flags"] == []
        body = own.read_bytes()
        handed = _submit(client, "2302", code["2302"], body).json()  # 2301's very file
        assert "duplicate_submission" not in handed["flags"]  # said across the class, below
        assert "id_mismatch" in handed["flags"]
        rows = _gradebook(client, data)
        assert "duplicate_submission" in rows["2301"]["flags"].split(";")
        assert "duplicate_submission" in rows["2302"]["flags"].split(";")
        assert "duplicate_submission" not in rows["2303"]["flags"]
        _teacher(client, data)
        page = client.get("/teacher").text
        assert (
            "<strong>duplicate_submission</strong>: the same workbook as another student&#39;s "
            "latest upload: 2302/attempt-1.xlsx" in page
        )
        assert "latest upload: 2301/attempt-1.xlsx" in page

        # 2303 sends it packed again (other bytes, the same workbook): flagged too
        again = _repacked(body)
        assert again != body
        _submit(client, "2303", code["2303"], again)
        rows = _gradebook(client, data)
        assert "duplicate_submission" in rows["2303"]["flags"].split(";")
        page = client.get("/teacher").text
        assert "latest upload: 2302/attempt-1.xlsx, 2303/attempt-1.xlsx" in page

        # 2302's and 2303's own work next: nobody's latest is the same file any more
        for sid in ("2302", "2303"):
            mine = fill(_exercise(client, sid, code[sid]), tmp_path / f"{sid}.xlsx", answers(sid))
            assert _submit(client, sid, code[sid], mine).json()["flags"] == []
        rows = _gradebook(client, data)
        assert all("duplicate_submission" not in r["flags"] for r in rows.values())


def test_two_honest_students_with_the_same_answers_are_not_duplicates(tmp_path: Path) -> None:
    """Each typed their own name and number: the same answers are identical:<id>, not the
    same file."""
    with served(tmp_path) as (client, data, code):
        vals = answers("2301")
        a = fill(_exercise(client, "2301", code["2301"]), tmp_path / "a.xlsx", vals)
        b = fill(_exercise(client, "2302", code["2302"]), tmp_path / "b.xlsx", vals)
        _submit(client, "2301", code["2301"], a)
        _submit(client, "2302", code["2302"], b)
        rows = _gradebook(client, data)
        assert "duplicate_submission" not in rows["2301"]["flags"]
        assert "identical:2302" in rows["2301"]["flags"].split(";")
