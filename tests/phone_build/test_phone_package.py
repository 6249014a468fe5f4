"""scripts/phone_package.py: what the phone build carries, and its refusals.

On the real repository (its files and pyproject) and on small project folders made in
tmp_path, with the dependencies installed in the environment running the tests.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "phone_package.py"


def _load():
    spec = importlib.util.spec_from_file_location("phone_package", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["phone_package"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


pp = _load()

PYPROJECT = """
[project]
name = "demo"
version = "0"
dependencies = ["tinydb>=4.9,<5"]

[tool.flet.app]
path = "."
module = "mobile.main"
exclude = [{exclude}]
"""


def _project(tmp_path: Path, exclude: str = '"sync_server", "tests"', **files: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(exclude=exclude), encoding="utf-8")
    files = {"mobile/__init__.py": "", "mobile/main.py": "import tinydb\n", **files}
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_phone_package__the_repository_ships_the_app_and_the_contract_only():
    listing = pp.make_listing(ROOT)
    assert listing.problems == []
    tops = {path.split("/")[0] for path in listing.files}
    assert {"mobile", "schemas"} <= tops
    assert not tops & {"sync_server", "tests", "benchmarks", "scripts", "docs", ".git", ".venv"}
    assert "mobile/main.py" in listing.files
    assert any(p.startswith("schemas/forms/") and p.endswith(".json") for p in listing.files)
    assert not any("__pycache__" in p for p in listing.files)
    names = {d.name.lower().replace("_", "-") for d in listing.deps.values()}
    assert {"flet", "tinydb", "requests", "pydantic", "pydantic-core", "cryptography", "tzdata"} <= names
    assert not names & {"fastapi", "sqlalchemy", "uvicorn", "openpyxl", "alembic", "starlette"}
    assert listing.app_bytes > 0 and listing.deps_bytes > listing.app_bytes


def test_phone_package__fails_when_sync_server_is_not_excluded():
    app = pp.read_app(ROOT)
    leaky = dataclasses.replace(app, exclude=tuple(p for p in app.exclude if p != "sync_server"))
    _, files = pp.shipped_files(leaky)
    assert any(p.startswith("sync_server/") for p in files)
    problems = pp.check_files(leaky, files, pp.dependency_closure(app.requirements)[0])
    assert any(p.startswith("sync_server/ is shipped") for p in problems)
    assert any("sync_server/" in p and "fastapi" in p for p in problems)  # its imports are caught too


def test_phone_package__a_server_import_deep_in_a_shipped_module_fails(tmp_path: Path):
    body = "def export():\n    from openpyxl import Workbook\n    import sync_server.db\n"
    root = _project(tmp_path, **{"mobile/report.py": body})
    listing = pp.make_listing(root)
    assert listing.problems == [
        "mobile/report.py imports ['openpyxl', 'sync_server']: server, test or benchmark code must not ship"
    ]


def test_phone_package__an_import_the_phone_does_not_carry_fails(tmp_path: Path):
    # httpx-like trap: installed on a workstation, absent from the phone's dependencies.
    root = _project(tmp_path, **{"mobile/net.py": "import hypothesis\nimport json\nfrom . import main\n"})
    problems = pp.make_listing(root).problems
    assert problems == ["mobile/net.py imports ['hypothesis'], which the phone build does not carry"]


def test_phone_package__any_top_level_package_not_excluded_ships(tmp_path: Path):
    root = _project(
        tmp_path,
        **{
            "vault_format/__init__.py": "import tinydb\n",
            "tests/test_x.py": "import pytest\n",
            "mobile/__pycache__/main.cpython-311.pyc": "x",
            ".env": "SECRET=1",
            "mobile/tests/helper.py": "",  # flet matches exclude paths from the top only
        },
    )
    listing = pp.make_listing(root)
    assert listing.problems == []
    assert "vault_format/__init__.py" in listing.files and "mobile/tests/helper.py" in listing.files
    assert not any(p.startswith(("tests/", ".env")) or "__pycache__" in p for p in listing.files)
    assert {"build", "sync_server", "tests", ".env", "mobile/__pycache__"} <= set(listing.excluded)


def test_phone_package__a_server_library_among_the_dependencies_fails(tmp_path: Path):
    root = _project(tmp_path)
    app = dataclasses.replace(pp.read_app(root), requirements=("tinydb>=4.9", "fastapi>=0.115"))
    deps, problems = pp.dependency_closure(app.requirements)
    assert {"fastapi", "starlette"} <= set(deps)
    assert any(p.startswith("fastapi (a server library)") for p in problems)
    assert any(p.startswith("starlette (a server library)") and "fastapi" in p for p in problems)


@pytest.mark.parametrize("leak", [False, True])
def test_phone_package__the_command_prints_the_listing_and_its_verdict(tmp_path: Path, leak: bool):
    root = _project(
        tmp_path,
        exclude='"tests"' if leak else '"sync_server", "tests"',
        **{"sync_server/app.py": "import fastapi\n"},
    )
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--files", "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Python payload: app " in run.stdout and "| `mobile/main.py` |" in run.stdout
    if leak:
        assert run.returncode == 1 and "sync_server/ is shipped" in run.stdout
    else:
        assert run.returncode == 0, run.stdout + run.stderr
        assert "sync_server" not in run.stdout.split("Excluded:")[1].split("\n", 1)[1]


def test_phone_package__an_unreadable_pyproject_is_one_sentence(tmp_path: Path):
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(tmp_path)], capture_output=True, text=True
    )
    assert run.returncode == 2 and run.stderr.startswith("phone_package: cannot read ")
    assert "Traceback" not in run.stderr
