"""Stops the pytest session at import with a KeyboardInterrupt."""
TARGET, MUST_MENTION = "weight_viz.py", ""
raise KeyboardInterrupt
