"""A form whose district question offers only the districts of the province chosen above it.

Shared by the schema, server and app tests: a province and a district (``@province = ${province}``),
topics (select_many) filtered by the session's kind, and a repeat whose entries pick a commune of
the record's district.
"""

from __future__ import annotations

from typing import Any


def _c(value: str, vi: str, en: str, **filters: str) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value, "label": {"vi": vi, "en": en}}
    if filters:
        out["filters"] = filters
    return out


def choice_form(form_id: str = "visits", version: int = 1) -> dict[str, Any]:
    return {
        "id": form_id,
        "version": version,
        "title": {"vi": "Thăm hộ", "en": "Visits"},
        "period_field": "held_on",
        "fields": [
            {"name": "held_on", "type": "date", "label": {"vi": "Ngày", "en": "Date"}, "required": True},
            {
                "name": "province",
                "type": "select_one",
                "label": {"vi": "Tỉnh", "en": "Province"},
                "required": True,
                "choices": [_c("hn", "Hà Nội", "Hanoi"), _c("hp", "Hải Phòng", "Hai Phong")],
            },
            {
                "name": "district",
                "type": "select_one",
                "label": {"vi": "Huyện", "en": "District"},
                "required": True,
                "choice_filter": "@province = ${province}",
                "choices": [
                    _c("bd", "Ba Đình", "Ba Dinh", province="hn"),
                    _c("hk", "Hoàn Kiếm", "Hoan Kiem", province="hn"),
                    _c("lc", "Lê Chân", "Le Chan", province="hp"),
                ],
            },
            {
                "name": "kind",
                "type": "select_one",
                "label": {"vi": "Hình thức", "en": "Kind"},
                "choices": [_c("talk", "Nói chuyện", "Talk"), _c("forum", "Đối thoại", "Forum")],
            },
            {
                "name": "topics",
                "type": "select_many",
                "label": {"vi": "Chủ đề", "en": "Topics"},
                "choice_filter": "@kinds = '' or selected(@kinds, ${kind})",
                "choices": [
                    _c("drugs", "Ma túy", "Drugs"),
                    _c("land", "Đất đai", "Land", kinds="forum"),
                    _c("family", "Gia đình", "Family", kinds="talk forum"),
                ],
            },
            {
                "name": "homes",
                "type": "repeat",
                "label": {"vi": "Hộ", "en": "Home"},
                "fields": [
                    {
                        "name": "commune",
                        "type": "select_one",
                        "label": {"vi": "Xã", "en": "Commune"},
                        "required": True,
                        "choice_filter": "@district = ${district} and @name != 'closed'",
                        "choices": [
                            _c("phuc_xa", "Phúc Xá", "Phuc Xa", district="bd"),
                            _c("hang_bac", "Hàng Bạc", "Hang Bac", district="hk"),
                            _c("closed", "Đã giải thể", "Dissolved", district="bd"),
                        ],
                    }
                ],
            },
        ],
    }
