"""The Guide sheet's text, in English and Indonesian."""

from __future__ import annotations

from ..core.spec import Spec
from .notation import Notation

LOSS_TEXT = {
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
        "correct": "correct (Steps): 1 when every output, read as 1 if y' ≥ 0.5 and 0 otherwise, "
                   "equals its 0/1 target, else 0; accuracy is the mean of this column over the "
                   "epoch.",
        "correct_onehot": "correct (Steps): 1 when the target class (the output whose target "
                          "is 1) has the largest output, else 0 (argmax); accuracy is the mean of "
                          "this column over the epoch.",
        "sheet_epochs_values": "Epochs after the first {k} are not written on Steps; their "
                               "rows on Epochs are values computed by nnsheet, not formulas.",
        "rule": "The rule used",
        "forward": "Forward (net = weighted sum plus bias, then the activation f): {f}.",
        "error": "Error: {f} (target minus output).",
        "loss": "Loss per sample: ",
        "grad_out": "Output layer, the error sent back is the derivative of the loss by the "
                    "output: {f} = {g}.",
        "grad_hidden": "Hidden layers: the next layer's deltas through the weights in use before "
                       "this step's update: {f}.",
        "err_out": "Output layer, the error sent back is the error itself, whatever the loss (the "
                   "loss is only reported): {f} = {g}.",
        "err_hidden_t": "Hidden layers: the next layer's raw errors through the weights in use "
                        "(not the exact gradient): {f}.",
        "err_hidden_p": "Hidden layers: each error is shared among a neuron's incoming weights in "
                        "proportion to them: {f}.",
        "delta": "Delta = error sent back × derivative; gradient of a weight = delta × the "
                 "weight's input; of a bias = delta: {f}.",
        "update_grad": "Change = −learning rate × gradient (down the gradient); new = old + "
                       "change: {f}.",
        "update_err": "Change = +learning rate × delta × input (the error already points "
                      "downhill); new = old + change: {f}.",
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
        "correct": "benar (Steps): 1 bila setiap keluaran, dibaca 1 jika y' ≥ 0,5 dan 0 jika "
                   "tidak, sama dengan targetnya yang 0/1, selain itu 0; akurasi adalah rata-rata "
                   "kolom ini dalam satu epoch.",
        "correct_onehot": "benar (Steps): 1 bila kelas target (keluaran yang targetnya 1) "
                          "memiliki keluaran terbesar (argmax), selain itu 0; akurasi adalah "
                          "rata-rata kolom ini dalam satu epoch.",
        "sheet_epochs_values": "Epoch sesudah {k} epoch pertama tidak ditulis di Steps; barisnya "
                               "di Epochs berupa nilai dari nnsheet, bukan rumus.",
        "rule": "Aturan yang dipakai",
        "forward": "Maju (net = jumlah berbobot ditambah bias, lalu fungsi aktivasi f): {f}.",
        "error": "Galat: {f} (target dikurangi keluaran).",
        "loss": "Loss per sampel: ",
        "grad_out": "Lapisan keluaran, galat yang dikirim balik adalah turunan loss terhadap "
                    "keluaran: {f} = {g}.",
        "grad_hidden": "Lapisan tersembunyi: delta lapisan berikutnya melalui bobot sebelum "
                       "pembaruan langkah ini: {f}.",
        "err_out": "Lapisan keluaran, galat yang dikirim balik adalah galat itu sendiri, apa pun "
                   "loss-nya (loss hanya dilaporkan): {f} = {g}.",
        "err_hidden_t": "Lapisan tersembunyi: galat mentah lapisan berikutnya melalui bobot yang "
                        "dipakai (bukan gradien eksak): {f}.",
        "err_hidden_p": "Lapisan tersembunyi: galat dibagi ke bobot masuk sebuah neuron sebanding "
                        "dengan bobotnya: {f}.",
        "delta": "Delta = galat yang dikirim balik × turunan; gradien bobot = delta × masukan "
                 "bobot itu; gradien bias = delta: {f}.",
        "update_grad": "Perubahan = −laju pembelajaran × gradien (menuruni gradien); baru = lama "
                       "+ perubahan: {f}.",
        "update_err": "Perubahan = +laju pembelajaran × delta × masukan; baru = lama + "
                      "perubahan: {f}.",
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
        out.append(("text", t["correct_onehot" if spec.one_hot_targets else "correct"]))
    if detail_epochs < spec.epochs:
        out.append(("text", t["sheet_epochs_values"].format(k=detail_epochs)))
    out += [("head", f"{t['rule']}: rule = {spec.rule}, loss = {spec.loss}"),
            ("text", t["forward"].format(f=f["forward"])),
            ("text", t["error"].format(f=f["error"])),
            ("text", t["loss"] + notation.loss_text(LOSS_TEXT[spec.loss][lang]))]
    e = notation.error(0)
    e = f"({e})" if "−" in e else e
    if spec.rule == "gradient":
        g = {"mse": f"−(2/n)·{e}", "half_sse": f"−{e}", "sse": f"−2·{e}"}[spec.loss]
        out.append(("text", t["grad_out"].format(f=f["out_err"], g=g)))
        if spec.n_layers > 1:
            out.append(("text", t["grad_hidden"].format(f=f["hidden_grad"])))
    else:
        out.append(("text", t["err_out"].format(f=f["out_err"], g=notation.error(0))))
        if spec.n_layers > 1:
            key = "err_hidden_t" if spec.hidden_error == "transpose" else "err_hidden_p"
            out.append(("text", t[key].format(f=f[key.replace("err_", "")])))
    out.append(("text", t["delta"].format(f=f["delta"])))
    key = "update_grad" if spec.rule == "gradient" else "update_err"
    out.append(("text", t[key].format(f=f[key])))
    if not spec.update_biases:
        out.append(("text", t["biases_fixed"]))
    if spec.round is not None:
        out.append(("text", t["round"].format(d=spec.round)))
    out.append(("text", t["mode"].format(m=spec.mode_text)))
    out.append(("head", t["activations"]))
    for l, ly in enumerate(spec.layers, start=1):
        who = notation.layer_name(l)
        out.append(("text", f"{l}: {who} {ly.activation}: {ACT_TEXT[ly.activation]}"))
    out.append(("head", f"{t['notation']}: {notation.name}"))
    out += [("text", line) for line in notation.guide_notation()]
    out.append(("stamp", t["stamp"].format(v=version, t=spec.title, p=spec.preset, s=spec.seed)))
    return out
