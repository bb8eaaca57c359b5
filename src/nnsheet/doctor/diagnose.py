"""Diagnose a spec: train it once watching everything, run the checks, then rerun the variants
their advice names and keep each rerun's loss curve, final loss, accuracy and the epoch it
reached the target loss."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..core.engine import iterate
from ..core.spec import Spec
from .findings import CHECKS, Evidence
from .variants import Variant, offered
from .watch import Run, watch

#: the loss a rerun should reach, without a ``target_loss`` in the spec: 0.01 for targets
#: within [−1, 1] (an output off by 0.1), else 1 % of the mean squared target
TARGET_LOSS = 0.01
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
#: the checks that apply to a single-layer rule's run (issue 24)
SINGLE_CHECKS = ("not_separable",)


@dataclass
class Rerun:
    variant: Variant
    spec: Spec
    run: Run

    @property
    def key(self) -> str:
        return self.variant.key


@dataclass
class Finding:
    code: str
    severity: str
    evidence: list[Evidence]
    reruns: list[Rerun] = field(default_factory=list)


@dataclass
class Diagnosis:
    spec: Spec
    run: Run
    findings: list[Finding]
    target: float
    #: every rerun once, in the order first named
    reruns: list[Rerun] = field(default_factory=list)


def target_loss(spec: Spec) -> float:
    given = getattr(spec, "target_loss", None)  # issue 23's [training] target_loss, when set
    if given is not None:
        return float(given)
    t = spec.targets
    if float(np.abs(t).max()) <= 1.0:
        return TARGET_LOSS
    return TARGET_LOSS * float(np.mean(t * t))


def _records(spec: Spec, stream: Callable | None, desc: str):
    records = iterate(spec)
    return records if stream is None else stream(records, spec, desc)


def diagnose(spec: Spec, stream: Callable | None = None) -> Diagnosis:
    """Train ``spec``, judge it and prove the advice. ``stream(records, spec, desc)`` may wrap
    each run's records (a progress bar)."""
    run = watch(spec, records=_records(spec, stream, spec.title))
    findings: list[Finding] = []
    #: every code found -> the finding it is listed under (itself, or the cause it is shown in)
    home: dict[str, Finding] = {}
    for chk in CHECKS:  # causes come before their symptoms
        if spec.single and chk.code not in SINGLE_CHECKS:
            continue  # backpropagation's checks do not apply to Hebb, perceptron, Adaline
        ev = chk.check(run)
        if not ev:
            continue
        cause = next((home[c] for c in chk.symptom_of if c in home), None)
        if cause is None:
            home[chk.code] = Finding(chk.code, chk.severity, ev)
            findings.append(home[chk.code])
        else:
            cause.evidence += [dataclasses.replace(e, via=chk.code) for e in ev]
            home[chk.code] = cause
    findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])  # stable: CHECKS order within
    diag = Diagnosis(spec, run, findings, target_loss(spec))
    done: dict[str, Rerun] = {}
    for f in findings:
        keys = next(c.variants for c in CHECKS if c.code == f.code)
        for v in offered(keys, spec):
            if v.key not in done:
                vspec = v.make(spec)
                vrun = watch(vspec, detail=False, records=_records(vspec, stream, v.key))
                done[v.key] = Rerun(v, vspec, vrun)
                diag.reruns.append(done[v.key])
            f.reruns.append(done[v.key])
    return diag


def best(diag: Diagnosis, reruns: list[Rerun]) -> Rerun | None:
    """The rerun that proves the advice: the one reaching the target loss first, else the one
    ending lowest, if it ends below the original."""
    reached = [(r.run.reached(diag.target), k, r) for k, r in enumerate(reruns)]
    hit = [t for t in reached if t[0] is not None]
    if hit:
        return min(hit)[2]
    ok = [r for r in reruns if r.run.diverged is None and np.isfinite(r.run.final_loss)]
    if not ok:
        return None
    r = min(ok, key=lambda r: r.run.final_loss)
    orig = diag.run.final_loss
    if np.isfinite(orig) and diag.run.diverged is None and r.run.final_loss >= orig:
        return None
    return r
