"""Stage 1: the validated spec, the numerics (every activation, loss and rule defined once) and
the engine that trains and keeps every value. Imports nothing else of nnsheet."""
