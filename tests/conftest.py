"""Shared pytest setup for nnsheet's tests.

LibreOffice: mark a test ``@pytest.mark.libreoffice`` or request the ``soffice`` fixture.
Such a test is skipped when LibreOffice is missing, unless NNSHEET_REQUIRE_LIBREOFFICE=1,
in which case it fails (so a green CI proves the LibreOffice tests really ran).
Helpers live in tests/lo.py (``from lo import recalc``).

Chromium: mark a test ``@pytest.mark.chromium`` (the ``nnsheet serve`` pages in a real browser,
tests/browser.py). Skipped when Debian's chromium, chromium-driver or selenium is missing, unless
NNSHEET_REQUIRE_CHROMIUM=1 (set by ``.ci/run``), in which case it fails.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:  # make `from lo import ...` work under any import mode
    sys.path.insert(0, str(TESTS_DIR))

import browser  # noqa: E402
import lo  # noqa: E402

REQUIRE_LIBREOFFICE_ENV = "NNSHEET_REQUIRE_LIBREOFFICE"
REQUIRE_CHROMIUM_ENV = "NNSHEET_REQUIRE_CHROMIUM"


def libreoffice_required() -> bool:
    """True when the environment demands LibreOffice tests run (CI)."""
    return os.environ.get(REQUIRE_LIBREOFFICE_ENV, "").strip() == "1"


def require_libreoffice() -> str:
    """Return soffice's path, or skip (fail when required) the current test."""
    path = lo.soffice_path()
    if path is None:
        message = "LibreOffice (soffice) is not installed"
        if libreoffice_required():
            pytest.fail(f"{message}, but {REQUIRE_LIBREOFFICE_ENV}=1", pytrace=False)
        pytest.skip(message)
    return path


def require_chromium() -> None:
    """Skip (fail when NNSHEET_REQUIRE_CHROMIUM=1) unless the browser tests can run."""
    missing = browser.chromium_missing()
    if missing is not None:
        if os.environ.get(REQUIRE_CHROMIUM_ENV, "").strip() == "1":
            pytest.fail(f"{missing}, but {REQUIRE_CHROMIUM_ENV}=1", pytrace=False)
        pytest.skip(missing)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "libreoffice: needs headless LibreOffice (skipped when missing, "
        f"fails when {REQUIRE_LIBREOFFICE_ENV}=1)",
    )
    config.addinivalue_line(
        "markers",
        "chromium: needs Debian's chromium and chromium-driver and selenium (skipped when "
        f"missing, fails when {REQUIRE_CHROMIUM_ENV}=1)",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("libreoffice") is not None:
        require_libreoffice()
    if item.get_closest_marker("chromium") is not None:
        require_chromium()


@pytest.fixture
def soffice() -> str:
    """Path of the soffice executable; skips/fails the test as described above."""
    return require_libreoffice()


def pytest_terminal_summary(terminalreporter) -> None:
    """Report how long the LibreOffice conversions of this run took."""
    if lo.TIMINGS:
        seconds = [t for _, _, t in lo.TIMINGS]
        terminalreporter.write_line(
            f"LibreOffice: {len(seconds)} conversion(s), "
            f"mean {sum(seconds) / len(seconds):.2f} s, max {max(seconds):.2f} s, "
            f"total {sum(seconds):.1f} s"
        )
