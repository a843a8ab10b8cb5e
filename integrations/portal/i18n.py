"""The portal's words in Vietnamese (default) and English."""

from service.triage.public import STATUS_LABELS

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Phản ánh cáp treo, quảng cáo rao vặt",
        "intro": "Gửi phản ánh về dây cáp viễn thông treo, võng, đứt hoặc quảng cáo rao vặt "
        "dán trái phép. Không cần cài ứng dụng, không cần đăng ký.",
        "step_place": "1. Vị trí",
        "map_help": "Chạm vào bản đồ để chọn vị trí (mỗi lần chạm sẽ phóng to thêm).",
        "map_first": "Chọn vị trí trước khi nhập nội dung.",
        "chosen": "Vị trí đã chọn",
        "in_ward": "thuộc",
        "reset_map": "Xem toàn bản đồ",
        "use_location": "Dùng vị trí hiện tại của tôi",
        "address": "Hoặc nhập địa chỉ",
        "address_ph": "Số nhà, tên đường, phường…",
        "step_report": "2. Nội dung",
        "description": "Mô tả",
        "description_ph": "Ví dụ: Dây cáp võng thấp ngang đường trước số 12 Lê Lợi",
        "photos": "Ảnh (có thể chọn nhiều ảnh)",
        "step_contact": "3. Liên hệ (không bắt buộc, được giữ bí mật)",
        "name": "Họ tên",
        "phone": "Số điện thoại",
        "email": "Email",
        "submit": "Gửi phản ánh",
        "thanks": "Cảm ơn! Phản ánh đã được tiếp nhận.",
        "your_code": "Mã theo dõi của bạn",
        "keep_code": "Hãy lưu mã này để tra cứu tiến độ xử lý.",
        "track": "Tra cứu phản ánh",
        "track_code": "Mã theo dõi",
        "track_go": "Tra cứu",
        "not_found": "Không tìm thấy phản ánh với mã này.",
        "status": "Trạng thái",
        "timeline": "Quá trình xử lý",
        "due": "Hạn xử lý",
        "ward": "Phường/xã",
        "category": "Loại phản ánh",
        "address_public": "Địa chỉ",
        "new_report": "Gửi phản ánh khác",
        "err_description": "Vui lòng mô tả sự việc.",
        "err_place": "Vui lòng chọn vị trí trên bản đồ, dùng vị trí hiện tại hoặc nhập địa chỉ.",
        "err_csrf": "Biểu mẫu đã hết hạn. Vui lòng gửi lại.",
        "err_photo": "Ảnh không hợp lệ",
        "err_rate": "Bạn đã gửi quá nhiều phản ánh. Vui lòng thử lại sau.",
        "err_photos_again": "Vui lòng chọn lại ảnh.",
        "err_not_stored": "Chưa lưu được phản ánh. Vui lòng gửi lại sau ít phút.",
        "err_too_large": "Nội dung gửi quá lớn (tối đa {mb} MB). Vui lòng chọn ít ảnh hơn "
        "hoặc ảnh nhỏ hơn.",
        "err_broken": "Không đọc được biểu mẫu. Vui lòng gửi lại.",
        "photo_n": "Ảnh {n}",
        "photo_empty": "tệp rỗng",
        "photo_too_large": "ảnh lớn hơn {mb} MB",
        "photo_too_many_pixels": "ảnh có quá nhiều điểm ảnh (tối đa {mp} triệu)",
        "photo_not_image": "không phải ảnh JPEG, PNG hoặc WebP",
        "photo_undecodable": "không mở được ảnh (tệp hỏng?)",
        "photo_invalid": "ảnh không dùng được",
        "lang_switch": "English",
    },
    "en": {
        "title": "Report hanging cables and illegal ads",
        "intro": "Report telecom cables hanging low, tangled or fallen, or classified ads "
        "glued on poles and walls. Nothing to install, no account needed.",
        "step_place": "1. Place",
        "map_help": "Tap the map to choose the place (each tap zooms in).",
        "map_first": "Choose the place before typing the report.",
        "chosen": "Chosen place",
        "in_ward": "in",
        "reset_map": "Whole map",
        "use_location": "Use my current location",
        "address": "Or type an address",
        "address_ph": "House number, street, ward…",
        "step_report": "2. What is wrong",
        "description": "Description",
        "description_ph": "e.g. A cable hangs low across the road in front of 12 Lê Lợi",
        "photos": "Photos (you can pick several)",
        "step_contact": "3. Contact (optional, kept confidential)",
        "name": "Name",
        "phone": "Phone",
        "email": "E-mail",
        "submit": "Send report",
        "thanks": "Thank you! Your report was received.",
        "your_code": "Your tracking code",
        "keep_code": "Keep this code to follow your report.",
        "track": "Follow a report",
        "track_code": "Tracking code",
        "track_go": "Look up",
        "not_found": "No report has this tracking code.",
        "status": "Status",
        "timeline": "Timeline",
        "due": "Due",
        "ward": "Ward/commune",
        "category": "Category",
        "address_public": "Address",
        "new_report": "Send another report",
        "err_description": "Please describe the problem.",
        "err_place": "Please tap the map, use your location or type an address.",
        "err_csrf": "The form expired. Please send it again.",
        "err_photo": "A photo was refused",
        "err_rate": "Too many reports from your connection. Please try again later.",
        "err_photos_again": "Please choose the photos again.",
        "err_not_stored": "Your report could not be saved. Please send it again in a few minutes.",
        "err_too_large": "What you sent is too large (at most {mb} MB). Please choose fewer "
        "or smaller photos.",
        "err_broken": "The form could not be read. Please send it again.",
        "photo_n": "Photo {n}",
        "photo_empty": "the file is empty",
        "photo_too_large": "the photo is larger than {mb} MB",
        "photo_too_many_pixels": "the photo has too many pixels (at most {mp} million)",
        "photo_not_image": "not a JPEG, PNG or WebP image",
        "photo_undecodable": "the photo cannot be opened (a damaged file?)",
        "photo_invalid": "the photo cannot be used",
        "lang_switch": "Tiếng Việt",
    },
}
for _lang, _labels in STATUS_LABELS.items():
    TEXTS[_lang].update(_labels)
LANGS = tuple(TEXTS)


def photo_message(
    lang: str, *, index: int, kind: str, filename: str | None, max_bytes: int, max_pixels: int
) -> str:
    """Why photo `index` (from 0) was refused, in the page's language."""
    t = TEXTS[lang]
    reason = t.get(f"photo_{kind}", t["photo_invalid"]).format(
        mb=max_bytes // (1024 * 1024), mp=max_pixels // 1_000_000
    )
    name = f" ({filename})" if filename else ""
    return f"{t['err_photo']}: {t['photo_n'].format(n=index + 1)}{name}: {reason}."


def pick_language(query: str | None, cookie: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in TEXTS:
            return candidate
    return "vi"
