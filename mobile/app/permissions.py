"""When and how the app asks Android for a permission, and what the officer can do without it. No Flet.

Asked when first needed, never at start: the officer presses "use my location" (or, with photos,
"take a photo") and only then does the app ask. Before Android's own prompt the app says, in the
officer's language, why it wants the permission, because Android shows its prompt a limited number of
times and a refusal without a reason is hard to undo. Then:

- granted: go on;
- denied (this time): say what still works (type the coordinates; save without a photo);
- denied forever (or restricted by a policy): say the same, and offer to open the app's settings,
  the only place it can be turned back on;
- no permission service (the web build, a desktop): the platform asks by itself, so go on and let the
  location or camera call report its own failure.

The platform is reached through ``PermissionBackend`` (``flet-permission-handler`` on the phone, see
``permission_prompt.py``) and the officer through ``Prompt``, so these rules are tested with fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

LOCATION = "location"
CAMERA = "camera"
KINDS = (LOCATION, CAMERA)
# The sentences (i18n keys) for each kind: why it is asked, and what still works without it.
WHY = {LOCATION: "perm_why_location", CAMERA: "perm_why_camera"}
DENIED = {LOCATION: "perm_denied_location", CAMERA: "perm_denied_camera"}
DENIED_FOREVER = {LOCATION: "perm_forever_location", CAMERA: "perm_forever_camera"}


class Status(str, Enum):  # noqa: UP042 - like the contract's enums
    GRANTED = "granted"
    DENIED = "denied"
    DENIED_FOREVER = "denied_forever"
    UNAVAILABLE = "unavailable"  # no permission service here: the platform asks by itself


def status_from(value: str | None) -> Status:
    """permission_handler's status names, as these rules know them (None: not known, so ask)."""
    if value in ("granted", "limited", "provisional"):
        return Status.GRANTED
    if value in ("permanentlyDenied", "restricted"):
        return Status.DENIED_FOREVER
    return Status.DENIED


class PermissionBackend(Protocol):
    async def status(self, kind: str) -> Status: ...

    async def request(self, kind: str) -> Status: ...

    async def open_settings(self) -> bool: ...


class Prompt(Protocol):
    async def explain(self, kind: str) -> bool:
        """Say why ``kind`` is needed (``WHY[kind]``); True when the officer chose to go on."""
        ...


@dataclass(frozen=True)
class Outcome:
    status: Status
    message: str | None = None  # an i18n key: what still works without the permission
    open_settings: bool = False  # offer the app's settings (the only way back from "forever")

    @property
    def go_on(self) -> bool:
        """The location/camera call may be tried (granted, or the platform asks by itself)."""
        return self.status in (Status.GRANTED, Status.UNAVAILABLE)


def _denied(kind: str) -> Outcome:
    return Outcome(Status.DENIED, DENIED[kind])


def _forever(kind: str) -> Outcome:
    return Outcome(Status.DENIED_FOREVER, DENIED_FOREVER[kind], open_settings=True)


async def ensure(kind: str, backend: PermissionBackend, prompt: Prompt) -> Outcome:
    """Ask for ``kind`` if it is not granted yet, saying why first; the outcome says what to show."""
    if kind not in KINDS:
        raise ValueError(f"unknown permission {kind!r}")
    status = await backend.status(kind)
    if status in (Status.GRANTED, Status.UNAVAILABLE):
        return Outcome(status)
    if status == Status.DENIED_FOREVER:
        return _forever(kind)  # Android would not show its prompt again: do not pretend to ask
    if not await prompt.explain(kind):
        return _denied(kind)
    status = await backend.request(kind)
    if status == Status.GRANTED:
        return Outcome(status)
    return _forever(kind) if status == Status.DENIED_FOREVER else _denied(kind)
