"""A class of 30 saved by LibreOffice (issue 26's test): planted mistakes at known rates, and the
class report must give exactly those rates.

Each student's exercise (``template --roster``) is filled with the engine's values
(tests/serving.py's ``answers``) and a planted slip, then the whole class is saved as .ods by one
headless LibreOffice run (recalculating on load), as the students' spreadsheets would save it.
Planted, by hand: students 1–12 type net O1 of step 1 without its bias (0.26 for 0.36: 40 %),
13–18 type e1 of step 1 as y′ − t (20 %), 19–21 leave the backward block blank (10 %), 22–30 make
no slip. The course network has, per student, 24 forward, 11 error and 36 backward cells."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest
from lo import convert_command, soffice_path, write_profile
from serving import answers, fill
from test_classview import COURSE, _cells, _rows

from nnsheet.cli import main

pytestmark = pytest.mark.libreoffice

IDS = [f"24{n:03d}" for n in range(1, 31)]


def test_a_class_of_30_made_by_libreoffice_gives_the_planted_rates(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("NIM;Nama\n" + "".join(f"{i};Mahasiswa {i}\n" for i in IDS), encoding="utf-8")
    made = tmp_path / "made"
    assert main(["template", "course", "--roster", str(roster), "-o", str(made)]) == 0
    exact = answers(IDS[0], "en", COURSE)
    at = _cells("en")
    net_o1, e1 = at[("z", 1, 1, 1, None)], at[("e", 1, 2, 1, None)]
    backward = [at[k] for k in at if k[0] in ("err", "fprime", "delta")]
    typed = tmp_path / "typed"
    typed.mkdir()
    for n, sid in enumerate(IDS, start=1):
        vals = dict(exact)
        if n <= 12:
            vals[net_o1] = 0.26
        elif n <= 18:
            vals[e1] = -exact[e1]
        elif n <= 21:
            for k in backward:
                del vals[k]
        fill(made / f"{sid}.xlsx", typed / f"{sid}.xlsx", vals)
    sub = tmp_path / "sub"
    sub.mkdir()
    with tempfile.TemporaryDirectory(prefix="nnsheet-lo-profile-") as tmp:
        soffice = soffice_path()
        assert soffice is not None
        cmd = convert_command(
            soffice, write_profile(Path(tmp)), "ods", sub, sorted(typed.glob("*.xlsx"))
        )
        env = {**os.environ, "HOME": os.environ.get("HOME", tmp)}
        subprocess.run(cmd, capture_output=True, timeout=600, env=env, check=False)
    assert sorted(p.name for p in sub.iterdir()) == [f"{sid}.ods" for sid in IDS]

    report = tmp_path / "class.xlsx"
    args = ["check", str(sub), "--roster", str(roster), "--spec", "course"]
    assert main([*args, "--class-report", str(report), "--lang", "id"]) == 1
    book = openpyxl.load_workbook(report)
    rows = _rows(book["Kelas"])
    assert rows[1][0] == "berkas dinilai: 30 dari 30"
    k = rows.index(
        ("Blok", "Sel jawaban", "benar", "terbawa", "terbawa (remeh)", "salah", "kosong")
    )
    by_block = {r[0]: r[1:7] for r in rows[k + 1 : k + 5]}
    assert by_block["maju"] == pytest.approx((720, 1 - 12 / 720, 0, 0, 12 / 720, 0))
    assert by_block["galat"] == pytest.approx((330, 1 - 6 / 330, 0, 0, 6 / 330, 0))
    assert by_block["mundur"] == pytest.approx((1080, 0.9, 0, 0, 0, 0.1))
    ranked = _rows(book["Kesalahan"])[2:]
    assert [r[:5] for r in ranked] == [
        (1, "net dihitung tanpa bias", "forgot_bias", 12, 12),
        (2, ranked[1][1], "error_sign", 6, 6),
    ]
    assert ranked[0][5] == "; ".join(f"{i} Mahasiswa {i}" for i in IDS[:12])
    assert ranked[1][5] == "; ".join(f"{i} Mahasiswa {i}" for i in IDS[12:18])
    heat = book["Peta panas"]

    def drawn(cell: tuple[str, str]) -> object:
        letters = "".join(ch for ch in cell[1] if ch.isalpha())
        return heat[f"{letters}{int(cell[1][len(letters) :]) + 3}"].value

    assert drawn(net_o1) == "60%"  # 18 of 30
    assert drawn(e1) == "80%"  # 24 of 30
    assert drawn(backward[0]) == "90%"  # 27 of 30
    assert drawn(at[("a", 1, 1, 1, None)]) == "100%"
