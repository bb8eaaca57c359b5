"""Spec texts shared by several test files (tests/ is on sys.path, see conftest.py)."""

from __future__ import annotations

#: the course's 3-2-2 network with two samples, every weight given
COURSE_322 = """\
title = "t"
inputs = 3

[[layer]]
size = 2
activation = "sigmoid"
weights = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]
biases = [0.1, 0.2]

[[layer]]
size = 2
activation = "sigmoid"
weights = [[0.7, 0.8], [0.9, 0.1]]
biases = [0.3, 0.4]

[training]
learning_rate = 0.5
epochs = 1

[data]
inputs = [[1.0, 0.5, 0.2], [0.2, 1.0, 0.5]]
targets = [[0.0, 1.0], [1.0, 0.0]]
"""

#: a linear neuron with too large a learning rate: overflows within a few hundred steps;
#: ``{round}`` takes an optional ``round = D`` line
DIVERGING = """\
[[layer]]
size = 1
activation = "linear"
weights = [[1.0]]
biases = [0.0]
[training]
rule = "gradient"
loss = "sse"
learning_rate = 2.0
epochs = 400
{round}
[data]
inputs = [[10.0]]
targets = [[1.0]]
"""

#: J.J. Siang's bipolar XOR on a 2-3-1 bipolar-sigmoid network (preset fausett) with
#: Nguyen–Widrow starting weights drawn from seed 3; ``{training}`` takes the training lines
NW_XOR = """\
title = "nw"
preset = "fausett"
[[layer]]
size = 3
activation = "bipolar_sigmoid"
[[layer]]
size = 1
activation = "bipolar_sigmoid"
[training]
learning_rate = 0.2
{training}
[init]
seed = 3
method = "nguyen-widrow"
[data]
inputs = [[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]]
targets = [[-1.0], [1.0], [1.0], [-1.0]]
"""
