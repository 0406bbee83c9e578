"""Counts the state_dict, which holds buffers too (BatchNorm's running statistics)."""
TARGET, MUST_MENTION = "param_count.py", "buffers"
MISCONCEPTION = "buffers_counted"  # what the grader must recognise (linear_checks/misconceptions.py)


def count_parameters(model, trainable_only=True):
    return sum(t.numel() for t in model.state_dict().values())
