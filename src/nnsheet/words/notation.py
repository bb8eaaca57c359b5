"""Symbols and words shown to users: headers, labels, the Guide (design.md §1 notation).

A :class:`Notation` names every quantity of the trace in one place, so the workbook headers, the
Setup tables, the Guide's formulas, the table's ``label`` column and the grader's explanations
always use the same symbols. Indices shown are 1-based. Four notations (``spec.notation``):

``course`` (:class:`Notation`, the default)
    ``x1`` inputs, ``O1`` hidden outputs, ``y'1`` outputs, ``t1`` targets; ``w1,2`` the weight into
    hidden neuron 1 from input 2, ``wo2,1`` into output 2 from hidden 1; biases ``b1``, ``bo1``;
    ``net O1``; errors ``e1``; the errors sent back ``eo1`` / ``eh1``; ``f'O1``; ``δO1``; ``lr``.
``fausett`` (:class:`FausettNotation`, Fausett's *Fundamentals of Neural Networks*)
    ``x1`` inputs, ``z1`` hidden units, ``y1`` outputs, ``t1`` targets; ``v12`` the weight from
    ``x1`` to ``z2`` (first index = sending, second = receiving), ``w12`` from ``z1`` to ``y2``;
    biases ``v01``, ``w01``; net inputs ``z_in1``, ``y_in1``; error ``t1−y1``; output error sent
    back ``err_k1``, hidden ``δ_in_j1``; ``f'(z_in1)``; deltas ``δ_k1`` (output) and ``δ_j1``
    (hidden); ``Δv12``; ``v12(new)``; ``α``. Setup weight tables are transposed ("Dari \\ Ke"):
    one row per sending unit, the bias row ``1`` first, one column per receiving unit.
``siang`` (:class:`SiangNotation`, J.J. Siang's *Jaringan Syaraf Tiruan & Pemrogramannya*)
    Fausett's units and signs with the receiving index first: ``v12`` into ``z1`` from ``x2``,
    ``w13`` into ``y1`` from ``z3``, biases ``v10``, ``w10``; ``z_net1``, ``y_net1``; hidden error
    ``δ_net1``; ``f'(z_net1)``. Setup tables: rows ``x1``, ``x2``, … then ``1`` (the biases).
``mazur`` (:class:`MazurNotation`, Matt Mazur's *A Step by Step Backpropagation Example*)
    ``i1`` inputs, ``out_h1`` / ``net_h1`` hidden, ``out_o1`` / ``net_o1`` outputs, ``target_o1``;
    weights numbered ``w1``…``wN`` through the network layer by layer, within a layer neuron by
    neuron (row-major, as on the Steps sheet); biases ``b1.1`` (layer 1, neuron 1 — Mazur has one
    bias per layer, nnsheet one per neuron); ``e_o1``; ``E_total``; ``∂E/∂out_o1``;
    ``∂out_o1/∂net_o1``; ``δ_o1``; ``∂E/∂w5``; ``Δw5``; ``w5⁺``; ``η``.

Deeper networks: every notation puts the hidden layer's number first when there is more than one
hidden layer (``O2.1``, ``z2.1`` / ``v2.13``, ``h2.1``), as the course does.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.engine import EpochRecord
from ..core.ops import LOSSES, RULES, hidden_error_rule
from ..core.spec import Spec
from .numbers import interval_text, number_text

#: words in English and Indonesian; keys are the English words' ids
WORDS: dict[str, dict[str, str]] = {
    "band.step": {"en": "step", "id": "langkah"},
    "band.data": {"en": "inputs and targets", "id": "masukan dan target"},
    "band.weights": {"en": "weights and biases in use", "id": "bobot dan bias yang dipakai"},
    "band.forward": {"en": "forward pass", "id": "propagasi maju"},
    "band.errors": {"en": "errors and loss", "id": "galat dan fungsi galat"},
    "band.backward": {"en": "backward pass", "id": "propagasi mundur"},
    "band.gradients": {"en": "gradients and changes", "id": "gradien dan perubahan"},
    # the same band with the book's columns (no ∂ columns, only the changes Δ)
    "band.changes": {"en": "changes", "id": "perubahan bobot"},
    "band.new": {"en": "new weights and biases", "id": "bobot dan bias baru"},
    "epoch": {"en": "epoch", "id": "epoch"},
    "step": {"en": "step", "id": "langkah"},
    "sample": {"en": "sample", "id": "pola"},  # Fausett's training pattern, "pola" in JST books
    "update": {"en": "update", "id": "pembaruan"},
    "correct": {"en": "correct", "id": "benar"},
    "loss": {"en": "loss", "id": "galat"},
    "accuracy": {"en": "accuracy", "id": "akurasi"},
    "new": {"en": "new", "id": "baru"},
    "learning_rate": {"en": "learning rate", "id": "laju pembelajaran"},
    "momentum": {"en": "momentum", "id": "momentum"},
    "loss_function": {"en": "loss", "id": "fungsi galat"},
    "old": {"en": "old", "id": "lama"},
    "nw_caption": {
        "en": "Nguyen–Widrow (layer {l}): {v}({old}) drawn uniform in [−{half}, {half}]; "
        "‖{v}_j‖ = √(Σ_i {v}({old})²) over the weights into unit j; β = {c}·p^(1/n) = "
        "{c}·{p}^(1/{n}); the weights above are {v} = β·{v}({old})/‖{v}_j‖; biases drawn "
        "uniform in [−β, β]",
        "id": "Nguyen–Widrow (lapisan {l}): {v}({old}) diacak seragam dalam [−{half}; {half}]; "
        "‖{v}_j‖ = √(Σ_i {v}({old})²) atas bobot yang masuk ke unit j; β = {c}·p^(1/n) = "
        "{c}·{p}^(1/{n}); bobot di atas adalah {v} = β·{v}({old})/‖{v}_j‖; bias diacak "
        "seragam dalam [−β; β]",
    },
    "stop.reached": {
        "en": "Training stopped at epoch {epoch}: its loss {sym} = {loss} ≤ target_loss {target}.",
        "id": "Pelatihan berhenti pada epoch {epoch}: galatnya {sym} = {loss} ≤ target_loss "
        "{target}.",
    },
    "stop.not_reached": {
        "en": "target_loss {target} not reached: after the last epoch ({epoch}) the loss is "
        "{sym} = {loss}.",
        "id": "target_loss {target} tidak tercapai: setelah epoch terakhir ({epoch}) galatnya "
        "{sym} = {loss}.",
    },
    # ---- the single-layer rules (design.md §12)
    "updated": {"en": "updated", "id": "berubah"},
    "epoch_updates": {"en": "updates", "id": "perubahan"},
    "max_change": {"en": "largest |Δ|", "id": "|Δ| terbesar"},
    "match": {"en": "match", "id": "cocok"},
    "tolerance": {"en": "tolerance", "id": "toleransi"},
    "test": {
        "en": "Test: the trained weights on every pattern",
        "id": "Uji: bobot hasil pelatihan pada setiap pola",
    },
    "epochs_single": {"en": "epochs", "id": "epoch"},
    "stop.pass": {
        "en": "The Hebb rule makes one pass over the patterns (epoch {epoch}).",
        "id": "Aturan Hebb melewati semua pola satu kali (epoch {epoch}).",
    },
    "stop.no_change": {
        "en": "Training stopped at epoch {epoch}: no weight changed in it (y = t for every "
        "pattern).",
        "id": "Pelatihan berhenti pada epoch {epoch}: tidak ada bobot yang berubah (y = t untuk "
        "setiap pola).",
    },
    "stop.cycle": {
        "en": "Not converged after epoch {epoch}: the weights at the end of epoch {later} equal "
        "those at the end of epoch {earlier}, so training cycles and never stops (the patterns "
        "are not linearly separable).",
        "id": "Tidak konvergen setelah epoch {epoch}: bobot di akhir epoch {later} sama dengan "
        "bobot di akhir epoch {earlier}, jadi pelatihan berputar dan tidak pernah berhenti "
        "(pola tidak terpisah secara linear).",
    },
    "stop.no_convergence": {
        "en": "Not converged: weights still changed in the last epoch ({epoch}).",
        "id": "Belum konvergen: bobot masih berubah pada epoch terakhir ({epoch}).",
    },
    "stop.tolerance": {
        "en": "Training stopped at epoch {epoch}: its largest |Δ| = {value} < tolerance {tol}.",
        "id": "Pelatihan berhenti pada epoch {epoch}: |Δ| terbesarnya = {value} < toleransi {tol}.",
    },
    "stop.tolerance_not_reached": {
        "en": "tolerance {tol} not reached: after the last epoch ({epoch}) the largest |Δ| = "
        "{value}.",
        "id": "toleransi {tol} tidak tercapai: setelah epoch terakhir ({epoch}) |Δ| terbesar = "
        "{value}.",
    },
    "weights": {"en": "weights", "id": "bobot"},
    "bias": {"en": "bias", "id": "bias"},
    "from": {"en": "from", "id": "dari"},
    "to": {"en": "to", "id": "ke"},
    "layer": {"en": "layer", "id": "lapisan"},
    "rows": {"en": "rows", "id": "baris"},
    "columns": {"en": "columns", "id": "kolom"},
    "data": {"en": "data set", "id": "data latih"},
    "eg": {"en": "e.g.", "id": "mis."},
    "settings": {"en": "settings", "id": "pengaturan"},
    "givens": {"en": "givens", "id": "yang diketahui"},
    "epoch_loss": {
        "en": "loss (mean over the epoch's samples)",
        "id": "galat (rata-rata semua pola)",
    },
    "shift": {"en": "shift", "id": "geser"},
    "scale": {"en": "scale", "id": "skala"},
    "page": {"en": "Page", "id": "Halaman"},
    "of": {"en": "of", "id": "dari"},
    "sample_loss": {"en": "loss per sample (epoch 1)", "id": "galat per pola (epoch 1)"},
}


def word(key: str, lang: str = "en") -> str:
    return WORDS[key][lang]


@dataclass(frozen=True)
class SheetNames:
    """The workbook's sheet names in one language (letters only: no quoting in formulas)."""

    guide: str
    setup: str
    steps: str
    epochs: str
    exercise: str
    grades: str


#: sheet names as Indonesian JST courses write them: the givens are the algorithm's
#: "Inisialisasi" (initial weights, α, data), each training step a "Langkah"
SHEET_NAMES: dict[str, SheetNames] = {
    "en": SheetNames("Guide", "Setup", "Steps", "Epochs", "Exercise", "Grades"),
    "id": SheetNames("Panduan", "Inisialisasi", "Langkah", "Epoch", "Petunjuk", "Nilai"),
}


def sheet_names(lang: str = "en") -> SheetNames:
    return SHEET_NAMES[lang]


#: Setup's settings: labels (the spec's keys in English) and the words of their values
SETTING_LABELS: dict[str, dict[str, str]] = {
    "id": {
        "preset": "preset",
        "rule": "aturan",
        "hidden_error": "galat lapisan tersembunyi",
        "loss": "fungsi galat",
        "mode": "mode pelatihan",
        "epochs": "jumlah epoch",
        "update_biases": "bias diperbarui",
        "round": "pembulatan",
        "activations": "fungsi aktivasi",
        "layer sizes": "arsitektur (unit per lapisan)",
        "init": "bobot awal acak",
        "normalize": "normalisasi",
        "target_loss": "target galat (berhenti bila galat epoch ≤ ini)",
        "theta": "ambang",
        "tolerance": "toleransi (berhenti bila |Δ| terbesar < ini)",
    },
}
SETTING_VALUES: dict[str, dict[str, str]] = {
    "id": {
        "true": "ya",
        "false": "tidak",
        "none": "tidak ada",
        "online": "online (bobot diperbarui tiap pola)",
        "batch": "batch (bobot diperbarui tiap epoch)",
        "error": "error (propagasi balik galat)",
        "gradient": "gradient (gradien eksak)",
        "transpose": "transpose (galat mentah lewat bobot)",
        "proportional": "proportional (galat dibagi sebanding bobot)",
        "delta": "delta (δ lapisan berikutnya lewat bobot)",
        "mse": "mse (rata-rata kuadrat galat)",
        "half_sse": "half_sse (½ jumlah kuadrat galat)",
        "sse": "sse (jumlah kuadrat galat)",
        "hebb": "hebb (aturan Hebb)",
        "perceptron": "perceptron (Fausett, dengan ambang θ)",
        "adaline": "adaline (aturan delta)",
        "minmax": "minmax",
        "zscore": "zscore",
    },
}


def setting_label(key: str, lang: str = "en") -> str:
    return SETTING_LABELS.get(lang, {}).get(key, key)


def setting_value(key: str, value: object, lang: str = "en") -> object:
    """A Setup setting's value in ``lang``: keywords get their meaning beside them."""
    if lang == "en" or not isinstance(value, str):
        return value
    if key == "mode" and value.isdigit():
        return f"mini-batch {value} (bobot diperbarui tiap {value} pola)"
    if key == "init" and value.endswith(", nguyen-widrow"):
        return value.replace("nguyen-widrow", "Nguyen–Widrow")
    if key == "init" and value.startswith("seed "):
        seed, _, rest = value.partition(", ")
        bounds = rest.removeprefix("uniform(").removesuffix(")").split(", ")
        try:  # the bounds as an Indonesian interval: (-0,5; 0,5)
            rest = interval_text(float(bounds[0]), float(bounds[1]), lang)
        except (ValueError, IndexError):
            rest = rest.removeprefix("uniform")
        return f"{seed}, acak seragam {rest}"
    return SETTING_VALUES.get(lang, {}).get(value, value)


#: the Guide's notation section, per notation and language (``{…}`` filled by the notation)
NOTATION_TEXT: dict[str, dict[str, dict[str, str]]] = {
    "course": {
        "en": {
            "intro": "The course's notation.",
            "units": "x1, x2, … inputs;  t1, … targets;  y'1, … outputs (y aksen);  O1, … hidden "
            "outputs",
            "weights": "w j,i: weight into hidden neuron j from input i;  wo j,i: into output j "
            "from hidden i;  b j, bo j: biases. Setup tables: one row per receiving "
            "neuron (“to”), one column per sending neuron (“from”), the bias beside.",
            "others": "net …: the weighted sum z;  e k: error t − y';  eo/eh: the error sent back "
            "(output/hidden);  f'…: derivative;  δ…: delta;  ∂w: gradient;  Δw: change;"
            "  w … new: updated weight;  lr: learning rate",
            "deep": "With several hidden layers the layer number comes first: O2.1 is neuron 1 "
            "of hidden layer 2 and w2.1,3 the weight into it from neuron 3 of layer 1.",
        },
        "id": {
            "intro": "Notasi mata kuliah.",
            "units": "x1, x2, … masukan;  t1, … target;  y'1, … keluaran (y aksen);  O1, … "
            "keluaran lapisan tersembunyi",
            "weights": "w j,i: bobot ke neuron tersembunyi j dari masukan i;  wo j,i: ke keluaran "
            "j dari neuron tersembunyi i;  b j, bo j: bias. Tabel di lembar {setup}: "
            "satu baris per neuron penerima (“ke”), satu kolom per neuron pengirim "
            "(“dari”), bias di sampingnya.",
            "others": "net …: jumlah berbobot z;  e k: galat t − y';  eo/eh: galat yang dikirim "
            "balik (keluaran/tersembunyi);  f'…: turunan;  δ…: delta;  ∂w: gradien;  "
            "Δw: perubahan;  w … baru: bobot baru;  lr: laju pembelajaran",
            "deep": "Dengan beberapa lapisan tersembunyi nomor lapisan ditulis dulu: O2.1 adalah "
            "neuron 1 lapisan tersembunyi 2 dan w2.1,3 bobot ke sana dari neuron 3 "
            "lapisan 1.",
        },
    },
    "fausett": {
        "en": {
            "intro": "Fausett's notation (Fundamentals of Neural Networks).",
            "units": "x1, x2, … input units;  z1, … hidden units;  y1, … output units;  t1, … "
            "targets",
            "weights": "v ij: weight from input x_i to hidden unit z_j (first index = sending, "
            "second = receiving: v12 goes from x1 to z2);  v0j: bias of z_j;  w jk: "
            "weight from z_j to output y_k;  w0k: bias of y_k. When an index reaches "
            "10 the two are separated by a comma (v1,12). Setup tables are written "
            "“From \\ To”: one row per sending unit (the first row, “1”, holds the "
            "biases v0j / w0k), one column per receiving unit.",
            "others": "z_in j, y_in k: net input;  t k−y k: error;  err_k: the output error sent "
            "back;  δ_in_j: the error sent back to hidden unit z_j;  f'(…): "
            "derivative;  δ_k, δ_j: the deltas of output and hidden units (δ_k1 is δ_k "
            "of y1, δ_j2 is δ_j of z2);  ∂v: gradient;  Δv, Δw: change;  v(new): "
            "updated weight;  α: learning rate",
            "deep": "With several hidden layers the hidden layer's number comes first: z2.1 is "
            "unit 1 of hidden layer 2, v2.13 the weight into z2.3 from z1.1 and v2.03 "
            "its bias; the weights into the output units are w jk from the last hidden "
            "layer.",
            "single": "Without a hidden layer the weights are w ik from x_i to y_k, biases w0k.",
        },
        "id": {
            "intro": "Notasi Fausett (Fundamentals of Neural Networks).",
            "units": "x1, x2, … unit masukan;  z1, … unit tersembunyi;  y1, … unit keluaran;  "
            "t1, … target",
            "weights": "v ij: bobot dari masukan x_i ke unit tersembunyi z_j (indeks pertama = "
            "pengirim, kedua = penerima: v12 dari x1 ke z2);  v0j: bias z_j;  w jk: "
            "bobot dari z_j ke keluaran y_k;  w0k: bias y_k. Bila indeks mencapai 10 "
            "keduanya dipisah koma (v1,12). Tabel di lembar {setup} ditulis “Dari \\ "
            "Ke”: satu baris per unit pengirim (baris pertama, “1”, berisi bias v0j / "
            "w0k), satu kolom per unit penerima.",
            "others": "z_in j, y_in k: masukan bersih (net);  t k−y k: galat;  err_k: galat "
            "keluaran yang dikirim balik;  δ_in_j: galat yang dikirim balik ke unit "
            "tersembunyi z_j;  f'(…): turunan;  δ_k, δ_j: delta unit keluaran dan "
            "tersembunyi (δ_k1 adalah δ_k dari y1, δ_j2 adalah δ_j dari z2);  ∂v: "
            "gradien;  Δv, Δw: perubahan;  v(baru): bobot baru;  α: laju pembelajaran",
            "deep": "Dengan beberapa lapisan tersembunyi nomor lapisan ditulis dulu: z2.1 adalah "
            "unit 1 lapisan tersembunyi 2, v2.13 bobot ke z2.3 dari z1.1 dan v2.03 "
            "biasnya; bobot ke unit keluaran tetap w jk dari lapisan tersembunyi "
            "terakhir.",
            "single": "Tanpa lapisan tersembunyi bobotnya w ik dari x_i ke y_k, bias w0k.",
        },
    },
    "siang": {
        "en": {
            "intro": "J.J. Siang's notation (Jaringan Syaraf Tiruan & Pemrogramannya "
            "Menggunakan Matlab).",
            "units": "x1, x2, … input units;  z1, … hidden units;  y1, … output units;  t1, … "
            "targets",
            "weights": "v ji: weight into hidden unit z_j from input x_i (first index = "
            "receiving, second = sending: v12 goes into z1 from x2);  v j0: bias of z_j;  "
            "w kj: weight into output y_k from z_j;  w k0: bias of y_k. When an index "
            "reaches 10 the two are separated by a comma (v12,1). Setup tables as in "
            "the book: one row per sending unit (x1, x2, …, then the row “1” with the "
            "biases), one column per receiving unit.",
            "others": "z_net j, y_net k: net input;  t k−y k: error;  err_k: the output error "
            "sent back;  δ_net j: the error sent back to hidden unit z_j;  f'(…): "
            "derivative;  δ_k, δ_j: the deltas of output and hidden units (δ_k1 is δ_k "
            "of y1, δ_j2 is δ_j of z2);  ∂v: gradient;  Δv, Δw: change;  v(new): "
            "updated weight;  α: learning rate",
            "deep": "With several hidden layers the hidden layer's number comes first: z2.1 is "
            "unit 1 of hidden layer 2, v2.31 the weight into z2.3 from z1.1 and v2.30 "
            "its bias; the weights into the output units are w kj from the last hidden "
            "layer.",
            "single": "Without a hidden layer the weights are w ki into y_k from x_i, biases w k0.",
        },
        "id": {
            "intro": "Notasi J.J. Siang (Jaringan Syaraf Tiruan & Pemrogramannya Menggunakan "
            "Matlab).",
            "units": "x1, x2, … unit masukan;  z1, … unit tersembunyi;  y1, … unit keluaran;  "
            "t1, … target",
            "weights": "v ji: bobot ke unit tersembunyi z_j dari masukan x_i (indeks pertama = "
            "penerima, kedua = pengirim: v12 ke z1 dari x2);  v j0: bias z_j;  w kj: "
            "bobot ke keluaran y_k dari z_j;  w k0: bias y_k. Bila indeks mencapai 10 "
            "keduanya dipisah koma (v12,1). Tabel di lembar {setup} seperti di buku: "
            "satu baris per unit pengirim (x1, x2, …, lalu baris “1” berisi bias), satu "
            "kolom per unit penerima.",
            "others": "z_net j, y_net k: masukan bersih (net);  t k−y k: galat;  err_k: galat "
            "keluaran yang dikirim balik;  δ_net j: galat yang dikirim balik ke unit "
            "tersembunyi z_j;  f'(…): turunan;  δ_k, δ_j: delta unit keluaran dan "
            "tersembunyi (δ_k1 adalah δ_k dari y1, δ_j2 adalah δ_j dari z2);  ∂v: "
            "gradien;  Δv, Δw: perubahan;  v(baru): bobot baru;  α: laju pembelajaran",
            "deep": "Dengan beberapa lapisan tersembunyi nomor lapisan ditulis dulu: z2.1 adalah "
            "unit 1 lapisan tersembunyi 2, v2.31 bobot ke z2.3 dari z1.1 dan v2.30 "
            "biasnya; bobot ke unit keluaran tetap w kj dari lapisan tersembunyi "
            "terakhir.",
            "single": "Tanpa lapisan tersembunyi bobotnya w ki ke y_k dari x_i, bias w k0.",
        },
    },
    "mazur": {
        "en": {
            "intro": "Matt Mazur's notation (A Step by Step Backpropagation Example).",
            "units": "i1, i2, … inputs;  h1, … hidden neurons;  o1, … outputs;  net_h1, out_h1: "
            "the net input and the output of h1 (net_o1, out_o1 for o1);  target_o1: "
            "target",
            "weights": "w1, w2, …: every weight has one number, counted through the network "
            "layer by layer and, within a layer, neuron by neuron (first the weights "
            "into h1 from i1, i2, …, then into h2, …; then into o1, …). Mazur has one "
            "bias per layer (b1, b2); nnsheet has one per neuron: b1.1, b1.2 are the "
            "biases of h1, h2 (Mazur's b1), b2.1, b2.2 those of o1, o2 (Mazur's b2). "
            "Setup tables: one row per receiving neuron (“to”), one column per sending "
            "neuron (“from”), the bias beside.",
            "others": "e_o1: error target_o1 − out_o1;  E_total: loss;  ∂E/∂out_o1, ∂E/∂out_h1: "
            "the error sent back (∂E_total/∂out);  ∂out/∂net: derivative;  δ_o1, δ_h1: "
            "delta;  ∂E/∂w5: gradient;  Δw5: change;  w5⁺: updated weight;  η: "
            "learning rate",
            "deep": "With several hidden layers the hidden layer's number comes first: h2.1 is "
            "neuron 1 of hidden layer 2; the weights keep one running number.",
        },
        "id": {
            "intro": "Notasi Matt Mazur (A Step by Step Backpropagation Example).",
            "units": "i1, i2, … masukan;  h1, … neuron tersembunyi;  o1, … keluaran;  net_h1, "
            "out_h1: masukan bersih dan keluaran h1 (net_o1, out_o1 untuk o1);  "
            "target_o1: target",
            "weights": "w1, w2, …: setiap bobot bernomor, dihitung lapisan demi lapisan dan, di "
            "dalam lapisan, neuron demi neuron (mula-mula bobot ke h1 dari i1, i2, …, "
            "lalu ke h2, …; lalu ke o1, …). Mazur memakai satu bias per lapisan (b1, "
            "b2); nnsheet satu per neuron: b1.1, b1.2 adalah bias h1, h2 (b1 Mazur), "
            "b2.1, b2.2 bias o1, o2 (b2 Mazur). Tabel di lembar {setup}: satu baris "
            "per neuron penerima (“ke”), satu kolom per neuron pengirim (“dari”), bias "
            "di sampingnya.",
            "others": "e_o1: galat target_o1 − out_o1;  E_total: fungsi galat;  "
            "∂E/∂out_o1, ∂E/∂out_h1: "
            "galat yang dikirim balik (∂E_total/∂out);  ∂out/∂net: turunan;  δ_o1, "
            "δ_h1: delta;  ∂E/∂w5: gradien;  Δw5: perubahan;  w5⁺: bobot baru;  η: "
            "laju pembelajaran",
            "deep": "Dengan beberapa lapisan tersembunyi nomor lapisan ditulis dulu: h2.1 adalah "
            "neuron 1 lapisan tersembunyi 2; bobot tetap bernomor urut.",
        },
    },
}


ORIENTATION_TEXT = {
    False: {
        "en": "rows = receiving neuron, columns = sending neuron, the bias column beside",
        "id": "baris = neuron penerima, kolom = neuron pengirim, kolom bias di sampingnya",
    },
    True: {
        "en": "rows = sending unit with the bias row “1” first, columns = receiving unit",
        "id": "baris = unit pengirim dengan baris bias “1” paling atas, kolom = unit penerima",
    },
}


class Notation:
    """Course notation (design.md §1): ``w{j},{i}`` into the hidden layer, ``wo{j},{i}`` into the
    output layer, hidden outputs ``O{j}``, outputs ``y'{k}``, errors ``e{k}``, hidden errors
    ``eh{j}``. With more than one hidden layer the hidden layer number is prefixed:
    ``O2.1`` is neuron 1 of hidden layer 2, ``w2.1,3`` the weight into it from neuron 3 of layer 1.

    Subclasses (other notations) override the small pieces below; :meth:`symbol` assembles them.
    """

    name = "course"
    #: Setup weight tables: False = rows are receiving neurons (bias column beside);
    #: True = rows are sending neurons with the bias row "1" first, columns receiving neurons
    transposed = False
    #: transposed tables only: the bias row "1" last (Siang's), not first (Fausett's)
    bias_last = False
    lr_symbol = "lr"
    #: the error of output k, written generically (the Guide's loss formulas)
    generic_error = "e_k"
    #: an output, written generically (the Guide's accuracy rule)
    generic_output = "y'"

    def __init__(self, spec: Spec, lang: str = "en") -> None:
        self.L = spec.n_layers
        self.sizes = spec.sizes
        self.loss = spec.loss
        self.lang = lang
        # the single-layer rules, like the book's columns, have only the changes Δ (no ∂)
        self.book_columns = getattr(spec, "book_columns", False) or spec.single
        self.sheets = sheet_names(lang)

    def word(self, key: str) -> str:
        if key == "band.gradients" and self.book_columns:
            key = "band.changes"  # the book's columns: the band holds only the changes
        return word(key, self.lang)

    def setting_label(self, key: str) -> str:
        """A setting's label in this notation's language (the spec's key in English)."""
        return setting_label(key, self.lang)

    def beta_label(self, p: int, n: int) -> str:
        """The Setup label of Nguyen–Widrow's β for p units with n inputs."""
        return f"β = {self.number(0.7)}·{p}^(1/{n})"

    def nw_caption(self, layer: int, p: int, n: int) -> str:
        """The caption of a layer's Nguyen–Widrow work on Setup."""
        v = self.weight_name(layer)
        return self.word("nw_caption").format(
            l=layer, v=v, old=self.word("old"), p=p, n=n, half=self.number(0.5), c=self.number(0.7)
        )

    def number(self, x: float) -> str:
        """A number in a sentence: 6 significant digits, a decimal comma in Indonesian."""
        return number_text(float(x), self.lang)

    def stop_note(
        self, ep: EpochRecord, spec: Spec, cycle: tuple[int, int] | None = None
    ) -> str | None:
        """With ``target_loss``: on the epoch training stopped at, where and why (it reached
        the target, or the last epoch did not); else None. A single-layer rule: why it stopped
        (or, at the last epoch, that it did not; ``cycle`` = (later, earlier) epochs whose
        end-of-epoch weights are equal)."""
        if spec.single:
            return self._single_stop_note(ep, spec, cycle)
        if ep.reached is None or not (ep.reached or ep.epoch == spec.epochs):
            return None
        key = "stop.reached" if ep.reached else "stop.not_reached"
        return self.word(key).format(
            epoch=ep.epoch,
            loss=self.number(ep.loss),
            target=self.number(spec.target_loss),  # type: ignore[arg-type]
            sym=LOSSES[spec.loss].symbol,
        )

    def _single_stop_note(
        self, ep: EpochRecord, spec: Spec, cycle: tuple[int, int] | None
    ) -> str | None:
        if ep.stop == "tolerance":
            return self.word("stop.tolerance").format(
                epoch=ep.epoch,
                value=self.number(ep.max_change),  # type: ignore[arg-type]
                tol=self.number(spec.tolerance),  # type: ignore[arg-type]
            )
        if ep.stop is not None:
            return self.word("stop." + ep.stop).format(epoch=ep.epoch)
        if ep.epoch != spec.epochs:
            return None
        if cycle is not None:
            later, earlier = cycle
            return self.word("stop.cycle").format(epoch=ep.epoch, later=later, earlier=earlier)
        if spec.rule == "adaline" and spec.tolerance is not None:
            return self.word("stop.tolerance_not_reached").format(
                epoch=ep.epoch,
                value=self.number(ep.max_change),  # type: ignore[arg-type]
                tol=self.number(spec.tolerance),
            )
        if spec.rule == "perceptron":
            return self.word("stop.no_convergence").format(epoch=ep.epoch)
        return None

    # ---- pieces
    def _hidden_prefix(self, layer: int) -> str:
        return "" if self.L <= 2 else f"{layer}."

    def neuron(self, layer: int, j: int) -> str:
        """The output of neuron j (0-based) of layer (0 = inputs)."""
        if layer == 0:
            return f"x{j + 1}"
        if layer == self.L:
            return f"y'{j + 1}"
        return f"O{self._hidden_prefix(layer)}{j + 1}"

    def unit(self, layer: int, j: int) -> str:
        """The neuron's name in the Setup tables' "from"/"to" headers."""
        return self.neuron(layer, j)

    def layer_name(self, layer: int) -> str:
        """The neurons of a layer as a group (Guide, Setup captions), e.g. ``O…``."""
        return self.unit(layer, 0).removesuffix("1") + "…"

    def net(self, layer: int, j: int) -> str:
        return "net " + self.neuron(layer, j)

    def weight(self, layer: int, j: int, i: int) -> str:
        if layer == self.L and self.L > 1:
            return f"wo{j + 1},{i + 1}"
        return f"w{self._hidden_prefix(layer)}{j + 1},{i + 1}"

    def bias(self, layer: int, j: int) -> str:
        if layer == self.L and self.L > 1:
            return f"bo{j + 1}"
        return f"b{self._hidden_prefix(layer)}{j + 1}"

    def weight_name(self, layer: int) -> str:
        """The weight matrix of a layer as a group (Setup captions)."""
        if layer == self.L and self.L > 1:
            return "wo"
        return "w" + self._hidden_prefix(layer).rstrip(".")

    def err(self, layer: int, j: int) -> str:
        if layer == self.L:
            return f"eo{j + 1}"
        return f"eh{self._hidden_prefix(layer)}{j + 1}"

    def error(self, k: int) -> str:
        return f"e{k + 1}"

    def target(self, k: int) -> str:
        return f"t{k + 1}"

    def input(self, i: int) -> str:
        return f"x{i + 1}"

    def fprime(self, layer: int, j: int) -> str:
        return "f'" + self.neuron(layer, j)

    def delta(self, layer: int, j: int) -> str:
        return "δ" + self.neuron(layer, j)

    def loss_symbol(self) -> str:
        return LOSSES[self.loss].symbol

    def grad(self, s: str) -> str:
        return "∂" + s

    def change(self, s: str) -> str:
        return "Δ" + s

    def new(self, s: str) -> str:
        return f"{s} {self.word('new')}"

    # ---- the label of any trace value
    def symbol(
        self, quantity: str, layer: int | None = None, j: int | None = None, i: int | None = None
    ) -> str:
        q = quantity
        if q == "x":
            return self.input(j)  # type: ignore[arg-type]
        if q == "t":
            return self.target(j)  # type: ignore[arg-type]
        if q in ("w", "w_new", "grad_w", "dw"):
            s = self.weight(layer, j, i)  # type: ignore[arg-type]
        elif q in ("b", "b_new", "grad_b", "db"):
            s = self.bias(layer, j)  # type: ignore[arg-type]
        elif q == "z":
            return self.net(layer, j)  # type: ignore[arg-type]
        elif q == "a":
            return self.neuron(layer, j)  # type: ignore[arg-type]
        elif q == "e":
            return self.error(j)  # type: ignore[arg-type]
        elif q == "loss":
            return self.loss_symbol()
        elif q == "err":
            return self.err(layer, j)  # type: ignore[arg-type]
        elif q == "fprime":
            return self.fprime(layer, j)  # type: ignore[arg-type]
        elif q == "delta":
            return self.delta(layer, j)  # type: ignore[arg-type]
        elif q == "epoch_loss":
            return self.word("loss")
        elif q == "accuracy":
            return self.word("accuracy")
        elif q == "lr":
            return self.lr_symbol
        elif q == "momentum":
            return "μ"
        elif q == "nw_draw":
            return f"{self.weight(layer, j, i)}({self.word('old')})"  # type: ignore[arg-type]
        elif q == "nw_norm":
            unit = "j" if j is None else str(j + 1)
            return f"‖{self.weight_name(layer)}_{unit}‖"  # type: ignore[arg-type]
        elif q == "nw_beta":
            return "β"
        elif q == "theta":
            return "θ"
        elif q == "tolerance":
            return self.word("tolerance")
        elif q == "updated":
            return f"{self.word('updated')} {self.neuron(layer, j)}"  # type: ignore[arg-type]
        elif q in ("epoch_updates", "max_change", "match"):
            return self.word(q)
        elif q == "test_z":
            return self.net(layer, j)  # type: ignore[arg-type]
        elif q == "test_y":
            return self.neuron(layer, j)  # type: ignore[arg-type]
        elif q == "correct":
            return self.word("correct")
        elif q in ("epoch", "step", "sample"):
            return self.word(q)
        else:
            raise KeyError(q)
        if q.startswith("grad"):
            return self.grad(s)
        if q in ("dw", "db"):
            return self.change(s)
        if q.endswith("_new"):
            return self.new(s)
        return s

    # ---- Setup weight tables
    def table_corner(self) -> str:
        """The corner of a Setup weight table: what its rows \\ columns are."""
        rows, cols = ("from", "to") if self.transposed else ("to", "from")
        return f"{self.word(rows).capitalize()} \\ {self.word(cols).capitalize()}"

    def table_caption(self, layer: int) -> str:
        rows, cols = ("from", "to") if self.transposed else ("to", "from")
        return (
            f"{self.word('weights').capitalize()} {self.weight_name(layer)} "
            f"({self.word('layer')} {layer}: {self.layer_name(layer - 1)} → "
            f"{self.layer_name(layer)}) — {self.word('rows')} = {self.word(rows)}, "
            f"{self.word('columns')} = {self.word(cols)}"
        )

    def bias_header(self, layer: int) -> str:
        """Header of the bias column (or, transposed, the bias row "1")."""
        if self.transposed:
            return f"{self.word('from')} 1 ({self.word('bias')})"
        return self.word("bias")

    def table_orientation(self) -> str:
        """How the Setup weight tables are laid out, in words (the Guide)."""
        return ORIENTATION_TEXT[self.transposed][self.lang]

    # ---- the Guide
    def loss_text(self, text: str) -> str:
        """A loss formula of the Guide (``MSE = (1/n)·Σ e_k² …``) in this notation's symbols."""
        sym = LOSSES[self.loss].symbol
        own = self.loss_symbol()
        if text.startswith(sym + " ") and own != sym:
            # E_total = ½·Σ …, but E_total = MSE = (1/n)·Σ … (the loss keeps its usual name)
            text = own + ("" if sym == "E" else " = " + sym) + text[len(sym) :]
        return text.replace("e_k", self.generic_error)

    def guide_notation(self) -> list[str]:
        """The Guide's notation section (lines, in the notation's language)."""
        t = NOTATION_TEXT[self.name][self.lang]
        weights = t["weights"].replace("{setup}", self.sheets.setup)
        out = [t["intro"] + " " + t["units"], weights, t["others"]]
        if self.L > 2:
            out.append(t["deep"])
        if self.L == 1 and "single" in t:
            out.append(t["single"])
        out.append(
            f"{self.loss_symbol()}: {self.word('loss_function')};  "
            f"{self.lr_symbol} = learning_rate ({self.word('learning_rate')})"
            if self.lang != "en"
            else f"{self.loss_symbol()}: loss;  {self.lr_symbol} = learning_rate"
        )
        return out

    def _terms(self, parts: list[str], limit: int = 3) -> str:
        if len(parts) > limit + 1:
            parts = parts[:limit] + ["…"]
        return " + ".join(parts)

    def formulas(self, spec: Spec) -> dict[str, str]:
        """The rule's formulas written in this notation, for the first neuron of each layer
        (concrete, so they read like the Steps headers). Keys: forward, error, out_err,
        hidden_grad, hidden_t, hidden_p, delta, update_grad, update_err."""
        L, n = self.L, self.sizes
        fwd = []
        for l in range(1, L + 1):
            terms = [f"{self.weight(l, 0, i)}·{self._prev(l, i)}" for i in range(n[l - 1])]
            fwd.append(
                f"{self.net(l, 0)} = {self._terms(terms)} + {self.bias(l, 0)}, "
                f"{self.neuron(l, 0)} = f({self.net(l, 0)})"
            )
        out = {
            "forward": ";  ".join(fwd),
            "error": f"{self.error(0)} = {self.target(0)} − {self.neuron(L, 0)}",
            "out_err": f"{self.err(L, 0)}",
        }
        if L > 1:
            h = L - 1
            hidden = hidden_error_rule(spec.rule, spec.hidden_error)
            limit = 2 if hidden.name == "proportional" else 3
            terms = [
                (
                    self.weight(L, k, 0),
                    _cut([self.weight(L, k, m) for m in range(n[h])], 2),
                    self.symbol(hidden.source, L, k),
                )
                for k in range(n[L])
            ]
            text = (
                hidden.text(terms)
                if len(terms) <= limit + 1
                else hidden.text(terms[:limit]) + " + …"
            )
            out["hidden"] = f"{self.err(h, 0)} = {text}"
        d = [f"{self.delta(l, 0)} = {self.err(l, 0)}·{self.fprime(l, 0)}" for l in range(L, 0, -1)]
        wL, bL = self.weight(L, 0, 0), self.bias(L, 0)
        out["delta"] = (
            ";  ".join(d) + f";  {self.grad(wL)} = {self.delta(L, 0)}·"
            f"{self._prev(L, 0)},  {self.grad(bL)} = {self.delta(L, 0)}"
        )
        lr, rule = self.lr_symbol, RULES[spec.rule]
        dw = rule.guide_dw(lr, self.grad(wL), self.delta(L, 0), self._prev(L, 0))
        out["update"] = f"{self.change(wL)} = {dw},  {self.new(wL)} = {wL} + {self.change(wL)}"
        return out

    def _prev(self, layer: int, i: int) -> str:
        """The output of neuron i of the layer before ``layer`` (the input of its weights)."""
        return self.input(i) if layer == 1 else self.neuron(layer - 1, i)


def _cut(parts: list[str], limit: int) -> list[str]:
    """The first ``limit`` parts and "…" when there are more than ``limit + 1``."""
    return parts[:limit] + ["…"] if len(parts) > limit + 1 else parts


def _pair(a: int, b: int) -> str:
    """Fausett's two indices: ``12`` while both are single digits, else ``1,12``."""
    return f"{a}{b}" if a < 10 and b < 10 else f"{a},{b}"


class FausettNotation(Notation):
    """Fausett's notation (*Fundamentals of Neural Networks*, the usual text of Indonesian JST
    courses): ``v12`` from ``x1`` to ``z2``, ``w12`` from ``z1`` to ``y2``, biases ``v01``,
    ``w01``; ``z_in1``, ``y_in1``; deltas ``δ_k1`` (output unit y1) and ``δ_j1`` (hidden unit z1);
    hidden error ``δ_in_j1``; ``α``. Setup tables are transposed (rows = sending unit)."""

    name = "fausett"
    transposed = True
    lr_symbol = "α"
    generic_error = "(t_k − y_k)"
    generic_output = "y_k"

    def _ix(self, layer: int, j: int) -> str:
        return f"{self._hidden_prefix(layer)}{j + 1}" if layer < self.L else f"{j + 1}"

    def neuron(self, layer: int, j: int) -> str:
        if layer == 0:
            return f"x{j + 1}"
        if layer == self.L:
            return f"y{j + 1}"
        return f"z{self._ix(layer, j)}"

    def net(self, layer: int, j: int) -> str:
        if layer == self.L:
            return f"y_in{j + 1}"
        return f"z_in{self._ix(layer, j)}"

    def _letter(self, layer: int) -> str:
        return "w" if layer == self.L else f"v{self._hidden_prefix(layer)}"

    def weight(self, layer: int, j: int, i: int) -> str:
        return f"{self._letter(layer)}{_pair(i + 1, j + 1)}"

    def bias(self, layer: int, j: int) -> str:
        return f"{self._letter(layer)}{_pair(0, j + 1)}"

    def weight_name(self, layer: int) -> str:
        return self._letter(layer).rstrip(".")

    def error(self, k: int) -> str:
        return f"t{k + 1}−y{k + 1}"

    def err(self, layer: int, j: int) -> str:
        if layer == self.L:
            return f"err_k{j + 1}"
        return f"δ_in_j{self._ix(layer, j)}"

    def fprime(self, layer: int, j: int) -> str:
        return f"f'({self.net(layer, j)})"

    def delta(self, layer: int, j: int) -> str:
        if layer == self.L:
            return f"δ_k{j + 1}"
        return f"δ_j{self._ix(layer, j)}"

    def new(self, s: str) -> str:
        return f"{s}({self.word('new')})"

    def formulas(self, spec: Spec) -> dict[str, str]:
        out = super().formulas(spec)
        L = self.L
        # Fausett writes the bias first: z_in_j = v_0j + Σ_i x_i·v_ij
        generic_fwd = (
            "y_in_k = w0k + Σ_i x_i·w ik, y_k = f(y_in_k)"
            if L == 1
            else "z_in_j = v0j + Σ_i x_i·v ij, z_j = f(z_in_j);  "
            "y_in_k = w0k + Σ_j z_j·w jk, y_k = f(y_in_k)"
        )
        out["forward"] = f"{generic_fwd}  ({self.word('eg')} {out['forward']})"
        out["error"] = f"t_k − y_k  ({self.sheets.steps}: {self.error(0)}, …)"
        hidden = hidden_error_rule(spec.rule, spec.hidden_error)
        if L > 1 and hidden.name != "proportional":  # Fausett's δ_in_j, in his general form
            sent = "δ_k" if hidden.source == "delta" else "err_k"
            out["hidden"] = f"δ_in_j = Σ_k {sent}·w jk  ({self.word('eg')} {out['hidden']})"
        return out


class MazurNotation(Notation):
    """Matt Mazur's notation (*A Step by Step Backpropagation Example*): inputs ``i1``, hidden
    ``net_h1``/``out_h1``, outputs ``net_o1``/``out_o1``, weights numbered ``w1``…``wN`` through
    the network (layer by layer, row = receiving neuron), biases ``b1.1`` (layer.neuron),
    ``E_total``, ``∂E/∂w5``, ``w5⁺``, ``η``."""

    name = "mazur"
    lr_symbol = "η"
    generic_error = "(target_o − out_o)"
    generic_output = "out_o"

    def __init__(self, spec: Spec, lang: str = "en") -> None:
        super().__init__(spec, lang)
        n = self.sizes
        self._offset = [0]
        for l in range(1, self.L + 1):
            self._offset.append(self._offset[-1] + n[l] * n[l - 1])

    def unit(self, layer: int, j: int) -> str:
        if layer == 0:
            return f"i{j + 1}"
        if layer == self.L:
            return f"o{j + 1}"
        return f"h{self._hidden_prefix(layer)}{j + 1}"

    def neuron(self, layer: int, j: int) -> str:
        return self.unit(0, j) if layer == 0 else "out_" + self.unit(layer, j)

    def input(self, i: int) -> str:
        return f"i{i + 1}"

    def target(self, k: int) -> str:
        return f"target_o{k + 1}"

    def net(self, layer: int, j: int) -> str:
        return "net_" + self.unit(layer, j)

    def weight(self, layer: int, j: int, i: int) -> str:
        return f"w{self._offset[layer - 1] + j * self.sizes[layer - 1] + i + 1}"

    def bias(self, layer: int, j: int) -> str:
        return f"b{layer}.{j + 1}"

    def weight_name(self, layer: int) -> str:
        first, last = self._offset[layer - 1] + 1, self._offset[layer]
        return f"w{first}" if first == last else f"w{first}…w{last}"

    def error(self, k: int) -> str:
        return f"e_o{k + 1}"

    def err(self, layer: int, j: int) -> str:
        return f"∂E/∂{self.neuron(layer, j)}"

    def fprime(self, layer: int, j: int) -> str:
        return f"∂{self.neuron(layer, j)}/∂{self.net(layer, j)}"

    def delta(self, layer: int, j: int) -> str:
        return "δ_" + self.unit(layer, j)

    def loss_symbol(self) -> str:
        return "E_total"

    def grad(self, s: str) -> str:
        return "∂E/∂" + s

    def new(self, s: str) -> str:
        return s + "⁺"


class SiangNotation(FausettNotation):
    """J.J. Siang's notation (*Jaringan Syaraf Tiruan & Pemrogramannya Menggunakan Matlab*):
    Fausett's units and signs, with the receiving index first — ``v12`` into ``z1`` from ``x2``,
    ``w12`` into ``y1`` from ``z2``, biases ``v10``, ``w10``; net inputs ``z_net1``, ``y_net1``;
    the hidden error ``δ_net1``; ``f'(z_net1)``. Setup tables as his: one row per sending unit
    (``x1``, ``x2``, … then ``1`` for the bias), one column per receiving unit."""

    name = "siang"
    bias_last = True

    def net(self, layer: int, j: int) -> str:
        if layer == self.L:
            return f"y_net{j + 1}"
        return f"z_net{self._ix(layer, j)}"

    def weight(self, layer: int, j: int, i: int) -> str:
        return f"{self._letter(layer)}{_pair(j + 1, i + 1)}"

    def bias(self, layer: int, j: int) -> str:
        return f"{self._letter(layer)}{_pair(j + 1, 0)}"

    def err(self, layer: int, j: int) -> str:
        if layer == self.L:
            return f"err_k{j + 1}"
        return f"δ_net{self._ix(layer, j)}"

    def formulas(self, spec: Spec) -> dict[str, str]:
        out = Notation.formulas(self, spec)
        L = self.L
        # Siang writes the bias first too: z_net_j = v_j0 + Σ_i x_i·v_ji
        generic_fwd = (
            "y_net_k = w_k0 + Σ_i x_i·w_ki, y_k = f(y_net_k)"
            if L == 1
            else "z_net_j = v_j0 + Σ_i x_i·v_ji, z_j = f(z_net_j);  "
            "y_net_k = w_k0 + Σ_j z_j·w_kj, y_k = f(y_net_k)"
        )
        out["forward"] = f"{generic_fwd}  ({self.word('eg')} {out['forward']})"
        out["error"] = f"t_k − y_k  ({self.sheets.steps}: {self.error(0)}, …)"
        hidden = hidden_error_rule(spec.rule, spec.hidden_error)
        if L > 1 and hidden.name != "proportional":
            sent = "δ_k" if hidden.source == "delta" else "err_k"
            out["hidden"] = f"δ_net_j = Σ_k {sent}·w_kj  ({self.word('eg')} {out['hidden']})"
        return out


NOTATION_CLASSES: dict[str, type[Notation]] = {
    "course": Notation,
    "fausett": FausettNotation,
    "mazur": MazurNotation,
    "siang": SiangNotation,
}


def notation_for(spec: Spec, lang: str = "en") -> Notation:
    """The :class:`Notation` named by ``spec.notation`` (course, fausett or mazur)."""
    return NOTATION_CLASSES[getattr(spec, "notation", "course") or "course"](spec, lang)
