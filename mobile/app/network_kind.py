"""Whether the connection counts as Wi-Fi, for "photos only on Wi-Fi". No Flet.

Flet's connectivity service answers a list of kinds (``wifi``, ``mobile``,
``ethernet``, ``vpn``, ``bluetooth``, ``other``, ``none``). Only a phone pays
for mobile data: the web and desktop builds always count as Wi-Fi. On a phone,
Wi-Fi or a cable counts; mobile data, a VPN over it, or nothing does not.
"""

from __future__ import annotations

from collections.abc import Iterable

FREE_KINDS = {"wifi", "ethernet"}


def counts_as_wifi(*, is_phone: bool, kinds: Iterable[str]) -> bool:
    if not is_phone:
        return True
    return any(str(k).lower() in FREE_KINDS for k in kinds)
