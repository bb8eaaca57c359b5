"""The Guide sheet's text, in English and Indonesian."""

from __future__ import annotations

from .notation import LOSS_SYMBOL, Notation
from .spec import Spec

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
                       "and biases (one matrix per layer, rows = receiving neuron), the data set "
                       "and the settings.",
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
        "forward": "Forward: net z = Σ_i w_j,i·a_i + b_j ; out a = f(z).",
        "error": "Error: e = t − y' (target minus output).",
        "loss": "Loss per sample: ",
        "grad_out": "Output layer: err = ∂L/∂y' ({g}).",
        "grad_hidden": "Hidden layers: err_j = Σ_k w_k,j·δ_k (the next layer's deltas, through the "
                       "weights in use before this step's update).",
        "err_out": "Output layer: err = e (the error itself, whatever the loss; the loss is only "
                   "reported).",
        "err_hidden_t": "Hidden layers: err_j = Σ_k w_k,j·err_k (the next layer's raw errors "
                        "through the weights in use; not the exact gradient).",
        "err_hidden_p": "Hidden layers: each error is shared among a neuron's incoming weights in "
                        "proportion to them: err_i = Σ_k w_k,i/(Σ_m w_k,m)·err_k.",
        "delta": "Delta: δ = err·f'(z).  Gradient of a weight: δ_j·a_i; of a bias: δ_j.",
        "update_grad": "Change: Δw = −lr·gradient (down the gradient).  New: w + Δw.",
        "update_err": "Change: Δw = +lr·δ_j·a_i (err already points downhill).  New: w + Δw.",
        "biases_fixed": "Biases are not updated (update_biases = false).",
        "round": "Every computed value is rounded to {d} decimals (ROUND), as with a calculator.",
        "mode": "Mode: {m}.",
        "activations": "Activations",
        "notation": "Notation",
        "not_x": "x1, x2, … inputs;  t1, … targets;  y'1, … outputs (y aksen);  O1, … hidden "
                 "outputs",
        "not_w": "w j,i: weight into hidden neuron j from input i;  wo j,i: into output j from "
                 "hidden i;  b j, bo j: biases",
        "not_deep": "With several hidden layers the layer number comes first: O2.1 is neuron 1 of "
                    "hidden layer 2 and w2.1,3 the weight into it from neuron 3 of layer 1.",
        "not_z": "net …: the weighted sum z;  e k: error t − y';  eo/eh: the error sent back "
                 "(output/hidden);  f'…: derivative;  δ…: delta;  ∂w: gradient;  Δw: change;  "
                 "w … new: updated weight",
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
                       "bias awal (satu matriks per lapisan, baris = neuron penerima), data latih "
                       "dan pengaturan.",
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
        "forward": "Maju: net z = Σ_i w_j,i·a_i + b_j ; keluaran a = f(z).",
        "error": "Galat: e = t − y' (target dikurangi keluaran).",
        "loss": "Loss per sampel: ",
        "grad_out": "Lapisan keluaran: err = ∂L/∂y' ({g}).",
        "grad_hidden": "Lapisan tersembunyi: err_j = Σ_k w_k,j·δ_k (delta lapisan berikutnya "
                       "melalui bobot sebelum pembaruan langkah ini).",
        "err_out": "Lapisan keluaran: err = e (galat itu sendiri, apa pun loss-nya; loss hanya "
                   "dilaporkan).",
        "err_hidden_t": "Lapisan tersembunyi: err_j = Σ_k w_k,j·err_k (galat mentah lapisan "
                        "berikutnya melalui bobot yang dipakai; bukan gradien eksak).",
        "err_hidden_p": "Lapisan tersembunyi: galat dibagi ke bobot masuk sebuah neuron sebanding "
                        "dengan bobotnya: err_i = Σ_k w_k,i/(Σ_m w_k,m)·err_k.",
        "delta": "Delta: δ = err·f'(z).  Gradien bobot: δ_j·a_i; gradien bias: δ_j.",
        "update_grad": "Perubahan: Δw = −lr·gradien (menuruni gradien).  Baru: w + Δw.",
        "update_err": "Perubahan: Δw = +lr·δ_j·a_i.  Baru: w + Δw.",
        "biases_fixed": "Bias tidak diperbarui (update_biases = false).",
        "round": "Setiap nilai hasil hitungan dibulatkan ke {d} desimal (ROUND), seperti "
                 "kalkulator.",
        "mode": "Mode: {m}.",
        "activations": "Fungsi aktivasi",
        "notation": "Notasi",
        "not_x": "x1, x2, … masukan;  t1, … target;  y'1, … keluaran (y aksen);  O1, … keluaran "
                 "lapisan tersembunyi",
        "not_w": "w j,i: bobot ke neuron tersembunyi j dari masukan i;  wo j,i: ke keluaran j dari "
                 "neuron tersembunyi i;  b j, bo j: bias",
        "not_deep": "Dengan beberapa lapisan tersembunyi nomor lapisan ditulis dulu: O2.1 adalah "
                    "neuron 1 lapisan tersembunyi 2 dan w2.1,3 bobot ke sana dari neuron 3 "
                    "lapisan 1.",
        "not_z": "net …: jumlah berbobot z;  e k: galat t − y';  eo/eh: galat yang dikirim balik "
                 "(keluaran/tersembunyi);  f'…: turunan;  δ…: delta;  ∂w: gradien;  Δw: perubahan;"
                 "  w … baru: bobot baru",
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
    out: list[tuple[str, str]] = [("title", t["title"]), ("text", spec.title), ("text", t["what"]),
                                  ("head", t["sheets"]), ("text", t["sheet_setup"]),
                                  ("text", t["sheet_steps"])]
    if spec.mode != "online":
        out.append(("text", t["sheet_steps_batch"]))
    out.append(("text", t["sheet_epochs"]))
    if detail_epochs < spec.epochs:
        out.append(("text", t["sheet_epochs_values"].format(k=detail_epochs)))
    out += [("head", f"{t['rule']}: rule = {spec.rule}, loss = {spec.loss}"),
            ("text", t["forward"]), ("text", t["error"]),
            ("text", t["loss"] + LOSS_TEXT[spec.loss][lang])]
    if spec.rule == "gradient":
        g = {"mse": "−(2/n)·e", "half_sse": "−e", "sse": "−2·e"}[spec.loss]
        out.append(("text", t["grad_out"].format(g=g)))
        if spec.n_layers > 1:
            out.append(("text", t["grad_hidden"]))
    else:
        out.append(("text", t["err_out"]))
        if spec.n_layers > 1:
            key = "err_hidden_t" if spec.hidden_error == "transpose" else "err_hidden_p"
            out.append(("text", t[key]))
    out.append(("text", t["delta"]))
    out.append(("text", t["update_grad" if spec.rule == "gradient" else "update_err"]))
    if not spec.update_biases:
        out.append(("text", t["biases_fixed"]))
    if spec.round is not None:
        out.append(("text", t["round"].format(d=spec.round)))
    out.append(("text", t["mode"].format(m=spec.mode_text)))
    out.append(("head", t["activations"]))
    for l, ly in enumerate(spec.layers, start=1):
        who = notation.neuron(l, 0).rstrip("1") or "layer"
        out.append(("text", f"{l}: {who}… {ly.activation}: {ACT_TEXT[ly.activation]}"))
    out += [("head", t["notation"]), ("text", t["not_x"]), ("text", t["not_w"]),
            ("text", t["not_z"])]
    if spec.n_layers > 2:
        out.append(("text", t["not_deep"]))
    out.append(("text", f"{LOSS_SYMBOL[spec.loss]}: loss; lr = learning_rate"))
    out.append(("stamp", t["stamp"].format(v=version, t=spec.title, p=spec.preset, s=spec.seed)))
    return out
