"""Never freezes the base layer: its weight and bias keep requires_grad=True, so training changes them too."""
TARGET, MUST_MENTION = "lora.py", "left trainable"
MISCONCEPTION = "lora_base_trainable"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_init = LoRALinear.__init__  # noqa: F821 (defined by the module this is appended to)


def _init(self, base, rank, alpha=1.0):
    _reference_init(self, base, rank, alpha)
    self.base.requires_grad_(True)  # as if requires_grad_(False) had never been written


LoRALinear.__init__ = _init  # noqa: F821
