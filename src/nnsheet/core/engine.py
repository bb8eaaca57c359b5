"""The training engine: forward pass, errors, backpropagation and updates, every value kept.

The engine receives a validated :class:`~nnsheet.core.spec.Spec` and computes each quantity
exactly once, in float64, following design.md §1–2. :func:`iterate` yields the training one update
at a time (so a writer can stream it); :func:`run` keeps it all in a :class:`Trace`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .errors import TrainingError
from .ops import (
    ACTIVATIONS,
    LOSSES,
    RULES,
    SINGLE_RULES,
    ZeroShare,
    correct_rule,
    hidden_error_rule,
)
from .rounding import round_array, xround
from .spec import Spec

Arrays = list[np.ndarray]


@dataclass
class SampleRecord:
    """Everything computed for one sample with the weights in use (lists are per layer 1..L)."""

    epoch: int
    step: int
    sample: int  # 1-based
    x: np.ndarray
    t: np.ndarray
    w: Arrays  # weights in use (before this step's update)
    b: Arrays
    z: Arrays
    a: Arrays
    e: np.ndarray
    loss: float
    err: Arrays
    fprime: Arrays
    delta: Arrays
    grad_w: Arrays
    grad_b: Arrays
    dw: Arrays
    db: Arrays | None  # None when biases are not updated
    correct: int  # 1 when every output thresholded at 0.5 matches its 0/1 target
    #: the perceptron's 1/0 per output: whether this pattern changed the weights (y ≠ t)
    updated: Arrays | None = None


@dataclass
class StepRecord:
    """One weight update: the samples it used and the change applied.

    Online: one sample, and ``dw``/``db`` are that sample's. Batch and mini-batch: the mean of the
    samples' ``dw``/``db``.
    """

    epoch: int
    step: int  # 1-based, counts updates across the whole run
    samples: list[SampleRecord]
    dw: Arrays
    db: Arrays | None
    w_new: Arrays
    b_new: Arrays


@dataclass
class EpochRecord:
    epoch: int
    loss: float
    accuracy: float | None  # None when targets are not all 0/1
    first_step: int
    last_step: int
    #: with ``target_loss``: whether this epoch's loss reached it (training stops after the first
    #: that does); None without a target
    reached: bool | None = None
    # ---- single-layer rules (design.md §12); None for backpropagation
    #: the perceptron: how many (pattern, output) pairs changed the weights in this epoch
    updates: int | None = None
    #: Adaline: the largest |Δw| and |Δb| of the epoch
    max_change: float | None = None
    #: why training stopped after this epoch: "pass" (Hebb's one pass), "no_change"
    #: (perceptron), "tolerance" (Adaline); None: it did not stop here
    stop: str | None = None
    #: the perceptron cycles: an earlier epoch whose end-of-epoch weights this epoch's equal
    #: (the first such epoch is reported; None: no repeat seen)
    repeats: int | None = None


@dataclass
class TestRecord:
    """The single-layer rules' test table (design.md §12): the trained net on every pattern."""

    epoch: int  # the last epoch trained
    w: Arrays  # the trained weights (one layer)
    b: Arrays
    z: np.ndarray  # (n_samples, n_outputs): y_in per pattern
    y: np.ndarray  # (n_samples, n_outputs): the test output
    match: np.ndarray  # (n_samples,): 1 when every output equals its target


@dataclass
class Trace:
    """The whole training: the spec, its initial weights, every step and every epoch summary."""

    spec: Spec
    w0: Arrays
    b0: Arrays
    steps: list[StepRecord] = field(default_factory=list)
    epochs: list[EpochRecord] = field(default_factory=list)
    #: the single-layer rules' test table (None for backpropagation)
    test: TestRecord | None = None

    def add(self, rec: StepRecord | EpochRecord | TestRecord) -> None:
        """Keep one record of :func:`iterate`."""
        if isinstance(rec, StepRecord):
            self.steps.append(rec)
        elif isinstance(rec, TestRecord):
            self.test = rec
        else:
            self.epochs.append(rec)

    @property
    def records(self) -> list[StepRecord | EpochRecord | TestRecord]:
        """Every record in the order the writers read them: steps, epochs, the test table."""
        tail: list[TestRecord] = [] if self.test is None else [self.test]
        return [*self.steps, *self.epochs, *tail]

    @property
    def final_weights(self) -> tuple[Arrays, Arrays]:
        if not self.steps:
            return self.w0, self.b0
        return self.steps[-1].w_new, self.steps[-1].b_new

    def table(self, layout: object | None = None, lang: str = "en"):
        """The long-format trace table as a pandas DataFrame, with ``sheet``/``cell`` filled in
        when the workbook's ``layout`` is given."""
        if _TABLE_BUILDER is None:  # pragma: no cover - nnsheet/__init__ registers it
            raise RuntimeError("import nnsheet.output.table to build trace tables")
        return _TABLE_BUILDER(self, layout, lang)


#: the trace table's builder; the output stage (``nnsheet.output.table``) registers it, so the
#: engine knows nothing of tables, layouts or pandas
_TABLE_BUILDER: Callable[[Trace, object | None, str], object] | None = None


def register_table_builder(builder: Callable[[Trace, object | None, str], object]) -> None:
    global _TABLE_BUILDER
    _TABLE_BUILDER = builder


class Network:
    """The numerics of one spec: forward, backward and update, with optional ROUND semantics."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.acts = [ACTIVATIONS[ly.activation] for ly in spec.layers]
        self.loss = LOSSES[spec.loss]
        self.rule = RULES[spec.rule]
        self.hidden = hidden_error_rule(spec.rule, spec.hidden_error)
        self.correct = correct_rule(spec.one_hot_targets)
        self.digits = spec.round
        self.L = spec.n_layers

        #: rounds an array like the spreadsheet's ROUND(…, D); the identity without ``round``
        self.r: Callable[[np.ndarray], np.ndarray] = (
            _same if self.digits is None else lambda a: round_array(a, self.digits)
        )

    def rs(self, x: float) -> float:
        return x if self.digits is None else xround(x, self.digits)

    def sample(
        self,
        epoch: int,
        step: int,
        s: int,
        w: Arrays,
        b: Arrays,
        lr: float,
        prev: tuple[Arrays, Arrays | None] | None = None,
    ) -> SampleRecord:
        """Everything of sample ``s`` (0-based) with the weights in use. ``prev``: the previous
        update's Δ (weights, biases) when this sample's Δ is the update's and has a momentum
        term (online mode, μ > 0, after the first update)."""
        spec, r, L = self.spec, self.r, self.L
        x = spec.inputs[s]
        t = spec.targets[s]
        zs: Arrays = []
        as_: Arrays = []
        a_prev = x
        for l in range(L):
            z = r(w[l] @ a_prev + b[l])
            a = r(self.acts[l].value(z))
            zs.append(z)
            as_.append(a)
            a_prev = a
        e = r(t - as_[-1])
        loss = self.rs(self.loss.value(e))
        err: Arrays = [np.empty(0)] * L
        fp: Arrays = [np.empty(0)] * L
        delta: Arrays = [np.empty(0)] * L
        err[L - 1] = r(self.rule.output_err(self.loss, e))
        for l in range(L - 1, -1, -1):
            if l < L - 1:
                sent = delta if self.hidden.source == "delta" else err
                err[l] = r(self._hidden_err(l, w[l + 1], sent[l + 1], epoch, step))
            fp[l] = r(self.acts[l].deriv(zs[l], as_[l]))
            delta[l] = r(err[l] * fp[l])
        grad_w: Arrays = []
        grad_b: Arrays = []
        dw: Arrays = []
        db: Arrays = []
        k = float(self.rule.sign) * lr
        mu = self.spec.momentum
        book = spec.book_columns
        for l in range(L):
            a_in = x if l == 0 else as_[l - 1]
            product = np.outer(delta[l], a_in)
            gw = r(product)
            gb = delta[l]
            grad_w.append(gw)
            grad_b.append(gb)
            # the book's columns have no ∂: Δ = ±α·δ·input in one step (rounded once)
            kg = k * (product if book else gw)
            if prev is None:
                dw.append(r(kg))
                db.append(r(k * gb))
            else:  # Fausett's momentum: the rule's change + μ·(the previous update's Δ)
                dw.append(r(kg + mu * prev[0][l]))
                db.append(r(k * gb + (0.0 if prev[1] is None else mu * prev[1][l])))
        correct = self.correct.value(as_[-1], t)
        return SampleRecord(
            epoch,
            step,
            s + 1,
            x,
            t,
            w,
            b,
            zs,
            as_,
            e,
            loss,
            err,
            fp,
            delta,
            grad_w,
            grad_b,
            dw,
            db if spec.update_biases else None,
            correct,
        )

    def _hidden_err(
        self, l: int, w_next: np.ndarray, sent: np.ndarray, epoch: int, step: int
    ) -> np.ndarray:
        """err of hidden layer index l (0-based) from the layer above (its err or delta)."""
        try:
            return self.hidden.value(w_next, sent)
        except ZeroShare as exc:
            raise TrainingError(
                f'hidden_error = "{self.hidden.name}": the weights into neuron {exc.k + 1} of '
                f"layer {l + 2} sum to zero at epoch {epoch}, step {step}, so its error cannot be "
                "shared in "
                'proportion to them; use hidden_error = "transpose" or change those weights'
            ) from None

    def update(self, w: Arrays, b: Arrays, dw: Arrays, db: Arrays | None) -> tuple[Arrays, Arrays]:
        w_new = [self.r(wl + dl) for wl, dl in zip(w, dw, strict=True)]
        if db is None:
            return w_new, list(b)
        return w_new, [self.r(bl + dl) for bl, dl in zip(b, db, strict=True)]

    def mean(self, parts: list[Arrays], prev: Arrays | None = None) -> Arrays:
        """The mean of the samples' Δ, plus μ·(the previous update's Δ) when ``prev`` is given
        (momentum)."""
        n = len(parts)
        means = [np.sum(np.stack(p), axis=0) / n for p in zip(*parts, strict=True)]
        if prev is None:
            return [self.r(m) for m in means]
        mu = self.spec.momentum
        return [self.r(m + mu * p) for m, p in zip(means, prev, strict=True)]


def _same(a: np.ndarray) -> np.ndarray:
    return a


def initial_weights(spec: Spec) -> tuple[Arrays, Arrays]:
    return (
        [np.array(ly.weights, dtype=np.float64) for ly in spec.layers],
        [np.array(ly.biases, dtype=np.float64) for ly in spec.layers],
    )


def _diverged(epoch: int, step: int, lr: float) -> TrainingError:
    return TrainingError(
        f"training diverged at epoch {epoch}, step {step}: values grew beyond the largest "
        f"number a float can hold (about 1.8e308); lower training.learning_rate (now {lr:g}), "
        "start from smaller weights or normalize the data"
    )


def iterate(spec: Spec) -> Iterator[StepRecord | EpochRecord]:
    """Train and yield each :class:`StepRecord` as it is made, then each epoch's summary (and,
    for a single-layer rule, a :class:`TestRecord` at the end)."""
    if spec.single:
        yield from iterate_single(spec)  # type: ignore[misc]
        return
    net = Network(spec)
    w, b = initial_weights(spec)
    lr = spec.learning_rate
    step = 0
    n = spec.n_samples
    #: the previous update's Δ (weights, biases), once there is one and momentum is on
    prev: tuple[Arrays, Arrays | None] | None = None
    for epoch in range(1, spec.epochs + 1):
        losses = 0.0
        correct = 0
        first = step + 1
        for batch in spec.batches():
            step += 1
            # overflow is detected below and reported as one clear error, not as warnings
            with np.errstate(over="ignore", invalid="ignore"):
                if spec.mode == "online":
                    rec = net.sample(epoch, step, batch[0], w, b, lr, prev)
                    recs = [rec]
                    dw, db = rec.dw, rec.db
                else:
                    recs = [net.sample(epoch, step, s, w, b, lr) for s in batch]
                    dw = net.mean([rc.dw for rc in recs], None if prev is None else prev[0])
                    db = (
                        net.mean([rc.db for rc in recs], None if prev is None else prev[1])  # type: ignore[misc]
                        if spec.update_biases
                        else None
                    )
                w, b = net.update(w, b, dw, db)
                if spec.momentum:
                    prev = (dw, db)
            for rc in recs:
                losses += rc.loss
                correct += rc.correct
            # an overflow anywhere reaches the loss or the weights, and non-finite weights stay
            # non-finite: checking the running loss each step and the weights each epoch is
            # enough, and cheap
            if not math.isfinite(losses):
                raise _diverged(epoch, step, lr)
            yield StepRecord(epoch, step, recs, dw, db, w, b)
        if not all(np.isfinite(x).all() for x in (*w, *b)):
            raise _diverged(epoch, step, lr)
        accuracy = net.rs(correct / n) if spec.binary_targets else None
        loss = net.rs(losses / n)
        reached = None if spec.target_loss is None else loss <= spec.target_loss
        yield EpochRecord(epoch, loss, accuracy, first, step, reached)
        if reached:
            return  # stop at the end of the first epoch whose loss reached target_loss


_EMPTY: Arrays = []


def iterate_single(spec: Spec) -> Iterator[StepRecord | EpochRecord | TestRecord]:
    """Hebb, Fausett's perceptron or Adaline (design.md §12), one pattern per step: y_in = b +
    Σ x·w; the rule's factor f (Hebb t; perceptron t only when y ≠ t; Adaline t − y_in);
    Δw = [α·] f·x, Δb = [α·] f. After each epoch the rule's stop test; then the test table."""
    rule = SINGLE_RULES[spec.rule]
    r = _same if spec.round is None else (lambda a: round_array(a, spec.round))
    w, b = (x[0] for x in initial_weights(spec))
    lr = spec.learning_rate if rule.uses_lr else 1.0
    theta = spec.theta
    adaline, perceptron = rule.name == "adaline", rule.name == "perceptron"
    step = 0
    #: end-of-epoch weights seen, to find a perceptron's cycle
    seen: list[tuple[int, np.ndarray, np.ndarray]] = []
    cycling = False
    epoch = 0
    for epoch in range(1, spec.epochs + 1):
        first = step + 1
        updates = 0
        largest = 0.0
        losses = 0.0
        for s in range(spec.n_samples):
            step += 1
            x, t = spec.inputs[s], spec.targets[s]
            nan = np.full(t.shape, np.nan)
            z = nan if rule.output is None else r(w @ x + b)
            y = nan if rule.output is None else r(rule.output(z, theta))
            f = rule.factor(t, z, y)
            e, loss, upd = nan, math.nan, None
            if perceptron:
                upd = (y != t).astype(np.float64)
                updates += int(upd.sum())
                # the epoch's loss (the doctor's curve; no workbook column): mean (t − y)²
                losses += float(np.mean((t - y) ** 2))
            elif adaline:
                e = f = r(f)
                loss = float(np.dot(e, e) / e.size)
                loss = loss if spec.round is None else xround(loss, spec.round)
                losses += loss
            with np.errstate(over="ignore", invalid="ignore"):
                dw = r(lr * np.outer(f, x)) + 0.0  # + 0.0: a zero change is 0, never −0
                db = r(lr * f) + 0.0 if spec.update_biases else None
                w_new = r(w + dw)
                b_new = b if db is None else r(b + db)
            largest = max(largest, float(np.abs(dw).max(initial=0.0)))
            if db is not None:
                largest = max(largest, float(np.abs(db).max(initial=0.0)))
            rec = SampleRecord(
                epoch,
                step,
                s + 1,
                x,
                t,
                [w],
                [b],
                [z],
                [y],
                e,
                loss,
                _EMPTY,
                _EMPTY,
                _EMPTY,
                _EMPTY,
                _EMPTY,
                [dw],
                None if db is None else [db],
                0,
                None if upd is None else [upd],
            )
            w, b = w_new, b_new
            yield StepRecord(epoch, step, [rec], [dw], None if db is None else [db], [w], [b])
        if not (np.isfinite(w).all() and np.isfinite(b).all()):
            raise _diverged(epoch, step, lr)
        stop = None
        if rule.stop == "pass":
            stop = "pass"
        elif rule.stop == "no_change" and updates == 0:
            stop = "no_change"
        elif rule.stop == "tolerance" and spec.tolerance is not None and largest < spec.tolerance:
            stop = "tolerance"
        repeats = None
        if perceptron and stop is None and not cycling:
            for k, w_k, b_k in seen:
                if np.array_equal(w, w_k) and np.array_equal(b, b_k):
                    repeats, cycling = k, True
                    break
        seen.append((epoch, w, b))
        loss = losses / spec.n_samples if (adaline or perceptron) else math.nan
        yield EpochRecord(
            epoch,
            loss if spec.round is None or not adaline else xround(loss, spec.round),
            None,
            first,
            step,
            None,
            updates if perceptron else None,
            largest if adaline else None,
            stop,
            repeats,
        )
        if stop is not None:
            break
    z = r(spec.inputs @ w.T + b)
    y = r(rule.test(z, theta, spec.binary_targets))
    match = np.all(y == spec.targets, axis=1).astype(np.float64)
    yield TestRecord(epoch, [w], [b], z, y, match)


def run(spec: Spec) -> Trace:
    """Train ``spec`` and keep every value: the trace the workbook, table and grader read."""
    w0, b0 = initial_weights(spec)
    trace = Trace(spec, w0, b0)
    for rec in iterate(spec):
        trace.add(rec)
    return trace
