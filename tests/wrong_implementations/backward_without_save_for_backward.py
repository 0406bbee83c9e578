"""LinearFunction keeps its inputs as ctx attributes instead of ctx.save_for_backward."""
TARGET, MUST_MENTION = "backward.py", "ctx.save_for_backward"
MISCONCEPTION = "not_saved_for_backward"  # what the grader must recognise (linear_checks/misconceptions.py)


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.x, ctx.weight, ctx.has_bias = x, weight, bias is not None
        return manual_linear(x, weight, bias)

    @staticmethod
    def backward(ctx, grad_out):
        return linear_backward(grad_out, ctx.x, ctx.weight, bias=ctx.has_bias)
