"""Stops the check run at import with a KeyboardInterrupt."""
TARGET, MUST_MENTION = "weight_viz.py", ""
raise KeyboardInterrupt
