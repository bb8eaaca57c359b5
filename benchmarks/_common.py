"""Shared by the benchmark scripts: each case runs in a child process of the same script, so its
peak memory (ru_maxrss) is its own; random data goes into TOML spec text."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import numpy as np


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(script: str, args: list[str]) -> dict:
    """Run ``script`` with ``args`` in a fresh interpreter; its last stdout line is JSON."""
    proc = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def toml_rows(m: np.ndarray) -> str:
    """A matrix as a TOML array of rows (full precision)."""
    return "[" + ",\n  ".join("[" + ", ".join(map(repr, r.tolist())) + "]" for r in m) + "]"
