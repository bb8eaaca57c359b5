"""What ``nnsheet check`` says to a learner or teacher, in English and Indonesian: the terminal
summary, the Grades sheet, the cell comments and the explanations.

The ``--report`` CSV keeps English column names and the English verdict codes (``correct``,
``carried``, ``wrong``, ``missing``): scripts read it. Only what people read is translated here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..core.ops import BLOCKS
from .numbers import DECIMAL_MARK, number_text


class ReasonLike(Protocol):
    """A grader's reason (:class:`nnsheet.grading.reason.Reason`): a code and its fields."""

    code: str
    fields: Mapping[str, Any]


class FlagLike(Protocol):
    """A gradebook flag (:class:`nnsheet.grading.reason.Flag`)."""

    note: str
    fields: Mapping[str, Any]
    what: Sequence[tuple[str, Mapping[str, Any]]]


class ShiftLike(Protocol):
    """How one sheet's table moved (:class:`nnsheet.grading.locate.Shift`)."""

    sheet: str
    cols: Sequence[str]
    rows: Sequence[str]


#: the verdicts as people read them (the codes themselves stay English in the CSV)
VERDICT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "correct": "correct",
        "carried": "carried",
        "carried_trivial": "carried (trivial)",
        "wrong": "wrong",
        "missing": "missing",
    },
    "id": {
        "correct": "benar",
        "carried": "terbawa",
        "carried_trivial": "terbawa (remeh)",
        "wrong": "salah",
        "missing": "kosong",
    },
}

#: the exercise's blocks in the summary
BLOCK_WORDS: dict[str, dict[str, str]] = {
    "en": dict(zip(BLOCKS, ("init", "forward", "errors", "backward", "updates"), strict=True)),
    "id": dict(zip(BLOCKS, ("inisialisasi", "maju", "galat", "mundur", "pembaruan"), strict=True)),
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "summary": "{path}: {total} answer cells — {counts}",
        "first_wrong": "  first wrong: {where}: expected {expected}, you wrote {given}",
        "first_wrong.brief": "  first wrong: {where}: you wrote {given}",
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
        "no_answer": "{path}: no answer is typed in this exercise; nothing was graded and no "
        "attempt was used",
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
        "legend.carried_trivial": "carried (trivial): follows from your own earlier values, "
        "but only because an earlier mistake made it trivial (0, or equal to one of its own "
        "inputs); no credit",
        "legend.wrong": "wrong: see the cell's comment",
        "legend.missing": "missing: nothing typed",
        # explanations
        "mean_loss": "mean of {loss} over the samples",
        "biases_fixed": "(biases are not updated)",
        "batch_mean": "mean of {sym} over the batch's samples",
        "rounded": " (rounded to {d} decimals)",
        # gradebook flags (issue 13): the codes stay English, the notes are read
        "flag": "  flag {code}: {note}",
        "note.lost_rows": "rows not found: {rows}",
        "note.tampered": "the givens differ from the teacher's record: {what}",
        "note.givens_changed": "the givens on {setup} differ from the exercise's own spec: {what}",
        "note.unknown_student": "student id {sid} is not on the roster; graded on the file's "
        "own spec",
        "note.no_spec": "the exercise's hidden spec is missing or damaged",
        "note.copied": "{other}% of the answer cells are right for student {sid}'s givens, "
        "{own}% correct for the file's own",
        "note.identical": "{agree} of {filled} filled answer cells are the same as in {file}, "
        "{wrong} of them wrong in one file or both",
        "note.duplicate": "student {sid} has {n} files graded: {files}",
        "note.duplicate.serve": "the same workbook as another student's latest upload: {files}",
        "note.id_mismatch.submitted": "the student id typed in the exercise is {typed}, "
        "but it was handed in as student {sid}'s",
        "note.id_mismatch.file_name": "the student id typed in the exercise is {typed}, "
        "but its file name is student {sid}'s",
        "through": "the blank cell(s) {through} computed from your own numbers",
        "note.answer_key.trace": "this is a trace workbook (nnsheet's answer key), not an "
        "exercise: {ours} of {filled} filled answer cells hold nnsheet's own formulas",
        "note.answer_key.formulas": "{ours} of {filled} filled answer cells hold the very "
        "formulas nnsheet writes in its answer key",
        "note.formulas": "{n} of {filled} filled answer cells ({share}%) are spreadsheet "
        "formulas, not numbers worked out by hand",
        "note.not_submitted": "no file for this student",
        "not_submitted": "{n} student(s) on the roster submitted no file: {ids}",
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
        "first_wrong.brief": "  salah pertama: {where}: Anda menulis {given}",
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
        "no_answer": "{path}: belum ada jawaban yang diketik di latihan ini; tidak ada yang "
        "dinilai dan tidak ada kesempatan yang terpakai",
        "lost_rows": "baris tidak ditemukan di tabel Anda (terhapus?), jawabannya kosong: {rows}",
        "note.settings": "pengaturan tersembunyi latihan berbeda dari catatan dosen (dinilai "
        "dengan catatan dosen): {what}",
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
        "legend.carried_trivial": "terbawa (remeh): mengikuti dari nilai Anda sendiri "
        "sebelumnya, tetapi hanya karena kesalahan sebelumnya membuatnya remeh (0, atau sama "
        "dengan salah satu masukannya sendiri); tanpa nilai",
        "legend.wrong": "salah: lihat komentar pada sel",
        "legend.missing": "kosong: tidak ada yang diketik",
        "mean_loss": "rata-rata {loss} semua pola",
        "biases_fixed": "(bias tidak diperbarui)",
        "batch_mean": "rata-rata {sym} pola-pola dalam batch",
        "rounded": " (dibulatkan sampai {d} angka di belakang koma)",
        "flag": "  tanda {code}: {note}",
        "note.lost_rows": "baris tidak ditemukan: {rows}",
        "note.tampered": "nilai yang diketahui berbeda dari catatan dosen: {what}",
        "note.givens_changed": "nilai yang diketahui di lembar {setup} berbeda dari spec "
        "latihan itu sendiri: {what}",
        "note.unknown_student": "nomor mahasiswa {sid} tidak ada di daftar kelas; dinilai "
        "dengan spec berkas itu sendiri",
        "note.no_spec": "spec tersembunyi latihan ini hilang atau rusak",
        "note.copied": "{other}% sel jawaban benar untuk nilai awal mahasiswa {sid}, hanya "
        "{own}% yang benar untuk nilai awal berkas ini sendiri",
        "note.identical": "{agree} dari {filled} sel jawaban yang terisi sama dengan di {file}, "
        "{wrong} di antaranya salah di salah satu atau kedua berkas",
        "note.duplicate": "mahasiswa {sid} mengumpulkan {n} berkas yang dinilai: {files}",
        "note.duplicate.serve": "buku kerja yang sama dengan unggahan terakhir mahasiswa lain: "
        "{files}",
        "note.id_mismatch.submitted": "NIM yang diketik di latihan adalah {typed}, tetapi "
        "berkas ini dikumpulkan sebagai milik mahasiswa {sid}",
        "note.id_mismatch.file_name": "NIM yang diketik di latihan adalah {typed}, tetapi "
        "nama berkasnya adalah NIM mahasiswa {sid}",
        "through": "sel kosong {through} dihitung dari nilai Anda sendiri",
        "note.answer_key.trace": "ini buku kerja jejak (kunci jawaban nnsheet), bukan latihan: "
        "{ours} dari {filled} sel jawaban yang terisi memuat rumus nnsheet sendiri",
        "note.answer_key.formulas": "{ours} dari {filled} sel jawaban yang terisi memuat rumus "
        "yang persis ditulis nnsheet di kunci jawabannya",
        "note.formulas": "{n} dari {filled} sel jawaban yang terisi ({share}%) berupa rumus "
        "spreadsheet, bukan angka yang dihitung sendiri",
        "note.not_submitted": "tidak ada berkas dari mahasiswa ini",
        "not_submitted": "{n} mahasiswa di daftar kelas tidak mengumpulkan berkas: {ids}",
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
        "nw_inputs_for_hidden": "Nguyen–Widrow's β taken as 0.7·n^(1/n), 0.7·p^(1/p) or "
        "0.7·n^(1/p) instead of 0.7·p^(1/n) (p hidden units, n inputs)",
        "nw_whole_matrix": "the Nguyen–Widrow norm taken over all of the layer's weights instead "
        "of over the weights into this hidden unit only",
        "no_fprime": "δ taken as the error itself, without the derivative factor",
        "new_weights_in_backprop": "the hidden error computed with the weights of the layer "
        "above already updated in this step, not the weights before "
        "the update",
        "rule_swap": "the hidden error computed from the {other} of the layer above, where this "
        "rule sends back its {sent}",
        "no_learning_rate": "the change computed without the learning rate",
        "update_sign": "the update taken with the wrong sign: the change subtracted where the "
        "rule adds it, or the reverse",
        # the single-layer rules (issue 24)
        "perceptron_update_when_correct": "the perceptron's weights changed although y = t "
        "(they change only when y ≠ t)",
        "perceptron_no_theta": "the perceptron's y taken from the sign of y_in, ignoring the θ "
        "band (y = 0 when −θ ≤ y_in ≤ θ)",
        "perceptron_used_y": "the perceptron's change taken as α·y·x instead of α·t·x",
        "adaline_used_y": "Adaline's error taken from the thresholded y instead of y_in "
        "(t − y instead of t − y_in)",
        "hebb_binary_zero": "a binary 0 in x or t taken as −1 in the Hebb change, so a 0 still "
        "changed the weights (x·t is 0 there)",
    },
    "id": {
        "forgot_bias": "net dihitung tanpa bias",
        "error_sign": "galat dihitung sebagai keluaran − target, bukan target − keluaran",
        "fprime_from_net": "turunan dihitung dari net, bukan dari keluaran neuron",
        "fprime_binary_for_bipolar": "turunan unit sigmoid bipolar dihitung seperti sigmoid "
        "biner, f·(1 − f), bukan ½·(1 + f)·(1 − f)",
        "no_momentum": "perubahan dihitung tanpa suku momentum μ·Δ dari pembaruan sebelumnya",
        "nw_inputs_for_hidden": "β Nguyen–Widrow dihitung sebagai 0,7·n^(1/n), 0,7·p^(1/p) atau "
        "0,7·n^(1/p), bukan 0,7·p^(1/n) (p unit tersembunyi, n masukan)",
        "nw_whole_matrix": "norma Nguyen–Widrow dihitung dari semua bobot lapisan itu, bukan "
        "hanya dari bobot yang masuk ke unit tersembunyi ini",
        "no_fprime": "δ diambil sama dengan galat, tanpa faktor turunan",
        "new_weights_in_backprop": "galat tersembunyi dihitung dengan bobot lapisan di atasnya "
        "yang sudah diperbarui pada langkah ini, bukan bobot sebelum "
        "pembaruan",
        "rule_swap": "galat tersembunyi dihitung dari {other} lapisan di atasnya, padahal aturan "
        "ini mengirim balik {sent}",
        "no_learning_rate": "perubahan dihitung tanpa laju pembelajaran",
        "update_sign": "tanda pembaruan terbalik: perubahan dikurangkan padahal aturannya "
        "menambahkannya, atau sebaliknya",
        "perceptron_update_when_correct": "bobot perceptron diubah padahal y = t (bobot hanya "
        "berubah bila y ≠ t)",
        "perceptron_no_theta": "y perceptron diambil dari tanda y_in, pita θ diabaikan (y = 0 bila "
        "−θ ≤ y_in ≤ θ)",
        "perceptron_used_y": "perubahan bobot perceptron dihitung α·y·x, bukan α·t·x",
        "adaline_used_y": "galat Adaline diambil dari y yang sudah diberi ambang, bukan dari y_in "
        "(t − y, bukan t − y_in)",
        "hebb_binary_zero": "nilai 0 biner pada x atau t dianggap −1 dalam perubahan Hebb, "
        "sehingga 0 tetap mengubah bobot (x·t di situ 0)",
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


#: why an answer cell got its verdict (:class:`nnsheet.grading.reason.Reason`'s codes), or how
#: its value was stored; ``expected`` and ``carried`` are put together by :func:`reason`
REASON_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "blank": "nothing typed",
        "row_lost": "its row is not in your table",
        "merged": "merged into {cell}; only {cell} keeps a value",
        "dated": "stored under a date or time format; graded as the number it holds",
        "drift": "rounding, not a mistake: from your own earlier values, which are correct, it "
        "is {own} (unrounded {exact})",
        "carried": "from your own earlier values it is {own}: it follows correctly from your "
        "earlier {root} value {where} (expected {exact})",
        "carried_trivial": "from your own earlier values it is {own}, but only because "
        "your earlier {root} value {where} made it 0; no credit (expected {exact})",
        "carried_trivial.input": "from your own earlier values it is {own}, but only because "
        "your earlier {root} value {where} made it equal to {input}; no credit (expected "
        "{exact})",
        "carried.brief": "from your own earlier values it is {own}: it follows correctly from "
        "your earlier {root} value {where}",
        "drift.brief": "rounding, not a mistake: your own earlier values are correct",
        "carried_trivial.brief": "from your own earlier values it is {own}, but only because "
        "your earlier {root} value {where} made it 0; no credit",
        "carried_trivial.input.brief": "from your own earlier values it is {own}, but only "
        "because your earlier {root} value {where} made it equal to {input}; no credit",
        "expected.brief": "not the value this cell should hold",
        "expected": "expected {expected}",
        "expected.own": "expected {expected} (or {own} from your own earlier values)",
        "expected.typed": "typed with {typed} decimal{s}, but this exercise asks for at least "
        "{stated}",
        "text_not_number": "the text {text} is not a number",
        "not_finite_text": "{text} is not a finite number",
        "not_finite": "not a finite number",
        "spreadsheet_error": "the spreadsheet error {value}",
        "uncomputed": "a formula with no computed result (not computed: open the file in a "
        "spreadsheet and save it)",
        "not_number": "{what} is not a number",
    },
    "id": {
        "blank": "tidak ada yang diketik",
        "row_lost": "barisnya tidak ada di tabel Anda",
        "merged": "digabung ke {cell}; hanya {cell} yang menyimpan nilai",
        "dated": "tersimpan dengan format tanggal atau waktu; dinilai sebagai angka yang tersimpan",
        "drift": "pembulatan, bukan kesalahan: dihitung dari nilai Anda sendiri sebelumnya, "
        "yang benar, hasilnya {own} (tanpa pembulatan {exact})",
        "carried.wrong": "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya {own}: nilai "
        "ini mengikuti dengan benar dari nilai Anda yang salah, {where} (seharusnya {exact})",
        "carried_trivial": "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya {own}, "
        "tetapi hanya karena nilai Anda sebelumnya {where} membuatnya 0; tanpa nilai "
        "(seharusnya {exact})",
        "carried_trivial.input": "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya "
        "{own}, tetapi hanya karena nilai Anda sebelumnya {where} membuatnya sama dengan "
        "{input}; tanpa nilai (seharusnya {exact})",
        "carried.missing": "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya {own}: "
        "nilai ini mengikuti dengan benar dari sel Anda yang kosong, {where} (seharusnya "
        "{exact})",
        "carried.wrong.brief": "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya {own}: "
        "nilai ini mengikuti dengan benar dari nilai Anda yang salah, {where}",
        "carried.missing.brief": "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya "
        "{own}: nilai ini mengikuti dengan benar dari sel Anda yang kosong, {where}",
        "carried_trivial.brief": "bila dihitung dari nilai Anda sendiri sebelumnya hasilnya "
        "{own}, tetapi hanya karena nilai Anda sebelumnya {where} membuatnya 0; tanpa nilai",
        "carried_trivial.input.brief": "bila dihitung dari nilai Anda sendiri sebelumnya "
        "hasilnya {own}, tetapi hanya karena nilai Anda sebelumnya {where} membuatnya sama "
        "dengan {input}; tanpa nilai",
        "drift.brief": "pembulatan, bukan kesalahan: nilai Anda sendiri sebelumnya benar",
        "expected.brief": "bukan nilai yang seharusnya ada di sel ini",
        "expected": "seharusnya {expected}",
        "expected.own": "seharusnya {expected} (atau {own} bila dihitung dari nilai Anda sendiri "
        "sebelumnya)",
        "expected.typed": "diketik dengan {typed} angka di belakang koma, padahal latihan ini "
        "meminta paling sedikit {stated}",
        "text_not_number": "teks {text} bukan angka",
        "not_finite_text": "{text} bukan angka yang terhingga",
        "not_finite": "bukan angka yang terhingga",
        "spreadsheet_error": "galat spreadsheet {value}",
        "uncomputed": "rumus tanpa hasil hitungan (belum dihitung: buka berkas ini di "
        "spreadsheet lalu simpan)",
        "not_number": "{what} bukan angka",
    },
}


def number(v: float, lang: str = "en") -> str:
    """A number as the grader shows it: up to 6 significant digits, no exponent for usual
    sizes; the decimal comma in Indonesian (:func:`~nnsheet.words.numbers.number_text`)."""
    if v == 0:
        return "0"
    return number_text(float(v), lang)


#: the fields of reasons, flags and texts that hold a number (stored as the grader shows it in
#: English, ``0.58904``, so --report and JSON keep the decimal point): said in the reader's
#: language where the words are put on
NUMBER_FIELDS = frozenset({"expected", "own", "exact", "value", "got", "want", "given_value"})
_DECIMAL = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def local_fields(fields: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """``fields`` with each number of :data:`NUMBER_FIELDS` (a float, or a number written with
    the decimal point) written in ``lang``; everything else (cells, ids, typed text) as is."""
    out = dict(fields)
    if DECIMAL_MARK.get(lang, ".") == ".":
        return out
    for k in NUMBER_FIELDS & out.keys():
        v = out[k]
        if isinstance(v, float):
            out[k] = number(v, lang)
        elif isinstance(v, str) and "." in v and _DECIMAL.fullmatch(v):
            out[k] = number_text(float(v), lang)
    return out


def runs(names: Sequence[str]) -> str:
    """The first six names, then how many in all."""
    return ", ".join(names[:6]) + (f", … ({len(names)} in all)" if len(names) > 6 else "")


def say(key: str, lang: str, **fields: object) -> str:
    return TEXT[lang][key].format(**local_fields(fields, lang))


def verdict(v: str, lang: str) -> str:
    return VERDICT_WORDS[lang][v]


def typed_short(reason: ReasonLike, lang: str) -> str | None:
    """Of an ``expected`` reason, what it says of an answer typed with too few decimals (None
    when it says nothing of the kind)."""
    f = reason.fields
    if reason.code != "expected" or f.get("typed") is None:
        return None
    s = "s" if f["typed"] != 1 else ""
    return REASON_TEXT[lang]["expected.typed"].format(s=s, **local_fields(f, lang))


#: how much a learner is shown (``serve --feedback``, ``check --feedback``): ``verdicts`` (each
#: cell's verdict and the named mistake), ``hints`` (and the formula on the learner's own
#: numbers), ``full`` (and the expected values)
FEEDBACK = ("verdicts", "hints", "full")


def reason(r: ReasonLike, lang: str, feedback: str = "full") -> str:
    """Why an answer cell got its verdict (a grader's :class:`~nnsheet.grading.reason.Reason`),
    in ``lang``; with the blank cells its own value was computed through (``through``); below
    ``full`` feedback, without an expected or exact value."""
    text = _reason(r, lang, feedback)
    through = r.fields.get("through")
    return text if not through else f"{text}; {say('through', lang, through=through)}"


def _reason(r: ReasonLike, lang: str, feedback: str = "full") -> str:
    words, f = REASON_TEXT[lang], local_fields(r.fields, lang)
    if feedback != "full":
        if r.code == "expected":
            short = typed_short(r, lang)
            text = words["expected.brief"]
            return text if short is None else f"{text}; {short}"
        if r.code == "carried":
            brief = f"carried.{f['root']}.brief" if lang != "en" else "carried.brief"
            return words.get(brief, REASON_TEXT["en"]["carried.brief"]).format(**f)
        if r.code == "drift":
            return words["drift.brief"]
        if r.code == "carried_trivial":
            key = "carried_trivial" if f.get("input") is None else "carried_trivial.input"
            return words[f"{key}.brief"].format(**f)
    if r.code == "expected":
        text = words["expected.own" if f.get("own") is not None else "expected"].format(**f)
        short = typed_short(r, lang)
        return text if short is None else f"{text}; {short}"
    if r.code == "carried_trivial":
        key = "carried_trivial" if f.get("input") is None else "carried_trivial.input"
        return words[key].format(**f)
    if r.code == "carried" and lang != "en":  # said by what it follows from (wrong or missing)
        own = words.get(f"carried.{f['root']}")
        return (own or REASON_TEXT["en"]["carried"]).format(**f)
    return words[r.code].format(**f)


def flag_note(flag: FlagLike, lang: str) -> str:
    """What a gradebook flag (:class:`~nnsheet.grading.reason.Flag`) found, in ``lang``."""
    listed = ", ".join(say(k, lang, **f) for k, f in flag.what)
    return say(flag.note, lang, what=listed, **flag.fields)


def shifted_text(shifts: Sequence[ShiftLike]) -> str:
    """How the learner's tables moved, e.g. ``Steps: 1 extra column (W)`` (said as the sheet's
    columns and rows are named, in any language)."""
    out = []
    for sh in shifts:
        parts = []
        if sh.cols:
            s = "s" if len(sh.cols) > 1 else ""
            parts.append(f"{len(sh.cols)} extra column{s} ({runs(sh.cols)})")
        if sh.rows:
            s = "s" if len(sh.rows) > 1 else ""
            parts.append(f"{len(sh.rows)} extra row{s} ({runs(sh.rows)})")
        out.append(f"{sh.sheet}: " + (" and ".join(parts) if parts else "cells moved"))
    return "; ".join(out)
