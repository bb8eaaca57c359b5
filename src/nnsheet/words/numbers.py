"""Numbers in words a person reads, per language: English writes ``0.5767``, Indonesian ``0,5767``
(the decimal comma, as an Indonesian spreadsheet shows it and the exercise's instructions write).

Every number put into a sentence in the learner's language goes through :func:`number_text`
(or :func:`percent_text`, :func:`interval_text`); numbers written into a cell as numbers are
shown by the spreadsheet in its own locale and never pass here. No thousands separator is
written in either language (``1234,5``: a dot would read as a thousands separator in
Indonesian, a comma in English).
"""

from __future__ import annotations

import math
import re

#: the decimal mark of each language
DECIMAL_MARK = {"en": ".", "id": ","}
#: significant digits when no number of decimals is given
SIGNIFICANT = 6


def _mark(text: str, lang: str) -> str:
    return text.replace(".", DECIMAL_MARK.get(lang, "."))


def number_text(x: float | int, lang: str, decimals: int | None = None) -> str:
    """``x`` for a sentence in ``lang``: with ``decimals`` fixed decimals (``0,5767``), else the
    shortest of up to 6 significant digits (``0,5``, ``-1,25``, ``12``, ``1e-07``). Whole
    numbers given as ``int`` are written as they are; ``nan`` and infinities as ``nan``,
    ``inf``, ``-inf``."""
    if isinstance(x, bool):
        x = int(x)
    if isinstance(x, int) and decimals is None:
        return str(x)
    v = float(x)
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if decimals is not None:
        text = f"{v:.{decimals}f}"
    else:
        text = f"{v:.{SIGNIFICANT}g}"
    if text in ("-0", "-0.0") or (text.startswith("-") and float(text) == 0):
        text = text[1:]
    return _mark(text, lang)


def numeral_text(numeral: str, lang: str) -> str:
    """A number already written with the decimal point (``0.5767``, ``1e-05``, as a file
    stores it) with ``lang``'s decimal mark, digit for digit (nothing rounded)."""
    return _mark(numeral, lang)


def percent_text(share: float, lang: str, decimals: int = 1) -> str:
    """A share (0.5933) as a percentage: ``59.3%`` / ``59,3%``."""
    return number_text(100 * share, lang, decimals) + "%"


def interval_text(low: float, high: float, lang: str) -> str:
    """An interval ``(low, high)``; in Indonesian the bounds are separated by ``;`` because the
    comma is the decimal mark: ``(-0,5; 0,5)``."""
    sep = "; " if DECIMAL_MARK.get(lang, ".") == "," else ", "
    return f"({number_text(low, lang)}{sep}{number_text(high, lang)})"


_FORMULA_PART = re.compile(r"(\"[^\"]*\"|'[^']*')|(,)|(?<![\w.$])(\d+)\.(\d+)")


def formula_text(formula: str, lang: str) -> str:
    """A spreadsheet formula as a spreadsheet in ``lang`` shows it to a person: in Indonesian,
    ``;`` between a function's arguments and the decimal comma (``IF(A3>=0,5;1;0)``, as an
    Indonesian-locale Excel or LibreOffice displays ``IF(A3>=0.5,1,0)``); quoted texts and
    sheet names are left as they are. Only for text people read: the formulas written into
    cells keep the decimal point and ``,``."""
    if DECIMAL_MARK.get(lang, ".") == ".":
        return formula

    def sub(m: re.Match) -> str:
        if m[1] is not None:
            return m[1]
        if m[2] is not None:
            return ";"
        return f"{m[3]}{DECIMAL_MARK[lang]}{m[4]}"

    return _FORMULA_PART.sub(sub, formula)
