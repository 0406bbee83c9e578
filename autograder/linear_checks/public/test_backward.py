"""Exercise 6: linear_backward and LinearFunction, checked against autograd through F.linear.

The references are autograd's own gradients, computed here on the grader's side. The
student's backward.py imports manual_linear (Exercise 1); in these checks it gets
PyTorch's F.linear under that name instead (SUPPORT_FILES), so that a mistake in
Exercise 1 does not cost points here as well. The rule "no autograd inside" is read
from the file itself (gate, source_rules.autograd_routes).
"""

import pytest
import torch
import torch.nn.functional as F

from linear_checks.source_rules import autograd_routes
from linear_checks.student import backward
from linear_checks.verdicts import Known, call, expect_raises, expect_tensor_close, fail, quote, shape
from linear_checks.wire import Raised

# The grader's stand-in for linear_exercises/manual_linear.py in this exercise's runs.
SUPPORT_FILES = {"manual_linear.py": b'"""Put here by the grader: exercise 6 is graded with PyTorch\'s forward."""\n'
                                     b"from torch.nn.functional import linear as manual_linear\n"}

CALL_HINT = ("with x and grad_out reshaped to rows (B, features): grad_x = grad_out @ weight, "
             "grad_weight = grad_out.T @ x, grad_bias = grad_out summed over the rows.")
X_HINT = "grad_x = grad_out @ weight: (*, out_features) @ (out_features, in_features) gives x's shape."
W_HINT = ("grad_weight = grad_out.T @ x, with both reshaped to rows (B, features) first: "
          "(out_features, B) @ (B, in_features) gives the weight's shape.")
B_HINT = "grad_bias is grad_out summed over every leading dimension: (*, out_features) -> (out_features,)."
SAVE_HINT = ("keep x and weight with ctx.save_for_backward(x, weight) in forward and read them back from "
             "ctx.saved_tensors in backward; a tensor stored as ctx.x = x is not watched by autograd.")


def reference(x, weight, bias, upstream):
    """autograd's gradients of sum(F.linear(x, weight, bias) * upstream): (grad_x, grad_weight, grad_bias)."""
    x = x.detach().clone().requires_grad_()
    weight = weight.detach().clone().requires_grad_()
    bias = None if bias is None else bias.detach().clone().requires_grad_()
    (F.linear(x, weight, bias) * upstream).sum().backward()
    return x.grad, weight.grad, None if bias is None else bias.grad


def ask(student, grad_out, x, weight, bias=True, hint=CALL_HINT):
    """The student's linear_backward(grad_out, x, weight, bias), checked to be three values (hint: for a crash)."""
    what = f"linear_backward(grad_out {shape(grad_out)}, x {shape(x)}, weight {shape(weight)}, bias={bias})"
    answer = call(student.linear_backward, grad_out, x, weight, bias=bias, what=what, hint=hint)
    if not isinstance(answer, list) or len(answer) != 3:
        got = f"{len(answer)} values" if isinstance(answer, list) else f"a {type(answer).__name__}"
        fail(f"{what}: expected a tuple of three, (grad_x, grad_weight, grad_bias), got {got}. "
             "Hint: return grad_x, grad_weight, grad_bias (grad_bias None without a bias).")
    return answer


def shape_mistakes(x, weight):
    """Shapes that known mistakes give, for each gradient: {name: {shape: (what gives it, misconception or "")}}."""
    leading, (m, n) = tuple(x.shape[:-1]), tuple(weight.shape)
    out = {"grad_x": {}, "grad_weight": {}, "grad_bias": {}}
    if m != n:
        out["grad_weight"][(n, m)] = ("x.T @ grad_out (the weight gradient transposed)", "grad_weight_transposed")
    for k in range(1, len(leading) + 1):  # a product per leading index, never summed
        out["grad_weight"].setdefault(leading[:k] + (m, n), ("one product per leading index, not summed over them", ""))
    if len(leading) >= 2:
        out["grad_bias"][leading[1:] + (m,)] = ("grad_out.sum(0) (summed over the first dimension only)",
                                                "grad_bias_first_dim_only")
    if leading:
        out["grad_bias"].setdefault(leading + (m,), ("grad_out itself (not summed at all)", ""))
    return out


def value_mistakes(grad_out, x, weight):
    """Values that known mistakes give (those of the right shape only matter)."""
    batch = x.shape[:-1].numel()  # not -1: a layer with a size 0 leaves it undetermined
    rows, grad_rows = x.reshape(batch, x.shape[-1]), grad_out.reshape(batch, weight.shape[0])
    count = max(rows.shape[0], 1)
    out = {"grad_x": {}, "grad_weight": {}, "grad_bias": {}}
    if weight.shape[0] == weight.shape[1]:
        out["grad_x"]["grad_out @ weight.T (the weight transposed)"] = Known(
            (grad_rows @ weight.T).reshape(x.shape), misconception="grad_x_weight_transposed")
        out["grad_weight"]["x.T @ grad_out (the weight gradient transposed)"] = Known(
            rows.T @ grad_rows, misconception="grad_weight_transposed")
    if count > 1:
        out["grad_weight"]["the average over the rows instead of their sum"] = grad_rows.T @ rows / count
        out["grad_bias"]["the average over the rows instead of their sum"] = grad_rows.mean(0)
    return out


def expect_gradients(answer, grad_out, x, weight, bias, atol=1e-5):
    """Compare the three gradients with autograd's; a failure names a known mistake when it matches one."""
    want = reference(x, weight, bias, grad_out)
    shapes, values = shape_mistakes(x, weight), value_mistakes(grad_out, x, weight)
    where = f"for x {shape(x)} and weight {shape(weight)}"
    for name, got, expected, hint in zip(("grad_x", "grad_weight", "grad_bias"), answer, want,
                                         (X_HINT, W_HINT, B_HINT)):
        if expected is None:
            if got is not None:
                fail(f"{name} without a bias: expected None, got {shape(got)}. "
                     "Hint: with bias=False there is no bias to differentiate: return None in its place.")
            continue
        if isinstance(got, torch.Tensor) and tuple(got.shape) != tuple(expected.shape):
            mistake, misconception = shapes[name].get(tuple(got.shape), ("", ""))
            if mistake:
                fail(f"{name} {where}: expected shape {shape(expected)}, got {shape(got)}, "
                     f"which is the shape of {mistake}. Hint: {hint}", misconception)
        expect_tensor_close(got, expected, f"{name} {where}", hint, atol=atol, rtol=1e-4 if atol >= 1e-6 else 1e-7,
                            diagnoses=values[name])


def test_batch_gradients_match_autograd(student):
    """linear_backward on a (5, 7) batch with a (3, 7) weight gives autograd's three gradients."""
    x, weight, grad_out = torch.randn(5, 7), torch.randn(3, 7), torch.randn(5, 3)
    expect_gradients(ask(student, grad_out, x, weight), grad_out, x, weight, torch.randn(3))


def test_square_weight_is_not_transposed(student):
    """With a square 4x4 weight a transposed product still runs: the values must match autograd."""
    x, weight, grad_out = torch.randn(6, 4), torch.randn(4, 4), torch.randn(6, 4)
    expect_gradients(ask(student, grad_out, x, weight), grad_out, x, weight, torch.randn(4))


@pytest.mark.parametrize("case", [(), (2, 3), (2, 3, 4)], ids=["1-D", "3-D", "4-D"])
def test_any_leading_dimensions(student, case):
    """Inputs of shape (*, in_features): every leading dimension is summed over in grad_weight and grad_bias."""
    x, weight = torch.randn(*case, 5), torch.randn(3, 5)
    grad_out = torch.randn(*case, 3)
    expect_gradients(ask(student, grad_out, x, weight), grad_out, x, weight, torch.randn(3))


def test_without_bias(student):
    """bias=False: grad_x and grad_weight as before, grad_bias None."""
    x, weight, grad_out = torch.randn(2, 3, 6), torch.randn(4, 6), torch.randn(2, 3, 4)
    expect_gradients(ask(student, grad_out, x, weight, bias=False), grad_out, x, weight, None)


def function_gradients(student, x, weight, bias, upstream, change_in_place=None):
    """LinearFunction.apply(x, weight, bias) and backward() in the sandbox: the answer of student.backward."""
    args = [x.detach().clone().requires_grad_(), weight.detach().clone().requires_grad_()]
    args.append(None if bias is None else bias.detach().clone().requires_grad_())
    what = f"LinearFunction.apply(x {shape(x)}, weight {shape(weight)}, {'bias' if bias is not None else 'None'})"
    answer = call(backward, student.LinearFunction.apply, *args, upstream=upstream, change_in_place=change_in_place,
                  what=f"{what} followed by backward()", hint=CALL_HINT)
    y = answer["output"]
    if not isinstance(y, torch.Tensor) or not answer["connected"]:
        fail(f"{what} is not connected to autograd: expected a tensor with requires_grad=True. "
             "Hint: call it as LinearFunction.apply(...), never LinearFunction.forward(...).")
    expect_tensor_close(y, F.linear(x, weight, bias), f"{what}, the output",
                        "forward returns manual_linear(x, weight, bias).")
    if answer.get("grad_fn") != "LinearFunctionBackward":
        fail(f"{what}: expected autograd to run LinearFunction's backward (grad_fn LinearFunctionBackward), "
             f"got grad_fn {quote_name(answer.get('grad_fn'))}. Hint: LinearFunction subclasses "
             "torch.autograd.Function; forward returns manual_linear(...) and backward returns linear_backward(...).")
    return answer


def quote_name(name) -> str:
    return repr(str(name)[:60]) if name is not None else "None"


def expect_function_gradients(answer, x, weight, bias, upstream):
    want = reference(x, weight, bias, upstream)
    for name, got, expected in zip(("x", "weight", "bias"), answer["grads"], want):
        if expected is None:
            continue
        if got is None:
            fail(f"no gradient reached {name} through LinearFunction: expected one of shape {shape(expected)}. "
                 "Hint: backward returns one gradient per input of forward: (grad_x, grad_weight, grad_bias).")
        expect_tensor_close(got, expected, f"gradient of {name} through LinearFunction",
                            "backward returns linear_backward(grad_out, x, weight, bias=...)")


def test_linear_function_matches_nn_linear(student):
    """LinearFunction.apply(x, weight, bias) then backward() gives nn.Linear's output and gradients."""
    x, weight, bias, upstream = torch.randn(2, 4, 5), torch.randn(3, 5), torch.randn(3), torch.randn(2, 4, 3)
    expect_function_gradients(function_gradients(student, x, weight, bias, upstream), x, weight, bias, upstream)


def test_linear_function_without_bias(student):
    """LinearFunction.apply(x, weight, None) works: gradients for x and weight, none for the missing bias."""
    x, weight, upstream = torch.randn(6, 5), torch.randn(2, 5), torch.randn(6, 2)
    expect_function_gradients(function_gradients(student, x, weight, None, upstream), x, weight, None, upstream)


@pytest.mark.parametrize("case", [0, 1], ids=["x changed", "weight changed"])
def test_saves_tensors_with_save_for_backward(student, case):
    """x and weight are kept with ctx.save_for_backward: changing one in place before backward makes autograd raise."""
    name = ("x", "weight")[case]
    x, weight, bias, upstream = torch.randn(3, 5), torch.randn(4, 5), torch.randn(4), torch.randn(3, 4)
    expect_function_gradients(function_gradients(student, x, weight, bias, upstream), x, weight, bias, upstream)
    what = f"LinearFunction.apply(x, weight, bias), then {name} changed in place, then backward()"
    args = [x.clone().requires_grad_(), weight.clone().requires_grad_(), bias.clone().requires_grad_()]
    try:
        backward(student.LinearFunction.apply, *args, upstream=upstream, change_in_place=case)
    except Raised as exc:
        if exc.not_implemented:
            raise
        if exc.type_name == "RuntimeError" and "modified by an inplace operation" in exc.message:
            return
        fail(f"{what}: expected autograd's error «one of the variables needed for gradient computation has been "
             f"modified by an inplace operation», got {exc.type_name}: {quote(exc.message)}. Hint: {SAVE_HINT}")
    fail(f"{what}: expected autograd's error «one of the variables needed for gradient computation has been "
         f"modified by an inplace operation», but backward ran with the changed {name}: it was not saved "
         f"with ctx.save_for_backward. Hint: {SAVE_HINT}", "not_saved_for_backward")


LOOP_HINT = ("compute each gradient as one matrix product over all the rows at once (grad_out.T @ x), not a Python "
             "loop over the rows: every pass of a loop costs microseconds of Python, and there are thousands.")


# The grader's own linear_backward, which the speed check times in a clean run beside the student's (speed.py).
REFERENCE = {"backward.py": b"""def linear_backward(grad_out, x, weight, bias=True):
    rows_out, rows_in = grad_out.reshape(-1, weight.shape[0]), x.reshape(-1, weight.shape[1])
    return grad_out @ weight, rows_out.T @ rows_in, rows_out.sum(0) if bias else None
"""}


def test_as_fast_as_the_matrix_products(student, speed):
    """linear_backward on 8,192 rows costs about what two matrix products cost, not what a loop over the rows costs."""
    rows, n_in, n_out = 8192, 2, 2  # few features: little to send, and a loop pays its Python cost once per row
    weight = torch.randn(n_out, n_in)
    cases = [(torch.randn(rows, n_out) / rows ** 0.5, torch.randn(rows, n_in), weight) for _ in range(5)]
    what = f"linear_backward(grad_out ({rows}, {n_out}), x ({rows}, {n_in}), weight ({n_out}, {n_in}))"

    def verify(answer, i):
        grad_out, x, _ = cases[i]
        if not isinstance(answer, list) or len(answer) != 3:
            fail(f"{what}: expected a tuple of three, (grad_x, grad_weight, grad_bias).")
        expect_gradients(answer, grad_out, x, weight, torch.zeros(n_out), atol=1e-4)

    verify(ask(student, *cases[0]), 0)
    speed.compare(lambda module: module.linear_backward, cases, verify, REFERENCE, what=what,
                  than="the grader's own, two matrix products and a sum", limit=6, hint=LOOP_HINT)


def _names_shape(message, dims):
    dims = [str(d) for d in dims]
    forms = ["(" + ", ".join(dims) + ")", "[" + ", ".join(dims) + "]", "x".join(dims)]
    return any(form in message for form in forms)


def test_shape_mismatch_raises_value_error_naming_shapes(student):
    """Shapes that do not fit raise ValueError naming them (after a call that fits works)."""
    x, weight, grad_out = torch.randn(4, 5), torch.randn(3, 5), torch.randn(4, 3)
    expect_gradients(ask(student, grad_out, x, weight), grad_out, x, weight, torch.randn(3))  # raising always must not pass
    raised = expect_raises(student.linear_backward, torch.randn(4, 2), x, weight, error="ValueError",
                           what="linear_backward with grad_out (4, 2), x (4, 5) and weight (3, 5)",
                           hint="check that grad_out has the output's shape (*x.shape[:-1], out_features) = (4, 3).")
    if not _names_shape(raised.message, (4, 2)):
        fail("the ValueError for grad_out (4, 2) should name that shape and what was expected, (4, 3). "
             "Hint: put grad_out.shape in its message.")
    raised = expect_raises(student.linear_backward, torch.randn(4, 3), torch.randn(4, 6), weight, error="ValueError",
                           what="linear_backward with grad_out (4, 3), x (4, 6) and weight (3, 5)",
                           hint="check x.shape[-1] == weight.shape[1] before multiplying.")
    if not (_names_shape(raised.message, (4, 6)) and _names_shape(raised.message, (3, 5))):
        fail("the ValueError for x (4, 6) and weight (3, 5) should name both shapes. "
             "Hint: put x.shape and weight.shape in its message.")


def gate(source):
    """Exercise 6 gets no points when its file asks autograd for the gradients: why, or ""."""
    routes = autograd_routes(source, "backward.py")
    if not routes:
        return ""
    return ("backward.py asks autograd for gradients, or hides which function it calls ("
            + "; ".join(routes[:3]) + "): expected linear_backward to compute them with tensor operations "
            "such as @, .T and sum, so this exercise gets no points. Hint: grad_x = grad_out @ weight, "
            "grad_weight = grad_out.T @ x, grad_bias = grad_out summed over the rows; no .backward() or "
            "torch.autograd.grad. (This rule reads your file; it cannot see what other packages do for you.)")
