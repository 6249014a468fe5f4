"""Print the requirements of the phone's test environment: the phone's oldest declared versions.

The phone build takes its binary wheels from Flet's own Android index, which lags
PyPI (cryptography 43.0.1, a pydantic of the 2.11 line). So ``[project].dependencies``
declares ranges whose lower bounds are what the phone really carries, and the
phone's tests run against exactly those lower bounds: every dependency with a
lower bound (``>=X`` or ``==X``) is pinned ``==X``; one without a lower bound
(``tzdata``) is left to the newest, and says so on stderr.

The test tools come from the ``test`` extra as declared (they are never
shipped). openpyxl is among them only because one phone test reads the
server's Excel export.

Usage: ``python scripts/phone_requirements.py > requirements.txt``
(``--check`` instead compares the running interpreter's installed versions to
the pins and exits 1 on a difference). Needs ``packaging`` (pip, pytest and
the server's environment all have it).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# Test tools the phone's suites import, taken from the "test" extra with their declared ranges.
TEST_TOOLS = ("pytest", "pytest-timeout", "hypothesis")
# Not in the "test" extra (the server extra brings it there); only the test reading an export uses it.
EXTRA_TEST_TOOLS = ("openpyxl>=3.1",)


def lowest(req: Requirement) -> str | None:
    """The lowest version ``req`` allows, from its ``>=``/``==``/``~=`` clauses; None without one."""
    bounds = [s.version for s in req.specifier if s.operator in (">=", "==", "~=")]
    if not bounds:
        return None
    return str(max(bounds, key=Version))


def phone_pins(pyproject: Path = ROOT / "pyproject.toml") -> tuple[list[str], list[str]]:
    """(pinned requirement lines, names left unpinned) for ``[project].dependencies``."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    pins, unpinned = [], []
    for line in project["dependencies"]:
        req = Requirement(line)
        low = lowest(req)
        if low is None:
            pins.append(req.name)
            unpinned.append(req.name)
        else:
            pins.append(f"{req.name}=={low}")
    return pins, unpinned


def test_tools(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    extras = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    declared = {Requirement(line).name: line for line in extras["test"]}
    missing = [name for name in TEST_TOOLS if name not in declared]
    if missing:
        raise SystemExit(f"the test extra no longer declares {missing}: update TEST_TOOLS")
    return [declared[name] for name in TEST_TOOLS] + list(EXTRA_TEST_TOOLS)


def check_installed(pins: list[str]) -> list[str]:
    """Lines describing each pinned distribution whose installed version differs from its pin."""
    problems = []
    for line in pins:
        req = Requirement(line)
        try:
            have = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{req.name}: not installed")
            continue
        if req.specifier and not req.specifier.contains(have, prereleases=True):
            problems.append(f"{req.name}: {have} installed, {req.specifier} wanted")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare the installed versions to the pins")
    args = parser.parse_args(argv)
    pins, unpinned = phone_pins()
    if args.check:
        problems = check_installed(pins)
        for problem in problems:
            print(f"phone environment: {problem}", file=sys.stderr)
        return 1 if problems else 0
    for name in unpinned:
        print(f"note: {name} declares no lower bound; the newest is installed", file=sys.stderr)
    print("\n".join(pins + test_tools()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
