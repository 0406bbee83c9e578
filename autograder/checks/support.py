"""Helpers for the graded checks: failures written for a student, not a traceback.

Every check that finds a wrong answer calls fail(), which ends the test with a message
of the form "<what>: expected <...>, got <...>. Hint: <...>". NotImplementedError from
a stub is never caught here, so an untouched exercise fails with its pointer.
"""

from __future__ import annotations

import math

import pytest
import torch


def fail(message: str) -> None:
    """End the test with a student-facing message (no traceback)."""
    pytest.fail(message, pytrace=False)


def shape(t) -> str:
    return str(tuple(t.shape)) if isinstance(t, torch.Tensor) else type(t).__name__


def call(fn, *args, what: str, hint: str = "", **kwargs):
    """Call the student's fn; turn any unexpected exception into a readable failure."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:  # the student's code crashed: say where and with what
        fail(f"{what} raised {type(exc).__name__}: {exc}; expected it to run." + (f" Hint: {hint}" if hint else ""))


def preview(t: torch.Tensor, n: int = 4) -> str:
    flat = t.detach().flatten()[:n].tolist()
    more = ", ..." if t.numel() > n else ""
    return "[" + ", ".join(f"{v:.4g}" for v in flat) + more + "]"


def expect_tensor_close(
    actual,
    expected: torch.Tensor,
    what: str,
    hint: str = "",
    atol: float = 1e-5,
    rtol: float = 1e-4,
    diagnoses: dict[str, torch.Tensor] | None = None,
) -> None:
    """Fail unless actual is a tensor of expected's shape and values.

    diagnoses maps a description of a known mistake to the value that mistake would
    produce; when the actual value matches one, the message names the mistake.
    """
    hint = f" Hint: {hint}" if hint else ""
    if not isinstance(actual, torch.Tensor):
        fail(f"{what}: expected a tensor of shape {shape(expected)}, got {type(actual).__name__}.{hint}")
    if actual.shape != expected.shape:
        fail(f"{what}: expected shape {shape(expected)}, got {shape(actual)}.{hint}")
    actual_f, expected_f = actual.detach().double(), expected.detach().double()
    if torch.allclose(actual_f, expected_f, atol=atol, rtol=rtol):
        return
    for mistake, value in (diagnoses or {}).items():
        if value.shape == actual.shape and torch.allclose(actual_f, value.double(), atol=atol, rtol=rtol):
            fail(f"{what}: expected {preview(expected)}, got {preview(actual)}, "
                 f"which is what {mistake} gives.{hint}")
    err = (actual_f - expected_f).abs().max().item()
    fail(f"{what}: expected {preview(expected)}, got {preview(actual)} "
         f"(largest difference {err:.3g}, tolerance {atol:g}).{hint}")


def expect_equal(actual, expected, what: str, hint: str = "") -> None:
    """Fail unless actual == expected (ints, strings, tuples)."""
    if actual != expected:
        hint = f" Hint: {hint}" if hint else ""
        fail(f"{what}: expected {expected!r}, got {actual!r}.{hint}")


def expect_near(actual: float, expected: float, rel: float, what: str, hint: str = "") -> None:
    """Fail unless |actual - expected| <= rel * |expected|."""
    if not math.isfinite(actual) or abs(actual - expected) > rel * abs(expected):
        hint = f" Hint: {hint}" if hint else ""
        fail(f"{what}: expected about {expected:.4g} (within {rel:.0%}), got {actual:.4g}.{hint}")


def load(module_name: str):
    """Import one of the student's exercise modules, e.g. "linear_exercises.manual_linear".

    Test files call this at import time, so a module that cannot be imported (a syntax
    error, an exception at import) fails only that exercise's checks, with the error's
    own message, and every other exercise is still checked.
    """
    import importlib

    return importlib.import_module(module_name)
