"""The words of the supervisor's screens, in Vietnamese (default) and English.

Progress against the plan (periods, drill-down, chart, approval, exports), devices, the desk layout
and the programme's other numbers. ``i18n.STRINGS`` joins them to the officer's words; a key in
both tables is refused when the app starts (and by the translation-coverage test).
"""

from __future__ import annotations

SUPERVISOR_STRINGS: dict[str, tuple[str, str]] = {
    # progress: supervisor views (periods, drill-down, chart, approval, export)
    "progress_refresh": ("Tải số liệu mới", "Fetch the latest figures"),
    "progress_loading": ("Đang tải số liệu…", "Loading figures…"),
    "progress_not_cached": (
        "Kỳ hoặc đơn vị này chưa có trong dữ liệu đã tải; cần kết nối mạng.",
        "This period or unit was not in the last download; a network connection is needed.",
    ),
    "progress_kept_cached": (
        "Không kết nối được máy chủ; đang hiện số liệu đã lưu.",
        "The server cannot be reached; showing the saved figures.",
    ),
    "progress_live": ("số liệu mới từ máy chủ", "fresh from the server"),
    "progress_cached": ("số liệu đã lưu trên máy", "saved on this phone"),
    "gap": ("còn thiếu {pts} điểm %", "{pts} points short"),
    "decrease_line": (
        "{num} vụ (cùng kỳ năm trước {prev}); thay đổi {change}%",
        "{num} cases (same period last year {prev}); change {change}%",
    ),
    "decrease_no_base": (
        "{num} vụ; chưa có số liệu cùng kỳ để so sánh",
        "{num} cases; no figures a year before to compare",
    ),
    "chart_title": ("Diễn biến theo thời gian (lũy kế)", "Over time (cumulative)"),
    "chart_summary": ("Biểu đồ tiến độ từ {start} đến {end}", "Progress chart from {start} to {end}"),
    "children_title": ("Đơn vị trực thuộc (chậm nhất lên đầu)", "Units below (furthest behind first)"),
    "child_line": ("Còn thiếu {behind} · {status}", "{behind} short · {status}"),
    "approve": ("Phê duyệt", "Approve"),
    "approve_hint": (
        "Phê duyệt chốt số liệu kỳ này; bản ghi thay đổi sau đó sẽ được đánh dấu.",
        "Approving signs off this period's figures; records changed afterwards are flagged.",
    ),
    "approved_done": ("Đã phê duyệt số liệu kỳ này.", "This period's figures are approved."),
    "approved_by": ("Đã phê duyệt: {who}, {when}", "Approved by {who}, {when}"),
    "approved_changed": (
        "{n} bản ghi đã thay đổi sau khi phê duyệt: cần xem lại.",
        "{n} records changed after approval: review them.",
    ),
    "export": ("Xuất Excel", "Export to Excel"),
    "office_report": ("Báo cáo kỳ (Excel)", "Period report (Excel)"),
    "people_of": (
        "{num} / {den} người trong năm · {times} lượt người trong kỳ",
        "{num} / {den} people this year · {times} person-times in the period",
    ),
    "over_count": (
        "{n} người báo cáo vượt quân số: cần kiểm tra",
        "{n} people reported beyond the headcount: check them",
    ),
    "export_done": ("Đã lưu tệp {name}", "Saved {name}"),
    # devices (supervisors, admins)
    "devices": ("Thiết bị", "Devices"),
    "devices_title": ("Thiết bị của đơn vị", "Devices of your units"),
    "devices_intro": (
        "Máy bị khóa: lấy mã mở khóa theo số thiết bị và lần khóa máy đó hiển thị. Máy bị mất: thu hồi.",
        "A locked phone: get its unlock code from the device and lockout numbers it shows. "
        "A lost phone: revoke it.",
    ),
    "devices_unreachable": (
        "Cần kết nối với máy chủ để xem danh sách thiết bị.",
        "The device list needs a connection to the server.",
    ),
    "devices_none": ("Chưa có thiết bị nào đăng ký.", "No device is registered yet."),
    "device_line": ("Thiết bị số {device} · {name}", "Device {device} · {name}"),
    "device_seen": ("Lần cuối kết nối: {when}", "Last seen: {when}"),
    "device_revoked": ("Đã thu hồi: {when}", "Revoked: {when}"),
    "unlock_code_get": ("Lấy mã mở khóa", "Get unlock code"),
    "unlock_code_title": ("Mã mở khóa cho thiết bị số {device}", "Unlock code for device {device}"),
    "unlock_code_explain": (
        "Nhập lần khóa mà máy bị khóa hiển thị. Mỗi mã chỉ dùng được một lần.",
        "Enter the lockout number the locked phone shows. Each code works once.",
    ),
    "lock_number_field": ("Lần khóa", "Lockout number"),
    "device_revoke": ("Thu hồi", "Revoke"),
    "device_revoke_title": ("Thu hồi thiết bị số {device}?", "Revoke device {device}?"),
    "device_revoke_explain": (
        "Máy này của {user} sẽ không đồng bộ được nữa. Phiếu chưa gửi trên máy vẫn nằm trên máy.",
        "This phone of {user} will no longer sync. Records not yet sent stay on the phone.",
    ),
    "device_revoked_done": ("Đã thu hồi thiết bị số {device}.", "Device {device} revoked."),
    "loading": ("Đang tải…", "Loading…"),
    "refresh": ("Tải lại", "Refresh"),
    "close": ("Đóng", "Close"),
    # at a desk: side navigation, the units table, addresses
    "nav_home": ("Trang chủ", "Home"),
    "table_unit": ("Đơn vị", "Unit"),
    "table_behind": ("Còn thiếu", "Short"),
    "table_indicator": ("CT {n}", "Ind. {n}"),
    "progress_address_unknown": (
        "Địa chỉ đã mở không chỉ tới đơn vị hoặc kỳ nào bạn được xem; đang hiện đơn vị của bạn.",
        "The address opened names no unit or period you may see; showing your own unit.",
    ),
    "device_col_user": ("Người dùng", "User"),
    "device_col_unit": ("Đơn vị", "Unit"),
    "device_col_device": ("Thiết bị", "Device"),
    "device_col_seen": ("Lần cuối kết nối", "Last seen"),
    "device_col_state": ("Trạng thái", "State"),
    "device_col_actions": ("Thao tác", "Actions"),
    "device_active": ("Đang dùng", "In use"),
    # the programme's other numbers (screens/statistics.py)
    "stats_title": ("Số liệu khác", "Other figures"),
    "stats_open": ("Số liệu khác", "Other figures"),
    "stats_not_downloaded": (
        "Số liệu này chưa được tải về máy; hãy kết nối mạng để xem.",
        "These figures have not been downloaded; connect to a network to see them.",
    ),
    "stats_kept_earlier": (
        "Không kết nối được máy chủ; đang hiện số liệu đã tải lúc trước.",
        "The server cannot be reached; showing the figures fetched earlier.",
    ),
    "stats_earlier": ("số liệu đã tải lúc trước", "fetched earlier"),
    "stats_sessions": ("Buổi tuyên truyền", "Outreach sessions"),
    "stats_by_format": ("Hình thức", "Format"),
    "stats_materials": ("Tài liệu, tờ rơi phát ra: {n}", "Materials handed out: {n}"),
    "stats_people": ("Lượt người được tuyên truyền", "Person-times reached"),
    "stats_group": ("Đối tượng", "Group"),
    "stats_female": ("Trong đó nữ: {n} ({pct})", "Of whom women: {n} ({pct})"),
    "stats_first_time": (
        "Quân nhân, dân quân lần đầu trong năm: {n} người",
        "Soldiers and militia reached for the first time this year: {n}",
    ),
    "stats_mediation": ("Hòa giải: {n} vụ việc", "Mediation: {n} cases"),
    "stats_rate": ("Hòa giải thành {pct}", "Settled {pct}"),
    "stats_settled_line": (
        "{settled} / {ended} vụ đã kết thúc hòa giải thành · {ongoing} vụ đang hòa giải",
        "{settled} of {ended} concluded cases settled · {ongoing} ongoing",
    ),
    "stats_by_type": ("Loại tranh chấp", "Type of dispute"),
    "stats_by_outcome": ("Kết quả", "Outcome"),
    "stats_trainings": ("Tập huấn (lượt người)", "Trainings (person-times)"),
    "stats_courses": ("{n} lớp", "{n} courses"),
    "stats_kind": ("Đối tượng", "Trainees"),
    "stats_military": ("Quân đội", "Military"),
    "stats_local": ("Địa phương", "Local"),
    "stats_surveys": ("Khảo sát nhận thức", "Awareness surveys"),
    "stats_passed_line": ("Đạt {pct}", "{pct} passed"),
    "stats_passed_of": ("{passed} / {n} phiếu đạt", "{passed} of {n} surveys passed"),
    "stats_children": ("Đơn vị trực thuộc", "Units below"),
    "stats_child_line": (
        "{sessions} buổi · {people} lượt người · {cases} vụ hòa giải (thành {rate})"
        " · {surveys} phiếu khảo sát (đạt {passed})",
        "{sessions} sessions · {people} person-times · {cases} cases (settled {rate})"
        " · {surveys} surveys ({passed} passed)",
    ),
    "stats_col_sessions": ("Buổi", "Sessions"),
    "stats_col_people": ("Lượt", "Times"),
    "stats_col_materials": ("Tài liệu", "Materials"),
    "stats_col_cases": ("Vụ", "Cases"),
    "stats_col_rate": ("HG thành", "Settled"),
    "stats_col_trainings": ("Lớp TH", "Courses"),
    "stats_col_surveys": ("Phiếu", "Surveys"),
    "stats_col_passed": ("Đạt", "Passed"),
    "stats_col_share": ("Tỷ lệ đạt", "Share"),
    "stats_export": ("Xuất số liệu (Excel)", "Export the figures (Excel)"),
    # a supervisor's records behind the figures
    "suprec_open": ("Phiếu", "Records"),
    "suprec_title": ("Phiếu đã gửi", "Records sent"),
    "suprec_offline": (
        "Xem phiếu cần kết nối mạng: phiếu nằm trên máy chủ. Hãy thử lại khi có mạng.",
        "The records need a connection: they are on the server. Try again when you are online.",
    ),
    "suprec_none": ("Không có phiếu nào trong kỳ này.", "No records in this period."),
    "suprec_more": ("Xem thêm phiếu", "More records"),
    "suprec_photos": ("{n} ảnh", "{n} photos"),
    "suprec_photos_title": ("Ảnh ({n})", "Photos ({n})"),
    "suprec_photo_open": ("Xem ảnh {name}", "Open photo {name}"),
    "suprec_photo_loading": ("Đang tải ảnh {name}", "Loading photo {name}"),
    "suprec_photo_missing": (
        "Ảnh chưa được gửi lên máy chủ (điện thoại của cán bộ chưa gửi).",
        "The photo is not on the server yet (the officer's phone has not sent it).",
    ),
    "suprec_close": ("Đóng", "Close"),
    "suprec_void": ("Đã hủy", "Voided"),
    "suprec_by": ("Người nhập: {who} · nhận lúc {when}", "By {who} · received {when}"),
    "suprec_repeat": ("{title} ({n} mục)", "{title} ({n} entries)"),
    "suprec_col_day": ("Ngày", "Date"),
    "suprec_col_form": ("Mẫu phiếu", "Form"),
    "suprec_col_author": ("Người nhập", "Author"),
    "suprec_col_photos": ("Ảnh", "Photos"),
    "suprec_col_summary": ("Tóm tắt", "Summary"),
}
