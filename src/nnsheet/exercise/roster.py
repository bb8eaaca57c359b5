"""One exercise per student (``nnsheet template SPEC --roster ROSTER.csv -o DIR``).

The roster is a UTF-8 CSV with a header naming at least the columns ``id`` and ``name`` (in any
case and order; other columns are ignored; a byte-order mark is fine). Each student's exercise is
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

import csv
import dataclasses
import hashlib
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.spec import Layer, Spec, draw_givens
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


def id_problem(student_id: str) -> str | None:
    """Why ``student_id`` cannot be the file name ``<id>.xlsx`` on every system, or None."""
    if not student_id:
        return "the id is empty"
    if len(student_id) > MAX_ID_LENGTH:
        return f"the id is longer than {MAX_ID_LENGTH} characters"
    bad = next(
        (
            c
            for c in student_id
            if c in FORBIDDEN_CHARS or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")
        ),
        None,
    )
    if bad is not None:
        return f"the id holds {bad!r}, which a file name cannot"
    if student_id.startswith("."):
        return "the id starts with a dot (a hidden file, or . and ..)"
    if student_id.endswith((".", " ")):
        return "the id ends with a dot or a space, which Windows drops from file names"
    if student_id.split(".")[0].rstrip(" ").upper() in RESERVED_NAMES:
        return f"{student_id.split('.')[0]!r} is a device name Windows reserves"
    return None


def read_roster(path: Path) -> list[Student]:
    """The students of the roster CSV at ``path``, in file order. Bad input (no ``id``/``name``
    column, an empty, duplicate or unusable id, an empty name) is one
    :class:`~nnsheet.core.errors.NnsheetError` line naming the roster row as a spreadsheet
    numbers it (the header is row 1). Ids and names lose surrounding spaces only; any Unicode
    letters are kept exactly. Two ids differing only in letter case are duplicates (they name
    the same file on Windows and macOS)."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise NnsheetError(
            f"{name}: roster file not found"
            if not path.exists()
            else f"{name}: expected a roster CSV file, got a folder"
        )
    if path.stat().st_size > MAX_ROSTER_BYTES:
        raise NnsheetError(f"{name}: larger than {MAX_ROSTER_BYTES // 2**20} MiB; not a roster")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NnsheetError(
            f"{name}: expected UTF-8 text (byte {exc.start}); save the roster as CSV UTF-8"
        ) from None
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        numbered = [(reader.line_num, r) for r in reader if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise NnsheetError(f"{name}: not valid CSV ({exc})") from None
    if not numbered:
        raise NnsheetError(f"{name}: empty; expected a header row with the columns id and name")
    head_row, header = numbered[0]
    cols = [h.strip().lower() for h in header]
    for want in ("id", "name"):
        if cols.count(want) != 1:
            what = "no" if want not in cols else "more than one"
            raise NnsheetError(
                f"{name}: row {head_row}: {what} column {want!r}; expected a "
                f"header with the columns id and name (got: "
                f"{', '.join(h.strip() for h in header)[:120]})"
            )
    ci, cn = cols.index("id"), cols.index("name")
    students: list[Student] = []
    seen: dict[str, int] = {}
    for n, (line, r) in enumerate(numbered[1:], start=1):
        where = f"{name}: row {line}"
        sid = r[ci].strip() if ci < len(r) else ""
        sname = r[cn].strip() if cn < len(r) else ""
        problem = id_problem(sid)
        if problem is not None:
            raise NnsheetError(f"{where}: id {sid!r} cannot be a file name: {problem}")
        if sid.casefold() in seen:
            raise NnsheetError(
                f"{where}: id {sid!r} is already on row {seen[sid.casefold()]}; "
                "each student needs an id of their own"
            )
        if not sname:
            raise NnsheetError(
                f"{where}: id {sid!r}: expected the student's name, the cell is empty"
            )
        seen[sid.casefold()] = line
        students.append(Student(sid, sname, n))
    if not students:
        raise NnsheetError(f"{name}: expected at least one student below the header")
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
