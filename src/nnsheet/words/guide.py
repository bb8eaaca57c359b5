"""The Guide sheet's text, in English and Indonesian."""

from __future__ import annotations

from ..core.ops import ACTIVATIONS, LOSSES, RULES, correct_rule, hidden_error_rule
from ..core.spec import Spec
from .columns_text import text as columns_text
from .notation import Notation, setting_value

#: the Guide's sentences; ``{setup}``, ``{steps}``, ``{epochs}`` are the sheets' names in the
#: language (:func:`text`)
T = {
    "en": {
        "title": "nnsheet — a neural network trained step by step",
        "what": "This workbook shows every number of the training of a small neural network: the "
        "forward pass, the errors and the loss, the backward pass and the update of every "
        "weight and bias. Every computed cell is a live formula (press F2 to follow it); "
        "change a given on the {setup} sheet and the whole trace recalculates.",
        "sheets": "Sheets",
        "sheet_setup": "{setup} — the givens: learning rate (named learning_rate), initial "
        "weights and biases (one table per layer, {orient}), the data set and the "
        "settings.",
        "sheet_steps": "{steps} — one row per training step, columns in coloured bands (see the "
        "legend). Row 1 names the band, row 2 the symbol. The weights in use on "
        "each row are the new weights of the row before (the first row uses "
        "{setup}).",
        "sheet_steps_batch": "Batch / mini-batch: each sample has a row that computes its "
        "gradients with the same weights; the update row after the batch "
        "applies the mean of their changes.",
        "sheet_epochs": "{epochs} — the loss (mean of the per-sample losses) for each epoch"
        " and a chart of it; accuracy where the targets are 0/1.",
        "sheet_epochs_values": "Epochs after the first {k} are not written on {steps}; their "
        "rows on {epochs} are values computed by nnsheet, not formulas.",
        "rule": "The rule used: rule = {rule}, loss = {loss}",
        "forward": "Forward (net = weighted sum plus bias, then the activation f): {f}.",
        "error": "Error: {f} (target minus output).",
        "loss": "Loss per sample: ",
        "delta": "Delta = error sent back × derivative; gradient of a weight = delta × the "
        "weight's input; of a bias = delta: {f}.",
        "biases_fixed": "Biases are not updated (update_biases = false).",
        "round": "Every computed value is rounded to {d} decimals (ROUND), as with a calculator.",
        "mode": "Mode: {m}.",
        "momentum": "Momentum μ = {mu} ({setup}, below the learning rate): Δ = the rule's change "
        "+ μ·Δ of the previous update (the first update has none): {f}.",
        "target_loss": "Training stops at the end of the first epoch whose loss is ≤ "
        "target_loss = {e} (at most {n} epochs); {epochs} says where and why it stopped.",
        "nguyen_widrow": "Initial weights: Nguyen–Widrow — {setup} shows the draws, each hidden "
        "unit's norm and β below each hidden layer's weight table; the weights are computed "
        "from them.",
        "activations": "Activations",
        "notation": "Notation",
        "legend": "Colour legend (every colour also has its band name in row 1 of {steps})",
        "stamp": "Made by nnsheet {v} from spec “{t}” — preset {p}, seed {s}.",
        "band.givens": "{setup}: the givens (input cells: change them)",
        "what_exercise": "This exercise is the training of a small neural network with the "
        "computed numbers left for you to work out: the forward pass, the errors and the loss, "
        "the backward pass and the update of every weight and bias. Type your numbers in the "
        "white cells with a blue border on the {steps} and {epochs} sheets (the {exercise} "
        "sheet says which, to how many decimals, and has the cells for your name and student "
        "number). The other computed cells are formulas on your numbers and stay empty until "
        "every number they need is typed. The givens on {setup} are fixed: do not change "
        "them (a changed given is reported to the lecturer).",
        "graded_exercise": "How it is graded: nnsheet check marks each answer cell correct, "
        "carried (computed correctly from your own wrong earlier number), wrong or missing, "
        "and names the first wrong cell with its formula.",
        "band.givens_exercise": "{setup}: the givens (fixed; do not change them)",
    },
    "id": {
        "title": "nnsheet — jaringan saraf tiruan dilatih langkah demi langkah",
        "what": "Buku kerja ini memuat setiap angka pelatihan sebuah jaringan saraf tiruan kecil: "
        "propagasi maju, galat dan fungsi galat, propagasi mundur, serta perubahan setiap bobot "
        "dan bias. Setiap sel hasil hitungan berisi rumus (tekan F2 untuk melihatnya); "
        "ubah nilai yang diketahui di lembar {setup} dan seluruh perhitungan dihitung "
        "ulang.",
        "sheets": "Lembar kerja",
        "sheet_setup": "{setup} — yang diketahui: laju pembelajaran (bernama learning_rate), "
        "bobot dan bias awal (satu tabel per lapisan, {orient}), data latih dan "
        "pengaturan pelatihan.",
        "sheet_steps": "{steps} — satu baris untuk setiap langkah pelatihan, kolom dikelompokkan "
        "dalam pita berwarna (lihat legenda). Baris 1 berisi nama pita, baris 2 "
        "simbolnya. Bobot yang dipakai di setiap baris adalah bobot baru dari "
        "baris sebelumnya (baris pertama memakai bobot awal di {setup}).",
        "sheet_steps_batch": "Batch / mini-batch: setiap pola punya baris yang menghitung "
        "gradiennya dengan bobot yang sama; baris pembaruan sesudah batch "
        "menerapkan rata-rata perubahannya.",
        "sheet_epochs": "{epochs} — galat (rata-rata galat per pola) setiap epoch beserta "
        "grafiknya; akurasi bila targetnya bernilai 0/1.",
        "sheet_epochs_values": "Epoch sesudah {k} epoch pertama tidak ditulis di lembar {steps}; "
        "barisnya di lembar {epochs} berupa nilai dari nnsheet, bukan "
        "rumus.",
        "rule": 'Aturan pembelajaran yang dipakai: rule = "{rule}"; fungsi galat: loss = "{loss}"',
        "forward": "Propagasi maju (net = jumlah berbobot ditambah bias, lalu fungsi aktivasi "
        "f): {f}.",
        "error": "Galat: {f} (target dikurangi keluaran).",
        "loss": "Galat per pola: ",
        "delta": "Delta = galat yang dikirim balik × turunan; gradien bobot = delta × masukan "
        "bobot itu; gradien bias = delta: {f}.",
        "biases_fixed": "Bias tidak diperbarui (update_biases = false).",
        "round": "Setiap nilai hasil hitungan dibulatkan sampai {d} angka di belakang koma "
        "(ROUND), seperti menghitung dengan kalkulator.",
        "mode": "Mode pelatihan: {m}.",
        "momentum": "Momentum μ = {mu} (lembar {setup}, di bawah laju pembelajaran): Δ = "
        "perubahan menurut aturan + μ·Δ pembaruan sebelumnya (pembaruan pertama tanpa "
        "momentum): {f}.",
        "target_loss": "Pelatihan berhenti pada akhir epoch pertama yang galatnya ≤ target_loss "
        "= {e} (paling banyak {n} epoch); lembar {epochs} menyebutkan kapan dan mengapa "
        "berhenti.",
        "nguyen_widrow": "Bobot awal: Nguyen–Widrow — lembar {setup} menunjukkan bilangan acak, "
        "norma setiap unit tersembunyi dan β di bawah tabel bobot setiap lapisan "
        "tersembunyi; bobotnya dihitung dari situ.",
        "activations": "Fungsi aktivasi",
        "notation": "Notasi",
        "legend": "Legenda warna (setiap warna juga diberi nama pita di baris 1 lembar {steps})",
        "stamp": "Dibuat oleh nnsheet {v} dari spec “{t}” — preset {p}, seed {s}.",
        "band.givens": "{setup}: yang diketahui (sel masukan: boleh diubah)",
        "what_exercise": "Latihan ini adalah pelatihan sebuah jaringan saraf tiruan kecil yang "
        "angka-angka hasil hitungannya Anda kerjakan sendiri: propagasi maju, galat dan loss, "
        "propagasi mundur, serta pembaruan bobot dan bias. Ketik jawaban Anda di sel putih "
        "berbingkai biru pada lembar {steps} dan {epochs} (lembar {exercise} menyebutkan sel "
        "mana, sampai berapa angka di belakang koma, dan memuat sel untuk nama dan NIM Anda). "
        "Sel hitungan lainnya berisi rumus atas angka Anda dan tetap kosong sampai semua angka "
        "yang diperlukannya diketik. Yang diketahui di lembar {setup} tetap: jangan diubah "
        "(perubahan dilaporkan kepada dosen).",
        "graded_exercise": "Cara penilaian: nnsheet check menilai setiap sel jawaban benar, "
        "terbawa (dihitung benar dari angka Anda sebelumnya yang salah), salah atau kosong, "
        "dan menunjukkan sel salah yang pertama beserta rumusnya.",
        "band.givens_exercise": "{setup}: yang diketahui (tetap; jangan diubah)",
    },
}


def text(key: str, notation: Notation, **fields: object) -> str:
    """A Guide sentence in the notation's language, sheet names filled in."""
    sh = notation.sheets
    return T[notation.lang][key].format(setup=sh.setup, steps=sh.steps, epochs=sh.epochs, **fields)


def _steps_text(notation: Notation, columns: bool) -> str:
    """The Steps sheet's sentence: a step per row, or per column (the columns layout)."""
    if not columns:
        return text("sheet_steps", notation)
    sh = notation.sheets
    return columns_text("guide_steps", notation.lang, steps=sh.steps, setup=sh.setup)


def legend_text(notation: Notation, columns: bool = False) -> str:
    """The colour legend's head: the band names are in row 1, or column A (columns layout)."""
    if not columns:
        return text("legend", notation)
    return columns_text("legend", notation.lang, steps=notation.sheets.steps)


def guide_lines(
    spec: Spec,
    notation: Notation,
    version: str,
    detail_epochs: int,
    exercise: bool = False,
    columns: bool = False,
) -> list[tuple[str, str]]:
    """(style, text) lines of the Guide; style is 'title', 'head' or 'text'. ``exercise``: the
    Guide of an exercise (what to type and how it is graded, not changing givens); ``columns``:
    of the columns layout (a step per column)."""
    lang = notation.lang
    t = T[lang]
    f = notation.formulas(spec)
    what = (
        [
            ("text", text("what_exercise", notation, exercise=notation.sheets.exercise)),
            ("text", t["graded_exercise"]),
        ]
        if exercise
        else [("text", text("what", notation))]
    )
    out: list[tuple[str, str]] = [
        ("title", t["title"]),
        ("text", spec.title),
        *what,
        ("head", t["sheets"]),
        ("text", text("sheet_setup", notation, orient=notation.table_orientation())),
        ("text", _steps_text(notation, columns)),
    ]
    if spec.mode != "online":
        out.append(("text", t["sheet_steps_batch"]))
    out.append(("text", text("sheet_epochs", notation)))
    if spec.binary_targets:
        out.append(
            (
                "text",
                correct_rule(spec.one_hot_targets)
                .guide[lang]
                .format(
                    correct=notation.word("correct"),
                    steps=notation.sheets.steps,
                    y=notation.generic_output,
                ),
            )
        )
    if detail_epochs < spec.epochs:
        out.append(("text", text("sheet_epochs_values", notation, k=detail_epochs)))
    out += [
        ("head", t["rule"].format(rule=spec.rule, loss=spec.loss)),
        ("text", t["forward"].format(f=f["forward"])),
        ("text", t["error"].format(f=f["error"])),
        ("text", t["loss"] + notation.loss_text(LOSSES[spec.loss].guide[lang])),
    ]
    rule, loss = RULES[spec.rule], LOSSES[spec.loss]
    g = rule.guide_output_err(loss, notation.error(0))
    out.append(("text", rule.guide["out"][lang].format(f=f["out_err"], g=g)))
    if spec.n_layers > 1:
        hidden = hidden_error_rule(spec.rule, spec.hidden_error)
        out.append(("text", hidden.guide[lang].format(f=f["hidden"])))
    out.append(("text", t["delta"].format(f=f["delta"])))
    out.append(("text", rule.guide["update"][lang].format(f=f["update"])))
    if notation.name in ("fausett", "siang"):  # the book's signs, or the opposite: say which
        out.append(("text", rule.guide["signs"][lang]))
    if not spec.update_biases:
        out.append(("text", t["biases_fixed"]))
    if spec.round is not None:
        out.append(("text", t["round"].format(d=spec.round)))
    out.append(("text", t["mode"].format(m=setting_value("mode", spec.mode_text, lang))))
    if spec.momentum:
        L = spec.n_layers
        w = notation.weight(L, 0, 0)
        prev = notation.symbol("a", L - 1, 0) if L > 1 else notation.input(0)
        dw = RULES[spec.rule].guide_dw(
            notation.lr_symbol, notation.grad(w), notation.delta(L, 0), prev
        )
        f = f"{notation.change(w)}(t+1) = {dw} + μ·{notation.change(w)}(t)"
        out.append(("text", text("momentum", notation, mu=notation.number(spec.momentum), f=f)))
    if spec.target_loss is not None:
        e = notation.number(spec.target_loss)
        out.append(("text", text("target_loss", notation, e=e, n=spec.epochs)))
    if spec.init_method == "nguyen-widrow":
        out.append(("text", text("nguyen_widrow", notation)))
    out.append(("head", t["activations"]))
    for l, ly in enumerate(spec.layers, start=1):
        who = notation.layer_name(l)
        out.append(
            ("text", f"{l}: {who} {ly.activation}: {ACTIVATIONS[ly.activation].guide[lang]}")
        )
    out.append(("head", f"{t['notation']}: {notation.name}"))
    out += [("text", line) for line in notation.guide_notation()]
    out.append(("stamp", t["stamp"].format(v=version, t=spec.title, p=spec.preset, s=spec.seed)))
    return out
