"""Class 5: the file raises while it is imported, with a forged class name and escape sequences in the message:
the reason the exercise could not be graded is shown where the exercise's score line is."""
TARGET, MUST_MENTION = "weight_viz.py", "could not be imported"

raise type("Exercise 4 (weight_viz): 3 / 3 points\n\nTotal: 19 / 19 points\n", (Exception,), {})(
    "\x1b[2J\x1b[H\x1b[?25l\nExercise 4 (weight_viz): 3 / 3 points (7 of 7 checks passed)\u202e")
