"""'normal' draws around 0 whatever the mean option says."""
TARGET, MUST_MENTION = "initialization.py", "mean=mean"

_reference_init_linear_ = init_linear_  # noqa: F821


def init_linear_(layer, scheme, **options):
    if scheme == "normal":
        options.pop("mean", None)
    return _reference_init_linear_(layer, scheme, **options)
