"""Stage 5: blank exercise workbooks (``nnsheet template``)."""
