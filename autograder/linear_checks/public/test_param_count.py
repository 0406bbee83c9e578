"""Exercise 2: linear_param_count and count_parameters.

The networks handed to count_parameters are built in the sandbox (student.make), so
the student's function gets genuine torch.nn modules; the counts it answers are
compared here with numbers worked out from the sizes.

Each check asks its question twice: for the sizes the lessons use (the numbers a student
can check by hand) and for sizes drawn from the check's generator (student.draw): at
class grading that generator is seeded per student, so a table of the answers seen at
home answers nothing there (tests/test_answer_table.py).
"""

import pytest

from linear_checks.student import draw, make, spec
from linear_checks.verdicts import call, expect_equal, expect_raises

FORMULA = "a Linear(n, m) holds m*n weights plus m biases: m*(n + 1)."

LAYERS = [(784, 256, True), (256, 128, True), (128, 10, True), (1000, 1000, True), (784, 256, False), (3, 5, True)]


def expect_linear_count(student, n_in: int, n_out: int, bias: bool) -> None:
    """linear_param_count(n_in, n_out, bias) must be the count, with the known mistakes named."""
    expected = n_out * n_in + (n_out if bias else 0)
    got = call(student.linear_param_count, n_in, n_out, bias=bias,
               what=f"linear_param_count({n_in}, {n_out}, bias={bias})")
    hint, mistake = FORMULA, ""
    if type(got) not in (int, float) or not (n_in and n_out):  # what came back, or an empty layer, where
        pass  # the mistakes give the same count: expect_equal says what came back and the formula
    elif got == expected - n_out and bias:
        hint, mistake = "you left out the bias: with bias=True add out_features.", "count_without_bias"
    elif got == expected + n_out and not bias:
        hint = "with bias=False there is no bias to count."
    elif got in (n_out * (n_in + 1) + 1, n_out * n_in + n_in):
        hint = "an off-by-one or in/out mix-up: the bias has out_features entries. " + FORMULA
        mistake = "count_off_by_one"
    expect_equal(got, expected, f"linear_param_count({n_in}, {n_out}, bias={bias})", hint, mistake)


@pytest.mark.parametrize("case", LAYERS,
                         ids=[f"Linear({n}, {m}{'' if bias else ', bias=False'})" for n, m, bias in LAYERS])
def test_linear_param_count(student, case):
    """linear_param_count(n, m, bias) = m*n (+ m with bias), for this layer and one of drawn size near it."""
    n_in, n_out, bias = case
    expect_linear_count(student, n_in, n_out, bias)
    expect_linear_count(student, n_in + draw(1, 99), n_out + draw(1, 99), bias)


def _mlp(student, *sizes, frozen_first=False):
    """Linear layers of these sizes with ReLUs between them, built in the sandbox."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        if layers:
            layers.append(spec("ReLU"))
        layers.append(spec("Linear", n_in, n_out, frozen=frozen_first and i == 0))
    return make(student, spec("Sequential", *layers))


def _mlp_count(sizes) -> tuple[int, int]:
    """(all parameters, biases alone) of _mlp(*sizes)."""
    return sum(a * b + b for a, b in zip(sizes, sizes[1:])), sum(sizes[1:])


def _expect_network_count(student, sizes) -> None:
    total, biases = _mlp_count(sizes)
    what = " -> ".join(map(str, sizes))
    got = call(student.count_parameters, _mlp(student, *sizes), what=f"count_parameters([{what}])")
    hint, mistake = "sum p.numel() over model.parameters().", ""
    if type(got) in (int, float) and got == total - biases:
        hint, mistake = f"the biases ({biases:,} of them) are parameters too.", "count_without_bias"
    expect_equal(got, total, f"count_parameters of the {what} network", hint, mistake)


def test_count_parameters_of_a_network(student):
    """[100 -> 50 -> 25 -> 10] with ReLUs has 5,050 + 1,275 + 260 = 6,585 parameters; so does a drawn network."""
    _expect_network_count(student, (100, 50, 25, 10))
    _expect_network_count(student, (draw(20, 200), draw(10, 100), draw(5, 50), draw(2, 20)))


def test_count_parameters_mnist_mlp(student):
    """784 -> 256 -> 128 -> 10 has 235,146 parameters; a 784 -> h1 -> h2 -> 10 of drawn widths is counted too."""
    _expect_network_count(student, (784, 256, 128, 10))
    _expect_network_count(student, (784, draw(100, 400), draw(50, 200), 10))


def test_trainable_only(student):
    """Frozen parameters (requires_grad=False) are left out unless trainable_only=False."""
    for sizes in ((10, 20, 3), (draw(5, 30), draw(5, 30), draw(2, 9))):
        model = _mlp(student, *sizes, frozen_first=True)
        total, _ = _mlp_count(sizes)
        frozen = sizes[0] * sizes[1] + sizes[1]
        expect_equal(call(student.count_parameters, model, what="count_parameters(model)"), total - frozen,
                     f"count_parameters of {' -> '.join(map(str, sizes))} with the first layer frozen (trainable only)",
                     f"skip parameters whose requires_grad is False; {total - frozen} remain.")
        expect_equal(call(student.count_parameters, model, trainable_only=False,
                          what="count_parameters(model, trainable_only=False)"),
                     total, "count_parameters(model, trainable_only=False)",
                     f"count every parameter: {frozen} + {total - frozen} = {total}.")


def test_buffers_and_shared_weights(student):
    """BatchNorm's running statistics are buffers, not parameters; a shared layer counts once."""
    for width in (16, draw(4, 40)):
        model = make(student, spec("Sequential", spec("Linear", 8, width), spec("BatchNorm1d", width)))
        got = call(student.count_parameters, model, what="count_parameters")
        params = 8 * width + width + 2 * width
        # running_mean and running_var, and num_batches_tracked: all buffers, or the floating-point ones
        with_buffers = (params + 2 * width + 1, params + 2 * width)
        counted_buffers = type(got) in (int, float) and got in with_buffers
        expect_equal(got, params, f"count_parameters of Linear(8, {width}) + BatchNorm1d({width})",
                     f"BatchNorm1d({width}) has {2 * width} parameters (weight, bias); running_mean, running_var and "
                     "num_batches_tracked are buffers, which state_dict() and model.buffers() hold too: count "
                     "model.parameters() only." if counted_buffers else "sum p.numel() over model.parameters().",
                     "buffers_counted" if counted_buffers else "")
    for k in (5, draw(2, 12)):
        shared = make(student, spec("Linear", k, k))
        tied = make(student, spec("Sequential", shared, spec("ReLU"), shared))  # the same module twice
        got = call(student.count_parameters, tied, what="count_parameters")
        twice = type(got) in (int, float) and got == 2 * (k * k + k)
        expect_equal(got, k * k + k, f"count_parameters of a network that uses the same Linear({k}, {k}) twice",
                     "you counted the shared layer twice: its parameters exist once, however often the network "
                     "uses them. model.parameters() yields each parameter once." if twice else
                     "model.parameters() yields each shared parameter once.")


def test_negative_sizes_raise_value_error(student):
    """linear_param_count(-3, 5) and (5, -3) raise ValueError: no layer has a negative size (after a call that fits)."""
    expect_linear_count(student, 3, 5, True)  # raising always must not pass
    for n_in, n_out in ((-3, 5), (5, -3), (-draw(1, 9), -draw(1, 9))):
        expect_raises(student.linear_param_count, n_in, n_out, error="ValueError",
                      what=f"linear_param_count({n_in}, {n_out})",
                      hint="a layer cannot have a negative size: check in_features >= 0 and out_features >= 0 first "
                           "and raise ValueError naming the size.")
