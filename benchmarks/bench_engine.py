"""Benchmark: what keeping every intermediate value costs (issue 2, "Measure").

Run from the repository root:

    python benchmarks/bench_engine.py            # all cases
    python benchmarks/bench_engine.py --quick    # fewer repeats

For each case it trains the same network the same way twice:

* ``nnsheet``: :func:`nnsheet.run`, which keeps every sample's x, t, w, b, z, a, e, loss, err, f',
  delta, grad, Δ and the new weights (the trace the workbook and the table are written from);
* ``bare``: a plain numpy online-training loop written below that keeps nothing but the weights.

It reports steps (weight updates) per second (best of several repeats), peak traced Python memory
(tracemalloc) and the peak resident set size of a fresh process running only that case
(resource.getrusage ru_maxrss), and the time ratio nnsheet / bare. It also checks that both loops
end with the same weights, so the comparison is like for like.

Target (issue 2): on the 4-8-3 case, keeping everything costs at most 3x the bare loop.
This is a script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

from nnsheet import load_example, run
from nnsheet.core.specfile import parse_spec

#: name -> (description, steps per run)
CASES = {
    "2-2-2": "Mazur 2-2-2 (built-in example), 1 sample x 2000 epochs, gradient rule",
    "4-8-3": "4-8-3 sigmoid, 150 random samples x 10 epochs, online, gradient rule",
    "784-32-10": "784-32-10 sigmoid, 100 random samples x 1 epoch, online, gradient rule",
}
TARGET_CASE = "4-8-3"
TARGET_RATIO = 3.0


def make_spec(case: str):
    if case == "2-2-2":
        return load_example("mazur", {"epochs": 2000})
    rng = np.random.default_rng(0)
    if case == "4-8-3":
        sizes, n, epochs = (4, 8, 3), 150, 10
    else:
        sizes, n, epochs = (784, 32, 10), 100, 1
    X = rng.uniform(0.0, 1.0, (n, sizes[0]))
    T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    doc = {
        "title": f"bench {case}",
        "preset": "gradient",
        "layer": [{"size": s, "activation": "sigmoid"} for s in sizes[1:]],
        "training": {"learning_rate": 0.5, "epochs": epochs, "mode": "online"},
        "init": {"seed": 1, "low": -0.5, "high": 0.5},
        "data": {"inputs": X.tolist(), "targets": T.tolist()},
    }
    return parse_spec(doc, f"bench-{case}")


# --------------------------------------------------------------------------- the bare loop
def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def bare_train(spec) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Online training with the gradient rule, sigmoid layers; keeps only the weights.

    Supports what the benchmark cases use: loss mse or half_sse, biases updated or not."""
    ws = [np.array(ly.weights, dtype=np.float64) for ly in spec.layers]
    bs = [np.array(ly.biases, dtype=np.float64) for ly in spec.layers]
    lr = spec.learning_rate
    L = len(ws)
    n_out = spec.n_outputs
    scale = {"mse": 2.0 / n_out, "half_sse": 1.0, "sse": 2.0}[spec.loss]
    X, T = spec.inputs, spec.targets
    upd_b = spec.update_biases
    for _ in range(spec.epochs):
        for x, t in zip(X, T, strict=True):
            acts = [x]
            for w, b in zip(ws, bs, strict=True):
                acts.append(_sigmoid(w @ acts[-1] + b))
            y = acts[-1]
            delta = -scale * (t - y) * y * (1.0 - y)
            for k in range(L - 1, -1, -1):
                prev = acts[k]
                back = ws[k].T @ delta if k else None  # pre-update weights
                ws[k] -= lr * np.outer(delta, prev)
                if upd_b:
                    bs[k] -= lr * delta
                if k:
                    delta = back * prev * (1.0 - prev)
    return ws, bs


def steps_of(spec) -> int:
    return spec.epochs * spec.batches_per_epoch


# --------------------------------------------------------------------------- one measurement
def measure(case: str, impl: str, repeats: int) -> dict[str, float]:
    spec = make_spec(case)
    fn = (lambda: run(spec)) if impl == "nnsheet" else (lambda: bare_train(spec))
    fn()  # warm up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
        del result
    tracemalloc.start()
    result = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return {"seconds": best, "steps": steps_of(spec), "traced_peak": peak}


def child(case: str, impl: str, repeats: int) -> None:
    res = measure(case, impl, repeats)
    # maxrss is KiB on Linux, bytes on macOS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res["maxrss"] = rss if sys.platform == "darwin" else rss * 1024
    print(json.dumps(res))


def baseline_rss() -> int:
    """Peak RSS of a process that only imports nnsheet and builds nothing (for reference)."""
    code = (
        "import resource, sys, numpy, nnsheet, nnsheet.core.specfile;"
        "r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        "print(r if sys.platform == 'darwin' else r * 1024)"
    )
    return int(subprocess.check_output([sys.executable, "-c", code], text=True))


def in_subprocess(case: str, impl: str, repeats: int) -> dict[str, float]:
    out = subprocess.check_output(
        [sys.executable, __file__, "--child", case, impl, "--repeats", str(repeats)],
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return json.loads(out.strip().splitlines()[-1])


def check_same_result(case: str) -> float:
    spec = make_spec(case)
    trace = run(spec)
    w_b, b_b = bare_train(spec)
    w_n, b_n = trace.final_weights
    return max(float(np.max(np.abs(a - b))) for a, b in zip(w_n + b_n, w_b + b_b, strict=True))


def mib(n: float) -> str:
    return f"{n / 2**20:8.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--case", choices=tuple(CASES), action="append")
    ap.add_argument("--child", nargs=2, metavar=("CASE", "IMPL"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 5)
    if args.child:
        child(args.child[0], args.child[1], repeats)
        return 0

    import platform

    print(
        f"nnsheet engine benchmark: Python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, best of {repeats}"
    )
    print(f"baseline RSS of a process that imports nnsheet: {mib(baseline_rss()).strip()} MiB\n")
    header = (
        f"{'case':10} {'impl':8} {'steps':>6} {'seconds':>9} {'steps/s':>10} "
        f"{'traced MiB':>10} {'maxrss MiB':>10}"
    )
    print(header)
    print("-" * len(header))
    ratios: dict[str, float] = {}
    for case in args.case or list(CASES):
        res = {impl: in_subprocess(case, impl, repeats) for impl in ("bare", "nnsheet")}
        for impl in ("bare", "nnsheet"):
            r = res[impl]
            print(
                f"{case:10} {impl:8} {r['steps']:6d} {r['seconds']:9.4f} "
                f"{r['steps'] / r['seconds']:10.0f} {mib(r['traced_peak']):>10} "
                f"{mib(r['maxrss']):>10}"
            )
        ratio = res["nnsheet"]["seconds"] / res["bare"]["seconds"]
        ratios[case] = ratio
        diff = check_same_result(case)
        print(
            f"{'':10} ratio nnsheet/bare = {ratio:.2f}x   "
            f"(max |final weight difference| = {diff:.1e})   {CASES[case]}\n"
        )
    if TARGET_CASE in ratios:
        ok = ratios[TARGET_CASE] <= TARGET_RATIO
        verdict = "OK" if ok else "OVER TARGET"
        print(
            f"target: {TARGET_CASE} keeping everything <= {TARGET_RATIO:.0f}x the bare loop: "
            f"{ratios[TARGET_CASE]:.2f}x {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
