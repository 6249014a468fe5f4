"""Every string the app shows, in Vietnamese (default) and English.

The officer's words are here; the supervisor's screens (progress, devices, the desk layout, the
programme's other numbers) have theirs in ``i18n_supervisor.py``, joined into ``STRINGS`` below.

Screens call ``tr(lang, key, **values)``; a missing key is a bug that the
translation-coverage test catches, and at run time shows the key itself
rather than crashing.
"""

from __future__ import annotations

from .i18n_supervisor import SUPERVISOR_STRINGS

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
    # PIN
    "pin_set_title": ("Đặt mã PIN", "Set a PIN"),
    "pin_set_intro": (
        "Mã PIN mở khóa ứng dụng và mã hóa dữ liệu trên máy. Không có mã PIN thì không đọc được dữ liệu.",
        "The PIN unlocks the app and encrypts the data on this phone. Without it the data cannot be read.",
    ),
    "pin": ("Mã PIN", "PIN"),
    "pin_show": ("Hiện mã PIN", "Show the PIN"),
    "pin_hide": ("Ẩn mã PIN", "Hide the PIN"),
    "pin_rule": ("Mã PIN gồm {min}–{max} chữ số.", "A PIN is {min}–{max} digits."),
    "pin_confirm": ("Nhập lại mã PIN", "Repeat the PIN"),
    "pin_save": ("Lưu mã PIN", "Save PIN"),
    "unlock_title": ("Mở khóa", "Unlock"),
    "unlock_intro": (
        "Xin chào {name}. Nhập mã PIN để mở dữ liệu.",
        "Hello {name}. Enter your PIN to open your data.",
    ),
    "unlock_intro_no_name": ("Nhập mã PIN để mở dữ liệu.", "Enter your PIN to open your data."),
    "unlock": ("Mở khóa", "Unlock"),
    "unlocking": ("Đang mở khóa…", "Unlocking…"),
    # home
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
    "syncing_started": ("Đang đồng bộ…", "Syncing…"),
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
    # forms
    "save_draft": ("Lưu nháp", "Save draft"),
    "finalize": ("Hoàn thành", "Finalize"),
    "saved_draft": ("Đã lưu nháp.", "Draft saved."),
    # Said as the form closes; the sync that follows may send it at once, so no "waiting to send".
    "finalized": ("Đã hoàn thành phiếu.", "Record finalized."),
    "form_has_errors": ("Còn {n} lỗi cần sửa.", "{n} problems to fix."),
    "form_has_errors_in": ("Còn {n} lỗi cần sửa: {fields}", "{n} problems to fix: {fields}"),  # + . or …
    "date_hint": ("dd/mm/yyyy", "dd/mm/yyyy"),
    "back": ("Quay lại", "Back"),
    "quiz_section": ("Câu hỏi kiến thức pháp luật", "Legal knowledge questions"),
    "attendance_section": ("Số lượt người tham dự", "Attendance (person-times)"),
    "increase": ("Tăng {label}", "Increase {label}"),
    "entry_add": ("Thêm: {label}", "Add: {label}"),
    "no_choices_offered": (
        "Chưa có lựa chọn nào phù hợp với các câu trả lời ở trên.",
        "No choice fits the answers above yet.",
    ),
    "entry_up": ("Chuyển lên", "Move up"),
    "entry_down": ("Chuyển xuống", "Move down"),
    "entry_remove": ("Xóa mục này", "Remove this entry"),
    "errors_in_section": ("• {section}: {n} lỗi", "• {section}: {n} to fix"),
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
    # record lifecycle: finding, reading, fixing, voiding
    "records_title": ("Phiếu đã ghi", "Records"),
    "find_records": ("Tìm và xem phiếu", "Find and view records"),
    "search": ("Tìm phiếu", "Search records"),
    "search_hint": ("Từ khóa, ví dụ: Tày, hội nghị", "Words, e.g. Tày, meeting"),
    "filter_status": ("Trạng thái", "Status"),
    "filter_form": ("Biểu mẫu", "Form"),
    "filter_all": ("Tất cả", "All"),
    "date_from": ("Từ ngày", "From"),
    "date_to": ("Đến ngày", "To"),
    "more_filters": ("Lọc theo biểu mẫu, ngày", "Filter by form, date"),
    "apply_filters": ("Lọc", "Filter"),
    "clear_filters": ("Bỏ lọc", "Clear filters"),
    "err_date": ("Ngày phải theo dạng dd/mm/yyyy.", "Dates are written dd/mm/yyyy."),
    "results": ("Tìm thấy {n} phiếu", "{n} records found"),
    "voided_status": ("Đã hủy", "Voided"),
    "record_title": ("Chi tiết phiếu", "Record"),
    "record_date": ("Ngày: {date}", "Date: {date}"),
    "status_line": ("Trạng thái: {status}", "Status: {status}"),
    "edit": ("Sửa phiếu", "Edit"),
    "correct_sent": ("Sửa phiếu đã gửi (gửi bản sửa)", "Correct (sends the corrected version)"),
    "send_again": ("Gửi lại", "Send again"),
    "requeued": ("Phiếu đã vào hàng chờ gửi.", "The record is waiting to send again."),
    "server_said": ("Máy chủ từ chối phiếu này vì:", "The server refused this record because:"),
    "fix_hint": (
        "Sửa phiếu rồi bấm Hoàn thành để gửi lại; nếu lỗi do máy chủ đã được khắc phục, bấm Gửi lại.",
        "Edit the record and finalize it to send it again; if the server's side was fixed, tap Send again.",
    ),
    "void_reason_shown": ("Lý do hủy: {reason}", "Reason: {reason}"),
    "note_draft": (
        "Phiếu nháp chỉ lưu trên máy này. Bấm Hoàn thành để gửi.",
        "Drafts stay on this phone. Finalize to send.",
    ),
    "note_pending": (
        "Phiếu chưa được gửi: vẫn có thể sửa trước khi gửi.",
        "Not sent yet: you can still edit it before it goes.",
    ),
    "note_sent": (
        "Phiếu đã gửi. Muốn bỏ số liệu này thì hủy phiếu kèm lý do.",
        "Sent. To withdraw its figures, void it with a reason.",
    ),
    "note_void": ("Phiếu đã hủy: không còn được tính vào số liệu.", "Voided: it no longer counts."),
    "void_title": ("Hủy phiếu này?", "Void this record?"),
    "void_explain": (
        "Phiếu hủy vẫn được gửi lên máy chủ để bỏ khỏi số liệu. Không thể hoàn tác.",
        "A voided record is still sent, so the server drops it from the tallies. This cannot be undone.",
    ),
    "autosaved_at": ("Đã tự lưu lúc {time}", "Autosaved at {time}"),
    "restored": ("Đã khôi phục phiếu đang nhập dở.", "The record you were filling in was restored."),
    "checking": ("Đang kiểm tra kết nối…", "Checking the connection…"),
    "waiting_count": ("{n} phiếu chờ gửi", "{n} records waiting to send"),
    "theme_dark": ("Giao diện tối", "Dark theme"),
    "theme_light": ("Giao diện sáng", "Light theme"),
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
    # question types: time, location, count grid, computed values
    "time_hint": ("hh:mm, ví dụ 07:30", "hh:mm, e.g. 07:30"),
    "latitude": ("Vĩ độ", "Latitude"),
    "longitude": ("Kinh độ", "Longitude"),
    "use_my_location": ("Lấy vị trí của máy", "Use this phone's location"),
    "locating": ("Đang lấy vị trí…", "Finding the location…"),
    "location_found": (
        "Đã lấy vị trí (sai số khoảng {metres} m).",
        "Location found (within about {metres} m).",
    ),
    "location_failed": (
        "Không lấy được vị trí của máy. Hãy nhập vĩ độ, kinh độ.",
        "Could not get this phone's location. Type the latitude and longitude.",
    ),
    "location_manual": (
        "Nhập vĩ độ, kinh độ (xem trên bản đồ hoặc ứng dụng định vị), hoặc lấy vị trí của máy.",
        "Type the latitude and longitude (from a map or a GPS app), or use this phone's location.",
    ),
    "grid_total": ("Cộng", "Total"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    # PIN: lock after too many wrong PINs, change, forgotten
    "pin_forgot": ("Quên mã PIN?", "Forgot your PIN?"),
    "locked_title": ("Ứng dụng đang khóa", "The app is locked"),
    "locked_intro": (
        "Đã nhập sai mã PIN quá nhiều lần. Dữ liệu trên máy vẫn an toàn.",
        "Too many wrong PINs. The data on this phone is safe.",
    ),
    "lock_device": ("Thiết bị số {device}", "Device {device}"),
    "lock_number": ("Lần khóa {n}", "Lockout {n}"),
    "locked_ask": (
        "Gọi chỉ huy hoặc quản trị viên, đọc hai số trên để lấy mã mở khóa, rồi nhập mã đó. "
        "Mã chỉ cho phép nhập lại mã PIN.",
        "Call your supervisor or administrator, read them the two numbers above for an unlock code, "
        "then type it. The code only lets you enter your PIN again.",
    ),
    "unlock_code": ("Mã mở khóa", "Unlock code"),
    "unlock_code_use": ("Dùng mã mở khóa", "Use the unlock code"),
    "lock_lifted": ("Đã mở khóa. Hãy nhập mã PIN.", "Unlocked. Enter your PIN."),
    "forgot_title": ("Quên mã PIN", "Forgotten PIN"),
    "forgot_intro": (
        "Không có mã PIN thì không ai đọc được dữ liệu trên máy, kể cả bạn. "
        "Các phiếu chưa gửi vẫn lấy lại được:",
        "Without the PIN nobody can read the data on this phone, you included. Records not yet sent can "
        "still be recovered:",
    ),
    "forgot_step1": (
        "Xuất dữ liệu đã mã hóa ra một tệp (tệp không đọc được nếu không có khóa của máy chủ).",
        "Export the encrypted data to a file (it cannot be read without the server's key).",
    ),
    "forgot_step2": (
        "Chuyển tệp cho quản trị viên; họ khôi phục các phiếu chưa gửi vào máy chủ.",
        "Give the file to your administrator; they recover the unsent records into the server.",
    ),
    "forgot_step3": (
        "Đăng ký lại thiết bị và đặt mã PIN mới.",
        "Register the device again and set a new PIN.",
    ),
    "forgot_export": ("Xuất dữ liệu đã mã hóa", "Export the encrypted data"),
    "forgot_start_over": ("Đăng ký lại thiết bị", "Register the device again"),
    "forgot_start_over_explain": (
        "Sau khi đã xuất dữ liệu: đăng ký lại. Dữ liệu cũ được cất riêng trên máy, không bị xóa.",
        "Once the data is exported: register again. The old data is kept aside on the phone, not deleted.",
    ),
    "forgot_confirm": (
        "Bạn đã chuyển tệp dữ liệu cho quản trị viên chưa? "
        "Sau bước này, phiếu cũ chỉ mở được bằng khóa của máy chủ.",
        "Has the data file gone to your administrator? After this, the old records open only with the "
        "server's key.",
    ),
    "forgot_started_over": (
        "Dữ liệu cũ đã được cất riêng. Hãy đăng ký lại thiết bị.",
        "The old data is kept aside. Register the device again.",
    ),
    "pin_change": ("Đổi mã PIN", "Change PIN"),
    "pin_change_title": ("Đổi mã PIN", "Change your PIN"),
    "pin_change_intro": (
        "Nhập mã PIN hiện tại rồi mã PIN mới (6 đến 12 chữ số). Dữ liệu không cần mã hóa lại.",
        "Enter your current PIN, then the new one (6 to 12 digits). The data does not need re-encrypting.",
    ),
    "pin_old": ("Mã PIN hiện tại", "Current PIN"),
    "pin_new": ("Mã PIN mới", "New PIN"),
    "pin_changed": ("Đã đổi mã PIN.", "PIN changed."),
    # unsent records never forgotten (mobile/unsent.py)
    "unsent_overdue": (
        "{n} phiếu đã xong nhưng chưa gửi; phiếu lâu nhất đã chờ {days} ngày. Hãy đồng bộ khi có mạng.",
        "{n} finished records are not sent; the oldest has waited {days} days. "
        "Sync when you have a connection.",
    ),
    "device_unsent": (
        "Còn {n} phiếu chưa gửi (báo lúc {reported})",
        "{n} records unsent (reported {reported})",
    ),
    "device_unsent_old": (
        "Còn {n} phiếu chưa gửi, lâu nhất từ {since} (báo lúc {reported})",
        "{n} records unsent, the oldest since {since} (reported {reported})",
    ),
    "devices_unsent_old": (
        "{n} thiết bị giữ phiếu chưa gửi quá {days} ngày (xếp lên đầu).",
        "{n} devices hold records unsent for over {days} days (listed first).",
    ),
    # permissions (mobile/app/permissions.py)
    "perm_why_location": (
        "Ứng dụng cần quyền vị trí để ghi tọa độ nơi tổ chức hoạt động vào phiếu. "
        "Vị trí chỉ được đọc khi bạn bấm nút này.",
        "The app needs location access to record where the activity took place. "
        "It reads the location only when you press this button.",
    ),
    "perm_why_camera": (
        "Ứng dụng cần quyền máy ảnh để chụp ảnh minh chứng cho phiếu. Ảnh được lưu mã hóa trên máy.",
        "The app needs camera access to take evidence photos for the record. Photos are kept encrypted.",
    ),
    "perm_allow": ("Cho phép", "Allow"),
    "perm_not_now": ("Để sau", "Not now"),
    "perm_denied_location": (
        "Chưa có quyền vị trí. Bạn vẫn có thể nhập vĩ độ và kinh độ bằng tay.",
        "No location access. You can still type the latitude and longitude.",
    ),
    "perm_denied_camera": (
        "Chưa có quyền máy ảnh. Bạn vẫn có thể lưu phiếu không kèm ảnh.",
        "No camera access. You can still save the record without a photo.",
    ),
    "perm_forever_location": (
        "Quyền vị trí đã bị tắt hẳn. Hãy nhập tọa độ bằng tay, hoặc mở Cài đặt để bật lại.",
        "Location access is turned off for good. Type the coordinates, or open Settings to turn it on.",
    ),
    "perm_forever_camera": (
        "Quyền máy ảnh đã bị tắt hẳn. Hãy lưu phiếu không kèm ảnh, hoặc mở Cài đặt để bật lại.",
        "Camera access is turned off for good. Save without a photo, or open Settings to turn it on.",
    ),
    "perm_open_settings": ("Mở Cài đặt", "Open Settings"),
    # photos (the image question, the record's photos, what waits to be sent)
    "take_photo": ("Chụp ảnh", "Take photo"),
    "choose_photo": ("Chọn ảnh", "Choose photo"),
    "photo_of": ("Ảnh {name}", "Photo {name}"),
    "remove_photo": ("Xóa ảnh {name}", "Remove photo {name}"),
    "photo_adding": ("Đang thu nhỏ và mã hóa ảnh…", "Shrinking and encrypting the photo…"),
    "photo_added": ("Đã thêm {n} ảnh.", "{n} photo(s) added."),
    "photo_already": ("Ảnh này đã có trong câu hỏi.", "This photo is already attached."),
    "photo_unreadable": ("Không hiển thị được ảnh", "The photo cannot be shown"),
    "photo_count": ("{n} ảnh", "{n} photo(s)"),
    "photo_camera_close": ("Đóng máy ảnh", "Close the camera"),
    "photo_shoot": ("Chụp", "Shoot"),
    "photo_no_camera": (
        "Máy này không có máy ảnh dùng được. Hãy chọn một ảnh có sẵn.",
        "This phone has no camera the app can use. Choose a photo you already have.",
    ),
    "photo_camera_failed": (
        "Máy ảnh không mở được hoặc không chụp được. Hãy thử lại, hoặc chọn một ảnh có sẵn.",
        "The camera did not open or could not take the photo. Try again, or choose a photo you already have.",
    ),
    "photos_waiting": ("{n} ảnh chờ gửi", "{n} photo(s) waiting to be sent"),
    "photos_wait_wifi": ("{n} ảnh chờ Wi-Fi để gửi", "{n} photo(s) waiting for Wi-Fi"),
    "photos_wifi_only": ("Ảnh chỉ gửi qua Wi-Fi", "Photos only on Wi-Fi"),
    "photos_refused": (
        "Máy chủ không nhận {n} ảnh: {reason} Phiếu và ảnh vẫn được giữ trên máy.",
        "The server did not accept {n} photo(s): {reason} The record and the photo stay on this phone.",
    ),
    "photos_sent": ("Đã gửi {n} ảnh.", "{n} photo(s) sent."),
    # the web build: one browser, one device; sign out
    "web_taken_over": (
        "Ứng dụng đã được mở khóa ở một thẻ khác của trình duyệt này, nên thẻ này đã khóa.",
        "The app was unlocked in another tab of this browser, so this tab has locked.",
    ),
    "web_idle_locked": (
        "Ứng dụng đã tự khóa vì lâu không dùng. Nhập mã PIN để tiếp tục.",
        "The app locked itself after a while unused. Enter your PIN to go on.",
    ),
    "sign_out": ("Đăng xuất", "Sign out"),
    "sign_out_title": ("Đăng xuất khỏi máy này?", "Sign out of this device?"),
    "sign_out_explain": (
        "Người khác có thể đăng nhập bằng tài khoản của họ. Lần sau bạn cần đăng ký lại và đặt mã PIN mới.",
        "Someone else can then sign in with their own account. "
        "Next time you register again and set a new PIN.",
    ),
    "sign_out_unsent": ("{n} phiếu chưa gửi lên máy chủ.", "{n} records have not reached the server."),
    "sign_out_drafts": ("{n} phiếu nháp chưa hoàn thành.", "{n} drafts are not finished."),
    "sign_out_kept": (
        "Nếu vẫn đăng xuất, các phiếu này được giữ mã hóa và chỉ quản trị viên lấy lại được.",
        "If you sign out anyway, they are kept encrypted and only an administrator can recover them.",
    ),
    "sign_out_send_first": ("Gửi rồi đăng xuất", "Send, then sign out"),
    "sign_out_anyway": ("Vẫn đăng xuất", "Sign out anyway"),
    "sign_out_still_unsent": (
        "Vẫn còn {n} phiếu chưa gửi được. Chưa đăng xuất.",
        "{n} records could still not be sent. You are still signed in.",
    ),
    "signed_out": ("Đã đăng xuất.", "Signed out."),
    # errors
    "err_unexpected": (
        "Có lỗi ngoài dự kiến. Dữ liệu đã lưu vẫn an toàn. Hãy thử lại.",
        "Something unexpected went wrong. Saved data is safe. Please try again.",
    ),
}


_shared = STRINGS.keys() & SUPERVISOR_STRINGS.keys()
assert not _shared, f"a key in both tables: {sorted(_shared)}"
STRINGS.update(SUPERVISOR_STRINGS)


def N_(key: str) -> str:  # noqa: N802 - the gettext name, so readers know it at once
    """Mark ``key`` as a translation key looked up later (tables of keys); returns it unchanged."""
    return key


def tr(lang: str, key: str, **values: object) -> str:
    pair = STRINGS.get(key)
    if pair is None:
        return key
    template = pair[1] if lang == "en" else pair[0]
    return template.format(**values) if values else template
