"""Data access and rules over the database.

Functions here take a ``Session`` (or the ``Database``) and keyword-only
arguments, return plain values or ``schemas`` models, and raise only
``sync_server.errors`` exceptions: never HTTP errors.
"""
