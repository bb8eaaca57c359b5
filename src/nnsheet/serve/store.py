"""What ``nnsheet serve`` keeps, all of it in the data folder ``DIR`` (mode 0700, every file in it
0600: :meth:`Store.lock_down`):

- ``nnsheet.db``: SQLite (WAL) with the students (id, name, the access code's salted scrypt hash,
  exercise file, whether still on the roster), the attempts (student, number, original file
  name as text, stored file, size, status, score, result), the signed-in sessions (so signing
  out ends a session on the server) and what the folder was started with (``meta``: the spec,
  the exercise options and the language; :mod:`.run` refuses a restart with others);
- ``codes.csv`` (``id, name, code``, the teacher's handout: the only place a code is in
  plain text), ``teacher-token`` (the teacher's sign-in token) and ``session-key`` (signs the
  sign-in cookies);
- ``exercises/<id>.xlsx``: each student's exercise; ``uploads/<n>.xlsx|.ods`` and
  ``graded/<n>.xlsx``: every upload and its graded copy, named by the attempt's row number;
- ``archive/<time>/``: an earlier term's records (``serve --new-term``).

No path is ever built from what a request says: a student is looked up by id in the database
and every file name comes from the database.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import secrets
import shutil
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
ARCHIVE = "archive"
#: the folders of one term's records (moved into ``archive/<time>/`` by ``--new-term``)
FOLDERS = ("exercises", "uploads", "graded")
#: access-code letters: no 0/o, 1/l/i look-alikes; 10 of them are about 49 bits
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 10
#: scrypt's cost (2**13, r=8, p=1: 8 MiB and about 50 ms a code): a code's 49 random bits then
#: take far longer than a term to guess offline from a copied database
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**13, 8, 1
HASH_PREFIX = "scrypt$"
#: statuses an attempt can have; ``unreadable`` and ``timeout`` do not count against --attempts
#: but against the student's budget of files that cannot be graded
STATUSES = ("queued", "graded", "unreadable", "timeout")
UNGRADABLE = ("unreadable", "timeout")
#: per student: uploads that could not be graded, and bytes of all uploads, before uploads are
#: refused (so one student cannot fill the teacher's disk)
UNGRADABLE_BUDGET = 20
BYTES_BUDGET = 50 * 2**20
#: how long a call waits for a database another process or thread holds locked before it gives
#: up (:class:`StoreBusy`: the page answers 503 with Retry-After)
BUSY_TIMEOUT = 5.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    row INTEGER NOT NULL,
    code TEXT NOT NULL,
    exercise TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
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
    bytes INTEGER NOT NULL DEFAULT 0,
    UNIQUE (student_id, n)
);
CREATE TABLE IF NOT EXISTS sessions (
    nonce TEXT PRIMARY KEY,
    who TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""
#: columns added since the first data folders were made (added to an older database on start)
MIGRATIONS = (
    ("students", "active", "INTEGER NOT NULL DEFAULT 1"),
    ("attempts", "bytes", "INTEGER NOT NULL DEFAULT 0"),
)


class StoreBusy(Exception):
    """The database stayed locked for :data:`BUSY_TIMEOUT` seconds; nothing was changed."""


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
    bytes: int = 0

    @property
    def counted(self) -> bool:
        return self.status in ("queued", "graded")


@dataclass(frozen=True)
class Budget:
    """What a student has used of the per-student limits (shown on their page)."""

    ungradable: int
    bytes: int


def _secret_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600 from the start), atomically."""

    def write(tmp: str) -> None:
        Path(tmp).write_text(text, encoding="utf-8", newline="")
        os.chmod(tmp, 0o600)

    write_atomic(path, write)
    os.chmod(path, 0o600)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _norm_code(code: str) -> bytes:
    """A typed code as compared: spaces around it dropped, capitals as small letters."""
    return code.strip().lower().encode("utf-8")


def hash_code(code: str, salt: bytes | None = None) -> str:
    """``scrypt$<salt hex>$<hash hex>`` of a code (a new random salt unless given)."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.scrypt(
        _norm_code(code), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"{HASH_PREFIX}{salt.hex()}${digest.hex()}"


def code_matches(given: str, stored: str) -> bool:
    """Whether ``given`` is the code whose hash is ``stored``: one scrypt and a constant-time
    comparison of the hashes (the same work for any ``stored``)."""
    try:
        salt_hex, _ = stored[len(HASH_PREFIX) :].split("$", 1)
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        salt = b"\0" * 16
    return hmac.compare_digest(hash_code(given, salt).encode(), stored.encode())


#: compared against when an id is unknown, so a wrong id costs the same as a wrong code
_DUMMY_HASH = hash_code(new_code())


def same_secret(given: str, stored: str) -> bool:
    """Constant-time comparison of a typed token with the stored one."""
    return hmac.compare_digest(given.strip().encode("utf-8"), stored.encode("utf-8"))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


class Store:
    """The data folder and its database. Each call opens its own short-lived connection, so
    the store can be used from any thread."""

    def __init__(self, data: Path, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.data = Path(data)
        self.db = self.data / DB_NAME
        self.busy_timeout = busy_timeout
        if not self.db.exists():  # made private before SQLite writes a byte (its -wal and
            os.close(os.open(self.db, os.O_WRONLY | os.O_CREAT, 0o600))  # -shm copy its mode)
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)
            for table, column, decl in MIGRATIONS:
                have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
        self._hash_plain_codes()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.db, timeout=self.busy_timeout, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            con.execute("PRAGMA foreign_keys=ON")
            yield con
        except sqlite3.OperationalError as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(str(exc)) from exc
            raise
        finally:
            con.close()

    # ------------------------------------------------------------------ the folder
    @classmethod
    def open(cls, data: Path) -> Store:
        data = Path(data)
        if data.exists() and not data.is_dir():
            raise NnsheetError(f"{data}: --data must name a folder")
        data.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(data, 0o700)
        for sub in FOLDERS:
            (data / sub).mkdir(exist_ok=True, mode=0o700)
        for stale in data.glob(".submissions-*.zip"):  # a zip whose download the server's
            stale.unlink(missing_ok=True)  # end interrupted
        return cls(data)

    def lock_down(self) -> None:
        """The data folder and every folder in it 0700, every file 0600 (also those an earlier
        version left readable by others). Links are not followed."""
        os.chmod(self.data, 0o700)
        for root, dirs, files in os.walk(self.data):
            for name in dirs:
                path = os.path.join(root, name)
                if not os.path.islink(path):
                    os.chmod(path, 0o700)
            for name in files:
                path = os.path.join(root, name)
                if not os.path.islink(path):
                    os.chmod(path, 0o600)

    def archive(self) -> Path:
        """Move this term's records (database, codes.csv, exercises, uploads, graded copies)
        into ``archive/<time>/``; the teacher token and the session key stay. Returns the
        archive folder."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        dest = self.data / ARCHIVE / stamp
        k = 1
        while dest.exists():
            k += 1
            dest = self.data / ARCHIVE / f"{stamp}-{k}"
        dest.mkdir(parents=True, mode=0o700)
        names = [*FOLDERS, CODES, DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"]
        for name in names:
            if (self.data / name).exists():
                shutil.move(self.data / name, dest / name)
        return dest

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

    # ------------------------------------------------------------------ meta
    def meta(self) -> dict[str, str]:
        with self._connect() as con:
            return {r["key"]: r["value"] for r in con.execute("SELECT key, value FROM meta")}

    def set_meta(self, values: dict[str, str]) -> None:
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )
            con.execute("COMMIT")

    # ------------------------------------------------------------------ the roster
    def _handout(self) -> dict[str, list[str]]:
        """codes.csv as id → [id, name, code] (empty when there is none)."""
        path = self.data / CODES
        if not path.exists():
            return {}
        with open(path, newline="", encoding="utf-8") as fh:
            return {r[0]: r[:3] for r in list(csv.reader(fh))[1:] if len(r) >= 3}

    def _write_handout(self, rows: dict[str, list[str]], order: list[str]) -> None:
        buf = io.StringIO(newline="")
        w = csv.writer(buf)
        w.writerow(["id", "name", "code"])
        for sid in order:
            if sid in rows:
                w.writerow([csv_text(v) for v in rows[sid]])
        _secret_file(self.data / CODES, buf.getvalue())

    def _hash_plain_codes(self) -> None:
        """A data folder from before hashed codes: its codes are kept (the handout stays right)
        but from now on only as hashes; codes.csv is written from them first if missing."""
        with self._connect() as con:
            plain = con.execute(
                "SELECT id, name, code FROM students WHERE code NOT LIKE 'scrypt$%' "
                "ORDER BY row, id"
            ).fetchall()
        if not plain:
            return
        handout = self._handout()
        if not handout:
            rows = {r["id"]: [r["id"], r["name"], r["code"]] for r in plain}
            self._write_handout(rows, [r["id"] for r in plain])
        hashed = [(hash_code(r["code"]), r["id"]) for r in plain]
        with self._connect() as con:
            con.execute("PRAGMA secure_delete = ON")
            con.execute("BEGIN IMMEDIATE")
            con.executemany("UPDATE students SET code = ? WHERE id = ?", hashed)
            con.execute("COMMIT")
        with self._connect() as con:  # no old page or log frame keeps a plain code
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.execute("VACUUM")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def sync_roster(self, students: Sequence[tuple[str, str, int]]) -> tuple[list[str], list[str]]:
        """Make the database's students the roster's (id, name, row): a student new to it gets
        a new access code (written to codes.csv, only its hash to the database) and
        ``exercises/<id>.xlsx`` as its exercise; one back on it is active again with their
        code; one no longer on it loses access at once (no sign-in, sessions ended; their
        attempts are kept). Returns the ids added and the ids removed."""
        added: list[tuple[str, str, str]] = []
        ids = {sid for sid, _, _ in students}
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            known = {r[0]: r[1] for r in con.execute("SELECT id, active FROM students")}
            for sid, name, row in students:
                if sid in known:
                    con.execute(
                        "UPDATE students SET name = ?, row = ?, active = 1 WHERE id = ?",
                        (name, row, sid),
                    )
                    continue
                code = new_code()
                con.execute(
                    "INSERT INTO students (id, name, row, code, exercise) VALUES (?, ?, ?, ?, ?)",
                    (sid, name, row, hash_code(code), f"exercises/{sid}.xlsx"),
                )
                added.append((sid, name, code))
            removed = [sid for sid, active in known.items() if active and sid not in ids]
            for sid in removed:
                con.execute("UPDATE students SET active = 0 WHERE id = ?", (sid,))
                con.execute("DELETE FROM sessions WHERE who = ?", (f"student:{sid}",))
            con.execute("COMMIT")
        handout = self._handout()
        names = {sid: name for sid, name, _ in students}
        for sid, name, code in added:
            handout[sid] = [sid, name, code]
        for sid, row in handout.items():
            if sid in names:
                row[1] = names[sid]
        if added or removed or not (self.data / CODES).exists():
            self._write_handout(handout, [sid for sid, _, _ in students])
        return [a[0] for a in added], removed

    def add_students(self, students: Sequence[tuple[str, str, int]]) -> list[str]:
        """The ids :meth:`sync_roster` added."""
        return self.sync_roster(students)[0]

    def revoke(self, sid: str) -> tuple[StudentRow, str]:
        """A new access code for student ``sid`` (on the roster): its hash replaces the old one,
        codes.csv shows it, and the student's sessions end. Returns the student and the code."""
        st = self.student(sid)
        if st is None:
            raise NnsheetError(f"--revoke {sid}: no student with this id on the roster")
        code = new_code()
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            con.execute("UPDATE students SET code = ? WHERE id = ?", (hash_code(code), sid))
            con.execute("DELETE FROM sessions WHERE who = ?", (f"student:{sid}",))
            con.execute("COMMIT")
        handout = self._handout()
        handout[sid] = [sid, st.name, code]
        self._write_handout(handout, [s.id for s in self.students()])
        return st, code

    # ------------------------------------------------------------------ students
    def student(self, sid: str) -> StudentRow | None:
        """The student ``sid`` while on the roster (None once removed)."""
        with self._connect() as con:
            r = con.execute(
                "SELECT id, name, exercise FROM students WHERE id = ? AND active = 1", (sid,)
            ).fetchone()
        return None if r is None else StudentRow(r["id"], r["name"], r["exercise"])

    def sign_in(self, sid: str, code: str) -> StudentRow | None:
        """The student when ``code`` is theirs (in any case), else None — the same answer,
        after the same scrypt and constant-time comparison, whether or not the id exists."""
        with self._connect() as con:
            r = con.execute(
                "SELECT id, name, exercise, code FROM students WHERE id = ? AND active = 1",
                (sid.strip(),),
            ).fetchone()
        stored = r["code"] if r is not None else _DUMMY_HASH  # compared all the same
        ok = code_matches(code, stored)
        return StudentRow(r["id"], r["name"], r["exercise"]) if (ok and r is not None) else None

    def students(self) -> list[StudentRow]:
        """The students on the roster, in its order."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT id, name, exercise FROM students WHERE active = 1 ORDER BY row, id"
            )
            return [StudentRow(r["id"], r["name"], r["exercise"]) for r in rows]

    # ------------------------------------------------------------------ sessions
    def new_session(self, who: str) -> str:
        """A new session of ``who`` (``student:<id>`` or ``teacher``): its nonce, which the
        signed cookie carries and which must be in the database for the cookie to count."""
        nonce = secrets.token_urlsafe(24)
        with self._connect() as con:
            con.execute(
                "INSERT INTO sessions (nonce, who, created) VALUES (?, ?, ?)", (nonce, who, _now())
            )
        return nonce

    def session_ok(self, nonce: str, who: str) -> bool:
        with self._connect() as con:
            r = con.execute("SELECT who FROM sessions WHERE nonce = ?", (nonce,)).fetchone()
        return r is not None and same_secret(who, r["who"])

    def end_session(self, nonce: str) -> None:
        with self._connect() as con:
            con.execute("DELETE FROM sessions WHERE nonce = ?", (nonce,))

    # ------------------------------------------------------------------ attempts
    def budget(self, sid: str) -> Budget:
        with self._connect() as con:
            return self._budget(con, sid)

    @staticmethod
    def _budget(con: sqlite3.Connection, sid: str) -> Budget:
        r = con.execute(
            "SELECT COALESCE(SUM(status IN ('unreadable', 'timeout')), 0), "
            "COALESCE(SUM(bytes), 0) FROM attempts WHERE student_id = ?",
            (sid,),
        ).fetchone()
        return Budget(int(r[0]), int(r[1]))

    def new_attempt(
        self,
        sid: str,
        filename: str,
        suffix: str,
        cap: int | None,
        size: int = 0,
        ungradable_budget: int = UNGRADABLE_BUDGET,
        bytes_budget: int = BYTES_BUDGET,
    ) -> Attempt | str:
        """Record a new upload of ``size`` bytes (status ``queued``) and return it, with the
        server-made names of its stored file and graded copy; or the reason it is refused:
        ``attempts`` (the student has used their ``cap`` attempts: ``queued`` and ``graded``
        ones count), ``ungradable`` (``ungradable_budget`` uploads could not be graded) or
        ``bytes`` (their uploads would pass ``bytes_budget``). One transaction: two uploads at
        once cannot both take the last attempt."""
        assert suffix in (".xlsx", ".ods", ".xls")
        now = _now()
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            counted = con.execute(
                "SELECT COUNT(*) FROM attempts WHERE student_id = ? AND "
                "status IN ('queued', 'graded')",
                (sid,),
            ).fetchone()[0]
            used = self._budget(con, sid)
            refused = (
                "attempts"
                if cap is not None and counted >= cap
                else "ungradable"
                if used.ungradable >= ungradable_budget
                else "bytes"
                if used.bytes + size > bytes_budget
                else None
            )
            if refused is not None:
                con.execute("ROLLBACK")
                return refused
            n = con.execute(
                "SELECT COALESCE(MAX(n), 0) + 1 FROM attempts WHERE student_id = ?", (sid,)
            ).fetchone()[0]
            cur = con.execute(
                "INSERT INTO attempts (student_id, n, created, filename, upload, "
                "graded, status, bytes) VALUES (?, ?, ?, ?, '', '', 'queued', ?)",
                (sid, n, now, filename, size),
            )
            aid = int(cur.lastrowid or 0)
            upload, graded = f"uploads/{aid:06d}{suffix}", f"graded/{aid:06d}.xlsx"
            con.execute(
                "UPDATE attempts SET upload = ?, graded = ? WHERE id = ?", (upload, graded, aid)
            )
            con.execute("COMMIT")
        return Attempt(aid, sid, n, now, filename, upload, graded, "queued", None, {}, size)

    def save_upload(self, attempt: Attempt, body: bytes) -> Path:
        path = self.data / attempt.upload

        def write(tmp: str) -> None:
            Path(tmp).write_bytes(body)
            os.chmod(tmp, 0o600)

        write_atomic(path, write)
        os.chmod(path, 0o600)
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
                r["bytes"],
            )
            for r in rows
        ]

    def attempts(self, sid: str) -> list[Attempt]:
        return self._attempts("student_id = ?", (sid,))

    def attempt(self, sid: str, n: int) -> Attempt | None:
        """Attempt ``n`` of student ``sid`` (never another student's); None for a number no
        attempt can have (SQLite's integers stop at 2**63)."""
        if not 0 < n < 2**62:
            return None
        found = self._attempts("student_id = ? AND n = ?", (sid, n))
        return found[0] if found else None

    def queued(self) -> list[Attempt]:
        return self._attempts("status = 'queued'", ())

    def all_attempts(self) -> list[Attempt]:
        return self._attempts("1 = 1", ())
