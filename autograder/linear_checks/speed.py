"""Speed checks, timed from the grader's side (the `speed` fixture of plugin.py).

The student's process could report any time it likes, and could slow down anything that runs
beside it (a reference built in its own run included), so neither is asked. The grader times
each call's round trip itself (the request sent, the answer back), in turns: a block of calls
to the student's code in a fresh run of the student's file, then a block of the same calls to
a reference in a clean run of the same sandbox that holds only files the grader wrote (and the
other way round in the next block). Both carry the same data over the same wire, so their
ratio is the ratio of their work, with a shared overhead added to both (the checks choose
inputs small on the wire and costly to a slow solution, so the overhead stays small). Each call
gets inputs of its own and every answer of the student's is checked, so an answer kept from an
earlier call, or a wrong one made fast, does not pass. Medians of the blocks' fastest calls are
compared, so a busy machine slows both alike.

What it does not see: work a solution does once (at import or when built) rather than per call.
"""

from __future__ import annotations

import statistics
import time

from linear_checks import student as student_api
from linear_checks.verdicts import fail
from linear_checks.wire import Raised


class Speed:
    """Compares the student's calls with a reference's, in blocks of round trips (see the module's docstring)."""

    def __init__(self, grading, exercise, ends: float):
        self.grading, self.exercise, self.ends = grading, exercise, ends

    def compare(self, prepare, cases: list[tuple], verify, reference: dict[str, bytes], *, what: str, than: str,
                limit: float, hint: str = "", blocks: int = 2, misconception: str = "") -> float:
        """Fail when the student's prepare(module)(*case) takes more than `limit` times the reference's.

        prepare(module) gets the module (a Remote: the student's, or the reference's, whose file
        reference names) and returns what to call, e.g. a layer it built. Each block calls it once
        per case (the first call is not timed: it pays for what is done once); verify(answer, i)
        checks the student's answer to cases[i] (it fails the check when wrong). Call this last in
        a check: the student's run is closed and reopened on the way. Returns the ratio.
        """
        mine: list[float] = []
        theirs: list[float] = []
        for block in range(blocks):
            for side in (("student", "reference") if block % 2 == 0 else ("reference", "student")):
                times = self._block(prepare, cases, verify if side == "student" else None,
                                    reference if side == "reference" else None)
                (mine if side == "student" else theirs).append(min(times))
            if mine[-1] > 10 * limit * theirs[-1]:  # far too slow already: no need for more blocks
                break
        own, base = statistics.median(mine), statistics.median(theirs)
        ratio = own / max(base, 1e-9)
        if ratio > limit:
            hint_text = f" Hint: {hint}" if hint else ""
            fail(f"{what} took {ratio:.0f} times as long as {than} ({own * 1e3:.3g} ms against {base * 1e3:.3g} ms "
                 f"a call, timed by the grader in turns): expected at most {limit:g} times as long.{hint_text}",
                 misconception)
        return ratio

    def _block(self, prepare, cases: list[tuple], verify, reference: dict[str, bytes] | None) -> list[float]:
        """Seconds of the round trip of each case but the first, in a fresh run of one side."""
        grading = self.grading
        grading._close()
        if reference is None:
            run, why = grading._import(self.exercise)
            if run is None:
                fail(why)
        else:
            run = grading.run = grading.sandbox.run(reference, self.exercise.module)
            run.deadline = time.monotonic() + 10.0
            if isinstance(run.request({"op": "import", "target": 0}), Raised):  # the grader's own file: its bug
                raise RuntimeError(f"the speed check's reference {self.exercise.module} could not be imported")
        run.deadline = self.ends
        fn = prepare(student_api.Remote(run, 0, "module"))
        times = []
        for i, case in enumerate(cases):
            start = time.perf_counter()
            answer = fn(*case)
            times.append(time.perf_counter() - start)
            if verify is not None:
                verify(answer, i)
        grading._close()
        return times[1:]
