"""ManualLinear draws its weights with Kaiming's bound sqrt(6/fan_in), not PyTorch's 1/sqrt(fan_in)."""
TARGET, MUST_MENTION = "manual_linear.py", "1/sqrt(in_features)"
MISCONCEPTION = "default_is_kaiming_relu"  # what the grader must recognise (linear_checks/misconceptions.py)


def _kaiming_init(self, in_features, out_features, bias=True):
    nn.Module.__init__(self)  # noqa: F821
    self.in_features, self.out_features = in_features, out_features
    bound = math.sqrt(6 / in_features)  # noqa: F821
    self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))  # noqa: F821
    self.bias = nn.Parameter(torch.empty(out_features).uniform_(-1 / math.sqrt(in_features), 1 / math.sqrt(in_features))) if bias else None  # noqa: F821


ManualLinear.__init__ = _kaiming_init  # noqa: F821
