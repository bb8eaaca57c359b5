"""``nnsheet serve``: prepare the data folder (students, codes, token, exercises; the record of
what it was started with), then run the app under uvicorn behind :mod:`.guard`."""

from __future__ import annotations

import dataclasses
import errno
import ipaddress
import json
import logging
import os
import re
import resource
import socket
import sys
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.safety import terminal_text
from ..core.spec import Spec
from ..core.specfile import spec_to_toml
from ..exercise.roster import read_roster, write_student_exercises
from ..exercise.template import ExerciseOptions, exercise_spec
from ..words.serve_text import say
from .app import Settings, create_app
from .guard import Guard, guarded_protocol
from .store import CODES, SESSION_KEY, TOKEN, Store

#: hosts that mean "this machine only" (browsers treat them as secure origins)
LOOPBACK_NAMES = ("localhost",)
#: file descriptors kept free of client connections (database, worker pipes, files served)
SPARE_FDS = 256


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def started_with(ex_spec: Spec, options: ExerciseOptions, lang: str) -> dict[str, str]:
    """What a data folder records of its start: the exercise spec as self-contained TOML
    (every drawn weight, the data as the network sees it, and which weights are drawn per
    student), the exercise options and the language."""
    given = json.dumps([list(g) for g in ex_spec.given])
    skip = ("lang", "upload_url")  # the address may change between starts: not a difference
    opts = {k: v for k, v in dataclasses.asdict(options).items() if k not in skip}
    return {
        "spec": spec_to_toml(ex_spec) + f"\n# drawn per student (weights, biases given): {given}\n",
        "options": json.dumps(opts, sort_keys=True),
        "lang": lang,
    }


def _difference(key: str, then: str, now: str) -> tuple[str, str]:
    """The first thing that differs, as short text (then, now)."""
    if key == "spec":
        a, b = then.splitlines(), now.splitlines()
        for x, y in zip(a, b, strict=False):
            if x != y:
                return x.strip(), y.strip()
        return (a[len(b)] if len(a) > len(b) else "(end)"), (
            b[len(a)] if len(b) > len(a) else "(end)"
        )
    if key == "options":
        old, new = json.loads(then), json.loads(now)
        for k in sorted(set(old) | set(new)):
            if old.get(k) != new.get(k):
                return f"{k} = {old.get(k)}", f"{k} = {new.get(k)}"
    return then, now


def prepare(
    spec: Spec,
    roster: Path,
    data: Path,
    lang: str,
    new_term: bool = False,
    options: ExerciseOptions | None = None,
    upload_url: str | None = None,
) -> tuple[Settings, Store, list[str]]:
    """Read the roster (every row checked first), open the data folder and check it was started
    with this spec, these options and this language (else refuse in one line); with
    ``new_term`` the earlier records are archived first, whatever they were started with. Then
    make the database's students the roster's (new ones get access codes, removed ones lose
    access), write the exercises that are missing (all of them when ``upload_url``, the address
    their instructions give, is not the one they were written with), and make every file
    private. Returns the settings, the store and the lines to print."""
    students = read_roster(roster)
    options = options or ExerciseOptions(lang=lang)
    if upload_url is not None:
        options = dataclasses.replace(options, upload_url=upload_url)
    ex_spec = exercise_spec(spec, epochs_given=False)
    record = started_with(ex_spec, options, lang)
    store = Store.open(data)
    lines: list[str] = []
    before = store.meta()
    differs = [k for k in ("spec", "options", "lang") if k in before and before[k] != record[k]]
    if differs and not new_term:
        key = differs[0]
        then, now = _difference(key, before[key], record[key])
        raise NnsheetError(
            say(
                "restart_differs",
                lang,
                data=terminal_text(str(store.data)),
                what=say(f"what.{key}", lang),
                then=terminal_text(then),
                now=terminal_text(now),
            )
        )
    if new_term and (before or store.students()):  # a new term: whatever the spec
        dest = store.archive()
        store = Store.open(data)
        lines.append(say("archived", lang, path=terminal_text(str(dest))))
    codes_existed = (store.data / CODES).exists()
    had_students = bool(store.students())
    added, removed = store.sync_roster([(s.id, s.name, s.row) for s in students])
    url_then = before.get("upload_url")
    store.set_meta({**record, "upload_url": options.upload_url or ""})
    missing = [s for s in students if not (store.data / "exercises" / f"{s.id}.xlsx").exists()]
    if url_then is not None and url_then != (options.upload_url or ""):
        missing = list(students)  # the instructions name the new address
    if missing:
        write_student_exercises(ex_spec, missing, store.data / "exercises", options)
    store.secret(TOKEN)
    store.secret(SESSION_KEY)
    store.lock_down()
    codes = terminal_text(str(store.data / CODES))
    if not had_students:
        lines.append(say("wrote_codes", lang, path=codes))
    else:
        lines.append(say("codes_kept", lang, path=codes))
        if added:
            ids = terminal_text(", ".join(added))
            lines.append(say("added", lang, n=len(added), ids=ids, path=codes))
        if not codes_existed:
            lines.append(say("codes_missing", lang, path=codes))
    if removed:
        lines.append(say("removed", lang, ids=terminal_text(", ".join(removed))))
    lines.append(
        say("exercises", lang, n=len(students), path=terminal_text(str(store.data / "exercises")))
    )
    return Settings(store.data, ex_spec, options), store, lines


def revoke(data: Path, student_id: str, lang: str = "en") -> int:
    """``serve --revoke ID``: a new access code for one student, printed; the old one and the
    student's sessions stop working (also on a running server: both are in the database)."""
    data = Path(data)
    if not (data / "nnsheet.db").is_file():
        raise NnsheetError(f"{data}: no nnsheet serve data folder here (nnsheet.db is missing)")
    store = Store(data)
    st, code = store.revoke(student_id)
    store.lock_down()
    print(
        say(
            "revoked",
            lang,
            name=terminal_text(st.name),
            id=terminal_text(st.id),
            code=code,
            path=terminal_text(str(data / CODES)),
        )
    )
    return 0


def raise_open_files() -> int:
    """Raise this process's open-file limit to its hard limit (a class's connections need
    more than the usual 1024); returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if want > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError):
            pass
    return soft


def class_page_url(host: str, port: int, public_url: str | None = None) -> str:
    """The address the exercises tell students to upload at: ``--public-url`` when given (an
    http(s) address, checked), else the address served on, a wildcard host (0.0.0.0, ::) said
    as this machine's name."""
    if public_url is not None:
        ok = re.fullmatch(r"https?://[^\s\x00-\x1f\x7f]+", public_url)
        if ok is None or len(public_url) > 200:
            raise NnsheetError(
                f"--public-url: expected an http:// or https:// address, got "
                f"{terminal_text(public_url)!r}"
            )
        return public_url
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname() or host
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def bind(host: str, port: int, lang: str) -> socket.socket:
    """The server's socket, bound (a port in use fails here) but not yet listening: clients are
    refused until the app is ready; or one line (exit 2) when the address cannot be used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise NnsheetError(f"--host {terminal_text(host)}: {exc.strerror}") from None
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)  # asyncio listens on it once the app is ready
    except OSError as exc:
        sock.close()
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        if exc.errno == errno.EADDRINUSE:
            why = "already in use (another server?)"
        raise NnsheetError(
            say("port_in_use", lang, port=port, host=terminal_text(host), why=why)
        ) from None
    sock.set_inheritable(True)
    return sock


class _Escaped(logging.Filter):
    """Log lines with control characters shown as ``\\x1b`` (a request path or header can
    hold any byte)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = terminal_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(terminal_text(a) if isinstance(a, str) else a for a in record.args)
        return True


def serve(
    spec: Spec,
    roster: str,
    data: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    attempts: int | None = None,
    lang: str = "en",
    workers: int | None = None,
    timeout: float = 60.0,
    new_term: bool = False,
    header_timeout: float = 10.0,
    per_client: int = 256,
    feedback: str = "verdicts",
    public_url: str | None = None,
    carried_credit: float = 1.0,
) -> int:
    import uvicorn

    if not 1 <= port <= 65535:
        raise NnsheetError(f"--port: expected 1 to 65535, got {port}")
    os.umask(0o077)  # every file this server and its workers write is private
    page = class_page_url(host, port, public_url)
    sock = bind(host, port, lang)  # first: a port in use changes nothing in the data folder
    try:
        settings, store, lines = prepare(
            spec, Path(roster), Path(data), lang, new_term=new_term, upload_url=page
        )
    except BaseException:
        sock.close()
        raise
    settings.attempts = attempts
    settings.workers = workers or max(1, min(4, os.cpu_count() or 1))
    settings.timeout = timeout
    settings.feedback = feedback
    settings.carried_credit = carried_credit
    settings.secure_cookie = is_loopback(host)
    limit = raise_open_files()
    guard = Guard(
        per_client=per_client,
        total=max(16, min(4096, limit - SPARE_FDS)),
        header_timeout=header_timeout,
    )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    for line in lines:
        print(line, file=sys.stderr)
    print(say("token", lang, url=url, path=terminal_text(str(store.data / TOKEN))), file=sys.stderr)
    if not settings.secure_cookie:
        print(say("insecure", lang, host=host), file=sys.stderr)
    print(
        say(
            "listening",
            lang,
            n=len(store.students()),
            url=url,
            data=terminal_text(str(store.data)),
        ),
        file=sys.stderr,
    )
    config = uvicorn.Config(
        create_app(settings),
        log_level="info",
        http=guarded_protocol(guard),
        timeout_keep_alive=5,
        timeout_graceful_shutdown=int(timeout) + 5,
    )
    server = uvicorn.Server(config)
    escaped = _Escaped()
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "asyncio"):
        logging.getLogger(name).addFilter(escaped)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
