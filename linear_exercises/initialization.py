"""Exercise 3: initialization schemes for linear layers.

The aim of a scheme is to keep the variance of activations (and gradients) about the
same from layer to layer. For a weight of shape (fan_out, fan_in):

    scheme            weight distribution                          bias
    zeros             0                                            0
    normal            N(mean, std^2)   (options: std=0.01, mean=0)  0
    xavier_uniform    U(-a, a), a = gain*sqrt(6/(fan_in+fan_out))   0
    xavier_normal     N(0, gain^2 * 2/(fan_in+fan_out))             0
    kaiming_uniform   U(-a, a), a = gain*sqrt(3/fan_in)             0
    kaiming_normal    N(0, gain^2/fan_in)                           0
    pytorch_default   U(-1/sqrt(fan_in), 1/sqrt(fan_in))            U(-1/sqrt(fan_in), 1/sqrt(fan_in))

Xavier takes `gain` (default 1). Kaiming takes `nonlinearity` (default "relu", so
gain = sqrt(2): Var = 2/fan_in, bound sqrt(6/fan_in)) and `a` (negative slope for
leaky_relu, default 0). pytorch_default is what nn.Linear does when it is created:
kaiming_uniform_ with a = sqrt(5), which works out to the bound 1/sqrt(fan_in), and the
bias is drawn from the same range, not set to zero.
"""

from __future__ import annotations

import math

import torch
from torch import nn

SCHEMES: tuple[str, ...] = (
    "zeros",
    "normal",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "pytorch_default",
)

# The keyword options each scheme accepts, with their defaults.
OPTIONS: dict[str, dict[str, object]] = {
    "zeros": {},
    "normal": {"std": 0.01, "mean": 0.0},
    "xavier_uniform": {"gain": 1.0},
    "xavier_normal": {"gain": 1.0},
    "kaiming_uniform": {"nonlinearity": "relu", "a": 0.0},
    "kaiming_normal": {"nonlinearity": "relu", "a": 0.0},
    "pytorch_default": {},
}


def init_linear_(layer: nn.Module, scheme: str, **options) -> nn.Module:
    """Re-initialize layer.weight (out_features, in_features) and layer.bias in place.

    Works for nn.Linear and any module with a 2-D `weight` parameter and a `bias`
    parameter (or bias None). See the module docstring for each scheme's distribution
    and options. Returns the layer, so calls can be chained.
    Raises: ValueError for an unknown scheme (listing the known ones) or an option the
    scheme does not take.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; known schemes: {', '.join(SCHEMES)}")
    unknown = set(options) - set(OPTIONS[scheme])
    if unknown:
        allowed = ", ".join(OPTIONS[scheme]) or "none"
        raise ValueError(
            f"scheme {scheme!r} takes no option(s) {', '.join(sorted(unknown))}; "
            f"its options: {allowed}"
        )
    opts = {**OPTIONS[scheme], **options}
    # TODO: your code here (replace the raise below)
    raise NotImplementedError("Exercise 3 (init): implement init_linear_() in linear_exercises/initialization.py")


def init_model_(model: nn.Module, scheme: str, **options) -> nn.Module:
    """Apply init_linear_ to every linear layer inside model (not graded).

    A linear layer here is any submodule with a 2-D `weight` parameter and a `bias`
    attribute: nn.Linear, ManualLinear, and the two halves of LowRankLinear.
    Returns the model.
    """
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if isinstance(weight, nn.Parameter) and weight.dim() == 2 and hasattr(module, "bias"):
            init_linear_(module, scheme, **options)
    return model
