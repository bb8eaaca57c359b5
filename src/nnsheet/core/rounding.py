"""Spreadsheet ROUND semantics: half away from zero on the decimal value.

Spreadsheets round the value as it is displayed to 15 significant digits, so ``ROUND(2.675, 2)``
is 2.68 although the binary double nearest 2.675 is slightly below it. Python's ``round`` gives
2.67. nnsheet's engine uses :func:`xround` wherever ``round = D`` is set so that its numbers agree
with a learner's calculator and with the workbook's ``ROUND(…, D)`` formulas.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

import numpy as np

_WIDE = Context(prec=400)


def xround(x: float, digits: int) -> float:
    """Round like a spreadsheet's ROUND(x, digits): half away from zero on the decimal value."""
    if not math.isfinite(x):
        return x
    d = Decimal(format(x, ".15g"))
    # ROUND_HALF_UP in decimal rounds half away from zero (on the magnitude). The wide context
    # lets large values (up to 1.8e308) be quantized; the default 28 digits raised
    # InvalidOperation for |x| ≥ 1e28.
    return float(d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP, context=_WIDE))


_vround = np.frompyfunc(xround, 2, 1)


def round_array(a: np.ndarray, digits: int | None) -> np.ndarray:
    """Apply :func:`xround` elementwise; ``digits=None`` returns ``a`` unchanged."""
    if digits is None:
        return a
    arr = np.asarray(a, dtype=np.float64)
    return np.asarray(_vround(arr, digits), dtype=np.float64).reshape(arr.shape)
