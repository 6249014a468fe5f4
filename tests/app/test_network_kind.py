"""'Photos only on Wi-Fi': what counts as Wi-Fi."""

from __future__ import annotations

from mobile.app.network_kind import counts_as_wifi


def test_a_phone_counts_wifi_and_cable_only() -> None:
    assert counts_as_wifi(is_phone=True, kinds=["wifi"])
    assert counts_as_wifi(is_phone=True, kinds=["mobile", "wifi"])
    assert counts_as_wifi(is_phone=True, kinds=["ethernet"])
    assert not counts_as_wifi(is_phone=True, kinds=["mobile"])
    assert not counts_as_wifi(is_phone=True, kinds=["vpn", "mobile"])
    assert not counts_as_wifi(is_phone=True, kinds=["none"])
    assert not counts_as_wifi(is_phone=True, kinds=[])


def test_web_and_desktop_always_count_as_wifi() -> None:
    assert counts_as_wifi(is_phone=False, kinds=["mobile"])
    assert counts_as_wifi(is_phone=False, kinds=[])
