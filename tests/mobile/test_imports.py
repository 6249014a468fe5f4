"""The phone ships only flet, tinydb, requests, cryptography, pydantic: mobile/ must not import server code.

Read with ``ast`` (not imported), so a forbidden import inside a function or
behind ``if TYPE_CHECKING`` is caught too, and nothing is executed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MOBILE = Path(__file__).resolve().parents[2] / "mobile"
FORBIDDEN = {
    "sync_server",
    "fastapi",
    "sqlalchemy",
    "uvicorn",
    "httpx",
    "psycopg",
    "openpyxl",
    "alembic",
    "starlette",
}


def imported_roots(tree: ast.AST) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                roots.add(node.args[0].value.split(".")[0])
    return roots


MODULES = sorted(MOBILE.rglob("*.py"))


def test_imports__the_walk_finds_the_modules():
    names = {p.relative_to(MOBILE).as_posix() for p in MODULES}
    assert {"vault/vault.py", "records.py", "sync/client.py", "errors.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(MOBILE).as_posix())
def test_imports__mobile_never_imports_server_dependencies(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = imported_roots(tree) & FORBIDDEN
    assert not bad, f"{path.relative_to(MOBILE.parent)} imports {sorted(bad)}"


def test_imports__the_checker_catches_each_form():
    src = (
        "import fastapi\nfrom sqlalchemy.orm import Session\ndef f():\n    import httpx\n"
        "importlib.import_module('sync_server.db')\n__import__('uvicorn')\n"
    )
    assert imported_roots(ast.parse(src)) == {"fastapi", "sqlalchemy", "httpx", "sync_server", "uvicorn"}
