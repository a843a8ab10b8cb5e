"""Compose the training file `train.csv` from phrase lists the team wrote (fixed seed).

The phrases below were written by the team from the ways citizens describe these problems in
the department's planning documents and public Hue-S case pages (see README.md beside this
file). Sentences are composed from them — a place, what is wrong, a detail, sometimes a
phone number or a plea — then a third lose their diacritics and some get teen-code, as people
type on phones. The held-out `eval.csv` is written by hand separately and shares no
sentence with this file.

    python classifiers/corpus/compose_train.py   # rewrites train.csv
"""

import csv
import random
import unicodedata
from pathlib import Path

SEED = 20261122
HERE = Path(__file__).parent

PLACES = [
    "trước nhà số 12 Lê Lợi",
    "đầu kiệt 45 Phan Đình Phùng",
    "ngã tư Hùng Vương - Bà Triệu",
    "gần chợ Đông Ba",
    "đường Nguyễn Huệ",
    "trước trường Quốc Học",
    "kiệt 7 Trần Phú",
    "phường Vỹ Dạ",
    "đường Điện Biên Phủ",
    "gần cầu Trường Tiền",
    "tổ 5 phường An Cựu",
    "đường Tố Hữu",
    "xã Phú Mậu",
    "thị xã Hương Thủy",
    "đường Lý Thường Kiệt",
    "trước cổng bệnh viện Trung ương Huế",
    "gần UBND phường Thủy Xuân",
    "đường Ngự Bình",
    "hẻm 20 Nguyễn Trường Tộ",
    "khu quy hoạch Bàu Vá",
    "đường Võ Văn Kiệt",
    "chợ An Cựu",
]
CABLE = {
    "tangled": [
        "dây cáp viễn thông chằng chịt trên cột",
        "cáp mạng rối như mạng nhện",
        "bó cáp internet quấn lộn xộn",
        "dây cáp treo chằng chịt rất mất mỹ quan",
        "hàng chục sợi cáp quang rối tung trên trụ",
        "dây thuê bao giăng chằng chịt qua ngõ",
        "dây điện thoại rối bời trên trụ",
        "mớ dây điện mạng internet quấn vào nhau",
    ],
    "low_or_sagging": [
        "dây cáp võng thấp ngang đường",
        "cáp viễn thông rủ thấp xuống mặt đường",
        "sợi cáp quang lòng thòng qua lối đi",
        "dây cáp truyền hình treo thấp ngang đầu người",
        "cáp mạng võng xuống sát nóc xe tải",
        "dây internet trĩu xuống giữa đường",
    ],
    "fallen_or_broken": [
        "dây cáp bị đứt rơi xuống đường",
        "cáp quang đứt nằm dưới lòng đường",
        "sợi cáp viễn thông rơi vắt ngang vỉa hè",
        "dây cáp internet bị xe kéo đứt",
        "cáp truyền hình đứt văng xuống mặt đường",
        "dây cáp rơi vướng vào xe máy",
    ],
    "pole_or_box": [
        "cột treo cáp bị nghiêng sắp đổ",
        "hộp măng xông treo lủng lẳng trên cột",
        "cuộn cáp dư quấn to trên trụ",
        "tủ cáp viễn thông bị bung cửa",
        "cột viễn thông nghiêng về phía nhà dân",
        "hộp cáp quang rơi khỏi giá đỡ",
    ],
    "abandoned": [
        "dây thuê bao cũ không sử dụng vẫn treo trên cột",
        "cáp bỏ đi không ai thu hồi",
        "dây internet của nhà mạng cũ bỏ lại",
        "nhiều sợi cáp chết không dùng nữa treo ngổn ngang",
        "dây cáp truyền hình hết hợp đồng chưa tháo",
        "cáp thừa nhà mạng bỏ hoang",
    ],
}
OPERATORS = ["của VNPT", "của Viettel", "của FPT", "của VTVcab", "của SCTV", "", "", ""]
AD = {
    "drilling": ["khoan cắt bê tông", "khoan rút lõi bê tông", "cắt bê tông giá rẻ"],
    "septic": ["hút hầm cầu", "thông cống nghẹt", "hút bể phốt thông tắc cống"],
    "loans": ["cho vay tiền nhanh", "hỗ trợ vay vốn không thế chấp", "cho vay trả góp ngày"],
    "moving": ["chuyển nhà trọn gói", "dịch vụ chuyển trọ giá rẻ", "taxi tải chuyển nhà"],
    "tutoring": ["gia sư dạy kèm tại nhà", "nhận dạy kèm toán lý hóa", "luyện thi gia sư"],
    "jobs": ["tuyển nhân viên phụ quán", "việc nhẹ lương cao", "tuyển lao động phổ thông"],
    "real_estate": ["bán đất chính chủ", "cần bán nhà kiệt ô tô", "cho thuê phòng trọ"],
    "other": ["sửa máy giặt tại nhà", "mua phế liệu giá cao", "sửa khóa làm chìa"],
}
AD_FRAMES = [
    "số điện thoại {t} sơn chi chít trên tường {p}",
    "ai đó xịt sơn {t} lên cột {p}",
    "giấy dán {t} kèm số liên hệ ở {p}",
    "quảng cáo {t} dán đầy cột điện {p}",
    "giấy rao vặt {t} dán trên tường {p}",
    "có người sơn số điện thoại {t} lên cột {p}",
    "tờ rơi {t} dán kín gốc cây {p}",
    "rao vặt {t} vẽ bằng sơn trên trụ {p}",
    "biển {t} dán trái phép {p}",
    "dán quảng cáo {t} {p} bôi bẩn tường nhà",
]
OTHER = [
    "rác thải đổ bừa bãi {p}",
    "ổ gà lớn giữa đường {p}",
    "đèn đường bị hỏng {p}",
    "nước ngập sâu sau mưa {p}",
    "cây xanh gãy đổ {p}",
    "dây điện của điện lực bị chập cháy {p}",
    "dây điện trung thế võng thấp {p} điện lực chưa xử lý",
    "trụ điện lực nghiêng {p}",
    "nắp cống bị vỡ {p}",
    "lấn chiếm vỉa hè buôn bán {p}",
    "biển quảng cáo lớn của cửa hàng {p} che khuất tầm nhìn",
    "xe đậu trái phép {p}",
    "tiếng ồn karaoke {p}",
    "đường điện nhà bên cạnh chập tóe lửa {p}",
]
DANGER = ["rất nguy hiểm cho người đi đường", "xe qua lại dễ vướng", "đã có người bị vướng ngã"]
PLEAS = ["đề nghị xử lý sớm", "mong cơ quan chức năng xử lý", "xin các anh kiểm tra", "", ""]
TEEN = {"không": "ko", "được": "dc", "điện thoại": "dt", "số điện thoại": "sdt", "với": "vs"}


def strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def phone(rng: random.Random) -> str:
    head = rng.choice(["0905", "0914", "0935", "0977", "0868", "0356", "0702"])
    rest = f"{rng.randrange(10**6):06d}"
    return rng.choice(
        [f"{head}{rest}", f"{head} {rest[:3]} {rest[3:]}", f"{head}.{rest[:3]}.{rest[3:]}"]
    )


def roughen(text: str, rng: random.Random) -> str:
    if rng.random() < 0.3:
        for word, short in TEEN.items():
            text = text.replace(word, short)
    if rng.random() < 0.35:
        text = strip_marks(text)
    if rng.random() < 0.3:
        text = text.lower()
    return " ".join(text.split())


def compose(rng: random.Random) -> list[tuple[str, str, str, str]]:
    rows = []
    for subtype, phrases in CABLE.items():
        for _ in range(60):
            text = f"{rng.choice(phrases)} {rng.choice(OPERATORS)} {rng.choice(PLACES)}"
            urgent = subtype in ("low_or_sagging", "fallen_or_broken") or (
                subtype == "pole_or_box" and "nghiêng" in text
            )
            if urgent and rng.random() < 0.6:
                text += f", {rng.choice(DANGER)}"
            text = f"{text}. {rng.choice(PLEAS)}".strip(" .")
            rows.append((roughen(text, rng), "cable", subtype, "urgent" if urgent else "normal"))
    for subtype, trades in AD.items():
        for _ in range(45):
            text = rng.choice(AD_FRAMES).format(t=rng.choice(trades), p=rng.choice(PLACES))
            if rng.random() < 0.6:
                text += f", số {phone(rng)}"
            text = f"{text}. {rng.choice(PLEAS)}".strip(" .")
            rows.append((roughen(text, rng), "ad", subtype, "normal"))
    for _ in range(360):
        text = rng.choice(OTHER).format(p=rng.choice(PLACES))
        text = f"{text}. {rng.choice(PLEAS)}".strip(" .")
        urgent = any(w in text for w in ("chập", "trung thế", "22kV", "võng thấp", "đứt"))
        rows.append((roughen(text, rng), "other", "", "urgent" if urgent else "normal"))
    rng.shuffle(rows)
    return rows


def main() -> None:
    rows = compose(random.Random(SEED))
    with (HERE / "train.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "category", "subtype", "priority"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows")  # noqa: T201


if __name__ == "__main__":
    main()
