"""The doctor's findings as text (the terminal), as JSON (scripts, serve) and as lines ready for
the report workbook, each piece of evidence with the trace cell ``nnsheet trace`` puts it in.

Cells come from the same layout map the trace writer uses (:func:`nnsheet.output.workbook.
make_layout` of the same spec and language), so ``Steps!AA41`` here is ``Steps!AA41`` there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.errors import NnsheetError
from ..sheet.layout import EPOCHS_COLUMNS, Layout, cell_name
from ..words import doctor_text as dt
from .diagnose import Diagnosis, Finding, Rerun, best
from .findings import Evidence
from .watch import Point


@dataclass(frozen=True)
class Located:
    """A trace value with its place: ``sheet``/``cell`` are None when the trace would not hold
    it (a trace too large for a spreadsheet has no Steps rows to point at)."""

    point: Point
    sheet: str | None
    cell: str | None
    label: str


class Where:
    """Trace cells of :class:`Point` values, from the trace workbook's layout map."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.notation = layout.notation
        try:
            layout.check_limits()
            self.steps_fit = True
        except NnsheetError:
            self.steps_fit = False

    def locate(self, p: Point) -> Located:
        lay, sheets = self.layout, self.layout.sheets
        label = self.notation.symbol(p.quantity, p.layer, p.j, p.i)
        sheet: str | None = None
        rc: tuple[int, int] | None = None
        if p.quantity in ("epoch_loss", "accuracy") and p.epoch is not None:
            sheet, rc = sheets.epochs, (lay.epochs_row(p.epoch), EPOCHS_COLUMNS[p.quantity])
        elif p.epoch is None and p.step is None:  # a given (step 0) on Setup
            sheet, rc = sheets.setup, lay.setup_cell(p.quantity, p.layer, p.j, p.i, p.sample)
        elif self.steps_fit and lay.has(p.quantity, p.layer):
            col = lay.col(p.quantity, p.layer, p.j, p.i)
            if p.step is not None:  # an update-row value of one step
                per = lay.spec.batches_per_epoch
                epoch, batch = (p.step - 1) // per + 1, (p.step - 1) % per
                row = lay.update_row(epoch, batch)
            else:
                row = lay.sample_row(p.epoch, p.sample or 0)  # type: ignore[arg-type]
            sheet, rc = sheets.steps, (row, col)
        if rc is None:
            return Located(p, None, None, label)
        return Located(p, sheet, cell_name(*rc), label)


class Words:
    """Renders a diagnosis in one language."""

    def __init__(self, diag: Diagnosis, layout: Layout, lang: str) -> None:
        self.diag, self.lang = diag, lang
        self.where = Where(layout)
        self.notation = layout.notation

    def num(self, v: float) -> str:
        if v != v:  # NaN: no loss to show (the Hebb rule trains without one)
            return "—"
        return dt.num(v, self.lang)

    def cell_text(self, loc: Located) -> str:
        at = f"{loc.sheet}!{loc.cell} " if loc.cell else ""
        return f"{at}{loc.label} = {self.num(loc.point.value)}"

    def evidence_line(self, ev: Evidence) -> tuple[str, list[Located]]:
        locs = [self.where.locate(p) for p in ev.points]
        fields: dict[str, object] = {}
        names = self.diag.spec.feature_names
        for k, v in ev.fields.items():
            if k == "range":
                fields[k] = dt.interval(*v, self.lang)  # type: ignore[misc]
            elif isinstance(v, tuple):
                fields[k] = self.notation.neuron(*v)
            elif k in ("share", "change", "chance"):
                fields[k] = dt.percent(float(v), self.lang)  # type: ignore[arg-type]
            elif k in ("lo_i", "hi_i"):
                name = names[v] if names else self.notation.input(v)  # type: ignore[index,arg-type]
                fields[k.replace("_i", "_name")] = name
            elif isinstance(v, bool) or isinstance(v, str):
                fields[k] = v
            elif isinstance(v, int):
                fields[k] = dt.count(v, self.lang)
                fields[f"{k}_s"] = "" if v == 1 else "s"
            else:
                fields[k] = self.num(float(v))  # type: ignore[arg-type]
        fields["cells"] = ", ".join(self.cell_text(loc) for loc in locs)
        return dt.evidence(ev.key, self.lang, **fields), locs

    def meaning(self, f: Finding) -> str:
        return dt.FINDING_TEXT[f.code][self.lang][0]

    def advice(self, f: Finding) -> str:
        return dt.FINDING_TEXT[f.code][self.lang][1]

    def change(self, r: Rerun) -> str:
        return r.variant.describe(self.diag.spec, self.lang)

    def acc(self, a: float | None) -> str:
        return dt.percent(a, self.lang) if a is not None else dt.text("never", self.lang)

    def proven(self, f: Finding) -> str | None:
        """The advice's proof: what the best rerun did, in one sentence."""
        if not f.reruns:
            return None
        d, lang = self.diag, self.lang
        r = best(d, f.reruns)
        orig = d.run
        if r is None:
            return dt.text(
                "proven_none", lang, orig=self.num(orig.final_loss), epochs=orig.epochs_run
            )
        acc = ""
        a, b = r.run.final_accuracy, orig.final_accuracy
        if a is not None and b is not None and abs(a - b) > 1e-12:
            acc = dt.text(
                "proven_acc",
                lang,
                acc=self.acc(r.run.final_accuracy),
                orig=self.acc(orig.final_accuracy),
            )
        epoch = r.run.reached(d.target)
        if epoch is not None:
            return dt.text(
                "proven_reach",
                lang,
                change=self.change(r),
                target=self.num(d.target),
                epoch=dt.count(epoch, lang),
                acc=acc,
            )
        return dt.text(
            "proven_better",
            lang,
            change=self.change(r),
            loss=self.num(r.run.final_loss),
            orig=self.num(orig.final_loss),
            acc=acc,
        )

    def rerun_rows(self, f: Finding) -> list[tuple[str, str, str, str]]:
        d = self.diag
        rows = []
        for label, run in [(dt.change("as_given", self.lang), d.run)] + [
            (self.change(r), r.run) for r in f.reruns
        ]:
            reached = run.reached(d.target)
            rows.append(
                (
                    label,
                    self.num(run.final_loss),
                    self.acc(run.final_accuracy),
                    dt.count(reached, self.lang) if reached else dt.text("never", self.lang),
                )
            )
        return rows

    def summary(self) -> str:
        d, lang = self.diag, self.lang
        acc = d.run.final_accuracy
        fields = {
            "title": d.spec.title,
            "epochs": d.run.epochs_run,
            "loss": self.num(d.run.final_loss),
            "acc": dt.text("acc", lang, acc=self.acc(acc)) if acc is not None else "",
        }
        if not d.findings:
            return dt.text("healthy", lang, **fields)
        n = len(d.findings)
        order = dt.text("worst_first", lang) if n > 1 else ""
        return dt.text("found", lang, n=n, order=order, **fields)


def text_report(diag: Diagnosis, layout: Layout, lang: str) -> str:
    """The terminal's report: a summary line, then one block per finding, worst first."""
    w = Words(diag, layout, lang)
    out = [w.summary()]
    for n, f in enumerate(diag.findings, 1):
        sev = dt.text(f.severity, lang)
        out.append("")
        out.append(f"[{n}] {f.code} ({sev}): {w.meaning(f)}")
        for ev in f.evidence:
            via = f" ({ev.via})" if ev.via else ""
            out.append(f"    {dt.text('evidence', lang)}{via}: {w.evidence_line(ev)[0]}")
        out.append(f"    {dt.text('advice', lang)}: {w.advice(f)}")
        proof = w.proven(f)
        if f.reruns:
            out.append(
                "    "
                + dt.text(
                    "reruns",
                    lang,
                    epochs=diag.spec.epochs,
                    target=w.num(diag.target),
                )
                + ":"
            )
            rows = w.rerun_rows(f)
            heads = (
                dt.text("change", lang),
                dt.text("final_loss", lang),
                dt.text("accuracy", lang),
                dt.text("reached", lang),
            )
            widths = [max(len(r[k]) for r in [heads, *rows]) for k in range(4)]
            for r in [heads, *rows]:
                out.append(
                    "      " + "  ".join(c.ljust(widths[k]) for k, c in enumerate(r)).rstrip()
                )
        if proof:
            out.append(f"    → {proof}")
    return "\n".join(out)


def _json_number(v: float | None) -> float | str | None:
    if v is None:
        return None
    return v if math.isfinite(v) else str(v)


def json_report(diag: Diagnosis, layout: Layout, lang: str) -> list[dict[str, object]]:
    """DESIGN §13's JSON: one object per finding, worst first."""
    w = Words(diag, layout, lang)
    out = []
    for f in diag.findings:
        evidence = []
        for ev in f.evidence:
            line, locs = w.evidence_line(ev)
            evidence.append(
                {
                    "text": line,
                    "symptom": ev.via,
                    "cells": [
                        {
                            "sheet": loc.sheet,
                            "cell": loc.cell,
                            "label": loc.label,
                            "quantity": loc.point.quantity,
                            "value": _json_number(loc.point.value),
                        }
                        for loc in locs
                    ],
                }
            )
        out.append(
            {
                "code": f.code,
                "severity": f.severity,
                "meaning": w.meaning(f),
                "evidence": evidence,
                "advice": w.advice(f),
                "proven": w.proven(f),
                "variants": [
                    {
                        "change": w.change(r),
                        "variant": r.key,
                        "loss": _json_number(r.run.final_loss),
                        "accuracy": r.run.final_accuracy,
                        "epoch_reached": r.run.reached(diag.target),
                        "epochs": r.run.epochs_run,
                    }
                    for r in f.reruns
                ],
            }
        )
    return out
