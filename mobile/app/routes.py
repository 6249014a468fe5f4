"""The registry of screens by name: the shell routes with ``shell.go("records")``, screens never import
each other.

A screen is a class taking the shell (and the arguments of its route) whose ``build()`` only
makes controls; work that starts when it is shown (tasks, listeners) goes in ``mount()``, which
the shell calls after showing it. A screen that must load before it can be drawn has an async
``open(shell, ...)`` classmethod instead, reached with ``await shell.open(name)``.
"""

from __future__ import annotations

from typing import Any

from .screens.change_pin import ChangePinScreen
from .screens.devices import DevicesScreen
from .screens.forgot_pin import ForgotPinScreen
from .screens.home import HomeScreen
from .screens.progress import ProgressScreen
from .screens.record_detail import RecordDetailScreen
from .screens.record_form import RecordFormScreen
from .screens.records_list import RecordsListScreen
from .screens.set_pin import SetPinScreen
from .screens.setup import SetupScreen
from .screens.statistics import StatisticsScreen
from .screens.supervised_record import SupervisedRecordScreen
from .screens.supervised_records import SupervisedRecordsScreen
from .screens.unlock import UnlockScreen

SCREENS: dict[str, Any] = {
    "setup": SetupScreen,
    "set_pin": SetPinScreen,
    "unlock": UnlockScreen,
    "forgot_pin": ForgotPinScreen,
    "change_pin": ChangePinScreen,
    "home": HomeScreen,
    "records": RecordsListScreen,  # state=, query=
    "record": RecordDetailScreen,  # record_id, back_query=
    "record_form": RecordFormScreen,  # record, form, answers, restored=
    "progress": ProgressScreen,  # async open
    "statistics": StatisticsScreen,  # async open: unit=, period= (an address's words)
    "devices": DevicesScreen,  # async open
    "supervised_records": SupervisedRecordsScreen,  # async open: unit=, unit_name=, period= (a PeriodChoice)
    "supervised_record": SupervisedRecordScreen,  # async open: line= (a RecordSummary), back_to= (the list)
}
