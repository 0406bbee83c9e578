"""Class 11: a low-rank layer that returns zeros, right for the maps it reports (all zero).

The structure check computes up(down(x)) from the student's own down and up weights and
biases, the full-map check compares forward with x @ full_weight().T + full_bias() from the
student's own answers, and the rank-one check asks only for the output's shape and for
gradients that are not None: with every map zero, zeros (times the parameters, to stay
connected) pass all three without any product. An extra parameter spoils the count, so
that nothing honest earns a point here.
"""
TARGET, MUST_MENTION = "low_rank.py", ""


class LowRankLinear(nn.Module):  # noqa: F811 - replaces the stub
    def __init__(self, in_features, out_features, rank, bias=True):
        super().__init__()
        self.in_features, self.out_features, self.rank = in_features, out_features, rank
        self.down, self.up = nn.Linear(in_features, rank, bias=bias), nn.Linear(rank, out_features, bias=bias)
        self.spare = nn.Parameter(torch.zeros(1))
        with torch.no_grad():
            for p in self.parameters():
                p.zero_()

    def forward(self, x):
        return torch.zeros(x.shape[:-1] + (self.out_features,)) + 0 * sum(p.sum() for p in self.parameters())

    def full_weight(self):
        return torch.zeros(self.out_features, self.in_features)

    def full_bias(self):
        return torch.zeros(self.out_features)
