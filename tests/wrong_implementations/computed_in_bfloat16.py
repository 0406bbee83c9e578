"""Computes the product in bfloat16 (to save memory) and casts back: about 3 significant digits survive."""
TARGET, MUST_MENTION = "manual_linear.py", "a lower precision than float32"

_reference_manual_linear = manual_linear  # noqa: F821 (defined by the module this is appended to)


def manual_linear(x, weight, bias=None):
    _reference_manual_linear(x, weight, bias)  # only for its shape checks: one mistake per file
    y = (x.bfloat16() @ weight.bfloat16().T).to(x.dtype)
    return y if bias is None else y + bias
