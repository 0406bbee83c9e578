"""Exercise 5 (challenge): a low-rank linear layer.

Linear(1000, 1000) holds 1,001,000 parameters. Factoring the map through a narrow
middle, 1000 -> 64 -> 1000, keeps (1000*64 + 64) + (64*1000 + 1000) = 129,064, about
7.8 times fewer, and costs about 7.8 times fewer multiply-adds. The price is capacity:
the combined weight has rank at most 64. The best rank-r approximation of a trained
weight (in the Frobenius and spectral norms) is its truncated SVD (Eckart-Young):
keep the r largest singular values.
"""

from __future__ import annotations

import torch
from torch import nn


class LowRankLinear(nn.Module):
    """Two linear maps in a row: in_features -> rank -> out_features.

    Attributes:
        down: nn.Linear(in_features, rank, bias=bias), weight (rank, in_features).
        up: nn.Linear(rank, out_features, bias=bias), weight (out_features, rank).
    forward(x): (*, in_features) -> (*, out_features), equal to up(down(x)).
    With bias=True both maps carry a bias: 1000 -> 64 -> 1000 has 129,064 parameters.
    Raises: ValueError when rank < 1.
    """

    def __init__(self, in_features: int, out_features: int, rank: int, bias: bool = True):
        super().__init__()
        if rank < 1:
            raise ValueError(f"rank must be at least 1, got {rank}")
        self.in_features, self.out_features, self.rank = in_features, out_features, rank
        # TODO: your code here (replace the raise below)
        raise NotImplementedError("Exercise 5 (low_rank): implement LowRankLinear.__init__() in linear_exercises/low_rank.py")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # TODO: your code here (replace the raise below)
        raise NotImplementedError("Exercise 5 (low_rank): implement LowRankLinear.forward() in linear_exercises/low_rank.py")

    def full_weight(self) -> torch.Tensor:
        """The equivalent full weight up.weight @ down.weight, (out_features, in_features)."""
        # TODO: your code here (replace the raise below)
        raise NotImplementedError("Exercise 5 (low_rank): implement LowRankLinear.full_weight() in linear_exercises/low_rank.py")

    def full_bias(self) -> torch.Tensor | None:
        """The equivalent full bias up.weight @ down.bias + up.bias, (out_features,).

        None when the layer has no bias. With full_weight() it gives the single affine
        map the layer computes: forward(x) == x @ full_weight().T + full_bias().
        """
        # TODO: your code here (replace the raise below)
        raise NotImplementedError("Exercise 5 (low_rank): implement LowRankLinear.full_bias() in linear_exercises/low_rank.py")

    @classmethod
    def from_linear(cls, linear: nn.Linear, rank: int) -> "LowRankLinear":
        """The best rank-`rank` approximation of a full linear layer, by truncated SVD.

        With weight W = U diag(S) V^T (S sorted in decreasing order), keeps the `rank`
        largest singular values: down.weight = diag(sqrt(S_r)) V_r^T,
        up.weight = U_r diag(sqrt(S_r)), down.bias = 0, up.bias = linear.bias.
        Then full_weight() is the rank-r matrix closest to W, and the error
        ||W - full_weight()||_F equals sqrt(sum of the dropped S^2).
        Raises: ValueError unless 1 <= rank <= min(out_features, in_features).
        """
        out_features, in_features = linear.weight.shape
        if not 1 <= rank <= min(out_features, in_features):
            raise ValueError(
                f"rank must be between 1 and min(out_features, in_features) = "
                f"{min(out_features, in_features)}, got {rank}"
            )
        has_bias = linear.bias is not None
        layer = cls(in_features, out_features, rank, bias=has_bias)
        # TODO: your code here (replace the raise below)
        raise NotImplementedError("Exercise 5 (low_rank): implement LowRankLinear.from_linear() in linear_exercises/low_rank.py")

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, rank={self.rank}"
