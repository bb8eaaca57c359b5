"""The exercise's instructions sheet, in English and Indonesian."""

from __future__ import annotations

from .notation import SheetNames

#: the blocks a template can ask, named as a learner reads them
BLOCK_NAMES: dict[str, dict[str, str]] = {
    "en": {"forward": "forward", "errors": "errors", "backward": "backward",
           "updates": "updates"},
    "id": {"forward": "propagasi maju", "errors": "galat", "backward": "propagasi mundur",
           "updates": "perubahan bobot"},
}  # fmt: skip

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
        "decimals": "Type numbers with as many decimals as you like (at least 2); the grader "
                    "accepts half a unit in the last decimal you typed. 0,5 and 59.33% are read "
                    "as numbers.",
        "carry": "An error of yours carried correctly into later cells is not marked wrong "
                 "again (carry-forward).",
        "grade": "Grade with:  nnsheet check THIS_FILE.xlsx -o graded.xlsx",
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
                 "sebelumnya; spreadsheet mengisinya sendiri dari angka Anda.",
        "decimals": "Ketik angka dengan desimal sebanyak yang Anda mau (paling sedikit 2 angka "
                    "di belakang koma); jawaban diterima bila selisihnya paling banyak setengah "
                    "satuan desimal terakhir yang Anda ketik. 0,5 dan 59,33% dibaca sebagai "
                    "angka.",
        "carry": "Kesalahan Anda yang terbawa dengan benar ke sel-sel berikutnya tidak dinilai "
                 "salah lagi (carry-forward).",
        "grade": "Periksa dengan:  nnsheet check FILE_INI.xlsx -o hasil.xlsx",
    },
}  # fmt: skip


def instructions(lang: str, sheets: SheetNames, title: str, ask: tuple[str, ...],
                 steps: int | None) -> list[tuple[str, str]]:  # fmt: skip
    """(kind, text) lines of the exercise's instructions sheet."""
    t = INSTRUCTIONS[lang]
    blocks = ", ".join(BLOCK_NAMES[lang][b] for b in ask)
    which = t["every_step"] if steps is None else t["first_steps"].format(k=steps)
    names = {"setup": sheets.setup, "steps": sheets.steps, "epochs": sheets.epochs,
             "guide": sheets.guide}  # fmt: skip
    return [
        ("title", t["title"].format(title=title)),
        ("text", ""),
        ("text", t["fill"].format(blocks=blocks, which=which, **names)),
        ("text", t["givens"].format(**names)),
        ("text", t["chain"]),
        ("text", t["decimals"]),
        ("text", t["carry"]),
        ("text", t["grade"]),
    ]
