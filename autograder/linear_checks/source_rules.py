"""Read a submitted file's source (never run it) for routes to what an exercise must not use.

Exercise 1 asks for x @ weight.T + bias written with tensor operations (no F.linear,
nn.Linear, ...); exercise 6 asks for gradients written with tensor operations (no
autograd). The checks also watch, inside the sandbox, what the code calls; but that
watch runs next to the student's code and can be switched off by it. This reading
happens on the grader's side, and it is an allowlist: the file may reach an object only
through names it writes, from modules on a short list. It flags:
- an import of any module but torch, torch.nn (init, parameter, functional),
  torch.linalg, torch.special, torch.fft, torch.autograd, numpy (linalg, random, fft),
  math, typing, warnings and numbers (inspect, importlib, operator, pickle, sys, gc, ... can all turn a string into
  an object), a star import, and (exercise 1) an import of another file of the package;
- any other torch module reached as an attribute (torch._C, torch.ops, torch.overrides,
  torch.jit, torch.utils, numpy.lib, ...), torch.load, numpy.load and torch.compile, any part of a torch path
  with "linear" in its name, and any nn.<X> but Module, Parameter, Buffer, init,
  parameter and functional (a linear layer taken from inside a bigger layer: nn.TransformerEncoderLayer
  (...).linear1);
- an attribute that starts with "_" (torch._C, __dict__, __subclasses__, __globals__),
  except harmless ones (__init__, __name__, __class__, __repr__, ...) and the file's
  own private attributes on self, ctx or cls; a frame or a traceback's frame (gi_frame, f_globals, ...);
- getattr, setattr, hasattr, delattr used other than as a call with a plain string, or
  that string naming something refused or starting with "_"; attrgetter and methodcaller; eval, exec, compile,
  __import__, globals, vars, locals, breakpoint; typing's get_type_hints and ForwardRef
  (they evaluate strings); attributes read by a `match` class pattern; sys.modules;
- the names of PyTorch's linear layers (exercise 1) or autograd's gradient functions,
  .backward, graph nodes and the grader's watch (exercise 6).
The file is read as bytes and parsed the way Python imports it (its coding cookie and a
byte-order mark honoured): a file that declares raw_unicode_escape can hide lines from a
reader that decodes it as UTF-8, and one that starts with a byte-order mark fails to parse
as text while it imports fine.
What it cannot see: code that reaches a library function through objects it was given
at run time in ways none of the above names (e.g. a method of a tensor that happens to
call it), or through the modules it may import in a way no name shows. The feedback says
the rule reads the file.
"""

from __future__ import annotations

import ast
import types

import numpy
import torch

LIBRARY_LINEAR = {"linear", "_linear", "lazylinear", "bilinear", "nondynamicallyquantizablelinear", "linear_"}
DYNAMIC = {"eval", "exec", "compile", "__import__", "globals", "vars", "locals", "breakpoint"}
ATTR_FUNCS = {"getattr", "setattr", "hasattr", "delattr", "attrgetter", "methodcaller"}
LOW_LEVEL = {"_C", "ops", "_VF", "_ops", "__dict__", "__builtins__", "__getattribute__", "__globals__",
             "__code__", "__closure__", "importlib", "operator"}

# What a file may import; any other module could turn a string into an object (inspect.getmembers,
# importlib, operator.attrgetter, pickle, pydoc.locate, sys.modules, gc.get_objects, ...).
MODULES = {"__future__", "math", "typing", "warnings", "numbers", "torch", "torch.nn", "torch.nn.init",
           "torch.nn.parameter", "torch.nn.functional", "torch.linalg", "torch.special", "torch.fft", "torch.autograd",
           "numpy", "numpy.linalg", "numpy.random", "numpy.fft"}
LIBRARIES = {"torch": torch, "numpy": numpy}  # their paths are walked: only the modules above, no loaders
NN_NAMES = {"Module", "Parameter", "Buffer", "init", "parameter", "functional"}  # nn.<X> a file may use
LOADERS = {"load", "compile"}  # torch.load / numpy.load (pickle: any object by name), torch.compile
F_LAYERS = {"multi_head_attention_forward"}  # functions of torch.nn.functional that run a linear layer
DUNDERS = {"__init__", "__name__", "__qualname__", "__class__", "__repr__", "__str__", "__doc__"}  # harmless ones
OWN = {"self", "ctx", "cls"}  # the file's own objects: their single-"_" attributes are the file's own
FRAMES = {"gi_frame", "cr_frame", "ag_frame", "tb_frame", "f_back", "f_globals", "f_locals", "f_builtins",
          "tb_next", "gi_code", "co_consts"}
EVALUATING = {"get_type_hints", "ForwardRef"}  # typing functions that evaluate a string


def _flagger(found: list[str]):
    def flag(node, what: str) -> None:
        found.append(f"line {node.lineno}: {what}")
    return flag


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the module path it was imported as: {"F": "torch.nn.functional", "nn": "torch.nn"}."""
    names = {"torch": "torch"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                names[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}"
    return names


def _static_path(node: ast.AST, aliases: dict[str, str]) -> str:
    """"torch.nn.functional.linear" for F.linear (after import torch.nn.functional as F); "" when not static."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return ""
    return ".".join([aliases[node.id]] + parts[::-1])


def _path_problem(path: str) -> str:
    """Why a module path (as imported or read) is refused, or ""."""
    parts = path.split(".")
    if parts[0] == "typing":
        return path if set(parts) & EVALUATING else ""
    if parts[0] not in LIBRARIES:
        return "" if parts[0] in MODULES else f"{path} (only torch, numpy, math and typing may be imported)"
    obj = LIBRARIES[parts[0]]
    for i, part in enumerate(parts[1:], start=1):
        prefix = ".".join(parts[: i + 1])
        parent = ".".join(parts[:i])
        if "linear" in part.lower() or part in F_LAYERS:
            return prefix
        if part.startswith("_") and part not in DUNDERS:
            return prefix
        if parent == "torch.nn" and part not in NN_NAMES:
            return f"{prefix} (only nn.Module, nn.Parameter and nn.init are needed here)"
        if parent in LIBRARIES and part in LOADERS:
            return prefix
        obj = getattr(obj, part, None)
        if not isinstance(obj, types.ModuleType):  # a function, class or constant of an allowed module
            return ""
        if prefix not in MODULES:
            return f"{prefix} (a part of {parts[0]} this exercise does not need)"
    return ""


def reach_routes(tree: ast.AST, refused, package_imports: bool) -> list[str]:
    """Ways to reach an object without writing its name, or beyond the allowed modules (see the docstring)."""
    found: list[str] = []
    flag = _flagger(found)
    aliases = _aliases(tree)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if problem := _path_problem(a.name):
                    flag(node, f"import of {problem}")
        elif isinstance(node, ast.ImportFrom):
            if node.level or (node.module or "").startswith("linear_exercises"):
                if not package_imports:
                    flag(node, "an import of another file of the package")
                continue
            if any(a.name == "*" for a in node.names):
                flag(node, f"from {node.module} import *")
            elif problem := _path_problem(node.module or ""):
                flag(node, f"import of {problem}")
            else:
                for a in node.names:
                    if problem := _path_problem(f"{node.module}.{a.name}"):
                        flag(node, f"import of {problem}")
        elif isinstance(node, ast.Attribute):
            attr = node.attr
            own = isinstance(node.value, ast.Name) and node.value.id in OWN and not attr.startswith("__")
            if attr.startswith("_") and attr not in DUNDERS and not own:
                flag(node, ast.unparse(node))
            elif attr in FRAMES or attr in EVALUATING:
                flag(node, ast.unparse(node))
            elif (path := _static_path(node, aliases)).startswith(("torch.", "numpy.", "typing.")) \
                    and (problem := _path_problem(path)):  # other modules: their import is what is flagged
                flag(node, problem)
        elif isinstance(node, ast.Name):
            if node.id in DYNAMIC or node.id in LOW_LEVEL or node.id in EVALUATING:
                flag(node, node.id)
            elif node.id in ATTR_FUNCS and id(node) not in called:
                flag(node, f"{node.id} used other than called with a name")
        elif isinstance(node, ast.MatchClass) and node.kwd_attrs:
            flag(node, f"a match pattern that reads {', '.join(node.kwd_attrs)}")
    return found + name_lookups(tree, refused) + module_table_reads(tree)


def name_lookups(tree: ast.AST, refused) -> list[str]:
    """getattr/setattr/hasattr/delattr/attrgetter/methodcaller calls whose name is computed, or refused(name)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in ATTR_FUNCS:
            key = node.args[1] if name not in ("attrgetter", "methodcaller") and len(node.args) > 1 else (
                node.args[0] if node.args else None)
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)) or refused(key.value) \
                    or key.value.startswith("_"):
                found.append(f"line {node.lineno}: {name}() with the name {ast.unparse(key) if key is not None else '?'}")
    return found


def module_table_reads(tree: ast.AST) -> list[str]:
    """Reads of sys.modules (also through `import sys as s` or `from sys import modules`): "line N: ..." each."""
    aliases = {"sys"} | {a.asname for node in ast.walk(tree) if isinstance(node, ast.Import)
                         for a in node.names if a.name == "sys" and a.asname}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "modules" and isinstance(node.value, ast.Name) \
                and node.value.id in aliases:
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.ImportFrom) and node.module == "sys" and any(a.name == "modules" for a in node.names):
            found.append(f"line {node.lineno}: import of sys.modules")
    return found


def library_linear_routes(source: str | bytes, filename: str) -> list[str]:
    """Plain-language findings, each with its line, e.g. "line 7: F.linear"; [] when none."""
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError, LookupError):  # an unknown encoding: the import fails the same way
        return []  # the import check reports it
    found: list[str] = []
    flag = _flagger(found)

    def foreign_linear(name: str) -> bool:
        return any(part.lower() in LIBRARY_LINEAR for part in name.split("."))

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if foreign_linear(node.attr):
                flag(node, ast.unparse(node))
            elif node.attr in LOW_LEVEL:
                flag(node, ast.unparse(node))
        elif isinstance(node, ast.Name):
            if foreign_linear(node.id) or node.id in DYNAMIC or node.id in LOW_LEVEL:
                flag(node, node.id)
    return list(dict.fromkeys(found + reach_routes(tree, foreign_linear, package_imports=False)))


# -- exercise 6: gradients by hand, not by autograd ------------------------------------------------
# Names that make autograd compute a gradient (torch.autograd.grad, torch.func.vjp, ...).
AUTOGRAD_CALLS = {"grad", "backward", "vjp", "jvp", "jacobian", "hessian", "hvp", "vhp", "jacrev", "jacfwd",
                  "grad_and_value", "functional", "forward_ad"}
AUTOGRAD_HOMES = {"autograd", "func", "functorch", "functional", "forward_ad"}  # where those names live
ENGINE = {"_execution_engine", "run_backward", "_engine_run_backward", "_functorch",
          "grad_fn", "saved_tensors_hooks", "disable_saved_tensors_hooks"}  # calling a graph's nodes; the watch


def autograd_routes(source: str | bytes, filename: str) -> list[str]:
    """Where a file asks autograd for gradients, e.g. "line 9: torch.autograd.grad"; [] when none.

    Exercise 6 asks for linear_backward's gradients written with tensor operations. Refused,
    anywhere in the file: any `.backward` (y.backward(), torch.autograd.backward; defining
    a method named backward is fine), autograd's gradient functions reached through
    torch.autograd, torch.autograd.functional, torch.autograd.forward_ad, torch.func or
    functorch (grad, vjp, jacobian, ...: as attributes or imported names), any use of
    torch.func or functorch, autograd's engine (_execution_engine, run_backward), a graph's
    nodes (grad_fn) and the hooks the grader's watch uses (saved_tensors_hooks), sys.modules, and the
    same ways to hide a name as in exercise 1 (eval, exec, __import__, importlib,
    getattr with a computed name, torch._C, torch.ops, ...). Allowed: torch.autograd.Function,
    ctx.save_for_backward / ctx.saved_tensors, torch.no_grad, torch.autograd.gradcheck.
    """
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError, LookupError):  # an unknown encoding: the import fails the same way
        return []  # the import check reports it
    found: list[str] = []
    flag = _flagger(found)

    def home(node) -> str:
        """The last name of what an attribute is read from: "autograd" for torch.autograd.grad."""
        base = node.value
        return base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr == "backward" or node.attr in ENGINE or node.attr in LOW_LEVEL:
                flag(node, ast.unparse(node))
            elif node.attr in AUTOGRAD_CALLS and home(node) in AUTOGRAD_HOMES:
                flag(node, ast.unparse(node))
            elif node.attr in ("func", "functorch") and home(node) == "torch":
                flag(node, ast.unparse(node))
        elif isinstance(node, ast.Name):
            if node.id in DYNAMIC or node.id in LOW_LEVEL or node.id == "functorch":
                flag(node, node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = getattr(node, "module", None) or ""
            parts = module.split(".")
            for alias in node.names:
                full = f"{module}.{alias.name}" if module else alias.name
                names = full.split(".")
                from_autograd = bool(set(parts) & AUTOGRAD_HOMES - {"functional"}) or "autograd" in names
                if names[0] == "functorch" or names[:2] == ["torch", "func"] or any(n in ENGINE for n in names) \
                        or (from_autograd and (set(names) & AUTOGRAD_CALLS)):
                    flag(node, f"import of {full}")
    refused = AUTOGRAD_CALLS | ENGINE | LOW_LEVEL
    return list(dict.fromkeys(found + reach_routes(tree, lambda name: name in refused, package_imports=True)))
