"""What ``nnsheet serve`` keeps, all of it in the data folder ``DIR``:

- ``nnsheet.db``: SQLite (WAL) with the students (id, name, access code, exercise file) and the
  attempts (student, number, original file name as text, stored file, status, score, result);
- ``codes.csv`` (``id, name, code``, for the teacher to hand out) and ``teacher-token`` (the
  teacher's sign-in token), both mode 0600, and ``session-key`` (signs the sign-in cookies);
- ``exercises/<id>.xlsx``: each student's exercise; ``uploads/<n>.xlsx|.ods`` and
  ``graded/<n>.xlsx``: every upload and its graded copy, named by the attempt's row number.

No path is ever built from what a request says: a student is looked up by id in the database
and every file name comes from the database.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.safety import csv_text
from ..output.files import write_atomic

DB_NAME = "nnsheet.db"
CODES = "codes.csv"
TOKEN = "teacher-token"
SESSION_KEY = "session-key"
#: access-code letters: no 0/o, 1/l/i look-alikes; 10 of them are about 49 bits
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 10
#: statuses an attempt can have; ``unreadable`` and ``timeout`` do not count against --attempts
STATUSES = ("queued", "graded", "unreadable", "timeout")

SCHEMA = """
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    row INTEGER NOT NULL,
    code TEXT NOT NULL,
    exercise TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    student_id TEXT NOT NULL REFERENCES students(id),
    n INTEGER NOT NULL,
    created TEXT NOT NULL,
    filename TEXT NOT NULL,
    upload TEXT NOT NULL,
    graded TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL,
    result TEXT,
    UNIQUE (student_id, n)
);
"""


@dataclass(frozen=True)
class StudentRow:
    id: str
    name: str
    exercise: str  # relative to the data folder


@dataclass(frozen=True)
class Attempt:
    id: int
    student_id: str
    n: int
    created: str
    filename: str  # the learner's file name: text to show, never a path
    upload: str  # relative to the data folder, server-made
    graded: str
    status: str
    score: float | None
    result: dict

    @property
    def counted(self) -> bool:
        return self.status in ("queued", "graded")


def _secret_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600 from the start)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def same_secret(given: str, stored: str) -> bool:
    """Constant-time comparison of a typed code or token with the stored one."""
    return hmac.compare_digest(given.strip().encode("utf-8"), stored.encode("utf-8"))


class Store:
    """The data folder and its database. Each call opens its own short-lived connection, so
    the store can be used from any thread."""

    def __init__(self, data: Path) -> None:
        self.data = Path(data)
        self.db = self.data / DB_NAME
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.db, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            con.execute("PRAGMA foreign_keys=ON")
            yield con
        finally:
            con.close()

    # ------------------------------------------------------------------ first start
    @classmethod
    def open(cls, data: Path) -> Store:
        data = Path(data)
        if data.exists() and not data.is_dir():
            raise NnsheetError(f"{data}: --data must name a folder")
        data.mkdir(parents=True, exist_ok=True)
        for sub in ("exercises", "uploads", "graded"):
            (data / sub).mkdir(exist_ok=True)
        return cls(data)

    def secret(self, name: str) -> str:
        """The teacher token or the session key, made on first start (mode 0600)."""
        path = self.data / name
        if path.exists():
            text = path.read_text(encoding="utf-8").strip()
            if text:
                return text
        text = secrets.token_urlsafe(32)
        _secret_file(path, text + "\n")
        return text

    def add_students(self, students: Sequence[tuple[str, str, int]]) -> list[str]:
        """Add the roster's (id, name, row) students not yet known, each with a new access code
        and ``exercises/<id>.xlsx`` as its exercise; rewrite ``codes.csv`` when any was added.
        Returns the ids added (their exercises are still to be written)."""
        added = []
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            known = {r[0] for r in con.execute("SELECT id FROM students")}
            for sid, name, row in students:
                if sid in known:
                    con.execute(
                        "UPDATE students SET name = ?, row = ? WHERE id = ?", (name, row, sid)
                    )
                    continue
                con.execute(
                    "INSERT INTO students (id, name, row, code, exercise) VALUES (?, ?, ?, ?, ?)",
                    (sid, name, row, new_code(), f"exercises/{sid}.xlsx"),
                )
                added.append(sid)
            con.execute("COMMIT")
        if added or not (self.data / CODES).exists():
            self._write_codes()
        return added

    def _write_codes(self) -> None:
        buf = io.StringIO(newline="")
        w = csv.writer(buf)
        w.writerow(["id", "name", "code"])
        with self._connect() as con:
            for r in con.execute("SELECT id, name, code FROM students ORDER BY row, id"):
                w.writerow([csv_text(r["id"]), csv_text(r["name"]), r["code"]])
        _secret_file(self.data / CODES, buf.getvalue())

    # ------------------------------------------------------------------ students
    def student(self, sid: str) -> StudentRow | None:
        with self._connect() as con:
            r = con.execute(
                "SELECT id, name, exercise FROM students WHERE id = ?", (sid,)
            ).fetchone()
        return None if r is None else StudentRow(r["id"], r["name"], r["exercise"])

    def sign_in(self, sid: str, code: str) -> StudentRow | None:
        """The student when ``code`` is theirs, else None — the same answer, after the same
        constant-time comparison, whether or not the id exists."""
        with self._connect() as con:
            r = con.execute(
                "SELECT id, name, exercise, code FROM students WHERE id = ?", (sid.strip(),)
            ).fetchone()
        stored = r["code"] if r is not None else new_code()  # compared all the same
        ok = same_secret(code, stored)
        return StudentRow(r["id"], r["name"], r["exercise"]) if (ok and r is not None) else None

    def students(self) -> list[StudentRow]:
        with self._connect() as con:
            rows = con.execute("SELECT id, name, exercise FROM students ORDER BY row, id")
            return [StudentRow(r["id"], r["name"], r["exercise"]) for r in rows]

    # ------------------------------------------------------------------ attempts
    def new_attempt(self, sid: str, filename: str, suffix: str, cap: int | None) -> Attempt | None:
        """Record a new upload (status ``queued``) and return it, with the server-made names of
        its stored file and graded copy; None when the student has used their ``cap``
        attempts (``queued`` and ``graded`` ones count). One transaction: two uploads at once
        cannot both take the last attempt."""
        assert suffix in (".xlsx", ".ods", ".xls")
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            counted = con.execute(
                "SELECT COUNT(*) FROM attempts WHERE student_id = ? AND "
                "status IN ('queued', 'graded')",
                (sid,),
            ).fetchone()[0]
            if cap is not None and counted >= cap:
                con.execute("ROLLBACK")
                return None
            n = con.execute(
                "SELECT COALESCE(MAX(n), 0) + 1 FROM attempts WHERE student_id = ?", (sid,)
            ).fetchone()[0]
            cur = con.execute(
                "INSERT INTO attempts (student_id, n, created, filename, upload, "
                "graded, status) VALUES (?, ?, ?, ?, '', '', 'queued')",
                (sid, n, now, filename),
            )
            aid = int(cur.lastrowid or 0)
            upload, graded = f"uploads/{aid:06d}{suffix}", f"graded/{aid:06d}.xlsx"
            con.execute(
                "UPDATE attempts SET upload = ?, graded = ? WHERE id = ?", (upload, graded, aid)
            )
            con.execute("COMMIT")
        return Attempt(aid, sid, n, now, filename, upload, graded, "queued", None, {})

    def save_upload(self, attempt: Attempt, body: bytes) -> Path:
        path = self.data / attempt.upload
        write_atomic(path, lambda tmp: Path(tmp).write_bytes(body))
        return path

    def finish(self, attempt_id: int, status: str, result: dict) -> None:
        assert status in STATUSES
        score = result.get("score")
        with self._connect() as con:
            con.execute(
                "UPDATE attempts SET status = ?, score = ?, result = ? WHERE id = ?",
                (status, score, json.dumps(result), attempt_id),
            )

    def _attempts(self, where: str, args: tuple) -> list[Attempt]:
        with self._connect() as con:
            rows = con.execute(
                f"SELECT * FROM attempts WHERE {where} ORDER BY student_id, n", args
            ).fetchall()
        return [
            Attempt(
                r["id"],
                r["student_id"],
                r["n"],
                r["created"],
                r["filename"],
                r["upload"],
                r["graded"],
                r["status"],
                r["score"],
                json.loads(r["result"]) if r["result"] else {},
            )
            for r in rows
        ]

    def attempts(self, sid: str) -> list[Attempt]:
        return self._attempts("student_id = ?", (sid,))

    def attempt(self, sid: str, n: int) -> Attempt | None:
        """Attempt ``n`` of student ``sid`` (never another student's)."""
        found = self._attempts("student_id = ? AND n = ?", (sid, n))
        return found[0] if found else None

    def queued(self) -> list[Attempt]:
        return self._attempts("status = 'queued'", ())

    def all_attempts(self) -> list[Attempt]:
        return self._attempts("1 = 1", ())
