"""What ``nnsheet doctor`` says, in English and Indonesian: each finding's meaning and advice,
its evidence lines, the rerun variants' changes, the report sheet's headers.

Finding codes stay English in both languages (as the grader's verdict and mistake codes do);
numbers are written by :func:`num`, through :mod:`nnsheet.words.numbers` (a decimal comma in
Indonesian, as the course writes; no thousands separator).
"""

from __future__ import annotations

import math

from .numbers import interval_text, number_text

#: per finding code: (meaning, advice) in each language
FINDING_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "diverged": {
        "en": (
            "the training blew up: a value became too large for a float or the loss passed "
            "100,000.",
            "lower the learning rate (and normalise the inputs if they are large).",
        ),
        "id": (
            "pelatihan meledak: sebuah nilai menjadi terlalu besar atau galat melewati 100.000.",
            "turunkan laju pembelajaran (dan normalisasi masukan bila nilainya besar).",
        ),
    },
    "target_out_of_range": {
        "en": (
            "a target lies outside what the output activation can produce, so its error can never "
            "reach zero.",
            "scale the targets into the output's range, or choose an output activation that can "
            "produce them.",
        ),
        "id": (
            "ada target di luar nilai yang dapat dihasilkan fungsi aktivasi keluaran, sehingga "
            "galatnya tidak pernah bisa nol.",
            "skalakan target ke rentang keluaran, atau pilih fungsi aktivasi keluaran yang dapat "
            "menghasilkannya.",
        ),
    },
    "symmetric": {
        "en": (
            "hidden neurons start with identical incoming weights and bias, so they receive the "
            "same error and the same update and never differ: the layer works as one neuron.",
            "start from random weights (leave the weights out of the spec so [init] draws them).",
        ),
        "id": (
            "neuron lapisan tersembunyi berawal dengan bobot masuk dan bias yang sama, sehingga "
            "menerima galat dan pembaruan bobot yang sama dan tidak pernah berbeda: lapisan itu "
            "bekerja seperti satu neuron.",
            "mulai dari bobot acak (hapus bobot dari spec agar [init] mengacaknya).",
        ),
    },
    "linear_only": {
        "en": (
            "every hidden layer is linear, so the whole network is one linear map and can learn "
            "nothing a network without hidden layers could not.",
            "give the hidden layer a non-linear activation such as sigmoid.",
        ),
        "id": (
            "semua lapisan tersembunyi linear, sehingga seluruh jaringan hanya satu pemetaan "
            "linear dan tidak dapat mempelajari apa pun yang tidak bisa dipelajari jaringan "
            "tanpa lapisan tersembunyi.",
            "beri lapisan tersembunyi fungsi aktivasi non-linear seperti sigmoid.",
        ),
    },
    "lr_too_high": {
        "en": (
            "the learning rate is too high: the loss goes up and down instead of falling.",
            "lower the learning rate.",
        ),
        "id": (
            "laju pembelajaran terlalu besar: galat naik-turun, bukan menurun.",
            "turunkan laju pembelajaran.",
        ),
    },
    "unscaled_inputs": {
        "en": (
            "the inputs are not scaled: large or very unequal feature values push the neurons "
            "into their flat ends and let one feature dominate.",
            'normalise the inputs ([data] normalize = "minmax" or "zscore").',
        ),
        "id": (
            "masukan belum diskalakan: nilai fitur yang besar atau sangat tidak seimbang mendorong "
            "neuron ke ujung datarnya dan membuat satu fitur mendominasi.",
            'normalisasi masukan ([data] normalize = "minmax" atau "zscore").',
        ),
    },
    "saturated": {
        "en": (
            "most hidden neurons are saturated: their net is so large that the derivative f' is "
            "almost 0, so their weights hardly change.",
            "start from smaller weights, normalise the inputs or lower the learning rate.",
        ),
        "id": (
            "sebagian besar neuron tersembunyi jenuh: net-nya sangat besar sehingga turunan f' "
            "hampir 0 dan bobotnya hampir tidak berubah.",
            "mulai dari bobot yang lebih kecil, normalisasi masukan, atau turunkan laju "
            "pembelajaran.",
        ),
    },
    "dead_relu": {
        "en": (
            "a ReLU neuron outputs 0 for every sample of an epoch: its f' is 0, so it no longer "
            "learns.",
            "lower the learning rate, start from other weights or use another hidden activation.",
        ),
        "id": (
            "sebuah neuron ReLU mengeluarkan 0 untuk semua pola dalam satu epoch: f'-nya 0, "
            "sehingga neuron itu tidak belajar lagi.",
            "turunkan laju pembelajaran, mulai dari bobot lain, atau pakai fungsi aktivasi lain "
            "di lapisan tersembunyi.",
        ),
    },
    "vanishing": {
        "en": (
            "the gradient vanishes: the first hidden layer's deltas are a thousand times smaller "
            "than the output layer's, so it barely learns.",
            "use an activation with a larger derivative in the hidden layers (tanh), or smaller "
            "starting weights.",
        ),
        "id": (
            "gradien menghilang: delta lapisan tersembunyi pertama seribu kali lebih kecil "
            "daripada delta lapisan keluaran, sehingga lapisan itu hampir tidak belajar.",
            "pakai fungsi aktivasi dengan turunan lebih besar di lapisan tersembunyi (tanh), atau "
            "bobot awal yang lebih kecil.",
        ),
    },
    "stuck": {
        "en": (
            "the training is stuck: the loss has stopped falling while the accuracy is no better "
            "than guessing.",
            "start from other random weights (a different [init] seed).",
        ),
        "id": (
            "pelatihan macet: galat berhenti turun sementara akurasinya tidak lebih baik daripada "
            "menebak.",
            "mulai dari bobot acak yang lain (seed [init] yang berbeda).",
        ),
    },
    "not_separable": {
        "en": (
            "the perceptron never converges: the weights at the end of an epoch come back to "
            "those of an earlier epoch, so training cycles for ever — no line separates the "
            "patterns (they are not linearly separable, as XOR).",
            "a single layer cannot learn these patterns: add a hidden layer (backpropagation), "
            "or change the data.",
        ),
        "id": (
            "perceptron tidak pernah konvergen: bobot di akhir suatu epoch kembali sama dengan "
            "bobot epoch sebelumnya, sehingga pelatihan berputar terus — tidak ada garis yang "
            "memisahkan pola-polanya (pola tidak terpisah secara linear, seperti XOR).",
            "satu lapisan tidak dapat mempelajari pola ini: tambahkan lapisan tersembunyi "
            "(propagasi balik), atau ubah datanya.",
        ),
    },
    "lr_too_low": {
        "en": (
            "the learning rate is too low: the weights barely move and the loss hardly falls.",
            "raise the learning rate.",
        ),
        "id": (
            "laju pembelajaran terlalu kecil: bobot hampir tidak bergerak dan galat hampir tidak "
            "turun.",
            "naikkan laju pembelajaran.",
        ),
    },
}

#: evidence lines; {cells} is filled with "Sheet!A1 label = value" items
EVIDENCE: dict[str, dict[str, str]] = {
    "en": {
        "diverged_at": "at epoch {epoch}, step {step} a value stopped being a finite number",
        "diverged_loss": "the loss reached {value} at epoch {epoch}: {cells}",
        "diverged_last": "the last epoch before it: {cells}",
        "target_range": "{cells} lies outside {act}'s range {range} ({n} target{n_s} outside)",
        "symmetric_start": "{a} and {b} start equal: {cells}",
        "symmetric_end": "after {epochs} epoch{epochs_s} they are still equal: {cells}",
        "linear_layer": "hidden layer {layer}: activation {act}",
        "rises": "the loss rose in {rises} of {n} epochs; the largest rise: {cells}",
        "ends_above": "the loss ended above where it started: {cells}",
        "unscaled_max": "the largest input: {cells}",
        "unscaled_ranges": "feature ranges from {lo} ({lo_name}) to {hi} ({hi_name}): {ratio}× "
        "apart",
        "saturated_share": "epoch {epoch}: {sat} of {n} unit-samples of hidden layer {layer} have "
        "|net| ≥ 5 ({share})",
        "saturated_max": "the largest: {cells}",
        "dead": "{unit} gives 0 for every sample from epoch {first} ({dead} of {epochs} epochs); "
        "its largest net in epoch {first} is {net}: {cells}",
        "vanishing": "epoch {epoch}: mean |δ| of hidden layer 1 is {hidden}, of the output layer "
        "{output} ({ratio} of it); e.g. {cells}",
        "stuck_loss": "over the last {k} epochs the loss changed by {change}: {cells}",
        "stuck_accuracy": "{cells}; guessing the most common target gives {chance}",
        "low_loss": "the loss fell by only {change} in {n} epochs: {cells}",
        "low_ratio": "median relative weight change per update ‖Δw‖/‖w‖ = {ratio}; last update: "
        "{cells}",
        "cycle_earlier": "the weights at the end of epoch {epoch}: {cells}",
        "cycle_later": "the same weights again at the end of epoch {epoch} (of {epochs}): {cells}",
    },
    "id": {
        "diverged_at": "pada epoch {epoch}, langkah {step} sebuah nilai tidak lagi bilangan hingga",
        "diverged_loss": "galat mencapai {value} pada epoch {epoch}: {cells}",
        "diverged_last": "epoch terakhir sebelumnya: {cells}",
        "target_range": "{cells} di luar rentang {act} {range} ({n} target di luar)",
        "symmetric_start": "{a} dan {b} berawal sama: {cells}",
        "symmetric_end": "setelah {epochs} epoch keduanya masih sama: {cells}",
        "linear_layer": "lapisan tersembunyi {layer}: fungsi aktivasi {act}",
        "rises": "galat naik pada {rises} dari {n} epoch; kenaikan terbesar: {cells}",
        "ends_above": "galat berakhir di atas nilai awalnya: {cells}",
        "unscaled_max": "masukan terbesar: {cells}",
        "unscaled_ranges": "rentang fitur dari {lo} ({lo_name}) sampai {hi} ({hi_name}): "
        "berbeda {ratio}×",
        "saturated_share": "epoch {epoch}: {sat} dari {n} pasangan neuron-pola di lapisan "
        "tersembunyi {layer} memiliki |net| ≥ 5 ({share})",
        "saturated_max": "yang terbesar: {cells}",
        "dead": "{unit} bernilai 0 untuk semua pola sejak epoch {first} ({dead} dari {epochs} "
        "epoch); net terbesarnya di epoch {first} adalah {net}: {cells}",
        "vanishing": "epoch {epoch}: rata-rata |δ| lapisan tersembunyi 1 adalah {hidden}, "
        "lapisan keluaran {output} ({ratio} darinya); mis. {cells}",
        "stuck_loss": "selama {k} epoch terakhir galat berubah {change}: {cells}",
        "stuck_accuracy": "{cells}; menebak target yang paling sering memberi {chance}",
        "low_loss": "galat hanya turun {change} dalam {n} epoch: {cells}",
        "low_ratio": "median perubahan bobot relatif per pembaruan ‖Δw‖/‖w‖ = {ratio}; "
        "pembaruan terakhir: {cells}",
        "cycle_earlier": "bobot di akhir epoch {epoch}: {cells}",
        "cycle_later": "bobot yang sama lagi di akhir epoch {epoch} (dari {epochs}): {cells}",
    },
}

#: the rerun variants' changes, as a phrase that completes "with …"
CHANGES: dict[str, dict[str, str]] = {
    "en": {
        "as_given": "as given",
        "lr": "learning_rate = {new} instead of {old}",
        "normalize": 'normalize = "{method}"',
        "random_init": "random initial weights (uniform{interval}, seed {seed})",
        "nguyen_widrow": "Nguyen–Widrow initial weights (seed {seed})",
        "hidden_activation": "{act} in the hidden layers",
        "output_activation": "{act} as the output activation",
        "scale_targets": "targets scaled into {interval}",
        "momentum": "momentum = {mu}",
        "bipolar": "bipolar targets (−1/1) with a bipolar sigmoid",
        "hidden_layer": "a hidden layer of {h} tanh units ({sizes}, backpropagation by "
        "Fausett's rule, α = {lr})",
    },
    "id": {
        "as_given": "seperti diberikan",
        "lr": "laju pembelajaran = {new}, bukan {old}",
        "normalize": 'normalize = "{method}"',
        "random_init": "bobot awal acak (uniform{interval}, seed {seed})",
        "nguyen_widrow": "bobot awal Nguyen–Widrow (seed {seed})",
        "hidden_activation": "{act} di lapisan tersembunyi",
        "output_activation": "{act} sebagai fungsi aktivasi keluaran",
        "scale_targets": "target diskalakan ke {interval}",
        "momentum": "momentum = {mu}",
        "bipolar": "target bipolar (−1/1) dengan sigmoid bipolar",
        "hidden_layer": "lapisan tersembunyi {h} unit tanh ({sizes}, propagasi balik dengan "
        "aturan Fausett, α = {lr})",
    },
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "healthy": "nnsheet doctor: {title}: no finding in {epochs} epoch{epochs_s} (final loss "
        "{loss}{acc})",
        "found": "nnsheet doctor: {title}: {n} finding{n_s}{order} ({epochs} epoch{epochs_s}, "
        "final loss {loss}{acc})",
        "worst_first": ", worst first",
        "acc": ", accuracy {acc}",
        "evidence": "evidence",
        "advice": "advice",
        "reruns": "reruns ({epochs} epoch{epochs_s}; target: loss ≤ {target})",
        "proven_reach": "with {change} the loss falls below {target} by epoch {epoch}{acc}",
        "proven_better": "with {change} the loss ends at {loss} instead of {orig}{acc}",
        "proven_acc": " (accuracy {acc} instead of {orig})",
        "proven_none": "none of these changes brought the loss below {orig} within {epochs} "
        "epoch{epochs_s}",
        "change": "change",
        "final_loss": "final loss",
        "accuracy": "accuracy",
        "reached": "target reached at epoch",
        "never": "—",
        "sheet": "Diagnosis",
        "curves_title": "Loss per epoch of each rerun (the original in red)",
        "epoch": "epoch",
        "loss": "loss",
        "original": "original",
        "title": "nnsheet doctor: {title}",
        "nothing": "No finding: the training looks healthy.",
        "doctor_hint": "note: the training {what}; ask why with: nnsheet doctor {args}",
        "hint_stuck": "is stuck",
        "hint_diverged": "diverged",
        "hint_saturated": "ended with most hidden neurons saturated",
        "high": "high",
        "medium": "medium",
        "low": "low",
        "wrote": "wrote {path}",
    },
    "id": {
        "healthy": "nnsheet doctor: {title}: tidak ada temuan dalam {epochs} epoch (galat akhir "
        "{loss}{acc})",
        "found": "nnsheet doctor: {title}: {n} temuan{order} ({epochs} epoch, galat akhir "
        "{loss}{acc})",
        "worst_first": ", yang terberat dahulu",
        "acc": ", akurasi {acc}",
        "evidence": "bukti",
        "advice": "saran",
        "reruns": "pelatihan ulang ({epochs} epoch; target: galat ≤ {target})",
        "proven_reach": "dengan {change}, galat turun di bawah {target} pada epoch {epoch}{acc}",
        "proven_better": "dengan {change}, galat berakhir di {loss}, bukan {orig}{acc}",
        "proven_acc": " (akurasi {acc}, bukan {orig})",
        "proven_none": "tidak satu pun perubahan ini menurunkan galat di bawah {orig} dalam "
        "{epochs} epoch",
        "change": "perubahan",
        "final_loss": "galat akhir",
        "accuracy": "akurasi",
        "reached": "target tercapai pada epoch",
        "never": "—",
        "sheet": "Diagnosa",
        "curves_title": "Loss per epoch setiap pelatihan ulang (aslinya merah)",
        "epoch": "epoch",
        "loss": "galat",
        "original": "asli",
        "title": "nnsheet doctor: {title}",
        "nothing": "Tidak ada temuan: pelatihan tampak sehat.",
        "doctor_hint": "catatan: pelatihan {what}; cari tahu sebabnya dengan: nnsheet doctor "
        "{args}",
        "hint_stuck": "macet",
        "hint_diverged": "meledak (divergen)",
        "hint_saturated": "berakhir dengan sebagian besar neuron tersembunyi jenuh",
        "high": "berat",
        "medium": "sedang",
        "low": "ringan",
        "wrote": "menulis {path}",
    },
}


def text(key: str, lang: str, **fields: object) -> str:
    """``TEXT[lang][key]`` filled in; ``{x_s}`` is the English plural ending of a count ``x``,
    and counts are written with thousands separated."""
    ints = {k: count(v, lang) for k, v in fields.items() if type(v) is int}
    return _fill(TEXT[lang][key], {**fields, **ints}, fields)


def evidence(key: str, lang: str, **fields: object) -> str:
    return _fill(EVIDENCE[lang][key], fields)


def change(key: str, lang: str, **fields: object) -> str:
    return _fill(CHANGES[lang][key], fields)


def _fill(template: str, fields: dict[str, object], counts: dict[str, object] | None = None) -> str:
    counts = fields if counts is None else counts
    plurals = {f"{k}_s": "" if v == 1 else "s" for k, v in counts.items() if isinstance(v, int)}
    return template.format(**{**plurals, **fields})


def num(value: float, lang: str, digits: int = 4) -> str:
    """A number as the report shows it: rounded to ``digits`` significant digits (0.3207,
    9.631e-05), then written as every sentence writes numbers (:func:`.numbers.number_text`:
    a decimal comma in Indonesian, no thousands separator)."""
    if math.isfinite(value) and value != 0:
        value = float(f"{value:.{digits - 1}e}")
    return number_text(value, lang)


def count(n: int, lang: str) -> str:
    """A whole number (2140 in either language: no thousands separator, see numbers.py)."""
    return number_text(int(n), lang)


def percent(share: float, lang: str) -> str:
    """A share as a percentage, three significant digits: 50%, 96,7%, 0,000299%."""
    return num(100 * share, lang, 3) + "%"


def interval(low: float, high: float, lang: str) -> str:
    """``(low, high)``; ``(low; high)`` in Indonesian, whose comma is the decimal mark."""
    return interval_text(float(num(low, "en")), float(num(high, "en")), lang)
