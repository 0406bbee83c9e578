"""linear_backward as a loop over rows that remembers its last answers (a speed check that repeated one input would
time the memory, not the loop)."""
TARGET, MUST_MENTION = "backward.py", "not a Python loop over the rows"
import torch as _torch  # noqa: E402

_seen = {}


def linear_backward(grad_out, x, weight, bias=True):
    key = (tuple(x.shape), float(x.sum()), float(grad_out.sum()))
    if key not in _seen:
        rows = x.shape[:-1].numel()
        rows_out, rows_in = grad_out.reshape(rows, weight.shape[0]), x.reshape(rows, weight.shape[1])
        grad_weight = _torch.zeros_like(weight)
        for i in range(rows_out.shape[0]):
            grad_weight += rows_out[i].unsqueeze(1) * rows_in[i].unsqueeze(0)
        _seen[key] = (grad_out @ weight, grad_weight, rows_out.sum(0) if bias else None)
    return _seen[key]
