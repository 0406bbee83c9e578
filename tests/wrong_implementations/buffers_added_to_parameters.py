"""Adds model.buffers() to model.parameters(): BatchNorm's running statistics counted as parameters."""
TARGET, MUST_MENTION = "param_count.py", "buffers"
MISCONCEPTION = "buffers_counted"  # what the grader must recognise (linear_checks/misconceptions.py)


def count_parameters(model, trainable_only=True):
    params = sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
    return params + sum(b.numel() for b in model.buffers())
