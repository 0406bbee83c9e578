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
    ### BEGIN SOLUTION
    if weight.dim() != 2:
        raise ValueError(
            f"weight must be 2-D (out_features, in_features), got shape {tuple(weight.shape)}"
        )
    out_features, in_features = weight.shape
    if x.dim() == 0 or x.shape[-1] != in_features:
        raise ValueError(
            f"input of shape {tuple(x.shape)} does not fit weight of shape "
            f"{tuple(weight.shape)}: expected the input's last dimension to be "
            f"in_features = {in_features}"
        )
    if bias is not None and tuple(bias.shape) != (out_features,):
        raise ValueError(
            f"bias of shape {tuple(bias.shape)} does not fit weight of shape "
            f"{tuple(weight.shape)}: expected ({out_features},)"
        )
    leading = x.shape[:-1]
    batch = leading.numel()  # B = product of the leading dims (1 for a 1-D x)
    # (B, n). Not reshape(-1, n): with n = 0 (a layer of no inputs) the -1 cannot be worked out.
    rows = x.reshape(batch, in_features)
    if bias is None:
        out = rows @ weight.T
    else:
        out = torch.addmm(bias, rows, weight.T)  # bias + rows @ weight.T, one fused BLAS call
    return out.reshape(*leading, out_features)
    ### END SOLUTION


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
        ### BEGIN SOLUTION
        bound = 1 / math.sqrt(in_features) if in_features > 0 else 0.0
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))
        else:
            self.register_parameter("bias", None)
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return manual_linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
