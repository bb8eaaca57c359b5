"""Every activation, loss, backpropagation rule, hidden-error variant and accuracy rule, defined
once.

Each entry keeps side by side everything any stage needs of it: its value (numpy, for the
engine), its derivative, its spreadsheet formula (the layout map), its plain-text formula (the
grader's explanations and the Guide's formulas), its Guide sentence in English and Indonesian and,
for losses, its symbol. The engine, the layout map, the notation and Guide and the grader all read
these entries, so they can never disagree about one, and adding an activation, a loss or a
hidden-error variant is a single entry here (spec validation accepts the names in these
registries). The steps every rule shares have their formulas here too (:data:`EXACT`), and so
does each classic mistake (:data:`MISTAKES`: those formulas with one step slipped), which the
grader names when it reproduces a learner's wrong value.

Spreadsheet formulas use only ``+ - * /``, ``EXP``, ``SUMPRODUCT``, ``MAX``, ``IF`` and ``ROUND``.
The ``xl*`` functions take cell references (strings such as ``"H5"``) and return an expression
without the leading ``=``; the ``text*`` functions take symbols or numbers as text.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
#: a text in each language the workbooks speak
Texts = dict[str, str]


def paren(s: str) -> str:
    """``s`` as a factor or a base: in parentheses when it is a sum or difference (``t1−y1``)
    or a negative number (``(−0.5)²``, not ``−0.5²``)."""
    if s.startswith("(") and s.endswith(")") and s.count("(") == 1:
        return s
    return f"({s})" if s[:1] in "-−" or any(op in s[1:] for op in "+−- ") else s


# --------------------------------------------------------------------------- activations
def _sigmoid(z: Array) -> Array:
    # Stable for any |z|: exp is only ever taken of a non-positive number.
    # exp(-|z|) underflowing to 0 for |z| > ~745 is the right answer, not an error, even when
    # the caller runs under np.errstate(all="raise").
    z = np.asarray(z, dtype=np.float64)
    m = np.abs(z)
    if m.size and m.max() > 700.0:  # exp(-m) may underflow (to the right answer, 0)
        with np.errstate(under="ignore"):
            ez = np.exp(-m)
    else:
        ez = np.exp(-m)
    d = 1.0 + ez
    return np.where(z >= 0, 1.0 / d, ez / d)


@dataclass(frozen=True)
class Activation:
    name: str
    value: Callable[[Array], Array]
    #: f'(z) given z and a = f(z)
    deriv: Callable[[Array, Array], Array]
    #: spreadsheet formula of f, given the cell of z
    xl_value: Callable[[str], str]
    #: spreadsheet formula of f', given the cells of z and a
    xl_deriv: Callable[[str, str], str]
    #: plain-text formula of f, given the text of z (for explanations)
    text_value: Callable[[str], str]
    #: plain-text formula of f', given the text of z and a
    text_deriv: Callable[[str, str], str]
    #: whether f is differentiable everywhere (finite-difference checks apply)
    smooth: bool
    #: the Guide's line for f and f' (per language)
    guide: Texts
    #: the closed range of f: a target outside it can never be reached (refused in the spec)
    range: tuple[float, float] = (-math.inf, math.inf)


def _bipolar_sigmoid(z: Array) -> Array:
    # 2/(1+e^-z) − 1 = 2·sigmoid(z) − 1, as stable as the sigmoid for any |z|
    return 2.0 * _sigmoid(z) - 1.0


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid",
            _sigmoid,
            lambda z, a: a * (1.0 - a),
            # Both branches are exact; the IF keeps EXP from overflowing for large |z|.
            lambda z: f"IF({z}>=0,1/(1+EXP(-{z})),EXP({z})/(1+EXP({z})))",
            lambda z, a: f"{a}*(1-{a})",
            lambda z: f"1/(1+e^-({z}))",
            lambda z, a: f"{a}·(1-{a})",
            True,
            {"en": "f(z) = 1/(1+e^-z), f' = a·(1−a)", "id": "f(z) = 1/(1+e^-z), f' = a·(1−a)"},
            (0.0, 1.0),
        ),
        Activation(
            "tanh",
            np.tanh,
            lambda z, a: 1.0 - a * a,
            lambda z: f"IF({z}>=0,(1-EXP(-2*{z}))/(1+EXP(-2*{z})),(EXP(2*{z})-1)/(EXP(2*{z})+1))",
            lambda z, a: f"1-{a}*{a}",
            lambda z: f"tanh({z})",
            lambda z, a: f"1-{paren(a)}²",
            True,
            {"en": "f(z) = tanh z, f' = 1−a²", "id": "f(z) = tanh z, f' = 1−a²"},
            (-1.0, 1.0),
        ),
        Activation(
            # the textbooks' bipolar sigmoid; f' in their form ½·(1 + f)·(1 − f)
            "bipolar_sigmoid",
            _bipolar_sigmoid,
            lambda z, a: 0.5 * (1.0 + a) * (1.0 - a),
            # Both branches are 2/(1+e^-z) − 1; the IF keeps EXP from overflowing for large |z|.
            lambda z: f"IF({z}>=0,2/(1+EXP(-{z}))-1,2*EXP({z})/(1+EXP({z}))-1)",
            lambda z, a: f"0.5*(1+{a})*(1-{a})",
            lambda z: f"2/(1+e^-({z})) − 1",
            lambda z, a: f"½·(1+{a})·(1−{a})",
            True,
            {
                "en": "f(z) = 2/(1+e^-z) − 1 (the bipolar sigmoid; it equals tanh(z/2)), "
                "f' = ½·(1+f)·(1−f)",
                "id": "f(z) = 2/(1+e^-z) − 1 (sigmoid bipolar; sama dengan tanh(z/2)), "
                "f' = ½·(1+f)·(1−f)",
            },
            (-1.0, 1.0),
        ),
        Activation(
            "relu",
            lambda z: np.maximum(0.0, np.asarray(z, dtype=np.float64)),
            lambda z, a: (np.asarray(z) > 0).astype(np.float64),
            lambda z: f"MAX(0,{z})",
            lambda z, a: f"IF({z}>0,1,0)",
            lambda z: f"max(0, {z})",
            lambda z, a: f"(1 if {z} > 0 else 0)",
            False,
            {
                "en": "f(z) = max(0, z), f' = 1 if z > 0 else 0",
                "id": "f(z) = max(0, z), f' = 1 jika z > 0, selain itu 0",
            },
            (0.0, math.inf),
        ),
        Activation(
            "linear",
            lambda z: np.asarray(z, dtype=np.float64).copy(),
            lambda z, a: np.ones_like(np.asarray(z, dtype=np.float64)),
            lambda z: f"{z}",
            lambda z, a: "1",
            lambda z: f"{z}",
            lambda z, a: "1",
            True,
            {"en": "f(z) = z, f' = 1", "id": "f(z) = z, f' = 1"},
        ),
        Activation(
            "step",
            lambda z: (np.asarray(z) >= 0).astype(np.float64),
            # The perceptron learning rule: f' taken as 1.
            lambda z, a: np.ones_like(np.asarray(z, dtype=np.float64)),
            lambda z: f"IF({z}>=0,1,0)",
            lambda z, a: "1",
            lambda z: f"(1 if {z} ≥ 0 else 0)",
            lambda z, a: "1",
            False,
            {
                "en": "f(z) = 1 if z ≥ 0 else 0, f' taken as 1 (perceptron rule)",
                "id": "f(z) = 1 jika z ≥ 0, selain itu 0; f' dianggap 1 (aturan perceptron)",
            },
            (0.0, 1.0),
        ),
    )
}


# --------------------------------------------------------------------------- losses
@dataclass(frozen=True)
class Loss:
    name: str
    #: per-sample loss from the error vector e = t - y'
    value: Callable[[Array], float]
    #: dL/dy' from e (the gradient rule's output error)
    grad: Callable[[Array], Array]
    #: spreadsheet formula of the loss given the contiguous range of e and the number of outputs
    xl_value: Callable[[str, int], str]
    #: spreadsheet formula of dL/dy'_k given the cell of e_k and the number of outputs
    xl_grad: Callable[[str, int], str]
    #: plain-text loss formula given the list of e texts
    text_value: Callable[[Sequence[str]], str]
    #: plain-text dL/dy' given the text of e_k and the number of outputs
    text_grad: Callable[[str, int], str]
    #: the loss's usual symbol (the course's; a notation may name it otherwise)
    symbol: str
    #: the Guide's formula of the loss, ``e_k`` standing for the error of output k
    guide: Texts
    #: the Guide's dL/dy' given the text of the error (n outputs written ``n``)
    guide_grad: Callable[[str], str]


def _sq(terms: Sequence[str]) -> str:
    return " + ".join(f"{paren(t)}²" for t in terms)


LOSSES: dict[str, Loss] = {
    f.name: f
    for f in (
        Loss(
            "mse",
            lambda e: float(np.dot(e, e) / e.size),
            lambda e: -(2.0 / e.size) * e,
            lambda rng, n: f"SUMPRODUCT({rng},{rng})/{n}",
            lambda e, n: f"-2/{n}*{e}",
            lambda es: f"({_sq(es)})/{len(es)}",
            lambda e, n: f"-2/{n}·{paren(e)}",
            "MSE",
            {
                "en": "MSE = (1/n)·Σ e_k² (mean of the squared errors of the n outputs)",
                "id": "MSE = (1/n)·Σ e_k² (rata-rata kuadrat galat n keluaran)",
            },
            lambda e: f"−(2/n)·{paren(e)}",
        ),
        Loss(
            "half_sse",
            lambda e: float(0.5 * np.dot(e, e)),
            lambda e: -e,
            lambda rng, n: f"SUMPRODUCT({rng},{rng})/2",
            lambda e, n: f"-{e}",
            lambda es: f"({_sq(es)})/2",
            lambda e, n: f"-{paren(e)}",
            "E",
            {
                "en": "E = ½·Σ e_k² (half the sum of squared errors)",
                "id": "E = ½·Σ e_k² (setengah jumlah kuadrat galat)",
            },
            lambda e: f"−{paren(e)}",
        ),
        Loss(
            "sse",
            lambda e: float(np.dot(e, e)),
            lambda e: -2.0 * e,
            lambda rng, n: f"SUMPRODUCT({rng},{rng})",
            lambda e, n: f"-2*{e}",
            lambda es: _sq(es),
            lambda e, n: f"-2·{paren(e)}",
            "SSE",
            {
                "en": "SSE = Σ e_k² (sum of squared errors)",
                "id": "SSE = Σ e_k² (jumlah kuadrat galat)",
            },
            lambda e: f"−2·{paren(e)}",
        ),
    )
}


# --------------------------------------------------------------------------- hidden errors
#: one term of a hidden error: (the weight w[l+1][k,j] from neuron j to neuron k of the next
#: layer, all the weights into neuron k, the error or delta of neuron k) — as cells or as text
HiddenTerm = tuple[str, Sequence[str], str]


class ZeroShare(ArithmeticError):
    """The weights into neuron ``k`` (0-based) of the next layer sum to zero (proportional)."""

    def __init__(self, k: int) -> None:
        super().__init__(k)
        self.k = k


def _proportional(w_next: Array, v_next: Array) -> Array:
    # each error is shared among a neuron's incoming weights in proportion to them
    sums = w_next.sum(axis=1)
    zero = np.flatnonzero(sums == 0)
    if zero.size:
        raise ZeroShare(int(zero[0]))
    return ((w_next / sums[:, None]) * v_next[:, None]).sum(axis=0)


@dataclass(frozen=True)
class HiddenError:
    """How a hidden layer's error is formed from the next layer (design.md §2)."""

    name: str
    #: which quantity of the next layer is sent back: "err" (raw errors) or "delta"
    source: str
    #: err of the hidden layer from W[l+1] (rows = next layer's neurons) and that quantity
    value: Callable[[Array, Array], Array]
    #: spreadsheet formula of err_l[j] from its terms (cells)
    xl: Callable[[Sequence[HiddenTerm]], str]
    #: plain-text formula of err_l[j] from its terms (symbols or numbers)
    text: Callable[[Sequence[HiddenTerm]], str]
    #: the Guide's sentence, ``{f}`` the formula in the notation's symbols
    guide: Texts


def _xl_products(terms: Sequence[HiddenTerm]) -> str:
    return "+".join(f"{w}*{v}" for w, _, v in terms)


def _text_products(terms: Sequence[HiddenTerm]) -> str:
    return " + ".join(f"{w}·{v}" for w, _, v in terms)


HIDDEN_ERROR_RULES: dict[str, HiddenError] = {
    h.name: h
    for h in (
        HiddenError(
            "transpose",
            "err",
            lambda w_next, v: w_next.T @ v,
            _xl_products,
            _text_products,
            {
                "en": "Hidden layers: the next layer's raw errors through the weights in use "
                "(not the exact gradient): {f}.",
                "id": "Lapisan tersembunyi: galat mentah lapisan berikutnya melalui bobot yang "
                "dipakai (bukan gradien eksak): {f}.",
            },
        ),
        HiddenError(
            "proportional",
            "err",
            _proportional,
            lambda ts: "+".join(f"{w}/({'+'.join(row)})*{v}" for w, row, v in ts),
            lambda ts: " + ".join(f"{w}/({' + '.join(row)})·{v}" for w, row, v in ts),
            {
                "en": "Hidden layers: each error is shared among a neuron's incoming weights in "
                "proportion to them: {f}.",
                "id": "Lapisan tersembunyi: galat dibagi ke bobot masuk sebuah neuron sebanding "
                "dengan bobotnya: {f}.",
            },
        ),
        HiddenError(
            # W[l+1]ᵀ·δ[l+1]: the gradient rule's, and Fausett's δ_in_j = Σ_k δ_k·w_jk
            "delta",
            "delta",
            lambda w_next, v: w_next.T @ v,
            _xl_products,
            _text_products,
            {
                "en": "Hidden layers: the next layer's deltas through the weights in use before "
                "this step's update: {f}.",
                "id": "Lapisan tersembunyi: delta lapisan berikutnya melalui bobot sebelum "
                "pembaruan langkah ini: {f}.",
            },
        ),
    )
}


# --------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Rule:
    """A backpropagation rule: how the output error is formed, how hidden errors are formed and
    the sign of the update."""

    name: str
    #: err_L from e (and the loss); vector
    output_err: Callable[[Loss, Array], Array]
    #: spreadsheet formula of err_L,k given the cell of e_k and the number of outputs
    xl_output_err: Callable[[Loss, str, int], str]
    #: plain-text err_L,k given the text of e_k and the number of outputs
    text_output_err: Callable[[Loss, str, int], str]
    #: the Guide's err_L,k given the text of e_k (n outputs written ``n``)
    guide_output_err: Callable[[Loss, str], str]
    #: the hidden-error entry every spec of this rule uses; None: the spec's ``hidden_error``
    hidden: str | None
    #: +1: dw = +lr*grad (error rule); -1: dw = -lr*grad (gradient rule)
    sign: int
    #: plain-text dw from the learning rate and the gradient's text
    text_dw: Callable[[str, str], str]
    #: the Guide's update formula from the symbols of lr, the gradient, the delta and the input
    guide_dw: Callable[[str, str, str, str], str]
    #: the Guide's sentences: "out" (the output error, ``{f}`` = ``{g}``), "update" (``{f}``)
    #: and "signs" (the sign convention of the err/δ/∂ columns)
    guide: dict[str, Texts]


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule(
            "gradient",
            lambda loss, e: loss.grad(e),
            lambda loss, e, n: loss.xl_grad(e, n),
            lambda loss, e, n: loss.text_grad(e, n),
            lambda loss, e: loss.guide_grad(e),
            "delta",
            -1,
            lambda lr, g: f"-{lr}·{g}",
            lambda lr, g, d, a: f"−{lr}·{g}",
            {
                "out": {
                    "en": "Output layer, the error sent back is the derivative of the loss "
                    "by the output: {f} = {g}.",
                    "id": "Lapisan keluaran, galat yang dikirim balik adalah turunan fungsi galat "
                    "terhadap keluaran: {f} = {g}.",
                },
                "update": {
                    "en": "Change = −learning rate × gradient (down the gradient); new = "
                    "old + change: {f}.",
                    "id": "Perubahan = −laju pembelajaran × gradien (menuruni gradien); "
                    "baru = lama + perubahan: {f}.",
                },
                "signs": {
                    "en": "Signs: err, δ and ∂ carry the derivative's sign (∂loss/∂…, as "
                    "in Mazur's example): positive when the output is too large.",
                    "id": "Tanda: err, δ dan ∂ bertanda turunan (∂E/∂…, seperti contoh "
                    "Mazur): positif bila keluaran terlalu besar.",
                },
            },
        ),
        Rule(
            "error",
            lambda loss, e: np.array(e, dtype=np.float64),
            lambda loss, e, n: f"{e}",
            lambda loss, e, n: f"{e}",
            lambda loss, e: e,
            None,
            +1,
            lambda lr, g: f"{lr}·{g}",
            lambda lr, g, d, a: f"+{lr}·{d}·{a}",
            {
                "out": {
                    "en": "Output layer, the error sent back is the error itself, whatever "
                    "the loss (the loss is only reported): {f} = {g}.",
                    "id": "Lapisan keluaran, galat yang dikirim balik adalah galat itu "
                    "sendiri, apa pun fungsi galatnya (fungsi galat hanya dilaporkan): {f} = {g}.",
                },
                "update": {
                    "en": "Change = +learning rate × delta × input (the error already "
                    "points downhill); new = old + change: {f}.",
                    "id": "Perubahan = +laju pembelajaran × delta × masukan; baru = lama "
                    "+ perubahan: {f}.",
                },
                "signs": {
                    "en": "Signs: err, δ and ∂ carry the error's sign t − y (as in "
                    "Fausett): positive when the output is too small.",
                    "id": "Tanda: err, δ dan ∂ bertanda galat t − y (seperti Fausett): "
                    "positif bila keluaran terlalu kecil.",
                },
            },
        ),
    )
}


# --------------------------------------------------------------------------- single-layer rules
def _theta_step(z: Array, theta: float) -> Array:
    # Fausett's perceptron output: 1 above the band, −1 below it, 0 inside −θ ≤ y_in ≤ θ
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > theta, 1.0, np.where(z < -theta, -1.0, 0.0))


def _bipolar_step(z: Array, theta: float = 0.0) -> Array:
    return np.where(np.asarray(z) >= 0, 1.0, -1.0)


def _binary_step(z: Array, theta: float = 0.0) -> Array:
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


@dataclass(frozen=True)
class SingleRule:
    """A single-layer learning rule (no hidden layer; design.md §12): Hebb, Fausett's perceptron
    and Adaline. The engine, the layout and the Guide read this entry; the steps' spreadsheet
    formulas (and their slips) are :class:`Steps`' single-layer fields."""

    name: str
    #: the Steps quantities of a row beyond x, t, the weights in use and the new weights, in order
    quantities: tuple[str, ...]
    #: whether the change is scaled by the learning rate α
    uses_lr: bool
    #: when training stops: "pass" (one pass over the patterns), "no_change" (the first epoch in
    #: which no weight changed) or "tolerance" (the first epoch whose largest |Δ| < tolerance)
    stop: str
    #: the output y from y_in and θ (training; None: no output during training)
    output: Callable[[Array, float], Array] | None
    #: the factor f of Δw_i = [α·] f·x_i and Δb = [α·] f, from t, y_in and y (per output)
    factor: Callable[[Array, Array, Array], Array]
    #: the test table's output from y_in and θ, given whether the targets are binary (0/1)
    test: Callable[[Array, float, bool], Array]
    #: the Guide's sentences: "rule" (the update), "stop" (when training stops), "test"
    guide: dict[str, Texts]


SINGLE_RULES: dict[str, SingleRule] = {
    r.name: r
    for r in (
        SingleRule(
            "hebb",
            ("dw", "db"),
            False,
            "pass",
            None,
            lambda t, z, y: np.asarray(t, dtype=np.float64),
            lambda z, theta, binary: _binary_step(z) if binary else _bipolar_step(z),
            {
                "rule": {
                    "en": "Hebb rule, one pass over the patterns in order: {dw} = {x}·{t}, "
                    "{db} = {t}; new = old + change (no learning rate, no activation).",
                    "id": "Aturan Hebb, satu kali melewati semua pola berurutan: {dw} = {x}·{t}, "
                    "{db} = {t}; baru = lama + perubahan (tanpa laju pembelajaran dan tanpa "
                    "fungsi aktivasi).",
                },
                "stop": {
                    "en": "Training is one pass (one epoch) over the patterns.",
                    "id": "Pelatihan adalah satu kali melewati semua pola (satu epoch).",
                },
                "test": {
                    "en": "Test with the trained weights: {y} = 1 if {z} ≥ 0 else {low}; the "
                    "pattern is recognised when {y} = {t}.",
                    "id": "Uji dengan bobot hasil pelatihan: {y} = 1 jika {z} ≥ 0, selain itu "
                    "{low}; pola dikenali bila {y} = {t}.",
                },
            },
        ),
        SingleRule(
            "perceptron",
            ("z", "a", "updated", "dw", "db"),
            True,
            "no_change",
            _theta_step,
            lambda t, z, y: np.where(y != t, t, 0.0),
            lambda z, theta, binary: _theta_step(z, theta),
            {
                "rule": {
                    "en": "Perceptron (Fausett): {z} = {b} + Σ {x}·{w}; {y} = 1 if {z} > θ, 0 if "
                    "−θ ≤ {z} ≤ θ, −1 if {z} < −θ. Only when {y} ≠ {t}: {dw} = {lr}·{t}·{x}, "
                    "{db} = {lr}·{t}; otherwise nothing changes.",
                    "id": "Perceptron (Fausett): {z} = {b} + Σ {x}·{w}; {y} = 1 jika {z} > θ, 0 "
                    "jika −θ ≤ {z} ≤ θ, −1 jika {z} < −θ. Hanya bila {y} ≠ {t}: {dw} = "
                    "{lr}·{t}·{x}, {db} = {lr}·{t}; selain itu bobot tidak berubah.",
                },
                "stop": {
                    "en": "Training stops after the first epoch in which no weight changed (or "
                    "at the last epoch); when the weights at the end of an epoch equal those "
                    "at the end of an earlier one, training cycles and never converges.",
                    "id": "Pelatihan berhenti setelah epoch pertama yang tidak mengubah bobot "
                    "sama sekali (atau pada epoch terakhir); bila bobot di akhir suatu epoch "
                    "sama dengan bobot di akhir epoch sebelumnya, pelatihan berputar dan "
                    "tidak pernah konvergen.",
                },
                "test": {
                    "en": "Test with the trained weights: {y} from {z} with the same θ band; the "
                    "pattern is recognised when {y} = {t}.",
                    "id": "Uji dengan bobot hasil pelatihan: {y} dari {z} dengan pita θ yang "
                    "sama; pola dikenali bila {y} = {t}.",
                },
            },
        ),
        SingleRule(
            "adaline",
            ("z", "a", "e", "loss", "dw", "db"),
            True,
            "tolerance",
            lambda z, theta: _bipolar_step(z),
            lambda t, z, y: np.asarray(t, dtype=np.float64) - z,
            lambda z, theta, binary: _bipolar_step(z),
            {
                "rule": {
                    "en": "Adaline (delta rule): {z} = {b} + Σ {x}·{w}; the error is taken from "
                    "{z} itself (identity): {e} = {t} − {z}; {dw} = {lr}·{e}·{x}, {db} = "
                    "{lr}·{e}. {y} = 1 if {z} ≥ 0 else −1 is shown but not used in training.",
                    "id": "Adaline (aturan delta): {z} = {b} + Σ {x}·{w}; galat diambil dari "
                    "{z} sendiri (identitas): {e} = {t} − {z}; {dw} = {lr}·{e}·{x}, {db} = "
                    "{lr}·{e}. {y} = 1 jika {z} ≥ 0, selain itu −1 ditampilkan tetapi tidak "
                    "dipakai dalam pelatihan.",
                },
                "stop": {
                    "en": "Training stops after the first epoch whose largest |Δw| and |Δb| are "
                    "all below the tolerance (or at the last epoch).",
                    "id": "Pelatihan berhenti setelah epoch pertama yang |Δw| dan |Δb| "
                    "terbesarnya lebih kecil dari toleransi (atau pada epoch terakhir).",
                },
                "test": {
                    "en": "Test with the trained weights: {y} = 1 if {z} ≥ 0 else −1; the "
                    "pattern is recognised when {y} = {t}.",
                    "id": "Uji dengan bobot hasil pelatihan: {y} = 1 jika {z} ≥ 0, selain itu "
                    "−1; pola dikenali bila {y} = {t}.",
                },
            },
        ),
    )
}


def is_single(rule: str) -> bool:
    """Whether ``rule`` is a single-layer rule (Hebb, perceptron, Adaline)."""
    return rule in SINGLE_RULES


def hidden_error_rule(rule: str, hidden_error: str) -> HiddenError:
    """The hidden-error entry a spec uses: its rule's own, or the spec's ``hidden_error`` (a
    single-layer rule has no hidden layer: the spec's, never used to compute)."""
    own = RULES[rule].hidden if rule in RULES else None
    return HIDDEN_ERROR_RULES[own or hidden_error]


# --------------------------------------------------------------------------- accuracy
@dataclass(frozen=True)
class Correct:
    """When a sample counts as correct (the Steps ``correct`` column; accuracy is its mean)."""

    name: str
    #: 1 or 0 from the outputs y and the 0/1 targets t of one sample
    value: Callable[[Array, Array], int]
    #: spreadsheet formula from the cells of the outputs and of the targets (contiguous)
    xl: Callable[[Sequence[str], Sequence[str]], str]
    #: what accuracy counts, in words (explanations)
    text: Texts
    #: the Guide's sentence; ``{correct}`` the column's name, ``{steps}`` the sheet's, ``{y}``
    #: an output in the notation's symbols
    guide: Texts


THRESHOLD = 0.5

CORRECT_RULES: dict[str, Correct] = {
    c.name: c
    for c in (
        Correct(
            # every output, read as 1 when y >= 0.5, equals its 0/1 target
            "threshold",
            lambda y, t: int(np.all((y >= THRESHOLD) == (t == 1))),
            lambda ys, ts: "*".join(
                f"IF(({y}>={THRESHOLD})=({t}=1),1,0)" for y, t in zip(ys, ts, strict=True)
            ),
            {
                "en": "share of samples whose outputs all match their 0/1 targets",
                "id": "bagian pola yang semua keluarannya sama dengan target 0/1-nya",
            },
            {
                "en": "{correct} ({steps}): 1 when every output, read as 1 if {y} ≥ 0.5 and 0 "
                "otherwise, equals its 0/1 target, else 0; accuracy is the mean of this "
                "column over the epoch.",
                "id": "{correct} ({steps}): 1 bila setiap keluaran, dibaca 1 jika {y} ≥ 0,5 dan 0 "
                "jika tidak, sama dengan targetnya yang 0/1, selain itu 0; akurasi adalah "
                "rata-rata kolom ini dalam satu epoch.",
            },
        ),
        Correct(
            # one-hot class targets: the target class has the largest output (argmax)
            "argmax",
            lambda y, t: int(y[t == 1][0] >= y.max()),
            lambda ys, ts: (
                f"IF(SUMPRODUCT({ts[0]}:{ts[-1]},{ys[0]}:{ys[-1]})>=MAX({ys[0]}:{ys[-1]}),1,0)"
            ),
            {
                "en": "share of samples whose target class has the largest output",
                "id": "bagian pola yang kelas targetnya memiliki keluaran terbesar",
            },
            {
                "en": "{correct} ({steps}): 1 when the target class (the output whose target is 1) "
                "has the largest output, else 0 (argmax); accuracy is the mean of this column "
                "over the epoch.",
                "id": "{correct} ({steps}): 1 bila kelas target (keluaran yang targetnya 1) "
                "memiliki keluaran terbesar (argmax), selain itu 0; akurasi adalah rata-rata "
                "kolom ini dalam satu epoch.",
            },
        ),
    )
}


def correct_rule(one_hot: bool) -> Correct:
    """Argmax for one-hot class targets, else every output thresholded at 0.5."""
    return CORRECT_RULES["argmax" if one_hot else "threshold"]


# The registries' names, for validation and tests. Spec validation reads the registries
# themselves, so an entry added at run time is accepted.
HIDDEN_ERRORS = tuple(HIDDEN_ERROR_RULES)
LOSS_NAMES = tuple(LOSSES)
ACTIVATION_NAMES = tuple(ACTIVATIONS)
RULE_NAMES = tuple(RULES)


def xl_dw(sign: int, grad: str) -> str:
    """Spreadsheet formula of a weight change from its gradient cell."""
    return f"learning_rate*{grad}" if sign > 0 else f"-learning_rate*{grad}"


# --------------------------------------------------------------------------- the steps' formulas
#: the blocks an exercise can ask, in their order, and the trace quantities of each (design.md
#: §5 names): the one list of block names (the exercise, the grader and their words read it)
BLOCKS: dict[str, tuple[str, ...]] = {
    # the Nguyen–Widrow work on Setup: each unit's norm, β and the rescaled weights (asked only
    # when named: ``--ask init``; the draws are the givens)
    "init": ("nw_norm", "nw_beta", "nw_w"),
    # test_z, test_y: the single-layer rules' test table (the trained net's y_in and y)
    "forward": ("z", "a", "test_z", "test_y"),
    # epoch_updates, max_change: the perceptron's and Adaline's epoch summaries (issue 24)
    "errors": ("e", "loss", "epoch_loss", "accuracy", "epoch_updates", "max_change"),
    "backward": ("err", "fprime", "delta"),
    "updates": ("grad_w", "grad_b", "updated", "dw", "db", "w_new", "b_new"),
}
BLOCK_OF: dict[str, str] = {q: b for b, qs in BLOCKS.items() for q in qs}
#: the blocks an exercise asks when none are named (``all``): the trace's, not ``init``
DEFAULT_BLOCKS: tuple[str, ...] = ("forward", "errors", "backward", "updates")


def xl_nw_beta(p: int | str, n: int | str) -> str:
    """Nguyen–Widrow's β = 0.7·p^(1/n) as a spreadsheet formula (p units, n inputs)."""
    return f"0.7*POWER({p},1/{n})"


def xl_nw_norm(rng: str) -> str:
    """The norm √(Σ v²) of the draws in ``rng`` as a spreadsheet formula."""
    return f"SQRT(SUMPRODUCT({rng},{rng}))"


@dataclass(frozen=True)
class Steps:
    """The spreadsheet formula of each step every rule shares, from the cells it reads (the
    layout supplies the cells, the entries above the rule's own parts). :data:`EXACT` is what the
    workbook holds; each :class:`Mistake` is this set with one step slipped."""

    #: z from ``SUMPRODUCT(w, a_prev)`` and the bias cell
    net: Callable[[str, str], str]
    #: e from the cells of t and y'
    error: Callable[[str, str], str]
    #: f' from the activation and the cells of z and a
    deriv: Callable[[Activation, str, str], str]
    #: δ from the cells of err and f'
    delta: Callable[[str, str], str]
    #: the quantity a hidden error reads from the next layer, given its entry's ``source``
    sent: Callable[[str], str]
    #: the next layer's weights a hidden error reads: ``w`` (in use) or ``w_new`` (updated)
    weights: str
    #: Δ from the rule's sign and the gradient's cell
    change: Callable[[int, str], str]
    #: Δ with momentum from the rule's change, the cell of μ and the previous update's Δ cell
    momentum: Callable[[str, str, str], str]
    #: the new weight from the weight in use and Δ
    new: Callable[[str, str], str]
    # ---- single-layer rules (design.md §12)
    #: the perceptron's y from the cells of y_in and θ (Fausett's band)
    theta_step: Callable[[str, str], str] = lambda z, th: f"IF({z}>{th},1,IF({z}<-{th},-1,0))"
    #: the perceptron's "updated" (1/0) from the cells of y and t
    updated: Callable[[str, str], str] = lambda y, t: f"IF({y}={t},0,1)"
    #: a perceptron change, ``expr``, made only when the ``updated`` cell says 1
    gate: Callable[[str, str], str] = lambda u, expr: f"IF({u}=1,{expr},0)"
    #: the column a perceptron change multiplies: the target t (a slip: the output y, ``a``)
    teacher: str = "t"
    #: the column Adaline's error reads: its net y_in, ``z`` (a slip: the thresholded y, ``a``)
    adaline_out: str = "z"
    #: Hebb's change from the cells of x (None for the bias) and t
    hebb: Callable[[str | None, str], str] = lambda x, t: t if x is None else f"{x}*{t}"


EXACT = Steps(
    net=lambda products, bias: f"{products}+{bias}",
    error=lambda t, y: f"{t}-{y}",
    deriv=lambda act, z, a: act.xl_deriv(z, a),
    delta=lambda err, fprime: f"{err}*{fprime}",
    sent=lambda source: source,
    weights="w",
    change=xl_dw,
    momentum=lambda change, mu, prev: f"{change}+{mu}*{prev}",
    new=lambda w, dw: f"{w}+{dw}",
)


@dataclass(frozen=True)
class Mistake:
    """A classic slip: :data:`EXACT` with one step done wrong. The grader evaluates a wrong cell's
    slipped formula on the learner's own earlier values and names the slip when it gives the
    learner's number (words for each code: :mod:`nnsheet.words.grading_text`)."""

    code: str
    #: the quantities whose formula the slip changes
    quantities: tuple[str, ...]
    steps: Steps
    #: a slip of the Nguyen–Widrow work on Setup: the slipped formulas of the cell, from the
    #: layer's p (units), n (inputs) and the range of all its draws (None: a Steps slip)
    setup: Callable[[int, int, str], tuple[str, ...]] | None = None


_SWAPPED = {"err": "delta", "delta": "err"}

MISTAKES: dict[str, Mistake] = {
    m.code: m
    for m in (
        # net = Σ w·a, the bias left out
        Mistake(
            "forgot_bias", ("z",), dataclasses.replace(EXACT, net=lambda products, bias: products)
        ),
        # e = y' − t instead of t − y'
        Mistake("error_sign", ("e",), dataclasses.replace(EXACT, error=lambda t, y: f"{y}-{t}")),
        # f' from net instead of the output: net·(1 − net) for the sigmoid
        Mistake(
            "fprime_from_net",
            ("fprime",),
            dataclasses.replace(EXACT, deriv=lambda act, z, a: act.xl_deriv(z, z)),
        ),
        # the binary sigmoid's f' = f·(1 − f) taken for a bipolar sigmoid unit
        Mistake(
            "fprime_binary_for_bipolar",
            ("fprime",),
            dataclasses.replace(
                EXACT,
                deriv=lambda act, z, a: (
                    ACTIVATIONS["sigmoid"].xl_deriv(z, a)
                    if act.name == "bipolar_sigmoid"
                    else act.xl_deriv(z, a)
                ),
            ),
        ),
        # δ = err, the derivative factor left out
        Mistake("no_fprime", ("delta",), dataclasses.replace(EXACT, delta=lambda err, fprime: err)),
        # a hidden error through the next layer's weights already updated this step
        Mistake("new_weights_in_backprop", ("err",), dataclasses.replace(EXACT, weights="w_new")),
        # raw errors sent back where the rule sends deltas, or deltas where it sends raw errors
        Mistake("rule_swap", ("err",), dataclasses.replace(EXACT, sent=_SWAPPED.__getitem__)),
        # Δ = ±gradient, the learning rate left out
        Mistake(
            "no_learning_rate",
            ("dw", "db"),
            dataclasses.replace(EXACT, change=lambda sign, g: g if sign > 0 else f"-{g}"),
        ),
        # Δ = the rule's change alone, the momentum term μ·Δ(t−1) left out
        Mistake(
            "no_momentum",
            ("dw", "db"),
            dataclasses.replace(EXACT, momentum=lambda change, mu, prev: change),
        ),
        # Nguyen–Widrow's β from n^(1/n), p^(1/p) or n^(1/p) instead of p^(1/n)
        Mistake(
            "nw_inputs_for_hidden",
            ("nw_beta",),
            EXACT,
            setup=lambda p, n, rng: (xl_nw_beta(n, n), xl_nw_beta(p, p), xl_nw_beta(n, p)),
        ),
        # one norm over all of a layer's draws instead of one per hidden unit
        Mistake(
            "nw_whole_matrix",
            ("nw_norm",),
            EXACT,
            setup=lambda p, n, rng: (xl_nw_norm(rng),),
        ),
        # ---- single-layer rules (design.md §12)
        # the perceptron's weights changed although y = t (the "only when y ≠ t" left out)
        Mistake(
            "perceptron_update_when_correct",
            ("updated", "dw", "db"),
            dataclasses.replace(EXACT, updated=lambda y, t: "1", gate=lambda u, expr: expr),
        ),
        # the perceptron's y from the sign of y_in, the θ band ignored
        Mistake(
            "perceptron_no_theta",
            ("a",),
            dataclasses.replace(EXACT, theta_step=lambda z, th: f"IF({z}>0,1,IF({z}<0,-1,0))"),
        ),
        # the perceptron's change α·y·x instead of α·t·x
        Mistake("perceptron_used_y", ("dw", "db"), dataclasses.replace(EXACT, teacher="a")),
        # Adaline's error t − y from the thresholded y instead of t − y_in
        Mistake("adaline_used_y", ("e",), dataclasses.replace(EXACT, adaline_out="a")),
        # Hebb with binary (0/1) patterns: a 0 in x or t taken as −1, so a 0 target or input
        # still changes the weights (only the bipolar form does that)
        Mistake(
            "hebb_binary_zero",
            ("dw", "db"),
            dataclasses.replace(
                EXACT,
                hebb=lambda x, t: (
                    f"IF({t}=0,-1,{t})" if x is None else f"IF({x}=0,-1,{x})*IF({t}=0,-1,{t})"
                ),
            ),
        ),
        # new = w − Δ where the rule adds Δ (and Δ taken with the opposite sign)
        Mistake(
            "update_sign",
            ("dw", "db", "w_new", "b_new"),
            dataclasses.replace(
                EXACT, change=lambda sign, g: xl_dw(-sign, g), new=lambda w, dw: f"{w}-{dw}"
            ),
        ),
    )
}
