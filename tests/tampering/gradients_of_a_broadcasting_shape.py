"""Class 13: tiny answers of odd shapes that would broadcast against the grader's references.

linear_backward returns three bool tensors of shape (2**20, 1, 1): 1 MiB each on the wire,
which broadcast against a (5, 7) reference would be 35 million values, and against each
other far more. The gradient checks compare shapes before any arithmetic with the
student's tensor (expect_tensor_close), so the grader never builds such a tensor.
"""
TARGET, MUST_MENTION = "backward.py", "expected shape"


def linear_backward(grad_out, x, weight, bias=True):  # noqa: F811 - replaces the stub
    odd = torch.ones(2**20, 1, 1, dtype=torch.bool)
    return odd, odd, odd if bias else None
