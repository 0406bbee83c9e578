"""Class 6: switches off SIGALRM-based limits, then loops forever in every call."""
TARGET, MUST_MENTION = "initialization.py", ""
import signal as _signal  # noqa: E402

_signal.signal(_signal.SIGALRM, _signal.SIG_IGN)
_signal.setitimer(_signal.ITIMER_REAL, 0)


def init_linear_(layer, scheme, **options):
    _signal.setitimer(_signal.ITIMER_REAL, 0)
    while True:
        pass
