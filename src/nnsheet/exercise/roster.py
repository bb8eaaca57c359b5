"""One exercise per student (``nnsheet template SPEC --roster ROSTER.csv -o DIR``).

The roster is a class list saved as CSV (UTF-8, ``,`` or ``;`` separated, as Excel and
LibreOffice save it in any locale) with a header naming the student number column (``id``,
``nim``, ``npm``, ``nis`` or ``student_id``) and the name column (``name`` or ``nama``), in any
letter case and order; other columns are ignored. Each student's exercise is
``DIR/<id>.xlsx`` with their name and number already typed in.

What the spec fixes stays fixed; what it leaves to ``[init]`` (weights and biases not given) is
drawn per student, in the order the spec file draws them (layer by layer, weights then biases),
from ``[init]``'s range and ``decimals``, with the student's seed::

    seed = int.from_bytes(sha256(f"{spec_seed}:{student_id}".encode("utf-8")).digest()[:8],
                          "big") >> 1          # 0 ≤ seed < 2**63, numpy default_rng(seed)

so the same roster and spec always give the same givens, and the grader regenerates them from
the teacher's spec and the student's id alone (:func:`student_spec`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.csvfile import CsvError, read_csv
from ..core.errors import NnsheetError
from ..core.spec import Layer, Spec, draw_givens
from ..words.messages import roster_text
from .template import ExerciseOptions, write_exercise

#: a roster larger than this is not a class list
MAX_ROSTER_BYTES = 5 * 1024 * 1024
#: an id longer than this is refused (it becomes a file name: ``<id>.xlsx``)
MAX_ID_LENGTH = 100
#: names Windows reserves for devices, whatever the extension (CON.xlsx cannot be created)
RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{d}{n}" for d in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")]
)
#: characters a file name may not hold on Windows, macOS or Linux
FORBIDDEN_CHARS = '/\\:*?"<>|'


@dataclass(frozen=True)
class Student:
    """One roster row: ``row`` is the 1-based data row (the header not counted)."""

    id: str
    name: str
    row: int


ID_COLUMNS = ("id", "nim", "npm", "nis", "student_id")
NAME_COLUMNS = ("name", "nama")


def id_problem_code(student_id: str) -> tuple[str, dict[str, object]] | None:
    """Why ``student_id`` cannot be the file name ``<id>.xlsx`` on every system, as a code of
    :data:`nnsheet.words.messages.ROSTER` and its fields, or None."""
    if not student_id:
        return "id_empty", {}
    if len(student_id) > MAX_ID_LENGTH:
        return "id_too_long", {"max": MAX_ID_LENGTH}
    bad = next(
        (
            c
            for c in student_id
            if c in FORBIDDEN_CHARS or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")
        ),
        None,
    )
    if bad is not None:
        return "id_bad_char", {"char": repr(bad)}
    if student_id.startswith("."):
        return "id_dot_start", {}
    if student_id.endswith((".", " ")):
        return "id_dot_end", {}
    if student_id.split(".")[0].rstrip(" ").upper() in RESERVED_NAMES:
        return "id_device", {"device": repr(student_id.split(".")[0])}
    return None


def id_problem(student_id: str, lang: str = "en") -> str | None:
    """Why ``student_id`` cannot be the file name ``<id>.xlsx`` on every system, or None."""
    found = id_problem_code(student_id)
    return None if found is None else roster_text(found[0], lang, **found[1])


def _column_key(header: str) -> str:
    """A header cell as the roster matches it: ``Student ID`` → ``student_id``."""
    return "_".join(header.strip().casefold().replace("-", " ").split())


def read_roster(path: Path, lang: str = "en") -> list[Student]:
    """The students of the roster CSV at ``path``, in file order.

    The header names the student number column ``id``, ``nim``, ``npm``, ``nis`` or
    ``student_id`` and the name column ``name`` or ``nama`` (any letter case, any order; other
    columns are ignored); the file is read by :mod:`nnsheet.core.csvfile` (UTF-8 with or without
    a byte-order mark, ``,`` or ``;`` separated, rows numbered as a spreadsheet shows them).
    Bad input (no id or name column, an empty, duplicate or unusable id, an empty name) is one
    :class:`~nnsheet.core.errors.NnsheetError` line in ``lang`` naming the roster row. Ids and
    names lose surrounding spaces only; any Unicode letters are kept exactly. Two ids differing
    only in letter case are duplicates (they name the same file on Windows and macOS)."""
    path = Path(path)
    name = str(path)

    def fail(code: str, **fields: object) -> NnsheetError:
        return NnsheetError(roster_text(code, lang, file=name, **fields))

    try:
        table = read_csv(path, "a roster CSV", MAX_ROSTER_BYTES)
    except CsvError as exc:
        raise fail(exc.code, **exc.fields) from None
    keys = [_column_key(h) for h in table.header]
    got = ", ".join(table.header)[:120]
    found = []
    for kind, names in (("id", ID_COLUMNS), ("name", NAME_COLUMNS)):
        where = [c for c, k in enumerate(keys) if k in names]
        if len(where) != 1:
            raise fail(
                "no_column" if not where else "two_columns",
                row=table.header_row,
                column=repr(kind),
                kind=kind,
                columns=", ".join(repr(table.header[c]) for c in where),
                got=got,
            )
        found.append(where[0])
    ci, cn = found
    students: list[Student] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(table, start=1):
        sid, sname = row.get(ci).strip(), row.get(cn).strip()
        problem = id_problem(sid, lang)
        if problem is not None:
            raise fail("bad_id", row=row.row, id=repr(sid), problem=problem)
        if sid.casefold() in seen:
            raise fail("duplicate_id", row=row.row, id=repr(sid), first=seen[sid.casefold()])
        if not sname:
            raise fail("no_name", row=row.row, id=repr(sid))
        seen[sid.casefold()] = row.row
        students.append(Student(sid, sname, n))
    if not students:
        raise fail("no_students")
    return students


def student_seed(seed: int | None, student_id: str) -> int:
    """The seed of one student's givens: the first 8 bytes of SHA-256 of ``"<seed>:<id>"``
    (UTF-8), big-endian, shifted right by one bit (so it fits ``[init] seed``)."""
    digest = hashlib.sha256(f"{seed}:{student_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def draws_anything(spec: Spec) -> bool:
    """True when ``spec`` leaves some weight or bias to ``[init]`` (students' givens differ)."""
    return not all(w and b for w, b in spec.given)


def student_spec(spec: Spec, student_id: str) -> Spec:
    """``spec`` with what it leaves to ``[init]`` drawn for one student (the module docstring);
    the seed recorded is the student's. What the spec fixes is unchanged."""
    seed = student_seed(spec.seed, student_id)
    given = spec.given or ((True, True),) * spec.n_layers
    ws, bs, nw_draws = draw_givens(
        seed,
        spec.init_low,
        spec.init_high,
        spec.init_decimals,
        [ly.weights.shape for ly in spec.layers],
        [
            ly.weights if w_given else None
            for ly, (w_given, _) in zip(spec.layers, given, strict=True)
        ],
        [
            ly.biases if b_given else None
            for ly, (_, b_given) in zip(spec.layers, given, strict=True)
        ],
        spec.init_method,
    )
    layers = [
        Layer(ly.size, ly.activation, w, b) for ly, w, b in zip(spec.layers, ws, bs, strict=True)
    ]
    return dataclasses.replace(spec, layers=tuple(layers), seed=seed, nw_draws=tuple(nw_draws))


def write_student_exercises(
    spec: Spec, roster: Sequence[Student], folder: Path, options: ExerciseOptions | None = None
) -> list[Path]:
    """One exercise per student, ``folder/<id>.xlsx`` (each written atomically; the folder is
    created when missing), with the student's name and number typed in. Returns the paths."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NnsheetError(f"{folder}: with --roster, -o must name a folder")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for st in roster:
        path = folder / f"{st.id}.xlsx"
        write_exercise(student_spec(spec, st.id), path, options, student=(st.name, st.id))
        paths.append(path)
    return paths
