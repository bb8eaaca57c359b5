"""The reruns that prove the doctor's advice: each a change to the spec, defined once.

A :class:`Variant` says when it can run for a spec (``offered``), how it changes the spec
(``make``) and how to name the change (``describe``, per language). A finding lists the variants
its advice names (:mod:`nnsheet.doctor.findings`); one that cannot run for a spec (normalising
data that is already normalised, momentum for a spec that already has it) is simply not
offered. Adding a rerun is one entry in :data:`VARIANTS`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.ops import ACTIVATIONS
from ..core.spec import Normalization, Spec, draw_givens
from ..words.doctor_text import change, interval, num
from .watch import bounded_smooth, is_identity, output_range


@dataclass(frozen=True)
class Variant:
    key: str
    offered: Callable[[Spec], bool]
    make: Callable[[Spec], Spec]
    describe: Callable[[Spec, str], str]


def _lr(factor: float) -> Variant:
    return Variant(
        f"lr_x{factor:g}",
        lambda s: True,
        lambda s: dataclasses.replace(s, learning_rate=s.learning_rate * factor),
        lambda s, lang: change(
            "lr", lang, new=num(s.learning_rate * factor, lang), old=num(s.learning_rate, lang)
        ),
    )


def _normalized(spec: Spec) -> Spec:
    """The inputs scaled to [0, 1] per feature, as ``normalize = "minmax"`` would."""
    x = spec.inputs
    lo, hi = x.min(axis=0), x.max(axis=0)
    scale = np.where(hi > lo, hi - lo, 1.0)
    norm = Normalization("minmax", tuple(map(float, lo)), tuple(map(float, scale)))
    return dataclasses.replace(spec, inputs=(x - lo) / scale, normalization=norm)


#: the seed of the "other random weights" rerun: the spec's own seed + 1 (1 without a seed)
def _other_seed(spec: Spec) -> int:
    return 1 if spec.seed is None else spec.seed + 1


def _redrawn(spec: Spec, method: str) -> Spec:
    """Every weight and bias drawn again as ``[init]`` draws them (one order, through
    :func:`~nnsheet.core.spec.draw_givens`, as the spec file and the roster do) from another
    seed, with ``method`` ("uniform": uniform(low, high); "nguyen-widrow")."""
    shapes = [ly.weights.shape for ly in spec.layers]
    none = [None] * len(shapes)
    ws, bs, draws = draw_givens(
        _other_seed(spec),
        spec.init_low,
        spec.init_high,
        spec.init_decimals,
        shapes,
        none,
        none,
        method,
    )
    layers = tuple(
        dataclasses.replace(ly, weights=w, biases=b)
        for ly, w, b in zip(spec.layers, ws, bs, strict=True)
    )
    return dataclasses.replace(spec, layers=layers, init_method=method, nw_draws=tuple(draws))


def _random_init(spec: Spec) -> Spec:
    return _redrawn(spec, "uniform")


def _nguyen_widrow(spec: Spec) -> Spec:
    return _redrawn(spec, "nguyen-widrow")


def _hidden(act: str) -> Variant:
    def make(spec: Spec) -> Spec:
        layers = [
            dataclasses.replace(ly, activation=act) if k < spec.n_layers - 1 else ly
            for k, ly in enumerate(spec.layers)
        ]
        return dataclasses.replace(spec, layers=tuple(layers))

    return Variant(
        f"hidden_{act}",
        lambda s: s.n_layers > 1 and any(ly.activation != act for ly in s.layers[:-1]),
        make,
        lambda s, lang: change("hidden_activation", lang, act=act),
    )


def _fitting_output(spec: Spec) -> str | None:
    """The first registered activation whose range holds every target (sigmoid-like ones first,
    the identity last), other than the output's own."""
    lo, hi = float(spec.targets.min()), float(spec.targets.max())
    names = sorted((n for n in ACTIVATIONS if bounded_smooth(n) or is_identity(n)), key=is_identity)
    for n in names:
        a, b = output_range(n)
        if n != spec.layers[-1].activation and a <= lo and hi <= b:
            return n
    return None


def _output_activation(spec: Spec) -> Spec:
    act = _fitting_output(spec)
    layers = (*spec.layers[:-1], dataclasses.replace(spec.layers[-1], activation=act))
    return dataclasses.replace(spec, layers=layers)


def _scale_targets(spec: Spec) -> Spec:
    lo, hi = output_range(spec.layers[-1].activation)
    t = spec.targets
    tlo, thi = t.min(axis=0), t.max(axis=0)
    span = np.where(thi > tlo, thi - tlo, 1.0)
    return dataclasses.replace(spec, targets=lo + (t - tlo) / span * (hi - lo))


def _bipolar(spec: Spec) -> Spec:
    layers = [
        dataclasses.replace(ly, activation="bipolar_sigmoid") if ly.activation == "sigmoid" else ly
        for ly in spec.layers
    ]
    return dataclasses.replace(spec, layers=tuple(layers), targets=2.0 * spec.targets - 1.0)


_VARIANTS = [
    _lr(0.1),
    _lr(0.3),
    _lr(3),
    Variant(
        "normalize",
        # not for data already in [0, 1], which minmax would leave as it is
        lambda s: s.normalization is None and (s.inputs.min() < 0 or s.inputs.max() > 1),
        _normalized,
        lambda s, lang: change("normalize", lang, method="minmax"),
    ),
    Variant(
        "random_init",
        lambda s: True,
        _random_init,
        lambda s, lang: change(
            "random_init",
            lang,
            interval=interval(s.init_low, s.init_high, lang),
            seed=_other_seed(s),
        ),
    ),
    Variant(
        "nguyen_widrow",
        lambda s: s.n_layers > 1,
        _nguyen_widrow,
        lambda s, lang: change("nguyen_widrow", lang, seed=_other_seed(s)),
    ),
    _hidden("sigmoid"),
    _hidden("tanh"),
    Variant(
        "output_activation",
        lambda s: _fitting_output(s) is not None,
        _output_activation,
        lambda s, lang: change("output_activation", lang, act=_fitting_output(s)),
    ),
    Variant(
        "scale_targets",
        lambda s: bounded_smooth(s.layers[-1].activation),
        _scale_targets,
        lambda s, lang: change(
            "scale_targets",
            lang,
            interval=interval(*output_range(s.layers[-1].activation), lang),
        ),
    ),
    # momentum in Fausett's form (DESIGN §11), for a spec that has none
    Variant(
        "momentum",
        lambda s: not s.momentum,
        lambda s: dataclasses.replace(s, momentum=0.9),
        lambda s, lang: change("momentum", lang, mu=num(0.9, lang)),
    ),
    # the bipolar sigmoid (DESIGN §11) with −1/1 targets, for a sigmoid network with 0/1 targets
    Variant(
        "bipolar",
        lambda s: s.binary_targets and any(ly.activation == "sigmoid" for ly in s.layers),
        _bipolar,
        lambda s, lang: change("bipolar", lang),
    ),
]
VARIANTS: dict[str, Variant] = {v.key: v for v in _VARIANTS}


def offered(keys: tuple[str, ...], spec: Spec) -> list[Variant]:
    """The variants among ``keys`` that can run for ``spec``."""
    return [VARIANTS[k] for k in keys if VARIANTS[k].offered(spec)]
