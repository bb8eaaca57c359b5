"""The findings (DESIGN §13): each a check on a watched run, its severity and its reruns.

A check reads the :class:`~nnsheet.doctor.watch.Run` and returns the evidence for its finding, or
nothing. Evidence is a list of :class:`Evidence` lines: a text key of
:mod:`nnsheet.words.doctor_text`, the numbers it names and the trace values (:class:`Point`)
whose cells it shows. Thresholds are the constants below; docs/design.md says why each.
Adding a finding is one :class:`Check` in :data:`CHECKS` and its words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..core.spec import Spec
from .watch import Point, Run, bounded_smooth, is_identity, output_range

#: epochs a run needs before its loss curve is judged (lr_too_high's rises, lr_too_low, stuck):
#: stuck's "last fifth" is then at least 2 epochs
TREND_EPOCHS = 10
#: lr_too_high: the loss rises in at least this share of the epochs
RISE_SHARE = 1 / 3
#: lr_too_low: the loss falls by less than this share over the run …
LOW_FALL = 0.05
#: … while the median relative change of the weights per update ‖Δw‖/‖w‖ is below this
LOW_RATIO = 1e-3
#: saturated: more than this share of the hidden unit-samples of the last epoch at |net| ≥ 5
SATURATED_SHARE = 0.5
#: vanishing: mean |δ| of the first hidden layer below this share of the output layer's
VANISHING_RATIO = 1e-3
#: unscaled inputs: an input of magnitude above this, or feature ranges this many times apart
UNSCALED_MAX = 5.0
UNSCALED_RATIO = 100.0
#: stuck: the loss changed by less than this share over the last fifth of the epochs
STUCK_CHANGE = 0.01


@dataclass
class Evidence:
    key: str
    fields: dict[str, object] = field(default_factory=dict)
    points: list[Point] = field(default_factory=list)
    #: the finding this line was found as, when it is shown as a symptom of another
    via: str | None = None


@dataclass(frozen=True)
class Check:
    code: str
    severity: str  # high | medium | low
    check: Callable[[Run], list[Evidence] | None]
    #: the reruns its advice names (keys of :data:`nnsheet.doctor.variants.VARIANTS`)
    variants: tuple[str, ...]
    #: findings this one is a symptom of: when one of them is found too, this one's evidence is
    #: shown under it instead of as a finding of its own (saturation caused by a too-high
    #: learning rate is one problem, with one cure)
    symptom_of: tuple[str, ...] = ()


def epoch_point(run: Run, epoch: int, q: str = "epoch_loss") -> Point:
    value = run.losses[epoch - 1] if q == "epoch_loss" else run.accuracies[epoch - 1]
    return Point(q, float(value), epoch=epoch)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- checks
def diverged(run: Run) -> list[Evidence] | None:
    p = run.diverged
    if p is None:
        return None
    if run.diverged_step is not None:
        ev = [Evidence("diverged_at", {"epoch": p.epoch, "step": run.diverged_step})]
    else:
        ev = [Evidence("diverged_loss", {"epoch": p.epoch, "value": p.value}, [p])]
    before = len(run.losses) - (0 if run.diverged_step is not None else 1)
    if before >= 1:
        ev.append(Evidence("diverged_last", {}, [epoch_point(run, before)]))
    return ev


def target_out_of_range(run: Run) -> list[Evidence] | None:
    spec = run.spec
    act = spec.layers[-1].activation
    lo, hi = output_range(act)
    out = (spec.targets < lo - 1e-12) | (spec.targets > hi + 1e-12)
    if not out.any():
        return None
    s, k = (int(v) for v in np.argwhere(out)[0])
    p = Point("t", float(spec.targets[s, k]), sample=s, layer=spec.n_layers, j=k)
    return [Evidence("target_range", {"act": act, "range": (lo, hi), "n": int(out.sum())}, [p])]


def _twins(spec: Spec, w: list[np.ndarray], b: list[np.ndarray]) -> list[tuple[int, int, int]]:
    """(layer, j, j') of hidden neurons with the same incoming weights and bias and the same
    weights out of them: neurons that compute, and are updated, alike."""
    found = []
    for l in range(1, spec.n_layers):
        W, B, out = w[l - 1], b[l - 1], w[l]
        for j in range(W.shape[0]):
            for k in range(j + 1, W.shape[0]):
                if (
                    np.array_equal(W[j], W[k])
                    and B[j] == B[k]
                    and np.array_equal(out[:, j], out[:, k])
                ):
                    found.append((l, j, k))
                    break
    return found


def symmetric(run: Run) -> list[Evidence] | None:
    spec, last = run.spec, run.last_step
    if last is None:
        return None
    twins = [t for t in _twins(spec, run.w0, run.b0) if t in _twins(spec, last.w_new, last.b_new)]
    if not twins:
        return None
    l, j, k = twins[0]
    start = [Point("w", float(run.w0[l - 1][n, 0]), layer=l, j=n, i=0) for n in (j, k)]
    start += [Point("b", float(run.b0[l - 1][n]), layer=l, j=n) for n in (j, k)]
    end = [
        Point("w_new", float(last.w_new[l - 1][n, 0]), layer=l, j=n, i=0, step=last.step)
        for n in (j, k)
    ]
    return [
        Evidence("symmetric_start", {"a": (l, j), "b": (l, k)}, start),
        Evidence("symmetric_end", {"epochs": run.epochs_run}, end),
    ]


def linear_only(run: Run) -> list[Evidence] | None:
    hidden = run.spec.layers[:-1]
    if not hidden or not all(is_identity(ly.activation) for ly in hidden):
        return None
    return [
        Evidence("linear_layer", {"layer": n, "act": ly.activation})
        for n, ly in enumerate(hidden, 1)
    ]


def lr_too_high(run: Run) -> list[Evidence] | None:
    L = run.losses
    n = len(L)
    if run.diverged is not None or n < 2:
        return None
    rises = [k for k in range(1, n) if L[k] > L[k - 1]]
    ev = []
    if n >= TREND_EPOCHS and len(rises) >= RISE_SHARE * (n - 1):
        k = max(rises, key=lambda k: L[k] - L[k - 1])
        pts = [epoch_point(run, k), epoch_point(run, k + 1)]
        ev.append(Evidence("rises", {"rises": len(rises), "n": n - 1}, pts))
    if L[-1] > L[0]:
        ev.append(Evidence("ends_above", {}, [epoch_point(run, 1), epoch_point(run, n)]))
    return ev or None


def unscaled_inputs(run: Run) -> list[Evidence] | None:
    spec = run.spec
    if spec.normalization is not None:
        return None
    x = spec.inputs
    s, i = (int(v) for v in np.unravel_index(np.argmax(np.abs(x)), x.shape))
    ranges = x.max(axis=0) - x.min(axis=0)
    nz = np.flatnonzero(ranges > 0)
    ratio = float(ranges[nz].max() / ranges[nz].min()) if nz.size else 1.0
    # a large input matters where it meets a saturating activation: a linear first layer (linear
    # regression) takes any size; unequal ranges slow every network down
    big = abs(x[s, i]) > UNSCALED_MAX and bounded_smooth(spec.layers[0].activation)
    if not big and ratio <= UNSCALED_RATIO:
        return None
    ev = []
    if big:
        ev.append(
            Evidence("unscaled_max", {}, [Point("x", float(x[s, i]), sample=s, layer=0, j=i)])
        )
    if ratio > UNSCALED_RATIO:
        lo, hi = int(nz[np.argmin(ranges[nz])]), int(nz[np.argmax(ranges[nz])])
        ev.append(
            Evidence(
                "unscaled_ranges",
                {
                    "lo": float(ranges[lo]),
                    "hi": float(ranges[hi]),
                    "lo_i": lo,
                    "hi_i": hi,
                    "ratio": ratio,
                },
            )
        )
    return ev


def saturated(run: Run) -> list[Evidence] | None:
    ev = []
    for l, (sat, n) in sorted(run.saturated.items()):
        if n and sat / n > SATURATED_SHARE:
            z, fp = run.sat_point[l]
            ev.append(
                Evidence(
                    "saturated_share",
                    {"epoch": run.epochs_run, "sat": sat, "n": n, "layer": l, "share": sat / n},
                )
            )
            ev.append(Evidence("saturated_max", {}, [z, fp]))
    return ev or None


def dead_relu(run: Run) -> list[Evidence] | None:
    if not run.dead:
        return None
    (l, j), (first, dead, _last, net) = min(run.dead.items(), key=lambda kv: kv[1][0])
    p = Point("a", 0.0, epoch=first, sample=0, layer=l, j=j)
    return [
        Evidence(
            "dead",
            {"unit": (l, j), "first": first, "dead": dead, "epochs": run.epochs_run, "net": net},
            [p],
        )
    ]


def vanishing(run: Run) -> list[Evidence] | None:
    L = run.spec.n_layers
    if L < 2 or 1 not in run.delta_mean:
        return None
    hidden, output = run.delta_mean[1], run.delta_mean[L]
    if output <= 0 or hidden >= VANISHING_RATIO * output:
        return None
    return [
        Evidence(
            "vanishing",
            {"epoch": run.epochs_run, "hidden": hidden, "output": output, "ratio": hidden / output},
            [run.delta_point[1], run.delta_point[L]],
        )
    ]


def chance(spec: Spec) -> float:
    """The accuracy of always answering the most common target (row of targets)."""
    _, counts = np.unique(spec.targets, axis=0, return_counts=True)
    return float(counts.max() / spec.n_samples)


def stuck(run: Run) -> list[Evidence] | None:
    L, n = run.losses, len(run.losses)
    acc = run.final_accuracy
    if run.diverged is not None or n < TREND_EPOCHS or acc is None:
        return None
    k = max(2, n // 5)
    before = L[n - 1 - k]
    change = abs(L[-1] - before) / before if before else 0.0
    c = chance(run.spec)
    if change >= STUCK_CHANGE or acc > c + 1e-12:
        return None
    return [
        Evidence(
            "stuck_loss", {"k": k, "change": change}, [epoch_point(run, n - k), epoch_point(run, n)]
        ),
        Evidence("stuck_accuracy", {"chance": c}, [epoch_point(run, n, "accuracy")]),
    ]


def lr_too_low(run: Run) -> list[Evidence] | None:
    L, n = run.losses, len(run.losses)
    if run.diverged is not None or n < TREND_EPOCHS or not run.update_ratio:
        return None
    fall = (L[0] - L[-1]) / L[0] if L[0] > 0 else 1.0
    ratio = float(np.median(run.update_ratio))
    if fall >= LOW_FALL or ratio >= LOW_RATIO:
        return None
    last = run.last_step
    assert last is not None
    # the largest weight of the network, its change and its value in the last update
    l, (j, i) = max(
        ((l, np.unravel_index(np.argmax(np.abs(w)), w.shape)) for l, w in enumerate(last.w_new)),
        key=lambda t: abs(last.w_new[t[0]][t[1]]),
    )
    dw = Point("dw", float(last.dw[l][j, i]), layer=l + 1, j=int(j), i=int(i), step=last.step)
    w = Point("w_new", float(last.w_new[l][j, i]), layer=l + 1, j=int(j), i=int(i), step=last.step)
    return [
        Evidence(
            "low_loss",
            {"change": max(fall, 0.0), "n": n},
            [epoch_point(run, 1), epoch_point(run, n)],
        ),
        Evidence("low_ratio", {"ratio": ratio}, [dw, w]),
    ]


def not_separable(run: Run) -> list[Evidence] | None:
    """A perceptron whose end-of-epoch weights recur: it cycles and never converges, because no
    line (hyperplane) separates its patterns (issue 24)."""
    if run.repeats is None:
        return None
    later, earlier = run.repeats
    points = []
    for epoch in (earlier, later):
        step, w, b = run.ends[epoch]
        points += [
            Point("w_new", float(w[j, i]), layer=1, j=j, i=i, step=step)
            for j in range(w.shape[0])
            for i in range(w.shape[1])
        ]
        points += [Point("b_new", float(b[j]), layer=1, j=j, step=step) for j in range(b.size)]
    half = len(points) // 2
    return [
        Evidence("cycle_earlier", {"epoch": earlier}, points[:half]),
        Evidence("cycle_later", {"epoch": later, "epochs": run.epochs_run}, points[half:]),
    ]


#: worst first: a run that cannot learn at all, then what slows it down
CHECKS: tuple[Check, ...] = (
    # a single-layer perceptron that cycles (the only check a single-layer rule's run gets)
    Check("not_separable", "high", not_separable, ("hidden_layer",)),
    Check("diverged", "high", diverged, ("lr_x0.1", "lr_x0.3", "normalize")),
    Check(
        "target_out_of_range",
        "high",
        target_out_of_range,
        ("scale_targets", "output_activation"),
    ),
    Check("symmetric", "high", symmetric, ("random_init", "nguyen_widrow")),
    Check("linear_only", "high", linear_only, ("hidden_sigmoid", "hidden_tanh")),
    Check("lr_too_high", "medium", lr_too_high, ("lr_x0.1", "lr_x0.3")),
    Check("unscaled_inputs", "medium", unscaled_inputs, ("normalize",)),
    Check(
        "saturated",
        "medium",
        saturated,
        ("normalize", "lr_x0.3", "random_init"),
        ("diverged", "lr_too_high", "unscaled_inputs"),
    ),
    Check("dead_relu", "medium", dead_relu, ("lr_x0.1", "random_init", "hidden_tanh")),
    Check("vanishing", "medium", vanishing, ("hidden_tanh",), ("saturated", "unscaled_inputs")),
    Check(
        "stuck",
        "medium",
        stuck,
        ("random_init", "lr_x3", "momentum", "bipolar"),
        (
            "target_out_of_range",
            "symmetric",
            "linear_only",
            "lr_too_high",
            "unscaled_inputs",
            "saturated",
            "dead_relu",
            "vanishing",
        ),
    ),
    Check("lr_too_low", "low", lr_too_low, ("lr_x3",)),
)
