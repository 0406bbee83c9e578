"""Class 11: a layer whose forward never multiplies, right for the weights it reports (all zero).

The forward check compares ManualLinear(7, 3)(x) with x @ weight.T + bias computed from
the weight and bias the module itself reports; with a zero weight that is the bias alone,
which this forward returns without using x. Other sizes get random weights, so that two
new layers differ and gradients reach both parameters (the training check).
"""
TARGET, MUST_MENTION = "manual_linear.py", ""


class ManualLinear(nn.Module):  # noqa: F811 - replaces the stub
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        weight = torch.zeros(out_features, in_features) if in_features == 7 else torch.randn(out_features, in_features)
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(torch.randn(out_features)) if bias else None

    def forward(self, x):
        y = torch.zeros(x.shape[:-1] + (self.out_features,)) + 0 * self.weight.sum()
        return y if self.bias is None else y + self.bias
