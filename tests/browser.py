"""Headless Debian chromium driven by Selenium, with nothing downloaded: the driver is
/usr/bin/chromedriver (given to ``Service``, so Selenium Manager never runs) and the browser
/usr/bin/chromium, with a fresh profile per driver."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1000,1200",
)


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for p in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(p) is None:
            return f"{p} is not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


def make_driver(downloads: Path, profile: Path | None = None):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = profile or Path(tempfile.mkdtemp(prefix="nnsheet-chromium-"))
    for f in (*FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(f)
    opts.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    return driver


def wait_for_file(folder: Path, suffix: str, timeout: float = 30.0) -> Path:
    """The first finished download in ``folder`` ending in ``suffix``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done and not any(p.name.endswith(".crdownload") for p in folder.iterdir()):
            return done[0]
        time.sleep(0.1)
    raise AssertionError(
        f"no {suffix} downloaded into {folder} within {timeout} s: "
        f"{[p.name for p in folder.iterdir()]}"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args: list[str], port: int, env: dict, timeout: float = 120.0) -> subprocess.Popen:
    """``python -m nnsheet.cli serve ARGS --port PORT`` until it answers on 127.0.0.1; what it
    prints goes to a temporary file (a pipe nobody reads could fill and stall it)."""
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nnsheet.cli", "serve", *args, "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    proc.log = log  # type: ignore[attr-defined]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"nnsheet serve exited {proc.returncode}: {stop_server(proc)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    out = stop_server(proc)
    raise AssertionError(f"nnsheet serve did not answer on port {port} within {timeout} s: {out}")


def stop_server(proc: subprocess.Popen) -> str:
    """Stop it (SIGTERM, then SIGKILL after 60 s); what it printed."""
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log = proc.log  # type: ignore[attr-defined]
    log.seek(0)
    out = log.read()
    log.close()
    return out
