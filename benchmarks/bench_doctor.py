"""Benchmark: ``nnsheet doctor`` on Iris × 100 epochs, with its reruns (issue 25, "Measure").

Run from the repository root:

    python benchmarks/bench_doctor.py

Each case runs :func:`nnsheet.doctor.diagnose.diagnose` in a fresh child process and reports
its wall time, the number of training runs (the original plus the reruns its findings asked
for) and the peak resident memory of that process (ru_maxrss). The cases:

* ``iris``: the example as shipped (healthy: no finding, no rerun);
* ``iris-raw``: the same without ``normalize`` (raw centimetres: unscaled_inputs, one rerun);
* ``iris-lr30``: learning_rate = 30 (the reruns ×0.1 and ×0.3, …);

and, to show that memory is flat in the number of epochs, ``iris-lr30`` again with 4× the epochs.
This is a script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time

from _common import peak_mb, run_child  # benchmarks/ is on sys.path

CASES = {
    "iris": {},
    "iris-raw": {"raw": True},
    "iris-lr30": {"learning_rate": 30.0},
    "iris-lr30-400": {"learning_rate": 30.0, "epochs": 400},
}


def child(name: str) -> None:
    from nnsheet.core.examples import example_path, load_example
    from nnsheet.core.specfile import loads_spec
    from nnsheet.doctor.diagnose import diagnose

    opts = dict(CASES[name])
    if opts.pop("raw", False):
        p = example_path("iris")
        text = p.read_text().replace('normalize = "minmax"', "")
        spec = loads_spec(text, str(p), p.parent)
    else:
        spec = load_example("iris")
    spec = dataclasses.replace(spec, **opts)
    before = peak_mb()
    t = time.perf_counter()
    diag = diagnose(spec)
    seconds = time.perf_counter() - t
    runs = 1 + len(diag.reruns)
    print(
        json.dumps(
            {
                "case": name,
                "epochs": spec.epochs,
                "findings": [f.code for f in diag.findings],
                "runs": runs,
                "steps": runs * spec.epochs * spec.batches_per_epoch,
                "seconds": round(seconds, 2),
                "peak_mb_before": round(before, 1),
                "peak_mb": round(peak_mb(), 1),
            }
        )
    )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    print(f"{'case':15} {'epochs':>6} {'runs':>4} {'steps':>7} {'s':>6} {'MB':>6}  findings")
    for name in CASES:
        r = run_child(__file__, ["--child", name])
        print(
            f"{r['case']:15} {r['epochs']:>6} {r['runs']:>4} {r['steps']:>7} "
            f"{r['seconds']:>6.2f} {r['peak_mb']:>6.1f}  {', '.join(r['findings']) or '-'}"
        )


if __name__ == "__main__":
    main()
