"""Explanations: the expected value's formula with the symbols, then with the numbers."""

from __future__ import annotations

import re

from ..core.cells import cell_pos
from ..core.ops import ACTIVATIONS, LOSSES, RULES, correct_rule, hidden_error_rule, paren
from ..sheet.formula import FormulaError
from ..words.grading_text import mistake_words, number, say
from ..words.numbers import formula_text
from .key import AnswerCell, AnswerKey, LearnerEnv

# =========================================================================== explanations


def _n(v: float, lang: str = "en") -> str:
    """A number in an explanation, in ``lang`` (``0,589`` in Indonesian)."""
    return number(v, lang)


def _factor(v: float, lang: str = "en") -> str:
    """A number as a factor: negative numbers in parentheses."""
    s = _n(v, lang)
    return f"({s})" if s.startswith("-") else s


def explain(key: AnswerKey, row: AnswerCell, lang: str = "en") -> str:
    """The expected value's formula with the symbols, then the numbers substituted:
    ``O1 = 1/(1+e^-(net O1)) = 1/(1+e^-(0.1·1 + 0.2·0.5 + 0.3·0.2 + 0.1)) = 0.589``."""
    try:
        # a single-layer rule's own cells (y, updated, Δ, the test table): its formula with
        # the numbers (the backpropagation texts below do not apply to them)
        single = key.spec.single and row.quantity not in ("z", "w_new", "b_new")
        text = None if single else _explain(key, row, lang)
    except (KeyError, IndexError, TypeError, ValueError):
        text = None
    if text is None:
        text = (
            _explain_single(key, row, lang) if key.spec.single else _explain_formula(key, row, lang)
        )
    if key.spec.round is not None:
        text += say("rounded", lang, d=key.spec.round)
    return text


def _explain(key: AnswerKey, row: AnswerCell, lang: str = "en") -> str | None:
    def _n(v: float) -> str:  # every number of this explanation in ``lang``
        return number(v, lang)

    def _p(v: float) -> str:
        return _factor(v, lang)

    spec, nt, tr = key.spec, key.layout.notation, key.trace
    q = row.quantity
    L = spec.n_layers
    val = row.value
    sym = row.label
    layer, j, i = row.layer, row.j, row.i
    j0 = None if j is None else j - 1
    i0 = None if i is None else i - 1
    if q in ("epoch_loss", "accuracy"):
        ep = tr.epochs[row.epoch - 1]  # type: ignore[operator]
        recs = [s for st in tr.steps[ep.first_step - 1 : ep.last_step] for s in st.samples]
        if q == "epoch_loss":
            parts = [_n(s.loss) for s in recs]
            sy = say("mean_loss", lang, loss=nt.symbol("loss"))
        else:
            parts = [str(s.correct) for s in recs]
            sy = correct_rule(spec.one_hot_targets).text[lang]
        return f"{sym} = {sy} = ({' + '.join(parts)})/{len(recs)} = {_n(val)}"
    st = tr.steps[row.step - 1]  # type: ignore[operator]
    sample = row.sample
    rec = None
    if sample is not None:
        rec = next(s for s in st.samples if s.sample == sample)
    k = (layer or 1) - 1
    if q in ("w_new", "b_new"):
        src = st.samples[0]
        if q == "w_new":
            w, d = src.w[k][j0, i0], st.dw[k][j0, i0]
            base, dsym = nt.symbol("w", layer, j0, i0), nt.symbol("dw", layer, j0, i0)
        else:
            w = src.b[k][j0]
            base = nt.symbol("b", layer, j0)
            if st.db is None:
                return f"{sym} = {base} = {_n(w)} {say('biases_fixed', lang)}"
            d, dsym = st.db[k][j0], nt.symbol("db", layer, j0)
        return f"{sym} = {base} + {dsym} = {_n(w)} + {_p(d)} = {_n(val)}"
    # momentum: the update's Δ adds μ·Δ of the previous update (none before the first)
    carry = ("", "")
    if spec.momentum and q in ("dw", "db") and (rec is None or spec.mode == "online"):
        before = tr.steps[st.step - 2] if st.step > 1 else None
        if before is not None:
            d = before.dw[k][j0, i0] if q == "dw" else before.db[k][j0]  # type: ignore[index]
            carry = (f" + μ·{sym}(t−1)", f" + {_n(spec.momentum)}·{_p(d)}")
    if rec is None:  # batch update row: dw / db mean over the batch
        if q == "dw":
            parts = [_p(s.dw[k][j0, i0]) for s in st.samples]
        else:
            parts = [_p(s.db[k][j0]) for s in st.samples]  # type: ignore[index]
        return (
            f"{sym} = {say('batch_mean', lang, sym=sym)}{carry[0]} = ({' + '.join(parts)})/"
            f"{len(parts)}{carry[1]} = {_n(val)}"
        )
    a_in = rec.x if layer == 1 else (rec.a[k - 1] if layer else None)
    if q == "z":
        prev = [nt.symbol("a" if layer > 1 else "x", layer - 1, m) for m in range(len(a_in))]
        ws = [nt.symbol("w", layer, j0, m) for m in range(len(a_in))]
        sy = " + ".join(f"{w}·{p}" for w, p in zip(ws, prev, strict=True))
        sy += f" + {nt.symbol('b', layer, j0)}"
        return f"{sym} = {sy} = {_z_text(rec, k, j0, lang)} = {_n(val)}"
    if q == "a":
        act = ACTIVATIONS[spec.layers[k].activation]
        zs = nt.symbol("z", layer, j0)
        z_text = _z_text(rec, k, j0, lang)
        return f"{sym} = {act.text_value(zs)} = {act.text_value(z_text)} = {_n(val)}"
    if q == "e":
        ts, ys = nt.symbol("t", L, j0), nt.symbol("a", L, j0)
        return f"{sym} = {ts} - {ys} = {_n(rec.t[j0])} - {_p(rec.a[L - 1][j0])} = {_n(val)}"
    if q == "loss":
        loss = LOSSES[spec.loss]
        es = [nt.symbol("e", L, m) for m in range(len(rec.e))]
        return (
            f"{sym} = {loss.text_value(es)} = {loss.text_value([_p(v) for v in rec.e])} = {_n(val)}"
        )
    if q == "err":
        rule = RULES[spec.rule]
        n = spec.sizes[L]
        if layer == L:
            es = nt.symbol("e", L, j0)
            return (
                f"{sym} = {rule.text_output_err(LOSSES[spec.loss], es, n)} = "
                f"{rule.text_output_err(LOSSES[spec.loss], _p(rec.e[j0]), n)} = {_n(val)}"
            )
        hidden = hidden_error_rule(spec.rule, spec.hidden_error)
        W = rec.w[k + 1]
        sent = getattr(rec, hidden.source)[k + 1]
        syms = [
            (
                nt.symbol("w", layer + 1, m, j0),
                [nt.symbol("w", layer + 1, m, c) for c in range(W.shape[1])],
                nt.symbol(hidden.source, layer + 1, m),
            )
            for m in range(W.shape[0])
        ]
        nums = [(_p(W[m, j0]), [_p(x) for x in W[m]], _p(sent[m])) for m in range(W.shape[0])]
        return f"{sym} = {hidden.text(syms)} = {hidden.text(nums)} = {_n(val)}"
    if q == "fprime":
        act = ACTIVATIONS[spec.layers[k].activation]
        zs, as_ = nt.symbol("z", layer, j0), nt.symbol("a", layer, j0)
        return (
            f"{sym} = {act.text_deriv(zs, as_)} = "
            f"{act.text_deriv(_p(rec.z[k][j0]), _p(rec.a[k][j0]))} = {_n(val)}"
        )
    if q == "delta":
        # the book's columns: δ_k reads the error column (there is no err column to send back)
        src = "e" if spec.book_columns and layer == L else "err"
        es, fs = paren(nt.symbol(src, layer, j0)), nt.symbol("fprime", layer, j0)
        return f"{sym} = {es}·{fs} = {_p(rec.err[k][j0])}·{_p(rec.fprime[k][j0])} = {_n(val)}"
    if q in ("grad_w", "grad_b"):
        ds = nt.symbol("delta", layer, j0)
        if q == "grad_b":
            return f"{sym} = {ds} = {_n(val)}"
        ps = nt.symbol("a" if layer > 1 else "x", layer - 1, i0)
        return f"{sym} = {ds}·{ps} = {_p(rec.delta[k][j0])}·{_p(a_in[i0])} = {_n(val)}"
    if q in ("dw", "db"):
        text_dw = RULES[spec.rule].text_dw
        gs = nt.symbol("grad_w" if q == "dw" else "grad_b", layer, j0, i0)
        g = _p(rec.grad_w[k][j0, i0] if q == "dw" else rec.grad_b[k][j0])
        if spec.book_columns:  # no ∂ column: Δ = α·δ·input, written out
            gs, g = nt.symbol("delta", layer, j0), _p(rec.delta[k][j0])
            if q == "dw":
                ps = nt.symbol("a" if layer > 1 else "x", layer - 1, i0)
                gs, g = f"{gs}·{ps}", f"{g}·{_p(a_in[i0])}"
        lr = nt.symbol("lr")
        return (
            f"{sym} = {text_dw(lr, gs)}{carry[0]} = {text_dw(_n(spec.learning_rate), g)}"
            f"{carry[1]} = {_n(val)}"
        )
    return None


def _z_text(rec, k: int, j: int, lang: str = "en") -> str:
    a_in = rec.x if k == 0 else rec.a[k - 1]
    w = rec.w[k][j]
    terms = [f"{_factor(w[m], lang)}·{_factor(a_in[m], lang)}" for m in range(len(a_in))]
    return " + ".join([*terms, _factor(rec.b[k][j], lang)])


def explain_mistakes(key: AnswerKey, mistakes: list[tuple[str, float]], lang: str = "en") -> str:
    """The slips (code, the value the slip gives from the learner's values) that reproduce a
    wrong answer, in words."""
    spec = key.spec
    sent = "err" if spec.single else hidden_error_rule(spec.rule, spec.hidden_error).source
    slips = say("or", lang).join(f"{mistake_words(c, lang, sent)} ({c})" for c, _ in mistakes)
    return say("mistake", lang, slips=slips, value=_n(mistakes[0][1], lang))


def _explain_formula(key: AnswerKey, row: AnswerCell, lang: str = "en") -> str:
    """Fallback: the cell's own formula with each reference replaced by the engine's value
    (both written as a spreadsheet in ``lang`` shows a formula: :func:`formula_text`)."""
    k = row.key
    f = key.formulas.get(k, "")

    def sub(m: re.Match) -> str:
        ref = m.group(0)
        sheet, _, cell = ref.rpartition("!")
        cell = cell.replace("$", "")
        v = key.values.get((sheet or k[0], cell))
        return _factor(v, lang) if v is not None else ref

    body = re.sub(r"(?:[A-Za-z]+!)?\$?[A-Z]{1,3}\$?\d+", sub, formula_text(f, lang))
    return f"{row.label} = {formula_text(f, lang)} → {body} = {_n(row.value, lang)}"


_REF = re.compile(r"(?:[A-Za-z]+!)?\$?([A-Z]{1,3})\$?(\d+)")


def _explain_single(key: AnswerKey, row: AnswerCell, lang: str = "en") -> str:
    """A single-layer rule's cell: its formula in the notation's symbols, then with the engine's
    numbers (``Δw1,1 = x1*t1 = 1*(-1) = -1``; as a spreadsheet in ``lang`` shows a formula);
    references to other sheets (θ on Setup) keep their labels or numbers."""
    k = row.key
    f = formula_text(key.formulas.get(k, ""), lang)
    lay = key.layout
    nt = lay.notation
    by_col = {
        seg.index(j, i): nt.symbol(seg.quantity, seg.layer, j, i)
        for seg in lay.segments
        if seg.quantity not in ("epoch", "step", "sample")
        for j, i in seg.elements()
    }
    setup = lay.sheets.setup

    def label(m: re.Match) -> str:
        ref = m.group(0)
        sheet, _, cell = ref.rpartition("!")
        sheet = sheet or k[0]
        cell = cell.replace("$", "")
        if sheet == lay.sheets.steps:  # the quantity of the cell, wherever the layout puts it
            _, col = lay.unplace(*cell_pos(cell))
            return by_col.get(col, ref)
        if sheet == setup:
            return key.given_labels.get(f"{setup}!{cell}", ref)
        return ref

    def number(m: re.Match) -> str:
        ref = m.group(0)
        sheet, _, cell = ref.rpartition("!")
        v = key.values.get((sheet or k[0], cell.replace("$", "")))
        return _factor(v, lang) if v is not None else ref

    symbolic = _REF.sub(label, f).replace("learning_rate", nt.symbol("lr"))
    numbers = _REF.sub(number, f).replace("learning_rate", _n(key.spec.learning_rate, lang))
    return f"{row.label} = {symbolic} = {numbers} = {_n(row.value, lang)}"


def explain_own(
    key: AnswerKey, row: AnswerCell, own: dict[tuple[str, str], float | None], lang: str = "en"
) -> str:
    """A hint, not the answer: the cell's formula, then the same formula with each reference
    replaced by the learner's own number (``own``: the learner's answers by cell; givens from
    Setup, other cells computed from the learner's numbers), with no result. A reference whose
    number the learner has not given stays a reference."""
    env = LearnerEnv(key, own)
    k = row.key
    f = key.formulas.get(k, "")

    def sub(m: re.Match) -> str:
        ref = m.group(0)
        sheet, _, cell = ref.rpartition("!")
        try:
            return _factor(env.cell(sheet or k[0], cell.replace("$", "")), lang)
        except (FormulaError, OverflowError, KeyError, ValueError, TypeError):
            return ref

    f = formula_text(f, lang)
    body = re.sub(r"(?:[A-Za-z]+!)?\$?[A-Z]{1,3}\$?\d+", sub, f)
    return f"{row.label} = {f} → {body}"
