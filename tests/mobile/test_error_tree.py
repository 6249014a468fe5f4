"""Every error the phone side defines sits under its one root, and the tree in mobile/errors.py names it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import mobile
from mobile import errors
from mobile.errors import FieldTallyError


def _phone_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(mobile.__path__, "mobile."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == info.name:
                found[f"{info.name}.{name}"] = obj
    return found


def test_error_tree__every_phone_error_is_under_the_root():
    found = _phone_exceptions()
    assert "mobile.errors.VaultWriteFailed" in found and "mobile.records.ValidationFailed" in found
    outside = sorted(name for name, cls in found.items() if not issubclass(cls, FieldTallyError))
    assert not outside, f"errors outside FieldTallyError: {outside}"


def test_error_tree__the_drawing_names_every_public_error():
    drawing = errors.__doc__ or ""
    missing = sorted(
        name
        for name, cls in _phone_exceptions().items()
        if not cls.__name__.startswith("_") and cls.__name__ not in drawing
    )
    assert not missing, f"not drawn in mobile/errors.py: {missing}"
