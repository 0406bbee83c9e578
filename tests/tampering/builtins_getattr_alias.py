"""Class 9: autograd reached through getattr kept under another name (fetch = getattr), with names computed."""
TARGET, MUST_MENTION = "backward.py", "reads your file"
import torch as _torch  # noqa: E402

fetch = getattr
_grad = fetch(fetch(_torch, "auto" + "grad"), "gr" + "ad")


def linear_backward(grad_out, x, weight, bias=True):
    x, weight = x.detach().requires_grad_(), weight.detach().requires_grad_()
    b = _torch.zeros(weight.shape[0], requires_grad=True)
    y = x @ weight.T + b
    gx, gw, gb = _grad(y, (x, weight, b), grad_out)
    return gx, gw, (gb if bias else None)
