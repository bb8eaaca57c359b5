"""Stage 4: output files: the trace workbook, the trace table, atomic writes, progress."""
