"""The design's import rules, as a table (see docs/architecture.md).

Each rule names the modules it governs and what they may not import (or the
only roots they may import). Modules are read with ``ast``, never imported:
an import inside a function or behind ``if TYPE_CHECKING`` is caught too, and
relative imports are resolved to the absolute module they name.

| rule | who | may import |
| --- | --- | --- |
| the contract is framework-free | ``schemas`` | pydantic, the standard library, ``schemas`` |
| the phone never carries the server | ``mobile``, ``vault_format`` | nothing of the server or its deps |
| the vault format is small | ``vault_format`` | the standard library, cryptography, ``schemas``, itself |
| the server uses the app's entry point only | ``sync_server`` | ``mobile.main`` alone, in one module |
| services hold no HTTP | ``sync_server.services`` | nothing of ``sync_server.api`` |
| routes do not lean on each other | ``sync_server.api.routes.*`` | no other route module |
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}
SERVER_DEPS = frozenset(
    {
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
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (``from a import b`` gives ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            out.add(stem)
            out.update(f"{stem}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                out.add(node.args[0].value)
    return out


def root(name: str) -> str:
    return name.split(".")[0]


def under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def modules(package: str) -> list[Path]:
    base = ROOT / package.replace(".", "/")
    return sorted(p for p in base.rglob("*.py") if "migrations" not in p.parts) if base.exists() else []


@dataclass(frozen=True)
class Rule:
    name: str
    package: str

    def violations(self, path: Path) -> set[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class OnlyRoots(Rule):
    allowed: frozenset[str]

    def violations(self, path: Path) -> set[str]:
        return {n for n in imports_of(path) if root(n) not in self.allowed and root(n) not in STDLIB}


@dataclass(frozen=True)
class Never(Rule):
    forbidden: frozenset[str]

    def violations(self, path: Path) -> set[str]:
        return {n for n in imports_of(path) if any(under(n, f) for f in self.forbidden)}


@dataclass(frozen=True)
class NoOtherRoute(Rule):
    def violations(self, path: Path) -> set[str]:
        me = module_name(path)
        routes = "sync_server.api.routes"
        return {
            n
            for n in imports_of(path)
            if under(n, routes)
            and n != routes
            and not under(me, n)
            and n.count(".") == routes.count(".") + 1
            and (ROOT / (n.replace(".", "/") + ".py")).exists()
        }


RULES = [
    OnlyRoots(
        "the contract is framework-free", "schemas", frozenset({"schemas", "pydantic", "pydantic_core"})
    ),
    Never("the phone never carries the server", "mobile", SERVER_DEPS),
    Never("the phone's vault format never carries the server", "vault_format", SERVER_DEPS | {"mobile"}),
    OnlyRoots(
        "the vault format is small", "vault_format", frozenset({"vault_format", "cryptography", "schemas"})
    ),
    Never(
        "services hold no HTTP",
        "sync_server.services",
        frozenset({"sync_server.api", "fastapi", "starlette"}),
    ),
    NoOtherRoute("routes do not lean on each other", "sync_server.api.routes"),
]
CASES = [(rule, path) for rule in RULES for path in modules(rule.package)]


@pytest.mark.parametrize(
    ("rule", "path"), CASES, ids=[f"{r.package}:{p.relative_to(ROOT).as_posix()}" for r, p in CASES]
)
def test_import_rules__each_module_keeps_its_rule(rule: Rule, path: Path):
    bad = rule.violations(path)
    assert not bad, f"{path.relative_to(ROOT)} breaks '{rule.name}': imports {sorted(bad)}"


def test_import_rules__the_server_reaches_the_phone_only_through_its_entry_point():
    users = {}
    for path in modules("sync_server"):
        of_mobile = {n for n in imports_of(path) if root(n) == "mobile"}
        if of_mobile:
            users[path.relative_to(ROOT).as_posix()] = of_mobile
    assert len(users) <= 1, f"more than one server module imports the app: {sorted(users)}"
    for where, names in users.items():
        inside = {n for n in names if n != "mobile" and not under(n, "mobile.main")}
        assert not inside, f"{where} imports the phone's internals: {sorted(inside)}"


def test_import_rules__the_walk_finds_the_packages():
    names = {module_name(p) for p in modules("mobile")}
    assert {"mobile.records", "mobile.vault.vault", "mobile.sync.client"} <= names
    assert modules("schemas") and modules("sync_server.services") and modules("sync_server.api.routes")


def test_import_rules__the_reader_resolves_every_form_and_the_rules_catch_them():
    src = (
        "import fastapi\nfrom sqlalchemy.orm import Session\nfrom ..api import deps\nfrom . import units\n"
        "def f():\n    import httpx\nimportlib.import_module('mobile.vault')\n__import__('uvicorn')\n"
    )
    probe = ROOT / "sync_server" / "services" / "_probe_for_import_rules.py"
    probe.write_text(src, encoding="utf-8")
    try:
        found = imports_of(probe)
        no_http = Never("x", "sync_server.services", frozenset({"sync_server.api", "fastapi"})).violations(
            probe
        )
        framework_free = OnlyRoots("x", "schemas", frozenset({"schemas", "pydantic"})).violations(probe)
    finally:
        probe.unlink()
    assert {"fastapi", "sqlalchemy.orm", "sync_server.api.deps", "sync_server.services.units"} <= found
    assert {"httpx", "mobile.vault", "uvicorn"} <= found
    assert no_http == {"fastapi", "sync_server.api", "sync_server.api.deps"}
    assert {"fastapi", "sqlalchemy.orm", "httpx", "uvicorn", "mobile.vault"} <= framework_free
