"""Words of the Steps sheet in the columns layout (``--layout columns``): the formula-in-words
column's head and what it says of the givens and the weights carried from step to step."""

from __future__ import annotations

T = {
    "en": {
        "formula_head": "formula",
        "given": "given ({setup})",
        "carried": "{new} of the step before (step 1: {setup})",
        "correct": "1 when the output's class is the target's, else 0",
        "previous": "{s} of the step before",
        "if": "if {c} then {a} else {b}",
        "guide_steps": "{steps} — one column per training step, the quantities down the sheet "
        "in the order they are computed, in coloured bands (see the legend): column A names "
        "the band, column B the symbol, column C the formula. The weights in use in each "
        "column are the new weights of the column before (the first uses {setup}).",
        "legend": "Colour legend (every colour also has its band name in column A of {steps})",
        "chain": "The weights in use in each step's column are your new weights of the column "
        "before; the spreadsheet fills them in from your numbers.",
    },
    "id": {
        "formula_head": "rumus",
        "given": "diketahui ({setup})",
        "carried": "{new} langkah sebelumnya (langkah 1: {setup})",
        "correct": "1 jika kelas keluaran sama dengan target, selain itu 0",
        "previous": "{s} langkah sebelumnya",
        "if": "jika {c} maka {a}, jika tidak {b}",
        "guide_steps": "{steps} — satu kolom untuk setiap langkah pelatihan, besarannya ke "
        "bawah menurut urutan perhitungan, dikelompokkan dalam pita berwarna (lihat legenda): "
        "kolom A berisi nama pita, kolom B simbolnya, kolom C rumusnya. Bobot yang dipakai di "
        "setiap kolom adalah bobot baru dari kolom sebelumnya (kolom pertama memakai bobot "
        "awal di {setup}).",
        "legend": "Legenda warna (setiap warna juga diberi nama pita di kolom A lembar {steps})",
        "chain": "Bobot yang dipakai di kolom setiap langkah adalah bobot baru Anda dari kolom "
        "sebelumnya; lembar kerja mengisinya sendiri dari angka Anda.",
    },
}


def text(key: str, lang: str, **fields: object) -> str:
    words = T.get(lang, T["en"])[key]
    return words.format(**fields) if fields else words
