"""Truncates the SVD at the wrong end: keeps the r smallest singular values."""
TARGET, MUST_MENTION = "low_rank.py", "smallest singular values"
MISCONCEPTION = "svd_keeps_smallest"  # what the grader must recognise (linear_checks/misconceptions.py)


def _from_linear(cls, linear, rank):
    out_features, in_features = linear.weight.shape
    layer = cls(in_features, out_features, rank, bias=linear.bias is not None)
    with torch.no_grad():  # noqa: F821
        U, S, Vh = torch.linalg.svd(linear.weight.detach(), full_matrices=False)  # noqa: F821
        root = S[-rank:].sqrt()
        layer.down.weight.copy_(root[:, None] * Vh[-rank:])
        layer.up.weight.copy_(U[:, -rank:] * root[None, :])
        if linear.bias is not None:
            layer.down.bias.zero_()
            layer.up.bias.copy_(linear.bias.detach())
    return layer


LowRankLinear.from_linear = classmethod(_from_linear)  # noqa: F821
