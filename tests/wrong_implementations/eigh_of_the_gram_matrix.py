"""Finds the singular vectors from the eigendecomposition of W.T @ W, then U = W V / S: squares the condition number."""
TARGET, MUST_MENTION = "low_rank.py", "squares the condition number"


def _from_linear(cls, linear, rank):
    out_features, in_features = linear.weight.shape
    layer = cls(in_features, out_features, rank, bias=linear.bias is not None)
    with torch.no_grad():  # noqa: F821
        W = linear.weight.detach()
        eigenvalues, V = torch.linalg.eigh(W.T @ W)  # noqa: F821 (increasing order)
        S = eigenvalues.flip(0)[:rank].sqrt()
        V = V.flip(1)[:, :rank]
        U = (W @ V) / S
        root = S.sqrt()
        layer.down.weight.copy_(root[:, None] * V.T)
        layer.up.weight.copy_(U * root[None, :])
        if linear.bias is not None:
            layer.down.bias.zero_()
            layer.up.bias.copy_(linear.bias.detach())
    return layer


LowRankLinear.from_linear = classmethod(_from_linear)  # noqa: F821
