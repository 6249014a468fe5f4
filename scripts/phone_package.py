"""List exactly what the phone build carries, and fail if server, test or benchmark code slips in.

``flet build apk`` cannot run here (it downloads Flutter and the Android SDK), so this
applies its rules to the working tree. Read from flet-cli 1.0.5 (``commands/build_base.py``,
``utils/app_excludes.py``) and serious_python's ``package`` command, which does the copy:

- the app is the folder ``[tool.flet.app].path`` (here ``.``, the repository root);
- the exclude list is ``build``, then ``[tool.flet.app].exclude``, then flet's default
  excludes: hidden entries at the top level, and ``__pycache__`` folders and virtualenvs
  (a folder holding ``pyvenv.cfg``) at any depth; ``[tool.flet.app].include`` takes a path
  back out of the default excludes only;
- serious_python copies the tree and skips an entry whose path relative to the app folder
  *equals* an exclude entry: no globs and no name matching at depth (``tests`` skips
  ``./tests``, not ``mobile/tests``). Then it compiles ``.py`` to ``.pyc``; sizes here are
  the sources'.

Dependencies are ``[project].dependencies`` (plus ``[tool.flet.android].dependencies``), which
flet hands to pip for Android with Flet's wheel index; their closure is followed through the
installed distributions' ``Requires-Dist`` with markers evaluated for Android, and each is
listed with its installed size in *this* environment (Android's wheels differ a little).

It fails (exit 1, a sentence per problem) when a shipped path is or lies under ``sync_server``,
``tests`` or ``benchmarks``; when a shipped ``.py`` imports (anywhere in the file, read with
``ast``) the server, tests, benchmarks or a server library; when it imports a top-level name
that is neither shipped, nor the standard library, nor in the dependency closure (it would
crash on the phone); or when a server library is in the dependency closure. Any top-level
package not excluded is treated as shipped, whoever adds it.

Usage: ``python scripts/phone_package.py [--files]`` from the server's environment (or any
environment where the phone's dependencies are installed).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
NEVER_SHIPPED = ("sync_server", "tests", "benchmarks")
# Import roots the phone must never reach: our server/test/benchmark code and the server's libraries.
FORBIDDEN_IMPORTS = frozenset(NEVER_SHIPPED) | {
    "fastapi",
    "starlette",
    "sqlalchemy",
    "uvicorn",
    "openpyxl",
    "psycopg",
    "psycopg_binary",
    "alembic",
}
# The same libraries as distributions: none may enter the phone's dependency closure.
FORBIDDEN_DISTS = frozenset(
    canonicalize_name(n)
    for n in (
        "fastapi",
        "starlette",
        "sqlalchemy",
        "uvicorn",
        "openpyxl",
        "psycopg",
        "psycopg-binary",
        "alembic",
    )
)
# How pip sees an Android phone when it resolves the markers of Requires-Dist lines.
ANDROID_MARKERS = {"platform_system": "Android", "sys_platform": "android", "os_name": "posix"}


class PackageListingError(Exception):
    """The pyproject or the environment does not let the listing be made."""


@dataclass(frozen=True)
class FletApp:
    root: Path
    path: str  # as [tool.flet.app].path says it
    module: str
    exclude: tuple[str, ...]
    include: tuple[str, ...]
    requirements: tuple[str, ...]


@dataclass
class Dependency:
    name: str
    version: str
    size: int
    required_by: set[str] = field(default_factory=set)


@dataclass
class Listing:
    app: FletApp
    excluded: list[str]
    files: dict[str, int]  # relative posix path -> bytes
    deps: dict[str, Dependency]
    problems: list[str]

    @property
    def app_bytes(self) -> int:
        return sum(self.files.values())

    @property
    def deps_bytes(self) -> int:
        return sum(d.size for d in self.deps.values())


def read_app(root: Path = ROOT) -> FletApp:
    """The ``[tool.flet.app]`` settings and the phone's requirements from ``root/pyproject.toml``."""
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PackageListingError(f"cannot read {root / 'pyproject.toml'}: {exc}") from exc
    flet = data.get("tool", {}).get("flet", {})
    app = flet.get("app", {})
    reqs = list(data.get("project", {}).get("dependencies", []))
    reqs += flet.get("android", {}).get("dependencies", [])
    return FletApp(
        root=(root / app.get("path", ".")).resolve(),
        path=app.get("path", "."),
        module=app.get("module", "main"),
        exclude=tuple(app.get("exclude", [])),
        include=tuple(app.get("include", [])),
        requirements=tuple(reqs),
    )


def default_excludes(root: Path, include: tuple[str, ...], explicit: list[str]) -> list[str]:
    """flet's default excludes: top-level hidden entries, ``__pycache__`` and virtualenvs at any depth."""
    keep = {os.path.normpath(p) for p in include}
    skip = {os.path.normpath(p) for p in explicit}
    found: list[str] = []
    subdirs = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name in skip:
            continue
        if entry.name.startswith("."):
            if entry.name not in keep:
                found.append(entry.name)
            continue
        if entry.is_dir():
            subdirs.append(entry.name)
    for sub in subdirs:
        for dirpath, dirnames, _ in os.walk(root / sub):
            rel = os.path.relpath(dirpath, root)
            is_junk = os.path.basename(dirpath) == "__pycache__" or (Path(dirpath) / "pyvenv.cfg").is_file()
            if is_junk and rel not in keep:
                found.append(rel)
                dirnames.clear()
                continue
            dirnames[:] = sorted(d for d in dirnames if os.path.join(rel, d) not in skip)
    return sorted(found)


def shipped_files(app: FletApp) -> tuple[list[str], dict[str, int]]:
    """(the exclude list flet passes on, {relative posix path: size} of every file it copies)."""
    explicit = ["build", *app.exclude]
    excluded = list(dict.fromkeys(explicit + default_excludes(app.root, app.include, explicit)))
    skip = {os.path.normpath(p) for p in excluded}
    files: dict[str, int] = {}
    for dirpath, dirnames, filenames in os.walk(app.root):
        rel_dir = os.path.relpath(dirpath, app.root)
        dirnames[:] = sorted(d for d in dirnames if os.path.normpath(os.path.join(rel_dir, d)) not in skip)
        for name in sorted(filenames):
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel not in skip:
                files[Path(rel).as_posix()] = (Path(dirpath) / name).stat().st_size
    return excluded, files


def dependency_closure(requirements: tuple[str, ...]) -> tuple[dict[str, Dependency], list[str]]:
    """Installed distributions the phone's requirements pull in (Android markers), and problems."""
    env = {**default_environment(), **ANDROID_MARKERS, "extra": ""}
    deps: dict[str, Dependency] = {}
    problems: list[str] = []
    todo = [(Requirement(r), "pyproject.toml") for r in requirements]
    while todo:
        req, parent = todo.pop()
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        key = canonicalize_name(req.name)
        if key in deps:
            deps[key].required_by.add(parent)
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            problems.append(
                f"{req.name} (needed by {parent}) is not installed here: the listing is incomplete"
            )
            continue
        size = sum(
            f.size or 0
            for f in dist.files or ()
            if "__pycache__" not in f.parts and not str(f).startswith("..")
        )
        deps[key] = Dependency(dist.metadata["Name"], dist.version, size, {parent})
        for line in dist.requires or ():
            todo.append((Requirement(line), dist.metadata["Name"]))
    for key, dep in sorted(deps.items()):
        if key in FORBIDDEN_DISTS:
            problems.append(
                f"{dep.name} (a server library) is in the phone's dependencies, via {sorted(dep.required_by)}"
            )
    return deps, problems


def imported_roots(tree: ast.AST) -> set[str]:
    """Top-level names imported anywhere in ``tree`` (inside functions and conditions too)."""
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


def provided_names(deps: dict[str, Dependency]) -> set[str]:
    """Import names the dependency closure provides."""
    wanted = set(deps)
    return {
        name
        for name, dists in metadata.packages_distributions().items()
        if any(canonicalize_name(d) in wanted for d in dists)
    }


def check_files(app: FletApp, files: dict[str, int], deps: dict[str, Dependency]) -> list[str]:
    problems = []
    tops = {path.split("/")[0] for path in files}
    for name in NEVER_SHIPPED:
        if name in tops:
            problems.append(f"{name}/ is shipped: add it to [tool.flet.app].exclude")
    entry = app.module.replace(".", "/")
    if f"{entry}.py" not in files and f"{entry}/__init__.py" not in files:
        problems.append(f"the entry module {app.module} is not among the shipped files")
    shipped_roots = {t.removesuffix(".py") for t in tops}
    known = shipped_roots | set(sys.stdlib_module_names) | provided_names(deps) | {"__future__"}
    for path in sorted(p for p in files if p.endswith(".py")):
        source = (app.root / path).read_text(encoding="utf-8")
        try:
            roots = imported_roots(ast.parse(source, filename=path))
        except SyntaxError as exc:
            problems.append(f"{path} does not parse: {exc.msg} (line {exc.lineno})")
            continue
        if bad := sorted(roots & FORBIDDEN_IMPORTS):
            problems.append(f"{path} imports {bad}: server, test or benchmark code must not ship")
        if unknown := sorted(roots - known - FORBIDDEN_IMPORTS):
            problems.append(f"{path} imports {unknown}, which the phone build does not carry")
    return problems


def make_listing(root: Path = ROOT) -> Listing:
    app = read_app(root)
    excluded, files = shipped_files(app)
    deps, problems = dependency_closure(app.requirements)
    problems += check_files(app, files, deps)
    return Listing(app, excluded, files, deps, problems)


def _kib(n: int) -> str:
    return f"{n / 1024:,.0f} KiB" if n < 10 * 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MiB"


def render(listing: Listing, *, every_file: bool) -> str:
    out = [f"# What the phone build carries (app folder `{listing.app.path}`, module `{listing.app.module}`)"]
    out += ["", "Excluded: " + ", ".join(f"`{p}`" for p in listing.excluded), ""]
    out += ["| shipped | files | size |", "| --- | ---: | ---: |"]
    by_top: dict[str, list[int]] = {}
    for path, size in listing.files.items():
        top = path.split("/")[0] + ("/" if "/" in path else "")
        by_top.setdefault(top, []).append(size)
    for top, sizes in sorted(by_top.items()):
        out.append(f"| `{top}` | {len(sizes)} | {_kib(sum(sizes))} |")
    if every_file:
        out += ["", "| file | bytes |", "| --- | ---: |"]
        out += [f"| `{p}` | {s:,} |" for p, s in sorted(listing.files.items())]
    out += ["", "| dependency | version | required by | installed size here |", "| --- | --- | --- | ---: |"]
    for dep in sorted(listing.deps.values(), key=lambda d: -d.size):
        out.append(
            f"| {dep.name} | {dep.version} | {', '.join(sorted(dep.required_by))} | {_kib(dep.size)} |"
        )
    total = listing.app_bytes + listing.deps_bytes
    out += [
        "",
        f"Python payload: app {_kib(listing.app_bytes)} ({len(listing.files)} files) + "
        f"dependencies {_kib(listing.deps_bytes)} ({len(listing.deps)} distributions) = {_kib(total)}",
    ]
    if listing.problems:
        out += ["", "FAILED:"] + [f"- {p}" for p in listing.problems]
    else:
        out.append(
            "OK: no server, test or benchmark code; every import is shipped, standard library or a dependency"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", action="store_true", help="list every shipped file with its size")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the project folder (default: this repository)"
    )
    args = parser.parse_args(argv)
    try:
        listing = make_listing(args.root)
    except PackageListingError as exc:
        print(f"phone_package: {exc}", file=sys.stderr)
        return 2
    print(render(listing, every_file=args.files))
    return 1 if listing.problems else 0


if __name__ == "__main__":
    sys.exit(main())
