"""Draws both LoRA factors at random, B too: B A is not zero, so the layer does not start as its base layer."""
TARGET, MUST_MENTION = "lora.py", "both factors random"
MISCONCEPTION = "lora_both_random"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_init = LoRALinear.__init__  # noqa: F821 (defined by the module this is appended to)


def _init(self, base, rank, alpha=1.0):
    _reference_init(self, base, rank, alpha)
    nn.init.kaiming_uniform_(self.lora_B, a=math.sqrt(5))  # noqa: F821


LoRALinear.__init__ = _init  # noqa: F821
