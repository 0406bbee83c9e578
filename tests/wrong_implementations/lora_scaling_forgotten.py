"""Adds the update B A x without its scaling alpha / rank (in forward and in merge)."""
TARGET, MUST_MENTION = "lora.py", "without the scaling alpha / rank"
MISCONCEPTION = "lora_scaling_forgotten"  # what the grader must recognise (linear_checks/misconceptions.py)


def _forward(self, x):
    return self.base(x) + (x @ self.lora_A.T) @ self.lora_B.T


def _merge(self):
    base = self.base
    merged = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None,  # noqa: F821
                       dtype=base.weight.dtype, device=base.weight.device)
    with torch.no_grad():  # noqa: F821
        merged.weight.copy_(base.weight + self.lora_B @ self.lora_A)
        if base.bias is not None:
            merged.bias.copy_(base.bias)
    return merged


LoRALinear.forward, LoRALinear.merge = _forward, _merge  # noqa: F821
