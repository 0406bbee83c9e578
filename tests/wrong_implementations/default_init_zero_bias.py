"""'pytorch_default' sets the bias to zero."""
TARGET, MUST_MENTION = "initialization.py", "bias is all zeros"

_reference_init_linear_ = init_linear_  # noqa: F821


def init_linear_(layer, scheme, **options):
    _reference_init_linear_(layer, scheme, **options)
    if layer.bias is not None:
        torch.nn.init.zeros_(layer.bias)  # noqa: F821
    return layer
