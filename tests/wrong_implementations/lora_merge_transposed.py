"""Merges the update transposed, W + scaling * (B @ A).T: it runs for a square layer only, and is wrong there."""
TARGET, MUST_MENTION = "lora.py", "(B @ A).T"
MISCONCEPTION = "lora_merge_transposed"  # what the grader must recognise (linear_checks/misconceptions.py)


def _merge(self):
    base = self.base
    merged = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None,  # noqa: F821
                       dtype=base.weight.dtype, device=base.weight.device)
    with torch.no_grad():  # noqa: F821
        merged.weight.copy_(base.weight + self.scaling * (self.lora_B @ self.lora_A).T)
        if base.bias is not None:
            merged.bias.copy_(base.bias)
    return merged


LoRALinear.merge = _merge  # noqa: F821
