"""Stage 3: the sheet: the one layout map that places every cell (sheet, row, column, kind,
formula, value) and the evaluator of the formula language it writes."""
