"""merge() hands the base layer's own bias to the merged layer: training or changing one changes the other."""
TARGET, MUST_MENTION = "lora.py", "shares its bias"


def _merge(self):
    base = self.base
    merged = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None,  # noqa: F821
                       dtype=base.weight.dtype, device=base.weight.device)
    with torch.no_grad():  # noqa: F821
        merged.weight.copy_(base.weight + self.scaling * (self.lora_B @ self.lora_A))
    merged.bias = base.bias  # the same Parameter, not a copy
    return merged


LoRALinear.merge = _merge  # noqa: F821
