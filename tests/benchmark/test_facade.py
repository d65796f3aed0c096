"""The harness speaks to methods through one public surface: names `methods` exports, nothing deeper."""

from __future__ import annotations

import ast
from pathlib import Path

import methods

PACKAGE = Path(__file__).resolve().parents[2] / "benchmark"


def method_imports(source: str) -> list[tuple[int, str, str]]:
    """(line, module, name) of every import of the `methods` package or below in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name, "") for a in node.names if a.name.split(".")[0] == "methods"
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "methods":
                continue
            found += [(node.lineno, node.module, a.name) for a in node.names]
    return found


def facade_violations(source: str) -> list[str]:
    """What `source` imports past the facade: a `methods.` submodule, or a name not in __all__."""
    bad = []
    for line, module, name in method_imports(source):
        if module != "methods":
            bad.append(f"line {line}: imports {module} (use `from methods import ...`)")
        elif name and name not in methods.__all__:
            bad.append(f"line {line}: methods.{name} is not exported by methods.__all__")
    return bad


def test_the_check_catches_imports_past_the_facade() -> None:
    """The checker itself: submodule imports and unexported names are caught, the facade is not."""
    assert facade_violations("from methods.core.weights import sha256_file\n")
    assert facade_violations("import methods.core\n")
    assert facade_violations("from methods import _private_thing\n")
    assert not facade_violations("import methods\nfrom methods import Method, weights_index\n")


def test_benchmark_imports_only_what_methods_exports() -> None:
    """No module in benchmark/ imports `methods.core` (or any submodule) or an unexported name."""
    problems = [
        f"{path.relative_to(PACKAGE.parent)} {problem}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for problem in facade_violations(path.read_text())
    ]
    assert not problems, "\n".join(problems)


def test_every_exported_name_exists() -> None:
    """__all__ promises only names the package really has."""
    assert [n for n in methods.__all__ if not hasattr(methods, n)] == []
