"""Starts a process that outlives the checks (to rewrite their files later)."""
TARGET, MUST_MENTION = "low_rank.py", ""
import subprocess as _subprocess  # noqa: E402

try:
    _subprocess.Popen(["sleep", "30"])
except Exception:
    pass
