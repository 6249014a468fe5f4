"""What the screens that show a unit and a period have in common: how they open, their address,
and the taps they forward to their model (another period, fresh figures, a unit below).

The progress screen and the programme's other numbers both walk a unit tree over a period; their
models (``viewmodels.progress_model``, ``viewmodels.statistics_model``) hold the navigation, and a
screen built on this class lays out what its model says. ``model_class`` is the model it opens.
"""

from __future__ import annotations

from typing import Any, ClassVar


class UnitPeriodScreen:
    nav = "progress"  # lit in the desk's side navigation: the plan's figures
    wide = True  # at a desk: the whole width, for the grid and the units table
    model_class: ClassVar[Any]  # a model with load(service, unit=, period=), complete(), address()

    def __init__(self, shell, model) -> None:
        self.shell = shell
        self.model = model
        model.changed = shell.refresh

    @classmethod
    async def open(cls, shell, unit: str | None = None, period: str | None = None) -> None:
        """Open at the caller's unit, or at the unit and period an address names (checked by the model)."""
        model = await cls.model_class.load(shell.service, unit=unit, period=period)
        shell.show(cls(shell, model))
        await model.complete()

    def address(self) -> str:
        return self.model.address()

    def mount(self) -> None:
        self.shell.sync_listeners[:] = []  # nothing here follows a sync

    # ---- events: forwarded to the model ---------------------------------------------------------
    async def on_period(self, e) -> None:
        await self.model.choose_period(e.control.data)

    async def on_refresh(self, e) -> None:
        await self.model.fetch()

    async def on_child(self, e) -> None:
        await self.model.open_child(e.control.data)
