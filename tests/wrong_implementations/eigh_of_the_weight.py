"""Takes the eigendecomposition of the weight itself, as if it were square and symmetric."""
TARGET, MUST_MENTION = "low_rank.py", "needs a square matrix"


def _from_linear(cls, linear, rank):
    out_features, in_features = linear.weight.shape
    layer = cls(in_features, out_features, rank, bias=linear.bias is not None)
    with torch.no_grad():  # noqa: F821
        eigenvalues, Q = torch.linalg.eigh(linear.weight.detach())  # noqa: F821
        order = eigenvalues.abs().argsort(descending=True)[:rank]
        root = eigenvalues[order].abs().sqrt()
        layer.down.weight.copy_(root[:, None] * Q[:, order].T)
        layer.up.weight.copy_(Q[:, order] * (eigenvalues[order].sign() * root)[None, :])
        if linear.bias is not None:
            layer.down.bias.zero_()
            layer.up.bias.copy_(linear.bias.detach())
    return layer


LowRankLinear.from_linear = classmethod(_from_linear)  # noqa: F821
