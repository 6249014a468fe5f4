"""What a conversion found: each problem with its level, sheet and row, and the definition if one was built.

Three levels (see the package docstring): ``error`` (nothing is built),
``skipped`` (a row left out, with the reason), ``changed`` (kept, but adapted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    level: str  # error | skipped | changed
    sheet: str
    row: int | None  # the spreadsheet's row number (1 = header)
    message: str
    name: str = ""
    required: bool = False  # a skipped row the workbook marks required: the form lost a required answer

    def __str__(self) -> str:
        where = f"{self.sheet} row {self.row}" if self.row else self.sheet
        what = f" ({self.name})" if self.name else ""
        tail = " [required row]" if self.required else ""
        return f"{self.level.upper():8} {where}{what}: {self.message}{tail}"


@dataclass
class Conversion:
    definition: dict[str, Any] | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.definition is not None and not any(p.level == "error" for p in self.problems)

    @property
    def skipped_required(self) -> list[Problem]:
        """Rows the workbook marks required that the form leaves out."""
        return [p for p in self.problems if p.required]

    def report(self) -> str:
        """One line per problem, in sheet and row order."""
        order = {"settings": 0, "survey": 1, "choices": 2}
        rows = sorted(self.problems, key=lambda p: (order.get(p.sheet, 3), p.row or 0))
        return "\n".join(str(p) for p in rows)
