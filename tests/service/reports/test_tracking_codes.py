import re

from service.reports.service import new_tracking_code

_SHAPE = re.compile(r"HUE-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}")


def test_tracking_codes_have_the_readable_shape_and_do_not_repeat() -> None:
    codes = [new_tracking_code() for _ in range(5000)]
    assert all(_SHAPE.fullmatch(c) for c in codes), codes[:5]
    assert len(set(codes)) == len(codes)


def test_tracking_codes_use_every_character_of_the_alphabet() -> None:
    seen = {ch for _ in range(2000) for ch in new_tracking_code()[4:].replace("-", "")}
    assert seen == set("23456789ABCDEFGHJKMNPQRSTVWXYZ")
