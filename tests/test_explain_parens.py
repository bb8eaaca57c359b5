"""The explanation's formulas keep their meaning with negative numbers in them (issue 21, item
6): every loss, activation and rule text rendered with negative numbers, parsed back by a small
reader of numbers only (Python's ast) and compared with a value computed here by hand."""

from __future__ import annotations

import ast
import math
import operator

import numpy as np
import pytest

from nnsheet.core.ops import ACTIVATIONS, LOSSES, RULES, paren

_BIN = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_CMP = {ast.Gt: operator.gt, ast.GtE: operator.ge}
_CALLS = {"tanh": math.tanh, "max": max, "exp": math.exp}


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id == "E":
        return math.e
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        return _BIN[type(node.op)](_eval(node.left), _eval(node.right))
    if isinstance(node, ast.IfExp):
        return _eval(node.body) if _eval(node.test) else _eval(node.orelse)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP:
        return _CMP[type(node.ops[0])](_eval(node.left), _eval(node.comparators[0]))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS:
        return float(_CALLS[node.func.id](*(_eval(a) for a in node.args)))
    raise AssertionError(f"not a number formula: {ast.dump(node)}")


def read_back(text: str) -> float:
    """The value of a plain-text formula as the explanation prints it (numbers only)."""
    py = (
        text.replace("·", "*")
        .replace("²", "**2")
        .replace("−", "-")
        .replace("≥", ">=")
        .replace("e^", "E**")
    )
    return _eval(ast.parse(py, mode="eval"))


def num(v: float) -> str:
    """A number as the explanation writes it (a Unicode minus), not parenthesised."""
    return f"{v:g}".replace("-", "−")


def test_the_half_sse_loss_keeps_its_parentheses() -> None:
    assert LOSSES["half_sse"].text_value(["t1−y1", "t2−y2"]) == "((t1−y1)² + (t2−y2)²)/2"
    assert paren("−0.5") == "(−0.5)"
    assert paren("(t1−y1)") == "(t1−y1)"


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_reads_back_with_negative_errors(loss: str) -> None:
    e = [-0.5, 0.25, -1.5]
    f = LOSSES[loss]
    by_hand = {"mse": sum(v * v for v in e) / 3, "half_sse": sum(v * v for v in e) / 2}
    by_hand["sse"] = sum(v * v for v in e)
    got = read_back(f.text_value([num(v) for v in e]))
    assert got == pytest.approx(by_hand[loss], abs=1e-12)
    # each term written as t − y, the first negative: t1 − y1 = 0.25 − 0.75
    terms = [f"{num(0.25)}−{num(0.25 - v)}" for v in e]
    assert read_back(f.text_value(terms)) == pytest.approx(by_hand[loss], abs=1e-12)
    grad = {"mse": -2 / 3 * e[0], "half_sse": -e[0], "sse": -2 * e[0]}[loss]
    assert read_back(f.text_grad(num(e[0]), 3)) == pytest.approx(grad, abs=1e-12)
    assert read_back(f.text_grad(f"{num(0.25)}−{num(0.75)}", 3)) == pytest.approx(
        {"mse": 1 / 3, "half_sse": 0.5, "sse": 1.0}[loss], abs=1e-12
    )


@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
@pytest.mark.parametrize("z", [-0.75, -2.0, 0.5])
def test_every_activation_reads_back_with_negative_numbers(act: str, z: float) -> None:
    f = ACTIVATIONS[act]
    by_hand = {
        "sigmoid": (1 / (1 + math.exp(-z)), None),
        "tanh": (math.tanh(z), 1 - math.tanh(z) ** 2),
        "relu": (max(0.0, z), 1.0 if z > 0 else 0.0),
        "linear": (z, 1.0),
        "step": (1.0 if z >= 0 else 0.0, 1.0),
    }
    value, deriv = by_hand.get(act, (None, None))
    if act == "sigmoid":
        s = value
        deriv = s * (1 - s)
    if value is None:
        pytest.skip(f"{act}: no hand formula here")
    a = float(f.value(np.array([z]))[0])
    assert read_back(f.text_value(num(z))) == pytest.approx(value, abs=1e-12)
    assert read_back(f.text_deriv(num(z), repr(a).replace("-", "−"))) == pytest.approx(
        deriv, abs=1e-12
    )
    # a negative activation value itself (tanh): the derivative's text keeps (−a)²
    assert read_back(f.text_deriv(num(z), num(-0.5))) == pytest.approx(
        {"sigmoid": -0.5 * 1.5, "tanh": 0.75}.get(act, deriv), abs=1e-12
    )


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_rule_reads_back_with_negative_numbers(rule: str, loss: str) -> None:
    r, f = RULES[rule], LOSSES[loss]
    e = -0.4
    out = float(r.output_err(f, np.array([e, 0.1]))[0])  # the engine's, for 2 outputs
    by_hand = {"error": e}.get(rule, {"mse": -e, "half_sse": -e, "sse": -2 * e}[loss])
    assert out == pytest.approx(by_hand, abs=1e-12)
    assert read_back(r.text_output_err(f, num(e), 2)) == pytest.approx(by_hand, abs=1e-12)
    g = -0.3
    assert read_back(r.text_dw(num(0.5), num(g))) == pytest.approx(r.sign * 0.5 * g, abs=1e-12)
