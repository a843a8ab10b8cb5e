"""The Open311 services are the report categories."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    name: str
    description: str
    group: str
    keywords: tuple[str, ...]


SERVICES = (
    Service(
        "cable",
        "Cáp viễn thông treo, võng, rối, đứt",
        "Telecom or cable-TV lines hanging low, tangled, fallen or abandoned; leaning poles "
        "and joint boxes. A line down over a road is urgent.",
        "Hạ tầng viễn thông",
        ("cáp", "dây", "võng", "rối", "đứt", "cable", "wire"),
    ),
    Service(
        "ad",
        "Quảng cáo rao vặt trái phép",
        "Classified ads glued, stencilled or painted on poles, trees and walls, each with a "
        "phone number (drilling, septic pumping, loans…).",
        "Trật tự đô thị",
        ("quảng cáo", "rao vặt", "khoan cắt bê tông", "hút hầm cầu", "ad", "flyer"),
    ),
    Service(
        "other",
        "Phản ánh khác",
        "Anything else; forwarded to the competent agency.",
        "Khác",
        ("khác", "other"),
    ),
    Service(
        "unclassified",
        "Chưa phân loại",
        "Not classified yet (shown on requests only; not for new requests).",
        "Khác",
        (),
    ),
)
POSTABLE = {s.code for s in SERVICES if s.code != "unclassified"}
BY_CODE = {s.code: s for s in SERVICES}
