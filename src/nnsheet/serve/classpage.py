"""The class view on serve's teacher page: the statistics of :mod:`nnsheet.grading.classview`
made from what each student's latest attempt kept when it was graded (its answer cells'
verdicts and named mistakes, :func:`marks_kept`; no file is read again), the gradebook's
per-block and ``mistakes`` columns, and the rows of the HTML tables (the template escapes
them)."""

from __future__ import annotations

from collections.abc import Sequence

from ..grading.batch import gradebook_blocks, gradebook_extra
from ..grading.classview import (
    Answer,
    ClassView,
    Paper,
    answers_of,
    block_scores,
    class_view,
    outcome_mistakes,
)
from ..grading.pipeline import Outcome
from ..words.class_text import class_say
from ..words.grading_text import BLOCK_WORDS, mistake_words
from ..words.numbers import percent_text
from .store import Attempt


def marks_kept(done: Outcome) -> dict:
    """What a graded attempt keeps for the class view: each answer cell's place, label,
    quantity, layer, block, verdict and mistakes, and the file's mistakes' codes."""
    return {
        "marks": [a.fields() for a in answers_of(done)],
        "mistakes": outcome_mistakes(done),
    }


def _graded(a: Attempt | None) -> bool:
    return a is not None and a.status == "graded"


def blocks_of(rows: Sequence[dict]) -> list[str]:
    """The gradebook's block columns for the class's latest attempts."""
    asked: set[str] = set()
    for row in rows:
        a = row["latest"]
        if _graded(a):
            asked.update((a.result.get("blocks") or {}).keys())
    return gradebook_blocks(asked)


def extra_cells(a: Attempt | None, blocks: Sequence[str], credit: float) -> list[object]:
    """An attempt's block scores and mistakes' codes (the gradebook's last columns)."""
    if not _graded(a):
        return [""] * (len(blocks) + 1)
    assert a is not None
    counts = a.result.get("blocks") or {}
    codes = [str(c) for c in a.result.get("mistakes") or []]
    return gradebook_extra(block_scores(counts, credit), codes, blocks)


def paper(row: dict, member: str) -> Paper | None:
    """A student's latest attempt as the class view counts it (None: nothing uploaded)."""
    st, a = row["student"], row["latest"]
    if a is None:
        return None
    answers: tuple[Answer, ...] = ()
    if _graded(a):
        kept = a.result.get("marks") or []
        try:
            answers = tuple(Answer.of_fields(v) for v in kept)
        except (TypeError, ValueError):  # kept by an earlier version: not counted
            answers = ()
    flags = tuple((f, str(row["notes"].get(f, ""))) for f in row["flags"])
    return Paper(st.id, st.name, member, answers, flags, _graded(a))


def view_of(rows: Sequence[dict], member) -> ClassView:
    """The class view of the teacher page's rows (``member``: an attempt's file name)."""
    papers = [
        p for row in rows if (p := paper(row, member(row["latest"]) if row["latest"] else ""))
    ]
    return class_view(papers)


def page_tables(view: ClassView, lang: str, sent: str = "err") -> dict:
    """The teacher page's class tables as text: per block the shares, the mistakes ranked."""
    blocks = [
        {
            "block": BLOCK_WORDS[lang].get(s.block, s.block),
            "cells": s.total,
            "shares": {v: percent_text(s.share(v), lang) for v in s.counts},
        }
        for s in view.blocks
    ]
    mistakes = []
    for k, m in enumerate(view.mistakes, start=1):
        try:
            words = mistake_words(m.code, lang, sent)
        except KeyError:
            words = m.code
        mistakes.append(
            {
                "rank": k,
                "words": words,
                "code": m.code,
                "n": len(m.students),
                "cells": m.cells,
                "who": "; ".join(" ".join(x for x in who if x) for who in m.students),
            }
        )
    return {
        "class_blocks": blocks,
        "class_mistakes": mistakes,
        "class_files": class_say("files", lang, graded=view.graded, files=len(view.papers)),
    }
