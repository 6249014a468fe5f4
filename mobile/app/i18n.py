"""Every string the officer sees, in Vietnamese (default) and English.

Screens call ``tr(lang, key, **values)``; a missing key is a bug that the
translation-coverage test catches, and at run time shows the key itself
rather than crashing.
"""

from __future__ import annotations

LANGUAGES = ("vi", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("Sổ tay PBGDPL", "fieldtally"),
    # setup / enrollment
    "setup_title": ("Đăng ký thiết bị", "Register this device"),
    "setup_intro": (
        "Nhập địa chỉ máy chủ và tài khoản do đơn vị cấp. Chỉ cần mạng ở bước này.",
        "Enter the server address and the account your unit gave you. Only this step needs a network.",
    ),
    "server_url": ("Địa chỉ máy chủ", "Server address"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "enroll": ("Đăng ký", "Register"),
    "enrolling": ("Đang đăng ký…", "Registering…"),
    "err_server_url": (
        "Địa chỉ máy chủ phải bắt đầu bằng http:// hoặc https://",
        "The server address must start with http:// or https://",
    ),
    "err_fill_all": ("Vui lòng nhập đủ các ô.", "Please fill in every box."),
    # PIN
    "pin_set_title": ("Đặt mã PIN", "Set a PIN"),
    "pin_set_intro": (
        "Mã PIN mở khóa ứng dụng và mã hóa dữ liệu trên máy. Không có mã PIN thì không đọc được dữ liệu.",
        "The PIN unlocks the app and encrypts the data on this phone. Without it the data cannot be read.",
    ),
    "pin": ("Mã PIN", "PIN"),
    "pin_confirm": ("Nhập lại mã PIN", "Repeat the PIN"),
    "pin_save": ("Lưu mã PIN", "Save PIN"),
    "err_pin_format": ("Mã PIN gồm 6 đến 12 chữ số.", "The PIN is 6 to 12 digits."),
    "err_pin_mismatch": ("Hai mã PIN không khớp.", "The two PINs do not match."),
    "unlock_title": ("Mở khóa", "Unlock"),
    "unlock_intro": ("Xin chào {name}. Nhập mã PIN để mở dữ liệu.", "Hello {name}. Enter your PIN to open your data."),
    "unlock": ("Mở khóa", "Unlock"),
    "unlocking": ("Đang mở khóa…", "Unlocking…"),
    # home
    "home_title": ("Trang chính", "Home"),
    "hello": ("{name} · {unit}", "{name} · {unit}"),
    "online": ("Có mạng", "Online"),
    "offline": ("Không có mạng — dữ liệu vẫn được lưu trên máy", "Offline — records are kept on this phone"),
    "last_sync": ("Đồng bộ lần cuối: {when}", "Last sync: {when}"),
    "never_synced": ("Chưa đồng bộ lần nào", "Never synced"),
    "drafts": ("Nháp", "Drafts"),
    "outbox": ("Chờ gửi", "Waiting to send"),
    "sent": ("Đã gửi", "Sent"),
    "needs_fixing": ("Cần sửa", "Needs fixing"),
    "new_record": ("Ghi mới", "New record"),
    "sync_now": ("Đồng bộ ngay", "Sync now"),
    "syncing": ("Đang đồng bộ… {done}/{total}", "Syncing… {done}/{total}"),
    "sync_done": ("Đã đồng bộ: {stored} phiếu mới gửi.", "Synced: {stored} records sent."),
    "sync_nothing": ("Đã đồng bộ. Không có phiếu nào chờ gửi.", "Synced. Nothing was waiting to send."),
    "sync_rejected": (
        "{n} phiếu bị máy chủ từ chối — xem mục «Cần sửa».",
        "{n} records were refused by the server — see “Needs fixing”.",
    ),
    "sync_failed": ("Chưa đồng bộ được: {reason}", "Could not sync: {reason}"),
    "progress": ("Tiến độ kế hoạch", "Plan progress"),
    "language": ("English", "Tiếng Việt"),
    "lock": ("Khóa", "Lock"),
    "theme": ("Giao diện tối/sáng", "Dark/light theme"),
    # forms
    "save_draft": ("Lưu nháp", "Save draft"),
    "finalize": ("Hoàn thành", "Finalize"),
    "saved_draft": ("Đã lưu nháp.", "Draft saved."),
    "finalized": ("Đã hoàn thành, phiếu đang chờ gửi.", "Finalized; the record is waiting to send."),
    "form_has_errors": ("Còn {n} lỗi cần sửa.", "{n} problems to fix."),
    "date_hint": ("dd/mm/yyyy", "dd/mm/yyyy"),
    "today": ("Hôm nay", "Today"),
    "back": ("Quay lại", "Back"),
    "required_mark": ("(bắt buộc)", "(required)"),
    "quiz_section": ("Câu hỏi kiến thức pháp luật", "Legal knowledge questions"),
    "attendance_section": ("Số lượt người tham dự", "Attendance (person-times)"),
    "increase": ("Tăng {label}", "Increase {label}"),
    "decrease": ("Giảm {label}", "Decrease {label}"),
    # lists
    "list_empty": ("Chưa có phiếu nào.", "No records yet."),
    "revision": ("lần sửa {n}", "revision {n}"),
    "updated": ("Cập nhật {when}", "Updated {when}"),
    "void": ("Hủy phiếu", "Void"),
    "void_reason": ("Lý do hủy", "Reason for voiding"),
    "voided": ("Đã hủy phiếu; thay đổi sẽ được gửi lên máy chủ.", "Voided; the change will be sent."),
    "cancel": ("Thôi", "Cancel"),
    "confirm": ("Đồng ý", "Confirm"),
    "open": ("Mở", "Open"),
    # progress
    "progress_as_of": ("Số liệu tính đến {when}", "Figures as of {when}"),
    "progress_none": (
        "Chưa có số liệu. Hãy đồng bộ khi có mạng để tải tiến độ về máy.",
        "No figures yet. Sync when online to download progress.",
    ),
    "period": ("Kỳ: {start} – {end}", "Period: {start} – {end}"),
    "target": ("Mục tiêu {pct}%", "Target {pct}%"),
    "milestone": ("Mốc {pct}% đến {due}", "Milestone {pct}% by {due}"),
    "value_of": ("{num} / {den}", "{num} / {den}"),
    "status_reached": ("Đã đạt", "Reached"),
    "status_on_track": ("Đúng tiến độ", "On track"),
    "status_behind": ("Chậm tiến độ", "Behind"),
    "status_no_data": ("Chưa có số liệu", "No data"),
    # errors
    "err_unexpected": (
        "Có lỗi ngoài dự kiến. Dữ liệu đã lưu vẫn an toàn. Hãy thử lại.",
        "Something unexpected went wrong. Saved data is safe. Please try again.",
    ),
}


def tr(lang: str, key: str, **values: object) -> str:
    pair = STRINGS.get(key)
    if pair is None:
        return key
    template = pair[1] if lang == "en" else pair[0]
    return template.format(**values) if values else template
