"""Lesson cells that use an exercise let Run All go on while the exercise is not done.

    with needs("manual_linear", shows="your layer's output next to nn.Linear's"):
        y = manual_linear(x, W, b)
        ...

Inside the block, the NotImplementedError of an unsolved stub stops the block and prints
one line: which exercise, which file, and what the cell will show once it is done. The
cell then ends normally, so JupyterLab's Run All carries on with the next cell. The same
goes for an exercise file that does not import (a syntax error, say): the line says so.
Any other error (a bug in a solution being written) is raised as usual, traceback and all.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from linear_checks.exercises import BY_KEY, Exercise, get  # the course's exercise table


class NotDone(NotImplementedError):
    """Raise inside a `needs` block when a result of an earlier, unsolved cell is missing."""


@contextmanager
def needs(exercise: str, shows: str):
    """Run the block; if `exercise` is not done yet, say so in one line instead of failing."""
    entry = get(exercise)
    where = f"linear_exercises/{entry.module}"
    try:
        yield
    except NotImplementedError as error:
        blocking = _named_exercise(str(error)) or entry  # a stub names its exercise: exercise 6 may wait on 1
        print(f"⏸ {blocking.label} is not done yet (linear_exercises/{blocking.module}). "
              f"Once it is, this cell shows {shows}.")
    except ImportError as error:
        if getattr(error, "name", None) != "linear_exercises":
            raise
        print(f"⏸ {where} does not import (its error is printed where linear_exercises was imported): "
              f"fix it and run this cell again. Once it works, this cell shows {shows}.")


def _named_exercise(message: str) -> Exercise | None:
    """The exercise a stub's message names ("Exercise 1 (manual_linear): implement ..."), if any."""
    found = re.match(r"Exercise \d+ \((\w+)\)", message)
    return BY_KEY.get(found.group(1)) if found else None
