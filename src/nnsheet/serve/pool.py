"""Grading in worker processes with a time limit, so one bad file cannot stall the server.

Each worker is a separate process (``spawn``: nothing of the server's threads is copied) that
takes one job at a time over a pipe and keeps its answer keys between jobs. The server sends a
job to an idle worker and waits at most ``timeout`` seconds for the answer; a worker that takes
longer is killed and replaced, and the job's answer is ``None``; a worker that dies (out of
memory, a reader's crash) is replaced and the answer is ``{"status": "error", "message": …}``, as
for a job that raises (whose worker goes on). At most ``size`` files are graded at once; the
others wait for a worker (the wait does not count against the time limit).

Bounded by construction, whatever a file makes a reader do:

- **memory**: each worker's address space is capped (``RLIMIT_AS``, default
  :data:`WORKER_MEMORY` = 1 GiB): an allocation past it fails in the worker, not the machine;
- **time**: besides the server's own clock, each job gets a CPU-time limit (``RLIMIT_CPU``:
  its time limit and a few seconds more), which the kernel enforces even in a reader's native
  code that never returns to Python;
- **the server's end**: a watchdog thread in each worker ends it within a second of the
  server going (killed or crashed: its parent is then no longer the server), so no worker is
  left growing orphaned;
- every file a worker writes is private (umask 077).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

Job = Callable[[dict], dict]
#: what a new worker sends once it has started and imported the job's module; the time limit
#: counts from a job's sending, so a worker's start-up must never count against it
READY = "ready"
#: how long a new worker may take to start (spawn and imports, slow on a loaded machine)
START_TIMEOUT = 120.0
#: each worker's address-space cap (bytes); None: no cap
WORKER_MEMORY: int | None = 2**30
#: CPU seconds a job may use beyond its time limit before the kernel ends its worker
CPU_SLACK = 5
#: how often a worker checks that the server is still there (seconds)
WATCH_EVERY = 0.5
#: what a job answers when its worker died under it
DIED = "the grading process ended before it answered (the file needed too much memory or "
DIED += "crashed the reader)"


def _watch(parent: int) -> None:  # pragma: no cover - runs in the worker
    """End this worker as soon as the server that started it is gone."""
    while True:
        time.sleep(WATCH_EVERY)
        if os.getppid() != parent:
            os._exit(3)


def _limit_cpu(seconds: float) -> None:  # pragma: no cover - runs in the worker
    """Let this process use at most ``seconds`` more CPU time (SIGXCPU ends it after)."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(use.ru_utime + use.ru_stime + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _serve(
    conn: Connection, job: Job, parent: int, memory: int | None, timeout: float
) -> None:  # pragma: no cover - runs in the worker
    os.umask(0o077)
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="watchdog").start()
    if memory is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            memory = min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (memory, hard))
    conn.send(READY)
    while True:
        try:
            task = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if task is None:
            return
        _limit_cpu(timeout + CPU_SLACK)
        try:
            answer = job(task)
        except Exception as exc:
            answer = {"status": "error", "message": f"grading failed ({type(exc).__name__})"}
        conn.send(answer)


class _Worker:
    def __init__(self, job: Job, memory: int | None = WORKER_MEMORY, timeout: float = 60.0) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_serve,
            args=(child, job, os.getpid(), memory, timeout),
            daemon=True,
            name="nnsheet-grader",
        )
        self.proc.start()
        child.close()
        # wait until it runs: only then may the time limit of a job start
        try:
            ready = self.conn.poll(START_TIMEOUT) and self.conn.recv() == READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop(kill=True)
            raise RuntimeError("a grading worker did not start")

    def call(self, task: dict, timeout: float) -> dict | None:
        """The job's answer; None when it took longer than ``timeout``; an error answer (with
        ``died``) when the worker died first."""
        try:
            self.conn.send(task)
            if not self.conn.poll(timeout):
                return None
            return self.conn.recv()
        except (EOFError, OSError):
            return {"status": "error", "message": DIED, "died": True}

    def stop(self, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)
            except (OSError, BrokenPipeError):
                kill = True
            self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


class Pool:
    """``size`` worker processes running ``job`` (a module-level function: it is pickled)."""

    def __init__(
        self,
        job: Job,
        size: int = 2,
        timeout: float = 60.0,
        memory: int | None = WORKER_MEMORY,
    ) -> None:
        self.job, self.size, self.timeout, self.memory = job, size, timeout, memory
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: list[_Worker] = []

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(
            *(loop.run_in_executor(None, self._new) for _ in range(self.size))
        )
        for w in workers:
            self._all.append(w)
            self._idle.put_nowait(w)

    async def run(self, task: dict) -> dict | None:
        """Run ``task`` in a worker; None when it was stopped after ``timeout`` seconds."""
        assert self._idle is not None, "Pool.start() first"
        loop = asyncio.get_running_loop()
        w = await self._idle.get()
        answer: dict | None = None
        try:
            answer = await loop.run_in_executor(None, w.call, task, self.timeout)
        finally:
            if answer is None or answer.get("died"):  # stuck or dead: replace it
                self._all.remove(w)
                await loop.run_in_executor(None, w.stop, True)
                w = await loop.run_in_executor(None, self._new)
                self._all.append(w)
            self._idle.put_nowait(w)
        return answer

    def _new(self) -> _Worker:
        return _Worker(self.job, self.memory, self.timeout)

    async def stop(self) -> None:
        loop = asyncio.get_running_loop()
        workers, self._all = self._all, []
        await asyncio.gather(*(loop.run_in_executor(None, w.stop) for w in workers))

    @property
    def pids(self) -> list[int | None]:
        """The workers' process ids (a replaced worker has a new one)."""
        return [w.proc.pid for w in self._all]
