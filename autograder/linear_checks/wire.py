"""Plain data between the grader and the sandbox: JSON frames, tensors as dtype + shape + bytes.

Both sides use this module. The grader (trusted) decodes what the sandbox sends with
`decode(..., trusted=True)`: every tensor becomes a fresh `torch.Tensor` built from raw
bytes, so no object the student's code made (a Tensor subclass, an object with its own
`__eq__`, a swapped `__class__`) ever reaches a comparison. Only these shapes of data
exist on the wire: None, bool, int, float, str, lists, dicts with str keys, tensors
({"$t": ...}), handles to objects left in the sandbox ({"$h": ...}) and a raised
exception ({"$raised": ...}). Anything else is refused with WireError.

A frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON.
"""

from __future__ import annotations

import base64
import json
import math
import os
import struct

MAX_FRAME = 64 * 2**20  # bytes of one frame
MAX_ITEMS = 200_000  # values in one decoded frame
MAX_DEPTH = 12
MAX_STR = 20_000  # characters of one string from the sandbox
MAX_TENSOR_BYTES = 48 * 2**20

# dtype name on the wire -> torch dtype attribute name; nothing else is accepted.
DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")


class WireError(Exception):
    """The other side sent something that is not plain data of the agreed shapes."""


# -- framing -------------------------------------------------------------------------------------
def send(fd: int, obj) -> None:
    data = json.dumps(obj, separators=(",", ":"), allow_nan=True).encode()
    if len(data) > MAX_FRAME:
        raise WireError(f"a frame of {len(data)} bytes is larger than {MAX_FRAME}")
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_exactly(fd: int, n: int, wait=None) -> bytes:
    """n bytes from fd; wait(fd) blocks until fd is readable or raises (deadlines)."""
    chunks, got = [], 0
    while got < n:
        if wait is not None:
            wait(fd)
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def receive(fd: int, wait=None):
    (length,) = struct.unpack(">I", read_exactly(fd, 4, wait))
    if length > MAX_FRAME:
        raise WireError(f"a frame of {length} bytes is larger than {MAX_FRAME}")
    data = read_exactly(fd, length, wait)
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, an int of too many digits, nested too deep
        raise WireError(f"not readable JSON: {type(exc).__name__}") from None


# -- values ---------------------------------------------------------------------------------------
def tensor_to_wire(t, torch) -> dict:
    """A tensor as {"$t": [dtype, shape, base64 bytes, requires_grad, is_parameter(, order)]}.

    A tensor whose dimensions are laid out in memory in another order than their own (a transposed
    one, x.transpose(0, 1)) also sends that order, and arrives laid out the same way, so that it is not
    contiguous on the other side either (a check can hand the student's code such an input). The
    bytes are then in memory order: the tensor permuted by `order`.
    """
    plain = torch.Tensor.detach(t).cpu()
    dtype = str(plain.dtype).removeprefix("torch.")
    if dtype not in DTYPES:
        plain, dtype = plain.to(torch.float64), "float64"
    order = None
    if not plain.is_contiguous():
        by_stride = sorted(range(plain.dim()), key=lambda d: -plain.stride(d))
        if plain.permute(by_stride).is_contiguous():
            order, plain_shape = by_stride, list(plain.shape)
            plain = plain.permute(by_stride)
    flat = plain.reshape(-1).contiguous()
    raw = b"" if flat.numel() == 0 else flat.view(torch.uint8).numpy().tobytes()
    spec = [dtype, list(plain.shape) if order is None else plain_shape, base64.b64encode(raw).decode(),
            bool(t.requires_grad), isinstance(t, torch.nn.Parameter)]
    return {"$t": spec if order is None else spec + [order]}


def tensor_from_wire(spec, torch):
    """A fresh tensor (never a subclass) from the wire form; checks every field."""
    if not (isinstance(spec, list) and len(spec) in (5, 6)):
        raise WireError("a tensor must be [dtype, shape, data, requires_grad, is_parameter(, order)]")
    dtype, shape, data, requires_grad, is_parameter = spec[:5]
    if dtype not in DTYPES or not isinstance(shape, list) or len(shape) > 8 or not isinstance(data, str):
        raise WireError("a tensor with an unknown dtype or a bad shape")
    if not all(type(d) is int and 0 <= d for d in shape):
        raise WireError("a tensor shape must be non-negative integers")
    order = spec[5] if len(spec) == 6 else list(range(len(shape)))
    if not (isinstance(order, list) and all(type(d) is int for d in order) and sorted(order) == list(range(len(shape)))):
        raise WireError("a tensor's memory order must be a permutation of its dimensions")
    torch_dtype = getattr(torch, dtype)
    numel = math.prod(shape)
    itemsize = torch.empty((), dtype=torch_dtype).element_size()
    if numel * itemsize > MAX_TENSOR_BYTES or len(data) > 4 * (MAX_TENSOR_BYTES // 3 + 3):
        raise WireError("a tensor larger than the limit")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise WireError("tensor data is not base64") from None
    if len(raw) != numel * itemsize:
        raise WireError(f"tensor data of {len(raw)} bytes for shape {shape} of {dtype}")
    stored = [shape[d] for d in order]  # the shape in memory order
    if numel == 0:
        out = torch.empty(stored, dtype=torch_dtype)
    else:
        out = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(torch_dtype).reshape(stored).clone()
    if order != sorted(order):  # laid out as it was sent: the dimensions back in their own order, not contiguous
        out = out.permute([order.index(d) for d in range(len(order))])
    if requires_grad is True and out.is_floating_point():
        out.requires_grad_(True)
    out.is_parameter = is_parameter is True  # what the sandbox said; plain data, used in messages only
    return out


def encode(value, torch, handle=None, depth: int = 0):
    """Plain data for the wire. handle(obj) -> int keeps other objects on this side (the sandbox)."""
    if value is None or isinstance(value, (bool, str)) or type(value) in (int, float):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # subclasses: their plain value
        return int(value) if isinstance(value, int) else float(value)
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    if isinstance(value, torch.Tensor):
        return tensor_to_wire(value, torch)
    if type(value).__module__ == "numpy" and hasattr(value, "dtype") and hasattr(value, "shape"):
        return tensor_to_wire(torch.as_tensor(value), torch)
    if isinstance(value, (list, tuple)):
        return [encode(v, torch, handle, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$d": {k: encode(v, torch, handle, depth + 1) for k, v in value.items()}}
    if handle is None:
        raise WireError(f"cannot send a {type(value).__name__}")
    return {"$h": handle(value), "type": type(value).__name__[:100]}


def decode(obj, torch, resolve=None, trusted: bool = True):
    """The inverse of encode. resolve(int) gives the object behind a handle (sandbox side);
    on the trusted side handles stay Handle objects and every string is bounded."""
    budget = [MAX_ITEMS]

    def walk(o, depth):
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH + 2:
            raise WireError("too many or too deeply nested values")
        if o is None or isinstance(o, (bool, int, float)):
            return o
        if isinstance(o, str):
            if trusted and len(o) > MAX_STR:
                return o[:MAX_STR] + " [...]"
            return o
        if isinstance(o, list):
            return [walk(v, depth + 1) for v in o]
        if isinstance(o, dict) and len(o) >= 1:
            if "$t" in o:
                return tensor_from_wire(o["$t"], torch)
            if "$d" in o and isinstance(o["$d"], dict):
                return {str(k)[:MAX_STR]: walk(v, depth + 1) for k, v in o["$d"].items()}
            if "$h" in o and type(o["$h"]) is int:
                if resolve is not None:
                    return resolve(o["$h"])
                return Handle(o["$h"], str(o.get("type", "object"))[:100])
            if "$raised" in o:
                return Raised.from_wire(o["$raised"])
        raise WireError(f"unexpected value of type {type(o).__name__}")

    return walk(obj, 0)


class Handle:
    """An object that stays in the sandbox (a module, a figure); the grader only holds its number."""

    def __init__(self, number: int, type_name: str):
        self.number, self.type_name = number, type_name

    def to_wire(self) -> dict:
        return {"$h": self.number}


class Raised(Exception):
    """The student's code raised: its exception's type name and message, as plain strings."""

    def __init__(self, type_name: str, message: str, not_implemented: bool = False):
        super().__init__(f"{type_name}: {message}")
        self.type_name, self.message, self.not_implemented = type_name, message, not_implemented

    @classmethod
    def from_wire(cls, spec) -> Raised:
        if not isinstance(spec, dict):
            raise WireError("a raised exception must be a dict")
        return cls(str(spec.get("type", "Exception"))[:100], str(spec.get("message", ""))[:2000],
                   spec.get("not_implemented") is True)

    @staticmethod
    def to_wire(exc: BaseException) -> dict:
        try:
            message = str(exc)
        except BaseException:  # noqa: BLE001 - a student's __str__ may raise anything
            message = "(its message could not be read)"
        return {"$raised": {"type": type(exc).__name__, "message": message[:2000],
                            "not_implemented": isinstance(exc, NotImplementedError)}}
