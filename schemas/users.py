"""The wire format of user administration: password changes and resets, disabling and enabling users."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from .common import Strict


class PasswordChange(Strict):
    """A signed-in user changing their own password: the current one proves it is them."""

    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class PasswordReset(Strict):
    """An administrator setting a new password for someone of their subtree."""

    new_password: str = Field(min_length=1, max_length=200)


class UserState(Strict):
    username: str
    unit: str
    role: str
    disabled_at: AwareDatetime | None = None
    devices_signed_out: int = 0  # phones whose tokens stopped working with this change
