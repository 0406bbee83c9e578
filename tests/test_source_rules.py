"""The file reading behind exercise 1's no-F.linear rule and exercise 6's no-autograd rule (source_rules.py).

Both rules are allowlists: a file may reach an object only through names it writes, from
a short list of modules. Each REFUSED snippet is a way to reach F.linear, torch._C or
autograd without writing the name (each was tried as an attack, see tests/tampering/);
each ALLOWED one is code an honest student writes.
"""

from __future__ import annotations

import pytest

from conftest import REPO, SOLUTIONS
from linear_checks.public.test_manual_linear import gate
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
    "issue 21's honest code": (
        "import math\nimport typing\nimport warnings\nimport numbers\nimport torch\nfrom torch import nn\n\n"
        "def f(x: torch.Tensor, weight: torch.Tensor, n: int) -> typing.Optional[torch.Tensor]:\n"
        "    if not isinstance(n, numbers.Integral):\n        warnings.warn('n should be an int')\n"
        "    rows = x.reshape(-1, n)\n    out = torch.matmul(rows, weight.t()) + torch.zeros(weight.shape[0])\n"
        "    return rows @ weight.T / math.sqrt(n)\n\nclass M(torch.nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.w = nn.Parameter(torch.zeros(2, 3))\n"),
    "names imported from allowed modules": (
        "from math import sqrt\nfrom typing import Optional, Tuple\nfrom warnings import warn\n"
        "from torch.nn import Parameter, init\nfrom numbers import Integral\nw = Parameter(init.zeros_(x))"),
    "getattr and hasattr called with plain names": "d = getattr(x, 'dtype', None)\nok = hasattr(torch, 'compile')",
}

# Issue 21, route 1: a module reached as an attribute of an allowed module (warnings.sys, typing.functools, ...)
# counts as reaching that module; so does a module stored, passed or looked up under another name.
THROUGH_A_MODULE = {
    "sys through warnings (the corpus's attack)": "import warnings\ng = warnings.sys.modules['torch.autograd'].grad(y, w)",
    "sys through typing": "import typing\nm = typing.sys.modules",
    "sys imported from warnings": "from warnings import sys",
    "typing's functools under an alias": "import typing as t\nreduce = t.functools.reduce",
    "typing's types": "from typing import types",
    "math.__loader__": "import math\nloader = math.__loader__",
    "torch through F": "import torch.nn.functional as F\nlayer = F.torch.nn.TransformerEncoderLayer(4, 1)",
    "numpy through F": "import torch.nn.functional as F\na = F.np.load('a.npy', allow_pickle=True)",
    "numpy.core": "import numpy as np\nm = np.core.multiarray",
    "torch.nn.modules": "from torch import nn\nm = nn.modules.activation",
    "getattr with a plain name onto sys": "import warnings\nm = getattr(warnings, 'sys').modules",
    "getattr with a plain name onto nn.modules": "from torch import nn\nm = getattr(getattr(torch, 'nn'), 'modules')",
    "a module kept under another name": "import warnings\nw = warnings\nm = w.sys.modules",
    "a module in a list": "import typing\nfor t in [typing]:\n    m = t.sys.modules",
    "a module through a walrus": "import warnings\nm = (w := warnings).sys",
    "a module as a default argument": "import warnings\ndef f(w=warnings):\n    return w.sys",
}

# Issue 21, route 2: getattr-like builtins (getattr, setattr, hasattr, delattr, __import__, vars, globals, locals,
# eval, exec, compile) used as a value, read from an object, or their names rebound.
BUILTINS_UNDER_ANOTHER_NAME = {
    "builtins.getattr (the corpus's attack)": "fetch = builtins.getattr",
    "__builtins__": "fetch = __builtins__['getattr']",
    "getattr as a value": "fetch = getattr",
    "getattr in a tuple": "g = (getattr,)",
    "getattr from a lambda": "g = lambda: getattr",
    "getattr as a default argument": "def f(g=getattr):\n    return g",
    "setattr as a value": "s = setattr",
    "hasattr handed to map": "found = list(map(hasattr, [x], ['weight']))",
    "__import__ called": "m = __import__('sys')",
    "vars, globals, locals": "v = vars(x)\ng = globals()\nl = locals()",
    "exec and compile": "exec(compile('y = 1', 'f', 'exec'))",
    "getattr read from an object": "import math\nfetch = math.getattr",
    "vars read from an object": "v = m.vars",
    "def getattr": "def getattr(obj, name):\n    return obj",
    "class vars": "class vars:\n    pass",
    "import as eval": "import math as eval",
    "from-import as getattr": "from torch.autograd import Function as getattr",
    "an argument named getattr": "def f(x, getattr):\n    return getattr(x, 'weight')",
    "a lambda argument named hasattr": "f = lambda hasattr: 0",
    "global getattr": "def f():\n    global getattr",
    "except as setattr": "try:\n    pass\nexcept Exception as setattr:\n    pass",
    "a match capture named getattr": "match x:\n    case getattr:\n        pass",
    "for target getattr": "for getattr in [x]:\n    pass",
    "walrus getattr": "if (getattr := x):\n    pass",
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
    for root in (SOLUTIONS, REPO):
        assert autograd_routes((root / "linear_exercises" / "backward.py").read_text(), "backward.py") == []


ISSUE_21 = {**THROUGH_A_MODULE, **BUILTINS_UNDER_ANOTHER_NAME}


@pytest.mark.parametrize("source", ISSUE_21.values(), ids=ISSUE_21.keys())
def test_both_rules_refuse_modules_reached_through_attributes_and_getattr_under_another_name(source):
    for routes in (library_linear_routes(source, "manual_linear.py"), autograd_routes(source, "backward.py")):
        assert routes and all(r.startswith("line ") for r in routes), routes


@pytest.mark.parametrize("source, line, words", [
    ("import warnings\n\nm = warnings.sys.modules", 3, "warnings.sys (that is the module sys"),
    ("import warnings\nw = warnings", 2, "the module warnings is used as a value"),
    ("x = 1\nfetch = builtins.getattr", 2, "builtins.getattr is Python's getattr under another name"),
    ("x = 1\n\ndef getattr(o, n):\n    return o", 3, "the name getattr is given a new meaning"),
])
def test_a_refusal_is_one_short_sentence_that_names_its_line(source, line, words):
    for routes in (library_linear_routes(source, "manual_linear.py"), autograd_routes(source, "backward.py")):
        assert routes[0].startswith(f"line {line}: ") and words in routes[0], routes
        assert len(routes[0]) < 150 and "\n" not in routes[0], routes[0]


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
