"""Reading a PDF's pages with poppler (``pdfinfo``, ``pdftotext -bbox``), for the print tests
and the print report (``python tests/pdfcheck.py FILE.pdf...``).

A page's words are split into the running header (the top margin: the title on the left, the
sheet's name on the right), the footer (the bottom margin: "Page x of y") and the body.
"""

from __future__ import annotations

import html
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: words whose top is this close to the paper's top / bottom edge are the header / footer
#: (the body starts 0.7 inch = 50.4 pt from each edge, the header and footer 0.3 inch)
MARGIN_PT = 45.0


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    header: list[Word]
    footer: list[Word]
    body: list[Word]

    @property
    def sheet(self) -> str:
        """The sheet's name: the header's rightmost word (``&R&A``)."""
        return max(self.header, key=lambda w: w.x1).text if self.header else ""

    def lines(self) -> list[str]:
        """The body's text line by line, top to bottom (words whose middles are within 2 pt
        of each other's height make a line), each line left to right."""
        rows: list[list[Word]] = []
        for w in sorted(self.body, key=lambda w: (w.y0 + w.y1) / 2):
            mid = (w.y0 + w.y1) / 2
            if rows and abs(mid - (rows[-1][0].y0 + rows[-1][0].y1) / 2) <= 2:
                rows[-1].append(w)
            else:
                rows.append([w])
        return [" ".join(w.text for w in sorted(r, key=lambda w: w.x0)) for r in rows]

    def text(self, words: list[Word] | None = None) -> str:
        return " ".join(w.text for w in (self.body if words is None else words))


def have_poppler() -> bool:
    return shutil.which("pdftotext") is not None and shutil.which("pdfinfo") is not None


def pdfinfo(pdf: Path | str) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return {
        k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in out.stdout.splitlines())
    }


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
    r"(.*?)</word>"
)


def read_pages(pdf: Path | str) -> list[Page]:
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for n, m in enumerate(_PAGE.finditer(out), start=1):
        w, h = float(m[1]), float(m[2])
        words = [
            Word(float(a), float(b), float(c), float(d), html.unescape(t))
            for a, b, c, d, t in _WORD.findall(m[3])
        ]
        header = [x for x in words if x.y1 <= MARGIN_PT]
        footer = [x for x in words if x.y0 >= h - MARGIN_PT]
        body = [x for x in words if MARGIN_PT < x.y1 and x.y0 < h - MARGIN_PT]
        pages.append(Page(n, w, h, header, footer, body))
    return pages


def is_a4(page: Page) -> bool:
    """595 × 842 pt (210 × 297 mm) either way round, within a point."""
    dims = sorted((page.width, page.height))
    return abs(dims[0] - 595.3) < 1 and abs(dims[1] - 841.9) < 1


def report(pdf: Path | str) -> str:
    """One line: pages (per sheet), blank pages, word heights (min and median, points)."""
    pages = read_pages(pdf)
    per_sheet: dict[str, int] = {}
    for p in pages:
        per_sheet[p.sheet or "?"] = per_sheet.get(p.sheet or "?", 0) + 1
    heights = [w.height for p in pages for w in p.body]
    blank = [p.number for p in pages if not p.body]
    a4 = all(is_a4(p) for p in pages)
    sheets = ", ".join(f"{k} {v}" for k, v in per_sheet.items())
    return (
        f"{Path(pdf).name}: {len(pages)} pages ({sheets}); blank: {blank or 'none'}; "
        f"all A4: {a4}; word height min {min(heights):.2f} pt, "
        f"median {statistics.median(heights):.2f} pt"
    )


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(report(arg))
