"""Grading in worker processes with a time limit, so one bad file cannot stall the server.

Each worker is a separate process (``spawn``: nothing of the server's threads is copied) that
takes one job at a time over a pipe and keeps its answer keys between jobs. The server sends a
job to an idle worker and waits at most ``timeout`` seconds for the answer; a worker that takes
longer (or dies) is killed and replaced, and the job's answer is ``None``; a job that raises
answers ``{"status": "error", "message": …}`` and its worker goes on. At most ``size``
files are graded at once; the others wait for a worker (the wait does not count against the
time limit).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection

Job = Callable[[dict], dict]
#: what a new worker sends once it has started and imported the job's module; the time limit
#: counts from a job's sending, so a worker's start-up must never count against it
READY = "ready"
#: how long a new worker may take to start (spawn and imports, slow on a loaded machine)
START_TIMEOUT = 120.0


def _serve(conn: Connection, job: Job) -> None:  # pragma: no cover - runs in the worker
    conn.send(READY)
    while True:
        try:
            task = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if task is None:
            return
        try:
            answer = job(task)
        except Exception as exc:
            answer = {"status": "error", "message": f"grading failed ({type(exc).__name__})"}
        conn.send(answer)


class _Worker:
    def __init__(self, job: Job) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_serve, args=(child, job), daemon=True, name="nnsheet-grader"
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
        """The job's answer, or None when it took longer than ``timeout`` or the worker died."""
        try:
            self.conn.send(task)
            if self.conn.poll(timeout):
                return self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            pass
        return None

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

    def __init__(self, job: Job, size: int = 2, timeout: float = 60.0) -> None:
        self.job, self.size, self.timeout = job, size, timeout
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: list[_Worker] = []

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(
            *(loop.run_in_executor(None, _Worker, self.job) for _ in range(self.size))
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
            if answer is None:  # stuck or dead: replace it
                self._all.remove(w)
                await loop.run_in_executor(None, w.stop, True)
                w = await loop.run_in_executor(None, _Worker, self.job)
                self._all.append(w)
            self._idle.put_nowait(w)
        return answer

    async def stop(self) -> None:
        loop = asyncio.get_running_loop()
        workers, self._all = self._all, []
        await asyncio.gather(*(loop.run_in_executor(None, w.stop) for w in workers))

    @property
    def pids(self) -> list[int | None]:
        """The workers' process ids (a replaced worker has a new one)."""
        return [w.proc.pid for w in self._all]
