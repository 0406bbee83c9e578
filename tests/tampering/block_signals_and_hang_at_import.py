"""Class 6: blocks every signal it can, then hangs at import."""
TARGET, MUST_MENTION = "weight_viz.py", ""
import signal as _signal  # noqa: E402

_signal.pthread_sigmask(_signal.SIG_BLOCK, set(_signal.Signals) - {_signal.SIGKILL, _signal.SIGSTOP})
while True:
    pass
