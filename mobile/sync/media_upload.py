"""Sending photos after the records: resumable, in chunks, idempotent by content hash.

For each photo of a record the server has acknowledged (``mobile.media.usage``) and
that is not yet marked uploaded: ask the server how much it holds (``GET status``),
then send ``CHUNK_BYTES`` pieces from there (``PUT chunk?offset=``). When the link
fails mid-chunk the next try starts by asking again, so bytes the server already
took are never sent twice; a 409 carries the server's ``MediaStatus`` and the upload
goes on from its ``received``. ``complete`` marks the photo uploaded in the vault.

A photo the server refuses for good (422: not a JPEG, a hash that does not match;
413) is flagged in the vault with the server's sentence, which the officer sees;
the record and the photo stay on the phone. A 404 (no record the server has
references this hash yet) leaves the photo waiting for a later sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schemas.common import LocalizedText
from schemas.media import CHUNK_BYTES, MediaRef, MediaStatus

from ..errors import MediaUnreadable, PermanentSyncError, RetryableSyncError, UploadConflict
from ..media.store import MediaStore
from .client import ServerClient

REFUSED_STATUS = {413, 415, 422}


@dataclass
class PhotoReport:
    sent: int = 0  # photos the server now holds whole (this run)
    bytes_sent: int = 0  # photo bytes put on the wire (chunks tried), for the figures
    waiting: int = 0  # photos of finished records not yet on the server when the run ended
    held_for_wifi: bool = False  # photos were not sent: "photos only on Wi-Fi" and no Wi-Fi
    refused: list[LocalizedText] = field(default_factory=list)  # what the server said, one per photo


class MediaUploader:
    def __init__(
        self,
        client: ServerClient,
        media: MediaStore,
        *,
        retries: Callable[[Callable[[], Any]], Any],
        pause: Callable[[int, RetryableSyncError], None],
        max_attempts: int = 4,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        """``retries(call)``: the engine's retry loop; ``pause(attempt, error)``: its wait between tries."""
        self.client = client
        self.media = media
        self.retries = retries
        self.pause = pause
        self.max_attempts = max(1, max_attempts)
        self.chunk_bytes = max(1, chunk_bytes)

    def upload_all(self, refs: list[MediaRef], report: PhotoReport) -> None:
        for ref in refs:
            if self.upload(ref, report):
                report.sent += 1

    def upload(self, ref: MediaRef, report: PhotoReport) -> bool:
        """Send one photo; True when the server holds it whole. Raises for link or server trouble."""
        sha = ref.sha256
        try:
            status = self._status(sha)
        except PermanentSyncError as exc:
            if exc.status == 404:
                return False  # no record the server has references it (yet): it waits
            raise
        if status.complete:
            self.media.mark_uploaded(sha)
            return True
        try:
            data = self.media.read(sha)
        except MediaUnreadable as exc:
            self.media.mark_refused(sha, exc.message)
            report.refused.append(exc.message)
            return False
        failures = 0
        offset = status.received
        while True:
            if offset >= len(data):  # the server has every byte but has not closed it: ask once more
                status = self._status(sha)
                if status.complete or status.received >= len(data):
                    break
                offset = status.received
            chunk = data[offset : offset + self.chunk_bytes]
            try:
                report.bytes_sent += len(chunk)
                status = self.client.put_chunk(sha, offset, chunk)
            except UploadConflict as exc:
                status = exc.current
            except RetryableSyncError as exc:
                failures += 1
                if failures >= self.max_attempts:
                    raise
                self.pause(failures, exc)
                status = self._status(sha)  # resume from what the server kept, not from our guess
            except PermanentSyncError as exc:
                if exc.status in REFUSED_STATUS:
                    self.media.mark_refused(sha, exc.message)
                    report.refused.append(exc.message)
                    return False
                raise
            if status.complete:
                break
            if status.received > offset:
                failures = 0  # progress: a link that cuts now and then still gets the photo through
            offset = status.received
        if not status.complete:
            return False
        self.media.mark_uploaded(sha)
        return True

    def _status(self, sha: str) -> MediaStatus:
        return self.retries(lambda: self.client.media_status(sha))
