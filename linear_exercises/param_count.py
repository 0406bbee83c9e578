"""Exercise 2: counting parameters.

A linear layer with in_features = n and out_features = m holds m*n weights and, with
bias, m more: m*(n + 1) in all. Linear(784, 256) has 200,960.
"""

from __future__ import annotations

from torch import nn


def linear_param_count(in_features: int, out_features: int, bias: bool = True) -> int:
    """Number of parameters of nn.Linear(in_features, out_features, bias=bias).

    Inputs: two non-negative ints and a bool.
    Returns: an int, out_features * in_features (+ out_features with bias).
    Raises: ValueError for a negative size.
    """
    # TODO: your code here (replace the raise below)
    raise NotImplementedError("Exercise 2 (param_count): implement linear_param_count() in linear_exercises/param_count.py")


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of scalar parameters in any nn.Module.

    Counts each parameter tensor once, even when it is shared between layers, and
    never counts buffers (such as BatchNorm's running statistics). With
    trainable_only=True, parameters with requires_grad=False are left out.
    Returns: an int.
    """
    # TODO: your code here (replace the raise below)
    raise NotImplementedError("Exercise 2 (param_count): implement count_parameters() in linear_exercises/param_count.py")
