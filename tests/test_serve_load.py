"""``nnsheet serve`` under load (issue 14): 60 students upload at the same moment to a real
server on 127.0.0.1 (benchmarks/bench_serve.py, the README's figures); every upload is graded as
its filling says (all correct, or one value wrong), none is lost, and the gradebook has all 60."""

from __future__ import annotations

import importlib.util
import os
import socket
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_serve.py"


def test_sixty_students_uploading_at_once_are_all_graded_and_none_lost() -> None:
    spec = importlib.util.spec_from_file_location("bench_serve", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = bench.main(["--students", "60", "--spread", "0", "--workers", "2"])
    assert out["uploads_answered"] == out["graded"] == out["as_expected"] == 60
    assert out["gradebook_graded"] == 60
    assert out["all_done_s"] < 60  # within the minute, on this 2-core machine


def _closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:  # reset by the server
        return True


def test_slow_connections_from_one_address_do_not_stop_other_students(tmp_path: Path) -> None:
    """Slowloris, bounded for CI: 200 connections from 127.0.0.2 send a request line a byte at
    a time (one every 2 s). The server keeps at most --per-client of them and closes each after
    --header-timeout; meanwhile a student on 127.0.0.1 gets the page and an upload graded."""
    import httpx2
    from browser import free_port, start_server, stop_server
    from serving import answers, codes, fill, write_class

    spec, roster = write_class(tmp_path / "class")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    args = [str(spec), "--roster", str(roster), "--data", str(tmp_path / "data"), "--workers", "1"]
    proc = start_server([*args, "--header-timeout", "4", "--per-client", "20"], port, env)
    slow: list[socket.socket] = []
    try:
        code = codes(tmp_path / "data")["2301"]
        url = f"http://127.0.0.1:{port}"
        with httpx2.Client(timeout=120) as c:
            ex = c.get(url + "/api/exercise", auth=("2301", code)).content
        body = fill(ex, tmp_path / "f.xlsx", answers("2301")).read_bytes()
        for _ in range(200):
            s = socket.socket()
            s.bind(("127.0.0.2", 0))
            s.settimeout(5)
            s.connect(("127.0.0.1", port))
            s.settimeout(None)  # blocking: recv(MSG_DONTWAIT) then tells open from closed
            s.send(b"G")
            slow.append(s)
        time.sleep(1)
        held = [s for s in slow if not _closed(s)]
        assert len(held) <= 20  # the rest were closed at once
        t = time.monotonic()
        with httpx2.Client(timeout=60) as c:
            assert c.get(url + "/").status_code == 200
            page_s = time.monotonic() - t
            r = c.post(
                url + "/api/submissions",
                data={"student_id": "2301", "code": code},
                files={"workbook": ("mine.xlsx", body)},
            )
        upload_s = time.monotonic() - t - page_s
        assert r.status_code == 200 and r.json()["score"] == 100.0
        assert page_s < 5 and upload_s < 60  # generous: a loaded 2-CPU machine
        for _ in range(4):  # the held ones keep trickling: still closed by the header timeout
            for s in held:
                try:
                    s.send(b"E")
                except OSError:
                    pass
            time.sleep(2)
        assert all(_closed(s) for s in slow)
    finally:
        for s in slow:
            s.close()
        log = stop_server(proc)
    assert "Too many open files" not in log and "Traceback" not in log, log[-3000:]
