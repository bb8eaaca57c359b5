"""What ``nnsheet check`` says to a learner or teacher, in English and Indonesian: the terminal
summary, the Grades sheet, the cell comments and the explanations.

The ``--report`` CSV keeps English column names and the English verdict codes (``correct``,
``carried``, ``wrong``, ``missing``): scripts read it. Only what people read is translated here.
"""

from __future__ import annotations

import re

#: the verdicts as people read them (the codes themselves stay English in the CSV)
VERDICT_WORDS: dict[str, dict[str, str]] = {
    "en": {"correct": "correct", "carried": "carried", "wrong": "wrong", "missing": "missing"},
    "id": {"correct": "benar", "carried": "terbawa", "wrong": "salah", "missing": "kosong"},
}

#: the exercise's blocks in the summary
BLOCK_WORDS: dict[str, dict[str, str]] = {
    "en": {"forward": "forward", "errors": "errors", "backward": "backward", "updates": "updates"},
    "id": {"forward": "maju", "errors": "galat", "backward": "mundur", "updates": "pembaruan"},
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "summary": "{path}: {total} answer cells — {counts}",
        "first_wrong": "  first wrong: {where}: expected {expected}, you wrote {given}",
        "first_missing": "  first missing: {where}",
        "epoch": "epoch {epoch}",
        "step": "step {step}",
        "sample": ", sample {sample}",
        "graded_copy": "  graded copy: {path}",
        "wrote_report": "wrote {path} ({n} rows)",
        "wrote_gradebook": "wrote {path} ({n} files)",
        "comment_wrong": "you wrote {given}; {reason}",
        "comment_carried": "expected {expected}, but {reason}",
        "shifted": "layout shifted, answers found by their headers: {notes}",
        "drift": "{n} correct value(s) differ from the exact ones only by rounding your own "
        "correct earlier values (not a mistake)",
        "comment_missing": "expected {expected}",
        "lost_rows": "rows not found in your table (deleted?), their answers missing: {rows}",
        "note.settings": "the exercise's hidden settings differ from the teacher's record "
        "(graded on the record): {what}",
        "diff.option": "{what} {got} instead of {want} in the hidden settings",
        "diff.no_settings": "the exercise's hidden sheet is missing",
        "diff.bad_settings": "the exercise's hidden settings are damaged",
        "dated": "{n} answer(s) stored under a date or time format, graded as the numbers they "
        "hold",
        "no_copy": "no graded copy: {why}",
        "legend": "Legend",
        "not_correct": "Not correct",
        "you_wrote": "{verdict}: {label} ({where}), you wrote {given}; {reason}",
        "nothing": "(nothing)",
        "legend.correct": "correct: within the tolerance of the expected value",
        "legend.carried": "carried: correct by carry-forward, right when computed from your own "
        "earlier values, one of which was wrong",
        "legend.wrong": "wrong: see the cell's comment",
        "legend.missing": "missing: nothing typed",
        # explanations
        "mean_loss": "mean of {loss} over the samples",
        "biases_fixed": "(biases are not updated)",
        "batch_mean": "mean of {sym} over the batch's samples",
        "rounded": " (rounded to {d} decimals)",
        # gradebook flags (issue 13): the codes stay English, the notes are read
        "flag": "  flag {code}: {note}",
        "note.tampered": "the givens differ from the teacher's record: {what}",
        "note.givens_changed": "the givens on {setup} differ from the exercise's own spec: {what}",
        "note.unknown_student": "student id {sid} is not on the roster; graded on the file's "
        "own spec",
        "note.no_spec": "the exercise's hidden spec is missing or damaged",
        "note.copied": "{other}% of the answer cells are right for student {sid}'s givens, "
        "{own}% correct for the file's own",
        "note.identical": "{agree} of {filled} filled answer cells are the same as in {file}, "
        "{wrong} of them wrong in one file or both",
        "diff.network": "network {got} instead of {want}",
        "diff.activation": "layer {layer} activation {got} instead of {want}",
        "diff.weights": "layer {layer} weights in the hidden spec",
        "diff.biases": "layer {layer} biases in the hidden spec",
        "diff.lr": "learning rate {got} instead of {want} in the hidden spec",
        "diff.inputs": "data inputs in the hidden spec",
        "diff.targets": "data targets in the hidden spec",
        "diff.setting": "{what} {got} instead of {want} in the hidden spec",
        "diff.setup": "{where} is {got}, expected {want}",
        "diff.more": "{n} more given(s)",
        "mistake": "likely slip: {slips}: computed that way from your own earlier "
        "values it is {value}, what you wrote",
        "or": " or ",
    },
    "id": {
        "summary": "{path}: {total} sel jawaban — {counts}",
        "first_wrong": "  salah pertama: {where}: seharusnya {expected}, Anda menulis {given}",
        "first_missing": "  kosong pertama: {where}",
        "epoch": "epoch {epoch}",
        "step": "langkah {step}",
        "sample": ", pola {sample}",
        "graded_copy": "  hasil penilaian: {path}",
        "wrote_report": "menulis {path} ({n} baris)",
        "wrote_gradebook": "menulis {path} ({n} berkas)",
        "comment_wrong": "Anda menulis {given}; {reason}",
        "comment_carried": "seharusnya {expected}, tetapi {reason}",
        "shifted": "tata letak bergeser, jawaban ditemukan lewat judul kolomnya: {notes}",
        "drift": "{n} nilai benar berbeda dari nilai eksak hanya karena pembulatan nilai Anda "
        "sendiri sebelumnya yang benar (bukan kesalahan)",
        "comment_missing": "seharusnya {expected}",
        "lost_rows": "baris tidak ditemukan di tabel Anda (terhapus?), jawabannya kosong: {rows}",
        "note.settings": "pengaturan tersembunyi latihan berbeda dari catatan guru (dinilai "
        "dengan catatan guru): {what}",
        "diff.option": "{what} {got}, seharusnya {want}, di pengaturan tersembunyi",
        "diff.no_settings": "lembar tersembunyi latihan tidak ada",
        "diff.bad_settings": "pengaturan tersembunyi latihan rusak",
        "dated": "{n} jawaban tersimpan dengan format tanggal atau waktu, dinilai sebagai angka "
        "yang tersimpan",
        "no_copy": "tidak ada hasil penilaian: {why}",
        "legend": "Keterangan",
        "not_correct": "Belum benar",
        "you_wrote": "{verdict}: {label} ({where}), Anda menulis {given}; {reason}",
        "nothing": "(kosong)",
        "legend.correct": "benar: dalam batas toleransi nilai yang seharusnya",
        "legend.carried": "terbawa: benar bila dihitung dari nilai Anda sendiri sebelumnya, "
        "yang salah satunya keliru (kesalahan sebelumnya terbawa dengan benar, "
        "carry-forward)",
        "legend.wrong": "salah: lihat komentar pada sel",
        "legend.missing": "kosong: tidak ada yang diketik",
        "mean_loss": "rata-rata {loss} semua pola",
        "biases_fixed": "(bias tidak diperbarui)",
        "batch_mean": "rata-rata {sym} pola-pola dalam batch",
        "rounded": " (dibulatkan sampai {d} angka di belakang koma)",
        "flag": "  tanda {code}: {note}",
        "note.tampered": "nilai yang diketahui berbeda dari catatan guru: {what}",
        "note.givens_changed": "nilai yang diketahui di lembar {setup} berbeda dari spec "
        "latihan itu sendiri: {what}",
        "note.unknown_student": "nomor mahasiswa {sid} tidak ada di daftar kelas; dinilai "
        "dengan spec berkas itu sendiri",
        "note.no_spec": "spec tersembunyi latihan ini hilang atau rusak",
        "note.copied": "{other}% sel jawaban benar untuk nilai awal mahasiswa {sid}, hanya "
        "{own}% yang benar untuk nilai awal berkas ini sendiri",
        "note.identical": "{agree} dari {filled} sel jawaban yang terisi sama dengan di {file}, "
        "{wrong} di antaranya salah di salah satu atau kedua berkas",
        "diff.network": "jaringan {got}, seharusnya {want}",
        "diff.activation": "aktivasi lapisan {layer} {got}, seharusnya {want}",
        "diff.weights": "bobot lapisan {layer} di spec tersembunyi",
        "diff.biases": "bias lapisan {layer} di spec tersembunyi",
        "diff.lr": "laju pembelajaran {got}, seharusnya {want}, di spec tersembunyi",
        "diff.inputs": "input data di spec tersembunyi",
        "diff.targets": "target data di spec tersembunyi",
        "diff.setting": "{what} {got}, seharusnya {want}, di spec tersembunyi",
        "diff.setup": "{where} berisi {got}, seharusnya {want}",
        "diff.more": "{n} nilai yang diketahui lainnya",
        "mistake": "kemungkinan kekeliruan: {slips}: bila dihitung begitu dari nilai "
        "Anda sendiri sebelumnya hasilnya {value}, sama dengan yang Anda tulis",
        "or": " atau ",
    },
}

#: each mistake of the catalogue (:data:`nnsheet.core.ops.MISTAKES`) in words; ``{sent}`` is
#: what the rule sends back to a hidden layer and ``{other}`` the other one (``rule_swap``)
MISTAKE_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "forgot_bias": "the net computed without the bias",
        "error_sign": "the error taken as output − target instead of target − output",
        "fprime_from_net": "the derivative computed from the net instead of the neuron's output",
        "fprime_binary_for_bipolar": "the derivative of a bipolar sigmoid unit taken as the "
        "binary sigmoid's f·(1 − f) instead of ½·(1 + f)·(1 − f)",
        "no_momentum": "the change computed without the momentum term μ·Δ of the previous update",
        "no_fprime": "δ taken as the error itself, without the derivative factor",
        "new_weights_in_backprop": "the hidden error computed with the weights of the layer "
        "above already updated in this step, not the weights before "
        "the update",
        "rule_swap": "the hidden error computed from the {other} of the layer above, where this "
        "rule sends back its {sent}",
        "no_learning_rate": "the change computed without the learning rate",
        "update_sign": "the update taken with the wrong sign: the change subtracted where the "
        "rule adds it, or the reverse",
    },
    "id": {
        "forgot_bias": "net dihitung tanpa bias",
        "error_sign": "galat dihitung sebagai keluaran − target, bukan target − keluaran",
        "fprime_from_net": "turunan dihitung dari net, bukan dari keluaran neuron",
        "fprime_binary_for_bipolar": "turunan unit sigmoid bipolar dihitung seperti sigmoid "
        "biner, f·(1 − f), bukan ½·(1 + f)·(1 − f)",
        "no_momentum": "perubahan dihitung tanpa suku momentum μ·Δ dari pembaruan sebelumnya",
        "no_fprime": "δ diambil sama dengan galat, tanpa faktor turunan",
        "new_weights_in_backprop": "galat tersembunyi dihitung dengan bobot lapisan di atasnya "
        "yang sudah diperbarui pada langkah ini, bukan bobot sebelum "
        "pembaruan",
        "rule_swap": "galat tersembunyi dihitung dari {other} lapisan di atasnya, padahal aturan "
        "ini mengirim balik {sent}",
        "no_learning_rate": "perubahan dihitung tanpa laju pembelajaran",
        "update_sign": "tanda pembaruan terbalik: perubahan dikurangkan padahal aturannya "
        "menambahkannya, atau sebaliknya",
    },
}

#: what a hidden error reads from the layer above (``rule_swap``'s words)
SENT_WORDS: dict[str, dict[str, str]] = {
    "en": {"err": "raw errors", "delta": "deltas"},
    "id": {"err": "galat mentah", "delta": "delta"},
}


def mistake_words(code: str, lang: str, sent: str) -> str:
    """A mistake in words; ``sent``: what the spec's rule sends back (``err`` or ``delta``)."""
    other = "delta" if sent == "err" else "err"
    return MISTAKE_WORDS[lang][code].format(
        sent=SENT_WORDS[lang][sent], other=SENT_WORDS[lang][other]
    )


#: the reasons the grader gives (English, as :mod:`nnsheet.grading.mark` and
#: :mod:`nnsheet.grading.read` write them) and their Indonesian; the first full match wins
_REASONS_ID: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.S), r)
    for p, r in (
        (r"nothing typed", "tidak ada yang diketik"),
        (r"its row is not in your table", "barisnya tidak ada di tabel Anda"),
        (
            r"merged into (\S+); only (\S+) keeps a value",
            r"digabung ke \1; hanya \2 yang menyimpan nilai",
        ),
        (
            r"stored under a date or time format; graded as the number it holds",
            "tersimpan dengan format tanggal atau waktu; dinilai sebagai angka yang tersimpan",
        ),
        (
            r"rounding, not a mistake: from your own earlier values, which are correct, it is "
            r"(\S+) \(unrounded (\S+)\)",
            r"pembulatan, bukan kesalahan: dihitung dari nilai Anda sendiri sebelumnya, yang "
            r"benar, hasilnya \1 (tanpa pembulatan \2)",
        ),
        (
            r"from your own earlier values it is (\S+): it follows correctly from your earlier "
            r"wrong value (.*) \(expected (\S+)\)",
            r"bila dihitung dari nilai Anda sendiri sebelumnya hasilnya \1: nilai ini mengikuti "
            r"dengan benar dari nilai Anda yang salah, \2 (seharusnya \3)",
        ),
        (
            r"from your own earlier values it is (\S+): it follows correctly from your earlier "
            r"missing value (.*) \(expected (\S+)\)",
            r"bila dihitung dari nilai Anda sendiri sebelumnya hasilnya \1: nilai ini mengikuti "
            r"dengan benar dari sel Anda yang kosong, \2 (seharusnya \3)",
        ),
        (
            r"expected (\S+) \(or (\S+) from your own earlier values\)",
            r"seharusnya \1 (atau \2 bila dihitung dari nilai Anda sendiri sebelumnya)",
        ),
        (r"expected (\S+)", r"seharusnya \1"),
        (
            r"from your own earlier values it is (\S+)",
            r"bila dihitung dari nilai Anda sendiri sebelumnya hasilnya \1",
        ),
        (r"the text (.*) is not a number", r"teks \1 bukan angka"),
        (r"(.*) is not a finite number", r"\1 bukan angka yang terhingga"),
        (r"not a finite number", "bukan angka yang terhingga"),
        (r"the spreadsheet error (.*)", r"galat spreadsheet \1"),
        (
            r"a formula with no computed result \(not computed: open the file in a spreadsheet "
            r"and save it\)",
            "rumus tanpa hasil hitungan (belum dihitung: buka berkas ini di spreadsheet lalu "
            "simpan)",
        ),
        (r"(.*) is not a number", r"\1 bukan angka"),
    )
]


_TYPED = re.compile(
    r"(.*); typed with (\d+) decimals?, but this exercise asks for at least "
    r"(\d+)",
    re.S,
)


def say(key: str, lang: str, **fields: object) -> str:
    return TEXT[lang][key].format(**fields)


def verdict(v: str, lang: str) -> str:
    return VERDICT_WORDS[lang][v]


def reason(text: str, lang: str) -> str:
    """A grader's reason in ``lang`` (left as it is when no translation matches)."""
    if lang == "en":
        return text
    typed = _TYPED.fullmatch(text)
    if typed is not None:  # "…; typed with 3 decimals, but this exercise asks for at least 4"
        return (
            f"{reason(typed.group(1), lang)}; diketik dengan {typed.group(2)} angka di "
            f"belakang koma, padahal latihan ini meminta paling sedikit {typed.group(3)}"
        )
    for pattern, repl in _REASONS_ID:
        if pattern.fullmatch(text):
            return pattern.sub(repl, text)
    return text
