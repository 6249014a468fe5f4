"""CSV and XLSX exports open in a spreadsheet library with the expected cells and never carry a formula."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import load_workbook

from sync_server.services.exports import TALLY_HEADERS, neutralise

from .helpers import PLAN, Api, record, session_answers, survey_answers


def _seed(api: Api) -> dict:
    evil = session_answers("2024-05-06", soldiers=11)
    evil["place"] = '=HYPERLINK("http://x","bấm")'
    evil["notes"] = "@SUM(A1:A9)"
    recs = [
        record("awareness_survey", survey_answers("2024-05-06", correct=6)),
        record("awareness_survey", survey_answers("2024-05-07", correct=1)),
        record("outreach_session", evil),
    ]
    assert api.statuses(*recs) == ["stored"] * 3
    return recs[2]


def _xlsx(content: bytes):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def test_neutralise__only_text_that_starts_like_a_formula() -> None:
    assert [neutralise(v) for v in ("=1+1", "+84 912", "-x", "@a", "\tx", "Xã Minh Trí", -5, 2.5, None)] == [
        "'=1+1",
        "'+84 912",
        "'-x",
        "'@a",
        "'\tx",
        "Xã Minh Trí",
        -5,
        2.5,
        None,
    ]


def test_export_tallies__xlsx_and_csv_have_the_report_table(api: Api) -> None:
    _seed(api)
    params = {"plan_id": PLAN, "unit": "HN-SS-MT", "period": "2024-Q2", "granularity": "month"}
    resp = api.client.get("/api/v1/exports/tallies.xlsx", params=params, headers=api.auth())
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert (
        'filename="chi-tieu_hanoi_pbgdpl_2021_2027_HN-SS-MT_20240401-20240630.xlsx"'
        in resp.headers["content-disposition"]
    )
    ws = _xlsx(resp.content)
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == TALLY_HEADERS
    by_key = {(r[0], r[3], r[5], r[6], r[7]): r for r in rows[1:]}
    may_i1 = by_key[("HN-SS-MT", 1, None, datetime(2024, 5, 1), datetime(2024, 5, 31))]
    assert may_i1[1:5] == (
        "Xã Minh Trí",
        "Xã, phường",
        1,
        "Cán bộ, nhân dân có hiểu biết, ý thức chấp hành pháp luật",
    )
    assert may_i1[7:12] == (datetime(2024, 5, 31), 1, 2, 50, 50)
    assert may_i1[-1] == "Đúng tiến độ"
    assert ws.cell(row=2, column=7).number_format == "dd/mm/yyyy"
    key_area = "Địa bàn trọng yếu, huyện ngoại thành"
    seg = by_key[("HN-SS-MT", 1, key_area, datetime(2024, 5, 1), datetime(2024, 5, 31))]
    assert seg[8:11] == (1, 2, 50)
    # the quarter's own totals come first (what the screen shows), then its months
    quarter_i1 = rows[1]
    assert quarter_i1[:7] == (
        "HN-SS-MT",
        "Xã Minh Trí",
        "Xã, phường",
        1,
        may_i1[4],
        None,
        datetime(2024, 4, 1),
    )
    assert quarter_i1[7:12] == (datetime(2024, 6, 30), 1, 2, 50, 50)
    # the mediation team is a row of its own: every unit of the subtree, the quarter and its 3 months,
    # 5 indicators (+2 segments)
    assert len(rows) - 1 == 2 * (1 + 3) * (5 + 2)

    text = api.client.get("/api/v1/exports/tallies.csv", params=params, headers=api.auth()).content
    assert text.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs then read the Vietnamese
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert table[0] == TALLY_HEADERS
    may = next(r for r in table if r[0] == "HN-SS-MT" and r[3] == "1" and r[5] == "" and r[6] == "01/05/2024")
    assert may[7:12] == ["31/05/2024", "1", "2", "50", "50"]


def test_export_records__answers_in_columns_and_formulas_neutralised(api: Api) -> None:
    evil = _seed(api)
    params = {"form_id": "outreach_session"}
    ws = _xlsx(api.client.get("/api/v1/exports/records.xlsx", params=params, headers=api.auth()).content)
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Mã phiếu", "Biểu mẫu", "Phiên bản"] and "Địa điểm (thôn, bản, xã)" in header
    (row,) = [r for r in ws.iter_rows(min_row=2) if r[0].value == evil["id"]]
    cells = {h: c for h, c in zip(header, row, strict=True)}
    assert cells["Địa điểm (thôn, bản, xã)"].value == '\'=HYPERLINK("http://x","bấm")'
    assert cells["Địa điểm (thôn, bản, xã)"].data_type == "s"  # text, not a formula
    assert cells["Ghi chú"].value == "'@SUM(A1:A9)"
    assert cells["Hình thức"].value == "Hội nghị"  # choice labels, in Vietnamese
    assert cells["Nội dung pháp luật"].value == "Pháp luật về biên giới quốc gia; Phòng, chống ma túy"
    assert (
        cells["Ngày tổ chức"].value == datetime(2024, 5, 6)
        and cells["Ngày tổ chức"].number_format == "dd/mm/yyyy"
    )
    assert cells["Số lượt quân nhân, dân quân"].value == 11
    assert cells["Trạng thái"].value == "Hoàn tất"

    raw = api.client.get("/api/v1/exports/records.csv", headers=api.auth()).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(raw)))
    assert table[0][-1] == "Câu trả lời (JSON)" and len(table) == 4
    assert all(not cell.startswith(("=", "+", "@")) for r in table for cell in r)
    only = api.client.get(
        "/api/v1/exports/records.csv", params={"start": "2024-05-07", "end": "2024-05-07"}, headers=api.auth()
    ).content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(only)))) == 2
    assert date(2024, 5, 7).strftime("%d/%m/%Y") in only


def test_export_records__a_calculated_yes_no_reads_co_khong(api: Api) -> None:
    _seed(api)
    params = {"form_id": "awareness_survey"}
    ws = _xlsx(api.client.get("/api/v1/exports/records.xlsx", params=params, headers=api.auth()).content)
    header = [c.value for c in ws[1]]
    column = header.index("Có hiểu biết pháp luật")
    assert sorted(r[column] for r in ws.iter_rows(min_row=2, values_only=True)) == ["Có", "Không"]


def test_export__errors_are_error_bodies(api: Api) -> None:
    for path, params, status in [
        ("/api/v1/exports/tallies.pdf", {"plan_id": PLAN}, 422),
        ("/api/v1/exports/tallies.csv", {"plan_id": "nope"}, 404),
        ("/api/v1/exports/tallies.csv", {"plan_id": PLAN, "period": "2024-13"}, 422),
        ("/api/v1/exports/records.xlsx", {"unit": "HN"}, 403),
    ]:
        resp = api.client.get(path, params=params, headers=api.auth())
        assert resp.status_code == status, (path, resp.text)
        assert resp.json()["message"]["vi"]
