"""Watching a training run as it streams by: the few numbers the doctor judges it on.

:func:`watch` consumes :func:`nnsheet.core.engine.iterate` record by record and keeps, per epoch,
only its loss and accuracy (the loss curve the report draws), plus running summaries of the last
epoch (saturated and dead units, mean |δ| per layer, the relative size of the updates). Nothing
per step is kept beyond the current epoch, so memory stays flat in the number of epochs.

Each piece of evidence is a :class:`Point`: a value, the trace quantity it is (design.md §5) and
where it happened (epoch, sample, layer, neuron), so the report can name its trace cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..core.engine import EpochRecord, SampleRecord, StepRecord, initial_weights, iterate
from ..core.errors import TrainingError
from ..core.ops import ACTIVATIONS
from ..core.spec import Spec

#: |net| at or above which a sigmoid-like unit counts as saturated: the sigmoid's slope there is
#: f'(5) = 0.0066, 2.7 % of its peak 0.25 (tanh's and the bipolar sigmoid's are smaller still)
SATURATION_NET = 5.0
#: an epoch loss above this (or not finite) is a run that has diverged
DIVERGED_LOSS = 1e5
#: z far enough out that every registered activation shows its range's ends
FAR = 1e6


def bounded_smooth(name: str) -> bool:
    """A sigmoid-like activation (sigmoid, tanh, bipolar sigmoid): smooth and bounded, so it
    saturates; read from the activation registry, not from a list of names."""
    act = ACTIVATIONS[name]
    ends = act.value(np.array([-FAR, FAR]))
    return act.smooth and bool(np.all(np.abs(ends) <= 1.0 + 1e-12)) and ends[0] != ends[1]


def output_range(name: str) -> tuple[float, float]:
    """The smallest and largest value an activation produces: its value at z = ∓10⁶, the ends of
    a bounded range; an end that grows with z (ReLU's, the identity's) is infinite."""
    ends = [float(v) for v in ACTIVATIONS[name].value(np.array([-FAR, FAR]))]
    ends = [v if abs(v) < FAR / 2 else math.copysign(math.inf, v) for v in ends]
    return min(ends), max(ends)


def is_identity(name: str) -> bool:
    """An activation that is the identity f(z) = z (a linear layer)."""
    z = np.array([-3.0, -0.5, 0.0, 0.7, 2.0])
    return bool(np.allclose(ACTIVATIONS[name].value(z), z, rtol=0, atol=1e-12))


@dataclass(frozen=True)
class Point:
    """One value of the trace and where it sits: ``sample`` is 0-based, ``layer`` 1..L (0 for
    inputs), ``j``/``i`` 0-based; ``step`` for update-row quantities (w_new, dw)."""

    quantity: str
    value: float
    epoch: int | None = None
    sample: int | None = None
    layer: int | None = None
    j: int | None = None
    i: int | None = None
    step: int | None = None


@dataclass
class Run:
    """What the doctor keeps of one training run."""

    spec: Spec
    losses: list[float] = field(default_factory=list)
    accuracies: list[float | None] = field(default_factory=list)
    #: the first non-finite or huge value, when the run diverged (training stops there)
    diverged: Point | None = None
    diverged_step: int | None = None
    # ---- the last epoch (detailed runs only)
    #: per hidden layer (1..L−1) of a sigmoid-like activation: [saturated, counted] unit-samples
    saturated: dict[int, list[int]] = field(default_factory=dict)
    #: the largest |net| of the last epoch per such layer, and its f'
    sat_point: dict[int, tuple[Point, Point]] = field(default_factory=dict)
    #: ReLU units whose output was 0 for every sample of an epoch: (layer, j) -> (first epoch,
    #: epochs dead, last epoch dead, the largest net of that first epoch)
    dead: dict[tuple[int, int], list] = field(default_factory=dict)
    #: mean |δ| per layer (1..L) over the last epoch, and a δ of the last epoch per layer
    delta_mean: dict[int, float] = field(default_factory=dict)
    delta_point: dict[int, Point] = field(default_factory=dict)
    #: per epoch, the median over its updates of ‖Δw‖/‖w‖ (all weights of the network)
    update_ratio: list[float] = field(default_factory=list)
    #: the last update's weights and changes (for the evidence of lr_too_low and symmetric)
    last_step: StepRecord | None = None
    w0: list[np.ndarray] = field(default_factory=list)
    b0: list[np.ndarray] = field(default_factory=list)
    # ---- a single-layer rule (issue 24): the end of each epoch, and the first repeat
    #: per epoch, its last step and the weights and biases at its end
    ends: dict[int, tuple[int, np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: (later, earlier): the first epoch whose end-of-epoch weights equal an earlier epoch's
    repeats: tuple[int, int] | None = None

    @property
    def epochs_run(self) -> int:
        return len(self.losses)

    @property
    def final_loss(self) -> float:
        return self.losses[-1] if self.losses else math.nan

    @property
    def final_accuracy(self) -> float | None:
        return self.accuracies[-1] if self.accuracies else None

    def reached(self, target: float) -> int | None:
        """The first epoch whose loss is at or below ``target``."""
        for k, v in enumerate(self.losses, 1):
            if v <= target:
                return k
        return None


class _EpochWatch:
    """Running sums over one epoch's samples."""

    def __init__(self, spec: Spec, L: int) -> None:
        self.sat = {l: [0, 0] for l in range(1, L) if bounded_smooth(spec.layers[l - 1].activation)}
        self.sat_max: dict[int, tuple[Point, Point]] = {}
        self.relu = [l for l in range(1, L + 1) if spec.layers[l - 1].activation == "relu"]
        self.alive = {l: np.zeros(spec.layers[l - 1].size, dtype=bool) for l in self.relu}
        self.relu_max = {l: np.full(spec.layers[l - 1].size, -np.inf) for l in self.relu}
        self.sat_top: dict[int, float] = {}
        self.delta_sum = [0.0] * L
        #: the epoch's last sample (its deltas are quoted as an example)
        self.last: SampleRecord | None = None
        self.ratios: list[float] = []


class Watcher:
    """Keeps a :class:`Run` up to date, record by record. ``detail_from`` is the first epoch
    whose samples are looked at in detail (saturation, dead units, deltas, update sizes);
    None: none (a rerun, which needs only the loss curve)."""

    def __init__(self, spec: Spec, detail_from: int | None = 1) -> None:
        self.run = Run(spec)
        self.run.w0, self.run.b0 = initial_weights(spec)
        self.L = spec.n_layers
        self.detail_from = detail_from
        self.ep = _EpochWatch(spec, self.L)

    def feed(self, rec: StepRecord | EpochRecord) -> bool:
        """Take one record; False once the run has diverged (nothing more to learn from it)."""
        run = self.run
        if run.spec.single:
            return self._single(rec)
        detail = self.detail_from is not None and rec.epoch >= self.detail_from
        if isinstance(rec, StepRecord):
            run.last_step = rec
            if detail:
                _step(self.ep, rec, self.L)
            return True
        run.losses.append(rec.loss)
        run.accuracies.append(rec.accuracy)
        if detail:
            _epoch_end(run, self.ep, rec.epoch)
            self.ep = _EpochWatch(run.spec, self.L)
        if not math.isfinite(rec.loss) or abs(rec.loss) > DIVERGED_LOSS:
            if run.diverged is None:
                run.diverged = Point("epoch_loss", rec.loss, epoch=rec.epoch)
            return False
        return True

    def _single(self, rec: object) -> bool:
        """A single-layer rule's record: its epochs' losses, the weights at each epoch's end
        and the first repeat of them (the engine finds it: ``EpochRecord.repeats``)."""
        run = self.run
        if isinstance(rec, StepRecord):
            run.last_step = rec
        elif isinstance(rec, EpochRecord):
            run.losses.append(rec.loss)
            run.accuracies.append(rec.accuracy)
            last = run.last_step
            if last is not None:
                run.ends[rec.epoch] = (last.step, last.w_new[0], last.b_new[0])
            if rec.repeats is not None and run.repeats is None:
                run.repeats = (rec.epoch, rec.repeats)
        return True

    def overflowed(self) -> None:
        """The engine stopped at a value a float cannot hold, after the last record fed."""
        last = self.run.last_step
        self.run.diverged = Point(
            "loss", math.inf, epoch=last.epoch if last else 1, step=last.step if last else 0
        )
        self.run.diverged_step = (last.step + 1) if last else 1


def watch(
    spec: Spec,
    detail: bool = True,
    records: Iterable[StepRecord | EpochRecord] | None = None,
) -> Run:
    """Train ``spec`` (or consume ``records`` of it) and keep what the doctor needs. With
    ``detail`` false only the loss and accuracy per epoch are kept (a rerun)."""
    w = Watcher(spec, 1 if detail else None)
    stream = iterate(spec) if records is None else records
    try:
        for rec in stream:
            if not w.feed(rec):
                break
    except TrainingError as exc:
        # the engine stops with one message at the first value a float cannot hold
        if "diverged" not in str(exc):
            raise
        w.overflowed()
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    return w.run


def tap(
    records: Iterable[StepRecord | EpochRecord], watcher: Watcher
) -> Iterator[StepRecord | EpochRecord]:
    """Pass ``records`` through unchanged, feeding each to ``watcher`` (``trace``'s note)."""
    for rec in records:
        watcher.feed(rec)
        yield rec


def _step(ep: _EpochWatch, rec: StepRecord, L: int) -> None:
    # called for every sample of every detailed epoch: plain array methods, no wrappers, and a
    # Point made only for a new largest |net|
    for s in rec.samples:
        for l, counts in ep.sat.items():
            z = s.z[l - 1]
            az = np.abs(z)
            j = int(az.argmax())
            counts[0] += int((az >= SATURATION_NET).sum())
            counts[1] += az.size
            if az[j] > ep.sat_top.get(l, -1.0):
                ep.sat_top[l] = float(az[j])
                ep.sat_max[l] = (
                    Point("z", float(z[j]), s.epoch, s.sample - 1, l, j),
                    Point("fprime", float(s.fprime[l - 1][j]), s.epoch, s.sample - 1, l, j),
                )
        for l in ep.relu:
            ep.alive[l] |= s.a[l - 1] > 0
            np.maximum(ep.relu_max[l], s.z[l - 1], out=ep.relu_max[l])
        for l in range(L):
            ep.delta_sum[l] += np.abs(s.delta[l]).sum()
        ep.last = s
    dw = sum(float(d.ravel() @ d.ravel()) for d in rec.dw)
    w = sum(float(x.ravel() @ x.ravel()) for x in rec.samples[0].w)
    if w > 0:
        ep.ratios.append(math.sqrt(dw / w))


def _epoch_end(run: Run, ep: _EpochWatch, epoch: int) -> None:
    run.saturated = ep.sat
    run.sat_point = ep.sat_max
    for l in ep.relu:
        for j in np.flatnonzero(~ep.alive[l]):
            key = (l, int(j))
            if key not in run.dead:
                run.dead[key] = [epoch, 0, epoch, float(ep.relu_max[l][j])]
            run.dead[key][1] += 1
            run.dead[key][2] = epoch
    last = ep.last
    if last is not None:
        n = run.spec.n_samples
        run.delta_mean = {
            l + 1: float(ep.delta_sum[l]) / (n * d.size) for l, d in enumerate(last.delta)
        }
        run.delta_point = {
            l + 1: Point("delta", float(d[0]), last.epoch, last.sample - 1, l + 1, 0)
            for l, d in enumerate(last.delta)
        }
    if ep.ratios:
        run.update_ratio.append(float(np.median(ep.ratios)))
