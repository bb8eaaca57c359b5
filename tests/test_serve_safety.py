"""``nnsheet serve`` round three (issue 22 items 4, 5, 6, 7): a private data folder with hashed
codes, sessions that end on the server, restarts that cannot mix terms, bounded storage per
student, a locked database, bad path numbers, control characters, the worker's limits. The server
under slow connections is in test_serve_load.py."""

from __future__ import annotations

import hashlib
import io
import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from serving import SPEC, codes, write_class
from starlette.testclient import TestClient
from test_serve import BASE, _csrf, _filled, _sign_in, _submit, served

from nnsheet.cli import main
from nnsheet.core.errors import NnsheetError
from nnsheet.core.specfile import load_spec
from nnsheet.exercise.template import ExerciseOptions
from nnsheet.serve.app import create_app
from nnsheet.serve.pool import Pool
from nnsheet.serve.run import prepare


def _modes(data: Path) -> dict[str, int]:
    out = {".": stat.S_IMODE(data.stat().st_mode)}
    for p in data.rglob("*"):
        out[str(p.relative_to(data))] = stat.S_IMODE(p.lstat().st_mode)
    return out


def _db_rows(data: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(data / "nnsheet.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _scrypt(code: str, salt_hex: str) -> str:
    digest = hashlib.scrypt(
        code.lower().encode(), salt=bytes.fromhex(salt_hex), n=2**13, r=8, p=1, dklen=32
    )
    return f"scrypt${salt_hex}${digest.hex()}"


# ----------------------------------------------------------------------------- files, secrets
def test_every_file_in_the_data_folder_is_private_and_codes_are_only_hashed(
    tmp_path: Path,
) -> None:
    with served(tmp_path) as (client, data, code):
        held = sqlite3.connect(data / "nnsheet.db")  # keeps the -wal and -shm files while the
        held.execute("SELECT COUNT(*) FROM students").fetchall()  # server writes
        f = _filled(client, "2301", code["2301"], tmp_path / "f.xlsx")
        assert _submit(client, "2301", code["2301"], f).json()["score"] == 100.0
        token = (data / "teacher-token").read_text().strip()
        z = client.get("/api/submissions.zip", headers={"authorization": f"Bearer {token}"})
        assert zipfile.ZipFile(io.BytesIO(z.content)).namelist() == ["2301/attempt-1.xlsx"]
        modes = _modes(data)
        for must in ("nnsheet.db", "nnsheet.db-wal", "nnsheet.db-shm", "uploads/000001.xlsx"):
            assert must in modes, sorted(modes)
        assert "graded/000001.xlsx" in modes  # written by the worker process
        for name, mode in modes.items():
            want = 0o700 if (data / name).is_dir() else 0o600
            assert mode == want, f"{name}: {oct(mode)}"
        assert not list(data.glob(".submissions-*"))  # the streamed zip's file is gone
        held.close()
        stored = dict(_db_rows(data, "SELECT id, code FROM students"))
        for sid, c in code.items():
            salt = stored[sid].split("$")[1]
            assert stored[sid] == _scrypt(c, salt)
        raw = b"".join(p.read_bytes() for p in data.glob("nnsheet.db*"))
        assert not any(c.encode() in raw for c in code.values())
        # capitals and spaces as a student may type them
        assert _sign_in(client, "2302", f"  {code['2302'].upper()} ").status_code == 303


def test_a_data_folder_with_plain_codes_is_migrated_to_hashes(tmp_path: Path) -> None:
    spec, roster = write_class(tmp_path / "class")
    data = tmp_path / "data"
    prepare(load_spec(spec), roster, data, "en")
    before = codes(data)
    con = sqlite3.connect(data / "nnsheet.db")  # as an earlier nnsheet kept them
    con.executemany(
        "UPDATE students SET code = ? WHERE id = ?", [(c, s) for s, c in before.items()]
    )
    con.commit()
    con.close()
    os.chmod(data / "nnsheet.db", 0o644)
    (data / "codes.csv").unlink()
    _, _, lines = prepare(load_spec(spec), roster, data, "en")
    assert codes(data) == before  # the handout is written again from the old codes
    raw = b"".join(p.read_bytes() for p in data.glob("nnsheet.db*"))
    assert not any(c.encode() in raw for c in before.values())
    assert stat.S_IMODE((data / "nnsheet.db").stat().st_mode) == 0o600
    s, _, _ = prepare(load_spec(spec), roster, data, "en")
    s.workers = 1
    with TestClient(create_app(s), base_url=BASE) as client:
        assert _sign_in(client, "2301", before["2301"]).status_code == 303


# ----------------------------------------------------------------------------- sessions
def test_signing_out_ends_the_session_on_the_server(tmp_path: Path) -> None:
    with served(tmp_path) as (client, data, code):
        assert _sign_in(client, "2301", code["2301"]).status_code == 303
        cookie = client.cookies.get("nnsheet_session")
        me = client.get("/me")
        assert "Signed in as" in me.text
        client.post("/signout", data={"csrf": _csrf(me.text)}, follow_redirects=False)
        client.cookies.clear()
        old = {"cookie": f"nnsheet_session={cookie}"}  # the old cookie, replayed
        r = client.get("/me", headers=old, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"
        token = (data / "teacher-token").read_text().strip()
        page = client.get("/teacher")
        client.post("/teacher/signin", data={"token": token, "csrf": _csrf(page.text)})
        cookie = client.cookies.get("nnsheet_session")
        t = client.get("/teacher")
        assert "Ni Luh Putu Ayu" in t.text
        client.post("/signout", data={"csrf": _csrf(t.text)})
        client.cookies.clear()
        old = {"cookie": f"nnsheet_session={cookie}"}
        assert "Ni Luh Putu Ayu" not in client.get("/teacher", headers=old).text


def test_path_numbers_no_attempt_can_have_are_404(tmp_path: Path) -> None:
    with served(tmp_path) as (client, _, code):
        assert _sign_in(client, "2301", code["2301"]).status_code == 303
        for n in ("99999999999999999999", "9223372036854775808", "0", "1"):
            assert client.get(f"/attempts/{n}").status_code == 404, n
            assert client.get(f"/attempts/{n}/graded").status_code == 404, n


# ----------------------------------------------------------------------------- restarts
def test_a_restart_with_another_spec_options_or_language_is_refused_unless_new_term(
    tmp_path: Path,
) -> None:
    spec, roster = write_class(tmp_path / "class")
    data = tmp_path / "data"
    prepare(load_spec(spec), roster, data, "en")
    first = codes(data)
    other = tmp_path / "other.toml"
    other.write_text(SPEC.replace("learning_rate = 0.5", "learning_rate = 0.25"))
    with pytest.raises(NnsheetError) as e:
        prepare(load_spec(other), roster, data, "en")
    msg = str(e.value)
    assert "\n" not in msg and "another spec" in msg and "--new-term" in msg
    assert "learning_rate = 0.5 then, learning_rate = 0.25 now" in msg
    with pytest.raises(NnsheetError, match=r"bahasa lain \(--lang\): dulu en, sekarang id"):
        prepare(load_spec(spec), roster, data, "id")
    with pytest.raises(NnsheetError, match="other exercise options: decimals = 4 then"):
        prepare(load_spec(spec), roster, data, "en", options=ExerciseOptions(decimals=2))
    assert codes(data) == first  # nothing was changed by a refusal
    assert main(["serve", str(other), "--roster", str(roster), "--data", str(data)]) == 2
    _, _, lines = prepare(load_spec(other), roster, data, "en", new_term=True)
    archived = list((data / "archive").iterdir())
    assert len(archived) == 1 and any(str(archived[0]) in line for line in lines)
    old = archived[0]
    assert (old / "nnsheet.db").is_file() and (old / "codes.csv").is_file()
    assert sorted(p.name for p in (old / "exercises").iterdir()) == [
        "2301.xlsx",
        "2302.xlsx",
        "2303.xlsx",
    ]
    assert set(codes(data)) == set(first) and codes(data) != first  # new codes this term
    prepare(load_spec(other), roster, data, "en")  # the new term restarts as usual
    second = codes(data)
    _, _, lines = prepare(load_spec(other), roster, data, "en", new_term=True)  # same spec,
    assert len(list((data / "archive").iterdir())) == 2  # a new class: archived all the same
    assert codes(data) != second


def test_the_roster_may_change_between_restarts(tmp_path: Path) -> None:
    spec, roster = write_class(tmp_path / "class")
    data = tmp_path / "data"
    s, _, _ = prepare(load_spec(spec), roster, data, "en")
    s.workers = 1
    first = codes(data)
    with TestClient(create_app(s), base_url=BASE) as client:
        assert _sign_in(client, "2303", first["2303"]).status_code == 303
        # the teacher edits the roster and restarts while Budi is signed in
        roster.write_text(
            "id,name\n2301,Ni Luh Putu Ayu\n2302,Rizky\n2304,Siti Rahmawati\n", encoding="utf-8"
        )
        _, _, lines = prepare(load_spec(spec), roster, data, "en")
        assert any("2304" in line and "new student" in line for line in lines)
        assert any("access ended: 2303" in line for line in lines)
        r = client.get("/me", follow_redirects=False)  # the old session is refused at once
        assert r.status_code == 303
        assert _sign_in(client, "2303", first["2303"]).status_code == 401
        now = codes(data)
        assert set(now) == {"2301", "2302", "2304"}
        assert now["2301"] == first["2301"] and (data / "exercises/2304.xlsx").exists()
        assert _sign_in(client, "2304", now["2304"]).status_code == 303
        token = (data / "teacher-token").read_text().strip()
        book = client.get("/api/gradebook.csv", headers={"authorization": f"Bearer {token}"})
        assert "2303" not in book.text and "2304" in book.text


def test_revoke_issues_a_new_code_and_ends_the_old_one(tmp_path: Path, capsys) -> None:
    spec, roster = write_class(tmp_path / "class")
    data = tmp_path / "data"
    s, _, _ = prepare(load_spec(spec), roster, data, "en")
    s.workers = 1
    old = codes(data)
    with TestClient(create_app(s), base_url=BASE) as client:
        assert _sign_in(client, "2302", old["2302"]).status_code == 303
        capsys.readouterr()
        args = ["serve", str(spec), "--roster", str(roster), "--data", str(data)]
        assert main([*args, "--revoke", "2302"]) == 0
        out = capsys.readouterr().out
        new = codes(data)
        assert new["2302"] != old["2302"] and f": {new['2302']} (" in out
        assert "<b>Rizky</b>" in out and {k: new[k] for k in ("2301", "2303")} == {
            k: old[k] for k in ("2301", "2303")
        }
        assert client.get("/me", follow_redirects=False).status_code == 303  # session ended
        assert _sign_in(client, "2302", old["2302"]).status_code == 401
        assert _sign_in(client, "2302", new["2302"]).status_code == 303
        assert stat.S_IMODE((data / "codes.csv").stat().st_mode) == 0o600
        assert main([*args, "--revoke", "9999"]) == 2
        assert "--revoke 9999: no student" in capsys.readouterr().err


# ----------------------------------------------------------------------------- misuse
def test_uploads_that_cannot_be_graded_count_against_a_budget(tmp_path: Path) -> None:
    with served(tmp_path, ungradable_budget=2, bytes_budget=200_000) as (client, data, code):
        for _ in range(2):
            assert _submit(client, "2301", code["2301"], b"junk").json()["status"] == "unreadable"
        r = _submit(client, "2301", code["2301"], b"junk")
        assert r.status_code == 429 and r.json()["reason"] == "ungradable"
        assert "2 files that could not be graded" in r.json()["message"]
        assert len(list((data / "uploads").iterdir())) == 2  # the refused one is not kept
        assert _sign_in(client, "2301", code["2301"]).status_code == 303
        me = client.get("/me").text
        assert 'id="blocked"' in me and 'id="upload-form"' not in me
        # bytes: all of a student's uploads together
        big = b"x" * 120_000
        assert _submit(client, "2303", code["2303"], big).json()["status"] == "unreadable"
        r = _submit(client, "2303", code["2303"], big)
        assert r.status_code == 429 and r.json()["reason"] == "bytes"
        f = _filled(client, "2302", code["2302"], tmp_path / "f.xlsx")
        assert _submit(client, "2302", code["2302"], f).json()["status"] == "graded"
        assert _sign_in(client, "2303", code["2303"]).status_code == 303
        assert "Files that could not be graded: 1" in client.get("/me").text


def test_a_locked_database_answers_503_with_retry_after_and_stores_nothing(
    tmp_path: Path,
) -> None:
    with served(tmp_path, busy_timeout=0.5) as (client, data, code):
        f = _filled(client, "2301", code["2301"], tmp_path / "f.xlsx")
        lock = sqlite3.connect(data / "nnsheet.db", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            r = _submit(client, "2301", code["2301"], f)
            assert r.status_code == 503 and r.headers["retry-after"] == "5"
            assert r.json()["status"] == "busy"
            page = client.get("/")
            assert page.status_code == 200  # pages that do not touch the database still answer
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert list((data / "uploads").iterdir()) == []
        ok = _submit(client, "2301", code["2301"], f).json()
        assert ok["status"] == "graded" and ok["attempt"] == 1


def slow_grade(job: dict) -> dict:
    """The real grading after 2 s (so the database can be locked meanwhile)."""
    from nnsheet.serve.grade import grade_upload

    time.sleep(2)
    return grade_upload(job)


def test_a_result_waits_for_a_locked_database_and_is_kept(tmp_path: Path) -> None:
    with served(tmp_path, busy_timeout=0.3, job=slow_grade) as (client, data, code):
        f = _filled(client, "2301", code["2301"], tmp_path / "f.xlsx")
        lock = sqlite3.connect(data / "nnsheet.db", isolation_level=None)
        answer: dict = {}
        t = threading.Thread(
            target=lambda: answer.update(_submit(client, "2301", code["2301"], f).json())
        )
        t.start()
        for _ in range(200):  # the attempt is recorded: lock the database while it grades
            if _db_rows(data, "SELECT COUNT(*) FROM attempts")[0][0]:
                break
            time.sleep(0.05)
        lock.execute("BEGIN EXCLUSIVE")
        time.sleep(4)  # grading ends (2 s) and its result waits for the lock
        assert _db_rows_locked_status(lock) == [("queued",)]
        lock.execute("ROLLBACK")
        lock.close()
        t.join(60)
        assert answer["status"] == "graded" and answer["score"] == 100.0
        assert _db_rows(data, "SELECT status, score FROM attempts") == [("graded", 100.0)]


def _db_rows_locked_status(con: sqlite3.Connection) -> list[tuple]:
    return con.execute("SELECT status FROM attempts").fetchall()


def test_control_characters_are_escaped_on_pages_and_in_the_gradebook(tmp_path: Path) -> None:
    spec, roster = write_class(tmp_path / "class")
    roster.write_text("id,name\n2301,Ni\x1b[31mEVE\x07\n2302,Rizky\n", encoding="utf-8")
    s, _, lines = prepare(load_spec(spec), roster, tmp_path / "data", "en")
    s.workers = 1
    data = tmp_path / "data"
    with TestClient(create_app(s), base_url=BASE) as client:
        c = codes(data)
        assert _submit(client, "2301", c["2301"], b"junk", "a\x1b[2Jb.xlsx").status_code == 200
        assert _sign_in(client, "2301", c["2301"]).status_code == 303
        me = client.get("/me").text
        assert "Ni\\x1b[31mEVE\\x07" in me and "a\\x1b[2Jb.xlsx" in me
        assert "\x1b" not in me and "\x07" not in me
        token = (data / "teacher-token").read_text().strip()
        book = client.get("/api/gradebook.csv", headers={"authorization": f"Bearer {token}"})
        assert "Ni\\x1b[31mEVE\\x07" in book.text
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", book.text)
        page = client.get("/teacher")
        client.post("/teacher/signin", data={"token": token, "csrf": _csrf(page.text)})
        t = client.get("/teacher").text
        assert "Ni\\x1b[31mEVE\\x07" in t and "\x1b" not in t


# ----------------------------------------------------------------------------- workers
def hog(job: dict) -> dict:
    """Asks for 3 GiB."""
    block = bytearray(3 * 2**30)
    return {"status": "graded", "n": len(block)}


def test_a_workers_memory_is_capped(tmp_path: Path) -> None:
    import asyncio

    async def go() -> tuple[dict | None, dict | None]:
        pool = Pool(hog, 1, timeout=60, memory=2**30)
        await pool.start()
        try:
            first = await pool.run({})
            second = await pool.run({})
        finally:
            await pool.stop()
        return first, second

    first, second = asyncio.run(go())
    assert first == second == {"status": "error", "message": "grading failed (MemoryError)"}


ORPHAN = """
import asyncio, sys, time
sys.path[:0] = {paths!r}
from nnsheet.serve.pool import Pool
from test_serve_safety import spin

async def main():
    pool = Pool(spin, 1, timeout=600)
    await pool.start()
    print(*pool.pids, flush=True)
    await pool.run({{}})

asyncio.run(main())
"""


def spin(job: dict) -> dict:
    while True:
        pass


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_end_when_the_server_is_killed(tmp_path: Path) -> None:
    here = str(Path(__file__).parent)
    src = str(Path(__file__).parents[1] / "src")
    code = ORPHAN.format(paths=[here, src])
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=here
    )
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        worker = int(line.split()[0])
        time.sleep(1)  # the worker is now spinning in its job
        assert _alive(worker)
        proc.kill()  # the server dies without a word
        proc.wait(30)
        end = time.monotonic() + 20
        while _alive(worker) and time.monotonic() < end:
            time.sleep(0.2)
        assert not _alive(worker)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    import socket

    spec, roster = write_class(tmp_path / "class")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        rc = main(
            [
                "serve",
                str(spec),
                "--roster",
                str(roster),
                "--data",
                str(tmp_path / "data"),
                "--port",
                str(port),
            ]
        )
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and f"--port {port}: 127.0.0.1:{port}" in err
    assert "already in use" in err and "serving" not in err
    assert not (tmp_path / "data").exists()  # refused before the data folder was touched


def test_a_body_that_stops_coming_is_refused_408_and_a_finished_one_has_no_limit() -> None:
    import asyncio

    from nnsheet.serve.app import BodyLimit

    async def app(scope, receive, send) -> None:  # reads the whole body, then waits for a
        while (await receive()).get("more_body"):  # disconnect as a streaming response does
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        assert (await receive())["type"] == "http.disconnect"

    async def run(chunks: list[tuple[float, dict]]) -> list[dict]:
        sent: list[dict] = []
        queue = list(chunks)

        async def receive() -> dict:
            if not queue:
                await asyncio.sleep(0.6)  # the client goes away later than the limit
                return {"type": "http.disconnect"}
            wait, msg = queue.pop(0)
            await asyncio.sleep(wait)
            return msg

        async def send(msg: dict) -> None:
            sent.append(msg)

        scope = {"type": "http", "method": "POST", "path": "/upload", "headers": []}
        await BodyLimit(app, 1000, idle=0.3)(scope, receive, send)
        return sent

    part = {"type": "http.request", "body": b"x", "more_body": True}
    last = {"type": "http.request", "body": b"y", "more_body": False}
    stalled = asyncio.run(run([(0, part), (1.0, last)]))
    assert stalled[0]["status"] == 408
    assert b"stopped coming for 0.3 seconds" in stalled[1]["body"]
    fine = asyncio.run(run([(0.1, part), (0.1, part), (0.1, last)]))
    assert fine[0]["status"] == 200 and fine[1]["body"] == b"ok"
