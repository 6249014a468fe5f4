"""Which XLSForm question types fieldtally has, and why the others are left out.

One table for the converter (``convert.py``): the types it maps to fieldtally's, the metadata rows
the app records by itself, the types it cannot keep with the reason the report gives, and the
columns it ignores. Kept apart so the list of what is supported reads in one place.
"""

from __future__ import annotations

TYPES = {
    "text": "text", "string": "text", "integer": "integer", "int": "integer", "decimal": "decimal",
    "date": "date", "time": "time", "geopoint": "geopoint", "note": "note", "calculate": "calculated",
    "image": "image",
}  # fmt: skip
METADATA = {
    "start", "end", "today", "deviceid", "imei", "username", "phonenumber", "simserial", "subscriberid",
    "email", "audit", "start-geopoint", "background-geopoint",
}  # fmt: skip
UNSUPPORTED = {
    "audio": "audio is not collected", "video": "video is not collected", "file": "files are not collected",
    "barcode": "barcode scanning is not available", "signature": "signatures are not collected",
    "geotrace": "only single points are recorded", "geoshape": "only single points are recorded",
    "rank": "ranking questions are not available",
    "hidden": "hidden values are not available; use calculate", "datetime": "use a date and a time question",
    "xml-external": "external data is not available", "csv-external": "external data is not available",
    "select_one_from_file": "choices from files are not available",
    "select_multiple_from_file": "choices from files are not available",
    "range": "use an integer question with a constraint",
}  # fmt: skip
IGNORED_COLUMNS = ("read_only", "trigger", "required_message")


def unsupported(kind: str, raw_type: str) -> str | None:
    """Why a survey row of type ``kind`` (as written: ``raw_type``) is not a question here; None if it is."""
    if not kind:
        return "no type"
    if kind in METADATA:
        return f"'{kind}' metadata is not a question: the app records who, when and on which device by itself"
    if kind in UNSUPPORTED:
        return f"type '{kind}' is not supported: {UNSUPPORTED[kind]}"
    if kind not in TYPES and kind not in ("select_one", "select_multiple", "count_grid", "acknowledge"):
        return f"unknown type '{raw_type}'"
    return None


# The choices sheet's own columns; any other is a column a choice filter may read (``province``).
CHOICE_SHEET_COLUMNS = {
    "list_name",
    "list name",
    "name",
    "value",
    "label",
    "image",
    "audio",
    "video",
    "big-image",
}
