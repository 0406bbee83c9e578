"""Exercise 2: linear_param_count and count_parameters."""

import pytest
from torch import nn


from support import call, expect_equal, load

student = load("linear_exercises.param_count")

pytestmark = pytest.mark.param_count

FORMULA = "a Linear(n, m) holds m*n weights plus m biases: m*(n + 1)."


@pytest.mark.parametrize(
    "n_in, n_out, bias, expected",
    [(784, 256, True, 200_960), (256, 128, True, 32_896), (128, 10, True, 1_290),
     (1000, 1000, True, 1_001_000), (784, 256, False, 200_704), (3, 5, True, 20)],
)
def test_linear_param_count(n_in, n_out, bias, expected):
    """linear_param_count(n, m, bias) = m*n (+ m with bias)."""
    got = call(student.linear_param_count, n_in, n_out, bias=bias, what=f"linear_param_count({n_in}, {n_out}, bias={bias})")
    hint = FORMULA
    if got == expected - n_out and bias:
        hint = "you left out the bias: with bias=True add out_features."
    elif got == expected + n_out and not bias:
        hint = "with bias=False there is no bias to count."
    elif got in (n_out * (n_in + 1) + 1, n_out * n_in + n_in):
        hint = "an off-by-one or in/out mix-up: the bias has out_features entries. " + FORMULA
    expect_equal(got, expected, f"linear_param_count({n_in}, {n_out}, bias={bias})", hint)


def test_count_parameters_of_a_network():
    """[100 -> 50 -> 25 -> 10] with ReLUs has 5,050 + 1,275 + 260 = 6,585 parameters."""
    model = nn.Sequential(nn.Linear(100, 50), nn.ReLU(), nn.Linear(50, 25), nn.ReLU(), nn.Linear(25, 10))
    got = call(student.count_parameters, model, what="count_parameters([100 -> 50 -> 25 -> 10])")
    hint = "sum p.numel() over model.parameters()."
    if got == 6_585 - 85:
        hint = "the biases (50 + 25 + 10 = 85) are parameters too."
    expect_equal(got, 6_585, "count_parameters of the 100 -> 50 -> 25 -> 10 network", hint)


def test_count_parameters_mnist_mlp():
    """784 -> 256 -> 128 -> 10 has 235,146 parameters."""
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    expect_equal(call(student.count_parameters, model, what="count_parameters"), 235_146,
                 "count_parameters of 784 -> 256 -> 128 -> 10")


def test_trainable_only():
    """Frozen parameters (requires_grad=False) are left out unless trainable_only=False."""
    model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 3))
    for p in model[0].parameters():
        p.requires_grad_(False)
    expect_equal(call(student.count_parameters, model, what="count_parameters(model)"), 63,
                 "count_parameters with the first layer frozen (trainable only)",
                 "skip parameters whose requires_grad is False; 20*3 + 3 = 63 remain.")
    expect_equal(call(student.count_parameters, model, trainable_only=False, what="count_parameters(model, trainable_only=False)"),
                 283, "count_parameters(model, trainable_only=False)", "count every parameter: 220 + 63 = 283.")


def test_buffers_and_shared_weights():
    """BatchNorm's running statistics are buffers, not parameters; a shared layer counts once."""
    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16))
    expect_equal(call(student.count_parameters, model, what="count_parameters"), 144 + 32,
                 "count_parameters of Linear(8, 16) + BatchNorm1d(16)",
                 "BatchNorm1d(16) has 32 parameters (weight, bias); running_mean, running_var and "
                 "num_batches_tracked are buffers. Use model.parameters(), not state_dict().")
    shared = nn.Linear(5, 5)
    tied = nn.Sequential(shared, nn.ReLU(), shared)
    expect_equal(call(student.count_parameters, tied, what="count_parameters"), 30,
                 "count_parameters of a network that uses the same Linear(5, 5) twice",
                 "model.parameters() yields each shared parameter once.")
