"""ManualLinear starts its bias at zero ("PyTorch initializes the bias to zero" is a myth)."""
TARGET, MUST_MENTION = "manual_linear.py", "bias is all zeros"
MISCONCEPTION = "bias_starts_at_zero"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_init = ManualLinear.__init__  # noqa: F821


def _zero_bias_init(self, in_features, out_features, bias=True):
    _reference_init(self, in_features, out_features, bias)
    if self.bias is not None:
        torch.nn.init.zeros_(self.bias)  # noqa: F821


ManualLinear.__init__ = _zero_bias_init  # noqa: F821
