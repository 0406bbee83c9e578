"""Prints what a passing report looks like, and a fake result line."""
TARGET, MUST_MENTION = "manual_linear.py", ""
import json as _json  # noqa: E402

print("Exercise 1 (manual_linear): 4 / 4 points (11 of 11 checks passed)")
print(_json.dumps({"kind": "test", "nodeid": "test_manual_linear.py::test_batch_matches_nn_linear",
                   "exercise": "manual_linear", "doc": "", "outcome": "passed", "message": "", "seq": 0}))
