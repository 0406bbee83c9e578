"""The forward builds the full (out, in) weight and multiplies by it: right values, none of the saving."""
TARGET, MUST_MENTION = "low_rank.py", "builds the full (out_features, in_features) weight"


def _forward(self, x):
    y = x @ self.full_weight().T
    bias = self.full_bias()
    return y if bias is None else y + bias


LowRankLinear.forward = _forward  # noqa: F821
