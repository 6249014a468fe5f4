"""The vault's file format, shared by the phone that writes it and the server that recovers it.

A vault is three files in one folder:

- ``vault.key`` (``keyfile.py``): the data key wrapped under the PIN (``kdf.py``) and,
  for a forgotten PIN, under the server's recovery key (``recovery.py``);
- ``vault.snap`` and ``vault.journal`` (``journal.py``): the sealed state and the
  append-only frames after it; ``reader.py`` replays them into tables.

Why a package of its own: the server's ``recover-vault`` must read exactly what
the phone wrote, and it must not import the phone's app to do so. So the format
lives here with no Flet and no TinyDB, only ``cryptography`` and the standard
library (plus ``schemas`` for the one localized message); ``mobile/vault/``
builds the phone's store on it. Errors: ``errors.py``, one root.
"""
