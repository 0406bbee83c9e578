"""torch.addmm on x as given: right for a 2-D batch, a crash for a 1-D sample or a 3-D input (addmm needs matrices)."""
TARGET, MUST_MENTION = "manual_linear.py", "any number of leading dimensions, none included"

_reference_manual_linear = manual_linear  # noqa: F821 (defined by the module this is appended to)


def manual_linear(x, weight, bias=None):
    _reference_manual_linear(x, weight, bias)  # only for its shape checks: one mistake per file
    if bias is None:
        return torch.mm(x, weight.T)  # noqa: F821
    return torch.addmm(bias, x, weight.T)  # noqa: F821
