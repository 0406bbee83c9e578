"""xavier_uniform always uses gain 1: the gain option is accepted and dropped."""
TARGET, MUST_MENTION = "initialization.py", "scales with the gain"

_reference_init_linear_ = init_linear_  # noqa: F821


def init_linear_(layer, scheme, **options):
    if scheme == "xavier_uniform":
        options.pop("gain", None)
    return _reference_init_linear_(layer, scheme, **options)
