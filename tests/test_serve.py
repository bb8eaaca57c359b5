"""``nnsheet serve`` (issue 14) without a browser: the data folder, the JSON API, the pages as
HTML, and every security point. The pages in a real browser are in test_serve_browser.py, the
server under load in test_serve_load.py.

Expected values come from the engine's trace of each student's variant (tests/serving.py),
never from the grader.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import sqlite3
import stat
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
from serving import SPEC, answers, codes, fill, write_class
from starlette.testclient import TestClient
from submissions import GRADEBOOK_CSV, GRADEBOOK_PEOPLE_HEAD

import nnsheet.serve.store as store_mod
from nnsheet.cli import build_parser
from nnsheet.core.engine import run
from nnsheet.core.specfile import load_spec, loads_spec
from nnsheet.exercise.roster import student_spec
from nnsheet.exercise.template import exercise_spec
from nnsheet.output.workbook import make_layout
from nnsheet.serve.app import MAX_BODY, create_app
from nnsheet.serve.grade import grade_upload
from nnsheet.serve.run import is_loopback, prepare

BASE = "https://testserver"  # the session cookie is Secure: the client sends it over https only


@contextmanager
def served(tmp_path: Path, lang: str = "en", **settings):
    """A prepared class (three students) and a test client of its app, with one worker."""
    spec, roster = write_class(tmp_path / "class")
    s, _, _ = prepare(load_spec(spec), roster, tmp_path / "data", lang)
    s.workers = 1
    for k, v in settings.items():
        setattr(s, k, v)
    with TestClient(create_app(s), base_url=BASE) as client:
        yield client, tmp_path / "data", codes(tmp_path / "data")


def _exercise(client: TestClient, sid: str, code: str) -> bytes:
    r = client.get("/api/exercise", auth=(sid, code))
    assert r.status_code == 200, r.text
    return r.content


def _filled(client: TestClient, sid: str, code: str, out: Path, wrong: int = 0) -> Path:
    """The student's own exercise with every answer typed in, the first ``wrong`` of them
    (in sheet/cell order) 0.3 too large."""
    vals = answers(sid)
    for k in sorted(vals, key=_order)[:wrong]:
        vals[k] += 0.3
    return fill(_exercise(client, sid, code), out, vals)


def _order(k: tuple[str, str]) -> tuple:
    m = re.fullmatch(r"([A-Z]+)(\d+)", k[1])
    assert m is not None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return (k[0] != "Steps", int(m.group(2)), col)


def _submit(client: TestClient, sid: str, code: str, path: Path | bytes, name: str = "mine.xlsx"):
    body = path if isinstance(path, bytes) else path.read_bytes()
    return client.post(
        "/api/submissions", data={"student_id": sid, "code": code}, files={"workbook": (name, body)}
    )


def _sign_in(client: TestClient, sid: str, code: str):
    page = client.get("/")
    csrf = _csrf(page.text)
    return client.post(
        "/signin", data={"student_id": sid, "code": code, "csrf": csrf}, follow_redirects=False
    )


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m is not None, html
    return m.group(1)


def _setup_numbers(data: bytes, sheet: str = "Setup") -> list[float]:
    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    return [
        c.value
        for row in wb[sheet].iter_rows()
        for c in row
        if isinstance(c.value, int | float) and not isinstance(c.value, bool)
    ]


# ----------------------------------------------------------------------------- data folder
def test_first_start_writes_codes_token_and_a_wal_database_and_a_restart_keeps_them(
    tmp_path: Path,
) -> None:
    spec, roster = write_class(tmp_path / "class")
    data = tmp_path / "data"
    _, _, lines = prepare(load_spec(spec), roster, data, "en")
    assert any(str(data / "codes.csv") in line for line in lines)
    for name in ("codes.csv", "teacher-token", "session-key"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    with open(data / "codes.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["2301", "2302", "2303"]
    assert rows[0]["name"] == "Ni Luh Putu Ayu"
    assert len({r["code"] for r in rows}) == 3
    assert all(re.fullmatch(r"[2-9a-hjkmnp-z]{10}", r["code"]) for r in rows)
    token = (data / "teacher-token").read_text().strip()
    assert len(token) >= 40
    con = sqlite3.connect(data / "nnsheet.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    before = {p.name: p.stat().st_mtime_ns for p in (data / "exercises").iterdir()}
    assert sorted(before) == ["2301.xlsx", "2302.xlsx", "2303.xlsx"]
    prepare(load_spec(spec), roster, data, "en")  # a restart: same codes, token, exercises
    assert codes(data) == {r["id"]: r["code"] for r in rows}
    assert (data / "teacher-token").read_text().strip() == token
    assert {p.name: p.stat().st_mtime_ns for p in (data / "exercises").iterdir()} == before
    with open(roster, "a", encoding="utf-8") as fh:  # a student joins the class
        fh.write("2304,Siti Rahmawati\n")
    prepare(load_spec(spec), roster, data, "en")
    now = codes(data)
    assert {k: now[k] for k in ("2301", "2302", "2303")} == {r["id"]: r["code"] for r in rows}
    assert set(now) == {"2301", "2302", "2303", "2304"} and (data / "exercises/2304.xlsx").exists()


def test_serve_binds_to_loopback_unless_told() -> None:
    args = build_parser().parse_args(["serve", "course", "--roster", "r.csv", "--data", "d"])
    assert (args.host, args.port, args.attempts, args.lang) == ("127.0.0.1", 8000, None, "en")
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


# ----------------------------------------------------------------------------- the API
def test_api_exercise_is_the_students_own_variant_with_name_and_number(tmp_path: Path) -> None:
    with served(tmp_path) as (client, _, code):
        mine = _exercise(client, "2301", code["2301"])
        theirs = _exercise(client, "2303", code["2303"])
    wb = openpyxl.load_workbook(io.BytesIO(mine))
    typed = [c.value for row in wb["Exercise"].iter_rows() for c in row]
    assert "Ni Luh Putu Ayu" in typed and "2301" in typed
    spec = load_spec(tmp_path / "class" / "spec.toml")
    w = student_spec(spec, "2301").layers[1].weights.ravel().tolist()
    nums = _setup_numbers(mine)
    assert all(any(abs(v - x) < 1e-12 for x in nums) for v in w)
    assert _setup_numbers(mine) != _setup_numbers(theirs)  # drawn per student


def test_api_submission_all_correct(tmp_path: Path) -> None:
    with served(tmp_path) as (client, data, code):
        f = _filled(client, "2301", code["2301"], tmp_path / "ok.xlsx")
        r = _submit(client, "2301", code["2301"], f)
    assert r.status_code == 200, r.text
    ans = r.json()
    n = len(answers("2301"))
    assert ans["status"] == "graded" and ans["attempt"] == 1
    assert (ans["score"], ans["correct"], ans["wrong"], ans["missing"]) == (100.0, n, 0, 0)
    assert ans["first_wrong"] is None and ans["flags"] == [] and ans["graded_copy"] is True
    assert set(ans) == {
        "status",
        "attempt",
        "score",
        "correct",
        "carried",
        "carried_trivial",
        "wrong",
        "missing",
        "answer_cells",
        "first_wrong",
        "mistake",
        "flags",
        "message",
        "graded_copy",
    }


def test_api_submission_with_a_wrong_value_names_it_with_its_formula(tmp_path: Path) -> None:
    """At ``--feedback full`` (after the deadline) the answer names the expected value."""
    with served(tmp_path, feedback="full") as (client, _, code):
        f = _filled(client, "2302", code["2302"], tmp_path / "one.xlsx", wrong=1)
        ans = _submit(client, "2302", code["2302"], f).json()
    vals = answers("2302")
    first = min(vals, key=_order)
    assert ans["status"] == "graded" and ans["wrong"] >= 1
    assert ans["first_wrong"]["cell"] == f"{first[0]}!{first[1]}"
    assert abs(ans["first_wrong"]["expected"] - vals[first]) < 1e-12
    assert abs(float(ans["first_wrong"]["given"]) - (vals[first] + 0.3)) < 1e-9
    assert "=" in ans["first_wrong"]["formula"]
    n = ans["answer_cells"]
    assert ans["score"] == round(100 * (ans["correct"] + ans["carried"]) / n, 1) < 100


def test_a_named_mistake_is_in_the_answer_and_on_the_page(tmp_path: Path) -> None:
    """The first hidden net of step 1 typed without its bias: the answer names forgot_bias."""
    spec = student_spec(exercise_spec(loads_spec(SPEC, "serve.toml"), False), "2303")
    table = run(spec).table(make_layout(spec))
    net = table[
        (table["quantity"] == "z")
        & (table["step"] == 1)
        & (table["layer"] == 1)
        & (table["j"] == 1)
        & (table["sheet"] == "Steps")
    ].iloc[0]
    x = spec.inputs[0]
    w, b = spec.layers[0].weights[0], spec.layers[0].biases[0]
    planted = float(w[0] * x[0] + w[1] * x[1])  # w·x, the bias left out, by hand
    assert abs(planted + b - float(net["value"])) < 1e-12
    with served(tmp_path) as (client, _, code):
        vals = answers("2303")
        vals[("Steps", net["cell"])] = round(planted, 6)
        f = fill(_exercise(client, "2303", code["2303"]), tmp_path / "slip.xlsx", vals)
        ans = _submit(client, "2303", code["2303"], f).json()
        assert ans["first_wrong"]["cell"] == f"Steps!{net['cell']}"
        assert ans["mistake"] == "forgot_bias"
        assert _sign_in(client, "2303", code["2303"]).status_code == 303
        page = client.get("/attempts/1").text
        # the mistake's sentence says "likely slip:" itself: no second label before it
        assert "likely slip: the net computed without the bias" in page
        assert re.search(r"<p id=\"mistake\">likely slip: ", page), page
        assert "Named mistake" not in page


def test_another_students_file_is_graded_against_the_uploaders_own_givens(tmp_path: Path) -> None:
    """2301 uploads 2303's correct exercise: graded against 2301's exercise it is not right,
    and flagged as check --roster flags it (2303's id typed in it: id_mismatch, naming both);
    a file with a given edited is flagged tampered."""
    with served(tmp_path) as (client, _, code):
        f = _filled(client, "2303", code["2303"], tmp_path / "theirs.xlsx")
        ans = _submit(client, "2301", code["2301"], f).json()
        assert ans["status"] == "graded" and ans["correct"] < ans["answer_cells"] / 2
        assert ans["flags"] == ["tampered", "id_mismatch", "copied:2303"]
        own = _filled(client, "2302", code["2302"], tmp_path / "own.xlsx")
        assert _submit(client, "2302", code["2302"], own).json()["flags"] == []
        wb = openpyxl.load_workbook(own)
        setup = wb["Setup"]
        cell = next(
            c
            for row in setup.iter_rows()
            for c in row
            if isinstance(c.value, float) and not isinstance(c.value, bool)
        )
        cell.value += 0.5
        wb.save(tmp_path / "edited.xlsx")
        edited = _submit(client, "2302", code["2302"], tmp_path / "edited.xlsx").json()
        assert edited["flags"] == ["tampered"]
        token = (client.app.state.server.store.data / "teacher-token").read_text().strip()
        book = client.get("/api/gradebook.csv", headers={"authorization": f"Bearer {token}"})
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(book.text))}
    assert rows["2301"]["flags"] == "tampered;id_mismatch;copied:2303"
    assert "2303" in rows["2301"]["message"]
    assert rows["2302"]["flags"] == "tampered"


def test_the_id_typed_in_an_upload_is_matched_as_check_roster_matches_it(tmp_path: Path) -> None:
    """check --roster finds a student whatever the letter case of the typed id; so does serve:
    ab1 uploads ab2's correct exercise with "AB2" typed in it, and it is flagged copied:ab2."""
    from nnsheet.exercise.template import ExerciseOptions, write_exercise

    options = ExerciseOptions(lang="en")
    spec = exercise_spec(loads_spec(SPEC, "serve.toml"), False)
    theirs = tmp_path / "theirs.xlsx"
    write_exercise(student_spec(spec, "ab2"), theirs, options, student=("Siti", "AB2"))
    fill(theirs, theirs, answers("ab2"))
    job = {
        "spec": spec,
        "options": options,
        "student_id": "ab1",
        "roster": ["ab1", "ab2"],
        "upload": str(theirs),
        "graded": str(tmp_path / "graded.xlsx"),
        "shown": "theirs.xlsx",
        "lang": "en",
    }
    ans = grade_upload(job)
    assert ans["status"] == "graded" and ans["correct"] < ans["answer_cells"] / 2
    assert ans["flags"] == ["tampered", "id_mismatch", "copied:ab2"]


# ----------------------------------------------------------------------------- security
def test_a_wrong_code_is_refused_the_same_way_whether_or_not_the_id_exists(tmp_path: Path) -> None:
    with served(tmp_path) as (client, _, code):
        f = _filled(client, "2301", code["2301"], tmp_path / "f.xlsx")
        known = _submit(client, "2301", "wrongcode1", f)
        unknown = _submit(client, "9999", "wrongcode1", f)
        other = _submit(client, "2301", code["2302"], f)  # another student's code
        assert known.status_code == unknown.status_code == other.status_code == 401
        assert known.json() == unknown.json() == other.json()
        e1 = client.get("/api/exercise", auth=("2301", "nope"))
        e2 = client.get("/api/exercise", auth=("9999", "nope"))
        assert e1.status_code == e2.status_code == 401 and e1.content == e2.content
        p1, p2 = _sign_in(client, "2301", "nope"), _sign_in(client, "9999", "nope")
        assert p1.status_code == p2.status_code == 401
        strip = re.compile(r'name="csrf" value="[^"]+"')
        assert strip.sub("", p1.text) == strip.sub("", p2.text)
        assert "Wrong student number or access code." in p1.text
        assert client.app.state.server.store.all_attempts() == []  # nothing was stored


def test_codes_and_tokens_are_compared_in_constant_time(tmp_path: Path, monkeypatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = store_mod.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(store_mod.hmac, "compare_digest", spy)
    with served(tmp_path) as (client, data, code):
        token = (data / "teacher-token").read_text().strip()
        stored = _stored_hashes(data)["2301"]
        client.get("/api/exercise", auth=("2301", code["2301"].upper()))  # capitals work
        assert calls == [(stored.encode(), stored.encode())]  # the salted hashes are compared
        calls.clear()
        client.get("/api/exercise", auth=("9999", "guess"))  # an unknown id is compared too
        assert len(calls) == 1 and calls[0][0].startswith(b"scrypt$")
        assert calls[0][0] != calls[0][1]
        calls.clear()
        client.get("/api/gradebook.csv", headers={"authorization": "Bearer wrong"})
        assert calls == [(b"wrong", token.encode())]


def _stored_hashes(data: Path) -> dict[str, str]:
    con = sqlite3.connect(data / "nnsheet.db")
    try:
        return dict(con.execute("SELECT id, code FROM students").fetchall())
    finally:
        con.close()


def _scrypt(code: str, salt_hex: str) -> str:
    """The documented hash of a code: scrypt (n=2**13, r=8, p=1, 32 bytes) of its small
    letters with the stored salt, written ``scrypt$<salt hex>$<hash hex>``."""
    salt = bytes.fromhex(salt_hex)
    digest = hashlib.scrypt(code.lower().encode(), salt=salt, n=2**13, r=8, p=1, dklen=32)
    return f"scrypt${salt_hex}${digest.hex()}"


def test_forms_need_the_csrf_token(tmp_path: Path) -> None:
    with served(tmp_path) as (client, _, code):
        r = client.post(
            "/signin", data={"student_id": "2301", "code": code["2301"]}, follow_redirects=False
        )
        assert r.status_code == 403 and "expired" in r.text
        r = client.post(
            "/signin",
            data={"student_id": "2301", "code": code["2301"], "csrf": "forged"},
            follow_redirects=False,
        )
        assert r.status_code == 403
        assert _sign_in(client, "2301", code["2301"]).status_code == 303
        f = _filled(client, "2301", code["2301"], tmp_path / "f.xlsx")
        r = client.post(
            "/upload",
            files={"workbook": ("f.xlsx", f.read_bytes())},
            data={"csrf": "forged"},
            follow_redirects=False,
        )
        assert r.status_code == 403
        assert "No attempts yet." in client.get("/me").text
        token = _csrf(client.get("/me").text)
        r = client.post(
            "/upload",
            files={"workbook": ("f.xlsx", f.read_bytes())},
            data={"csrf": token},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/attempts/1"


def test_session_cookie_is_signed_httponly_samesite_and_secure(tmp_path: Path) -> None:
    with served(tmp_path) as (client, _, code):
        r = _sign_in(client, "2301", code["2301"])
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
        value = client.cookies["nnsheet_session"]
        # a cookie changed by hand (another student's id) is not accepted
        client.cookies.clear()
        import base64

        payload, _, sig = value.partition(".")
        forged = base64.b64encode(base64.b64decode(payload + "==").replace(b"2301", b"2302"))
        client.cookies.set("nnsheet_session", forged.decode() + "." + sig)
        assert client.get("/me", follow_redirects=False).headers["location"] == "/"


def test_names_and_file_names_are_escaped_in_html(tmp_path: Path) -> None:
    with served(tmp_path) as (client, data, code):
        assert _sign_in(client, "2302", code["2302"]).status_code == 303
        me = client.get("/me").text
        assert "&lt;b&gt;Rizky&lt;/b&gt; &amp; &#34;Co&#34;" in me and "<b>Rizky" not in me
        evil = '<img src=x onerror=alert(1)>".xlsx'
        f = _filled(client, "2302", code["2302"], tmp_path / "f.xlsx")
        _submit(client, "2302", code["2302"], f, name=evil)
        page = client.get("/attempts/1").text
        assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "<img" not in client.get("/me").text
        assert "script-src" not in (csp := client.get("/me").headers["content-security-policy"])
        assert "default-src 'none'" in csp
        client.cookies.clear()
        token = (data / "teacher-token").read_text().strip()
        page = client.get("/teacher").text
        client.post("/teacher/signin", data={"token": token, "csrf": _csrf(page)})
        teacher = client.get("/teacher").text
        assert "&lt;b&gt;Rizky&lt;/b&gt;" in teacher and "<b>Rizky" not in teacher


def test_no_path_is_built_from_the_upload_name(tmp_path: Path) -> None:
    with served(tmp_path) as (client, data, code):
        f = _filled(client, "2301", code["2301"], tmp_path / "f.xlsx")
        for name in ("../../escape.xlsx", "/etc/passwd.xlsx", "..\\..\\win.ods"):
            ans = _submit(client, "2301", code["2301"], f, name=name).json()
            assert ans["status"] in ("graded", "unreadable"), ans
        stored = sorted(
            p.relative_to(data).as_posix()
            for p in data.rglob("*")
            if p.is_file() and p.parent.name in ("uploads", "graded")
        )
        assert [s for s in stored if s.startswith("uploads/")] == [
            "uploads/000001.xlsx",
            "uploads/000002.xlsx",
            "uploads/000003.ods",
        ]
        assert not (tmp_path / "escape.xlsx").exists() and not (data / "escape.xlsx").exists()
        names = [a.filename for a in client.app.state.server.store.attempts("2301")]
        assert names == ["escape.xlsx", "passwd.xlsx", "win.ods"]


def test_a_student_never_sees_another_students_attempts_or_files(tmp_path: Path) -> None:
    with served(tmp_path) as (client, _, code):
        f = _filled(client, "2303", code["2303"], tmp_path / "f.xlsx", wrong=2)
        assert (
            _submit(client, "2303", code["2303"], f, name="budi-secret.xlsx").json()["attempt"] == 1
        )
        assert _sign_in(client, "2301", code["2301"]).status_code == 303
        for url in ("/attempts/1", "/attempts/1/graded"):
            r = client.get(url)
            assert r.status_code == 404 and "budi-secret" not in r.text
        me = client.get("/me").text
        assert "budi-secret" not in me and "Budi" not in me
        ex = client.get("/exercise")
        assert "Ni Luh Putu Ayu" in [
            c.value
            for row in openpyxl.load_workbook(io.BytesIO(ex.content))["Exercise"].iter_rows()
            for c in row
        ]
        assert client.get("/exercise?student_id=2303").content == ex.content
        for url in ("/teacher/gradebook.csv", "/teacher/submissions.zip"):
            assert client.get(url, follow_redirects=False).status_code == 303
        assert client.get("/api/gradebook.csv").status_code == 401


def test_request_body_over_the_limit_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    with served(tmp_path) as (client, data, code):
        big = b"PK" + os.urandom(MAX_BODY)
        r = _submit(client, "2301", code["2301"], big, name="big.xlsx")
        assert r.status_code == 413 and r.text == "The upload is larger than 8 MB."
        assert list((data / "uploads").iterdir()) == []

        def chunks():
            for _ in range(MAX_BODY // 2**16 + 2):
                yield b"x" * 2**16

        r = client.post(
            "/api/submissions",
            content=chunks(),
            headers={"content-type": "multipart/form-data; boundary=zz"},
        )
        assert r.status_code == 413


def _bomb(path: Path) -> Path:
    """A small .xlsx whose one sheet part expands 1000:1 (5 MiB of zeros)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (5 * 2**20))
    return path


def _dtd(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><workbook>&a;</workbook>',
        )
    return path


def test_uploads_get_the_archive_limits_before_parsing(tmp_path: Path) -> None:
    with served(tmp_path) as (client, data, code):
        bomb = _submit(client, "2301", code["2301"], _bomb(tmp_path / "b.xlsx"), "b.xlsx").json()
        dtd = _submit(client, "2301", code["2301"], _dtd(tmp_path / "d.xlsx"), "d.xlsx").json()
        csv_ = _submit(client, "2301", code["2301"], b"a,b\n1,2\n", "grades.xlsx").json()
    assert bomb["status"] == "unreadable" and "likely zip bomb" in bomb["message"]
    assert dtd["status"] == "unreadable" and "declares a DTD" in dtd["message"]
    assert csv_["status"] == "unreadable" and "text (CSV?)" in csv_["message"]
    for ans in (bomb, dtd, csv_):  # the learner's file name, never the server's path
        assert str(data) not in ans["message"] and "uploads/" not in ans["message"]
    assert bomb["message"].startswith("b.xlsx: ")


def slow_or_grade(job: dict) -> dict:
    """A worker job that never ends for a file named slow*.xlsx (a file that would stall the
    grader), raises for crash*.xlsx, and grades the others."""
    if job["shown"].startswith("slow"):
        while True:
            time.sleep(1)
    if job["shown"].startswith("crash"):
        raise RuntimeError("a reader's bug")
    return grade_upload(job)


def test_a_file_that_takes_too_long_is_stopped_and_the_server_goes_on(tmp_path: Path) -> None:
    with served(tmp_path, job=slow_or_grade, timeout=3.0) as (client, _, code):
        f = _filled(client, "2301", code["2301"], tmp_path / "f.xlsx")
        pid = client.app.state.server.pool.pids
        t = time.monotonic()
        slow = _submit(client, "2301", code["2301"], f, name="slow.xlsx").json()
        assert 3.0 <= time.monotonic() - t < 30
        assert slow["status"] == "timeout" and "longer than 3 seconds" in slow["message"]
        assert client.app.state.server.pool.pids != pid  # the stuck worker was replaced
        ok = _submit(client, "2301", code["2301"], f, name="fine.xlsx").json()
        assert ok["status"] == "graded" and ok["score"] == 100.0
        pid = client.app.state.server.pool.pids
        crash = _submit(client, "2301", code["2301"], f, name="crash.xlsx").json()
        assert crash["status"] == "unreadable" and "RuntimeError" in crash["message"]
        assert client.app.state.server.pool.pids == pid  # the worker goes on
        assert _submit(client, "2301", code["2301"], f).json()["status"] == "graded"
        assert _sign_in(client, "2301", code["2301"]).status_code == 303
        assert "took longer than 3 seconds" in client.get("/attempts/1").text


def test_attempts_are_capped_and_unreadable_files_do_not_count(tmp_path: Path) -> None:
    with served(tmp_path, attempts=2) as (client, _, code):
        f = _filled(client, "2301", code["2301"], tmp_path / "f.xlsx", wrong=1)
        assert (
            _submit(client, "2301", code["2301"], b"not a workbook").json()["status"]
            == "unreadable"
        )
        assert _submit(client, "2301", code["2301"], f).json()["attempt"] == 2
        assert _sign_in(client, "2301", code["2301"]).status_code == 303
        assert "Attempts left: 1 of 2." in client.get("/me").text
        assert _submit(client, "2301", code["2301"], f).json()["attempt"] == 3
        r = _submit(client, "2301", code["2301"], f)
        assert r.status_code == 429 and r.json()["status"] == "refused"
        me = client.get("/me").text
        assert "You have used all 2 attempts." in me and 'id="upload-form"' not in me
        # another student is not affected
        g = _filled(client, "2303", code["2303"], tmp_path / "g.xlsx")
        assert _submit(client, "2303", code["2303"], g).json()["status"] == "graded"


# ----------------------------------------------------------------------------- pages, teacher
def test_student_pages_show_the_result_and_the_graded_copy(tmp_path: Path) -> None:
    with served(tmp_path) as (client, _, code):
        assert _sign_in(client, "2301", code["2301"]).status_code == 303
        me = client.get("/me")
        assert "Signed in as Ni Luh Putu Ayu (2301)" in me.text
        assert me.headers["cache-control"] == "no-store"
        ex = client.get("/exercise").content
        vals = answers("2301")
        first = min(vals, key=_order)
        vals[first] += 0.3
        f = fill(ex, tmp_path / "f.xlsx", vals)
        r = client.post(
            "/upload",
            files={"workbook": ("ayu.xlsx", f.read_bytes())},
            data={"csrf": _csrf(me.text)},
        )
        assert r.status_code == 200 and "Attempt 1: ayu.xlsx" in r.text
        assert f"First wrong value: {first[0]}!{first[1]}" in r.text
        g = client.get("/attempts/1/graded")
        assert g.status_code == 200 and g.headers["content-type"].startswith(
            "application/vnd.openxmlformats"
        )
        wb = openpyxl.load_workbook(io.BytesIO(g.content))
        assert wb.sheetnames[0] == "Grades"
        assert wb[first[0]][first[1]].fill.fgColor.rgb == "FFFFC7CE"  # wrong: red


def test_pages_speak_indonesian(tmp_path: Path) -> None:
    with served(tmp_path, lang="id", feedback="full") as (client, _, code):
        assert "Nomor mahasiswa" in client.get("/").text
        assert _sign_in(client, "2301", code["2301"]).status_code == 303
        assert "Unduh latihan Anda" in client.get("/me").text
        ex = client.get("/exercise").content
        assert "Langkah" in openpyxl.load_workbook(io.BytesIO(ex)).sheetnames
        vals = answers("2301", "id")
        first = min(vals, key=_order)
        vals[first] += 0.3
        f = fill(ex, tmp_path / "f.xlsx", vals)
        ans = _submit(client, "2301", code["2301"], f).json()
        assert ans["status"] == "graded" and ans["first_wrong"]["reason"].startswith("seharusnya")
        page = client.get("/attempts/1").text
        assert "Nilai salah pertama" in page and "salah" in page


def test_teacher_page_gradebook_and_submissions(tmp_path: Path) -> None:
    with served(tmp_path) as (client, data, code):
        token = (data / "teacher-token").read_text().strip()
        f = _filled(client, "2301", code["2301"], tmp_path / "a.xlsx", wrong=1)
        g = _filled(client, "2301", code["2301"], tmp_path / "b.xlsx")
        first = _submit(client, "2301", code["2301"], f).json()
        _submit(client, "2301", code["2301"], g)
        _submit(client, "2303", code["2303"], b"junk", "junk.xlsx")
        page = client.get("/teacher")
        assert 'id="token"' in page.text and "Ni Luh" not in page.text
        bad = client.post("/teacher/signin", data={"token": "x", "csrf": _csrf(page.text)})
        assert bad.status_code == 401 and "Wrong teacher token." in bad.text
        ok = client.post(
            "/teacher/signin",
            data={"token": token, "csrf": _csrf(page.text)},
            follow_redirects=False,
        )
        assert ok.status_code == 303 and "httponly" in ok.headers["set-cookie"].lower()
        assert token not in ok.headers["set-cookie"]  # the cookie holds no token
        t = client.get("/teacher").text
        assert "Ni Luh Putu Ayu" in t and "100.0%" in t and f"{first['score']:.1f}%" not in t
        book = client.get("/teacher/gradebook.csv")
        api = client.get("/api/gradebook.csv", headers={"authorization": f"Bearer {token}"})
        assert book.text == api.text
        rows = list(csv.DictReader(io.StringIO(api.text)))
        assert list(rows[0]) == GRADEBOOK_CSV
        by = {r["student_id"]: r for r in rows}
        assert by["2301"]["status"] == "graded" and by["2301"]["score"] == "100.0"
        assert by["2301"]["file"] == "2301/attempt-2.xlsx"
        assert by["2301"]["student"] == "Ni Luh Putu Ayu"
        assert by["2302"]["status"] == "no_submission"
        assert by["2303"]["status"] == "unreadable" and "CSV" in by["2303"]["message"]
        z = zipfile.ZipFile(io.BytesIO(client.get("/teacher/submissions.zip").content))
        assert sorted(z.namelist()) == [
            "2301/attempt-1.xlsx",
            "2301/attempt-2.xlsx",
            "2303/attempt-1.xlsx",
        ]
        assert z.read("2301/attempt-1.xlsx") == f.read_bytes()
        assert (
            client.get(
                "/api/gradebook.csv", headers={"authorization": "Bearer " + token[:-1]}
            ).status_code
            == 401
        )


def test_a_restart_loses_nothing_and_grades_what_was_waiting(tmp_path: Path) -> None:
    with served(tmp_path) as (client, data, code):
        f = _filled(client, "2301", code["2301"], tmp_path / "f.xlsx")
        assert _submit(client, "2301", code["2301"], f).json()["score"] == 100.0
        store = client.app.state.server.store
        waiting = store.new_attempt("2303", "left.xlsx", ".xlsx", None)  # upload stored, the
        g = _filled(client, "2303", code["2303"], tmp_path / "g.xlsx")  # server stopped before
        store.save_upload(waiting, g.read_bytes())  # grading it
    with served(tmp_path) as (client, _, code2):
        assert code2 == code
        store = client.app.state.server.store
        for _ in range(300):
            if store.attempt("2303", 1).status != "queued":
                break
            time.sleep(0.1)
        assert store.attempt("2303", 1).status == "graded"
        assert store.attempt("2303", 1).score == 100.0
        assert store.attempt("2301", 1).score == 100.0


def _teacher(client: TestClient, data: Path) -> None:
    token = (data / "teacher-token").read_text().strip()
    page = client.get("/teacher").text
    ok = client.post(
        "/teacher/signin", data={"token": token, "csrf": _csrf(page)}, follow_redirects=False
    )
    assert ok.status_code == 303


def test_the_assignment_title_is_on_every_page(tmp_path: Path) -> None:
    """The spec's title (tests/serving.py: "Serve test") heads the sign-in, student, result
    and teacher pages, in the page's title too."""
    with served(tmp_path) as (client, data, code):
        assert "<title>Serve test · nnsheet self-check</title>" in client.get("/").text
        assert _sign_in(client, "2301", code["2301"]).status_code == 303
        _submit(client, "2301", code["2301"], b"junk", "junk.xlsx")
        for path in ("/me", "/attempts/1"):
            assert '<strong id="course">Serve test</strong>' in client.get(path).text, path
        client.cookies.clear()
        assert 'id="course">Serve test<' in client.get("/teacher").text
        _teacher(client, data)
        assert 'id="course">Serve test<' in client.get("/teacher").text
        assert 'id="course">Serve test<' in client.get("/teacher/students/2301").text


def test_upload_times_are_the_servers_local_time_with_its_offset(
    tmp_path: Path, monkeypatch
) -> None:
    """Stored in UTC; shown in the server's zone (here Asia/Jakarta, UTC+7, no summer time)."""
    monkeypatch.setenv("TZ", "Asia/Jakarta")
    time.tzset()
    try:
        with served(tmp_path) as (client, data, code):
            _submit(client, "2301", code["2301"], b"junk", "junk.xlsx")
            con = sqlite3.connect(data / "nnsheet.db")
            (stamp,) = con.execute("SELECT created FROM attempts").fetchone()
            con.close()
            utc = time.strptime(stamp, "%Y-%m-%d %H:%M:%S")
            hour = (utc.tm_hour + 7) % 24  # by hand: WIB is UTC+07:00
            assert _sign_in(client, "2301", code["2301"]).status_code == 303
            page = client.get("/me").text
            shown = re.search(r'<td class="when">([^<]*)</td>', page)
            assert shown is not None, page
            assert shown.group(1).endswith(
                f"{hour:02d}:{utc.tm_min:02d}:{utc.tm_sec:02d} (UTC+07:00)"
            )
            assert "(UTC)" not in page and "WIB, UTC+07:00" in page
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_teacher_opens_a_students_attempts_with_flags_in_words(tmp_path: Path) -> None:
    """One click from the teacher page: a student's attempts with their flags' reasons, the
    upload and graded copy; teacher only; 404 for an id not on the roster."""
    with served(tmp_path) as (client, data, code):
        theirs = _filled(client, "2303", code["2303"], tmp_path / "theirs.xlsx")
        assert _submit(client, "2301", code["2301"], theirs).json()["flags"] == [
            "tampered",
            "id_mismatch",
            "copied:2303",
        ]
        assert client.get("/teacher/students/2301", follow_redirects=False).status_code == 303
        assert _sign_in(client, "2301", code["2301"]).status_code == 303  # a student is not
        assert client.get("/teacher/students/2301", follow_redirects=False).status_code == 303
        client.cookies.clear()
        _teacher(client, data)
        t = client.get("/teacher").text
        assert '<a href="/teacher/students/2301" id="student-2301">2301</a>' in t
        # the reasons, not bare codes
        assert "<strong>tampered</strong>: the givens differ from the teacher&#39;s record" in t
        assert "<strong>copied:2303</strong>: " in t and "student 2303" in t
        page = client.get("/teacher/students/2301")
        assert page.status_code == 200
        assert "Attempts of Ni Luh Putu Ayu (2301)" in page.text
        assert "the givens differ from the teacher&#39;s record" in page.text
        up = client.get("/teacher/students/2301/attempts/1/upload")
        assert up.status_code == 200 and up.content == theirs.read_bytes()
        graded = client.get("/teacher/students/2301/attempts/1/graded")
        assert graded.status_code == 200 and graded.content[:2] == b"PK"
        for bad in (
            "/teacher/students/9999",
            "/teacher/students/2301/attempts/2/upload",
            "/teacher/students/2301/attempts/1/other",
            "/teacher/students/2302/attempts/1/graded",
            f"/teacher/students/2301/attempts/{2**63}/upload",
        ):
            assert client.get(bad).status_code == 404, bad
        assert "Percobaan" not in page.text


def test_teacher_pages_speak_indonesian(tmp_path: Path) -> None:
    with served(tmp_path, lang="id") as (client, data, code):
        ex = _exercise(client, "2303", code["2303"])
        theirs = fill(ex, tmp_path / "theirs.xlsx", answers("2303", "id"))
        _submit(client, "2301", code["2301"], theirs)
        _teacher(client, data)
        t = client.get("/teacher").text
        assert "Unduh buku nilai (xlsx)" in t
        assert "nilai yang diketahui berbeda dari catatan dosen" in t
        page = client.get("/teacher/students/2301").text
        assert "Percobaan Ni Luh Putu Ayu (2301)" in page and "Kembali ke kelas" in page
        assert "Waktu menurut jam setempat server" in page


def test_the_gradebook_downloads_as_xlsx_with_checks_columns(tmp_path: Path) -> None:
    with served(tmp_path) as (client, data, code):
        g = _filled(client, "2301", code["2301"], tmp_path / "b.xlsx")
        _submit(client, "2301", code["2301"], g)
        _submit(client, "2303", code["2303"], b"junk", "junk.xlsx")
        token = (data / "teacher-token").read_text().strip()
        auth = {"authorization": f"Bearer {token}"}
        assert client.get("/teacher/gradebook.xlsx", follow_redirects=False).status_code == 303
        assert client.get("/api/gradebook.xlsx").status_code == 401
        api = client.get("/api/gradebook.xlsx", headers=auth)
        assert api.status_code == 200
        assert 'filename="gradebook.xlsx"' in api.headers["content-disposition"]
        csv_rows = list(
            csv.DictReader(io.StringIO(client.get("/api/gradebook.csv", headers=auth).text))
        )
        _teacher(client, data)
        page = client.get("/teacher/gradebook.xlsx")
        assert page.status_code == 200
        assert not list(data.glob(".gradebook-*"))  # the temporary file is gone
    for body in (api.content, page.content):
        wb = openpyxl.load_workbook(io.BytesIO(body))
        ws = wb.active
        assert ws.title == "Gradebook" and ws.freeze_panes == "C2"
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        head = rows[0]
        assert tuple(head[:7]) == GRADEBOOK_PEOPLE_HEAD
        assert head[-1] == "File" and "Named mistakes" in head and "Flags" in head
        by = {r[0]: r for r in rows[1:]}
        assert set(by) == {"2301", "2302", "2303"}
        assert by["2301"][1] == "Ni Luh Putu Ayu" and by["2301"][2] == 100.0  # a number
        assert by["2301"][3:7] == [100.0, 100.0, 100.0, 100.0]
        assert by["2301"][-1] == "2301/attempt-1.xlsx"
        assert by["2302"][head.index("Status")] == "nothing uploaded"
        assert by["2303"][head.index("Status")] == "not graded"
        for r in csv_rows:  # the same scores as the CSV
            row = by[r["student_id"]]
            assert (row[2] is None) == (r["score"] == "")
            if row[2] is not None:
                assert row[2] == float(r["score"])
        assert wb.sheetnames[1:] == ["Class", "Mistakes", "Flags", "Heat map"]


def _instructions(path: Path, lang: str = "en") -> str:
    wb = openpyxl.load_workbook(path)
    from nnsheet.words.notation import sheet_names

    ws = wb[sheet_names(lang).exercise]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_exercises_from_serve_say_where_to_upload(tmp_path: Path) -> None:
    """The instructions name the class page (not ``nnsheet check``) and the assignment's
    title; a restart at another address rewrites them (and is not refused); the address is
    checked."""
    spec, roster = write_class(tmp_path / "class")
    data = tmp_path / "data"
    prepare(load_spec(spec), roster, data, "en", upload_url="http://lab-7:8000/")
    text = _instructions(data / "exercises/2301.xlsx")
    assert "upload it on the class page, http://lab-7:8000/," in text
    assert "nnsheet check" not in text and "Serve test" in text
    prepare(load_spec(spec), roster, data, "en", upload_url="http://lab-7:8000/")
    assert "http://lab-7:8000/" in _instructions(data / "exercises/2303.xlsx")
    prepare(load_spec(spec), roster, data, "en", upload_url="https://jst.example.ac.id/")
    for sid in ("2301", "2302", "2303"):
        text = _instructions(data / f"exercises/{sid}.xlsx")
        assert "https://jst.example.ac.id/" in text and "lab-7" not in text, sid
    iid = tmp_path / "id"
    prepare(load_spec(spec), roster, iid, "id", upload_url="http://lab-7:8000/")
    text = _instructions(iid / "exercises/2301.xlsx", "id")
    assert "unggah di halaman kelas, http://lab-7:8000/," in text
    # a plain exercise (nnsheet template) still says nnsheet check
    plain = tmp_path / "plain"
    prepare(load_spec(spec), roster, plain, "en")
    assert "nnsheet check" in _instructions(plain / "exercises/2301.xlsx")


def test_the_class_page_address() -> None:
    from nnsheet.core.errors import NnsheetError
    from nnsheet.serve.run import class_page_url

    assert class_page_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert class_page_url("::1", 8080) == "http://[::1]:8080/"
    wild = class_page_url("0.0.0.0", 8000)
    assert wild.startswith("http://") and "0.0.0.0" not in wild
    assert class_page_url("0.0.0.0", 1, "https://a.b/jst") == "https://a.b/jst"
    for bad in ("ftp://x", "javascript:alert(1)", "http://a b", "http://a\x1b[31m"):
        with pytest.raises(NnsheetError, match="^--public-url: "):
            class_page_url("127.0.0.1", 8000, bad)
    args = build_parser().parse_args(
        ["serve", "course", "--roster", "r.csv", "--data", "d", "--public-url", "http://x/"]
    )
    assert args.public_url == "http://x/"


def test_copies_across_the_class_are_flagged_by_student_id(tmp_path: Path) -> None:
    """2302 retypes 2301's answers (two of them wrong) into 2302's own exercise, no id of
    2301's in it: copied:2301 at upload (as check --roster finds it), and across the class's
    latest attempts identical:<id> on both, naming the other student by id, on the teacher
    page (with the reason) and in the gradebook."""
    with served(tmp_path) as (client, data, code):
        vals = answers("2301")
        for k in sorted(vals, key=_order)[:2]:
            vals[k] += 0.3
        own = fill(_exercise(client, "2301", code["2301"]), tmp_path / "ayu.xlsx", vals)
        assert _submit(client, "2301", code["2301"], own).json()["flags"] == []
        retyped = fill(_exercise(client, "2302", code["2302"]), tmp_path / "rizky.xlsx", vals)
        ans = _submit(client, "2302", code["2302"], retyped).json()
        assert ans["flags"] == ["copied:2301"]
        honest = _filled(client, "2303", code["2303"], tmp_path / "budi.xlsx", wrong=2)
        assert _submit(client, "2303", code["2303"], honest).json()["flags"] == []
        token = (data / "teacher-token").read_text().strip()
        auth = {"authorization": f"Bearer {token}"}
        rows = {
            r["student_id"]: r
            for r in csv.DictReader(
                io.StringIO(client.get("/api/gradebook.csv", headers=auth).text)
            )
        }
        assert rows["2301"]["flags"] == "identical:2302"
        assert rows["2302"]["flags"] == "copied:2301;identical:2301"
        assert rows["2303"]["flags"] == ""
        _teacher(client, data)
        t = client.get("/teacher").text
        assert "<strong>identical:2302</strong>: " in t and "2302/attempt-1.xlsx" in t
        assert "<strong>copied:2301</strong>: " in t
        # a later honest attempt of 2302 ends both identical flags
        fixed = _filled(client, "2302", code["2302"], tmp_path / "rizky2.xlsx")
        assert _submit(client, "2302", code["2302"], fixed).json()["flags"] == []
        t = client.get("/teacher").text
        assert "identical:" not in t and "copied:" not in t
