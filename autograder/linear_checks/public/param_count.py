"""Exercise 2: linear_param_count and count_parameters.

The networks handed to count_parameters are built in the sandbox (student.make), so
the student's function gets genuine torch.nn modules; the counts it answers are
compared here with numbers worked out from the sizes.
"""

from linear_checks.student import make, spec
from linear_checks.verdicts import call, cases, expect_equal

FORMULA = "a Linear(n, m) holds m*n weights plus m biases: m*(n + 1)."

LAYERS = [(784, 256, True, 200_960), (256, 128, True, 32_896), (128, 10, True, 1_290),
          (1000, 1000, True, 1_001_000), (784, 256, False, 200_704), (3, 5, True, 20)]


@cases(*LAYERS, ids=[f"Linear({n}, {m}{'' if bias else ', bias=False'})" for n, m, bias, _ in LAYERS])
def check_linear_param_count(student, case):
    """linear_param_count(n, m, bias) = m*n (+ m with bias)."""
    n_in, n_out, bias, expected = case
    got = call(student.linear_param_count, n_in, n_out, bias=bias,
               what=f"linear_param_count({n_in}, {n_out}, bias={bias})")
    hint, mistake = FORMULA, ""
    if type(got) not in (int, float):  # a tensor, None, ...: expect_equal says what came back
        pass
    elif got == expected - n_out and bias:
        hint, mistake = "you left out the bias: with bias=True add out_features.", "count_without_bias"
    elif got == expected + n_out and not bias:
        hint = "with bias=False there is no bias to count."
    elif got in (n_out * (n_in + 1) + 1, n_out * n_in + n_in):
        hint = "an off-by-one or in/out mix-up: the bias has out_features entries. " + FORMULA
        mistake = "count_off_by_one"
    expect_equal(got, expected, f"linear_param_count({n_in}, {n_out}, bias={bias})", hint, mistake)


def _mlp(student, *sizes, frozen_first=False):
    """Linear layers of these sizes with ReLUs between them, built in the sandbox."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        if layers:
            layers.append(spec("ReLU"))
        layers.append(spec("Linear", n_in, n_out, frozen=frozen_first and i == 0))
    return make(student, spec("Sequential", *layers))


def check_count_parameters_of_a_network(student):
    """[100 -> 50 -> 25 -> 10] with ReLUs has 5,050 + 1,275 + 260 = 6,585 parameters."""
    model = _mlp(student, 100, 50, 25, 10)
    got = call(student.count_parameters, model, what="count_parameters([100 -> 50 -> 25 -> 10])")
    hint, mistake = "sum p.numel() over model.parameters().", ""
    if type(got) in (int, float) and got == 6_585 - 85:
        hint, mistake = "the biases (50 + 25 + 10 = 85) are parameters too.", "count_without_bias"
    expect_equal(got, 6_585, "count_parameters of the 100 -> 50 -> 25 -> 10 network", hint, mistake)


def check_count_parameters_mnist_mlp(student):
    """784 -> 256 -> 128 -> 10 has 235,146 parameters."""
    model = _mlp(student, 784, 256, 128, 10)
    expect_equal(call(student.count_parameters, model, what="count_parameters"), 235_146,
                 "count_parameters of 784 -> 256 -> 128 -> 10")


def check_trainable_only(student):
    """Frozen parameters (requires_grad=False) are left out unless trainable_only=False."""
    model = _mlp(student, 10, 20, 3, frozen_first=True)
    expect_equal(call(student.count_parameters, model, what="count_parameters(model)"), 63,
                 "count_parameters with the first layer frozen (trainable only)",
                 "skip parameters whose requires_grad is False; 20*3 + 3 = 63 remain.")
    expect_equal(call(student.count_parameters, model, trainable_only=False,
                      what="count_parameters(model, trainable_only=False)"),
                 283, "count_parameters(model, trainable_only=False)", "count every parameter: 220 + 63 = 283.")


def check_buffers_and_shared_weights(student):
    """BatchNorm's running statistics are buffers, not parameters; a shared layer counts once."""
    model = make(student, spec("Sequential", spec("Linear", 8, 16), spec("BatchNorm1d", 16)))
    got = call(student.count_parameters, model, what="count_parameters")
    with_buffers = 144 + 32 + 16 + 16 + 1  # running_mean, running_var, num_batches_tracked
    expect_equal(got, 144 + 32, "count_parameters of Linear(8, 16) + BatchNorm1d(16)",
                 "BatchNorm1d(16) has 32 parameters (weight, bias); running_mean, running_var and "
                 "num_batches_tracked are buffers. Use model.parameters(), not state_dict().",
                 "buffers_counted" if type(got) in (int, float) and got == with_buffers else "")
    shared = make(student, spec("Linear", 5, 5))
    tied = make(student, spec("Sequential", shared, spec("ReLU"), shared))  # the same module twice
    expect_equal(call(student.count_parameters, tied, what="count_parameters"), 30,
                 "count_parameters of a network that uses the same Linear(5, 5) twice",
                 "model.parameters() yields each shared parameter once.")
