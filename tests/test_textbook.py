"""Issue 23 (backpropagation as the Indonesian textbooks compute it) and issue 20 item 2 (one
function draws the random givens).

Every expected number here comes from outside the code under test: the book's published values,
a NumPy loop written in this file, or numpy's generator called directly in the documented order.
"""

from __future__ import annotations

import numpy as np

from nnsheet.core.specfile import loads_spec
from nnsheet.exercise.roster import student_seed, student_spec

MIXED = """\
[[layer]]
size = 2
weights = [[0.1, 0.2], [0.3, 0.4]]

[[layer]]
size = 1
biases = [0.5]

[init]
seed = 7
low = -0.5
high = 0.5

[data]
inputs = [[0.0, 1.0]]
targets = [[1.0]]
"""


def test_draw_order_is_one_for_spec_files_and_roster_variants() -> None:
    # the documented order: for each layer its weights then its biases, given ones skipped
    rng = np.random.default_rng(7)
    b1 = rng.uniform(-0.5, 0.5, 2)
    w2 = rng.uniform(-0.5, 0.5, (1, 2))
    spec = loads_spec(MIXED)
    np.testing.assert_array_equal(spec.layers[0].weights, [[0.1, 0.2], [0.3, 0.4]])
    np.testing.assert_array_equal(spec.layers[0].biases, b1)
    np.testing.assert_array_equal(spec.layers[1].weights, w2)
    np.testing.assert_array_equal(spec.layers[1].biases, [0.5])
    # a student's variant is what the spec file draws with the student's seed
    seed = student_seed(7, "2301")
    mine = student_spec(spec, "2301")
    theirs = loads_spec(MIXED.replace("seed = 7", f"seed = {seed}"))
    assert mine.seed == seed
    for a, b in zip(mine.layers, theirs.layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.biases, b.biases)
    assert not np.array_equal(mine.layers[0].biases, spec.layers[0].biases)
