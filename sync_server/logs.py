"""The server's logging: no field data, no secrets, ever.

What could carry field data into a log is an exception's *message*: a
database error quotes the statement's parameters (the answers), a
spreadsheet library quotes the cell it refused. So every record that carries
an exception is rewritten by ``NoFieldData`` to the exception's class names
and where it was raised (file, line, function), never its text; SQLAlchemy's
own loggers (which print parameters at INFO) are held at WARNING; the
engines hide parameters as well (``db.py``). Access logs stay off.

``log_config(level)`` is the ``logging.config`` dictionary ``serve`` gives
uvicorn; ``guard_logging()`` does the same to logging someone else set up
(``main.app_from_env``, under ``uvicorn --factory``).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any


def describe(exc: BaseException) -> str:
    """Class names of ``exc`` and its causes, and the innermost frames: no message, no value."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)[-3:]
        where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames[::-1])
        parts.append(
            f"{type(current).__module__}.{type(current).__qualname__}" + (f" at {where}" if where else "")
        )
        current = current.__cause__ or current.__context__
    return "; caused by ".join(parts)


class NoFieldData(logging.Filter):
    """Replace an attached exception by its description (``describe``): no message text reaches the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            message = record.getMessage()
            record.msg, record.args = f"{message} [{describe(record.exc_info[1])}]", None
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's log configuration with ``NoFieldData`` on every handler and SQLAlchemy held quiet."""
    from uvicorn.config import LOGGING_CONFIG

    config = {**LOGGING_CONFIG}
    config["filters"] = {"no_field_data": {"()": NoFieldData}}
    config["handlers"] = {
        name: {**handler, "filters": ["no_field_data"]}
        for name, handler in LOGGING_CONFIG["handlers"].items()
    }
    config["loggers"] = {
        **LOGGING_CONFIG["loggers"],
        "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        "uvicorn.error": {"level": level.upper()},
        "sqlalchemy": {"level": "WARNING"},
        "sync_server": {"handlers": ["default"], "level": level.upper(), "propagate": False},
    }
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config


def guard_logging() -> None:
    """Put ``NoFieldData`` on every handler already configured (and Python's last-resort one).

    For servers whose logging someone else set up (``uvicorn --factory``);
    ``serve`` passes ``log_config`` instead. Idempotent.
    """
    loggers = [
        logging.getLogger(),
        *(logging.getLogger(n) for n in ("uvicorn", "uvicorn.error", "uvicorn.access")),
    ]
    handlers = [h for lg in loggers for h in lg.handlers]
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        if not any(isinstance(f, NoFieldData) for f in handler.filters):
            handler.addFilter(NoFieldData())
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
