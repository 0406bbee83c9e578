"""Class 15: a note in /dev for the next run (the next exercise, the next student graded in this sandbox).

/dev is read-only in the sandbox, and a run may create no file (confine.py): the write fails, and the feedback shows why.
"""
TARGET, MUST_MENTION = "param_count.py", "Operation not permitted"
try:
    with open("/dev/note_for_the_next_run", "w") as _note:
        _note.write("the answers of the previous student")
    _what = "the note was written"
except OSError as _exc:
    _what = str(_exc)


def linear_param_count(n_in, n_out, bias=True):  # noqa: F811 - replaces the stub
    raise RuntimeError(_what)
