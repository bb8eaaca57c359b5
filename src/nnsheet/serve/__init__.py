"""Stage 7: ``nnsheet serve``, a self-check web page a teacher runs for the class.

Between the grader and the command line: it uses the roster (:mod:`nnsheet.exercise.roster`)
and the grader (:mod:`nnsheet.grading`) and nothing above it. The modules:

- :mod:`.store`: the data folder and its SQLite database (students, codes, attempts, files);
- :mod:`.pool`: grading in worker processes with a time limit;
- :mod:`.grade`: one upload graded in a worker, against the teacher's record of the student's
  exercise;
- :mod:`.app`: the Starlette app (student pages, teacher page, JSON API, security);
- :mod:`.run`: ``nnsheet serve`` itself (prepare the folder, run uvicorn).
"""
