"""Flattens the input to 2-D rows and never reshapes back: a (2, 3, in) input gives (6, out), a 1-D one (1, out)."""
TARGET, MUST_MENTION = "lora.py", "keep the leading dimensions"


def _forward(self, x):
    rows = x.reshape(-1, self.lora_A.shape[1])
    return self.base(rows) + self.scaling * ((rows @ self.lora_A.T) @ self.lora_B.T)


LoRALinear.forward = _forward  # noqa: F821
