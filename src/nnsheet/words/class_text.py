"""What the lecturer reads about a whole class, in English and Indonesian: the people's gradebook
(``check --gradebook G.xlsx``, serve's xlsx download) and the class report (``check
--class-report C.xlsx``, the same sheets inside the gradebook, serve's teacher page).

The CSV gradebook keeps its English column names and codes (scripts read it); only what people
read is here. Verdict, block and mistake words are :mod:`.grading_text`'s."""

from __future__ import annotations

#: the people's gradebook: each column's header (per-block columns are the block's words)
GRADEBOOK_HEADERS: dict[str, dict[str, str]] = {
    "en": {
        "student_id": "Student number",
        "student": "Name",
        "score": "Score",
        "correct": "correct",
        "carried": "carried",
        "carried_trivial": "carried (trivial)",
        "wrong": "wrong",
        "missing": "missing",
        "answer_cells": "answer cells",
        "mistakes": "Named mistakes",
        "flags": "Flags",
        "status": "Status",
        "message": "Notes",
        "file": "File",
    },
    "id": {
        "student_id": "NIM",
        "student": "Nama",
        "score": "Nilai",
        "correct": "benar",
        "carried": "terbawa",
        "carried_trivial": "terbawa (remeh)",
        "wrong": "salah",
        "missing": "kosong",
        "answer_cells": "sel jawaban",
        "mistakes": "Kesalahan yang dikenali",
        "flags": "Tanda",
        "status": "Status",
        "message": "Catatan",
        "file": "Berkas",
    },
}

#: a gradebook row's status in words (the CSV keeps the codes)
STATUS_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "graded": "graded",
        "unreadable": "not graded",
        "not_submitted": "no file",
        "no_submission": "nothing uploaded",
        "timeout": "stopped (took too long)",
        "queued": "being graded",
    },
    "id": {
        "graded": "sudah dinilai",
        "unreadable": "tidak dapat dinilai",
        "not_submitted": "tidak ada berkas",
        "no_submission": "belum mengunggah",
        "timeout": "dihentikan (terlalu lama)",
        "queued": "sedang diperiksa",
    },
}

#: the kinds of flag (a flag's code before its ``:``) in words
FLAG_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "tampered": "givens or settings changed",
        "unknown_student": "student number not on the roster",
        "givens_changed": "givens changed",
        "copied": "right for a classmate's givens",
        "identical": "the same answers as another file",
        "duplicate_submission": "more than one file for one student",
        "answer_key": "answers taken from nnsheet's own workbook",
        "formulas": "answers typed as spreadsheet formulas",
        "id_mismatch": "another student's number typed in the file",
    },
    "id": {
        "tampered": "nilai yang diketahui atau pengaturan diubah",
        "unknown_student": "NIM tidak ada di daftar kelas",
        "givens_changed": "nilai yang diketahui diubah",
        "copied": "benar untuk nilai awal teman sekelas",
        "identical": "jawaban sama dengan berkas lain",
        "duplicate_submission": "lebih dari satu berkas untuk satu mahasiswa",
        "answer_key": "jawaban diambil dari workbook nnsheet sendiri",
        "formulas": "jawaban diketik sebagai rumus spreadsheet",
        "id_mismatch": "NIM mahasiswa lain diketik di berkas",
    },
}

#: the class report: sheet names (letters and spaces only) and every other word
CLASS_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "sheet.gradebook": "Gradebook",
        "sheet.shares": "Class",
        "sheet.mistakes": "Mistakes",
        "sheet.flags": "Flags",
        "sheet.heatmap": "Heat map",
        "title.shares": "The class's answers: share of the answer cells by verdict",
        "files": "files graded: {graded} of {files}",
        "by_block": "By block",
        "by_quantity": "By quantity",
        "block": "Block",
        "quantity": "Quantity",
        "layer": "Layer",
        "cells": "Answer cells",
        "title.mistakes": "Named mistakes, by the number of students who made them",
        "rank": "Rank",
        "mistake": "Mistake",
        "code": "Code",
        "students": "Students",
        "who": "Who",
        "no_mistakes": "No named mistake was found in the class's answers.",
        "chart": "Named mistakes (students)",
        "title.flags": "Flags, by the number of files",
        "flag": "Flag",
        "what": "What it means",
        "files_n": "Files",
        "no_flags": "No file was flagged.",
        "title.heatmap": "The {steps} sheet once: each answer cell shows the share of the class "
        "that got it right (correct or carried forward correctly)",
        "scale": "Colour: red 0%, yellow 50%, green 100%",
        "wrote": "wrote {path} (the class report of {n} graded files)",
        "download": "Download the class report (xlsx)",
        "class_title": "The class's answers by block",
        "mistakes_title": "Named mistakes, by the number of students who made them",
    },
    "id": {
        "sheet.gradebook": "Buku nilai",
        "sheet.shares": "Kelas",
        "sheet.mistakes": "Kesalahan",
        "sheet.flags": "Tanda",
        "sheet.heatmap": "Peta panas",
        "title.shares": "Jawaban kelas: bagian sel jawaban menurut penilaian",
        "files": "berkas dinilai: {graded} dari {files}",
        "by_block": "Menurut blok",
        "by_quantity": "Menurut besaran",
        "block": "Blok",
        "quantity": "Besaran",
        "layer": "Lapisan",
        "cells": "Sel jawaban",
        "title.mistakes": "Kesalahan yang dikenali, menurut banyaknya mahasiswa yang membuatnya",
        "rank": "Urutan",
        "mistake": "Kesalahan",
        "code": "Kode",
        "students": "Mahasiswa",
        "who": "Siapa",
        "no_mistakes": "Tidak ada kesalahan yang dikenali dalam jawaban kelas.",
        "chart": "Kesalahan yang dikenali (mahasiswa)",
        "title.flags": "Tanda, menurut banyaknya berkas",
        "flag": "Tanda",
        "what": "Artinya",
        "files_n": "Berkas",
        "no_flags": "Tidak ada berkas yang diberi tanda.",
        "title.heatmap": "Lembar {steps} sekali: setiap sel jawaban menunjukkan bagian kelas "
        "yang menjawabnya dengan benar (benar atau terbawa dengan benar)",
        "scale": "Warna: merah 0%, kuning 50%, hijau 100%",
        "wrote": "menulis {path} (laporan kelas dari {n} berkas yang dinilai)",
        "download": "Unduh laporan kelas (xlsx)",
        "class_title": "Jawaban kelas menurut blok",
        "mistakes_title": "Kesalahan yang dikenali, menurut banyaknya mahasiswa yang membuatnya",
    },
}


def class_say(key: str, lang: str, **fields: object) -> str:
    """A class-report word or sentence in ``lang``."""
    return CLASS_TEXT[lang][key].format(**fields)


def flag_kind(code: str) -> str:
    """A flag's kind: its code before the ``:`` (``copied:2301`` → ``copied``)."""
    return code.split(":", 1)[0]


def flag_words(code: str, lang: str) -> str:
    """A flag's kind in words (the code itself when it has none)."""
    return FLAG_WORDS[lang].get(flag_kind(code), flag_kind(code))


def status_words(status: str, lang: str) -> str:
    return STATUS_WORDS[lang].get(status, status)
