"""fieldtally on the officer's phone: the encrypted vault, the records and outbox, the sync client.

Layout (the Flet screens in ``mobile.app`` only call into these):

- ``mobile.errors``          the one exception tree; every error carries a vi/en sentence
- ``mobile.vault``           the encrypted store (AES-256-GCM, PIN-wrapped key, append-only journal)
- ``mobile.records``         ``RecordStore``: drafts, finalized records, the outbox, receipts, meta
- ``mobile.sync``            ``ServerClient`` (HTTP, requests) and ``SyncEngine`` (plan, then apply)
- ``mobile.settings_store``  plain, non-secret app settings

Imports allowed here: ``schemas``, ``vault_format``, flet, tinydb, requests, cryptography,
pydantic and the standard library; ``tests/mobile/test_imports.py`` enforces it.
"""
