"""The public checks: pytest modules, test_<exercise>.py, one per exercise (students may read them; plugin.py runs them)."""
