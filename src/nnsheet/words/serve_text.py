"""What ``nnsheet serve`` says on its pages and at start, in English and Indonesian.

The JSON API and the gradebook CSV keep English keys and codes (scripts read them); only what
people read is translated here. The verdict and block names are :mod:`.grading_text`'s.
"""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "nnsheet self-check",
        "sign_in": "Sign in",
        "student_id": "Student number",
        "code": "Access code",
        "bad_login": "Wrong student number or access code.",
        "signed_in_as": "Signed in as {name} ({id})",
        "sign_out": "Sign out",
        "your_exercise": "Your exercise",
        "download": "Download your exercise",
        "download_hint": "Fill it in (Excel or LibreOffice Calc), save it, and upload it here.",
        "upload": "Upload your filled exercise (.xlsx or .ods)",
        "upload_button": "Upload and check",
        "attempts": "Your attempts",
        "no_attempts": "No attempts yet.",
        "attempts_left": "Attempts left: {n} of {cap}.",
        "attempts_used": "You have used all {cap} attempts.",
        "attempt": "Attempt",
        "when": "Uploaded (UTC)",
        "file": "File",
        "status": "Status",
        "score": "Score",
        "result_of": "Attempt {n}: {file}",
        "graded_copy": "Download the graded copy",
        "back": "Back to your exercise",
        "first_wrong": "First wrong value",
        "you_wrote": "you wrote",
        "formula": "how it is computed",
        "mistake": "Named mistake",
        "counts": "Answer cells",
        "block": "Block",
        "all_correct": "Every answer is correct.",
        "status.queued": "being graded",
        "status.graded": "graded",
        "status.unreadable": "not graded",
        "status.timeout": "stopped (took too long)",
        "status.no_submission": "nothing uploaded",
        "queued": "This file is still being graded; reload the page in a moment.",
        "unreadable": "This file could not be graded: {message}",
        "timeout": "Grading this file took longer than {s} seconds and was stopped. Check the "
        "file (is it your exercise, saved by a spreadsheet?) and upload it again.",
        "no_file": "Choose a file first.",
        "too_large": "The upload is larger than {mb} MB.",
        "too_slow": "The upload stopped coming for {s} seconds; try again.",
        "csrf": "This form has expired; reload the page and try again.",
        "not_found": "Not found.",
        "teacher": "Teacher",
        "teacher_token": "Teacher token",
        "bad_token": "Wrong teacher token.",
        "students": "Students",
        "name": "Name",
        "attempt_count": "Attempts",
        "latest": "Latest score",
        "best": "Best score",
        "flags": "Flags",
        "gradebook": "Download the gradebook (CSV)",
        "all_submissions": "Download every submission (zip)",
        # printed by `nnsheet serve` when it starts
        "wrote_codes": "access codes for the students (id, name, code; hand them out): {path}",
        "codes_kept": "access codes for the students: {path} (kept from the first start)",
        "token": "teacher token (sign in at {url}teacher): {path}",
        "exercises": "{n} student exercise(s) in {path}",
        "listening": "serving {n} students at {url} (Ctrl+C stops it; everything is kept in "
        "{data})",
        "insecure": "note: {host} is not this machine only and the pages are plain http: the "
        "sign-in cookie cannot be marked secure (use it on the lab's own network)",
        "restart_differs": "{data} was started with {what}: {then} then, {now} now; start serve "
        "as before, or add --new-term to move this term's records into {data}/archive/ and start "
        "afresh",
        "what.spec": "another spec",
        "what.options": "other exercise options",
        "what.lang": "another language (--lang)",
        "archived": "the earlier term's records were moved to {path}",
        "added": "{n} new student(s) on the roster: {ids} (their codes are in {path})",
        "removed": "no longer on the roster, access ended: {ids}",
        "codes_missing": "{path} is missing, and the database keeps the codes only as hashes: "
        "give a student a new code with --revoke ID",
        "revoked": "new access code for {name} ({id}): {code} (also in {path}; the old code no "
        "longer works)",
        "port_in_use": "--port {port}: {host}:{port} cannot be used ({why}); choose another port "
        "with --port",
        # on the pages
        "ungradable_used": "You have sent {n} files that could not be graded, the limit; ask your "
        "teacher.",
        "bytes_used": "Your uploads have reached {mb} MB, the limit; ask your teacher.",
        "ungradable_left": "Files that could not be graded: {n} (at most {cap} are accepted).",
        "busy": "The server is busy; try again in a few seconds.",
    },
    "id": {
        "title": "Periksa mandiri nnsheet",
        "sign_in": "Masuk",
        "student_id": "Nomor mahasiswa",
        "code": "Kode akses",
        "bad_login": "Nomor mahasiswa atau kode akses salah.",
        "signed_in_as": "Masuk sebagai {name} ({id})",
        "sign_out": "Keluar",
        "your_exercise": "Latihan Anda",
        "download": "Unduh latihan Anda",
        "download_hint": "Isi (di Excel atau LibreOffice Calc), simpan, lalu unggah di sini.",
        "upload": "Unggah latihan yang sudah diisi (.xlsx atau .ods)",
        "upload_button": "Unggah dan periksa",
        "attempts": "Percobaan Anda",
        "no_attempts": "Belum ada percobaan.",
        "attempts_left": "Sisa percobaan: {n} dari {cap}.",
        "attempts_used": "Semua {cap} percobaan Anda sudah terpakai.",
        "attempt": "Percobaan",
        "when": "Diunggah (UTC)",
        "file": "Berkas",
        "status": "Status",
        "score": "Nilai",
        "result_of": "Percobaan {n}: {file}",
        "graded_copy": "Unduh hasil penilaian",
        "back": "Kembali ke latihan Anda",
        "first_wrong": "Nilai salah pertama",
        "you_wrote": "Anda menulis",
        "formula": "cara menghitungnya",
        "mistake": "Jenis kesalahan",
        "counts": "Sel jawaban",
        "block": "Bagian",
        "all_correct": "Semua jawaban benar.",
        "status.queued": "sedang diperiksa",
        "status.graded": "sudah dinilai",
        "status.unreadable": "tidak dapat dinilai",
        "status.timeout": "dihentikan (terlalu lama)",
        "status.no_submission": "belum mengunggah",
        "queued": "Berkas ini masih diperiksa; muat ulang halaman sebentar lagi.",
        "unreadable": "Berkas ini tidak dapat dinilai: {message}",
        "timeout": "Pemeriksaan berkas ini lebih dari {s} detik dan dihentikan. Periksa "
        "berkasnya (benarkah latihan Anda, disimpan oleh spreadsheet?) lalu unggah "
        "lagi.",
        "no_file": "Pilih berkas terlebih dahulu.",
        "too_large": "Unggahan lebih besar dari {mb} MB.",
        "too_slow": "Unggahan berhenti mengalir selama {s} detik; coba lagi.",
        "csrf": "Formulir ini kedaluwarsa; muat ulang halaman lalu coba lagi.",
        "not_found": "Tidak ditemukan.",
        "teacher": "Dosen",
        "teacher_token": "Token dosen",
        "bad_token": "Token dosen salah.",
        "students": "Mahasiswa",
        "name": "Nama",
        "attempt_count": "Percobaan",
        "latest": "Nilai terakhir",
        "best": "Nilai terbaik",
        "flags": "Tanda",
        "gradebook": "Unduh buku nilai (CSV)",
        "all_submissions": "Unduh semua kiriman (zip)",
        "wrote_codes": "kode akses mahasiswa (id, nama, kode; bagikan kepada mereka): {path}",
        "codes_kept": "kode akses mahasiswa: {path} (tetap dari awal)",
        "token": "token dosen (masuk di {url}teacher): {path}",
        "exercises": "{n} latihan mahasiswa di {path}",
        "listening": "melayani {n} mahasiswa di {url} (Ctrl+C menghentikan; semua disimpan di "
        "{data})",
        "insecure": "catatan: {host} bukan hanya mesin ini dan halamannya http biasa: cookie "
        "masuk tidak dapat ditandai secure (pakai di jaringan lab sendiri)",
        "restart_differs": "{data} dimulai dengan {what}: dulu {then}, sekarang {now}; jalankan "
        "serve seperti sebelumnya, atau tambahkan --new-term untuk memindahkan catatan semester "
        "ini ke {data}/archive/ dan mulai dari awal",
        "what.spec": "spec lain",
        "what.options": "opsi latihan lain",
        "what.lang": "bahasa lain (--lang)",
        "archived": "catatan semester sebelumnya dipindahkan ke {path}",
        "added": "{n} mahasiswa baru di daftar: {ids} (kodenya di {path})",
        "removed": "tidak lagi di daftar, akses dihentikan: {ids}",
        "codes_missing": "{path} tidak ada, dan basis data hanya menyimpan hash kode: beri "
        "mahasiswa kode baru dengan --revoke ID",
        "revoked": "kode akses baru untuk {name} ({id}): {code} (juga di {path}; kode lama tidak "
        "berlaku lagi)",
        "port_in_use": "--port {port}: {host}:{port} tidak dapat dipakai ({why}); pilih port lain "
        "dengan --port",
        "ungradable_used": "Anda sudah mengirim {n} berkas yang tidak dapat dinilai, batasnya; "
        "hubungi dosen Anda.",
        "bytes_used": "Unggahan Anda sudah mencapai {mb} MB, batasnya; hubungi dosen Anda.",
        "ungradable_left": "Berkas yang tidak dapat dinilai: {n} (paling banyak {cap} diterima).",
        "busy": "Server sedang sibuk; coba lagi beberapa detik lagi.",
    },
}


def say(key: str, lang: str, **fields: object) -> str:
    return TEXT[lang][key].format(**fields)
