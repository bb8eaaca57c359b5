"""What ``nnsheet trace`` and ``nnsheet template`` print when they are done, per language."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "wrote_trace": "wrote {path} ({steps} step{steps_s}, {epochs} epoch{epochs_s}{detail})",
        "detail": "; Steps rows for the first {k} epoch{k_s}",
        "wrote_table": "wrote {path}",
        "wrote_exercise": "wrote {path} ({n} answer cells; grade it with: nnsheet check {path})",
        "roster_fixed": "note: the spec fixes every weight and bias, so every student gets the "
        "same givens (leave some out for [init] to draw per student)",
        "wrote_roster": "wrote {n} exercises in {folder} (one per student, <id>.xlsx); grade "
        "them with: nnsheet check {folder} --roster {roster} --spec {spec}"
        "{options} --gradebook grades.csv",
    },
    "id": {
        "wrote_trace": "menulis {path} ({steps} langkah, {epochs} epoch{detail})",
        "detail": "; baris Langkah hanya untuk {k} epoch pertama",
        "wrote_table": "menulis {path}",
        "wrote_exercise": "menulis {path} ({n} sel jawaban; periksa dengan: nnsheet check {path})",
        "roster_fixed": "catatan: spec menetapkan semua bobot dan bias, jadi setiap mahasiswa "
        "mendapat nilai awal yang sama (biarkan sebagian diacak oleh [init] "
        "per mahasiswa)",
        "wrote_roster": "menulis {n} latihan di {folder} (satu per mahasiswa, <id>.xlsx); "
        "periksa dengan: nnsheet check {folder} --roster {roster} --spec "
        "{spec}{options} --gradebook nilai.csv",
    },
}


def message(key: str, lang: str, **fields: object) -> str:
    """``MESSAGES[lang][key]`` filled in; ``{x_s}`` is the English plural ending of a count ``x``
    ("1 epoch", "3 epochs")."""
    plurals = {f"{k}_s": "" if v == 1 else "s" for k, v in fields.items() if isinstance(v, int)}
    return MESSAGES[lang][key].format(**fields, **plurals)
