"""The grader's findings as codes and fields, never as sentences: :class:`Reason` (why an answer
cell got its verdict, or how its value was stored) and :class:`Flag` (a gradebook flag). The
words are put on them at the edges, in the reader's language
(:mod:`nnsheet.words.grading_text`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


def _frozen(fields: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(fields))


@dataclass(frozen=True)
class Reason:
    """Why an answer cell got its verdict: a reason code of
    :data:`nnsheet.words.grading_text.REASON_TEXT` and its fields (numbers already shown as the
    grader shows them, e.g. ``0.58904``)."""

    code: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", _frozen(self.fields))

    @classmethod
    def of(cls, code: str, **fields: Any) -> Reason:
        return cls(code, fields)


#: one difference from the teacher's record: a text key of :mod:`nnsheet.words.grading_text` and
#: its fields (what a flag lists)
Diff = tuple[str, dict[str, object]]


@dataclass(frozen=True)
class Flag:
    """One gradebook flag: ``code`` as the gradebook writes it (``tampered``, ``copied:2301``,
    ``identical:b.xlsx`` …), ``note`` the text key of what it found, ``fields`` that text's
    fields and ``what`` the differences it lists (each a text key and its fields)."""

    code: str
    note: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    what: tuple[Diff, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", _frozen(self.fields))
        object.__setattr__(self, "what", tuple(self.what))
