"""``nnsheet serve``: prepare the data folder (students, codes, token, exercises), then run the app
under uvicorn."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

from ..core.errors import NnsheetError
from ..core.spec import Spec
from ..exercise.roster import read_roster, write_student_exercises
from ..exercise.template import ExerciseOptions, exercise_spec
from ..words.serve_text import say
from .app import Settings, create_app
from .store import CODES, SESSION_KEY, TOKEN, Store

#: hosts that mean "this machine only" (browsers treat them as secure origins)
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def prepare(spec: Spec, roster: Path, data: Path, lang: str) -> tuple[Settings, Store, list[str]]:
    """Read the roster (every row checked first), open the data folder, add the students not
    yet known with new access codes, write the exercises that are missing. Returns the
    settings, the store and the lines to print."""
    students = read_roster(roster)
    store = Store.open(data)
    codes_existed = (store.data / CODES).exists()
    added = store.add_students([(s.id, s.name, s.row) for s in students])
    options = ExerciseOptions(lang=lang)
    ex_spec = exercise_spec(spec, epochs_given=False)
    missing = [s for s in students if not (store.data / "exercises" / f"{s.id}.xlsx").exists()]
    if missing:
        write_student_exercises(ex_spec, missing, store.data / "exercises", options)
    store.secret(TOKEN)
    store.secret(SESSION_KEY)
    lines = [
        say(
            "wrote_codes" if added or not codes_existed else "codes_kept",
            lang,
            path=store.data / CODES,
        ),
        say("exercises", lang, n=len(students), path=store.data / "exercises"),
    ]
    return Settings(store.data, ex_spec, options), store, lines


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
    feedback: str = "verdicts",
) -> int:
    import uvicorn

    if not 1 <= port <= 65535:
        raise NnsheetError(f"--port: expected 1 to 65535, got {port}")
    settings, store, lines = prepare(spec, Path(roster), Path(data), lang)
    settings.attempts = attempts
    settings.workers = workers or max(1, min(4, os.cpu_count() or 1))
    settings.timeout = timeout
    settings.feedback = feedback
    settings.secure_cookie = is_loopback(host)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    for line in lines:
        print(line, file=sys.stderr)
    print(say("token", lang, url=url, path=store.data / TOKEN), file=sys.stderr)
    if not settings.secure_cookie:
        print(say("insecure", lang, host=host), file=sys.stderr)
    print(
        say("listening", lang, n=len(store.students()), url=url, data=store.data), file=sys.stderr
    )
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        timeout_graceful_shutdown=int(timeout) + 5,
    )
    return 0
