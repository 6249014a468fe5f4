"""The answer to a push, bounded: never much larger than the push, and every record keeps its receipt.

A batch of tiny bad records, each drawing a list of bilingual issues, must
not turn the server into an amplifier. Three rules, in order:

1. every receipt: at most ``MAX_RECEIPT_ISSUES`` issues (the last one then
   says how many more there were), each message at most ``MAX_ISSUE_TEXT``
   characters and each field name at most ``MAX_FIELD`` (a message or a field may
   repeat text the record carried);
2. when the receipts would still pass ``answer_budget(request_bytes)``, the
   receipts are upgraded in the batch's order from the bare minimum (id,
   revision, status) to a short general issue, then to their first issue,
   then to all of them (rule 1), each step while it fits: the first records
   keep their reasons, the later ones a shorter one;
3. a receipt is never dropped: the phone must learn every record's fate.

Sizes are the UTF-8 bytes of the receipts' JSON, as the answer carries them.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas.common import Issue, LocalizedText, text
from schemas.sync import (
    ISSUES_OMITTED,
    MAX_ISSUE_TEXT,
    MAX_RECEIPT_ISSUES,
    MIN_PUSH_ANSWER,
    MORE_ISSUES,
    PUSH_ANSWER_FACTOR,
    Receipt,
)

MAX_FIELD = 100
ENVELOPE = 128  # {"receipts":[...],"server_time":"..."} around the receipts

_OMITTED = Issue(
    code=ISSUES_OMITTED,
    message=text(
        "Bị từ chối; quá nhiều bản ghi lỗi để gửi kèm mọi lý do.",
        "Rejected; too many bad records to send every reason.",
    ),
)


def answer_budget(request_bytes: int) -> int:
    """The most bytes the answer to a push of ``request_bytes`` (inflated) may take."""
    return max(MIN_PUSH_ANSWER, PUSH_ANSWER_FACTOR * request_bytes)


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _short(issue: Issue) -> Issue:
    message = LocalizedText(
        vi=_cut(issue.message.vi, MAX_ISSUE_TEXT), en=_cut(issue.message.en, MAX_ISSUE_TEXT)
    )
    field = None if issue.field is None else _cut(issue.field, MAX_FIELD)
    if message == issue.message and field == issue.field:
        return issue
    return issue.model_copy(update={"message": message, "field": field})


def capped_issues(issues: Sequence[Issue]) -> list[Issue]:
    """At most MAX_RECEIPT_ISSUES short issues; the last says how many more there were."""
    if len(issues) <= MAX_RECEIPT_ISSUES:
        return [_short(i) for i in issues]
    kept = MAX_RECEIPT_ISSUES - 1
    more = len(issues) - kept
    note = Issue(
        code=MORE_ISSUES,
        message=text(f"và {more} lỗi khác trong bản ghi này.", f"and {more} more problems in this record."),
    )
    return [_short(i) for i in issues[:kept]] + [note]


def _size(receipt: Receipt) -> int:
    return len(receipt.model_dump_json().encode("utf-8")) + 1  # and its comma


def bounded_receipts(receipts: Sequence[Receipt], *, request_bytes: int) -> list[Receipt]:
    """``receipts`` (same order, same records, same statuses) whose JSON fits the push's answer budget."""
    full = [r.model_copy(update={"issues": capped_issues(r.issues)}) if r.issues else r for r in receipts]
    budget = answer_budget(request_bytes) - ENVELOPE
    sizes = [_size(r) for r in full]
    if sum(sizes) <= budget:
        return full
    levels = [
        [r]
        if not r.issues
        else [
            r.model_copy(update={"issues": []}),
            r.model_copy(update={"issues": [_OMITTED]}),
            r.model_copy(update={"issues": r.issues[:1]}),
            r,
        ]
        for r in full
    ]
    chosen = [0] * len(full)
    level_sizes = [
        [size] if len(options) == 1 else [_size(o) for o in options]
        for options, size in zip(levels, sizes, strict=True)
    ]
    total = sum(s[0] for s in level_sizes)
    for level in (1, 2, 3):
        for i, options in enumerate(level_sizes):
            if len(options) <= level:
                continue
            extra = options[level] - options[chosen[i]]
            if total + extra <= budget:
                chosen[i], total = level, total + extra
    return [options[chosen[i]] for i, options in enumerate(levels)]
