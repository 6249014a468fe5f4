"""Which Flet extensions the prebuilt web client (flet-web's ``main.dart.js``) can show, read from its
code: each extension's factory is a ``switch`` over control type names. The app decides per
platform which of them it uses; this keeps what the docs say about the web client true when
flet-web changes.

It carries flet-camera's ``Camera`` and flet-permission-handler's ``PermissionHandler`` too, but the
web build uses neither: "Chụp ảnh" there is the browser's file input (which on a phone's browser
offers the phone's own camera app, with the browser's own permission prompt), and the browser asks
for permissions by itself. tests/app/test_camera.py holds that the web build never makes a Camera.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

flet_web = pytest.importorskip("flet_web")

# An extension's factory in dart2js output: switch(a.b){case"Geolocator":return new A.xyz(a)...
FACTORY = re.compile(r'switch\(\w+\.b\)\{case"([A-Za-z]+)":return new A\.\w+\(')


def _extensions() -> set[str]:
    program = Path(flet_web.__file__).parent / "web" / "main.dart.js"
    return set(FACTORY.findall(program.read_text(encoding="utf-8", errors="replace")))


def test_the_prebuilt_web_client_carries_the_extensions_the_app_uses() -> None:
    found = _extensions()
    # Used by the web build: the progress chart and GPS questions (the browser's location).
    assert {"BarChart", "Geolocator"} <= found, sorted(found)
    # Compiled in, left unused by the web build on purpose (see the module's docstring).
    assert {"Camera", "PermissionHandler"} <= found, sorted(found)
    assert "NoSuchExtension" not in found and len(found) < 60  # the pattern reads factories, not every string
