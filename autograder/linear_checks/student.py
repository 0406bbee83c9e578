"""The student's module as the checks see it: a proxy whose every use is a request to the sandbox.

`student.manual_linear(x, w, b)` sends x, w and b as plain data to the run process,
which calls the student's function there and sends back its result as plain data;
here it arrives as a fresh tensor (wire.py). An object that is not plain data (an
nn.Module, a Figure) stays in the sandbox and comes back as a `Remote`: calling it,
reading an attribute or iterating over it are requests too. An exception the
student's code raised arrives as `wire.Raised` and is raised here.
"""

from __future__ import annotations

import torch

from linear_checks import wire


def _to_wire(value):
    if isinstance(value, Remote):
        return {"$h": value._number}
    if isinstance(value, (list, tuple)):
        return [_to_wire(v) for v in value]
    if isinstance(value, dict):
        return {"$d": {k: _to_wire(v) for k, v in value.items()}}
    return wire.encode(value, torch)


class Remote:
    """An object left in the sandbox; attribute reads, calls and iteration are requests."""

    def __init__(self, run, number: int, type_name: str = "object"):
        self._run, self._number, self._type_name = run, number, type_name

    def _ask(self, request: dict):
        value = self._run.request({"target": self._number, **request})
        return _wrap(self._run, value)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._ask({"op": "getattr", "name": name})
        except wire.Raised as exc:
            if exc.type_name == "AttributeError":
                raise AttributeError(exc.message) from None
            raise

    def __call__(self, *args, **kwargs):
        return self._ask({"op": "call", "args": _to_wire(list(args)), "kwargs": _to_wire(kwargs)["$d"]})

    def __iter__(self):
        return iter(self._ask({"op": "list"}))

    def __repr__(self) -> str:
        return f"<{self._type_name} in the sandbox>"


def _wrap(run, value):
    if isinstance(value, wire.Raised):
        raise value
    if isinstance(value, wire.Handle):
        return Remote(run, value.number, value.type_name)
    if isinstance(value, list):
        return [_wrap(run, v) for v in value]
    if isinstance(value, dict):
        return {k: _wrap(run, v) for k, v in value.items()}
    return value


def spec(name: str, *args, state: dict | None = None, frozen: bool = False, **kwargs) -> dict:
    """A torch.nn module to build in the sandbox (see make()): spec("Linear", 4, 3, state={"weight": w})."""
    return {"make": name, "args": list(args), "kwargs": kwargs, "state": state or {}, "frozen": frozen}


def make(student: Remote, module_spec: dict) -> Remote:
    """Build the module described by module_spec (nested specs allowed) in the sandbox; a Remote to it.

    Use it to hand the student's code a real nn.Module (their function gets a genuine
    nn.Linear, built there); read its results back with attribute reads (plain data).
    """
    return student._ask({"op": "make", "spec": _to_wire(module_spec)})


def backward(fn: Remote, *args, upstream: torch.Tensor, change_in_place: int | None = None, **kwargs) -> dict:
    """y = fn(*args) in the sandbox, then sum(y * upstream).backward() there.

    Returns {"output": y, "connected": whether y required grad, "grads": one per
    argument (None where none came back), "parameters": {name: grad} when fn is a module,
    "grad_fn": the class name of y.grad_fn (e.g. "LinearFunctionBackward"), or None}.
    change_in_place=i adds 1 in place to argument i between forward and backward (exercise 6:
    a Function that kept its inputs with ctx.save_for_backward makes backward raise then).
    Works with a torch.autograd.Function too: backward(student.LinearFunction.apply, x, w, b, ...).
    Only plain data crosses: the tensors, the index and, back, tensors and names.
    """
    request = {"op": "grad", "args": _to_wire(list(args)), "kwargs": _to_wire(kwargs)["$d"],
               "upstream": wire.encode(upstream.detach(), torch)}
    if change_in_place is not None:
        request["change_in_place"] = int(change_in_place)
    return fn._ask(request)


def figure(fig: Remote, render: bool = False, dpi: float | None = None) -> dict:
    """What a Figure in the sandbox shows: {"axes": [{"title", "images": [{"array", "clim", "cmap"}]}]}.

    render=True also draws it there (at dpi, default the figure's own): "pixels", the picture as a
    (height, width, 4) uint8 RGBA tensor, and a "bbox" [x0, y0, x1, y1] per axes and per image, in
    the picture's pixels with the origin at the bottom left (per image also "colours", its colormap's
    number of colours, and "norm", its norm's class name). Refused unless fig is exactly a Figure.
    """
    return fig._ask({"op": "figure", "render": bool(render), "dpi": None if dpi is None else float(dpi)})


def seed(run, value: int) -> None:
    run.request({"op": "seed", "target": 0, "value": int(value)})


def draw(low: int, high: int) -> int:
    """A whole number in [low, high] from the check's generator: seeded by the runner, per student at class
    grading, so the question changes with the student while a local run always asks the same."""
    return int(torch.randint(low, high + 1, ()))
