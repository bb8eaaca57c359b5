"""Every activation, loss and backpropagation rule, defined once.

Each definition keeps side by side its value, its derivative and its spreadsheet formula (and a
plain-text form used in explanations), so the engine, the workbook and the grader can never disagree
about it. Adding an activation or a loss is a single entry here.

Spreadsheet formulas use only ``+ - * /``, ``EXP``, ``SUMPRODUCT``, ``MAX``, ``IF`` and ``ROUND``.
The ``xl_*`` functions take cell references (strings such as ``"H5"``) and return an expression
without the leading ``=``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


# --------------------------------------------------------------------------- activations
def _sigmoid(z: Array) -> Array:
    # Stable for any |z|: exp is only ever taken of a non-positive number.
    # exp(-|z|) underflowing to 0 for |z| > ~745 is the right answer, not an error, even when
    # the caller runs under np.errstate(all="raise").
    z = np.asarray(z, dtype=np.float64)
    m = np.abs(z)
    if m.size and m.max() > 700.0:  # exp(-m) may underflow (to the right answer, 0)
        with np.errstate(under="ignore"):
            ez = np.exp(-m)
    else:
        ez = np.exp(-m)
    d = 1.0 + ez
    return np.where(z >= 0, 1.0 / d, ez / d)


@dataclass(frozen=True)
class Activation:
    name: str
    value: Callable[[Array], Array]
    #: f'(z) given z and a = f(z)
    deriv: Callable[[Array, Array], Array]
    #: spreadsheet formula of f, given the cell of z
    xl_value: Callable[[str], str]
    #: spreadsheet formula of f', given the cells of z and a
    xl_deriv: Callable[[str, str], str]
    #: plain-text formula of f, given the text of z (for explanations)
    text_value: Callable[[str], str]
    #: plain-text formula of f', given the text of z and a
    text_deriv: Callable[[str, str], str]
    #: whether f is differentiable everywhere (finite-difference checks apply)
    smooth: bool


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid",
            _sigmoid,
            lambda z, a: a * (1.0 - a),
            # Both branches are exact; the IF keeps EXP from overflowing for large |z|.
            lambda z: f"IF({z}>=0,1/(1+EXP(-{z})),EXP({z})/(1+EXP({z})))",
            lambda z, a: f"{a}*(1-{a})",
            lambda z: f"1/(1+e^-({z}))",
            lambda z, a: f"{a}·(1-{a})",
            True,
        ),
        Activation(
            "tanh",
            np.tanh,
            lambda z, a: 1.0 - a * a,
            lambda z: (
                f"IF({z}>=0,(1-EXP(-2*{z}))/(1+EXP(-2*{z})),(EXP(2*{z})-1)/(EXP(2*{z})+1))"
            ),
            lambda z, a: f"1-{a}*{a}",
            lambda z: f"tanh({z})",
            lambda z, a: f"1-{a}²",
            True,
        ),
        Activation(
            "relu",
            lambda z: np.maximum(0.0, np.asarray(z, dtype=np.float64)),
            lambda z, a: (np.asarray(z) > 0).astype(np.float64),
            lambda z: f"MAX(0,{z})",
            lambda z, a: f"IF({z}>0,1,0)",
            lambda z: f"max(0, {z})",
            lambda z, a: f"(1 if {z} > 0 else 0)",
            False,
        ),
        Activation(
            "linear",
            lambda z: np.asarray(z, dtype=np.float64).copy(),
            lambda z, a: np.ones_like(np.asarray(z, dtype=np.float64)),
            lambda z: f"{z}",
            lambda z, a: "1",
            lambda z: f"{z}",
            lambda z, a: "1",
            True,
        ),
        Activation(
            "step",
            lambda z: (np.asarray(z) >= 0).astype(np.float64),
            # The perceptron learning rule: f' taken as 1.
            lambda z, a: np.ones_like(np.asarray(z, dtype=np.float64)),
            lambda z: f"IF({z}>=0,1,0)",
            lambda z, a: "1",
            lambda z: f"(1 if {z} ≥ 0 else 0)",
            lambda z, a: "1",
            False,
        ),
    )
}


# --------------------------------------------------------------------------- losses
@dataclass(frozen=True)
class Loss:
    name: str
    #: per-sample loss from the error vector e = t - y'
    value: Callable[[Array], float]
    #: dL/dy' from e (the gradient rule's output error)
    grad: Callable[[Array], Array]
    #: spreadsheet formula of the loss given the contiguous range of e and the number of outputs
    xl_value: Callable[[str, int], str]
    #: spreadsheet formula of dL/dy'_k given the cell of e_k and the number of outputs
    xl_grad: Callable[[str, int], str]
    #: plain-text loss formula given the list of e texts
    text_value: Callable[[Sequence[str]], str]
    #: plain-text dL/dy' given the text of e_k and the number of outputs
    text_grad: Callable[[str, int], str]


def _sq(terms: Sequence[str]) -> str:
    return " + ".join(f"{t}²" for t in terms)


LOSSES: dict[str, Loss] = {
    f.name: f
    for f in (
        Loss(
            "mse",
            lambda e: float(np.dot(e, e) / e.size),
            lambda e: -(2.0 / e.size) * e,
            lambda rng, n: f"SUMPRODUCT({rng},{rng})/{n}",
            lambda e, n: f"-2/{n}*{e}",
            lambda es: f"({_sq(es)})/{len(es)}",
            lambda e, n: f"-2/{n}·{e}",
        ),
        Loss(
            "half_sse",
            lambda e: float(0.5 * np.dot(e, e)),
            lambda e: -e,
            lambda rng, n: f"SUMPRODUCT({rng},{rng})/2",
            lambda e, n: f"-{e}",
            lambda es: f"({_sq(es)})/2",
            lambda e, n: f"-{e}",
        ),
        Loss(
            "sse",
            lambda e: float(np.dot(e, e)),
            lambda e: -2.0 * e,
            lambda rng, n: f"SUMPRODUCT({rng},{rng})",
            lambda e, n: f"-2*{e}",
            lambda es: _sq(es),
            lambda e, n: f"-2·{e}",
        ),
    )
}


# --------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Rule:
    """A backpropagation rule: how the output error is formed and the sign of the update."""

    name: str
    #: err_L from e (and the loss); vector
    output_err: Callable[[Loss, Array], Array]
    #: spreadsheet formula of err_L,k given the cell of e_k and the number of outputs
    xl_output_err: Callable[[Loss, str, int], str]
    text_output_err: Callable[[Loss, str, int], str]
    #: hidden layers are fed the next layer's delta (gradient) or raw err (error rule)
    backprop_delta: bool
    #: +1: dw = +lr*grad (error rule); -1: dw = -lr*grad (gradient rule)
    sign: int


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule(
            "gradient",
            lambda loss, e: loss.grad(e),
            lambda loss, e, n: loss.xl_grad(e, n),
            lambda loss, e, n: loss.text_grad(e, n),
            True,
            -1,
        ),
        Rule(
            "error",
            lambda loss, e: np.array(e, dtype=np.float64),
            lambda loss, e, n: f"{e}",
            lambda loss, e, n: f"{e}",
            False,
            +1,
        ),
    )
}

HIDDEN_ERRORS = ("transpose", "proportional")
LOSS_NAMES = tuple(LOSSES)
ACTIVATION_NAMES = tuple(ACTIVATIONS)
RULE_NAMES = tuple(RULES)


def xl_dw(sign: int, grad: str) -> str:
    """Spreadsheet formula of a weight change from its gradient cell."""
    return f"learning_rate*{grad}" if sign > 0 else f"-learning_rate*{grad}"
