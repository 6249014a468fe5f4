"""The encrypted store on the phone: ``Vault`` and the TinyDB storage beneath it.

In five lines: a random 256-bit data key, stored only wrapped by scrypt(PIN)
and by the server's recovery key (``vault.key``); the state sealed with AES-256-GCM in ``vault.snap``; each
save appended as one authenticated, fsynced frame to ``vault.journal``;
compaction folds the journal into a new snapshot (atomic replace); unlock
replays snapshot + journal, dropping a torn last frame. The file format itself
(key file, journal framing, replay, recovery wrap) is ``vault_format``, which the
server's vault recovery reads too; see ``vault_format/journal.py``.
"""

from ..errors import BadUnlockCode, PinLocked, PinThrottled, VaultCorrupt, VaultError, WrongPin
from .keyfile import UnlockKey
from .storage import EncryptedStorage
from .tracking import TrackedDoc
from .vault import Vault

__all__ = [
    "Vault",
    "EncryptedStorage",
    "TrackedDoc",
    "VaultError",
    "WrongPin",
    "PinThrottled",
    "PinLocked",
    "BadUnlockCode",
    "UnlockKey",
    "VaultCorrupt",
]
