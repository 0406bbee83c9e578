"""Exercise 7 (challenge): LoRA, a low-rank update trained beside a frozen layer.

Fine-tuning a large model changes every weight; LoRA (Hu et al., 2021, "LoRA: Low-Rank
Adaptation of Large Language Models") keeps the pretrained layer W x + b frozen and
trains only a low-rank update beside it:

    y = W x + b + (alpha / r) * B A x      A: (r, in_features), B: (out_features, r)

A starts random and B starts at zero, so B A = 0: the layer starts out computing exactly
what the pretrained layer computes, and training moves it away from there. At the first
step A's gradient is exactly zero (it is multiplied by B = 0) and only B gets one; from
the second step on both train. The scaling alpha / r keeps the size of the update about
the same when you try another rank r, so the learning rate need not be tuned again.

A layer of in_features inputs and out_features outputs trains r * (in_features +
out_features) numbers instead of in_features * out_features. GPT-3 175B with r = 4 on the
query and value projections (12288 x 12288 each) of its 96 layers trains
96 * 2 * 4 * (12288 + 12288) = 18,874,368 parameters, against 175 billion.

After training, the update can be merged into the weight: W + (alpha / r) * B A is one
plain (out_features, in_features) matrix, so the fine-tuned layer is an ordinary
nn.Linear again, exactly as fast as the original.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update: base(x) + (alpha / rank) * B A x.

    LoRALinear(base, rank, alpha=1.0) keeps:
        base: the very nn.Linear passed in (not a copy), frozen: every one of its parameters
            gets requires_grad = False.
        lora_A: nn.Parameter of shape (rank, in_features), random: kaiming_uniform_ with
            a = sqrt(5), as loralib does (the paper draws it from a Gaussian: either works).
        lora_B: nn.Parameter of shape (out_features, rank), all zeros.
        rank, alpha: the arguments; scaling = alpha / rank.
    Both factors have base.weight's dtype and device. Only lora_A and lora_B are
    trainable: list(layer.parameters()) also holds base's, with requires_grad False.
    forward(x): (*, in_features) -> (*, out_features), base(x) + scaling * (x @ A.T) @ B.T
    (never builds the (out_features, in_features) product B @ A). At construction it equals
    base(x), since B is zero.
    Raises: TypeError when base is not an nn.Linear; ValueError when rank is not a whole
    number of at least 1 (a rank above min(in_features, out_features) is allowed, but
    gives no more than that).
    """

    def __init__(self, base: nn.Linear, rank: int, alpha: float = 1.0):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"base must be an nn.Linear, got {type(base).__name__}")
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise ValueError(f"rank must be a whole number of at least 1, got {rank!r}")
        self.rank, self.alpha = rank, alpha
        ### BEGIN SOLUTION
        self.scaling = alpha / rank
        self.base = base
        self.base.requires_grad_(False)
        weight = base.weight
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features, dtype=weight.dtype, device=weight.device))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank, dtype=weight.dtype, device=weight.device))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ### BEGIN SOLUTION
        return self.base(x) + self.scaling * ((x @ self.lora_A.T) @ self.lora_B.T)
        ### END SOLUTION

    def merge(self) -> nn.Linear:
        """A new plain nn.Linear that computes what this layer computes now, in one matrix.

        Its weight is base.weight + scaling * lora_B @ lora_A, (out_features, in_features);
        its bias a copy of base.bias (no bias when base has none); same dtype and device.
        Shares no tensor with this layer, and leaves this layer unchanged.
        """
        ### BEGIN SOLUTION
        base = self.base
        weight = base.weight
        merged = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None,
                           dtype=weight.dtype, device=weight.device)
        with torch.no_grad():
            merged.weight.copy_(weight + self.scaling * (self.lora_B @ self.lora_A))
            if base.bias is not None:
                merged.bias.copy_(base.bias)
        return merged
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"rank={self.rank}, alpha={self.alpha}"


def lora_param_count(in_features: int, out_features: int, rank: int) -> int:
    """The trainable parameters LoRA adds to one Linear(in_features, out_features): rank * (in + out).

    lora_A holds rank * in_features, lora_B out_features * rank; the frozen base adds none.
    GPT-3 175B with rank 4 on two 12288 x 12288 projections in each of its 96 layers:
        96 * 2 * lora_param_count(12288, 12288, 4) == 18_874_368
    Raises: ValueError when any argument is below 1.
    """
    ### BEGIN SOLUTION
    for name, value in (("in_features", in_features), ("out_features", out_features), ("rank", rank)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    return rank * (in_features + out_features)
    ### END SOLUTION
