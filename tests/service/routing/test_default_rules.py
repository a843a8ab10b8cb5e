"""The shipped rules (data/routing.yaml), table-driven: facts in, owner, track and tickets out."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.operators.directory import load_directory
from service.routing.rules import CaseFacts, InvalidRoutingTable, Phone, parse_table
from service.routing.service import RoutingPolicy, plan_for
from service.routing.table import read_seed

RULES = parse_table(read_seed())
POLICY = RoutingPolicy(operators=load_directory())
CABLE_OPERATORS = POLICY.operators.cable_operators("19815")
# A Monday morning in Huế, far from any holiday.
MONDAY = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)


def facts(**given: Any) -> CaseFacts:
    base: dict[str, Any] = {
        "category": "cable", "subtype": "tangled", "priority": "normal", "ward_code": "19815",
        "location_match": "inside", "operator": None, "phones": (), "text": "",
    }  # fmt: skip
    return CaseFacts(**{**base, **given})


CASES = [
    # name, facts, rule, owner, track, tickets [(kind, unit, phones)]
    ("cable, operator named", facts(operator="viettel"),
     "cable-known-operator", "bcvt", "timed", [("fix", "viettel", ())]),
    ("cable, owner unknown: every cable operator claims", facts(),
     "cable-unknown-operator", "bcvt", "timed", [("claim", s, ()) for s in CABLE_OPERATORS]),
    ("fallen cable, a danger: immediate", facts(subtype="fallen_or_broken", priority="urgent",
     operator="vnpt"), "cable-known-operator", "bcvt", "immediate", [("fix", "vnpt", ())]),
    ("ad with two carriers' numbers", facts(category="ad", subtype="drilling", phones=(
        Phone("+84905123456", "mobifone"), Phone("+84987654321", "viettel"),
        Phone("+84988111222", "viettel"))),
     "ad", "thanh-tra", "timed", [("trace", "mobifone", ("+84905123456",)),
                                  ("trace", "viettel", ("+84987654321", "+84988111222")),
                                  ("removal", "ubnd-19815", ())]),
    ("ad with no legible number: removal only", facts(category="ad", subtype="loans"),
     "ad", "thanh-tra", "timed", [("removal", "ubnd-19815", ())]),
    ("ad with a landline only: no carrier by prefix", facts(category="ad", phones=(
        Phone("+842343822222", None),)),
     "ad", "thanh-tra", "timed", [("removal", "ubnd-19815", ())]),
    ("ad without a ward: trace only", facts(category="ad", ward_code=None,
     location_match="missing", phones=(Phone("+84912345678", "vnpt"),)),
     "ad", "thanh-tra", "timed", [("trace", "vnpt", ("+84912345678",))]),
    ("other: the IOC forwards it", facts(category="other", subtype=None, text="o ga duong"),
     "other", "ioc", "forward", []),
    ("power line: forwarded to the power company", facts(category="other", subtype=None,
     text="day dien trung the bi dut"),
     "power-line", "ioc", "forward", [("forward", "evn-hue", ())]),
    ("power line down, a danger: immediate", facts(category="other", subtype=None,
     priority="urgent", text="cot dien do, day dien ha the roi xuong duong"),
     "power-line", "ioc", "immediate", [("forward", "evn-hue", ())]),
    ("cable with no place at all: BCVT asks where first", facts(ward_code=None,
     location_match="missing", operator="vnpt"), "cable-no-place", "bcvt", "timed", []),
    ("outside the city: forwarded", facts(location_match="outside", operator="viettel"),
     "outside-city", "ioc", "forward", []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("facts_in", "rule", "owner", "track", "tickets"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_the_shipped_rules_route_each_kind_of_case(
    facts_in: CaseFacts, rule: str, owner: str, track: str, tickets: list[Any]
) -> None:
    plan = plan_for(facts_in, RULES, POLICY, now=MONDAY)
    assert plan.rule.name == rule
    assert plan.rule.owner == owner
    assert plan.track == track
    assert [(r.kind, r.unit, r.phones) for r in plan.requests] == tickets


def test_immediate_is_24_calendar_hours_and_timed_is_7_working_days() -> None:
    urgent = plan_for(facts(priority="urgent", operator="vnpt"), RULES, POLICY, now=MONDAY)
    timed = plan_for(facts(operator="vnpt"), RULES, POLICY, now=MONDAY)
    assert urgent.due_at - MONDAY == timedelta(hours=24)
    # Monday 9 March + 7 working days = Wednesday 18 March, same time of day.
    assert timed.due_at == MONDAY + timedelta(days=9)


def test_operators_that_said_not_ours_are_not_asked_again() -> None:
    declined = {CABLE_OPERATORS[0]}
    plan = plan_for(facts(), RULES, POLICY, declined=declined, now=MONDAY)
    assert [r.unit for r in plan.requests] == CABLE_OPERATORS[1:]


BAD_TABLES = [
    ([], "non-empty list"),
    ([{"name": "x", "owner": "ioc", "reason": "r", "when": {"category": ["ad"]}}], "last rule"),
    ([{"name": "Bad Name", "owner": "ioc", "reason": "r"}], "slug"),
    ([{"name": "a", "owner": "ioc", "reason": "r", "when": {"colour": ["red"]}},
      {"name": "b", "owner": "ioc", "reason": "r"}], "unknown condition"),
    ([{"name": "a", "owner": "ioc", "reason": "r", "tickets": [{"kind": "fix", "to": "x"}]}],
     "ticket target"),
    ([{"name": "a", "owner": "nobody", "reason": "r"}], "no unit 'nobody'"),
    ([{"name": "a", "owner": "ioc", "reason": "r"}, {"name": "a", "owner": "ioc", "reason": "r"}],
     "unique"),
    ([{"name": "a", "owner": "ioc", "reason": "r", "when": {"mentions": ["("]}},
      {"name": "b", "owner": "ioc", "reason": "r"}], "bad pattern"),
    ([{"name": "a", "owner": "ioc", "reason": "r", "working_days": 0}], "positive"),
]  # fmt: skip


@pytest.mark.parametrize(("table", "message"), BAD_TABLES)
def test_a_bad_table_is_refused_with_the_rule_and_field_named(table: Any, message: str) -> None:
    with pytest.raises(InvalidRoutingTable, match=message):
        parse_table(table, known_units={"ioc", "bcvt"})
