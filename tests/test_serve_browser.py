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
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = start_server(
        [str(spec), "--roster", str(roster), "--data", str(tmp / "data"), "--workers", "1"],
        port,
        env,
    )
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
    cookie = driver.get_cookie("nnsheet_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    _by_id(driver, "download").click()
    exercise = wait_for_file(driver.downloads, ".xlsx")
    assert exercise.name == "2301.xlsx"
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
