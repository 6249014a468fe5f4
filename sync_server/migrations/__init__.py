"""Alembic migrations of the server's schema; run by ``sync_server.migrate``, not by ``alembic`` itself.

To add a revision after changing ``sync_server/models.py``::

    python -m sync_server.migrate revision "what changed"    # autogenerate against a scratch SQLite

then read the generated file (batch mode is on, so SQLite gets table copies
where it cannot ALTER) and run the migration tests on both databases.
"""
