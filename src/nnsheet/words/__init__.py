"""Stage 2: words shown to people: the notations' symbols, English and Indonesian labels, the
Guide sheet's text. Reads the spec and the ops; never a cell address."""
