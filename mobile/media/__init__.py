"""Photos on the phone: shrunk (``shrink``), sealed in the vault folder (``store``), and which the
records use and which still wait for the server (``usage``). The upload itself is the sync's
(``mobile/sync/media_upload.py``)."""
