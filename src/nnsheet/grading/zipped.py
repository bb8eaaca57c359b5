"""The submissions zip ``nnsheet serve`` gives the teacher (members ``<id>/attempt-<n>.xlsx`` or
``.ods``), read for ``nnsheet check submissions.zip``, bounded by construction:

- before :mod:`zipfile` reads the central directory, the end-of-directory record says how many
  members it lists and how large it is (both capped: :data:`MAX_MEMBERS`,
  :data:`MAX_DIRECTORY_BYTES`), so a zip listing millions of names is refused in one line;
- from the central directory, each member's declared size (at most :data:`MAX_MEMBER_BYTES`,
  serve's own upload limit) and their total (:data:`MAX_TOTAL_BYTES`), before anything is
  unpacked;
- each member chosen is unpacked into memory in chunks and stopped at the cap, whatever its
  declared size says (a small member that inflates past it is refused, not unpacked whole);
- member names are never paths on disk: a member is graded from a temporary file nnsheet
  names itself (:func:`member_file`); a name that is not ``<id>/attempt-<n>.xlsx|.ods`` (``..``,
  an absolute path, a backslash, a control character, anything else) is a :class:`Member`
  with its problem, one gradebook row, never opened.
"""

from __future__ import annotations

import dataclasses
import re
import struct
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.safety import MiB, terminal_text
from ..exercise.roster import Student
from .key import AnswerKey, Record
from .pipeline import Outcome, grade_file

#: members a submissions zip may list (a class of 200 with 25 attempts each)
MAX_MEMBERS = 5_000
#: one member unpacked: serve's upload limit (``serve`` refuses a larger upload)
MAX_MEMBER_BYTES = 8 * MiB
#: all members together, as the central directory declares them
MAX_TOTAL_BYTES = 2048 * MiB
#: the central directory itself (a serve zip's is about 80 bytes a member)
MAX_DIRECTORY_BYTES = 16 * MiB
#: what a member read for grading is unpacked by
_CHUNK = 1 * MiB

#: a submission's name in the zip, as serve writes it
MEMBER_NAME = re.compile(r"(?P<id>[^/]+)/attempt-(?P<n>[1-9][0-9]{0,8})\.(?P<ext>xlsx|ods)")


@dataclass(frozen=True)
class Member:
    """One member of the zip as graded: its ``name`` there (as written, to be shown escaped),
    the student ``id`` and ``attempt`` its name says (None when the name is not a
    submission's), and ``problem`` (English, one line) when it is not graded."""

    name: str
    id: str | None
    attempt: int | None
    problem: str | None = None
    info: zipfile.ZipInfo | None = None

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()


def is_zip_path(path: Path) -> bool:
    """Whether ``check`` takes ``path`` for a submissions zip (by its name: ``.zip``)."""
    return path.suffix.lower() == ".zip"


def _directory_size(path: Path) -> tuple[int, int]:
    """The number of members and the size of the central directory, as the zip's end record
    says (the zip64 record when there is one), read before :mod:`zipfile` parses anything."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        tail_len = min(size, 22 + 65535)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise NnsheetError(f"{path}: not a zip file (no end of central directory)")
        _sig, _d, _dcd, _here, total, cd_size, _off, _c = struct.unpack(
            "<4s4H2LH", tail[at : at + 22]
        )
        if total == 0xFFFF or cd_size == 0xFFFFFFFF:  # zip64: its locator is just before
            loc = at - 20
            if loc < 0 or tail[loc : loc + 4] != b"PK\x06\x07":
                raise NnsheetError(f"{path}: not a zip file (damaged zip64 end record)")
            (rec_at,) = struct.unpack("<Q", tail[loc + 8 : loc + 16])
            if rec_at + 56 > size:
                raise NnsheetError(f"{path}: not a zip file (damaged zip64 end record)")
            fh.seek(rec_at)
            rec = fh.read(56)
            if rec[:4] != b"PK\x06\x06":
                raise NnsheetError(f"{path}: not a zip file (damaged zip64 end record)")
            total, cd_size = struct.unpack("<QQ", rec[32:48])
    return total, cd_size


def name_problem(name: str) -> str | None:
    """Why a member's name is not a submission's (``<id>/attempt-<n>.xlsx`` or ``.ods``, the
    id a safe file name), or None."""
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "its name holds a control character"
    if "\\" in name:
        return "its name holds a backslash"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "its name is an absolute path"
    if ".." in name.split("/"):
        return "its name climbs out of the zip (..)"
    m = MEMBER_NAME.fullmatch(name)
    if m is None or m["id"] in (".", "..") or m["id"] != m["id"].strip():
        return "not a submission's name (<id>/attempt-<n>.xlsx or .ods)"
    return None


def open_zip(path: Path) -> zipfile.ZipFile:
    """``path`` opened as a zip (:class:`NnsheetError`, one line naming it, when it is not
    one); call after :func:`read_members` has checked its bounds."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        why = " ".join(str(exc).split()) or "damaged"
        raise NnsheetError(f"{path}: not a readable zip file ({why})") from None
    except OSError as exc:
        raise NnsheetError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def read_members(path: Path, all_attempts: bool = False) -> list[list[Member]]:
    """What to grade of the submissions zip ``path``, one gradebook row each, in id and attempt
    order: each student's attempts, newest first (the last one that can be graded is graded:
    :func:`grade_last`), or with ``all_attempts`` every attempt alone; then each member that is
    not a submission (with its problem). Raises :class:`NnsheetError` (one line naming the
    file) for a file that is not a readable zip or exceeds the zip's bounds."""
    try:
        total, cd_size = _directory_size(path)
    except OSError as exc:
        raise NnsheetError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if total > MAX_MEMBERS:
        raise NnsheetError(f"{path}: {total} members, more than {MAX_MEMBERS}; not graded")
    if cd_size > MAX_DIRECTORY_BYTES:
        raise NnsheetError(
            f"{path}: a central directory of {cd_size} bytes, more than "
            f"{MAX_DIRECTORY_BYTES // MiB} MiB; not graded"
        )
    with open_zip(path) as zf:
        infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise NnsheetError(f"{path}: {len(infos)} members, more than {MAX_MEMBERS}; not graded")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_TOTAL_BYTES:
        raise NnsheetError(
            f"{path}: its members unpack to {declared // MiB} MiB, more than "
            f"{MAX_TOTAL_BYTES // MiB} MiB; not graded"
        )
    good: dict[tuple[str, int], Member] = {}
    bad: list[Member] = []
    for info in infos:
        name = info.filename
        if (
            name.endswith("/")
            and info.file_size == 0
            and name_problem(f"{name}attempt-1.xlsx") is None
        ):
            continue  # a student folder's own entry (a zip made by hand): nothing to grade
        problem = name_problem(name)
        if problem is not None:
            bad.append(Member(name, None, None, problem))
            continue
        m = MEMBER_NAME.fullmatch(name)
        assert m is not None
        key = (m["id"], int(m["n"]))
        if key in good:
            bad.append(Member(name, m["id"], int(m["n"]), f"attempt {m['n']} appears twice"))
            continue
        problem = None
        if info.file_size > MAX_MEMBER_BYTES:
            problem = f"larger than {MAX_MEMBER_BYTES // MiB} MiB unpacked"
        elif info.flag_bits & 0x1:
            problem = "encrypted"
        good[key] = Member(name, m["id"], int(m["n"]), problem, info)
    chosen = sorted(good.values(), key=lambda m: (m.id or "", m.attempt or 0))
    if all_attempts:
        return [[m] for m in [*chosen, *bad]]
    by: dict[str, list[Member]] = {}
    for m in chosen:
        by.setdefault(m.id or "", []).insert(0, m)
    return [*by.values(), *([m] for m in bad)]


def read_member(zf: zipfile.ZipFile, member: Member) -> bytes:
    """A member's bytes from the open zip ``zf``, unpacked in chunks and stopped past
    :data:`MAX_MEMBER_BYTES` whatever its declared size (:class:`NnsheetError` naming the
    member, never a Python exception)."""
    assert member.info is not None
    shown = terminal_text(member.name)
    out = bytearray()
    try:
        with zf.open(member.info) as fh:
            while chunk := fh.read(_CHUNK):
                out += chunk
                if len(out) > MAX_MEMBER_BYTES:
                    raise NnsheetError(
                        f"{shown}: larger than {MAX_MEMBER_BYTES // MiB} MiB unpacked "
                        "(more than its declared size); not graded"
                    )
    except NnsheetError:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        why = " ".join(str(exc).split())[:120] or "damaged"
        raise NnsheetError(f"{shown}: cannot be unpacked ({why})") from None
    except (NotImplementedError, RuntimeError) as exc:  # compression or encryption
        why = " ".join(str(exc).split())[:120]
        raise NnsheetError(f"{shown}: cannot be unpacked ({why})") from None
    return bytes(out)


@contextmanager
def member_file(data: bytes, suffix: str) -> Iterator[Path]:
    """A private temporary file holding ``data``, named by nnsheet (``submission.xlsx``), never
    by the member; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="nnsheet-zip-") as tmp:
        p = Path(tmp) / f"submission{suffix}"
        p.write_bytes(data)
        yield p


def grade_member(
    zf: zipfile.ZipFile,
    member: Member,
    record: Record,
    roster: Sequence[Student] | None,
    *,
    lang: str | None = None,
    cache: dict[str, AnswerKey] | None = None,
) -> Outcome:
    """One member graded as :func:`~.pipeline.grade_file` grades a file, for the student its
    folder names (as ``serve`` graded the upload: the givens are that student's, and a
    different id typed in it is ``id_mismatch``); the outcome names the member, never the
    temporary file. A member not graded (its name, size or packing) is an outcome with its
    problem, graded as nobody's when its name says no student."""
    shown = Path(member.name)
    sid = None
    if member.id is not None and roster is not None:
        sid = next((st.id for st in roster if st.id.casefold() == member.id.casefold()), None)
    problem = member.problem
    data = b""
    if problem is None:
        try:
            data = read_member(zf, member)
        except NnsheetError as exc:
            problem = str(exc).removeprefix(f"{terminal_text(member.name)}: ")
    if problem is not None:
        text = f"{terminal_text(member.name)}: {problem}; not graded"
        return Outcome(shown, problem=text, student=sid, member=member.name)
    with member_file(data, member.suffix) as tmp:
        done = grade_file(tmp, record, roster, student=member.id, lang=lang, cache=cache)
    problem = done.problem.replace(str(tmp), member.name) if done.problem else None
    res = done.result
    if res is not None:
        res = dataclasses.replace(res, path=shown)
    return dataclasses.replace(done, path=shown, result=res, problem=problem, member=member.name)


def grade_last(
    zf: zipfile.ZipFile,
    attempts: Sequence[Member],
    record: Record,
    roster: Sequence[Student] | None,
    *,
    lang: str | None = None,
    cache: dict[str, AnswerKey] | None = None,
) -> tuple[Member, Outcome, list[str]]:
    """A student's last attempt that can be graded (``attempts`` newest first), as ``serve``
    counts attempts: one that cannot be read or has no answer typed is passed over for the one
    before it. Returns the member graded, its outcome and a note (English) for each newer
    attempt passed over; when none can be graded, the newest attempt's outcome."""
    passed: list[str] = []
    first: tuple[Member, Outcome] | None = None
    for m in attempts:
        o = grade_member(zf, m, record, roster, lang=lang, cache=cache)
        first = first or (m, o)
        res = o.result
        if res is not None and not (res.marks and all(x.given.blank for x in res.marks)):
            return m, o, passed
        why = "nothing typed" if res is not None else (o.problem or "").split(": ", 1)[-1]
        passed.append(f"{terminal_text(m.name)} passed over ({why})")
    assert first is not None
    return first[0], first[1], passed[1:]
