"""Exercise 2, hidden checks (autograde only): edge cases of parameter counting."""

import pytest
import torch
from torch import nn
from support import call, expect_equal, load

student = load("linear_exercises.param_count")

pytestmark = pytest.mark.param_count


@pytest.mark.parametrize("n_in, n_out, bias, expected", [(0, 5, True, 5), (5, 0, True, 0), (1, 1, False, 1),
                                                          (4096, 11008, False, 45_088_768)])
def test_linear_param_count_edges(n_in, n_out, bias, expected):
    """linear_param_count at the edges: empty layers and a large projection."""
    got = call(student.linear_param_count, n_in, n_out, bias=bias, what=f"linear_param_count({n_in}, {n_out}, bias={bias})")
    expect_equal(got, expected, f"linear_param_count({n_in}, {n_out}, bias={bias})")


def test_nested_containers_and_raw_parameters():
    """Counts through ModuleList/ModuleDict and parameters registered directly on a module."""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
            self.heads = nn.ModuleDict({"a": nn.Linear(4, 2, bias=False)})
            self.scale = nn.Parameter(torch.ones(7))

    expect_equal(call(student.count_parameters, Net(), what="count_parameters"), 3 * 20 + 8 + 7,
                 "count_parameters of a network with ModuleList, ModuleDict and a raw nn.Parameter")
    expect_equal(call(student.count_parameters, nn.ReLU(), what="count_parameters(nn.ReLU())"), 0,
                 "count_parameters of a module without parameters")
