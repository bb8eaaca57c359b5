"""Make docs/serve-student.png and docs/serve-teacher.png, the README's pictures of
``nnsheet serve``: a student's result page and the teacher's page, in headless chromium.

    python docs/make_serve_png.py [OUT_FOLDER]

A class of six on tests/serving.py's spec is served on 127.0.0.1; through the JSON API four of
them upload (all correct; a net without its bias; another student's file; a CSV saved as
.xlsx), then the browser (Debian's chromium and chromium-driver, tests/browser.py) signs in as
the student with the wrong value and as the teacher. Needs chromium, chromium-driver, selenium
and httpx2.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "src"))

from browser import free_port, make_driver, start_server, stop_server  # noqa: E402
from serving import SPEC, answers, codes, fill  # noqa: E402

ROSTER = (
    "id,name\n2301,Ni Luh Putu Ayu\n2302,Muhammad Rizky\n2303,Budi Santoso\n"
    "2304,Siti Rahmawati\n2305,Made Wirawan\n2306,Dewi Lestari\n"
)


def _without_bias(sid: str) -> tuple[str, float]:
    """The Steps cell of step 1's first hidden net and w·x there (the bias left out)."""
    from nnsheet.core.engine import run
    from nnsheet.core.specfile import loads_spec
    from nnsheet.exercise.roster import student_spec
    from nnsheet.exercise.template import exercise_spec
    from nnsheet.output.workbook import make_layout

    spec = student_spec(exercise_spec(loads_spec(SPEC, "serve.toml"), False), sid)
    t = run(spec).table(make_layout(spec))
    net = t[
        (t["quantity"] == "z")
        & (t["step"] == 1)
        & (t["layer"] == 1)
        & (t["j"] == 1)
        & (t["sheet"] == "Steps")
    ].iloc[0]
    w, x = spec.layers[0].weights[0], spec.inputs[0]
    return net["cell"], float(w[0] * x[0] + w[1] * x[1])


def _signed_in(driver, page: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(lambda d: d.current_url.endswith(page))


def _shot(driver, path: Path, width: int = 900) -> None:
    driver.set_window_size(width, 800)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, height + 160)  # the window's own bars take some
    driver.save_screenshot(str(path))
    print(f"wrote {path}", file=sys.stderr)


def main(out: Path) -> None:
    import httpx2

    tmp = Path(tempfile.mkdtemp(prefix="nnsheet-serve-png-"))
    (tmp / "spec.toml").write_text(SPEC, encoding="utf-8")
    (tmp / "roster.csv").write_text(ROSTER, encoding="utf-8")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    proc = start_server(
        [
            str(tmp / "spec.toml"),
            "--roster",
            str(tmp / "roster.csv"),
            "--data",
            str(tmp / "data"),
            "--attempts",
            "5",
        ],
        port,
        env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        code = codes(tmp / "data")
        with httpx2.Client(timeout=120) as c:

            def upload(sid: str, body: bytes, name: str) -> None:
                c.post(
                    url + "/api/submissions",
                    data={"student_id": sid, "code": code[sid]},
                    files={"workbook": (name, body)},
                ).raise_for_status()

            def exercise(sid: str) -> bytes:
                return c.get(url + "/api/exercise", auth=(sid, code[sid])).content

            for sid, wrong in (("2301", 0), ("2302", 1), ("2304", 0)):
                vals = {k: round(v, 4) for k, v in answers(sid).items()}
                if wrong:  # the first hidden net of step 1 typed without its bias
                    cell, planted = _without_bias(sid)
                    vals[("Steps", cell)] = round(planted, 4)
                upload(
                    sid,
                    fill(exercise(sid), tmp / f"{sid}.xlsx", vals).read_bytes(),
                    f"latihan-{sid}.xlsx",
                )
            upload("2302", (tmp / "2302.xlsx").read_bytes(), "latihan-2302-lagi.xlsx")
            budi = fill(exercise("2301"), tmp / "copy.xlsx", answers("2301"))
            upload("2303", budi.read_bytes(), "punya-ayu.xlsx")
            upload("2305", b"id,nilai\n1,2\n", "nilai.xlsx")
        driver = make_driver(tmp / "downloads")
        try:
            driver.get(url + "/")
            driver.find_element("id", "student_id").send_keys("2302")
            driver.find_element("id", "code").send_keys(code["2302"])
            driver.find_element("id", "signin").click()
            _signed_in(driver, "/me")
            driver.get(url + "/attempts/1")
            _shot(driver, out / "serve-student.png")
            driver.delete_all_cookies()
            driver.get(url + "/teacher")
            token = (tmp / "data" / "teacher-token").read_text().strip()
            driver.find_element("id", "token").send_keys(token)
            driver.find_element("id", "teacher-signin").click()
            _signed_in(driver, "/teacher")
            driver.get(url + "/teacher")
            _shot(driver, out / "serve-teacher.png")
        finally:
            driver.quit()
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs")
