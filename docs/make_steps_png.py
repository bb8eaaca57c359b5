"""Make docs/steps.png, the README's picture of the Steps sheet as LibreOffice renders it.

    python docs/make_steps_png.py [WORKBOOK.xlsx] [OUT.png]

Default: the course example trained for 3 epochs. Headless LibreOffice (a fresh profile that
recalculates on load, see tests/lo.py) exports the workbook to PDF with one page per sheet; pdftoppm
rasterises the Steps page; the very wide row is cut into strips stacked under one another, so the
picture stays legible. Needs LibreOffice and poppler-utils (pdftoppm); numpy for the stitching.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

DPI = 100
STRIP = 2200  # pixels per strip
GAP = 14
COLOURS = 64  # palette size
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from lo import PDF_FILTER, convert  # noqa: E402


def read_ppm(path: Path) -> np.ndarray:
    data = path.read_bytes()
    parts = data.split(maxsplit=4)  # P6 width height maxval pixels
    assert parts[0] == b"P6" and parts[3] == b"255", parts[:4]
    w, h = int(parts[1]), int(parts[2])
    return np.frombuffer(parts[4][: w * h * 3], dtype=np.uint8).reshape(h, w, 3)


def write_png(img: np.ndarray, path: Path) -> None:
    """An 8-bit palette PNG: the 256 most frequent colours, every other pixel mapped to the
    nearest of them (the band fills and the text's anti-aliasing survive; the file stays small)."""
    h, w, _ = img.shape
    key = (img[..., 0].astype(np.int64) << 16) | (img[..., 1].astype(np.int64) << 8) | img[..., 2]
    uniq, inv, counts = np.unique(key.ravel(), return_inverse=True, return_counts=True)
    rgb = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1)
    keep = np.argsort(counts)[-COLOURS:]
    pal = rgb[keep]
    dist = ((rgb[:, None, :] - pal[None, :, :]) ** 2).sum(axis=2)
    index = dist.argmin(axis=1).astype(np.uint8)[inv].reshape(h, w)
    up = index.astype(np.int16)
    up[1:] -= index[:-1]
    raw = np.concatenate(
        [np.full((h, 1), 2, np.uint8), (up % 256).astype(np.uint8)], axis=1
    ).tobytes()  # filter 2 = Up

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
        + chunk(b"PLTE", pal.astype(np.uint8).tobytes())
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(png)


def main() -> None:
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else REPO / "docs" / "steps.png"
    with tempfile.TemporaryDirectory(prefix="nnsheet-png-") as tmp:
        t = Path(tmp)
        if len(sys.argv) > 1:
            book = Path(sys.argv[1]).resolve()
        else:
            book = t / "course.xlsx"
            subprocess.run(
                ["nnsheet", "trace", "course", "--epochs", "3", "-o", str(book), "-q"], check=True
            )
        pdf = convert(
            book, t / "pdf", PDF_FILTER + ':{"SinglePageSheets":{"type":"boolean","value":"true"}}'
        )
        page = "3"  # Guide, Setup, Steps, Epochs
        subprocess.run(
            [
                shutil.which("pdftoppm") or "pdftoppm",
                "-r",
                str(DPI),
                "-f",
                page,
                "-l",
                page,
                "-singlefile",
                str(pdf),
                str(t / "steps"),
            ],
            check=True,
        )
        img = read_ppm(t / "steps.ppm")
    # trim the white margin on the right, then cut into strips
    ink = np.where((img < 250).any(axis=(0, 2)))[0]
    img = img[:, : ink[-1] + 8]
    h, w, _ = img.shape
    strips = [img[:, x : x + STRIP] for x in range(0, w, STRIP)]
    width = max(s.shape[1] for s in strips)
    canvas = np.full((len(strips) * (h + GAP) - GAP, width, 3), 255, np.uint8)
    for k, s in enumerate(strips):
        canvas[k * (h + GAP) : k * (h + GAP) + h, : s.shape[1]] = s
    write_png(canvas, out)
    print(f"{out}: {canvas.shape[1]}×{canvas.shape[0]} px, {out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
