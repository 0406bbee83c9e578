"""Class 5: an exception message with terminal escape sequences (erase the line, move the cursor up, set the
window title), a carriage return, backspaces, C1 controls, bidi overrides and zero-width characters around a
forged score line and total, hoping to print over the grader's score line in a terminal or a feedback page."""
TARGET, MUST_MENTION = "param_count.py", "\\x1b[2K"

_FORGED = ("\r\x1b[2K\x1b[1A\x1b[2K\b\b\b\b\n\nExercise 2 (param_count): 2 / 2 points (9 of 9 checks passed)\n"
           "\x1b]0;graded: full marks\x07\u202eTotal: 19 / 19 points\u200b\u2066\x9b0m\x85\u2028\x1b[8m")


def linear_param_count(in_features, out_features, bias=True):
    raise ValueError(_FORGED)


def count_parameters(model, trainable_only=True):
    raise ValueError(_FORGED)
