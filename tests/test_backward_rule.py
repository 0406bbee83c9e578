"""Exercise 6's rule, read from the file: linear_backward computes gradients itself, never through autograd."""

from __future__ import annotations

import pytest

from conftest import REPO, SOLUTIONS, copy_solutions
from linear_checks.public.test_backward import gate
from linear_checks.source_rules import autograd_routes

REFUSED = {
    "torch.autograd.grad": "g = torch.autograd.grad((x @ w.T).sum(), w)",
    "autograd.grad after from torch import autograd": "from torch import autograd\ng = autograd.grad(y, w)",
    "grad imported from torch.autograd": "from torch.autograd import grad",
    "y.backward()": "y.sum().backward()",
    "torch.autograd.backward": "torch.autograd.backward(y, grad_out)",
    "a .backward kept for later": "step = y.backward\nstep()",
    "torch.autograd.functional.vjp": "torch.autograd.functional.vjp(f, x, v)",
    "vjp imported from torch.autograd.functional": "from torch.autograd.functional import vjp",
    "torch.func.vjp": "out, pull = torch.func.vjp(f, x)",
    "grad imported from torch.func": "from torch.func import grad",
    "functorch": "import functorch",
    "getattr with autograd's name": "g = getattr(torch.autograd, 'grad')",
    "getattr with a computed name": "g = getattr(torch.autograd, 'gr' + 'ad')",
    "eval": "eval('y.backward()')",
    "the engine": "torch.autograd.Variable._execution_engine.run_backward(y, g)",
    "torch._C": "torch._C._functions",
    "importlib": "import importlib",
}
ALLOWED = {
    "tensor operations": "gx = grad_out @ weight\ngw = grad_out.reshape(-1, 3).T @ x.reshape(-1, 4)\ngb = grad_out.sum(0)",
    "an autograd.Function with save_for_backward": (
        "class F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x, w):\n"
        "        ctx.save_for_backward(x, w)\n        return x @ w.T\n    @staticmethod\n"
        "    def backward(ctx, g):\n        x, w = ctx.saved_tensors\n        return g @ w, g.T @ x\n"),
    "from torch.autograd import Function": "from torch.autograd import Function",
    "torch.nn.functional": "import torch.nn.functional as F\nfrom torch.nn import functional",
    "no_grad and gradcheck": "with torch.no_grad():\n    pass\nok = torch.autograd.gradcheck(f, (x,))",
    "a variable named grad": "grad = grad_out.sum(0)\nx.grad",
    "getattr with a plain name": "has = getattr(ctx, 'has_bias')",
}


@pytest.mark.parametrize("source", REFUSED.values(), ids=REFUSED.keys())
def test_refused(source):
    routes = autograd_routes(source, "backward.py")
    assert routes and routes[0].startswith("line "), routes
    assert gate(source).startswith("backward.py asks autograd for gradients")


@pytest.mark.parametrize("source", ALLOWED.values(), ids=ALLOWED.keys())
def test_allowed(source):
    assert autograd_routes(source, "backward.py") == []


def test_reference_and_stub_pass_the_rule():
    assert gate((SOLUTIONS / "linear_exercises" / "backward.py").read_text()) == ""
    assert gate((REPO / "linear_exercises" / "backward.py").read_text()) == ""


def test_autograd_in_linear_backward_gets_no_points(grade_package, tmp_path):
    """An answer that is right, but computed by autograd, is refused with the line that does it."""
    root = copy_solutions(tmp_path)
    module = root / "linear_exercises" / "backward.py"
    module.write_text(module.read_text() + '''

def linear_backward(grad_out, x, weight, bias=True):
    x, weight = x.detach().requires_grad_(), weight.detach().requires_grad_()
    b = torch.zeros(weight.shape[0], requires_grad=True)
    with torch.enable_grad():
        (manual_linear(x, weight, b) * grad_out).sum().backward()
    return x.grad, weight.grad, b.grad if bias else None
''')
    result = grade_package(root, ["backward"])[0]
    assert result.score == 0 and "backward.py asks autograd for gradients" in result.error, result.error
    assert ".backward" in result.error and "Hint: grad_x = grad_out @ weight" in result.error
