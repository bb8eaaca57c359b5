"""``nnsheet serve``'s pages in a real browser (issue 14): Debian's chromium, headless, driven by
Selenium through /usr/bin/chromedriver, against ``python -m nnsheet.cli serve`` on 127.0.0.1.

A student signs in, downloads their exercise, fills it in (openpyxl, one value wrong, the values
from the engine's trace of their variant), uploads it, reads the result and downloads the graded
copy; the teacher signs in with the token and downloads the gradebook.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import openpyxl
import pytest
from browser import free_port, make_driver, start_server, stop_server, wait_for_file
from serving import answers, codes, fill, write_class

pytestmark = pytest.mark.chromium
SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    spec, roster = write_class(tmp / "class")
    port = free_port()
    proc = start_server(
        [str(spec), "--roster", str(roster), "--data", str(tmp / "data"), "--workers", "1"],
        port,
        _env(),
    )
    try:
        yield f"http://127.0.0.1:{port}", tmp / "data"
    finally:
        stop_server(proc)


def _env() -> dict[str, str]:
    """The server's environment: this source tree, and the time zone Asia/Jakarta (WIB, UTC+7
    all year) so the pages' local times have a known offset on any machine."""
    path = str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")
    return dict(os.environ, PYTHONPATH=path, TZ="Asia/Jakarta")


@pytest.fixture(scope="module")
def server_id(tmp_path_factory):
    """The same class served in Indonesian (--lang id)."""
    tmp = tmp_path_factory.mktemp("serve-id")
    spec, roster = write_class(tmp / "class")
    port = free_port()
    args = [str(spec), "--roster", str(roster), "--data", str(tmp / "data"), "--workers", "1"]
    proc = start_server([*args, "--lang", "id"], port, _env())
    try:
        yield f"http://127.0.0.1:{port}", tmp / "data"
    finally:
        stop_server(proc)


@pytest.fixture
def driver(tmp_path: Path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    d = make_driver(downloads, tmp_path / "profile")
    d.downloads = downloads
    try:
        yield d
    finally:
        d.quit()


def _by_id(d, name: str):
    return d.find_element("id", name)


def _click_to(d, button: str, url: str, timeout: float = 120) -> None:
    """Click ``button`` and wait until the browser shows a page whose address matches the
    regular expression ``url`` (a form's answer can take a while: grading)."""
    from selenium.webdriver.support.ui import WebDriverWait

    old = _by_id(d, button)
    old.click()
    WebDriverWait(d, timeout).until(
        lambda d: (
            re.fullmatch(url, d.current_url)
            and d.execute_script("return document.readyState") == "complete"
            and not _attached(old)
        )
    )


def _attached(el) -> bool:
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        el.is_enabled()
    except StaleElementReferenceException:
        return False
    return True


def test_student_signs_in_downloads_uploads_reads_the_result_and_the_graded_copy(
    server, driver, tmp_path: Path
) -> None:
    url, data = server
    code = codes(data)["2301"]
    driver.get(url + "/")
    _by_id(driver, "student_id").send_keys("2301")
    _by_id(driver, "code").send_keys("wrong-code")
    _click_to(driver, "signin", re.escape(url) + "/signin")
    assert _by_id(driver, "error").text == "Wrong student number or access code."
    _by_id(driver, "student_id").clear()
    _by_id(driver, "student_id").send_keys("2301")
    _by_id(driver, "code").send_keys(code)
    _click_to(driver, "signin", re.escape(url) + "/me")
    assert "Signed in as Ni Luh Putu Ayu (2301)" in driver.page_source
    assert _by_id(driver, "course").text == "Serve test"  # the spec's title
    assert driver.title == "Serve test · nnsheet self-check"
    cookie = driver.get_cookie("nnsheet_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    _by_id(driver, "download").click()
    exercise = wait_for_file(driver.downloads, ".xlsx")
    assert exercise.name == "2301.xlsx"
    said = [
        c.value for row in openpyxl.load_workbook(exercise)["Exercise"].iter_rows() for c in row
    ]
    assert any(isinstance(v, str) and f"class page, {url}/," in v for v in said)
    assert not any(isinstance(v, str) and "nnsheet check" in v for v in said)
    vals = answers("2301")
    wrong = ("Steps", "M4") if ("Steps", "M4") in vals else sorted(vals)[0]
    vals[wrong] = round(vals[wrong] + 0.25, 4)
    filled = fill(exercise, tmp_path / "ayu filled.xlsx", vals)
    exercise.unlink()

    _by_id(driver, "workbook").send_keys(str(filled))
    _click_to(driver, "upload", re.escape(url) + r"/attempts/\d+")
    assert _by_id(driver, "score").text.startswith("Score: ")
    first = _by_id(driver, "first-wrong").text
    assert f"First wrong value: {wrong[0]}!{wrong[1]}" in first
    assert f"{vals[wrong]:g}" in first or str(vals[wrong]) in first
    assert "ayu filled.xlsx" in driver.find_element("tag name", "h1").text

    _by_id(driver, "graded").click()
    graded = wait_for_file(driver.downloads, ".xlsx")
    wb = openpyxl.load_workbook(graded)
    assert wb.sheetnames[0] == "Grades"
    assert wb[wrong[0]][wrong[1]].fill.fgColor.rgb == "FFFFC7CE"
    assert wb[wrong[0]][wrong[1]].comment is not None

    _click_to(driver, "back", re.escape(url) + "/me")
    rows = driver.find_elements("css selector", "#attempts tbody tr")
    assert len(rows) == 1 and "ayu filled.xlsx" in rows[0].text
    when = rows[0].find_element("css selector", "td.when").text
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC\+07:00\)", when), when
    assert _by_id(driver, "zone").text == "Times are the server's local time (WIB, UTC+07:00)."


def test_teacher_signs_in_and_downloads_the_gradebook(server, driver, tmp_path: Path) -> None:
    import httpx2

    url, data = server
    code = codes(data)["2303"]
    ex = httpx2.get(url + "/api/exercise", auth=("2303", code), timeout=60)
    filled = fill(ex.content, tmp_path / "budi.xlsx", answers("2303"))
    ans = httpx2.post(
        url + "/api/submissions",
        data={"student_id": "2303", "code": code},
        files={"workbook": ("budi.xlsx", filled.read_bytes())},
        timeout=120,
    )
    assert ans.json()["score"] == 100.0
    token = (data / "teacher-token").read_text().strip()
    driver.get(url + "/teacher")
    _by_id(driver, "token").send_keys(token)
    _click_to(driver, "teacher-signin", re.escape(url) + "/teacher")
    table = _by_id(driver, "students").text
    assert "Ni Luh Putu Ayu" in table and '<b>Rizky</b> & "Co"' in table  # shown as text
    _by_id(driver, "gradebook").click()
    book = wait_for_file(driver.downloads, ".csv")
    with open(book, newline="", encoding="utf-8") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"2301", "2302", "2303"}
    assert rows["2302"]["status"] == "no_submission"
    assert (rows["2303"]["status"], rows["2303"]["score"]) == ("graded", "100.0")
    assert "100.0%" in table

    _by_id(driver, "gradebook-xlsx").click()
    book = wait_for_file(driver.downloads, ".xlsx")
    ws = openpyxl.load_workbook(book).active
    head, *body = [[c.value for c in r] for r in ws.iter_rows()]
    assert head[:3] == ["Student number", "Name", "Score"]  # the gradebook for people
    by = {r[0]: r for r in body}
    assert by["2303"][2] == 100
    book.unlink()

    _click_to(driver, "student-2303", re.escape(url) + "/teacher/students/2303")
    assert _by_id(driver, "course").text == "Serve test"
    assert "Attempts of Budi Santoso (2303)" in driver.page_source
    rows = driver.find_elements("css selector", "#student-attempts tbody tr")
    assert len(rows) == 1 and "budi.xlsx" in rows[0].text and "100.0%" in rows[0].text
    assert rows[0].find_element("css selector", "td.when").text.endswith("(UTC+07:00)")
    _by_id(driver, "upload-1").click()
    assert wait_for_file(driver.downloads, ".xlsx").read_bytes() == filled.read_bytes()
    driver.get(url + "/teacher/students/9999")
    assert "Not found." in driver.page_source


def test_indonesian_pages_title_times_flags_in_words_and_one_mistake_label(
    server_id, driver, tmp_path: Path
) -> None:
    """--lang id: a named mistake shown once ("kemungkinan kekeliruan: …", no "Jenis
    kesalahan:" before it), local times, and on the teacher page each flag's reason."""
    import httpx2

    url, data = server_id
    code = codes(data)
    # 2302 uploads 2303's correct exercise: tampered, id_mismatch (2303 typed in it) and
    # copied:2303
    ex = httpx2.get(url + "/api/exercise", auth=("2303", code["2303"]), timeout=60)
    theirs = fill(ex.content, tmp_path / "theirs.xlsx", answers("2303", "id"))
    ans = httpx2.post(
        url + "/api/submissions",
        data={"student_id": "2302", "code": code["2302"]},
        files={"workbook": ("theirs.xlsx", theirs.read_bytes())},
        timeout=120,
    ).json()
    assert ans["flags"] == ["tampered", "id_mismatch", "copied:2303"]

    driver.get(url + "/")
    assert _by_id(driver, "course").text == "Serve test"
    _by_id(driver, "student_id").send_keys("2301")
    _by_id(driver, "code").send_keys(code["2301"])
    _click_to(driver, "signin", re.escape(url) + "/me")
    _by_id(driver, "download").click()
    exercise = wait_for_file(driver.downloads, ".xlsx")
    vals = answers("2301", "id")
    net = _net_without_bias("2301")
    vals[("Langkah", net[0])] = net[1]
    _by_id(driver, "workbook").send_keys(str(fill(exercise, tmp_path / "slip.xlsx", vals)))
    _click_to(driver, "upload", re.escape(url) + r"/attempts/\d+")
    mistake = _by_id(driver, "mistake").text
    assert mistake.startswith("kemungkinan kekeliruan: "), mistake
    assert "Jenis kesalahan" not in driver.page_source
    _click_to(driver, "back", re.escape(url) + "/me")
    assert "Diunggah" in _by_id(driver, "attempts").text and "(UTC)" not in driver.page_source
    when = driver.find_element("css selector", "#attempts td.when").text
    assert when.endswith("(UTC+07:00)")
    assert "Waktu menurut jam setempat server (WIB, UTC+07:00)." in _by_id(driver, "zone").text

    driver.delete_all_cookies()
    driver.get(url + "/teacher")
    _by_id(driver, "token").send_keys((data / "teacher-token").read_text().strip())
    _click_to(driver, "teacher-signin", re.escape(url) + "/teacher")
    flags = driver.find_elements("css selector", "#students td.flags")
    text = "\n".join(f.text for f in flags)
    assert "tampered: nilai yang diketahui berbeda dari catatan dosen" in text
    assert "copied:2303: " in text and "mahasiswa 2303" in text
    assert (
        "id_mismatch: NIM yang diketik di latihan adalah 2303, tetapi berkas ini dikumpulkan "
        "sebagai milik mahasiswa 2302" in text
    )
    _click_to(driver, "student-2302", re.escape(url) + "/teacher/students/2302")
    assert "Percobaan" in driver.find_element("tag name", "h1").text
    assert (
        "nilai yang diketahui berbeda dari catatan dosen" in _by_id(driver, "student-attempts").text
    )


def _net_without_bias(sid: str) -> tuple[str, float]:
    """The Langkah cell of step 1's first hidden net, and w·x without the bias (by hand)."""
    from serving import SPEC

    from nnsheet.core.engine import run
    from nnsheet.core.specfile import loads_spec
    from nnsheet.exercise.roster import student_spec
    from nnsheet.exercise.template import exercise_spec
    from nnsheet.output.workbook import make_layout

    spec = student_spec(exercise_spec(loads_spec(SPEC, "serve.toml"), False), sid)
    table = run(spec).table(make_layout(spec, "id"))
    net = table[
        (table["quantity"] == "z")
        & (table["step"] == 1)
        & (table["layer"] == 1)
        & (table["j"] == 1)
        & (table["sheet"] == "Langkah")
    ].iloc[0]
    x, w = spec.inputs[0], spec.layers[0].weights[0]
    return str(net["cell"]), round(float(w[0] * x[0] + w[1] * x[1]), 6)


def test_the_server_listens_on_loopback_only_by_default(server) -> None:
    """Without --host the listening socket is 127.0.0.1's alone (Linux: /proc/net/tcp*)."""
    port = int(server[0].rsplit(":", 1)[1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, _, hexport = local.rpartition(":")
            if state == "0A" and int(hexport, 16) == port:  # 0A: LISTEN
                listening.append(addr)
    assert listening == ["0100007F"]  # 127.0.0.1, little-endian hex
