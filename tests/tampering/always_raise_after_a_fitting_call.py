"""Class 11: a function that only ever raises the ValueError naming every shape, where a fitting call comes first.

linear_backward computes nothing and raises, for any input, a ValueError that names the
shapes of grad_out, x and weight: what the shape checks wait for. Exercise 6's shape and
weight checks first ask for a call that fits ("raising always must not pass"), so it earns
nothing there, and nothing anywhere else.
"""
TARGET, MUST_MENTION = "backward.py", "raised ValueError"


def linear_backward(grad_out, x, weight, bias=True):  # noqa: F811 - replaces the stub
    raise ValueError(f"grad_out {tuple(grad_out.shape)}, x {tuple(x.shape)} and weight {tuple(weight.shape)} "
                     f"do not fit: expected grad_out {tuple(x.shape[:-1]) + (weight.shape[0],)}")
