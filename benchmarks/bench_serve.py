"""``nnsheet serve`` under a class's load (issue 14): N students upload within the same minute.

Run from the repository root:

    python benchmarks/bench_serve.py                      # 60 students, all at once, 2 workers
    python benchmarks/bench_serve.py --students 60 --spread 60 --workers 2

It starts ``python -m nnsheet.cli serve`` on 127.0.0.1 (tests/browser.py's helpers: a free port,
a fresh data folder; nothing leaves this machine), downloads each student's exercise through the
JSON API, fills it in with the engine's values of that student's variant (one value wrong for
every other student), then uploads them all from N threads — at once (``--spread 0``) or spread
evenly over ``--spread`` seconds — and measures each upload's time (request sent → graded answer
received). Then it reads the gradebook back and counts the students graded. The last stdout line
is JSON.

With ``--slow N`` (issue 22 item 6) it first opens N "slowloris" connections from another
address (127.0.0.2) that send a request line one byte every ``--slow-every`` seconds (10) and
open again within a second whenever the server closes them, and keeps them up while the
students upload: the uploads' times then say whether slow clients stop other students.
``--server-args`` passes options to ``serve`` (e.g.
``"--per-client 100000 --header-timeout 100000"`` turns the guard off for a comparison).

    python benchmarks/bench_serve.py --students 10 --slow 1000

Bounded: each upload is one request (timeout 600 s), no retries; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import shlex
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = """
title = "Bench"
[[layer]]
size = 3
activation = "sigmoid"
[[layer]]
size = 1
activation = "sigmoid"
[training]
learning_rate = 0.5
epochs = 1
[init]
seed = 5
decimals = 1
[data]
inputs = [[0, 0], [0, 1], [1, 0], [1, 1]]
targets = [[0], [1], [1], [0]]
"""


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))]


class Slowloris(threading.Thread):
    """``n`` connections from 127.0.0.2 to ``port`` sending a request a byte at a time, every
    ``every`` seconds, reopened when the server closes them."""

    def __init__(self, port: int, n: int, every: float) -> None:
        super().__init__(daemon=True)
        self.port, self.n, self.every = port, n, every
        self.socks: list[socket.socket | None] = [None] * n
        self.stop = threading.Event()
        self.opened = 0
        self.ready = threading.Event()

    def _open(self) -> socket.socket | None:
        try:
            s = socket.socket()
        except OSError:  # this process is out of file descriptors
            return None
        try:
            s.bind(("127.0.0.2", 0))
            s.settimeout(2)
            s.connect(("127.0.0.1", self.port))
            s.settimeout(None)  # blocking: recv(MSG_DONTWAIT) then tells open from closed
            s.send(b"G")
            self.opened += 1
            return s
        except OSError:
            s.close()
            return None

    @staticmethod
    def _closed(s: socket.socket) -> bool:
        try:
            return s.recv(1, socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def held(self) -> int:
        return sum(1 for s in self.socks if s is not None and not self._closed(s))

    def run(self) -> None:
        last = [0.0] * self.n
        while not self.stop.is_set():
            now = time.monotonic()
            for i, s in enumerate(self.socks):
                if self.stop.is_set():
                    break
                if s is not None and not self._closed(s):
                    if now - last[i] < self.every:
                        continue
                    try:
                        s.send(b"E")
                        last[i] = now
                        continue
                    except OSError:
                        pass
                if s is not None:
                    s.close()
                self.socks[i] = self._open()
                last[i] = now
            self.ready.set()
            self.stop.wait(1.0)  # closed ones are opened again every second
        for s in self.socks:
            if s is not None:
                s.close()


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=60)
    ap.add_argument(
        "--spread",
        type=float,
        default=0.0,
        help="seconds over which the uploads start (0: all at once)",
    )
    ap.add_argument("--workers", type=int, default=2, help="nnsheet serve --workers")
    ap.add_argument("--slow", type=int, default=0, help="slow connections held meanwhile")
    ap.add_argument("--slow-every", type=float, default=10.0, help="seconds between their bytes")
    ap.add_argument("--server-args", default="", help="more options for nnsheet serve")
    args = ap.parse_args(argv)
    import httpx2

    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "tests"))
    # the tests' helpers: the server on a free port; the engine's values typed into an exercise
    from browser import free_port, start_server, stop_server
    from serving import answers, fill

    tmp = Path(tempfile.mkdtemp(prefix="nnsheet-bench-serve-"))
    (tmp / "spec.toml").write_text(SPEC, encoding="utf-8")
    ids = [f"24{n:03d}" for n in range(1, args.students + 1)]
    (tmp / "roster.csv").write_text(
        "id,name\n" + "".join(f"{i},Student {i}\n" for i in ids), encoding="utf-8"
    )
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    t0 = time.monotonic()
    proc = start_server(
        [
            str(tmp / "spec.toml"),
            "--roster",
            str(tmp / "roster.csv"),
            "--data",
            str(tmp / "data"),
            "--workers",
            str(args.workers),
            *shlex.split(args.server_args),
        ],
        port,
        env,
        timeout=300,
    )
    try:
        start_s = time.monotonic() - t0
        url = f"http://127.0.0.1:{port}"
        with open(tmp / "data" / "codes.csv", newline="", encoding="utf-8") as fh:
            codes = {r["id"]: r["code"] for r in csv.DictReader(fh)}
        token = (tmp / "data" / "teacher-token").read_text().strip()
        bodies = {}
        with httpx2.Client(timeout=120) as c:
            for k, sid in enumerate(ids):
                ex = c.get(url + "/api/exercise", auth=(sid, codes[sid]))
                ex.raise_for_status()
                vals = answers(sid, spec_text=SPEC)
                if k % 2:  # every other student gets one value wrong
                    first = sorted(vals)[0]
                    vals[first] += 0.3
                bodies[sid] = fill(ex.content, tmp / "filled.xlsx", vals).read_bytes()
        slow = None
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if args.slow and soft < hard:  # this process holds the slow connections (the server
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # started with its own)
        if args.slow:
            slow = Slowloris(port, args.slow, args.slow_every)
            slow.start()
            slow.ready.wait(300)
            time.sleep(1)
        held_before = slow.held() if slow else 0
        times: dict[str, float] = {}
        answers: dict[str, dict] = {}
        lock = threading.Lock()
        go = time.monotonic() + 0.5

        def upload(k_sid: tuple[int, str]) -> None:
            k, sid = k_sid
            delay = go + (args.spread * k / max(1, len(ids) - 1)) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t = time.monotonic()
            with httpx2.Client(timeout=600) as c:
                r = c.post(
                    url + "/api/submissions",
                    data={"student_id": sid, "code": codes[sid]},
                    files={"workbook": (f"{sid}.xlsx", bodies[sid])},
                )
            with lock:
                times[sid] = time.monotonic() - t
                answers[sid] = r.json() if r.status_code == 200 else {"status": r.status_code}

        with ThreadPoolExecutor(max_workers=len(ids)) as pool:
            list(pool.map(upload, enumerate(ids)))
        wall = time.monotonic() - go
        book = httpx2.get(
            url + "/api/gradebook.csv", headers={"authorization": f"Bearer {token}"}, timeout=60
        )
        rows = list(csv.DictReader(io.StringIO(book.text)))
        held_after = slow.held() if slow else 0
        opened = slow.opened if slow else 0
    finally:
        if slow is not None:
            slow.stop.set()
            slow.join(60)
        log = stop_server(proc)
    lat = list(times.values())
    right = sum(
        1
        for k, sid in enumerate(ids)
        if (
            (answers[sid].get("wrong"), answers[sid].get("score")) == (0, 100.0)
            if k % 2 == 0
            else (answers[sid].get("wrong") or 0) >= 1
        )
    )
    out = {
        "students": len(ids),
        "workers": args.workers,
        "spread_s": args.spread,
        "cpus": os.cpu_count(),
        "server_start_s": round(start_s, 1),
        "uploads_answered": len(answers),
        "graded": sum(a.get("status") == "graded" for a in answers.values()),
        "as_expected": right,
        "gradebook_graded": sum(r["status"] == "graded" for r in rows),
        "p50_s": round(statistics.median(lat), 2),
        "p95_s": round(_pct(lat, 95), 2),
        "max_s": round(max(lat), 2),
        "all_done_s": round(wall, 1),
        "slow": args.slow,
        "slow_held_at_start": held_before,
        "slow_held_at_end": held_after,
        "slow_opened": opened,
        "server_log_lines": log.count("\n"),
        "too_many_open_files": log.count("Too many open files"),
        "server_args": args.server_args,
    }
    print(
        f"{out['students']} students, {out['workers']} workers, uploads over "
        f"{args.spread:g} s: {out['graded']} graded ({out['gradebook_graded']} in the "
        f"gradebook); per upload p50 {out['p50_s']} s, p95 {out['p95_s']} s, max "
        f"{out['max_s']} s; all answered after {out['all_done_s']} s"
        + (
            f"; {args.slow} slow connections tried ({opened} opened in all), "
            f"{held_before} held by the server at the start, {held_after} at the end"
            if args.slow
            else ""
        ),
        file=sys.stderr,
    )
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
