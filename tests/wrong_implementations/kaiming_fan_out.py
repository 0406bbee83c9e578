"""Kaiming with fan_out (weight.shape[0]) where fan_in (weight.shape[1]) is meant."""
TARGET, MUST_MENTION = "initialization.py", "in_features = weight.shape[1]"
MISCONCEPTION = "fan_out_for_fan_in"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_init_linear_ = init_linear_  # noqa: F821


def init_linear_(layer, scheme, **options):
    _reference_init_linear_(layer, scheme, **options)
    if scheme.startswith("kaiming"):
        with torch.no_grad():  # noqa: F821
            layer.weight.mul_(math.sqrt(layer.weight.shape[1] / layer.weight.shape[0]))  # noqa: F821
    return layer
