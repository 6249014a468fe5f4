"""The phone side's one exception tree; every error carries a sentence for the officer.

::

    FieldTallyError                   .message: LocalizedText (vi + en), what the screen shows
    ├── InputError                    something typed that the app cannot use (a blank box, a bad address)
    ├── BadBrowserId                  (mobile.app.web_device) a browser's id this app did not make, or a
    │                                 device folder that points outside the app's data; also a ValueError
    ├── VaultError                    the encrypted store
    │   ├── WrongPin                  .attempts (failures in a row), .wait_seconds before the next try
    │   ├── PinThrottled              a try came too early; .wait_seconds left
    │   ├── PinLocked                 too many wrong PINs: a supervisor's unlock code is needed;
    │   │                             .device and .lockout are what the supervisor asks the server for
    │   ├── BadUnlockCode             a wrong unlock code; .wait_seconds before the next try
    │   ├── PinRefused                a new PIN outside the policy (mobile.pin_policy: 6 to 12 digits)
    │   ├── VaultWriteFailed          the disk refused a save (full: .storage_full, or an I/O error);
    │   │                             nothing saved before is lost; .errno
    │   └── VaultCorrupt              a file is damaged or was altered; .detail says which (for logs)
    ├── SyncError                     talking to the sync server
    │   ├── RetryableSyncError        network down, timeout, 408/425/429/5xx, an unreadable answer;
    │   │                             .status, .retry_after (seconds, from Retry-After)
    │   └── PermanentSyncError        any other 4xx; .status, .body (the server's ErrorBody, if any)
    │       ├── AuthRejected          401: token unknown/revoked, or wrong username/password
    │       └── UploadConflict        409 of a photo chunk: .current, the server's MediaStatus to resume from
    ├── MediaError                    a photo (mobile.media)
    │   ├── NotAnImage                a file that is not a photo the app can read (JPEG, PNG, WebP...)
    │   ├── ImageTooLarge             too many bytes or pixels to shrink safely (a decompression bomb)
    │   ├── ImageDamaged              a truncated or corrupt photo file
    │   └── MediaUnreadable           a stored photo missing, damaged, or sealed under another key
    ├── ValidationFailed              (mobile.records) answers that cannot be saved; .issues
    ├── RecordNotFound                (mobile.records) no record with that id on this phone
    ├── ActionRefused                 (mobile.records) an action the record's state does not allow
    └── NotCached                     (mobile.reports) asked offline for what the last sync did not bring

``str(exc)`` is the English sentence (plus a technical detail where there is
one), for logs; screens show ``exc.message.get(lang)``. Foreign errors
(requests, cryptography, OSError) are translated where they happen with
``raise ... from exc`` so the cause stays in the traceback: an ``OSError``
from a vault write becomes ``VaultWriteFailed`` in the storage, which has
already put memory back to what is on disk. The classes that belong to one
module (records) are defined there, under this root. The vault's file format
(``vault_format``: key file, KDF, journal, recovery wrap) is shared with the
server and has its own root, ``FormatError``; ``mobile.vault.translate`` turns
its errors into these (damage into VaultCorrupt, the rest into VaultError), and
the vault turns a failed unwrap (``BadKey``) into WrongPin.
"""

from __future__ import annotations

import errno
import math
from typing import Any

from schemas.common import ErrorBody, LocalizedText, text


class FieldTallyError(Exception):
    """Root of every error the phone side raises on purpose."""

    default_message: LocalizedText = text(
        "Đã có lỗi xảy ra. Hãy thử lại.", "Something went wrong. Try again."
    )

    def __init__(self, message: LocalizedText | str | None = None, *, detail: str | None = None) -> None:
        # A plain string is a technical detail for logs; the officer still gets a sentence.
        if isinstance(message, LocalizedText):
            self.message = message
        else:
            self.message = type(self).default_message
            detail = detail or message
        self.detail = detail
        super().__init__(self.message.en + (f" ({detail})" if detail else ""))


class InputError(FieldTallyError):
    """The officer typed something the app cannot use; the message says what."""

    def __init__(self, message: LocalizedText):
        super().__init__(message)


# ---- the vault ---------------------------------------------------------------------------------------


class VaultError(FieldTallyError):
    default_message = text(
        "Không mở được kho dữ liệu trên máy.", "The data store on this phone could not be opened."
    )


def wait_text(seconds: float) -> LocalizedText:
    """'12 giây' / '2 phút' (rounded up), for messages about waiting."""
    s = max(1, math.ceil(seconds))
    if s < 60:
        return text(f"{s} giây", f"{s} second{'s' if s != 1 else ''}")
    m = math.ceil(s / 60)
    return text(f"{m} phút", f"{m} minute{'s' if m != 1 else ''}")


class WrongPin(VaultError):
    def __init__(self, attempts: int, wait_seconds: float) -> None:
        self.attempts = attempts
        self.wait_seconds = float(wait_seconds)
        if wait_seconds > 0:
            w = wait_text(wait_seconds)
            msg = text(
                f"Mã PIN không đúng (sai {attempts} lần liên tiếp). Hãy thử lại sau {w.vi}.",
                f"Wrong PIN ({attempts} wrong in a row). Try again in {w.en}.",
            )
        else:
            msg = text("Mã PIN không đúng. Hãy thử lại.", "Wrong PIN. Try again.")
        super().__init__(msg)


class PinThrottled(VaultError):
    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = float(wait_seconds)
        w = wait_text(wait_seconds)
        super().__init__(
            text(
                f"Đã nhập sai mã PIN nhiều lần. Hãy chờ {w.vi} rồi thử lại.",
                f"Too many wrong PINs. Wait {w.en} and try again.",
            )
        )


class PinLocked(VaultError):
    def __init__(self, *, attempts: int, device: int, lockout: int) -> None:
        self.attempts = attempts
        self.device = device
        self.lockout = lockout
        super().__init__(
            text(
                f"Ứng dụng đã khóa vì nhập sai mã PIN {attempts} lần liên tiếp. Hãy báo chỉ huy hoặc quản "
                f"trị viên để lấy mã mở khóa cho thiết bị số {device}, lần khóa {lockout}, rồi nhập mã đó. "
                "Dữ liệu trên máy vẫn an toàn.",
                f"The app is locked after {attempts} wrong PINs in a row. Ask your supervisor or "
                f"administrator for the unlock code of device {device}, lockout {lockout}, and type it in. "
                "The data on this phone is safe.",
            )
        )


class BadUnlockCode(VaultError):
    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = float(wait_seconds)
        w = wait_text(wait_seconds)
        super().__init__(
            text(
                f"Mã mở khóa không đúng. Hãy kiểm tra lại số thiết bị và lần khóa, chờ {w.vi} rồi thử lại.",
                f"Wrong unlock code. Check the device and lockout numbers, wait {w.en} and try again.",
            )
        )


class PinRefused(VaultError):
    """A new PIN the policy refuses (``mobile.pin_policy``): the vault will not be locked with it."""

    default_message = text("Mã PIN gồm 6 đến 12 chữ số.", "The PIN is 6 to 12 digits.")


_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


class VaultWriteFailed(VaultError):
    """The phone's storage refused a save: full (ENOSPC, EDQUOT, EFBIG) or failing (EIO and the rest).

    The change that failed is not kept; everything saved before it is, on disk and in memory
    (the storage reloads from its files), so the sentence can promise that nothing was lost.
    """

    def __init__(self, cause: OSError) -> None:
        self.errno = cause.errno
        self.storage_full = cause.errno in _FULL
        if self.storage_full:
            msg = text(
                "Bộ nhớ của máy đã đầy nên thay đổi vừa rồi chưa được lưu. Những gì đã lưu trước đó "
                "vẫn còn nguyên, không mất gì. Hãy xóa bớt ảnh, video hoặc ứng dụng không dùng rồi thử lại.",
                "The phone's storage is full, so this change was not saved. Nothing saved before was "
                "lost. Free some space (photos, videos, unused apps) and try again.",
            )
        else:
            msg = text(
                "Không ghi được vào bộ nhớ của máy (có thể bộ nhớ đã đầy hoặc bị lỗi) nên thay đổi vừa "
                "rồi chưa được lưu. Những gì đã lưu trước đó vẫn còn nguyên, không mất gì. Hãy thử lại; "
                "nếu vẫn lỗi, hãy giải phóng bộ nhớ hoặc khởi động lại máy.",
                "The phone's storage could not be written (it may be full or failing), so this change "
                "was not saved. Nothing saved before was lost. Try again; if it fails again, free some "
                "space or restart the phone.",
            )
        super().__init__(msg, detail=f"{type(cause).__name__}: {cause}")


class VaultCorrupt(VaultError):
    default_message = text(
        "Dữ liệu trên máy bị hỏng hoặc đã bị sửa đổi nên không mở được. Đừng xóa ứng dụng hay dữ liệu "
        "của ứng dụng: các phiếu chưa gửi vẫn nằm trong đó. Hãy liên hệ quản trị viên để được hỗ trợ.",
        "The data on this phone is damaged or was altered, so it cannot be opened. Do not delete the app "
        "or its data: records not yet sent are still in it. Contact your administrator for help.",
    )

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(None, detail=detail)


# ---- sync --------------------------------------------------------------------------------------------


class SyncError(FieldTallyError):
    default_message = text("Đồng bộ không thành công.", "Sync failed.")

    def __init__(
        self,
        message: LocalizedText | str | None = None,
        *,
        status: int | None = None,
        detail: str | None = None,
    ) -> None:
        self.status = status
        super().__init__(message, detail=detail)


class RetryableSyncError(SyncError):
    default_message = text(
        "Không kết nối được máy chủ. Dữ liệu vẫn an toàn trên máy; ứng dụng sẽ gửi lại sau.",
        "Cannot reach the server. Your data is safe on this phone and will be sent later.",
    )

    def __init__(
        self,
        message: LocalizedText | str | None = None,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        detail: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status, detail=detail)


class PermanentSyncError(SyncError):
    default_message = text(
        "Máy chủ từ chối yêu cầu. Hãy liên hệ quản trị viên.",
        "The server refused the request. Contact your administrator.",
    )

    def __init__(
        self,
        message: LocalizedText | str | None = None,
        *,
        status: int | None = None,
        body: ErrorBody | None = None,
        detail: str | None = None,
    ) -> None:
        self.body = body
        if message is None and body is not None:
            message = body.message
        super().__init__(message, status=status, detail=detail)


class UploadConflict(PermanentSyncError):
    """A photo chunk sent from another offset than the server holds; ``current`` says where to resume."""

    default_message = text(
        "Máy chủ đang giữ một phần khác của ảnh.", "The server holds another part of the photo."
    )

    def __init__(self, current: Any, message: LocalizedText | None = None, **kw: Any) -> None:
        self.current = current  # schemas.media.MediaStatus
        super().__init__(message, **kw)


class AuthRejected(PermanentSyncError):
    default_message = text(
        "Máy chủ không chấp nhận thiết bị này nữa. Hãy đăng ký lại thiết bị.",
        "The server no longer accepts this device. Register the device again.",
    )


# ---- photos ------------------------------------------------------------------------------------------


class MediaError(FieldTallyError):
    default_message = text("Không xử lý được ảnh này.", "This photo could not be processed.")


class NotAnImage(MediaError):
    default_message = text(
        "Tệp đã chọn không phải là ảnh (JPEG, PNG hoặc WebP). Hãy chụp hoặc chọn một ảnh khác.",
        "The file chosen is not a photo (JPEG, PNG or WebP). Take or choose another photo.",
    )


class ImageTooLarge(MediaError):
    default_message = text(
        "Ảnh quá lớn để xử lý trên máy. Hãy chụp lại hoặc chọn một ảnh nhỏ hơn.",
        "The photo is too large to process on the phone. Take it again or choose a smaller one.",
    )


class ImageDamaged(MediaError):
    default_message = text(
        "Ảnh bị hỏng hoặc chưa được lưu trọn vẹn nên không đọc được. Hãy chụp hoặc chọn lại.",
        "The photo is damaged or incomplete and cannot be read. Take or choose it again.",
    )


class MediaUnreadable(MediaError):
    default_message = text(
        "Không đọc được ảnh đã lưu trên máy (ảnh bị thiếu hoặc hỏng). Phiếu vẫn còn nguyên; "
        "hãy chụp lại ảnh nếu cần.",
        "A photo stored on this phone cannot be read (missing or damaged). The record itself is safe; "
        "take the photo again if it is needed.",
    )
