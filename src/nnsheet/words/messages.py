"""What ``nnsheet trace`` and ``nnsheet template`` print when they are done, per language."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "wrote_trace": "wrote {path} ({steps} steps, {epochs} epochs{detail})",
        "detail": "; Steps rows for the first {k} epochs",
        "wrote_table": "wrote {path}",
        "wrote_exercise": "wrote {path} ({n} answer cells; grade it with: nnsheet check {path})",
    },
    "id": {
        "wrote_trace": "menulis {path} ({steps} langkah, {epochs} epoch{detail})",
        "detail": "; baris Langkah hanya untuk {k} epoch pertama",
        "wrote_table": "menulis {path}",
        "wrote_exercise": "menulis {path} ({n} sel jawaban; periksa dengan: nnsheet check "
                          "{path})",
    },
}  # fmt: skip


def message(key: str, lang: str, **fields: object) -> str:
    return MESSAGES[lang][key].format(**fields)
