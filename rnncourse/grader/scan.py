"""Static scan of student-written code for patterns that could tamper with grading.

The scan reads the code of solution cells and of cells the student added, never runs
it, and returns human-readable reasons. A reason does not change the score by itself:
the submission is marked ``flagged`` so that a person looks at it. Honest solutions to
the course's exercises need none of these constructs.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..notebook import ipython_to_python

# Modules a solution never needs and that give access to the grader, the file system,
# the process or the interpreter's internals.
SUSPICIOUS_MODULES = {
    "os": "the operating system (files, environment, process exit)",
    "sys": "the interpreter (exit, exception hooks, streams, loaded modules)",
    "builtins": "Python's built-in functions",
    "subprocess": "running other programs",
    "ctypes": "raw memory access",
    "gc": "the garbage collector (reaching any object)",
    "inspect": "introspection of the grader's code",
    "importlib": "re-importing or replacing modules",
    "signal": "signal handlers",
    "threading": "background threads",
    "multiprocessing": "other processes",
    "shutil": "copying and deleting files",
    "pathlib": "the file system",
    "io": "file access",
    "glob": "searching the file system",
    "sqlite3": "databases (the gradebook)",
    "socket": "the network",
    "pickle": "loading arbitrary objects",
    "marshal": "loading code objects",
    "resource": "process limits",
    "atexit": "exit handlers",
    "faulthandler": "crash handlers",
    "traceback": "traceback formatting",
    "IPython": "the notebook kernel",
    "ipykernel": "the notebook kernel",
    "nbgrader": "the grader",
    "nbformat": "reading notebooks",
    "nbclient": "executing notebooks",
    "unittest": "test doubles (mock)",
    "tempfile": "the file system",
    "rnncourse.checks": "the exercise checks and their reference results",
    "rnncourse.grader": "the grader",
    "rnncourse.course": "the course's source notebooks",
}
SUSPICIOUS_CALLS = {
    "exec": "runs code built at run time",
    "eval": "runs code built at run time",
    "compile": "builds code at run time",
    "__import__": "imports modules by name",
    "open": "opens files",
    "globals": "reaches the notebook's global names",
    "locals": "reaches local names",
    "vars": "reaches an object's namespace",
    "setattr": "changes attributes by name",
    "delattr": "deletes attributes by name",
    "get_ipython": "reaches the notebook kernel",
    "exit": "stops the kernel",
    "quit": "stops the kernel",
    "breakpoint": "starts a debugger",
}
SUSPICIOUS_ATTRIBUTES = {
    "__builtins__",
    "__globals__",
    "__code__",
    "__subclasses__",
    "__dict__",
    "__class__",
    "__bases__",
    "__mro__",
    "__closure__",
    "__defaults__",
    "__kwdefaults__",
    "__loader__",
    "__spec__",
    "__import__",
    "f_globals",
    "f_locals",
    "f_back",
    "gi_frame",
    "tb_frame",
    "showtraceback",
    "_showtraceback",
    "showsyntaxerror",
    "excepthook",
    "stderr",
    "stdout",
    "_exit",
    "kill",
    "environ",
    "modules",
}
LYING_DUNDERS = {
    "__eq__",
    "__ne__",
    "__array__",
    "__array_ufunc__",
    "__array_function__",
    "__array_interface__",
    "__float__",
    "__int__",
    "__index__",
    "__bool__",
    "__complex__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__getattr__",
    "__getattribute__",
    "__instancecheck__",
    "__subclasscheck__",
    "__len__",
    "__iter__",
    "__getitem__",
}


@dataclass(frozen=True)
class Finding:
    """One suspicious construct: where it is and why it matters."""

    cell: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.cell}, line {self.line}: {self.reason}"


class _Visitor(ast.NodeVisitor):
    def __init__(self, cell: str) -> None:
        self.cell = cell
        self.findings: list[Finding] = []
        self.module_aliases: set[str] = set()

    def _add(self, node: ast.AST, reason: str) -> None:
        self.findings.append(Finding(self.cell, getattr(node, "lineno", 0), reason))

    def _check_module(self, node: ast.AST, name: str) -> None:
        for module, why in SUSPICIOUS_MODULES.items():
            if name == module or name.startswith(module + "."):
                self._add(node, f"imports {name} ({why})")
                return

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(node, alias.name)
            self.module_aliases.add((alias.asname or alias.name).split(".")[0])
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._check_module(node, module)
        for alias in node.names:
            self._check_module(node, f"{module}.{alias.name}")
            self.module_aliases.add(alias.asname or alias.name)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in SUSPICIOUS_CALLS and (isinstance(func, ast.Name) or name in {"__import__", "get_ipython"}):
            self._add(node, f"calls {name}() ({SUSPICIOUS_CALLS[name]})")
        if isinstance(func, ast.Attribute) and name == "system" and isinstance(func.value, ast.Call):
            self._add(node, "runs a shell command")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in SUSPICIOUS_ATTRIBUTES:
            self._add(node, f"uses the attribute .{node.attr}")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in {"__builtins__", "__import__", "__loader__", "__spec__"}:
            self._add(node, f"uses {node.id}")
        self.generic_visit(node)

    def _check_target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Attribute):
            base: ast.expr = target
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and (
                base.id in self.module_aliases
                or base.id in {"np", "tf", "keras", "checks", "rnncourse", "numpy", "plt", "config"}
            ):
                self._add(target, f"replaces {ast.unparse(target)} (monkeypatching a module)")
        elif isinstance(target, ast.Name) and target.id in {"checks", "rnncourse", "np", "tf", "keras"}:
            self._add(target, f"rebinds the name {target.id!r} that the tests use")
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_target(element)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute):
                self._add(target, f"deletes {ast.unparse(target)}")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in LYING_DUNDERS:
                self._add(item, f"class {node.name} defines {item.name} (objects that can lie in comparisons)")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in {"checks", "print", "isinstance", "float", "AssertionError"}:
            self._add(node, f"defines a function named {node.name!r}, shadowing what the tests use")
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            if name in {"checks", "rnncourse", "np"}:
                self._add(node, f"declares {name!r} global")
        self.generic_visit(node)


def scan_source(source: str, cell: str) -> list[Finding]:
    """Findings in one cell's source (IPython syntax allowed). A syntax error is not a finding."""
    python = ipython_to_python(source)
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return []
    visitor = _Visitor(cell)
    visitor.visit(tree)
    # One finding per (line, reason) is enough.
    unique = {(f.line, f.reason): f for f in visitor.findings}
    return sorted(unique.values(), key=lambda f: f.line)
