"""Realistic XLSForm workbooks, written with openpyxl the way the public XLSForm spec lays them out.

Each builder returns the path of a fresh .xlsx. They imitate what teams really
have: an ODK-style household survey with metadata, photos and regex checks; a
training attendance sheet with a group and a repeat; a bilingual
(label::Vietnamese / label::English) legal-awareness survey scored with
calculate rows; and the "field check" form that has every question type
fieldtally supports (the browser test publishes it and fills it in).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook


def write(
    path: Path, survey: list[dict[str, Any]], choices: list[dict[str, Any]], settings: dict[str, Any] | None
):
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    _fill(ws, survey)
    if choices:
        _fill(wb.create_sheet("choices"), choices)
    if settings is not None:
        _fill(wb.create_sheet("settings"), [settings])
    wb.save(path)
    return path


def _fill(ws, rows: list[dict[str, Any]]) -> None:
    columns: list[str] = []
    for r in rows:
        for k in r:
            if k not in columns:
                columns.append(k)
    ws.append(columns)
    for r in rows:
        ws.append([r.get(c) for c in columns])


def household_survey(folder: Path) -> Path:
    """Like ODK's household survey samples: metadata rows, constraints, a photo, a geopoint."""
    survey = [
        {"type": "start", "name": "start"},
        {"type": "end", "name": "end"},
        {"type": "today", "name": "today"},
        {"type": "deviceid", "name": "deviceid"},
        {"type": "date", "name": "visit_date", "label": "Ngày phỏng vấn", "required": "yes"},
        {"type": "text", "name": "respondent_name", "label": "Họ tên chủ hộ", "required": "yes"},
        {
            "type": "text",
            "name": "phone",
            "label": "Số điện thoại",
            "constraint": "regex(., '^0[0-9]{9}$')",
            "constraint_message": "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0",
        },
        {
            "type": "integer",
            "name": "hh_size",
            "label": "Số người trong hộ",
            "required": "yes",
            "constraint": ". > 0 and . <= 30",
            "constraint_message": "Từ 1 đến 30 người",
        },
        {
            "type": "integer",
            "name": "children",
            "label": "Số trẻ em dưới 16 tuổi",
            "constraint": ". >= 0 and . <= ${hh_size}",
            "constraint_message": "Không quá số người trong hộ",
        },
        {"type": "calculate", "name": "adults", "calculation": "${hh_size} - ${children}"},
        {
            "type": "select_one yes_no",
            "name": "has_water",
            "label": "Hộ có nước sạch không?",
            "required": "yes",
        },
        {
            "type": "select_one water_source",
            "name": "water_source",
            "label": "Nguồn nước",
            "relevant": "${has_water} = 'yes'",
            "required": "yes",
        },
        {"type": "select_multiple assets", "name": "assets", "label": "Tài sản của hộ"},
        {"type": "decimal", "name": "income", "label": "Thu nhập tháng (triệu đồng)", "constraint": ". >= 0"},
        {"type": "geopoint", "name": "location", "label": "Vị trí nhà"},
        {"type": "image", "name": "house_photo", "label": "Ảnh ngôi nhà"},
        {"type": "text", "name": "Village-Name", "label": "Thôn, bản", "appearance": "minimal"},
        {"type": "note", "name": "thanks", "label": "Cảm ơn ông/bà đã trả lời."},
    ]
    choices = [
        {"list_name": "yes_no", "name": "yes", "label": "Có"},
        {"list_name": "yes_no", "name": "no", "label": "Không"},
        {"list_name": "water_source", "name": "piped", "label": "Nước máy"},
        {"list_name": "water_source", "name": "well", "label": "Giếng khoan"},
        {"list_name": "water_source", "name": "river", "label": "Sông, suối"},
        {"list_name": "assets", "name": "motorbike", "label": "Xe máy"},
        {"list_name": "assets", "name": "tv", "label": "Ti vi"},
        {"list_name": "assets", "name": "phone", "label": "Điện thoại"},
    ]
    settings = {
        "form_title": "Khảo sát hộ gia đình",
        "form_id": "household_survey",
        "version": 2024031501,
        "default_language": "Vietnamese (vi)",
    }
    return write(folder / "household_survey.xlsx", survey, choices, settings)


def training_attendance(folder: Path) -> Path:
    """A training sign-in sheet: labelled groups (sections, one with a relevance) and a repeat of people."""
    survey = [
        {"type": "begin group", "name": "course", "label": "Thông tin lớp"},
        {"type": "date", "name": "training_date", "label": "Ngày tập huấn"},
        {"type": "text", "name": "course_name", "label": "Tên lớp", "required": "yes"},
        {
            "type": "select_one trainee",
            "name": "trainee_kind",
            "label": "Đối tượng tập huấn",
            "required": "yes",
        },
        {"type": "end group"},
        {
            "type": "begin group",
            "name": "reporters_block",
            "label": "Báo cáo viên",
            "relevant": "${trainee_kind} = 'reporter'",
        },
        {"type": "integer", "name": "reporters", "label": "Số báo cáo viên", "required": "yes"},
        {"type": "end group"},
        {"type": "begin repeat", "name": "participants", "label": "Người tham dự"},
        {"type": "text", "name": "participant_name", "label": "Họ tên"},
        {"type": "select_one sex", "name": "participant_sex", "label": "Giới tính"},
        {"type": "end repeat"},
        {
            "type": "integer",
            "name": "total_participants",
            "label": "Tổng số người tham dự",
            "required": "yes",
            "default": 0,
        },
        {"type": "signature", "name": "trainer_signature", "label": "Chữ ký giảng viên"},
    ]
    choices = [
        {"list_name": "trainee", "name": "reporter", "label": "Báo cáo viên"},
        {"list_name": "trainee", "name": "propagandist", "label": "Tuyên truyền viên"},
        {"list_name": "trainee", "name": "mediator", "label": "Hòa giải viên"},
        {"list_name": "sex", "name": "female", "label": "Nữ"},
        {"list_name": "sex", "name": "male", "label": "Nam"},
    ]
    settings = {"form_title": "Điểm danh tập huấn", "form_id": "training_attendance", "version": "3"}
    return write(folder / "training_attendance.xlsx", survey, choices, settings)


def bilingual_awareness(folder: Path) -> Path:
    """label::Vietnamese (vi) and label::English (en) columns; relevance; a quiz scored by calculate rows."""
    vi, en = "label::Vietnamese (vi)", "label::English (en)"
    survey = [
        {"type": "date", "name": "survey_date", vi: "Ngày khảo sát", en: "Survey date", "required": "yes"},
        {"type": "time", "name": "survey_time", vi: "Giờ khảo sát", en: "Survey time"},
        {
            "type": "integer",
            "name": "age",
            vi: "Tuổi",
            en: "Age",
            "required": "yes",
            "constraint": ". >= 16 and . <= 100",
            "constraint_message::Vietnamese (vi)": "Tuổi từ 16 đến 100",
            "constraint_message::English (en)": "Age from 16 to 100",
        },
        {
            "type": "select_multiple topics",
            "name": "topics",
            vi: "Đã được tuyên truyền về",
            en: "Was taught about",
            "required": "yes",
        },
        {
            "type": "select_one abc",
            "name": "q_drugs",
            "required": "yes",
            vi: "Sử dụng trái phép chất ma túy thì bị xử lý thế nào?",
            en: "What happens to someone who uses drugs?",
            "relevant": "${age} >= 18 and selected(${topics}, 'drugs')",
        },
        {
            "type": "select_one abc",
            "name": "q_border",
            "required": "yes",
            vi: "Hành vi nào bị nghiêm cấm ở khu vực biên giới?",
            en: "Which act is forbidden in the border area?",
            "relevant": "selected(${topics}, 'border')",
        },
        {
            "type": "text",
            "name": "comment",
            vi: "Ý kiến",
            en: "Comment",
            "appearance": "multiline",
            "hint::Vietnamese (vi)": "Không bắt buộc",
            "hint::English (en)": "Optional",
            "required": "count-selected(${topics}) > 2",
        },
        {
            "type": "calculate",
            "name": "score",
            "calculation": "if(${q_drugs} = 'b', 1, 0) + if(${q_border} = 'a', 1, 0)",
        },
        {"type": "calculate", "name": "has_understanding", "calculation": "if(${score} >= 1, 'yes', 'no')"},
        {"type": "text", "name": "label_fr", "label::French (fr)": "Commentaire", vi: "Ghi chú", en: "Note"},
    ]
    choices = [
        {"list_name": "topics", "name": "drugs", vi: "Phòng, chống ma túy", en: "Drug prevention"},
        {"list_name": "topics", "name": "border", vi: "Biên giới quốc gia", en: "Border law"},
        {"list_name": "topics", "name": "traffic", vi: "Giao thông", en: "Traffic"},
        {"list_name": "abc", "name": "a", vi: "Phương án A", en: "Option A"},
        {"list_name": "abc", "name": "b", vi: "Phương án B", en: "Option B"},
        {"list_name": "abc", "name": "c", vi: "Phương án C", en: "Option C"},
    ]
    settings = {"form_title": "Khảo sát nhận thức (song ngữ)", "form_id": "awareness_bilingual", "version": 1}
    return write(folder / "awareness_bilingual.xlsx", survey, choices, settings)


FIELD_CHECK_ID = "field_check"


def field_check(folder: Path, *, version: int = 1) -> Path:
    """Every question type fieldtally has, for trying a phone out (and for the browser test)."""
    vi, en = "label::Vietnamese (vi)", "label::English (en)"
    survey = [
        {
            "type": "note",
            "name": "intro",
            vi: "Phiếu thử: điền thử mọi loại câu hỏi.",
            en: "A trial form: try every kind of question.",
        },
        {"type": "date", "name": "check_date", vi: "Ngày kiểm tra", en: "Check date", "required": "yes"},
        {"type": "time", "name": "check_time", vi: "Giờ bắt đầu", en: "Start time"},
        {"type": "text", "name": "place", vi: "Địa điểm", en: "Place", "required": "yes"},
        {"type": "text", "name": "notes", vi: "Ghi chép", en: "Notes", "appearance": "multiline"},
        {
            "type": "integer",
            "name": "groups",
            vi: "Số nhóm",
            en: "Groups",
            "constraint": ". >= 0 and . <= 20",
            "constraint_message::Vietnamese (vi)": "Từ 0 đến 20 nhóm",
            "constraint_message::English (en)": "From 0 to 20 groups",
        },
        {"type": "decimal", "name": "hours", vi: "Số giờ", en: "Hours"},
        {
            "type": "select_one yes_no",
            "name": "had_leaflets",
            vi: "Có phát tờ rơi không?",
            en: "Leaflets handed out?",
            "required": "yes",
        },
        {
            "type": "integer",
            "name": "leaflets",
            vi: "Số tờ rơi",
            en: "Leaflets",
            "required": "yes",
            "relevant": "${had_leaflets} = 'yes'",
        },
        {"type": "select_multiple topics", "name": "topics", vi: "Nội dung", en: "Topics"},
        {"type": "geopoint", "name": "location", vi: "Vị trí", en: "Location"},
        {
            "type": "count_grid audience",
            "name": "attendance",
            vi: "Số lượt người tham dự",
            en: "Attendance (person-times)",
        },
        {
            "type": "calculate",
            "name": "total",
            vi: "Tổng số lượt",
            en: "Total person-times",
            "calculation": "grid-total(${attendance})",
        },
        {"type": "begin repeat", "name": "materials", vi: "Tài liệu đã phát", en: "Material handed out"},
        {"type": "select_one material", "name": "material_kind", vi: "Loại", en: "Kind", "required": "yes"},
        {"type": "integer", "name": "material_count", vi: "Số lượng", en: "How many"},
        {"type": "end repeat"},
    ]
    if version >= 2:  # version 2 asks who filled the form in
        survey.append(
            {"type": "text", "name": "recorder", vi: "Người ghi phiếu", en: "Recorded by", "required": "yes"}
        )
    choices = [
        {"list_name": "yes_no", "name": "yes", vi: "Có", en: "Yes"},
        {"list_name": "yes_no", "name": "no", vi: "Không", en: "No"},
        {"list_name": "topics", "name": "border", vi: "Biên giới quốc gia", en: "Border law"},
        {"list_name": "topics", "name": "drugs", vi: "Phòng, chống ma túy", en: "Drug prevention"},
        {"list_name": "audience", "name": "cadres", vi: "Cán bộ", en: "Cadres"},
        {"list_name": "audience", "name": "citizens", vi: "Nhân dân", en: "Citizens"},
        {"list_name": "audience", "name": "students", vi: "Học sinh", en: "Students"},
        {"list_name": "material", "name": "leaflet", vi: "Tờ rơi", en: "Leaflet"},
        {"list_name": "material", "name": "book", vi: "Sách pháp luật", en: "Law book"},
    ]
    settings = {
        "form_title::Vietnamese (vi)": "Phiếu kiểm tra",
        "form_title::English (en)": "Field check",
        "form_id": FIELD_CHECK_ID,
        "version": version,
    }
    return write(folder / f"field_check.v{version}.xlsx", survey, choices, settings)


def _both(vi: str, en: str) -> dict[str, str]:
    return {"label::Vietnamese (vi)": vi, "label::English (en)": en}


def province_district(folder: Path) -> Path:
    """Cascading selects as ODK teams write them: the district list filtered by the chosen province
    (an extra ``province`` column on the choices sheet), communes in a repeat by the district, and
    topics (select_multiple) offered by the session's kind."""
    survey = [
        {"type": "date", "name": "visit_date", **_both("Ngày", "Date"), "required": "yes"},
        {"type": "select_one provinces", "name": "province", **_both("Tỉnh", "Province"), "required": "yes"},
        {"type": "select_one districts", "name": "district", **_both("Huyện", "District"), "required": "yes",
         "choice_filter": "province=${province}"},
        {"type": "select_one kinds", "name": "kind", **_both("Hình thức", "Kind")},
        {"type": "select_multiple topics", "name": "topics", **_both("Chủ đề", "Topics"),
         "choice_filter": "kinds = '' or selected(kinds, ${kind})"},
        {"type": "begin_repeat", "name": "homes", **_both("Hộ", "Home")},
        {"type": "select_one communes", "name": "commune", **_both("Xã", "Commune"), "required": "yes",
         "choice_filter": "district = ${district} and name != 'closed'"},
        {"type": "end_repeat"},
    ]  # fmt: skip
    choices = [
        {"list_name": "provinces", "name": "hn", **_both("Hà Nội", "Hanoi")},
        {"list_name": "provinces", "name": "hp", **_both("Hải Phòng", "Hai Phong")},
        {"list_name": "districts", "name": "bd", **_both("Ba Đình", "Ba Dinh"), "province": "hn"},
        {"list_name": "districts", "name": "hk", **_both("Hoàn Kiếm", "Hoan Kiem"), "province": "hn"},
        {"list_name": "districts", "name": "lc", **_both("Lê Chân", "Le Chan"), "province": "hp"},
        {"list_name": "kinds", "name": "talk", **_both("Nói chuyện", "Talk")},
        {"list_name": "kinds", "name": "forum", **_both("Đối thoại", "Forum")},
        {"list_name": "topics", "name": "drugs", **_both("Ma túy", "Drugs")},
        {"list_name": "topics", "name": "land", **_both("Đất đai", "Land"), "kinds": "forum"},
        {"list_name": "topics", "name": "family", **_both("Gia đình", "Family"), "kinds": "talk forum"},
        {"list_name": "communes", "name": "phuc_xa", **_both("Phúc Xá", "Phuc Xa"), "district": "bd"},
        {"list_name": "communes", "name": "hang_bac", **_both("Hàng Bạc", "Hang Bac"), "district": "hk"},
        {"list_name": "communes", "name": "closed", **_both("Đã giải thể", "Dissolved"), "district": "bd"},
    ]  # fmt: skip
    settings = {"form_id": "visits", "version": 1, "form_title": "Phiếu thăm hộ theo địa bàn"}
    return write(folder / "province_district.xlsx", survey, choices, settings)
