"""Class 12: NaN, which makes every comparison False, where a check fails only `if value > limit`.

init_linear_ fills the layer with NaN. A check written as `if top > bound or top < 0.9 *
bound: fail(...)` lets NaN through, since both comparisons are False; one that asks for a
finite number first (expect_near) does not.
"""
TARGET, MUST_MENTION = "initialization.py", ""


def init_linear_(layer, scheme, **options):  # noqa: F811 - replaces the stub
    with torch.no_grad():
        layer.weight.fill_(math.nan)
        if layer.bias is not None:
            layer.bias.fill_(math.nan)
    return layer
