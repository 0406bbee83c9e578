"""pytest's own command line on the course's checks (instructors): the course's plugin, set up from options.

    pytest autograder/linear_checks/public -k manual_linear --package-root solutions --hidden

runs the checks of exercise 1, hidden ones included, on solutions/linear_exercises/ (any
folder holding a linear_exercises/ package will do), student code in the sandbox, and prints
pytest's usual report followed by the feedback a student would read. Write a check as
linear_checks/public/test_<exercise>.py (shipped to students) or
hidden_checks/test_<exercise>_hidden.py (never shipped): see linear_checks/plugin.py.
"""

from __future__ import annotations

import secrets

_GRADING = []  # the plugin object of this session


def pytest_addoption(parser):
    group = parser.getgroup("linear-layers course")
    group.addoption("--package-root", default=".", help="folder holding the linear_exercises/ package to check")
    group.addoption("--hidden", action="store_true", help="also run the hidden checks (autograder/hidden_checks)")
    group.addoption("--seed", type=int, default=None, help="seed of the checks' inputs (0 for the public checks "
                    "by default, a random one with --hidden: pass the one a student's results/<id>.json names)")


def pytest_configure(config):
    from linear_checks.plugin import Grading
    from linear_checks.runner import default_sandbox, hidden_dir, read_submission

    root = config.getoption("--package-root")
    hidden = config.getoption("--hidden")
    seed = config.getoption("--seed")
    if seed is None:
        seed = secrets.randbits(62) if hidden else 0
    if hidden:
        folder = hidden_dir()
        if folder is None:
            raise RuntimeError("the hidden checks were not found: set LINEAR_HIDDEN_CHECKS")
        config.args.append(str(folder))
    grading = Grading(read_submission(root), default_sandbox(), seed)
    _GRADING.append(grading)
    config.pluginmanager.register(grading, "linear-layers-grading")


def pytest_unconfigure(config):
    while _GRADING:
        _GRADING.pop().sandbox.close()


def pytest_terminal_summary(terminalreporter):
    from linear_checks.report import format_report

    for grading in _GRADING:
        terminalreporter.section("feedback as the student reads it")
        terminalreporter.write(format_report(grading.exercise_results()))
        terminalreporter.write_line(f"(seed {grading.seed})")
