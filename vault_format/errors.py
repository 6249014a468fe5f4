"""The exceptions of the vault's file format, under one root.

::

    FormatError          root; ``.detail`` says what is wrong, for logs
    ├── Corrupt          a file is missing, damaged or was altered
    ├── NewerFormat      made by a newer version of the app; ``.message`` asks to update it
    ├── KdfParamsError   key-derivation parameters that are unknown, out of bounds, or unavailable here
    ├── RecoveryError    a recovery wrap that is malformed, or that this private key cannot open
    └── NotThisDevice    a vault bound to a device secret (``binding.py``) opened without that secret

This package is shared by the phone and the server, so its errors belong to
neither side's tree: the phone turns them into its ``VaultError`` family
(``mobile/vault/translate.py``), the server's recovery service into
``InvalidInput``. ``KdfParamsError`` and ``RecoveryError`` are also
``ValueError``, as they always were.
"""

from __future__ import annotations

from schemas.common import LocalizedText, text


class FormatError(Exception):
    """Root of every error this package raises on purpose."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(detail)


class Corrupt(FormatError):
    """A vault file that is missing, damaged or altered."""


class NewerFormat(FormatError):
    """A file written by a newer version of the app: never misread, the app must be updated."""

    message: LocalizedText = text(
        "Dữ liệu này được tạo bởi phiên bản ứng dụng mới hơn. Hãy cập nhật ứng dụng.",
        "This data was made by a newer version of the app. Update the app.",
    )


class KdfParamsError(FormatError, ValueError):
    """Parameters that are unknown, out of bounds, or need a KDF this device lacks."""


class RecoveryError(FormatError, ValueError):
    """A recovery wrap that is malformed, or that this private key cannot open."""


class NotThisDevice(FormatError):
    """A vault bound to a device secret, opened without its secret (another device, a wiped store)."""

    message: LocalizedText = text(
        "Kho dữ liệu này chỉ mở được trên chiếc máy đã tạo ra nó (khóa thiết bị không còn). "
        "Hãy dùng “Quên mã PIN?” để gửi dữ liệu cho quản trị viên khôi phục.",
        "This data store opens only on the phone that made it (its device key is gone). "
        "Use “Forgot your PIN?” to send it to an administrator for recovery.",
    )
