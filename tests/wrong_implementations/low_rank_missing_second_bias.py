"""The second map (rank -> out) has no bias: 128,064 parameters instead of 129,064."""
TARGET, MUST_MENTION = "low_rank.py", "second map"
MISCONCEPTION = "low_rank_second_bias_missing"  # what the grader must recognise (linear_checks/misconceptions.py)


def _init(self, in_features, out_features, rank, bias=True):
    nn.Module.__init__(self)  # noqa: F821
    self.in_features, self.out_features, self.rank = in_features, out_features, rank
    self.down = nn.Linear(in_features, rank, bias=bias)  # noqa: F821
    self.up = nn.Linear(rank, out_features, bias=False)  # noqa: F821


LowRankLinear.__init__ = _init  # noqa: F821
