"""Exercise 2, hidden checks (class grading only): edge cases of parameter counting.

Sizes come from the grader's random generator, seeded per run from a secret: a
student cannot prepare a table of answers.
"""

import torch

from linear_checks.public.test_param_count import expect_linear_count
from linear_checks.student import draw, make, spec
from linear_checks.verdicts import call, expect_equal


def test_linear_param_count_at_the_edges(student):
    """linear_param_count of empty and 1x1 layers: Linear(0, m), Linear(n, 0), Linear(1, 1, bias=False)."""
    # One check for all three, so that no constant answer passes it; n and m are drawn per student.
    for n_in, n_out, bias in ((0, draw(1, 50), True), (draw(1, 50), 0, True), (1, 1, False)):
        expect_linear_count(student, n_in, n_out, bias)


def test_linear_param_count_of_a_large_projection(student):
    """linear_param_count of a large layer of random size."""
    expect_linear_count(student, draw(2_000, 9_000), draw(2_000, 16_000), bool(draw(0, 1)))


def test_nested_containers_and_raw_parameters(student):
    """Counts through ModuleList/ModuleDict and parameters registered directly on a module."""
    blocks, width, head, extra = draw(2, 5), draw(2, 12), draw(1, 6), draw(1, 10)
    block_list = make(student, spec("ModuleList", [make(student, spec("Linear", width, width)) for _ in range(blocks)]))
    heads = make(student, spec("ModuleDict", {"a": make(student, spec("Linear", width, head, bias=False))}))
    raw = make(student, spec("ParameterDict", {"scale": torch.ones(extra)}))  # a parameter held by the module itself
    net = make(student, spec("ModuleDict", {"blocks": block_list, "heads": heads, "raw": raw}))
    expect_equal(call(student.count_parameters, net, what="count_parameters"),
                 blocks * (width * width + width) + width * head + extra,
                 "count_parameters of a network with ModuleList, ModuleDict and a raw nn.Parameter")
    expect_equal(call(student.count_parameters, make(student, spec("ReLU")), what="count_parameters(nn.ReLU())"), 0,
                 "count_parameters of a module without parameters")
