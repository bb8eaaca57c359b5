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
    },
    "id": {
        "formula_head": "rumus",
        "given": "diketahui ({setup})",
        "carried": "{new} langkah sebelumnya (langkah 1: {setup})",
        "correct": "1 jika kelas keluaran sama dengan target, selain itu 0",
        "previous": "{s} langkah sebelumnya",
        "if": "jika {c} maka {a}, jika tidak {b}",
    },
}


def text(key: str, lang: str, **fields: object) -> str:
    words = T.get(lang, T["en"])[key]
    return words.format(**fields) if fields else words
