"""Kaiming for leaky_relu drops the slope a: the ReLU gain sqrt(2) instead of sqrt(2 / (1 + a²))."""
TARGET, MUST_MENTION = "initialization.py", "the slope a ignored"

_reference_init_linear_ = init_linear_  # noqa: F821


def init_linear_(layer, scheme, **options):
    if scheme.startswith("kaiming"):
        options.pop("a", None)  # nn.init's a=0: the gain of a plain ReLU
    return _reference_init_linear_(layer, scheme, **options)
