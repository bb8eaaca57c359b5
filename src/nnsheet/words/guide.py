"""The Guide sheet's text, in English and Indonesian."""

from __future__ import annotations

from ..core.ops import ACTIVATIONS, LOSSES, RULES, correct_rule, hidden_error_rule
from ..core.spec import Spec
from .notation import Notation

T = {
    "mse": {"en": "MSE = (1/n)·Σ e_k² (mean of the squared errors of the n outputs)",
            "id": "MSE = (1/n)·Σ e_k² (rata-rata kuadrat galat n keluaran)"},
    "half_sse": {"en": "E = ½·Σ e_k² (half the sum of squared errors)",
                 "id": "E = ½·Σ e_k² (setengah jumlah kuadrat galat)"},
    "sse": {"en": "SSE = Σ e_k² (sum of squared errors)",
            "id": "SSE = Σ e_k² (jumlah kuadrat galat)"},
}  # fmt: skip

ACT_TEXT = {
    "sigmoid": "f(z) = 1/(1+e^-z), f' = a·(1−a)",
    "tanh": "f(z) = tanh z, f' = 1−a²",
    "relu": "f(z) = max(0, z), f' = 1 if z > 0 else 0",
    "linear": "f(z) = z, f' = 1",
    "step": "f(z) = 1 if z ≥ 0 else 0, f' taken as 1 (perceptron rule)",
}

T = {
    "en": {
        "title": "nnsheet — a neural network trained step by step",
        "what": "This workbook shows every number of the training of a small neural network: the "
                "forward pass, the errors and the loss, the backward pass and the update of every "
                "weight and bias. Every computed cell is a live formula (press F2 to follow it); "
                "change a given on the Setup sheet and the whole trace recalculates.",
        "sheets": "Sheets",
        "sheet_setup": "Setup — the givens: learning rate (named learning_rate), initial weights "
                       "and biases (one table per layer, {orient}), the data set and the "
                       "settings.",
        "sheet_steps": "Steps — one row per training step, columns in coloured bands (see the "
                       "legend). Row 1 names the band, row 2 the symbol. The weights in use on "
                       "each row are the new weights of the row before (the first row uses Setup).",
        "sheet_steps_batch": "Batch / mini-batch: each sample has a row that computes its "
                             "gradients with the same weights; the update row after the batch "
                             "applies the mean of their changes.",
        "sheet_epochs": "Epochs — the loss (mean of the per-sample losses) for each epoch"
                        " and a chart of it; accuracy where the targets are 0/1.",
        "sheet_epochs_values": "Epochs after the first {k} are not written on Steps; their "
                               "rows on Epochs are values computed by nnsheet, not formulas.",
        "rule": "The rule used",
        "forward": "Forward (net = weighted sum plus bias, then the activation f): {f}.",
        "error": "Error: {f} (target minus output).",
        "loss": "Loss per sample: ",
        "delta": "Delta = error sent back × derivative; gradient of a weight = delta × the "
                 "weight's input; of a bias = delta: {f}.",
        "biases_fixed": "Biases are not updated (update_biases = false).",
        "round": "Every computed value is rounded to {d} decimals (ROUND), as with a calculator.",
        "mode": "Mode: {m}.",
        "activations": "Activations",
        "notation": "Notation",
        "legend": "Colour legend (every colour also has its band name in row 1 of Steps)",
        "stamp": "Made by nnsheet {v} from spec “{t}” — preset {p}, seed {s}.",
        "band.givens": "Setup: the givens (input cells: change them)",
    },
    "id": {
        "title": "nnsheet — jaringan saraf tiruan dilatih langkah demi langkah",
        "what": "Buku kerja ini memuat setiap angka pelatihan sebuah jaringan saraf kecil: "
                "propagasi maju, galat dan loss, propagasi mundur, serta pembaruan setiap bobot "
                "dan bias. Setiap sel hasil hitungan adalah rumus hidup (tekan F2 untuk "
                "menelusurinya); ubah nilai di lembar Setup dan seluruh jejak dihitung ulang.",
        "sheets": "Lembar",
        "sheet_setup": "Setup — yang diketahui: laju pembelajaran (nama learning_rate), bobot dan "
                       "bias awal (satu tabel per lapisan, {orient}), data latih dan "
                       "pengaturan.",
        "sheet_steps": "Steps — satu baris per langkah pelatihan, kolom dalam pita berwarna (lihat "
                       "legenda). Baris 1 memberi nama pita, baris 2 simbolnya. Bobot yang dipakai "
                       "di tiap baris adalah bobot baru baris sebelumnya (baris pertama memakai "
                       "Setup).",
        "sheet_steps_batch": "Batch / mini-batch: setiap sampel punya baris yang menghitung "
                             "gradiennya dengan bobot yang sama; baris pembaruan sesudah batch "
                             "menerapkan rata-rata perubahannya.",
        "sheet_epochs": "Epochs — loss (rata-rata loss per sampel) tiap epoch beserta grafiknya; "
                        "akurasi bila target bernilai 0/1.",
        "sheet_epochs_values": "Epoch sesudah {k} epoch pertama tidak ditulis di Steps; barisnya "
                               "di Epochs berupa nilai dari nnsheet, bukan rumus.",
        "rule": "Aturan yang dipakai",
        "forward": "Maju (net = jumlah berbobot ditambah bias, lalu fungsi aktivasi f): {f}.",
        "error": "Galat: {f} (target dikurangi keluaran).",
        "loss": "Loss per sampel: ",
        "delta": "Delta = galat yang dikirim balik × turunan; gradien bobot = delta × masukan "
                 "bobot itu; gradien bias = delta: {f}.",
        "biases_fixed": "Bias tidak diperbarui (update_biases = false).",
        "round": "Setiap nilai hasil hitungan dibulatkan ke {d} desimal (ROUND), seperti "
                 "kalkulator.",
        "mode": "Mode: {m}.",
        "activations": "Fungsi aktivasi",
        "notation": "Notasi",
        "legend": "Legenda warna (setiap warna juga punya nama pita di baris 1 lembar Steps)",
        "stamp": "Dibuat oleh nnsheet {v} dari spec “{t}” — preset {p}, seed {s}.",
        "band.givens": "Setup: yang diketahui (sel masukan: boleh diubah)",
    },
}  # fmt: skip


def guide_lines(spec: Spec, notation: Notation, version: str,
                detail_epochs: int) -> list[tuple[str, str]]:  # fmt: skip
    """(style, text) lines of the Guide; style is 'title', 'head' or 'text'."""
    lang = notation.lang
    t = T[lang]
    f = notation.formulas(spec)
    out: list[tuple[str, str]] = [("title", t["title"]), ("text", spec.title), ("text", t["what"]),
                                  ("head", t["sheets"]),
                                  ("text", t["sheet_setup"].format(
                                      orient=notation.table_orientation())),
                                  ("text", t["sheet_steps"])]
    if spec.mode != "online":
        out.append(("text", t["sheet_steps_batch"]))
    out.append(("text", t["sheet_epochs"]))
    if spec.binary_targets:
        out.append(("text", correct_rule(spec.one_hot_targets).guide[lang].format(
            correct=notation.word("correct"), steps="Steps", y=notation.generic_output)))
    if detail_epochs < spec.epochs:
        out.append(("text", t["sheet_epochs_values"].format(k=detail_epochs)))
    out += [("head", f"{t['rule']}: rule = {spec.rule}, loss = {spec.loss}"),
            ("text", t["forward"].format(f=f["forward"])),
            ("text", t["error"].format(f=f["error"])),
            ("text", t["loss"] + notation.loss_text(LOSSES[spec.loss].guide[lang]))]
    rule, loss = RULES[spec.rule], LOSSES[spec.loss]
    g = rule.guide_output_err(loss, notation.error(0))
    out.append(("text", rule.guide["out"][lang].format(f=f["out_err"], g=g)))
    if spec.n_layers > 1:
        hidden = hidden_error_rule(spec.rule, spec.hidden_error)
        out.append(("text", hidden.guide[lang].format(f=f["hidden"])))
    out.append(("text", t["delta"].format(f=f["delta"])))
    out.append(("text", rule.guide["update"][lang].format(f=f["update"])))
    if notation.name == "fausett":  # the book's signs, or the opposite: say which
        out.append(("text", rule.guide["signs"][lang]))
    if not spec.update_biases:
        out.append(("text", t["biases_fixed"]))
    if spec.round is not None:
        out.append(("text", t["round"].format(d=spec.round)))
    out.append(("text", t["mode"].format(m=spec.mode_text)))
    out.append(("head", t["activations"]))
    for l, ly in enumerate(spec.layers, start=1):
        who = notation.layer_name(l)
        out.append(("text", f"{l}: {who} {ly.activation}: "
                            f"{ACTIVATIONS[ly.activation].guide[lang]}"))
    out.append(("head", f"{t['notation']}: {notation.name}"))
    out += [("text", line) for line in notation.guide_notation()]
    out.append(("stamp", t["stamp"].format(v=version, t=spec.title, p=spec.preset, s=spec.seed)))
    return out
