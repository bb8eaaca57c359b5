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


#: what a roster (class list CSV) error says, per language; ``{file}`` is the roster's path and
#: ``{row}`` its row as a spreadsheet numbers it (the header is row 1)
ROSTER: dict[str, dict[str, str]] = {
    "en": {
        "not_found": "{file}: roster file not found",
        "not_a_file": "{file}: expected a roster CSV file, got {kind}",
        "too_large": "{file}: larger than {mib} MiB; not a roster",
        "unreadable": "{file}: cannot read the roster ({detail})",
        "not_utf8": "{file}: expected UTF-8 text (byte {byte} is not); save the roster as "
        "CSV UTF-8",
        "not_csv": "{file}: not valid CSV ({detail})",
        "empty": "{file}: empty; expected a header row with the columns id and name",
        "no_column": "{file}: row {row}: no column {column}; expected a header with the "
        "student number (id, nim, npm, nis or student_id) and the name (name or nama) "
        "(got: {got})",
        "two_columns": "{file}: row {row}: more than one column {column} ({columns}); keep "
        "one student number column (id, nim, npm, nis or student_id) and one name column "
        "(name or nama)",
        "bad_id": "{file}: row {row}: id {id} cannot be a file name: {problem}",
        "duplicate_id": "{file}: row {row}: id {id} is already on row {first}; each student "
        "needs an id of their own",
        "no_name": "{file}: row {row}: id {id}: expected the student's name, the cell is empty",
        "no_students": "{file}: expected at least one student below the header",
        "id_empty": "the id is empty",
        "id_too_long": "the id is longer than {max} characters",
        "id_bad_char": "the id holds {char}, which a file name cannot",
        "id_dot_start": "the id starts with a dot (a hidden file, or . and ..)",
        "id_dot_end": "the id ends with a dot or a space, which Windows drops from file names",
        "id_device": "{device} is a device name Windows reserves",
    },
    "id": {
        "not_found": "{file}: berkas daftar mahasiswa tidak ditemukan",
        "not_a_file": "{file}: diharapkan berkas CSV daftar mahasiswa, yang diberikan {kind}",
        "too_large": "{file}: lebih dari {mib} MiB; bukan daftar mahasiswa",
        "unreadable": "{file}: daftar mahasiswa tidak dapat dibaca ({detail})",
        "not_utf8": "{file}: diharapkan teks UTF-8 (bita ke-{byte} bukan UTF-8); simpan daftar "
        "mahasiswa sebagai CSV UTF-8",
        "not_csv": "{file}: bukan CSV yang sah ({detail})",
        "empty": "{file}: kosong; diharapkan baris judul dengan kolom NIM dan nama",
        "no_column": "{file}: baris {row}: tidak ada kolom {column}; diharapkan baris judul "
        "dengan kolom nomor mahasiswa (id, nim, npm, nis atau student_id) dan kolom nama "
        "(name atau nama) (yang ada: {got})",
        "two_columns": "{file}: baris {row}: lebih dari satu kolom {column} ({columns}); "
        "sisakan satu kolom nomor mahasiswa (id, nim, npm, nis atau student_id) dan satu "
        "kolom nama (name atau nama)",
        "bad_id": "{file}: baris {row}: NIM {id} tidak dapat menjadi nama berkas: {problem}",
        "duplicate_id": "{file}: baris {row}: NIM {id} sudah ada di baris {first}; setiap "
        "mahasiswa memerlukan NIM sendiri",
        "no_name": "{file}: baris {row}: NIM {id}: diharapkan nama mahasiswa, selnya kosong",
        "no_students": "{file}: diharapkan sedikitnya satu mahasiswa di bawah baris judul",
        "id_empty": "NIM kosong",
        "id_too_long": "NIM lebih panjang dari {max} karakter",
        "id_bad_char": "NIM memuat {char}, yang tidak boleh ada dalam nama berkas",
        "id_dot_start": "NIM diawali titik (berkas tersembunyi, atau . dan ..)",
        "id_dot_end": "NIM diakhiri titik atau spasi, yang dibuang Windows dari nama berkas",
        "id_device": "{device} adalah nama perangkat yang dicadangkan Windows",
    },
}

#: what the CSV reader says a path is instead of a file, per language
_KINDS_ID = {"a folder": "folder", "a special file (device or pipe)": "berkas khusus (perangkat)"}


def roster_text(code: str, lang: str, **fields: object) -> str:
    """The roster error ``code`` (:data:`ROSTER`) in ``lang`` (English when the language has
    no words for it), filled with ``fields``; fields the text does not use are ignored."""
    words = ROSTER.get(lang, ROSTER["en"])
    if lang == "id" and isinstance(fields.get("kind"), str):
        fields["kind"] = _KINDS_ID.get(str(fields["kind"]), fields["kind"])
    if lang == "id" and fields.get("column") in ("'id'", "'name'"):
        fields["column"] = {"'id'": "NIM (id)", "'name'": "nama (name)"}[str(fields["column"])]
    return (words.get(code) or ROSTER["en"][code]).format(**fields)
