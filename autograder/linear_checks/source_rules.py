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
- any other module reached as an attribute: an attribute chain through a module counts as
  reaching it (warnings.sys, typing.functools, torch._C, torch.jit, torch.utils, numpy.lib,
  numpy.core; a listed module under another path too: torch.nn.functional.torch). A chain
  that starts at an imported name (import x as y, from x import y) is walked on the grader's
  own copy of the modules with getattr, nothing called (a library's lazy submodule gets
  imported here), getattr(x, "name") read as x.name, and refused at the first step that
  lands on a module whose path is not on the list; the walk stops at the first function,
  class or constant (from those of the listed modules, two more steps by names without "_"
  reach no module: checked with torch 2.14, numpy 2.4, Python 3.11). An imported module used other than as x.<name>, getattr(x, "name") or hasattr(x,
  "name") (w = warnings, [typing], def f(m=warnings)) is refused: the walk could not follow it;
- torch.load, numpy.load and torch.compile, any part of a torch path with "linear" in its
  name, and any nn.<X> but Module, Parameter, Buffer, init, parameter and functional (a
  linear layer taken from inside a bigger layer: nn.TransformerEncoderLayer(...).linear1);
- an attribute that starts with "_" (torch._C, __dict__, __subclasses__, __globals__),
  except harmless ones (__init__, __name__, __class__, __repr__, ...) and the file's
  own private attributes on self, ctx or cls; a frame or a traceback's frame (gi_frame, f_globals, ...);
- getattr, setattr, hasattr, delattr used other than as a call with a plain string, or
  that string naming something refused or starting with "_"; attrgetter and methodcaller; eval, exec, compile,
  __import__, globals, vars, locals, breakpoint; typing's get_type_hints and ForwardRef
  (they evaluate strings); attributes read by a `match` class pattern; sys.modules;
- these names kept under another name: read from an object (builtins.getattr, x.vars: eval and compile
  excepted, model.eval() is a common method), or given a new meaning (def, class, import as, an argument,
  global, except as, a match capture; an assignment, for target or walrus is a use of the name, refused above);
- the names of PyTorch's linear layers (exercise 1) or autograd's gradient functions,
  .backward, graph nodes and the grader's watch (exercise 6).
The file is read as bytes and parsed the way Python imports it (its coding cookie and a
byte-order mark honoured): a file that declares raw_unicode_escape can hide lines from a
reader that decodes it as UTF-8, and one that starts with a byte-order mark fails to parse
as text while it imports fine.
What it cannot see: code that reaches a library function through objects it was given
at run time in ways none of the above names (e.g. a method of a tensor that happens to
call it, or an attribute chain that starts at a tensor, a function's result or a local
variable: only chains from imported names are walked), a function of an allowed module
that itself turns a string into an object and is not named above, or a module whose
attributes change between this reading and the run. The feedback says the rule reads the file.
"""

from __future__ import annotations

import __future__
import ast
import math
import numbers
import types
import typing
import warnings

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
LIBRARIES = {"torch": torch, "numpy": numpy}  # no loaders, no "linear", only some nn.<X>
ROOTS = {**LIBRARIES, "math": math, "typing": typing, "warnings": warnings, "numbers": numbers, "__future__": __future__}
BUILTIN_LOOKUPS = (ATTR_FUNCS | DYNAMIC) - {"eval", "compile"}  # refused as x.<name> too (not x.eval(): nn.Module)
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


def _literal_getattr(node: ast.AST, funcs=("getattr",)) -> bool:
    """getattr(x, "name"), read as x.name (funcs=("hasattr",): hasattr(x, "name"))."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in funcs \
        and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)


def _static_path(node: ast.AST, aliases: dict[str, str]) -> str:
    """"torch.nn.functional.linear" for F.linear (after import torch.nn.functional as F), also for
    getattr(F, "linear"); "" when not static."""
    parts = []
    while isinstance(node, ast.Attribute) or _literal_getattr(node):
        parts.append(node.attr if isinstance(node, ast.Attribute) else node.args[1].value)
        node = node.value if isinstance(node, ast.Attribute) else node.args[0]
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return ""
    return ".".join([aliases[node.id]] + parts[::-1])


def _path_problem(path: str) -> str:
    """Why a module path (as imported or read) is refused, or ""."""
    parts = path.split(".")
    if parts[0] not in ROOTS:
        return f"{path} (only torch, numpy, math and typing may be imported)"
    obj = ROOTS[parts[0]]
    for i, part in enumerate(parts[1:], start=1):
        prefix = ".".join(parts[: i + 1])
        parent = ".".join(parts[:i])
        if "linear" in part.lower() or part in F_LAYERS or part in EVALUATING:
            return prefix
        if part.startswith("_") and part not in DUNDERS:
            return prefix
        if parent == "torch.nn" and part not in NN_NAMES:
            return f"{prefix} (only nn.Module, nn.Parameter and nn.init are needed here)"
        if parent in LIBRARIES and part in LOADERS:
            return prefix
        obj = _attribute(obj, part)
        if not isinstance(obj, types.ModuleType):  # a function, class or constant of an allowed module
            return ""
        if prefix in MODULES:
            continue
        if obj.__name__ in MODULES:
            return f"{prefix} (that is {obj.__name__} reached through another module: write {obj.__name__} itself)"
        if obj.__name__ != prefix:
            return f"{prefix} (that is the module {obj.__name__}, which this exercise may not use)"
        return f"{prefix} (a module this exercise may not use)"
    return ""


def _attribute(module: types.ModuleType, name: str):
    """module.<name> on the grader's own copy, None when absent (a lazy submodule is imported, its warning hushed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return getattr(module, name, None)
        except Exception:  # the file's own read fails the same way
            return None


def _bound_names(node: ast.AST) -> list[str]:
    """Names a node binds other than as an ast.Name: def, class, import as, arguments, global, except as, match."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.alias):
        return [node.asname or node.name.split(".")[0]]
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return node.names
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
        return [node.name] if node.name else []
    if isinstance(node, ast.MatchMapping):
        return [node.rest] if node.rest else []
    return []


def reach_routes(tree: ast.AST, refused, package_imports: bool) -> list[str]:
    """Ways to reach an object without writing its name, or beyond the allowed modules (see the docstring)."""
    found: list[str] = []
    flag = _flagger(found)
    aliases = _aliases(tree)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    modules = {name for name, path in aliases.items() if path in MODULES}  # names of imported modules
    walked = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)} | {
        id(node.args[0]) for node in ast.walk(tree) if _literal_getattr(node, ("getattr", "hasattr"))}  # x in x.name
    for node in ast.walk(tree):
        for name in _bound_names(node):
            if name in ATTR_FUNCS or name in DYNAMIC:
                flag(node, f"the name {name} is given a new meaning; pick another name")
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
        elif isinstance(node, ast.Attribute) or _literal_getattr(node):
            attr = node.attr if isinstance(node, ast.Attribute) else ""
            own = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in OWN \
                and not attr.startswith("__")
            if attr.startswith("_") and attr not in DUNDERS and not own:
                flag(node, ast.unparse(node))
            elif attr in FRAMES or attr in EVALUATING:
                flag(node, ast.unparse(node))
            elif attr in BUILTIN_LOOKUPS:
                flag(node, f"{ast.unparse(node)} is Python's {attr} under another name, which is not allowed here")
            elif (path := _static_path(node, aliases)).split(".")[0] in ROOTS and "." in path \
                    and (problem := _path_problem(path)):  # other modules: their import is what is flagged
                flag(node, problem)
        elif isinstance(node, ast.Name):
            if node.id in DYNAMIC or node.id in LOW_LEVEL or node.id in EVALUATING:
                flag(node, node.id)
            elif node.id in ATTR_FUNCS and id(node) not in called:
                flag(node, f"{node.id} used other than called with a name")
            elif node.id in modules and isinstance(node.ctx, ast.Load) and id(node) not in walked:
                flag(node, f"the module {node.id} is used as a value; write {node.id}.<name> where you need it")
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
