"""The validated spec: what the engine, the workbook and the grader receive.

:func:`load_spec` (in :mod:`nnsheet.core.specfile`) turns a TOML file into a :class:`Spec`;
everything here is already checked, so the numerics never validate anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .ops import SINGLE_RULES

#: Presets set the training keys (and the fausett preset the notation) in one word; explicit keys
#: override them (design.md §2).
PRESETS: dict[str, dict[str, object]] = {
    "course": {
        "rule": "error",
        "hidden_error": "transpose",
        "loss": "mse",
        "mode": "online",
        "update_biases": True,
    },
    "gradient": {
        "rule": "gradient",
        "hidden_error": "transpose",
        "loss": "mse",
        "mode": "online",
        "update_biases": True,
    },
    "mazur": {
        "rule": "gradient",
        "hidden_error": "transpose",
        "loss": "half_sse",
        "mode": "online",
        "update_biases": False,
    },
    # Fausett's generalized delta rule in his signs: δ_k = (t−y)·f', δ_in_j = Σ_k δ_k·w_jk
    # (the error rule with the hidden error taken from the deltas), Δ = +α·δ·input
    "fausett": {
        "rule": "error",
        "hidden_error": "delta",
        "loss": "half_sse",
        "mode": "online",
        "update_biases": True,
        "notation": "fausett",
        "columns": "book",
    },
    # J.J. Siang's book: Fausett's rule, his notation (receiving index first, z_net, δ_net)
    "siang": {
        "rule": "error",
        "hidden_error": "delta",
        "loss": "half_sse",
        "mode": "online",
        "update_biases": True,
        "notation": "siang",
        "columns": "book",
    },
}
# The single-layer rules (design.md §12): each preset is its rule, online, biases updated; the
# loss and hidden_error keys do not apply to them (the spec refuses them when given)
for _single in SINGLE_RULES:
    PRESETS[_single] = {
        "rule": _single,
        "hidden_error": "transpose",
        "loss": "mse",
        "mode": "online",
        "update_biases": True,
    }
DEFAULT_PRESET = "course"
NOTATIONS = ("course", "fausett", "mazur", "siang")


@dataclass(frozen=True)
class Layer:
    """One computing layer: ``weights`` has shape (size, previous size); row j = into neuron j."""

    size: int
    activation: str
    weights: np.ndarray
    biases: np.ndarray


@dataclass(frozen=True)
class Normalization:
    """How CSV features were normalised: x' = (x - shift) / scale, per feature."""

    method: str  # "minmax" | "zscore"
    shift: tuple[float, ...]
    scale: tuple[float, ...]


@dataclass(frozen=True)
class Spec:
    title: str
    preset: str
    layers: tuple[Layer, ...]
    learning_rate: float
    epochs: int
    #: "online" | "batch" | "minibatch"
    mode: str
    #: samples per update: 1 online, n batch, k mini-batch
    batch_size: int
    rule: str
    loss: str
    update_biases: bool
    hidden_error: str
    round: int | None
    inputs: np.ndarray  # (n_samples, n0), as the network sees them
    targets: np.ndarray  # (n_samples, nL)
    seed: int | None = None
    init_low: float = -1.0
    init_high: float = 1.0
    #: ``[init] decimals``: every drawn weight and bias rounded to this many decimals (None: not)
    init_decimals: int | None = None
    feature_names: tuple[str, ...] | None = None
    target_names: tuple[str, ...] | None = None
    normalization: Normalization | None = None
    notation: str = "course"
    source: Path | None = None
    #: the CSV file the data came from, if any (never to be overwritten)
    data_source: Path | None = None
    #: which weights/biases came from [init] (not given explicitly): per layer (w_given, b_given)
    given: tuple[tuple[bool, bool], ...] = field(default_factory=tuple)
    #: μ of Fausett's momentum: Δw(t+1) = the rule's change + μ·Δw(t), Δw(0) = 0 (0: none)
    momentum: float = 0.0
    #: stop at the end of the first epoch whose loss is ≤ this (None: train every epoch)
    target_loss: float | None = None
    #: the book's columns (presets fausett and siang with the error rule): no ∂ band (Δ =
    #: ±α·δ·input directly) and no output err column (δ_k reads the error column e)
    book_columns: bool = False
    #: ``[init] method``: "uniform" or "nguyen-widrow"
    init_method: str = "uniform"
    #: Nguyen–Widrow: per layer the draws v_old the weights were rescaled from (None: none)
    nw_draws: tuple[np.ndarray | None, ...] = ()
    #: the perceptron's θ: y = 1 if y_in > θ, 0 if −θ ≤ y_in ≤ θ, −1 if y_in < −θ
    theta: float = 0.0
    #: Adaline stops after the first epoch whose largest |Δw| and |Δb| are < this (None: never)
    tolerance: float | None = None

    # ---- derived shape facts
    @property
    def n_inputs(self) -> int:
        return int(self.inputs.shape[1])

    @property
    def sizes(self) -> tuple[int, ...]:
        """Neurons per layer, layer 0 (inputs) first."""
        return (self.n_inputs, *(ly.size for ly in self.layers))

    @property
    def n_layers(self) -> int:
        """L: the number of computing layers."""
        return len(self.layers)

    @property
    def n_samples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].size

    @property
    def single(self) -> bool:
        """A single-layer rule (Hebb, perceptron, Adaline; design.md §12)."""
        return self.rule in SINGLE_RULES

    @property
    def batches_per_epoch(self) -> int:
        return -(-self.n_samples // self.batch_size)

    @property
    def mode_text(self) -> str:
        return str(self.batch_size) if self.mode == "minibatch" else self.mode

    @property
    def binary_targets(self) -> bool:
        """True when every target is 0 or 1 (accuracy is then reported)."""
        return bool(np.all((self.targets == 0) | (self.targets == 1)))

    @property
    def one_hot_targets(self) -> bool:
        """True for class labels: several outputs and exactly one target 1 per sample. A sample
        is then correct when its target class has the largest output (argmax); otherwise when
        every output read as 1 if y' ≥ 0.5 else 0 equals its 0/1 target."""
        return (
            self.n_outputs > 1
            and self.binary_targets
            and bool(np.all(self.targets.sum(axis=1) == 1))
        )

    def batches(self) -> list[range]:
        """Sample indices (0-based) of each update within one epoch, in data order."""
        if self.mode == "online":
            return [range(s, s + 1) for s in range(self.n_samples)]
        k = self.batch_size
        return [range(s, min(s + k, self.n_samples)) for s in range(0, self.n_samples, k)]


def draw_uniform(
    rng: np.random.Generator,
    low: float,
    high: float,
    shape: int | tuple[int, ...],
    decimals: int | None,
) -> np.ndarray:
    """Values drawn uniformly from [low, high) by ``rng`` (``[init]``), rounded to ``decimals``
    decimals when given (``np.round``; a rounded −0.0 is written 0.0)."""
    x = rng.uniform(low, high, shape)
    return x if decimals is None else np.round(x, decimals) + 0.0


#: ``[init] method``: uniform(low, high), or Nguyen–Widrow (design.md §2)
INIT_METHODS = ("uniform", "nguyen-widrow")


def nguyen_widrow_beta(p: int, n: int) -> float:
    """β = 0.7·p^(1/n) for a hidden layer of p units with n inputs."""
    return 0.7 * p ** (1.0 / n)


def draw_givens(
    seed: int,
    low: float,
    high: float,
    decimals: int | None,
    shapes: Sequence[tuple[int, int]],
    given_w: Sequence[np.ndarray | None],
    given_b: Sequence[np.ndarray | None],
    method: str = "uniform",
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray | None]]:
    """The initial weights and biases of every layer: the given ones as given, the others drawn
    from ``default_rng(seed)`` in one fixed order — for each layer (first hidden layer first), its
    weights, then its biases — skipping what is given. ``shapes[l]`` is layer l+1's (size,
    previous size). The spec file (:func:`~nnsheet.core.specfile.parse_spec`) and each
    student's variant (:func:`nnsheet.exercise.roster.student_spec`) both draw through here, so a
    student's givens are what the spec file would draw with the student's seed.

    ``method = "uniform"``: uniform(low, high). ``"nguyen-widrow"``: a hidden layer's weights are
    drawn uniform in [−0.5, 0.5] (v_old) and rescaled per unit, v = β·v_old/‖v_j‖ with ‖v_j‖ over
    the unit's incoming weights and β = 0.7·p^(1/n); its biases are drawn uniform in [−β, β]; the
    output layer's weights and biases uniform in [−0.5, 0.5]. Returns the weights, the biases and,
    per layer, the Nguyen–Widrow draws v_old (None where there are none)."""
    rng = np.random.default_rng(seed)
    ws: list[np.ndarray] = []
    bs: list[np.ndarray] = []
    draws: list[np.ndarray | None] = []
    last = len(shapes) - 1
    for l, (shape, w, b) in enumerate(zip(shapes, given_w, given_b, strict=True)):
        if method == "uniform":
            ws.append(draw_uniform(rng, low, high, shape, decimals) if w is None else w)
            bs.append(draw_uniform(rng, low, high, shape[0], decimals) if b is None else b)
            draws.append(None)
        elif l == last:  # the output layer: uniform in [−0.5, 0.5]
            ws.append(draw_uniform(rng, -0.5, 0.5, shape, decimals) if w is None else w)
            bs.append(draw_uniform(rng, -0.5, 0.5, shape[0], decimals) if b is None else b)
            draws.append(None)
        else:
            beta = nguyen_widrow_beta(shape[0], shape[1])
            old = draw_uniform(rng, -0.5, 0.5, shape, decimals) if w is None else None
            norms = None if old is None else np.sqrt(np.sum(old * old, axis=1))
            ws.append(w if old is None else beta * old / norms[:, None])  # type: ignore[index]
            bs.append(draw_uniform(rng, -beta, beta, shape[0], decimals) if b is None else b)
            draws.append(old)
    return ws, bs, draws
