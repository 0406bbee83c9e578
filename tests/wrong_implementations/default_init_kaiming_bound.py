"""'pytorch_default' uses Kaiming's ReLU bound sqrt(6/fan_in) instead of 1/sqrt(fan_in)."""
TARGET, MUST_MENTION = "initialization.py", "1/sqrt(fan_in)"
MISCONCEPTION = "init_default_is_kaiming_relu"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_init_linear_ = init_linear_  # noqa: F821


def init_linear_(layer, scheme, **options):
    if scheme == "pytorch_default":
        _reference_init_linear_(layer, "kaiming_uniform")
        bound = 1 / math.sqrt(layer.weight.shape[1])  # noqa: F821
        with torch.no_grad():  # noqa: F821
            layer.bias.uniform_(-bound, bound)
        return layer
    return _reference_init_linear_(layer, scheme, **options)
