"""Options of the system suite: how many crash trials and fault-injection examples to run.

The defaults keep CI short; the full counts of issue 6 are::

    pytest tests/system --crash-trials=1000 --fault-examples=60
    # or, from any folder: FIELDTALLY_CRASH_TRIALS=1000 FIELDTALLY_FAULT_EXAMPLES=60 pytest tests
"""

from __future__ import annotations

import os

import pytest

DEFAULT_CRASH_TRIALS = 150
DEFAULT_FAULT_EXAMPLES = 6


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fieldtally system tests")
    group.addoption("--crash-trials", type=int, default=None, help="SIGKILL trials of the vault (full: 1000)")
    group.addoption(
        "--fault-examples", type=int, default=None, help="randomised fault-injection runs (full: 60)"
    )


def _count(config: pytest.Config, option: str, env: str, default: int) -> int:
    value = config.getoption(option, default=None)
    if value is None:
        value = int(os.environ.get(env, default))
    return max(1, value)


@pytest.fixture(scope="session")
def crash_trials(pytestconfig: pytest.Config) -> int:
    return _count(pytestconfig, "crash_trials", "FIELDTALLY_CRASH_TRIALS", DEFAULT_CRASH_TRIALS)


@pytest.fixture(scope="session")
def fault_examples(pytestconfig: pytest.Config) -> int:
    return _count(pytestconfig, "fault_examples", "FIELDTALLY_FAULT_EXAMPLES", DEFAULT_FAULT_EXAMPLES)
