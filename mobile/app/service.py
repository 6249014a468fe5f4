"""What the screens ask for, without any widget: the app's single service object.

Every blocking step (disk, key derivation, network) runs in a worker thread
through ``asyncio.to_thread`` so the Flet event loop never stalls. Rules live
in ``schemas`` and the vault/records/sync modules; this class only strings
them together and keeps the session state (locked or not, online or not).
Three parts that are ideas of their own are mixed in from their modules: the PIN
lockout and sealed export (``pin_lockout``), the supervisor's phone management
(``device_admin``) and the progress screens' server calls (``progress_calls``).
"""

from __future__ import annotations

import asyncio
import base64
import platform
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import astuple, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from schemas.catalog import form_index, latest_forms, shipped_forms
from schemas.common import text
from schemas.forms import FormDefinition
from schemas.outbox import outbox_headers
from schemas.records import Record
from schemas.sync import UserInfo
from vault_format.reader import TOKEN_META_KEY, UNLOCK_META_KEY

from ..errors import InputError
from ..media.store import MediaStore
from ..pin_policy import check_pin
from ..record_query import RecordQuery
from ..record_state import LocalState, StoredRecord
from ..records import RecordStore
from ..settings_store import AppSettings, apply_profile, load_settings, profile, save_device_settings
from ..sync.client import ServerClient
from ..sync.engine import SyncEngine, SyncReport
from ..unsent import Unsent, unsent
from ..vault import Vault
from ..vault import device_secret as ds
from ..vault.keyfile import vault_keys_from_enrollment
from .device_admin import DeviceAdmin
from .photo_calls import PhotoCalls
from .pin_lockout import PinLockout
from .progress_calls import ProgressCalls, is_network_error

TOKEN_KEY = TOKEN_META_KEY
USER_KEY = "user"
PROFILE_KEY = "profile"  # the settings that must not be in plaintext (settings_store.PROFILE)


@dataclass
class HomeSummary:
    counts: dict[LocalState, int]
    last_sync: datetime | None
    online: bool | None
    photos_waiting: int = 0  # photos of finished records not yet on the server


class AppService(PinLockout, DeviceAdmin, ProgressCalls, PhotoCalls):
    def __init__(
        self,
        data_dir: Path,
        *,
        kdf_params: dict | None = None,
        client_factory: Callable[..., ServerClient] = ServerClient,
        vault_options: dict[str, Any] | None = None,
        secrets: ds.SecretStore | None = None,
    ):
        """``vault_options``: passed to the vault (e.g. ``write``, how bytes reach the disk, in tests).

        ``secrets``: where the device secret and the vault's write counter live
        (``mobile/vault/device_secret.py``): the Keystore on Android
        (``FletSecretStore.for_session``); by default a 0600 file beside the vault folder
        (the desktop and web builds).
        """
        self.data_dir = data_dir
        self.secrets: ds.SecretStore = secrets or ds.FileSecretStore(data_dir / ds.STORE_FILE)
        # A sentence for the officer after unlock (e.g. the vault's files went backwards), or None.
        self.notice = None
        self._vault_options = dict(vault_options or {})
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings: AppSettings = load_settings(data_dir)
        self._kdf_params = kdf_params
        self._client_factory = client_factory
        self._pending: tuple[str, UserInfo] | None = None  # token and user between enrollment and PIN
        self.vault: Vault | None = None
        self.store: RecordStore | None = None
        self.media: MediaStore | None = None  # the vault's photos (photo_calls.py)
        # Set where the app can tell the connection's kind (Android); None counts as Wi-Fi.
        self.on_wifi: Callable[[], Awaitable[bool]] | None = None
        self.user: UserInfo | None = None
        self.online: bool | None = None
        self._sync_lock = asyncio.Lock()
        # Awaited before the vault is opened; the web build takes the vault over from another tab here.
        self.before_open: Callable[[], Awaitable[None]] | None = None

    # ---- where the app starts -------------------------------------------------
    @property
    def vault_dir(self) -> Path:
        return self.data_dir / "vault"

    def stage(self) -> str:
        """'setup' (not enrolled), 'set_pin' (enrolled, no vault yet), 'unlock' or 'ready'."""
        if self.store is not None:
            return "ready"
        if self._pending is not None:
            return "set_pin"
        if self.settings.enrolled and Vault.exists(self.vault_dir):
            return "unlock"
        return "setup"

    @property
    def lang(self) -> str:
        return self.settings.language

    async def set_language(self, lang: str) -> None:
        self.settings.language = "en" if lang == "en" else "vi"
        await asyncio.to_thread(save_device_settings, self.data_dir, self.settings)

    async def set_theme(self, mode: str) -> None:
        self.settings.theme = mode
        await asyncio.to_thread(save_device_settings, self.data_dir, self.settings)

    # ---- enrollment and PIN ---------------------------------------------------
    async def enroll(self, server_url: str, username: str, password: str) -> UserInfo:
        server_url = server_url.strip().rstrip("/")
        if not re.match(r"^https?://[^\s/]+", server_url):
            raise InputError(
                text(
                    "Địa chỉ máy chủ phải bắt đầu bằng http:// hoặc https://",
                    "The server address must start with http:// or https://",
                )
            )
        if not username.strip() or not password:
            raise InputError(text("Vui lòng nhập đủ các ô.", "Please fill in every box."))
        device_id = self.settings.device_id or uuid.uuid4().hex
        client = self._client_factory(server_url)
        name = self.settings.device_name or platform.node() or "phone"  # the web build names the browser
        resp = await asyncio.to_thread(client.enroll, username.strip(), password, device_id, name[:100])
        self.settings.server_url = server_url
        self.settings.device_id = device_id
        self.settings.username = resp.user.username
        self.settings.full_name = resp.user.full_name
        self.settings.unit = resp.user.unit
        self.settings.role = str(getattr(resp.user.role, "value", resp.user.role))
        self.settings.enrolled = False  # becomes True once the token is safe in the vault
        await asyncio.to_thread(save_device_settings, self.data_dir, self.settings)
        self._pending = (resp.device_token, resp.user)
        self._pending_keys = vault_keys_from_enrollment(resp)  # recovery + unlock keys for the vault
        return resp.user

    async def create_pin(self, pin: str, confirm: str) -> None:
        if self._pending is None:
            raise InputError(text("Hãy đăng ký thiết bị trước.", "Register the device first."))
        check_pin(pin)
        if pin != confirm:
            raise InputError(text("Hai mã PIN không khớp.", "The two PINs do not match."))
        token, user = self._pending
        if self.before_open is not None:
            await self.before_open()

        def _create() -> Vault:
            if Vault.exists(self.vault_dir):
                self._retire_vault()  # a vault from an earlier enrollment: kept aside, never deleted
            keys = getattr(self, "_pending_keys", {})
            return Vault.create(
                self.vault_dir,
                pin,
                kdf_params=self._kdf_params,
                secrets=self.secrets,
                **keys,
                **self._vault_options,
            )

        vault = await asyncio.to_thread(_create)
        self._open(vault)
        assert self.store is not None
        await asyncio.to_thread(self.store.set_meta, PROFILE_KEY, profile(self.settings))
        await asyncio.to_thread(self.store.set_meta, TOKEN_KEY, token)
        unlock = getattr(self, "_pending_keys", {}).get("unlock_key")
        if unlock is not None:  # what proves this vault's owner to the server's recovery
            issued = {"device": unlock.device, "key": base64.b64encode(unlock.key).decode("ascii")}
            await asyncio.to_thread(self.store.set_meta, UNLOCK_META_KEY, issued)
        await asyncio.to_thread(self.store.set_meta, USER_KEY, user.model_dump(mode="json"))
        self.user = user
        self._pending = None
        self.settings.enrolled = True
        await asyncio.to_thread(save_device_settings, self.data_dir, self.settings)

    async def unlock(self, pin: str) -> None:
        if not pin:
            raise InputError(text("Hãy nhập mã PIN.", "Enter your PIN."))
        if self.before_open is not None:
            await self.before_open()
        vault = await asyncio.to_thread(
            Vault.unlock, self.vault_dir, pin, secrets=self.secrets, **self._vault_options
        )
        self._open(vault)
        assert self.store is not None
        self.notice = vault.rollback
        stored = await asyncio.to_thread(self.store.get_meta, PROFILE_KEY)
        if stored is None:  # a vault from before the profile moved in: move it from settings.json now
            await asyncio.to_thread(self.store.set_meta, PROFILE_KEY, profile(self.settings))
            await asyncio.to_thread(save_device_settings, self.data_dir, self.settings)
        else:
            apply_profile(self.settings, stored)
            self.store.author, self.store.unit = self.settings.username, self.settings.unit
        raw = await asyncio.to_thread(self.store.get_meta, USER_KEY)
        self.user = UserInfo.model_validate(raw) if raw else None
        await self.prune_photos()  # photos of a form abandoned before the app was killed

    async def start_over(self) -> Path:
        """Enroll again after a forgotten PIN: the old vault is moved aside (never deleted).

        Returns where it went, so a later recovery can still find it.
        """
        self.lock()
        retired = await asyncio.to_thread(self._retire_vault)
        keep = {
            "server_url": self.settings.server_url,
            "language": self.settings.language,
            "theme": self.settings.theme,
            "device_name": self.settings.device_name,
        }
        self.settings = AppSettings(**keep)
        await asyncio.to_thread(save_device_settings, self.data_dir, self.settings)
        self._pending = None
        self.user = None
        return retired

    def _retire_vault(self) -> Path:
        """Move the vault folder aside (``vault-replaced-<time>-<random>``); returns where it went."""
        retired = self.data_dir / f"vault-replaced-{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:4]}"
        if self.vault_dir.exists():
            self.vault_dir.rename(retired)
        return retired

    def _open(self, vault: Vault) -> None:
        self.vault = vault
        self.store = RecordStore(
            vault, author=self.settings.username, unit=self.settings.unit, device=self.settings.device_id
        )
        self.media = MediaStore(vault)

    def lock(self) -> None:
        if self.vault is not None:
            self.vault.close()
        self.vault = None
        self.store = None
        self.media = None

    async def left_behind(self) -> tuple[int, int]:
        """(finished records the server has not taken yet, drafts): what signing out would leave behind."""
        counts = await asyncio.to_thread(self._require_store().counts)
        waiting = counts.get(LocalState.PENDING, 0) + counts.get(LocalState.REJECTED, 0)
        return waiting, counts.get(LocalState.DRAFT, 0)

    async def sign_out(self) -> Path:
        """Lock and forget who this is, so the next person enrolls afresh (another user, same browser).

        The vault is moved aside, never deleted: what it holds stays recoverable with the server's
        recovery key. Callers ask first when ``unsent()`` finds anything.
        """
        return await self.start_over()

    def _require_store(self) -> RecordStore:
        if self.store is None:
            raise InputError(text("Ứng dụng đang khóa. Hãy mở khóa.", "The app is locked. Unlock it."))
        return self.store

    # ---- forms and records ----------------------------------------------------
    def _all_forms(self) -> list[FormDefinition]:
        # The store's registry, parsed once per pull; locked, only what the app ships.
        return self.store.forms() if self.store is not None else list(shipped_forms())

    def forms(self) -> list[FormDefinition]:
        """The newest version of every form, in a stable order for the home screen."""
        order = {"outreach_session": 0, "awareness_survey": 1, "training": 2}
        return sorted(latest_forms(self._all_forms()).values(), key=lambda f: (order.get(f.id, 9), f.id))

    def form_for(self, record: Record) -> FormDefinition | None:
        if self.store is not None:
            return self.store.form_for(record)
        return form_index(shipped_forms()).get((record.form_id, record.form_version))

    def new_record(self, form_id: str) -> tuple[Record, FormDefinition]:
        form = latest_forms(self._all_forms())[form_id]
        return self._require_store().new_record(form), form

    async def get_record(self, record_id: UUID) -> StoredRecord | None:
        return await asyncio.to_thread(self._require_store().get, record_id)

    async def save_draft(self, record: Record, answers: dict[str, Any]) -> StoredRecord:
        return await asyncio.to_thread(self._require_store().save_draft, record, answers)

    async def finalize(self, record: Record, answers: dict[str, Any]) -> StoredRecord:
        form = self.form_for(record)
        if form is None:
            raise InputError(text("Không tìm thấy biểu mẫu của phiếu này.", "This record's form is missing."))
        return await asyncio.to_thread(self._require_store().finalize, record, answers, form)

    async def void(self, record_id: UUID, reason: str) -> StoredRecord:
        if not reason.strip():
            raise InputError(text("Cần ghi lý do hủy phiếu.", "A reason is needed to void a record."))
        return await asyncio.to_thread(self._require_store().void, record_id, reason.strip())

    async def records(self, state: LocalState | None = None) -> list[StoredRecord]:
        return await asyncio.to_thread(self._require_store().list, state)

    async def find(self, query: RecordQuery) -> list[StoredRecord]:
        """Records matching ``query``, the most recently changed first (words in either language)."""
        return await asyncio.to_thread(self._require_store().find, query)

    async def requeue(self, record_id: UUID) -> StoredRecord:
        return await asyncio.to_thread(self._require_store().requeue, record_id)

    # ---- the form in progress (autosave) --------------------------------------
    async def autosave(self, record: Record, answers: dict[str, Any]) -> None:
        await asyncio.to_thread(self._require_store().save_autosave, record, answers)

    async def autosaved(self) -> tuple[Record, FormDefinition, dict[str, Any]] | None:
        """The form left open when the app stopped, with its definition; None if none or its form is gone."""
        store = self._require_store()
        found = await asyncio.to_thread(store.autosaved)
        if found is None:
            return None
        record, answers = found
        form = self.form_for(record)
        if form is None:
            await asyncio.to_thread(store.clear_autosave)
            return None
        return record, form, answers

    async def clear_autosave(self) -> None:
        """The form was left (saved, or given up): its slot goes, and the photos nothing keeps."""
        if self.store is not None:
            await asyncio.to_thread(self.store.clear_autosave)
            await self.prune_photos()

    async def summary(self) -> HomeSummary:
        store = self._require_store()
        counts = await asyncio.to_thread(store.counts)
        last = await asyncio.to_thread(store.get_meta, "last_sync")
        photos = await self.photos_waiting()
        return HomeSummary(
            counts=counts,
            last_sync=datetime.fromisoformat(last) if isinstance(last, str) else None,
            online=self.online,
            photos_waiting=photos.waiting if photos else 0,
        )

    # ---- network --------------------------------------------------------------
    def _client(self) -> ServerClient:
        store = self.store
        client = self._client_factory(self.settings.server_url, store.get_meta(TOKEN_KEY) if store else None)
        if store is not None:  # every push and pull tells the server what still waits (issue 17)
            client.outbox_report = lambda: outbox_headers(*astuple(unsent(store)))
        return client

    async def unsent(self) -> Unsent:
        return await asyncio.to_thread(unsent, self._require_store())

    async def check_online(self) -> bool:
        if not self.settings.server_url:
            return False
        client = self._client_factory(self.settings.server_url)
        self.online = await asyncio.to_thread(client.health)
        return self.online

    @property
    def syncing(self) -> bool:
        return self._sync_lock.locked()

    async def sync(self, progress: Callable[[int, int], None] | None = None) -> SyncReport | None:
        """Push the outbox and pull forms, plan and tallies; None if a sync is already running."""
        if self._sync_lock.locked():
            return None
        async with self._sync_lock:
            store = self._require_store()
            engine = SyncEngine(
                store,
                await asyncio.to_thread(self._client),
                media=self.media,
                send_photos=await self.may_send_photos(),
            )
            report = await asyncio.to_thread(engine.run, progress)
            self.online = report.error is None or not is_network_error(report.error)
            return report
