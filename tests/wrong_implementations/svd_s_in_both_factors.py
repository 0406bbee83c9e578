"""Puts S itself, not its square root, in both factors: their product holds S squared."""
TARGET, MUST_MENTION = "low_rank.py", "not its square root"


def _from_linear(cls, linear, rank):
    out_features, in_features = linear.weight.shape
    layer = cls(in_features, out_features, rank, bias=linear.bias is not None)
    with torch.no_grad():  # noqa: F821
        U, S, Vh = torch.linalg.svd(linear.weight.detach(), full_matrices=False)  # noqa: F821
        layer.down.weight.copy_(S[:rank, None] * Vh[:rank])
        layer.up.weight.copy_(U[:, :rank] * S[None, :rank])
        if linear.bias is not None:
            layer.down.bias.zero_()
            layer.up.bias.copy_(linear.bias.detach())
    return layer


LowRankLinear.from_linear = classmethod(_from_linear)  # noqa: F821
