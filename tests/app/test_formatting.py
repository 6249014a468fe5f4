from datetime import UTC, date, datetime

from mobile.app.formatting import fmt_date, fmt_datetime, fmt_number, parse_date


def test_formatting__dates_are_dd_mm_yyyy():
    assert fmt_date(date(2026, 3, 5)) == "05/03/2026"
    assert parse_date("5/3/2026") == date(2026, 3, 5)
    assert parse_date("05-03-2026") == date(2026, 3, 5)
    assert parse_date("31/02/2026") is None
    assert parse_date("2026-03-05") is None
    assert parse_date("") is None


def test_formatting__times_are_shown_in_vietnam_time():
    assert fmt_datetime(datetime(2026, 1, 1, 17, 30, tzinfo=UTC)) == "00:30 02/01/2026"


def test_formatting__numbers_use_vietnamese_separators():
    assert fmt_number(1234567, "vi") == "1.234.567"
    assert fmt_number(66.67, "vi") == "66,7"
    assert fmt_number(1234.5, "en") == "1,234.5"


def test_formatting__answers_read_as_the_officer_wrote_them():
    from mobile.app.formatting import answer_text, fmt_time, record_summary
    from schemas.catalog import latest_forms, shipped_forms
    from schemas.records import Record, RecordStatus

    survey = latest_forms(shipped_forms())["awareness_survey"]
    session = latest_forms(shipped_forms())["outreach_session"]
    assert answer_text(survey.field("sex"), "female", "vi") == "Nữ"
    assert answer_text(survey.field("sex"), "female", "en") == "Female"
    assert answer_text(survey.field("survey_date"), "2026-03-05") == "05/03/2026"
    assert answer_text(session.field("attendees_citizens"), 1234, "vi") == "1.234"
    topics = session.field("topics")
    assert answer_text(topics, [c.value for c in topics.choices[:2]], "vi") == ", ".join(
        c.label.vi for c in topics.choices[:2]
    )
    assert answer_text(survey.field("ethnicity"), None) == answer_text(survey.field("ethnicity"), "") == ""
    assert fmt_time(datetime(2026, 1, 1, 17, 5, tzinfo=UTC)) == "00:05"

    now = datetime(2026, 3, 5, tzinfo=UTC)
    rec = Record(
        id="6f1c1c9e-8b1b-4d43-9d53-3c1f4b7a2a10",
        form_id=survey.id,
        form_version=survey.version,
        unit="HN-SS-MT",
        author="canbo",
        device="d",
        created_at=now,
        updated_at=now,
        revision=1,
        status=RecordStatus.DRAFT,
        answers={
            "survey_date": "2026-03-05",
            "respondent_group": "citizen",
            "sex": "male",
            "ethnicity": "Tày",
        },
    )
    # typed words first, then choices; the date is shown elsewhere
    assert record_summary(rec, survey, "vi") == "Tày · Nhân dân · Nam"
    assert record_summary(rec, None, "vi") == ""
