"""Comparisons for the checks (pytest tests, plugin.py), on the grader's side: failures written for a student.

A plain `assert ok, "message"` is enough where one comparison says it all. These helpers
are for comparisons whose failure should say more: what was expected and what came back
("<what>: expected <...>, got <...>. Hint: <...>"), which known mistake gives the value
that came back (its own hint, and its misconception: misconceptions.py), an exception of
the student's code quoted. They fail by raising CheckFailed, an AssertionError.

Everything compared here is plain data that came back from the sandbox (fresh
tensors, numbers, strings); the references are computed here. Text the student's
code chose (an exception's message) is put in the message through quote(): on one
line, bounded, between « and ».
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from linear_checks.wire import Raised

MAX_QUOTE = 300


@dataclass(frozen=True)
class Known:
    """What a known mistake gives: its value, the hint that fixes it, and its misconception (misconceptions.py)."""

    value: torch.Tensor
    hint: str = ""
    misconception: str = ""


class CheckFailed(AssertionError):
    """A check found a wrong answer; its message is for the student, its misconception (a key, or "") for both."""

    def __init__(self, message: str, misconception: str = ""):
        super().__init__(message)
        self.misconception = misconception


def fail(message: str, misconception: str = ""):
    """The check fails with this message; misconception names the known mistake the answer shows, if one does."""
    raise CheckFailed(message, misconception)


def quote(text: str) -> str:
    """Text from the student's code, safe to show: one line, at most MAX_QUOTE characters, in « ».

    Runs of spaces, tabs and line feeds become one space; every other character that does not
    print as itself (control characters: ESC and the terminal sequences it starts, \\r, \\b, C1
    controls; bidi overrides and isolates, zero-width characters, line and paragraph separators)
    and « » themselves are shown as a visible escape (\\x1b, \\u202e): the quote can neither
    start a line, nor move the cursor, nor look closed before it is.
    """
    flat = " ".join(part for part in str(text).replace("\t", " ").replace("\n", " ").split(" ") if part)
    shown, size = [], 0
    for ch in flat:
        if ch == " " or (ch.isprintable() and ch not in "«»"):
            piece = ch
        else:
            code = ord(ch)
            piece = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
        if size + len(piece) > MAX_QUOTE:
            shown.append(" [...]")
            break
        shown.append(piece)
        size += len(piece)
    return f"«{''.join(shown)}»"


def shape(t) -> str:
    return str(tuple(t.shape)) if isinstance(t, torch.Tensor) else type(t).__name__


def preview(t: torch.Tensor, n: int = 4) -> str:
    flat = t.detach().flatten()[:n].tolist()
    more = ", ..." if t.numel() > n else ""
    return "[" + ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in flat) + more + "]"


def _hint(hint: str) -> str:
    return f" Hint: {hint}" if hint else ""


def call(fn, *args, what: str, hint: str | Callable[[Raised], str] = "", **kwargs):
    """fn(*args) in the sandbox; an exception of the student's code becomes a readable failure.

    hint is the failure's hint, or a function that picks it from the exception (Raised: its
    type_name and message), so that a crash gets the hint that explains it and no other.
    NotImplementedError is passed on: the plugin reports the stub's own pointer.
    """
    try:
        return fn(*args, **kwargs)
    except Raised as exc:
        if exc.not_implemented:
            raise
        text = hint(exc) if callable(hint) else hint
        fail(f"{what} raised {exc.type_name}: {quote(exc.message)}; expected it to run.{_hint(text)}")


def expect_tensor_close(actual, expected: torch.Tensor, what: str, hint: str = "", atol: float = 1e-5,
                        rtol: float = 1e-4, diagnoses: dict[str, torch.Tensor | Known] | None = None) -> None:
    """Fail unless actual is a tensor of expected's shape and values.

    diagnoses maps a description of a known mistake to the value that mistake would
    produce, or to a Known: when the actual value matches one, the message names the
    mistake and gives that mistake's own hint (none if it has none) instead of `hint`,
    which is for answers that are wrong in some other way, and the failure carries the
    Known's misconception.
    """
    if type(actual) is not torch.Tensor:
        fail(f"{what}: expected a tensor of shape {shape(expected)}, got {type(actual).__name__}.{_hint(hint)}")
    actual_f, expected_f = actual.detach().double(), expected.detach().double()
    if actual.shape == expected.shape and torch.allclose(actual_f, expected_f, atol=atol, rtol=rtol):
        return
    for mistake, diagnosis in (diagnoses or {}).items():
        known = diagnosis if isinstance(diagnosis, Known) else Known(diagnosis)
        if known.value.shape == actual.shape and torch.allclose(actual_f, known.value.detach().double(), atol=atol,
                                                                rtol=rtol):
            got = (f"{preview(actual)}" if actual.shape == expected.shape
                   else f"shape {shape(actual)} (expected shape {shape(expected)})")
            fail(f"{what}: expected {preview(expected)}, got {got}, which is what {mistake} gives."
                 f"{_hint(known.hint)}", known.misconception)
    if actual.shape != expected.shape:
        fail(f"{what}: expected shape {shape(expected)}, got {shape(actual)}.{_hint(hint)}")
    diff = (actual_f - expected_f).abs()
    err = diff.nan_to_num(nan=math.inf).max().item() if diff.numel() else 0.0
    fail(f"{what}: expected {preview(expected)}, got {preview(actual)} "
         f"(largest difference {err:.3g}, tolerance {atol:g}).{_hint(hint)}")


def load_state(module, state: dict, what: str) -> dict:
    """module.load_state_dict(state, strict=False) in the sandbox; returns state.

    A forward compared with values the grader computes from a state it chose itself (not from
    the parameters the module reports, which may be all zero or not the ones it uses)."""
    call(module.load_state_dict, state, strict=False, what=f"{what}.load_state_dict(...)",
         hint="keep the layer's parameters as attributes (self.weight = nn.Parameter(...)), as nn.Linear does.")
    return state


def expect_finite(tensor: torch.Tensor, what: str, hint: str = "") -> None:
    """Fail when a tensor from the student's code holds NaN or infinity (every comparison with NaN is False, so a
    check of the form `if value > limit: fail(...)` would let it through)."""
    if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
        fail(f"{what} holds NaN or infinite values: expected finite numbers.{_hint(hint)}")


def expect_equal(actual, expected, what: str, hint: str = "", misconception: str = "") -> None:
    """Fail unless actual == expected, for plain values (ints, strings, tuples, lists); a failure carries misconception."""
    if type(actual) is tuple or type(expected) is tuple:
        actual = tuple(actual) if isinstance(actual, (list, tuple)) else actual
        expected = tuple(expected)
    if type(actual) is not type(expected) and not (type(actual) in (int, float) and type(expected) in (int, float)):
        fail(f"{what}: expected {expected!r}, got a {type(actual).__name__}.{_hint(hint)}")
    if actual != expected:
        shown = quote(actual) if isinstance(actual, str) else repr(actual)
        fail(f"{what}: expected {expected!r}, got {shown[:MAX_QUOTE]}.{_hint(hint)}", misconception)


def expect_shape(value, want: tuple, what: str, hint: str = "") -> None:
    """Fail unless value is a tensor of shape want (checked before any arithmetic with it: another shape could
    broadcast, in the grader's process, into a tensor of any size)."""
    expect_equal(tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__, tuple(want), what, hint)


def expect_near(actual, expected: float, rel: float, what: str, hint: str = "", misconception: str = "") -> None:
    """Fail unless actual is a number within rel * |expected| of expected; a failure carries misconception."""
    if type(actual) not in (int, float) or not math.isfinite(actual) or abs(actual - expected) > rel * abs(expected):
        got = f"{actual:.4g}" if type(actual) in (int, float) else type(actual).__name__
        fail(f"{what}: expected about {expected:.4g} (within {rel:.0%}), got {got}.{_hint(hint)}", misconception)


def expect_raises(fn, *args, error: str, what: str, hint: str = "", **kwargs) -> Raised:
    """Fail unless fn(*args) raises an exception named `error`; returns it (its message is the student's)."""
    try:
        value = fn(*args, **kwargs)
    except Raised as exc:
        if exc.not_implemented:
            raise
        if exc.type_name != error:
            fail(f"{what}: expected a {error}, got {exc.type_name}: {quote(exc.message)}.{_hint(hint)}")
        return exc
    got = f"a tensor of shape {shape(value)}" if isinstance(value, torch.Tensor) else type(value).__name__
    fail(f"{what}: expected a {error}, but it returned {got}.{_hint(hint)}")
