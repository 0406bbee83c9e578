"""Exercise 6 (challenge): the backward pass of a linear layer, written by hand.

The forward pass computes Y = X @ W.T + b for X of shape (*, in_features) and
W of shape (out_features, in_features). In the backward pass autograd hands you
grad_out = dL/dY, which has Y's shape (*, out_features), and asks for the gradients of
the loss L with respect to X, W and b. Treat every leading dimension as one batch of
B rows (B = the product of the leading sizes): X is then (B, n) and grad_out is (B, m).

    grad_x      = grad_out @ W      (B, m) @ (m, n) -> (B, n), back to x's shape (*, n)
    grad_weight = grad_out.T @ X    (m, B) @ (B, n) -> (m, n), the weight's own shape
    grad_bias   = grad_out summed over every leading dimension -> (m,)

Each gradient has the shape of the tensor it belongs to: a quick check of any formula.

Rules of the exercise: compute the gradients with tensor operations (@, .T, sum,
reshape). Do not ask autograd for them (torch.autograd.grad, .backward(), torch.func):
the grader reads this file for such calls. As in Exercise 1, import only torch, numpy,
math and typing, and write out every name you use (no getattr with a computed name,
inspect or eval).

LinearFunction joins the two halves into a torch.autograd.Function: its forward is your
manual_linear from Exercise 1, its backward is linear_backward. (When the grader checks
this exercise it puts PyTorch's own F.linear in manual_linear's place, so that this
exercise is graded on its own.)
"""

from __future__ import annotations

import torch

from .manual_linear import manual_linear


def linear_backward(
    grad_out: torch.Tensor, x: torch.Tensor, weight: torch.Tensor, bias: bool = True
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """The gradients of a linear layer y = x @ weight.T + b, given grad_out = dL/dy.

    Inputs:
        grad_out: (*, out_features), the gradient of the loss with respect to the output.
        x: (*, in_features), the input the forward pass saw (same leading dimensions).
        weight: (out_features, in_features), PyTorch's layout.
        bias: whether the layer has a bias (True: return its gradient; False: None).
    Returns:
        (grad_x, grad_weight, grad_bias) with the shapes of x, weight and (out_features,);
        grad_bias is None when bias is False.
    Raises:
        ValueError naming the shapes involved when weight is not 2-D, when the last
        dimension of x is not in_features, or when grad_out is not (*x's leading, out_features).
    """
    ### BEGIN SOLUTION
    if weight.dim() != 2:
        raise ValueError(
            f"weight must be 2-D (out_features, in_features), got shape {tuple(weight.shape)}"
        )
    out_features, in_features = weight.shape
    if x.dim() == 0 or x.shape[-1] != in_features:
        raise ValueError(
            f"input of shape {tuple(x.shape)} does not fit weight of shape "
            f"{tuple(weight.shape)}: expected the input's last dimension to be "
            f"in_features = {in_features}"
        )
    expected = (*x.shape[:-1], out_features)
    if tuple(grad_out.shape) != expected:
        raise ValueError(
            f"grad_out of shape {tuple(grad_out.shape)} does not fit input of shape "
            f"{tuple(x.shape)} and weight of shape {tuple(weight.shape)}: expected "
            f"{expected}, the shape of the layer's output"
        )
    batch = x.shape[:-1].numel()  # B = product of the leading dims (1 for a 1-D x)
    # Rows with B given, not -1: with in_features or out_features 0, -1 cannot be worked out.
    rows = x.reshape(batch, in_features)  # (B, n)
    grad_rows = grad_out.reshape(batch, out_features)  # (B, m)
    grad_x = (grad_rows @ weight).reshape(x.shape)  # (B, m) @ (m, n), back to (*, n)
    grad_weight = grad_rows.T @ rows  # (m, B) @ (B, n) = (m, n): a sum over all B rows
    grad_bias = grad_rows.sum(dim=0) if bias else None  # (m,): every leading dim summed
    return grad_x, grad_weight, grad_bias
    ### END SOLUTION


class LinearFunction(torch.autograd.Function):
    """y = manual_linear(x, weight, bias) with the backward pass of linear_backward.

    Use it as LinearFunction.apply(x, weight, bias), or apply(x, weight, None) without a
    bias: the gradients that reach x, weight and bias equal those through nn.Linear.
    forward(ctx, x, weight, bias) keeps x and weight with ctx.save_for_backward (autograd
    then notices if they are changed in place before backward), and remembers whether
    there is a bias. backward(ctx, grad_out) reads them back from ctx.saved_tensors and
    returns one gradient per input of forward: (grad_x, grad_weight, grad_bias), with
    grad_bias None when there is no bias.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        ### BEGIN SOLUTION
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        return manual_linear(x, weight, bias)
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        ### BEGIN SOLUTION
        x, weight = ctx.saved_tensors
        return linear_backward(grad_out, x, weight, bias=ctx.has_bias)
        ### END SOLUTION
