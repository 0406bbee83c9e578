"""Inside the sandbox: run the student's code on the inputs the grader sends, answer with plain data.

One Evaluator serves one run (one exercise of one submission) in a process forked by
zygote.py and confined by confine.py. It knows nothing of the checks: the grader asks
for operations (import the module, get an attribute, call something, backpropagate,
describe a figure) and decides on the answers itself, outside. Objects that are not
plain data (a module, a figure) stay here and the grader gets a handle to them.

The student's code runs in this process and can change anything in it, this file
included; that is expected. It can only ever change what it answers, and the grader
compares answers with references it computes itself, on inputs it chose.
"""

from __future__ import annotations

import importlib
import sys

import wire

MAX_LISTED = 100_000
MAX_RENDER_PIXELS = 4_000_000  # a rendered figure is drawn at a lower dpi rather than larger than this
# torch.nn classes the grader may ask the sandbox to build (op "make"), e.g. a layer to initialize.
BUILDABLE = ("Linear", "Sequential", "ModuleList", "ReLU", "Tanh", "Sigmoid", "GELU", "Identity", "Flatten",
             "Dropout", "Conv2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Embedding", "Bilinear",
             "ModuleDict", "ParameterList", "ParameterDict")


class Evaluator:
    def __init__(self, torch, module: str):
        self.torch, self.module = torch, module
        self.objects: dict[int, object] = {}

    # -- handles -------------------------------------------------------------------------------
    def handle(self, obj) -> int:
        number = len(self.objects) + 1
        self.objects[number] = obj
        return number

    def resolve(self, number: int):
        if number not in self.objects:
            raise KeyError(f"no object {number}")
        return self.objects[number]

    def args(self, request: dict) -> tuple[list, dict]:
        decoded = wire.decode({"$d": {"args": request.get("args", []), "kwargs": {"$d": request.get("kwargs", {})}}},
                              self.torch, resolve=self.resolve, trusted=False)
        return [self.parameters(a) for a in decoded["args"]], {k: self.parameters(v) for k, v in decoded["kwargs"].items()}

    def parameters(self, value):
        """Tensors the grader sent as nn.Parameters arrive as nn.Parameters."""
        torch = self.torch
        if isinstance(value, torch.Tensor) and getattr(value, "is_parameter", False):
            return torch.nn.Parameter(value, requires_grad=value.requires_grad)
        return value

    def target(self, request: dict):
        obj = self.resolve(request["target"])
        for name in request.get("path", []):
            obj = getattr(obj, name)
        return obj

    # -- the loop ------------------------------------------------------------------------------
    def serve(self, inp: int, out: int) -> None:
        while True:
            request = wire.receive(inp)
            if request.get("op") == "end":
                return
            wire.send(out, self.answer(request))

    def answer(self, request: dict) -> dict:
        try:
            value = getattr(self, "op_" + request["op"])(request)
        except BaseException as exc:  # noqa: BLE001 - whatever the student's code raised is an answer
            return {"value": wire.Raised.to_wire(exc)}
        try:
            return {"value": wire.encode(value, self.torch, self.handle)}
        except BaseException as exc:  # noqa: BLE001 - e.g. a tensor subclass that fails to convert
            return {"value": wire.Raised.to_wire(TypeError(f"the result could not be read: {exc}"))}

    # -- operations ------------------------------------------------------------------------------
    def op_import(self, request: dict):
        module = importlib.import_module(f"linear_exercises.{self.module.removesuffix('.py')}")
        self.objects[0] = module
        return module

    def op_seed(self, request: dict):
        self.torch.manual_seed(int(request["value"]))

    def op_getattr(self, request: dict):
        return getattr(self.target(request), request["name"])

    def op_call(self, request: dict):
        fn = self.target(request)
        args, kwargs = self.args(request)
        return fn(*args, **kwargs)

    def op_make(self, request: dict):
        """Build torch.nn modules from a spec: {"make": name, "args", "kwargs", "state": {name: tensor}, "frozen"}."""
        torch = self.torch

        def build(spec):
            if not (isinstance(spec, dict) and "make" in spec):
                return spec
            if spec["make"] not in BUILDABLE:
                raise ValueError(f"cannot build {spec['make']!r}")
            module = getattr(torch.nn, spec["make"])(*[build(a) for a in spec.get("args", [])],
                                                     **{k: build(v) for k, v in spec.get("kwargs", {}).items()})
            with torch.no_grad():
                for name, value in spec.get("state", {}).items():
                    module.get_parameter(name).copy_(value)
            if spec.get("frozen"):
                module.requires_grad_(False)
            return module

        decoded = wire.decode(request["spec"], torch, resolve=self.resolve, trusted=False)
        return build(decoded)

    def op_list(self, request: dict):
        out = []
        for item in self.target(request):
            out.append(item)
            if len(out) > MAX_LISTED:
                raise ValueError(f"more than {MAX_LISTED} items")
        return out

    def op_grad(self, request: dict):
        """y = target(*args); backpropagate sum(y * upstream); the gradients of the args and parameters.

        With "change_in_place": i, argument i gets 1 added in place (under no_grad) between the
        forward and the backward pass, as a careless caller might: autograd then raises its
        version-counter error for every tensor that was saved with ctx.save_for_backward.
        The answer also names the class of y.grad_fn ("grad_fn"), e.g. "LinearFunctionBackward".
        """
        torch = self.torch
        fn = self.target(request)
        args, kwargs = self.args(request)
        upstream = wire.decode(request["upstream"], torch, trusted=False)
        y = fn(*args, **kwargs)
        if not isinstance(y, torch.Tensor):
            raise TypeError(f"expected a tensor, got {type(y).__name__}")
        if not y.requires_grad:
            return {"output": y, "connected": False, "grads": [], "parameters": {}, "grad_fn": None}
        grad_fn = type(y.grad_fn).__name__ if y.grad_fn is not None else None
        changed = request.get("change_in_place")
        if type(changed) is int and 0 <= changed < len(args) and isinstance(args[changed], torch.Tensor):
            with torch.no_grad():
                args[changed].add_(1.0)
        (y * upstream).sum().backward()
        grads = [a.grad if isinstance(a, torch.Tensor) and a.requires_grad else None for a in args]
        params = {}
        owner = fn if isinstance(fn, torch.nn.Module) else getattr(fn, "__self__", None)
        if isinstance(owner, torch.nn.Module):
            params = {name: p.grad for name, p in owner.named_parameters()}
        return {"output": y, "connected": True, "grads": grads, "parameters": params, "grad_fn": grad_fn}

    def op_figure(self, request: dict):
        """What a matplotlib Figure shows: per axes its title and its images' data, colour limits and colormap.

        With "render": true the figure is also drawn by Agg (at "dpi", default its own, lowered to stay
        within MAX_RENDER_PIXELS): "pixels" is the picture, (height, width, 4) uint8 RGBA, and each axes
        and image gets its "bbox" [x0, y0, x1, y1] in that picture's pixels (matplotlib's display
        coordinates: origin at the bottom left), each image also its colormap's number of "colours" and
        the class name of its "norm".
        """
        import numpy as np

        fig = self.target(request)
        loaded = sys.modules.get("matplotlib.figure")  # not loaded: no Figure exists (a confined run cannot import it)
        if loaded is None or type(fig) is not loaded.Figure:
            raise TypeError(f"expected a matplotlib Figure, got {type(fig).__name__}")
        render, own_dpi, answer = bool(request.get("render")), fig.dpi, {}
        try:
            if render:
                from matplotlib.backends.backend_agg import FigureCanvasAgg

                width, height = (float(v) for v in fig.get_size_inches())
                dpi = min(max(float(request.get("dpi") or own_dpi), 1.0), 1000.0)
                fig.dpi = min(dpi, (MAX_RENDER_PIXELS / max(width * height, 1e-6)) ** 0.5)
                canvas = FigureCanvasAgg(fig)
                canvas.draw()
                answer["pixels"] = np.array(canvas.buffer_rgba(), dtype=np.uint8)
            axes = []
            for ax in fig.axes:
                images = []
                for im in ax.get_images():
                    image = {"array": np.ma.getdata(im.get_array()).astype("float64"),
                             "clim": [float(v) for v in im.get_clim()], "cmap": im.get_cmap().name}
                    if render:  # how it was drawn: where, with how many colours, through which kind of norm
                        image.update(bbox=[float(v) for v in im.get_window_extent().extents],
                                     colours=int(im.get_cmap().N), norm=type(im.norm).__name__)
                    images.append(image)
                axes.append({"title": ax.get_title(), "images": images})
                if render:
                    axes[-1]["bbox"] = [float(v) for v in ax.get_window_extent().extents]
        finally:
            fig.dpi = own_dpi
        answer["axes"] = axes
        return answer
