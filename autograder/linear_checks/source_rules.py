"""Read a submitted file's source (never run it) for routes to PyTorch's own linear layer.

Exercise 1 asks for x @ weight.T + bias written with tensor operations. The checks
also watch, inside the sandbox, which torch functions the code calls; but that watch
runs next to the student's code and can be switched off by it. This reading happens
on the grader's side. It flags:
- the names of PyTorch's linear layers (F.linear, nn.Linear, LazyLinear, Bilinear,
  torch.nn.modules.linear, ...), as names, attributes or imports;
- torch._C, torch.ops and torch._VF (the layers below the Python functions);
- getattr/setattr/hasattr/delattr/attrgetter/methodcaller with a name that is not a
  plain string, or a string containing "linear";
- eval, exec, compile, __import__, importlib, globals(), vars(), __dict__, __builtins__,
  __getattribute__ (ways to reach a name without writing it);
- importing another module of the package (its code is not read here);
- sys.modules (the table of loaded modules: any module without writing its name).
What it cannot see: code that reaches a library linear through objects it was given
at run time in ways none of the above names (e.g. a method of a tensor that happens
to call it), or through a package other than torch. The feedback says so.
"""

from __future__ import annotations

import ast

LIBRARY_LINEAR = {"linear", "_linear", "lazylinear", "bilinear", "nondynamicallyquantizablelinear", "linear_"}
DYNAMIC = {"eval", "exec", "compile", "__import__", "globals", "vars", "locals", "breakpoint"}
ATTR_FUNCS = {"getattr", "setattr", "hasattr", "delattr", "attrgetter", "methodcaller"}
LOW_LEVEL = {"_C", "ops", "_VF", "_ops", "__dict__", "__builtins__", "__getattribute__", "__globals__",
             "__code__", "__closure__", "importlib", "operator"}


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
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)) or refused(key.value):
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


def library_linear_routes(source: str, filename: str) -> list[str]:
    """Plain-language findings, each with its line, e.g. "line 7: F.linear"; [] when none."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError:
        return []  # the import check reports it
    found: list[str] = []

    def flag(node, what: str) -> None:
        found.append(f"line {node.lineno}: {what}")

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
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = getattr(node, "module", None) or ""
            if isinstance(node, ast.ImportFrom) and (node.level or module.startswith("linear_exercises")):
                flag(node, "an import of another file of the package")
            names = [module] + [a.name for a in node.names] + [a.asname or "" for a in node.names]
            for name in names:
                if foreign_linear(name) or name.split(".")[0] in {"importlib", "operator", "ctypes", "builtins"} \
                        or any(part in LOW_LEVEL for part in name.split(".")):
                    flag(node, f"import of {name}")
    return list(dict.fromkeys(found + name_lookups(tree, foreign_linear) + module_table_reads(tree)))


# -- exercise 6: gradients by hand, not by autograd ------------------------------------------------
# Names that make autograd compute a gradient (torch.autograd.grad, torch.func.vjp, ...).
AUTOGRAD_CALLS = {"grad", "backward", "vjp", "jvp", "jacobian", "hessian", "hvp", "vhp", "jacrev", "jacfwd",
                  "grad_and_value", "functional", "forward_ad"}
AUTOGRAD_HOMES = {"autograd", "func", "functorch", "functional", "forward_ad"}  # where those names live
ENGINE = {"_execution_engine", "run_backward", "_engine_run_backward", "_functorch",
          "grad_fn", "saved_tensors_hooks", "disable_saved_tensors_hooks"}  # calling a graph's nodes; the watch


def autograd_routes(source: str, filename: str) -> list[str]:
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
    except SyntaxError:
        return []  # the import check reports it
    found: list[str] = []

    def flag(node, what: str) -> None:
        found.append(f"line {node.lineno}: {what}")

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
                if names[0] == "functorch" or names[:2] == ["torch", "func"] or names[0] in (
                        "importlib", "operator", "ctypes", "builtins") or any(n in LOW_LEVEL | ENGINE for n in names) \
                        or (from_autograd and (set(names) & AUTOGRAD_CALLS)):
                    flag(node, f"import of {full}")
    return list(dict.fromkeys(found + name_lookups(tree, lambda name: name in AUTOGRAD_CALLS | ENGINE | LOW_LEVEL)
                               + module_table_reads(tree)))
