"""``nnsheet serve`` under load (issue 14): 60 students upload at the same moment to a real
server on 127.0.0.1 (benchmarks/bench_serve.py, its figures in benchmarks/README.md); every upload
is graded as its filling says (all correct, or one value wrong), none is lost, and the gradebook
has all 60."""

from __future__ import annotations

import importlib.util
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
