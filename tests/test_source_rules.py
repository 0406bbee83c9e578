"""The file reading behind exercise 1's no-F.linear rule and exercise 6's no-autograd rule (source_rules.py).

Both rules are allowlists: a file may reach an object only through names it writes, from
a short list of modules. Each REFUSED snippet is a way to reach F.linear, torch._C or
autograd without writing the name (each was tried as an attack, see tests/tampering/);
each ALLOWED one is code an honest student writes.
"""

from __future__ import annotations

import pytest

from conftest import REPO, SOLUTIONS
from linear_checks.public.manual_linear import gate
from linear_checks.source_rules import autograd_routes, library_linear_routes

REFUSED = {
    "F.linear": "import torch.nn.functional as F\ny = F.linear(x, w, b)",
    "nn.Linear": "from torch import nn\nlayer = nn.Linear(3, 2)",
    "linear imported by name": "from torch.nn.functional import linear as affine",
    "torch.ops.aten": "torch.ops.aten.linear(x, w, b)",
    "torch._C": "torch._C._nn.linear(x, w, b)",
    "a torch function with linear in its name": "torch.fbgemm_linear_fp16_weight(x, w, b)",
    "getattr with a computed name": "f = getattr(F, 'lin' + 'ear')",
    "getattr kept under another name": "look = getattr\nf = look(F, 'linear')",
    "getattr handed to map": "fs = list(map(getattr, [F], ['linear']))",
    "hasattr with a private name": "hasattr(torch, '_C')",
    "inspect": "import inspect\nf = dict(inspect.getmembers(F))['linear']",
    "operator": "from operator import attrgetter",
    "pickle": "import pickle",
    "numpy.load (pickle)": "import numpy as np\nf = np.load('f.npy', allow_pickle=True)",
    "numpy.ctypeslib": "import numpy.ctypeslib",
    "importlib": "import importlib",
    "sys.modules": "import sys\nm = sys.modules",
    "a star import": "from torch.nn.functional import *",
    "a layer inside a bigger one": "from torch import nn\nl = nn.TransformerEncoderLayer(4, 1).linear1",
    "nn's submodules": "import torch.nn.modules.activation",
    "torch.overrides": "from torch.overrides import _pop_mode_temporarily",
    "torch.load": "f = torch.load('f.pt', weights_only=False)",
    "torch.jit": "torch.jit.script(f)",
    "F's attention (runs a linear layer)": "import torch.nn.functional as F\nF.multi_head_attention_forward",
    "__subclasses__": "from torch import nn\nkinds = nn.Module.__subclasses__()",
    "__dict__": "import torch.nn.functional as F\nf = F.__dict__['linear']",
    "__globals__ through self": "g = self.forward.__globals__",
    "a frame's builtins": "look = (i for i in [0]).gi_frame.f_builtins['getattr']",
    "a traceback's frame": "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    g = e.__traceback__.tb_frame",
    "typing evaluates an annotation": "import typing\nh = typing.get_type_hints(f)",
    "a match pattern reads attributes": "match F:\n    case object(linear=f):\n        pass",
    "eval": "eval('F.linear')",
    "another file of the package": "from .backward import linear_backward",
}
ALLOWED = {
    "the lesson's formula": "import torch\ny = x @ weight.T + bias",
    "addmm, matmul, einsum, mT": "y = torch.addmm(b, x, w.t())\ny = torch.matmul(x, w.mT)\ny = torch.einsum('bi,oi->bo', x, w)",
    "a module built from parameters": (
        "from __future__ import annotations\nimport math\nfrom typing import Optional\nimport torch\n"
        "from torch import nn\nfrom torch.nn import init\n\nclass ManualLinear(nn.Module):\n"
        "    def __init__(self, n_in, n_out, bias=True):\n        super().__init__()\n        self._n_in = n_in\n"
        "        self.weight = nn.Parameter(torch.empty(n_out, n_in))\n"
        "        init.kaiming_uniform_(self.weight, a=math.sqrt(5))\n        self.register_parameter('bias', None)\n"
        "    def extra_repr(self):\n        return f'{self._n_in}, {type(self).__name__}, {self.__class__.__name__}'\n"),
    "other functions of torch.nn.functional": "import torch.nn.functional as F\ny = F.relu(x) + F.pad(x, (1, 1))",
    "warnings and a plain getattr": "import warnings\nwarnings.warn('x')\nhas = hasattr(x, 'shape')\nd = getattr(x, 'dtype')",
    "Parameter from its module, super().__repr__": (
        "from torch.nn.parameter import Parameter\nclass M(torch.nn.Module):\n    def __repr__(self):\n"
        "        return super().__repr__() + self.__doc__\n"),
    "numpy, as the graded notebook allows": "import numpy as np\ny = torch.from_numpy(np.asarray(x) @ np.linalg.pinv(w))",
    "torch.linalg and no_grad": "n = torch.linalg.norm(w)\nwith torch.no_grad():\n    w.uniform_(-1, 1)",
}


@pytest.mark.parametrize("source", REFUSED.values(), ids=REFUSED.keys())
def test_exercise_1_refuses(source):
    routes = library_linear_routes(source, "manual_linear.py")
    assert routes and routes[0].startswith("line "), routes
    assert gate(source).startswith("manual_linear.py uses F.linear or nn.Linear, or hides which function it calls")


@pytest.mark.parametrize("source", [s for k, s in REFUSED.items() if "linear" not in k.lower() and "F." not in k
                                    and k != "another file of the package"])
def test_exercise_6_refuses_the_same_hidden_routes(source):
    assert autograd_routes(source, "backward.py"), source


@pytest.mark.parametrize("source", ALLOWED.values(), ids=ALLOWED.keys())
def test_honest_code_passes_both_rules(source):
    assert library_linear_routes(source, "manual_linear.py") == []
    assert autograd_routes(source, "backward.py") == []


def test_reference_and_stub_pass_the_rule():
    for root in (SOLUTIONS, REPO):
        assert gate((root / "linear_exercises" / "manual_linear.py").read_text()) == ""


HIDDEN_LINEAR = ("\ndef manual_linear(x, weight, bias=None):\n"
                 "    with torch._C.DisableTorchFunction():\n"
                 "        return torch.nn.functional.linear(x, weight, bias)\n")


def _hide(stub: str, how: str) -> bytes:
    """The stub with a manual_linear that calls F.linear (the spy off), hidden from a reader that decodes UTF-8."""
    if how == "a byte-order mark":  # a text parser fails on it, so a reader that skips what it cannot parse sees nothing
        return b"\xef\xbb\xbf" + (stub + HIDDEN_LINEAR).encode()
    # raw_unicode_escape: \u000a is a line break to Python, part of a comment to a UTF-8 reader
    hidden = HIDDEN_LINEAR.replace("\n", "\\u000a")
    return ("# coding: raw_unicode_escape\n" + stub + "\n# nothing to see" + hidden + "\n").encode()


@pytest.mark.parametrize("how", ["a byte-order mark", "a raw_unicode_escape coding cookie"])
def test_the_rule_reads_the_file_as_python_imports_it(how, grade_package, make_stubs, tmp_path):
    make_stubs.write(tmp_path / "linear_exercises")
    module = tmp_path / "linear_exercises" / "manual_linear.py"
    module.write_bytes(_hide(module.read_text(), how))
    result = grade_package(tmp_path, ["manual_linear"], hidden=True)[0]
    assert result.score == 0, [c.message for c in result.checks if c.passed]
    assert "reads your file" in result.error, result.error
