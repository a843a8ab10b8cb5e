"""The operator directory: data/operators.yaml loads, names each carrier's block, tells which
operators run cable in a ward, and a wrong file fails naming the entry and the field."""

import json
from pathlib import Path

import pytest

from service.config import PROJECT_ROOT
from service.errors import InvalidOperatorFile
from service.operators.directory import DEFAULT_FILE, OperatorDirectory, load_directory

GOOD = """
numbering:
  area_code: "0234"
  former_area_codes: ["054"]
  service_prefixes: {"1800": toll_free, "1900": premium_rate}
operators:
  - slug: vnpt
    networks: [cable, mobile]
    mobile_prefixes: ["091"]
    label_patterns: ['\\bvnpt\\b']
    cable_coverage: all
  - slug: sctv
    networks: [cable]
    label_patterns: ['\\bsctv\\b']
    cable_coverage: ["19753", "19774"]
  - slug: reddi
    networks: [mobile]
    mobile_prefixes: ["055"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "operators.yaml"
    path.write_text(text, "utf-8")
    return path


@pytest.fixture(scope="module")
def shipped() -> OperatorDirectory:
    return load_directory()


def test_the_shipped_file_has_one_entry_per_operator_unit(shipped: OperatorDirectory) -> None:
    units = json.loads((PROJECT_ROOT / "data" / "units.json").read_text("utf-8"))
    assert shipped.slugs == tuple(u["slug"] for u in units if u["kind"] == "operator")


@pytest.mark.parametrize(
    ("e164", "carrier"),
    [
        ("+84905123456", "mobifone"),
        ("+84912345678", "vnpt"),
        ("+84812345678", "vnpt"),
        ("+84987654321", "viettel"),
        ("+84321234567", "viettel"),
        ("+84921234567", "vietnamobile"),
        ("+84991234567", "gmobile"),
        ("+84871234567", "itelecom"),
        ("+84551234567", "reddi"),
        ("0905123456", "mobifone"),
        ("+842343822222", None),  # a Huế landline
        ("+8419001234", None),
        ("+84801234567", None),  # no carrier's block
        ("+14155550100", None),
        ("+8490512345", None),  # too short
    ],
)
def test_carrier_of_names_the_block_holder(
    shipped: OperatorDirectory, e164: str, carrier: str | None
) -> None:
    assert shipped.carrier_of(e164) == carrier


def test_cable_operators_of_the_shipped_file_cover_every_ward(shipped: OperatorDirectory) -> None:
    cable = ["vnpt", "viettel", "fpt-telecom", "mobifone", "vtvcab", "sctv"]
    assert shipped.cable_operators("19753") == cable
    assert shipped.cable_operators(None) == cable


def test_cable_operators_follow_a_ward_list(tmp_path: Path) -> None:
    directory = load_directory(_write(tmp_path, GOOD))
    assert directory.cable_operators("19753") == ["vnpt", "sctv"]
    assert directory.cable_operators("20000") == ["vnpt"]
    assert directory.cable_operators(None) == ["vnpt"]


def test_profiles_plan_and_patterns_come_from_the_file(tmp_path: Path) -> None:
    directory = load_directory(_write(tmp_path, GOOD))
    assert directory.slugs == ("vnpt", "sctv", "reddi")
    sctv = directory.get("sctv")
    assert sctv is not None
    assert (sctv.networks, sctv.cable_wards) == (("cable",), frozenset({"19753", "19774"}))
    assert directory.get("viettel") is None
    assert dict(directory.number_plan.mobile) == {"091": "vnpt", "055": "reddi"}
    assert directory.number_plan.former_area_codes == ("054",)
    slugs = [slug for _, slug in directory.label_patterns.compiled]
    assert slugs == ["vnpt", "sctv"]


def test_the_directory_is_read_once_per_path(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    assert load_directory(path) is load_directory(path)
    assert load_directory() is load_directory(DEFAULT_FILE)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('["091"]', '["91"]', "operators[0] (vnpt).mobile_prefixes: '91' is not a quoted"),
        ('["091"]', "[91]", "operators[0] (vnpt).mobile_prefixes: 91 is not"),
        ('["055"]', '["091"]', "prefix 091 is both vnpt's and reddi's"),
        ("[cable, mobile]", "[cable, radio]", "operators[0] (vnpt).networks: 'radio' is not a"),
        ("'\\bsctv\\b'", "'(sctv'", "operators[1] (sctv).label_patterns: [0] '(sctv' does not"),
        ('["19753", "19774"]', "some", "operators[1] (sctv).cable_coverage: expected `all`"),
        ("slug: reddi", "slug: Reddi", "operators[2].slug: 'Reddi' is not a kebab-case slug"),
        ("slug: reddi", "slug: vnpt", "operators: vnpt has two entries"),
        ('    mobile_prefixes: ["055"]', '    mobile_prefix: ["055"]', "unknown field(s)"),
        ('area_code: "0234"', "area_code: 234", "numbering.area_code: 234 is not a quoted"),
        (
            "    networks: [mobile]\n    mobile_prefixes",
            "    networks: [mobile]\n    cable_coverage: all\n    mobile_prefixes",
            "operators[2] (reddi).cable_coverage: cable coverage without a cable network",
        ),
    ],
)
def test_a_wrong_field_is_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(InvalidOperatorFile) as raised:
        load_directory(path)
    assert message in raised.value.detail
    assert raised.value.detail.startswith("operators.yaml: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("operators: [\n", "not YAML"),
        ("- 1\n", "(top level): expected a mapping"),
        (GOOD.split("operators:")[0], "operators: expected a list of operator entries"),
    ],
)
def test_an_unreadable_file_says_why(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InvalidOperatorFile, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_directory(_write(tmp_path, text))


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(InvalidOperatorFile, match="cannot be read"):
        load_directory(tmp_path / "nope.yaml")
