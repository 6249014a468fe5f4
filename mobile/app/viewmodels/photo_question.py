"""A photo question on the form, as a plain object: which photos are attached and what may change. No Flet.

The answer is the list of ``MediaRef`` dicts (``schemas.media``); the photos themselves are
already sealed in the vault when they are attached (``AppService.add_photo``). This model
holds the bounds the shared validator applies (``min``/``max`` on the question, ``required``
meaning at least one, ``MAX_PHOTOS`` when no max is set), so the buttons are disabled and the
words under the question say so before the validator has to.
"""

from __future__ import annotations

from typing import Any

from schemas.common import LocalizedText, text
from schemas.forms import FormField
from schemas.media import MAX_PHOTOS, MediaRef, parse_refs

from ...errors import InputError


class PhotoQuestion:
    def __init__(self, field: FormField, answer: Any = None) -> None:
        self.field = field
        self.refs: list[MediaRef] = parse_refs(answer)

    # ---- bounds --------------------------------------------------------------------------------------
    @property
    def max_photos(self) -> int:
        return int(self.field.max) if self.field.max is not None else MAX_PHOTOS

    @property
    def min_photos(self) -> int:
        if self.field.min is not None:
            return int(self.field.min)
        return 1 if self.field.required else 0

    @property
    def can_add(self) -> bool:
        return len(self.refs) < self.max_photos

    # ---- changes -------------------------------------------------------------------------------------
    def next_name(self) -> str:
        """The name of the next photo: ``anh-<n>.jpg``, n one more than any used in this question."""
        used = [0]
        for ref in self.refs:
            stem = ref.name.rsplit(".", 1)[0]
            if stem.startswith("anh-") and stem[4:].isdigit():
                used.append(int(stem[4:]))
        return f"anh-{max(used) + 1}.jpg"

    def refuse_more(self) -> None:
        """InputError when the question already holds its most photos (checked before the camera opens)."""
        if not self.can_add:
            n = self.max_photos
            raise InputError(
                text(f"Câu hỏi này nhận tối đa {n} ảnh.", f"This question takes at most {n} photo{_s(n)}.")
            )

    def attach(self, ref: MediaRef) -> bool:
        """Add a stored photo; False if it is already attached (the same photo chosen twice)."""
        if any(r.sha256 == ref.sha256 for r in self.refs):
            return False
        self.refuse_more()
        self.refs.append(ref)
        return True

    def remove(self, sha256: str) -> bool:
        before = len(self.refs)
        self.refs = [r for r in self.refs if r.sha256 != sha256]
        return len(self.refs) != before

    def set(self, answer: Any) -> None:
        self.refs = parse_refs(answer)

    # ---- what the form reads -------------------------------------------------------------------------
    def value(self) -> list[dict[str, Any]] | None:
        """The answer: the references as JSON dicts, or None when no photo is attached."""
        return [r.model_dump(mode="json") for r in self.refs] or None

    def hashes(self) -> set[str]:
        return {r.sha256 for r in self.refs}

    def counter(self) -> LocalizedText:
        """'2/5 ảnh' under the question, with the least needed when there is one."""
        n, top, low = len(self.refs), self.max_photos, self.min_photos
        vi, en = f"{n}/{top} ảnh", f"{n}/{top} photo{_s(top)}"
        if low and n < low:
            vi += f" (cần ít nhất {low})"
            en += f" (at least {low} needed)"
        return text(vi, en)


def _s(n: int) -> str:
    return "" if n == 1 else "s"
