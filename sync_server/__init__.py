"""The fieldtally sync server: receives records exactly once and keeps tallies against plan targets.

Build it with ``sync_server.app.create_app(settings)``; nothing happens at import.
"""

__version__ = "0.1.0"
