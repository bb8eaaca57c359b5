"""The built-in examples: spec files shipped inside the package (and copied to ``workbooks/``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import SpecError
from .spec import Spec
from .specfile import load_spec

#: name -> one-line description, in the order ``nnsheet examples`` lists them
EXAMPLES: dict[str, str] = {
    "course": "the course's 3-2-2 sigmoid network, one epoch of error backpropagation (default)",
    "mazur": "Matt Mazur's 2-2-2 worked example: one step of the exact gradient",
    "xor": "XOR with a 2-2-1 sigmoid network over several epochs",
    "and": "the AND gate learned by a step-function perceptron (no hidden layer)",
    "linreg": "linear regression y = 2·x1 + 4·x2 with one linear neuron",
    "symmetry": "a symmetric start: equal weights keep the hidden neurons identical",
    "iris": "Fisher's Iris flowers (150 samples from a CSV), a 4-8-3 network, 100 epochs",
    "fausett": "Fausett's backpropagation in his signs: XOR 2-3-1, one pattern, the book's weight "
    "tables",
    "bipolar": "XOR in bipolar form with the bipolar sigmoid, Nguyen–Widrow and momentum, "
    "trained until E ≤ 0.05 (13 epochs; 87 without momentum, 33 without Nguyen–Widrow)",
    "siang-xor": "J.J. Siang's XOR 2-3-1 in his notation, one pattern, α = 0.2, rounded to 2 "
    "decimals as the book computes",
    # the single-layer rules (issue 24)
    "hebb-and": "the Hebb rule on bipolar AND: one pass, w = (2, 2), b = −2, and its test table",
    "perceptron-and": "Fausett's perceptron on AND (α = 1, θ = 0.2): stops at epoch 10 with "
    "w = (2, 3), b = −4",
    "adaline-and": "Adaline's delta rule on bipolar AND, α = 0.1, stops at epoch 10 below the "
    "tolerance 0.06",
    "perceptron-xor": "the perceptron on XOR: it never converges; the weights cycle from epoch 1",
    # sick examples, each showing one finding of `nnsheet doctor` (with `symmetry` above)
    "xor-stuck": "XOR 2-2-1 that stays at 50 % (a flat valley; nnsheet doctor: stuck)",
    "lr-too-high": "the course network with learning_rate = 30 (nnsheet doctor: lr_too_high)",
    "unscaled": "raw features in the hundreds, not normalised (nnsheet doctor: unscaled_inputs)",
}
#: examples whose committed workbook (``nnsheet examples --export``) shows only the first K
#: epochs row by row, as ``--detail-epochs K`` would: Iris in full is 15,000 rows, an 86 MB file;
#: xor-stuck's 2,000 epochs are 8,000 rows, unscaled's 200 epochs 1,600 rows of 81 columns
EXPORT_DETAIL_EPOCHS: dict[str, int] = {"iris": 2, "xor-stuck": 10, "unscaled": 20}
DEFAULT_EXAMPLE = "course"


def example_path(name: str) -> Path:
    """The path of a built-in example's spec file (inside the installed package)."""
    if name not in EXAMPLES:
        raise SpecError(f"{name}: no such built-in example; expected one of {', '.join(EXAMPLES)}")
    ref = resources.files("nnsheet") / "examples" / f"{name}.toml"
    return Path(str(ref))


def example_files(name: str) -> list[Path]:
    """The spec file and any data file it reads."""
    p = example_path(name)
    return [p, *sorted(p.parent.glob(f"{name}*.csv"))]


def load_example(name: str, overrides: dict[str, object] | None = None) -> Spec:
    return load_spec(example_path(name), overrides)


def resolve_spec(value: str | None, overrides: dict[str, object] | None = None) -> Spec:
    """SPEC as given on the command line: a path, the name of a built-in example, or absent (the
    course example). A file of that name wins over an example."""
    if value is None:
        return load_example(DEFAULT_EXAMPLE, overrides)
    p = Path(value)
    if not p.exists() and value in EXAMPLES:
        return load_example(value, overrides)
    return load_spec(p, overrides)
