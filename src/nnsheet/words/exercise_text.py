"""The exercise's instructions sheet, in English and Indonesian."""

from __future__ import annotations

from ..core.ops import BLOCKS
from .columns_text import text as columns_text
from .notation import SheetNames
from .numbers import number_text

#: the blocks a template can ask (:data:`nnsheet.core.ops.BLOCKS`), named as a learner reads them
BLOCK_NAMES: dict[str, dict[str, str]] = {
    "en": dict(
        zip(
            BLOCKS,
            ("Nguyen–Widrow initialisation", "forward", "errors", "backward", "updates"),
            strict=True,
        )
    ),
    "id": dict(
        zip(
            BLOCKS,
            (
                "inisialisasi Nguyen–Widrow",
                "propagasi maju",
                "galat",
                "propagasi mundur",
                "perubahan bobot",
            ),
            strict=True,
        )
    ),
}

INSTRUCTIONS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Exercise — {title}",
        "every_step": "every step",
        "first_steps": "the first {k} step(s)",
        "fill": "Compute by hand and type your numbers into the white cells with a blue border "
        "on the {steps} and {epochs} sheets: {blocks}, for {which}.",
        "givens": "The givens (learning rate, initial weights, data) are on the {setup} sheet; "
        "the {guide} sheet explains every formula and symbol.",
        "chain": "The weights in use on each row are your new weights of the row before; the "
        "spreadsheet fills them in from your numbers.",
        "decimals": "Give every answer to {how}: an answer typed with fewer decimals must "
        "still be within half a unit of the {nth} decimal; one typed with more "
        "decimals is judged at half a unit of the last decimal typed. 0,5 and 59.33% "
        "are read as numbers.",
        "how": "at least {d} decimal{s} ({good}, not {bad})",
        "how0": "whole numbers (0 decimals)",
        "drift": "Rounding every step on a calculator is fine: a value computed correctly from "
        "your own earlier values is correct when those were correct too.",
        "name": "Your name (type it in the cell below):",
        "number": "Your student number (type it in the cell below):",
        "carry": "An error of yours carried correctly into later cells is not marked wrong "
        "again (carry-forward).",
        "grade": "Grade with:  nnsheet check THIS_FILE.xlsx -o graded.xlsx",
        "upload": "Save it and upload it on the class page, {url}, signed in with your student "
        "number and access code; the page shows what is right and what is wrong.",
        "init": "Nguyen–Widrow initialisation, on the {setup} sheet: from the draws v(old) given, "
        "compute each hidden unit's norm ‖v_j‖ = √(Σ_i v_ij(old)²) (over the weights into that "
        "unit only), β = 0.7·p^(1/n) (p hidden units, n inputs) and the starting weights "
        "v_ij = β·v_ij(old)/‖v_j‖.",
    },
    "id": {
        "title": "Latihan — {title}",
        "every_step": "setiap langkah",
        "first_steps": "{k} langkah pertama",
        "fill": "Hitung dengan tangan lalu ketik jawaban Anda di sel putih berbingkai biru pada "
        "lembar {steps} dan {epochs}: {blocks}, untuk {which}.",
        "givens": "Yang diketahui (laju pembelajaran, bobot awal, data latih) ada di lembar "
        "{setup}; lembar {guide} menjelaskan setiap rumus dan simbol.",
        "chain": "Bobot yang dipakai di setiap baris adalah bobot baru Anda dari baris "
        "sebelumnya; lembar kerja mengisinya sendiri dari angka Anda.",
        "decimals": "Tulis setiap jawaban {how}: jawaban dengan angka di belakang koma yang "
        "lebih sedikit harus tetap berselisih paling banyak setengah satuan pada "
        "desimal ke-{d}; jawaban dengan lebih banyak desimal dinilai sampai setengah "
        "satuan desimal terakhir yang Anda ketik. 0,5 dan 59,33% dibaca sebagai "
        "angka.",
        "how": "paling sedikit {d} angka di belakang koma ({good}, bukan {bad})",
        "how0": "sebagai bilangan bulat (tanpa desimal)",
        "drift": "Membulatkan setiap langkah dengan kalkulator tidak apa-apa: nilai yang dihitung "
        "benar dari jawaban Anda sebelumnya tetap benar bila jawaban sebelumnya juga "
        "benar.",
        "name": "Nama Anda (ketik di sel di bawah ini):",
        "number": "NIM Anda (ketik di sel di bawah ini):",
        "carry": "Kesalahan Anda yang terbawa dengan benar ke sel-sel berikutnya tidak dinilai "
        "salah lagi (nilai terbawa).",
        "grade": "Periksa dengan:  nnsheet check FILE_INI.xlsx -o hasil.xlsx",
        "upload": "Simpan lalu unggah di halaman kelas, {url}, setelah masuk dengan NIM dan kode "
        "akses Anda; halaman itu menunjukkan mana yang benar dan mana yang salah.",
        "init": "Inisialisasi Nguyen–Widrow, di lembar {setup}: dari bilangan acak v(lama) yang "
        "diketahui, hitung norma ‖v_j‖ = √(Σ_i v_ij(lama)²) untuk setiap unit tersembunyi (hanya "
        "bobot yang masuk ke unit itu), β = 0,7·p^(1/n) (p unit tersembunyi, n masukan) dan "
        "bobot awal v_ij = β·v_ij(lama)/‖v_j‖.",
    },
}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _decimals_text(lang: str, d: int) -> str:
    t = INSTRUCTIONS[lang]
    if d == 0:
        how = t["how0"]
    else:
        v = 0.576712345678
        good, bad = number_text(v, lang, d), number_text(v, lang, d - 1)
        how = t["how"].format(d=d, s="s" if d != 1 else "", good=good, bad=bad)
    return t["decimals"].format(how=how, d=d, nth=_ordinal(d))


def name_labels(lang: str) -> tuple[str, str]:
    """The labels above the learner's name and student-number cells."""
    return INSTRUCTIONS[lang]["name"], INSTRUCTIONS[lang]["number"]


def instructions(
    lang: str,
    sheets: SheetNames,
    title: str,
    ask: tuple[str, ...],
    steps: int | None,
    decimals: int,
    upload_url: str | None = None,
    columns: bool = False,
) -> list[tuple[str, str]]:
    """(kind, text) lines of the exercise's instructions sheet; the last says how it is graded:
    ``nnsheet check``, or where to upload it when ``nnsheet serve`` wrote it (``upload_url``);
    ``columns``: the Steps sheet has a step per column (``--layout columns``)."""
    t = INSTRUCTIONS[lang]
    blocks = ", ".join(BLOCK_NAMES[lang][b] for b in ask if b != "init")
    which = t["every_step"] if steps is None else t["first_steps"].format(k=steps)
    names = {
        "setup": sheets.setup,
        "steps": sheets.steps,
        "epochs": sheets.epochs,
        "guide": sheets.guide,
    }
    init = [("text", t["init"].format(**names))] if "init" in ask else []
    fill = [("text", t["fill"].format(blocks=blocks, which=which, **names))] if blocks else []
    return [
        ("title", t["title"].format(title=title)),
        ("text", ""),
        *init,
        *fill,
        ("text", t["givens"].format(**names)),
        ("text", columns_text("chain", lang) if columns else t["chain"]),
        ("text", _decimals_text(lang, decimals)),
        ("text", t["drift"]),
        ("text", t["carry"]),
        ("text", t["grade"] if upload_url is None else t["upload"].format(url=upload_url)),
    ]
