"""The ASGI app of ``nnsheet serve`` (Starlette): the student pages, the teacher page and the JSON
API. README "A self-check page for the class" documents the routes; the security points:

- uploads: a request body larger than :data:`MAX_BODY` is refused (413) while it streams in;
  the stored file is named by the server (:mod:`.store`); the worker's
  :func:`~nnsheet.grading.read.read_book` checks the archive limits before parsing; grading runs
  in a worker process with a time limit (:mod:`.pool`);
- access codes and the teacher token are compared in constant time
  (:func:`.store.same_secret`); a wrong code gets the same answer whether or not the id exists;
- forms carry a CSRF token kept in the session and compared in constant time; the session
  cookie is signed, HttpOnly, SameSite=Strict (and Secure, see :func:`create_app`);
- every page is a Jinja2 template with autoescaping, so names and file names are text, and
  every value shown has its control characters escaped (``\\x1b``), as the gradebook CSV has; a
  strict Content-Security-Policy (no script at all) backs it up;
- a student's pages and files are looked up by the signed-in student's id, never by an id in
  the request; a sign-in is a session kept in the database (the signed cookie carries its
  nonce): signing out, a new code (``--revoke``) or leaving the roster ends it at once;
- what a student can store is bounded: ``--attempts``, and a budget of uploads that could not
  be graded and of bytes (:data:`.store.UNGRADABLE_BUDGET`, :data:`.store.BYTES_BUDGET`);
- a database locked for longer than :data:`.store.BUSY_TIMEOUT` answers 503 with Retry-After
  and stores nothing; a grading result waiting for the database is retried until it is kept.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import io
import os
import re
import secrets
import tempfile
import zipfile
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.ops import hidden_error_rule
from ..core.safety import csv_text, terminal_text
from ..core.spec import Spec
from ..exercise.template import ExerciseOptions
from ..grading.batch import GRADEBOOK_COLUMNS, gradebook_columns
from ..grading.integrity import identical_answer_pairs
from ..grading.reason import Flag
from ..words.class_text import CLASS_TEXT
from ..words.grading_text import BLOCK_WORDS, VERDICT_WORDS, flag_note
from ..words.numbers import number_text
from ..words.serve_text import TEXT, say
from .classpage import blocks_of, extra_cells, page_tables, view_of
from .grade import grade_upload
from .pool import WORKER_MEMORY, Job, Pool
from .store import (
    BUSY_TIMEOUT,
    BYTES_BUDGET,
    SESSION_KEY,
    TOKEN,
    UNGRADABLE_BUDGET,
    Attempt,
    Store,
    StoreBusy,
    StudentRow,
    same_secret,
)

#: the largest request body accepted (an exercise is a few hundred kB)
MAX_BODY = 8 * 2**20
TEMPLATES = Path(__file__).with_name("templates")
SUFFIXES = (".xlsx", ".ods", ".xls")
SESSION_HOURS = 12
#: seconds a client is told to wait when the database is busy
RETRY_AFTER = 5


@dataclass
class Settings:
    """What ``nnsheet serve`` was started with."""

    data: Path
    spec: Spec  # the exercise spec (one epoch), before each student's variant
    options: ExerciseOptions
    attempts: int | None = None
    workers: int = 2
    timeout: float = 60.0
    feedback: str = "verdicts"  # what a student is shown (``serve --feedback``)
    secure_cookie: bool = True
    carried_credit: float = 1.0  # serve --carried-credit
    job: Job = field(default=grade_upload)  # tests replace it with a slow one
    #: per student: uploads that could not be graded, and bytes of all uploads
    ungradable_budget: int = UNGRADABLE_BUDGET
    bytes_budget: int = BYTES_BUDGET
    #: each grading worker's address-space cap (bytes)
    worker_memory: int | None = WORKER_MEMORY
    busy_timeout: float = BUSY_TIMEOUT


# =========================================================================== middleware
class BodyLimit:
    """Refuse a request whose body is larger than ``limit`` bytes: at once when it says so
    (Content-Length), else as soon as more has streamed in; and one whose body stops coming
    for ``idle`` seconds before it is complete (408: a client cannot hold a request open by
    sending its body a byte now and then — :mod:`.guard` bounds the headers the same way)."""

    def __init__(self, app: ASGIApp, limit: int, lang: str = "en", idle: float = 30.0) -> None:
        self.app, self.limit, self.lang, self.idle = app, limit, lang, idle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _too_large(scope, receive, send, self.limit, self.lang)
            return
        seen = 0
        complete = False

        async def limited() -> Message:
            nonlocal seen, complete
            if complete:  # later calls wait for a disconnect: no time limit on those
                return await receive()
            try:
                msg = await asyncio.wait_for(receive(), self.idle)
            except TimeoutError:
                raise _TooSlow() from None
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
                complete = not msg.get("more_body", False)
            return msg

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(scope, receive, send, self.limit, self.lang)
        except _TooSlow:
            text = say("too_slow", self.lang, s=number_text(self.idle, self.lang))
            await PlainTextResponse(text, 408, headers={"connection": "close"})(
                scope, receive, send
            )


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int, lang: str) -> None:
    text = say("too_large", lang, mb=limit // 2**20)
    await PlainTextResponse(text, status_code=413)(scope, receive, send)


class SecurityHeaders:
    """No script, no framing, no sniffing, no caching of pages with learners' results."""

    CSP = (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                msg["headers"] = list(msg.get("headers", [])) + [
                    (b"content-security-policy", self.CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
            await send(msg)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


# =========================================================================== the app
class Server:
    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.store = Store(settings.data, settings.busy_timeout)
        self.lang = settings.options.lang
        self.token = self.store.secret(TOKEN)
        self.pool = Pool(settings.job, settings.workers, settings.timeout, settings.worker_memory)
        self.templates = Jinja2Templates(directory=str(TEMPLATES))
        self.templates.env.finalize = _shown  # control characters in any value: \x1b
        self.templates.env.filters["local"] = local_time
        # a score on a page: one decimal, the decimal comma in Indonesian (``87,5``)
        self.templates.env.filters["one_decimal"] = lambda v: number_text(v, self.lang, 1)
        self._tasks: set[asyncio.Task] = set()
        self.roster = [st.id for st in self.store.students()]

    # ------------------------------------------------------------------ helpers
    def page(self, request: Request, name: str, status: int = 200, **ctx: object) -> Response:
        lang = self.lang
        ctx.update(
            t=TEXT[lang],
            lang=lang,
            csrf=_csrf(request),
            verdicts=VERDICT_WORDS[lang],
            blocks=BLOCK_WORDS[lang],
            cap=self.s.attempts,
            course=self.s.spec.title,
            zone=zone_name(),
        )
        return self.templates.TemplateResponse(request, name, ctx, status_code=status)

    def signed_in(self, request: Request) -> StudentRow | None:
        """The signed-in student, while their session is on the server and they are on the
        roster."""
        sid, nonce = request.session.get("student"), request.session.get("nonce")
        if not isinstance(sid, str) or not isinstance(nonce, str):
            return None
        if not self.store.session_ok(nonce, f"student:{sid}"):
            return None
        return self.store.student(sid)

    def job(self, a: Attempt) -> dict:
        return {
            "spec": self.s.spec,
            "options": self.s.options,
            "student_id": a.student_id,
            "roster": self.roster,
            "upload": str(self.s.data / a.upload),
            "graded": str(self.s.data / a.graded),
            "shown": a.filename,
            "lang": self.lang,
            "feedback": self.s.feedback,
            "carried_credit": self.s.carried_credit,
        }

    async def grade(self, a: Attempt) -> dict:
        """Grade attempt ``a`` in a worker and record the result. Runs as its own task: a
        client that goes away does not lose the grading."""

        async def work() -> dict:
            out = await self.pool.run(self.job(a))
            if out is None:
                out = {
                    "status": "timeout",
                    "score": None,
                    "flags": [],
                    "message": say("timeout", "en", s=number_text(self.s.timeout, "en")),
                }
            elif out.get("status") not in ("graded", "unreadable"):
                out = {
                    "status": "unreadable",
                    "score": None,
                    "flags": [],
                    "message": str(out.get("message", "")),
                }
            await self._keep(a, out)
            return out

        task = asyncio.ensure_future(work())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(task)

    async def _keep(self, a: Attempt, out: dict) -> None:
        """Record a result; while the database is locked, try again (the upload is stored and
        its attempt recorded: a result is never dropped)."""
        wait = 0.5
        while True:
            try:
                await asyncio.to_thread(self.store.finish, a.id, out["status"], out)
                return
            except StoreBusy:
                await asyncio.sleep(wait)
                wait = min(wait * 2, 10.0)

    def refusal(self, reason: str, lang: str) -> str:
        if reason == "attempts":
            return say("attempts_used", lang, cap=self.s.attempts)
        if reason == "ungradable":
            return say("ungradable_used", lang, n=self.s.ungradable_budget)
        return say("bytes_used", lang, mb=number_text(self.s.bytes_budget / 2**20, lang))

    async def submit(self, student: StudentRow, upload: UploadFile) -> tuple[int, dict]:
        """Store and grade one upload; (HTTP status, answer). A database that stays locked
        raises :class:`StoreBusy` before anything is stored (503)."""
        shown = _shown_name(upload.filename)
        suffix = Path(shown.lower()).suffix
        suffix = suffix if suffix in SUFFIXES else ".xlsx"  # read_book tells what it really is
        body = await upload.read()
        a = await asyncio.to_thread(
            self.store.new_attempt,
            student.id,
            shown,
            suffix,
            self.s.attempts,
            len(body),
            self.s.ungradable_budget,
            self.s.bytes_budget,
        )
        if isinstance(a, str):
            return 429, {"status": "refused", "reason": a, "message": self.refusal(a, "en")}
        await asyncio.to_thread(self.store.save_upload, a, body)
        out = await self.grade(a)
        return 200, {"attempt": a.n, **out}

    # ------------------------------------------------------------------ student pages
    async def home(self, request: Request) -> Response:
        if self.signed_in(request) is not None:
            return RedirectResponse("/me", 303)
        return self.page(request, "signin.html")

    async def sign_in(self, request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=8)
        if not _csrf_ok(request, form):
            return self.page(request, "signin.html", 403, error=say("csrf", self.lang))
        st = await asyncio.to_thread(
            self.store.sign_in, str(form.get("student_id", "")), str(form.get("code", ""))
        )
        if st is None:
            return self.page(request, "signin.html", 401, error=say("bad_login", self.lang))
        nonce = await asyncio.to_thread(self.store.new_session, f"student:{st.id}")
        request.session.clear()
        request.session.update(student=st.id, nonce=nonce, csrf=secrets.token_urlsafe(24))
        return RedirectResponse("/me", 303)

    async def sign_out(self, request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=4)
        if _csrf_ok(request, form):
            nonce = request.session.get("nonce")
            if isinstance(nonce, str):
                await asyncio.to_thread(self.store.end_session, nonce)
            request.session.clear()
        return RedirectResponse("/", 303)

    async def me(self, request: Request, error: str | None = None, status: int = 200) -> Response:
        st = self.signed_in(request)
        if st is None:
            return RedirectResponse("/", 303)
        attempts = await asyncio.to_thread(self.store.attempts, st.id)
        left = None
        if self.s.attempts is not None:
            left = max(0, self.s.attempts - sum(a.counted for a in attempts))
        used = await asyncio.to_thread(self.store.budget, st.id)
        blocked = None
        if used.ungradable >= self.s.ungradable_budget:
            blocked = self.refusal("ungradable", self.lang)
        elif used.bytes >= self.s.bytes_budget:
            blocked = self.refusal("bytes", self.lang)
        return self.page(
            request,
            "me.html",
            status,
            student=st,
            attempts=attempts,
            left=left,
            error=error,
            ungradable=used.ungradable,
            ungradable_cap=self.s.ungradable_budget,
            blocked=blocked,
        )

    async def exercise(self, request: Request) -> Response:
        st = self.signed_in(request)
        if st is None:
            return RedirectResponse("/", 303)
        return self._exercise_file(st)

    def _exercise_file(self, st: StudentRow) -> Response:
        return FileResponse(self.s.data / st.exercise, filename=f"{st.id}.xlsx", media_type=XLSX)

    async def upload(self, request: Request) -> Response:
        st = self.signed_in(request)
        if st is None:
            return RedirectResponse("/", 303)
        form = await request.form(max_files=1, max_fields=4)
        if not _csrf_ok(request, form):
            return await self.me(request, say("csrf", self.lang), 403)
        f = form.get("workbook")
        if not isinstance(f, UploadFile) or not f.filename:
            return await self.me(request, say("no_file", self.lang), 400)
        status, out = await self.submit(st, f)
        if status != 200:
            return await self.me(request, self.refusal(out["reason"], self.lang), status)
        return RedirectResponse(f"/attempts/{out['attempt']}", 303)

    def _own_attempt(self, request: Request) -> tuple[StudentRow | None, Attempt | None]:
        st = self.signed_in(request)
        if st is None:
            return None, None
        return st, self.store.attempt(st.id, int(request.path_params["n"]))

    async def result(self, request: Request) -> Response:
        st, a = self._own_attempt(request)
        if st is None:
            return RedirectResponse("/", 303)
        if a is None:
            return self.page(request, "message.html", 404, message=say("not_found", self.lang))
        message = a.result.get("message", "")
        if a.status == "timeout":
            message = say("timeout", self.lang, s=number_text(self.s.timeout, self.lang))
        return self.page(request, "result.html", student=st, a=a, r=a.result, message=message)

    async def graded(self, request: Request) -> Response:
        st, a = self._own_attempt(request)
        if st is None:
            return RedirectResponse("/", 303)
        path = self.s.data / a.graded if a is not None else None
        if a is None or not a.result.get("graded") or path is None or not path.is_file():
            return self.page(request, "message.html", 404, message=say("not_found", self.lang))
        return FileResponse(path, filename=f"{st.id}-graded-{a.n}.xlsx", media_type=XLSX)

    # ------------------------------------------------------------------ teacher
    def is_teacher(self, request: Request) -> bool:
        got, nonce = request.session.get("teacher"), request.session.get("nonce")
        return (
            isinstance(got, str)
            and isinstance(nonce, str)
            and same_secret(got, _fingerprint(self.token))
            and self.store.session_ok(nonce, "teacher")
        )

    def bearer(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        return scheme.lower() == "bearer" and same_secret(given, self.token)

    async def teacher(self, request: Request) -> Response:
        if not self.is_teacher(request):
            return self.page(request, "teacher_signin.html")
        rows = await asyncio.to_thread(self.overview)
        tables = page_tables(view_of(rows, _member), self.lang, self.sent)
        c = CLASS_TEXT[self.lang]
        return self.page(request, "teacher.html", rows=rows, teacher=True, c=c, **tables)

    async def teacher_sign_in(self, request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=4)
        if not _csrf_ok(request, form):
            return self.page(request, "teacher_signin.html", 403, error=say("csrf", self.lang))
        if not same_secret(str(form.get("token", "")), self.token):
            return self.page(request, "teacher_signin.html", 401, error=say("bad_token", self.lang))
        nonce = await asyncio.to_thread(self.store.new_session, "teacher")
        request.session.clear()
        request.session.update(
            teacher=_fingerprint(self.token), nonce=nonce, csrf=secrets.token_urlsafe(24)
        )
        return RedirectResponse("/teacher", 303)

    def overview(self) -> list[dict]:
        """Per student: attempts, latest and best score, the latest attempt's flags."""
        by: dict[str, list[Attempt]] = {}
        for a in self.store.all_attempts():
            by.setdefault(a.student_id, []).append(a)
        rows = []
        students = self.store.students()
        latest_of = {st.id: by[st.id][-1] for st in students if by.get(st.id)}
        across = self.class_flags(latest_of)
        for st in students:
            atts = by.get(st.id, [])
            scores = [a.score for a in atts if a.status == "graded" and a.score is not None]
            latest = latest_of.get(st.id)
            flags = list(latest.result.get("flags") or []) if latest else []
            notes = dict(latest.result.get("flag_notes") or {}) if latest else {}
            for code, note in across.get(st.id, []):
                if code not in flags:
                    flags.append(code)
                    notes[code] = note
            rows.append(
                {
                    "student": st,
                    "attempts": len(atts),
                    "latest": latest,
                    "best": max(scores) if scores else None,
                    "flags": flags,
                    "notes": notes,
                }
            )
        return rows

    def class_flags(self, latest: dict[str, Attempt]) -> dict[str, list[tuple[str, str]]]:
        """``duplicate_submission`` (a student's latest upload is byte for byte, or as a
        workbook, the same as another student's latest: :func:`_same_uploads`) and
        ``identical:<id>`` across the class's latest graded attempts, as ``check`` finds it
        across a folder (:func:`~nnsheet.grading.integrity.identical_answer_pairs`), on what
        each attempt's grading kept of its typed answers: no file is read again (cost: pairs of
        attempts × answer cells, a few milliseconds for a class of 40)."""
        ids = list(latest)
        entries = [_typed(latest[sid]) for sid in ids]
        out: dict[str, list[tuple[str, str]]] = {}
        for sid, others in _same_uploads(latest).items():
            files = ", ".join(_member(latest[o]) for o in others)
            flag = Flag("duplicate_submission", "note.duplicate.serve", {"files": files})
            out.setdefault(sid, []).append((flag.code, flag_note(flag, self.lang)))
        for i, j, agree, filled, wrong in identical_answer_pairs(entries):
            for a, b in ((i, j), (j, i)):
                other = ids[b]
                fields = {
                    "agree": agree,
                    "filled": filled,
                    "wrong": wrong,
                    "file": _member(latest[other]),
                }
                flag = Flag(f"identical:{other}", "note.identical", fields)
                out.setdefault(ids[a], []).append((flag.code, flag_note(flag, self.lang)))
        return out

    async def teacher_student(self, request: Request) -> Response:
        """One student's attempts (teacher only; 404 for an id not on the roster)."""
        if not self.is_teacher(request):
            return RedirectResponse("/teacher", 303)
        st = await asyncio.to_thread(self.store.student, request.path_params["sid"])
        if st is None:
            return self.page(
                request, "message.html", 404, message=say("not_found", self.lang), teacher=True
            )
        attempts = await asyncio.to_thread(self.store.attempts, st.id)
        return self.page(request, "teacher_student.html", who=st, attempts=attempts, teacher=True)

    async def teacher_file(self, request: Request) -> Response:
        """A student's upload or graded copy, for the teacher (404 for what is not there)."""
        if not self.is_teacher(request):
            return RedirectResponse("/teacher", 303)
        sid, kind = request.path_params["sid"], request.path_params["kind"]
        st = await asyncio.to_thread(self.store.student, sid)
        a = None
        if st is not None:
            a = await asyncio.to_thread(self.store.attempt, st.id, int(request.path_params["n"]))
        if st is None or a is None or kind not in ("upload", "graded"):
            return self.page(
                request, "message.html", 404, message=say("not_found", self.lang), teacher=True
            )
        if kind == "graded":
            path = self.s.data / a.graded if a.result.get("graded") else None
            name = f"{st.id}-graded-{a.n}.xlsx"
        else:
            path = self.s.data / a.upload if a.upload else None
            name = f"{st.id}-attempt-{a.n}{Path(a.upload).suffix}"
        if path is None or not path.is_file():
            return self.page(
                request, "message.html", 404, message=say("not_found", self.lang), teacher=True
            )
        return FileResponse(path, filename=name, media_type="application/octet-stream")

    def gradebook_rows(self, rows: list[dict] | None = None) -> list[list[object]]:
        """The gradebook (``check --gradebook``'s columns): each student's latest attempt, its
        ``file`` the name the submissions zip gives it, ``student`` and ``student_id`` the
        signed-in uploader's (what the file says shows in the flags); a student with no upload
        has the status ``no_submission``. Text has its control characters escaped."""
        out: list[list[object]] = []
        rows = self.overview() if rows is None else rows
        blocks = blocks_of(rows)
        for row in rows:
            st, a = row["student"], row["latest"]
            if a is None:
                cells: list[object] = ["", st.name, st.id, "no_submission"]
                cells += [""] * (len(GRADEBOOK_COLUMNS) - len(cells))
            else:
                cells = list(a.result.get("gradebook") or [])
                if len(cells) != len(GRADEBOOK_COLUMNS):
                    cells = (
                        ["", "", "", a.status]
                        + [""] * (len(GRADEBOOK_COLUMNS) - 5)
                        + [a.result.get("message", "")]
                    )
                cells[:3] = [_member(a), st.name, st.id]  # who uploaded it, signed in
                cells[GRADEBOOK_COLUMNS.index("status")] = a.status
                cells[GRADEBOOK_COLUMNS.index("flags")] = ";".join(row["flags"])
            cells += extra_cells(a, blocks, self.s.carried_credit)
            out.append([terminal_text(v) if isinstance(v, str) else v for v in cells])
        return out

    def gradebook_csv(self) -> str:
        rows = self.overview()
        buf = io.StringIO(newline="")
        w = csv.writer(buf)
        w.writerow(gradebook_columns(blocks_of(rows)))
        for cells in self.gradebook_rows(rows):
            w.writerow([csv_text(v) for v in cells])
        return buf.getvalue()

    @property
    def sent(self) -> str:
        """What the spec's rule sends back (the mistakes' words)."""
        spec = self.s.spec
        return hidden_error_rule(spec.rule, spec.hidden_error).source

    def class_xlsx(self, people: bool = True) -> Path:
        """The gradebook for people with the class report's sheets after it (``check
        --gradebook grades.xlsx``), or with ``people=False`` the class report alone; in a
        private temporary file in the data folder (the response streams it, then deletes it)."""
        from ..grading.batch import people_row
        from ..grading.classbook import write_report
        from ..grading.key import AnswerKey

        rows = self.overview()
        blocks = blocks_of(rows)
        view = view_of(rows, _member)
        key = AnswerKey.build(self.s.spec, self.s.options)  # the layout and its answer cells
        both = None
        if people:
            cells = self.gradebook_rows(rows)
            n = len(GRADEBOOK_COLUMNS)
            both = (
                [
                    people_row(
                        c[:n],
                        c[n:],
                        blocks,
                        [(f, str(row["notes"].get(f, ""))) for f in row["flags"]],
                    )
                    for c, row in zip(cells, rows, strict=True)
                ],
                blocks,
            )
        prefix = ".gradebook-" if people else ".class-report-"
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=".xlsx", dir=self.s.data)
        os.close(fd)
        try:
            write_report(Path(name), view, self.lang, self.sent, key.layout, key.answers, both)
            os.chmod(name, 0o600)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name)

    def gradebook_xlsx(self) -> Path:
        """The gradebook for people, as ``check --gradebook grades.xlsx`` writes it."""
        return self.class_xlsx(True)

    def submissions_zip(self) -> Path:
        """Every upload in a zip written to a private temporary file in the data folder (the
        uploads are copied through in chunks: the server's memory does not grow with them);
        the response streams it and then deletes it."""
        fd, name = tempfile.mkstemp(prefix=".submissions-", suffix=".zip", dir=self.s.data)
        try:
            with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
                for a in self.store.all_attempts():
                    path = self.s.data / a.upload
                    if path.is_file():
                        zf.write(path, _member(a))
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name)

    async def teacher_gradebook(self, request: Request) -> Response:
        if not self.is_teacher(request):
            return RedirectResponse("/teacher", 303)
        return _csv_response(await asyncio.to_thread(self.gradebook_csv))

    async def teacher_gradebook_xlsx(self, request: Request) -> Response:
        if not self.is_teacher(request):
            return RedirectResponse("/teacher", 303)
        return _xlsx_response(await asyncio.to_thread(self.gradebook_xlsx))

    async def teacher_class_report(self, request: Request) -> Response:
        if not self.is_teacher(request):
            return RedirectResponse("/teacher", 303)
        path = await asyncio.to_thread(self.class_xlsx, False)
        return _xlsx_response(path, "class-report.xlsx")

    async def api_class_report(self, request: Request) -> Response:
        if not self.bearer(request):
            return _unauthorized("Bearer")
        path = await asyncio.to_thread(self.class_xlsx, False)
        return _xlsx_response(path, "class-report.xlsx")

    async def teacher_zip(self, request: Request) -> Response:
        if not self.is_teacher(request):
            return RedirectResponse("/teacher", 303)
        return _zip_response(await asyncio.to_thread(self.submissions_zip))

    # ------------------------------------------------------------------ JSON API
    async def api_exercise(self, request: Request) -> Response:
        sid, code = _basic(request)
        st = await asyncio.to_thread(self.store.sign_in, sid, code)
        if st is None:
            return _unauthorized("Basic")
        return self._exercise_file(st)

    async def api_submit(self, request: Request) -> Response:
        form = await request.form(max_files=1, max_fields=4)
        st = await asyncio.to_thread(
            self.store.sign_in, str(form.get("student_id", "")), str(form.get("code", ""))
        )
        if st is None:
            return _unauthorized(None)
        f = form.get("workbook")
        if not isinstance(f, UploadFile) or not f.filename:
            return JSONResponse(
                {"status": "refused", "message": "no file in the form field 'workbook'"}, 400
            )
        status, out = await self.submit(st, f)
        return JSONResponse(_api_answer(out), status)

    async def api_gradebook(self, request: Request) -> Response:
        if not self.bearer(request):
            return _unauthorized("Bearer")
        return _csv_response(await asyncio.to_thread(self.gradebook_csv))

    async def api_gradebook_xlsx(self, request: Request) -> Response:
        if not self.bearer(request):
            return _unauthorized("Bearer")
        return _xlsx_response(await asyncio.to_thread(self.gradebook_xlsx))

    async def api_zip(self, request: Request) -> Response:
        if not self.bearer(request):
            return _unauthorized("Bearer")
        return _zip_response(await asyncio.to_thread(self.submissions_zip))

    async def style(self, request: Request) -> Response:
        return Response(
            (TEMPLATES / "style.css").read_text(encoding="utf-8"), media_type="text/css"
        )

    # ------------------------------------------------------------------ life
    async def startup(self) -> None:
        await self.pool.start()
        for a in await asyncio.to_thread(self.store.queued):  # a restart loses nothing
            task = asyncio.ensure_future(self.grade(a))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def shutdown(self) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.s.timeout)
        await self.pool.stop()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
API_FIELDS = (
    "status",
    "reason",
    "attempt",
    "score",
    "correct",
    "carried",
    "carried_trivial",
    "wrong",
    "missing",
    "answer_cells",
    "first_wrong",
    "mistake",
    "flags",
    "message",
    "graded_copy",
)


def _api_answer(out: dict) -> dict:
    ans = {k: out.get(k) for k in API_FIELDS if k != "reason" or k in out}
    ans["flags"] = out.get("flags") or []
    ans["graded_copy"] = bool(out.get("graded"))
    return ans


def _typed(a: Attempt) -> tuple[str, list, list] | None:
    """An attempt's typed answers as its grading kept them (None: not graded, or kept by an
    earlier version)."""
    got = a.result.get("answers") if a.status == "graded" else None
    if not isinstance(got, dict):
        return None
    cells, typed, wrong = got.get("cells"), got.get("typed"), got.get("wrong")
    if not isinstance(cells, str) or not isinstance(typed, list) or not isinstance(wrong, list):
        return None
    if len(typed) != len(wrong):
        return None
    return cells, typed, wrong


def _same_uploads(latest: dict[str, Attempt]) -> dict[str, list[str]]:
    """Each student whose latest graded upload is the same file as other students' latest:
    the same bytes, or the same workbook as graded (typed name, number and every answer), as
    each attempt's grading kept them (older attempts that kept neither are left out); the
    others' ids in roster order."""
    by: dict[tuple[str, str], list[str]] = {}
    for sid, a in latest.items():
        same = a.result.get("same") if a.status == "graded" else None
        if not isinstance(same, dict):
            continue
        for kind in ("bytes", "workbook"):
            digest = same.get(kind)
            if isinstance(digest, str):
                by.setdefault((kind, digest), []).append(sid)
    out: dict[str, list[str]] = {}
    for ids in by.values():
        for sid in ids:
            for other in ids:
                if other != sid and other not in out.setdefault(sid, []):
                    out[sid].append(other)
    order = {sid: n for n, sid in enumerate(latest)}
    return {sid: sorted(o, key=order.__getitem__) for sid, o in out.items() if o}


def _member(a: Attempt) -> str:
    """A submission's name in the zip and the gradebook: roster id (checked to be a safe file
    name by the roster reader) and attempt number, never the learner's file name."""
    return f"{a.student_id}/attempt-{a.n}{Path(a.upload).suffix}"


def _csv_response(text: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="gradebook.csv"'},
    )


def _xlsx_response(path: Path, filename: str = "gradebook.xlsx") -> Response:
    return FileResponse(
        path,
        media_type=XLSX,
        filename=filename,
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


def local_time(stamp: object) -> str:
    """A stored time (UTC, ``YYYY-MM-DD HH:MM:SS``) in the server's local time zone, with its
    offset: ``2026-12-06 22:40:05 (UTC+07:00)``; anything else as it is."""
    try:
        when = datetime.strptime(str(stamp), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return str(stamp)
    here = when.astimezone()
    return f"{here:%Y-%m-%d %H:%M:%S} ({_offset(here)})"


def zone_name() -> str:
    """The server's local time zone now, e.g. ``WIB, UTC+07:00``."""
    now = datetime.now(UTC).astimezone()
    name = now.tzname() or ""
    off = _offset(now)
    return off if not name or name.startswith(("UTC", "+", "-")) else f"{name}, {off}"


def _offset(when: datetime) -> str:
    delta = when.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


def _zip_response(path: Path) -> Response:
    return FileResponse(
        path,
        media_type="application/zip",
        filename="submissions.zip",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


def _shown(value: object) -> object:
    """What a page shows of a value: text with its control characters escaped."""
    return terminal_text(value) if isinstance(value, str) else value


async def _busy(request: Request, exc: Exception) -> Response:
    text = say("busy", "en")
    if request.url.path.startswith("/api/"):
        return JSONResponse(
            {"status": "busy", "message": text},
            503,
            headers={"retry-after": str(RETRY_AFTER)},
        )
    return PlainTextResponse(text, 503, headers={"retry-after": str(RETRY_AFTER)})


def _unauthorized(scheme: str | None) -> Response:
    headers = {"www-authenticate": f'{scheme} realm="nnsheet"'} if scheme else None
    return JSONResponse(
        {
            "status": "refused",
            "message": "wrong student id or code" if scheme != "Bearer" else "wrong teacher token",
        },
        401,
        headers=headers,
    )


def _basic(request: Request) -> tuple[str, str]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        sid, _, code = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return "", ""
    return sid, code


def _shown_name(filename: str | None) -> str:
    """The learner's file name as text to show: its last part only, control characters
    escaped (``\\x1b``), at most 100 characters. Never used to build a path."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = terminal_text(name).strip() or "upload"
    return name[-100:]


def _fingerprint(token: str) -> str:
    """What the teacher's session cookie holds: a hash of the token, never the token."""
    return hashlib.sha256(b"nnsheet-teacher:" + token.encode()).hexdigest()


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def _csrf_ok(request: Request, form) -> bool:
    want = request.session.get("csrf")
    got = form.get("csrf")
    return isinstance(want, str) and isinstance(got, str) and same_secret(got, want)


def create_app(settings: Settings) -> Starlette:
    """The app for ``settings``; ``secure_cookie`` marks the sign-in cookie Secure (right on
    https and on this machine's own loopback address, which browsers treat as secure)."""
    srv = Server(settings)
    routes = [
        Route("/", srv.home),
        Route("/signin", srv.sign_in, methods=["POST"]),
        Route("/signout", srv.sign_out, methods=["POST"]),
        Route("/me", srv.me),
        Route("/exercise", srv.exercise),
        Route("/upload", srv.upload, methods=["POST"]),
        Route("/attempts/{n:int}", srv.result),
        Route("/attempts/{n:int}/graded", srv.graded),
        Route("/teacher", srv.teacher),
        Route("/teacher/signin", srv.teacher_sign_in, methods=["POST"]),
        Route("/teacher/gradebook.csv", srv.teacher_gradebook),
        Route("/teacher/gradebook.xlsx", srv.teacher_gradebook_xlsx),
        Route("/teacher/submissions.zip", srv.teacher_zip),
        Route("/teacher/class-report.xlsx", srv.teacher_class_report),
        Route("/teacher/students/{sid}", srv.teacher_student),
        Route("/teacher/students/{sid}/attempts/{n:int}/{kind}", srv.teacher_file),
        Route("/api/exercise", srv.api_exercise),
        Route("/api/submissions", srv.api_submit, methods=["POST"]),
        Route("/api/gradebook.csv", srv.api_gradebook),
        Route("/api/gradebook.xlsx", srv.api_gradebook_xlsx),
        Route("/api/submissions.zip", srv.api_zip),
        Route("/api/class-report.xlsx", srv.api_class_report),
        Route("/style.css", srv.style),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(BodyLimit, limit=MAX_BODY, lang=settings.options.lang),
        Middleware(
            SessionMiddleware,
            secret_key=srv.store.secret(SESSION_KEY),
            session_cookie="nnsheet_session",
            max_age=SESSION_HOURS * 3600,
            same_site="strict",
            https_only=settings.secure_cookie,
        ),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette):
        await srv.startup()
        try:
            yield
        finally:
            await srv.shutdown()

    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={StoreBusy: _busy},
    )
    app.state.server = srv
    return app
