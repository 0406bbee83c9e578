"""'pytorch_default' sets the bias to zero."""
TARGET, MUST_MENTION = "initialization.py", "bias is all zeros"
MISCONCEPTION = "init_bias_at_zero"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_init_linear_ = init_linear_  # noqa: F821


def init_linear_(layer, scheme, **options):
    _reference_init_linear_(layer, scheme, **options)
    if layer.bias is not None:
        torch.nn.init.zeros_(layer.bias)  # noqa: F821
    return layer
