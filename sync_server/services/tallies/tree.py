"""The unit-tree cache: a unit's subtree as plain values, with inherited tags and baseline totals.

A report reads a thousand units; ORM objects and re-parsing every unit's
tags and baselines cost more than the query, so a tree is built once from
the units' stored text columns and reused while the database's unit version
says they have not changed (``load_tree``). Subtree totals are computed for every node in one
bottom-up pass (``Tree.rolled_up``).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from ...models import UnitRow, UnitVersionRow
from ..units import PATH_SEP

UnitSums = dict[str, dict[str, float]]  # unit_code -> measure_id -> total
YearBaselines = tuple[tuple[int, Mapping[str, int]], ...]  # (year, key -> count), latest year first


@dataclass(frozen=True, slots=True)
class Node:
    """One unit of a loaded tree, as plain values (a report reads a thousand of them; ORM objects cost)."""

    code: str
    name: str
    type: str
    parent_code: str | None
    path: str
    tags: tuple[str, ...]
    baselines: YearBaselines


@dataclass
class Tree:
    """A unit's subtree as loaded: nodes (parents first), inherited tags and who is under whom.

    Subtree sums are computed for every node in one bottom-up pass, so
    evaluating a parent and all its children (or every unit, for an export)
    reads each unit's figures once. A tree is immutable once built and is
    shared between requests while the units' stored rows stay the same
    (``load_tree``); its baseline totals are cached in it.
    """

    root: Node
    rows: list[Node]
    tags: dict[str, frozenset[str]]
    kids: dict[str, list[Node]] = field(default_factory=dict)
    _cache: dict[tuple, UnitSums] = field(default_factory=dict, repr=False)
    _memo: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict, repr=False)

    def under(self, node: Node | UnitRow) -> list[str]:
        """Codes of ``node`` and every unit below it."""
        prefix = node.path + PATH_SEP
        return [r.code for r in self.rows if r.path == node.path or r.path.startswith(prefix)]

    def children(self, node: Node | UnitRow) -> list[Node]:
        return self.kids.get(node.code, [])

    def rolled_up(self, own: Mapping[str, Mapping[str, float]], wanted: frozenset[str] | None) -> UnitSums:
        """Each node's subtree total of ``own`` (per unit), counting only units with a tag in ``wanted``.

        ``wanted`` None counts every unit. Children come after their parents
        in ``rows``, so walking it backwards adds each finished child into its
        parent.
        """
        out: UnitSums = {}
        for node in reversed(self.rows):
            acc = out.setdefault(node.code, {})
            if wanted is None or not wanted.isdisjoint(self.tags[node.code]):
                for k, v in own.get(node.code, {}).items():
                    acc[k] = acc.get(k, 0.0) + v
            if node.parent_code is not None and node.code != self.root.code:
                up = out.setdefault(node.parent_code, {})
                for k, v in acc.items():
                    up[k] = up.get(k, 0.0) + v
        return out

    def matching(self, wanted: frozenset[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The codes of the units with a tag (own or inherited) in ``wanted``, and of the others."""
        key = ("matching", wanted)
        got = self._memo.get(key)
        if got is None:
            inside = tuple(n.code for n in self.rows if not wanted.isdisjoint(self.tags[n.code]))
            outside = tuple(n.code for n in self.rows if wanted.isdisjoint(self.tags[n.code]))
            got = self._memo[key] = (inside, outside)
        return got

    def baselines(self, keys: tuple[str, ...], year: int, wanted: frozenset[str] | None) -> UnitSums:
        """Each node's subtree baselines for ``keys`` in ``year`` (the latest earlier year's when missing)."""
        cache_key = ("baselines", keys, year, wanted)
        if cache_key not in self._cache:
            own_key = ("own baselines", keys, year)
            if own_key not in self._cache:
                self._cache[own_key] = {n.code: _own_baselines(n.baselines, keys, year) for n in self.rows}
            totals = self.rolled_up(self._cache[own_key], wanted)
            self._cache[cache_key] = {c: {k: t.get(k, 0.0) for k in keys} for c, t in totals.items()}
        return self._cache[cache_key]


def _own_baselines(baselines: YearBaselines, keys: Iterable[str], year: int) -> dict[str, float]:
    """A unit's own baseline per key: ``year``'s, or the latest earlier year's (as ``baseline_for``)."""
    out: dict[str, float] = {}
    for k in keys:
        for y, values in baselines:  # latest year first
            if y <= year and k in values:
                if values[k]:
                    out[k] = float(values[k])
                break
    return out


def _year(item: tuple[int, Any]) -> int:
    return item[0]


def _node(row: tuple[str, str, str, str | None, str, str | None, str | None]) -> Node:
    code, name, type_, parent_code, path, tags, baselines = row
    years = json.loads(baselines) if baselines else {}
    return Node(
        code=code,
        name=name,
        type=type_,
        parent_code=parent_code,
        path=path,
        tags=tuple(json.loads(tags) if tags else ()),
        baselines=tuple(sorted(((int(y), v) for y, v in years.items()), key=_year)[::-1]),
    )


def in_subtree(path: str) -> Any:
    """A condition on ``units``: the unit at ``path`` and every unit below it."""
    return or_(UnitRow.path == path, UnitRow.path.startswith(path + PATH_SEP, autoescape=True))


_TREES: OrderedDict[tuple, Tree] = OrderedDict()
_TREES_KEPT = 32
_TREES_LOCK = threading.Lock()


def load_tree(session: Session, root: UnitRow | Node) -> Tree:
    """``root``'s subtree, with tags inherited from its ancestors.

    A tree is reused while the database's unit version (``unit_versions``,
    raised by a trigger on every change to ``units``) is the one it was built
    at: one primary-key read, where reading the country's 11,000 units costs
    tens of milliseconds, and right in every worker whoever changed the units.
    The row's lineage (random per database) keeps two databases at the same
    version apart. Without that row (a database not migrated that far) the
    units are read and the tree is reused while they are exactly the same.
    A backup restored over the database the workers serve brings back an
    older version number: restart the workers after a restore (docs/scaling.md).
    """
    version = session.execute(
        select(UnitVersionRow.lineage, UnitVersionRow.version).where(UnitVersionRow.id == 1)
    ).first()
    if version is not None:
        key: tuple = (root.code, root.path, *version)
        with _TREES_LOCK:
            tree = _TREES.get(key)
            if tree is not None:
                _TREES.move_to_end(key)
                return tree
        tree = _build_tree(root.code, *_read_units(session, root))
        _remember(key, tree)
        return tree
    raw, above = _read_units(session, root)
    key = (root.code, raw, above)
    with _TREES_LOCK:
        tree = _TREES.get(key)
        if tree is not None:
            _TREES.move_to_end(key)
            return tree
    tree = _build_tree(root.code, raw, above)
    _remember(key, tree)
    return tree


def _remember(key: tuple, tree: Tree) -> None:
    with _TREES_LOCK:
        _TREES[key] = tree
        while len(_TREES) > _TREES_KEPT:
            _TREES.popitem(last=False)


def _read_units(session: Session, root: UnitRow | Node) -> tuple[tuple, tuple]:
    """The subtree's units as plain text columns (JSON as text), and the ancestors' tags."""
    cols = (
        UnitRow.code,
        UnitRow.name,
        UnitRow.type,
        UnitRow.parent_code,
        UnitRow.path,
        cast(UnitRow.tags, Text),
        cast(UnitRow.baselines, Text),
    )
    raw = tuple(tuple(r) for r in session.execute(select(*cols).where(in_subtree(root.path))))
    ancestors = root.path.split(PATH_SEP)[:-1]
    above: tuple = ()
    if ancestors:
        query = select(UnitRow.code, cast(UnitRow.tags, Text)).where(UnitRow.code.in_(ancestors))
        above = tuple(sorted(tuple(r) for r in session.execute(query)))
    return raw, above


def _build_tree(root_code: str, raw: tuple, above: tuple) -> Tree:
    rows = sorted((_node(r) for r in raw), key=lambda n: (n.path.count(PATH_SEP), n.path))
    inherited: frozenset[str] = frozenset()
    for _code, tags_text in above:  # ancestors missing from the table add nothing
        inherited |= frozenset(json.loads(tags_text) if tags_text else ())
    tags: dict[str, frozenset[str]] = {}
    kids: dict[str, list[Node]] = defaultdict(list)
    by_code = {n.code: n for n in rows}
    for n in rows:  # parents first
        up = tags.get(n.parent_code or "", inherited) if n.code != root_code else inherited
        tags[n.code] = frozenset(n.tags) | up
        if n.parent_code in by_code and n.code != root_code:
            kids[n.parent_code].append(n)
    return Tree(root=by_code[root_code], rows=rows, tags=tags, kids=dict(kids))
