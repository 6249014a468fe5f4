"""The one root of the exceptions ``schemas`` raises: ``SchemaError``.

A caller (the server's routes and CLI, the phone's screens) can catch every
error of the contract in one clause. It is a ``ValueError``, as each of them
was before, so code catching ``ValueError`` keeps working. Validators inside
pydantic models still raise plain ``ValueError``: pydantic turns those into
its ``ValidationError`` with the field's location, which is what callers see.
"""

from __future__ import annotations


class SchemaError(ValueError):
    """Something in the contract cannot be read or used: an expression, a period name, a plan file."""
