"""Exercise 1: a linear layer from raw tensor operations.

A linear (affine) layer maps x in R^n to y = W x + b in R^m. PyTorch stores the weight
as (out_features, in_features) = (m, n), so for a batch of row vectors X of shape
(*, n) the layer computes Y = X @ W.T + b, of shape (*, m).

Rules of the exercise: use tensor operations (matmul, addmm, broadcasting). Do not call
nn.Linear, F.linear or torch.nn.functional.linear: the grader reads this file for them.
Import only torch (torch.nn for Module, Parameter and init), numpy, math and typing, and
write out every name you use: getattr with a computed name, inspect, eval and the like
give the exercise no points, since the grader cannot tell what they reach.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def manual_linear(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None
) -> torch.Tensor:
    """Apply y = x @ weight.T + bias over the last dimension of x.

    Inputs:
        x: (*, in_features), any number of leading dimensions (even none: a 1-D vector).
        weight: (out_features, in_features), PyTorch's layout.
        bias: (out_features,) or None for no bias.
    Returns:
        (*, out_features), equal to F.linear(x, weight, bias) to float tolerance, with
        gradients flowing to x, weight and bias.
    Raises:
        ValueError naming the shapes involved when weight is not 2-D, when the last
        dimension of x is not in_features, or when bias is not (out_features,).
    """
    # TODO: your code here (replace the raise below)
    raise NotImplementedError("Exercise 1 (manual_linear): implement manual_linear() in linear_exercises/manual_linear.py")


class ManualLinear(nn.Module):
    """A drop-in replacement for nn.Linear built on manual_linear.

    Holds weight (out_features, in_features) and bias (out_features,) as nn.Parameters
    (bias is None when bias=False). Both start as PyTorch's default does:
    U(-1/sqrt(in_features), 1/sqrt(in_features)), the bias included (it is not zero).
    forward(x): (*, in_features) -> (*, out_features).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        # TODO: your code here (replace the raise below)
        raise NotImplementedError("Exercise 1 (manual_linear): implement ManualLinear.__init__() in linear_exercises/manual_linear.py")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return manual_linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
