"""The routing rules as data: parsing and checking a table, matching a case's facts, and the
decision (pure: no I/O). The first rule whose `when` matches fires.

A rule:

    name: cable-known-operator
    when: {category: [cable], operator: known}     # every condition must hold; none = any case
    owner: bcvt                                    # the unit that owns the case
    tickets: [{kind: fix, to: case_operator}]
    track: timed                                   # optional; `forward` for forwarded cases
    working_days: 7                                # deadline of the `timed` track
    immediate_hours: 24                            # deadline when the case is urgent
    reason: A cable whose operator is known ...

Conditions: `category`, `subtype`, `priority`, `ward` (ward codes), `location_match`,
`carrier` (any of the case's numbers held by one of these carriers), `has_phones` (bool),
`operator` (`known`, `unknown` or a list of slugs), `mentions` (regexes on the folded text).
Ticket targets: `case_operator`, `cable_operators` (those with a cable network in the ward),
`carriers` (one ticket per carrier of the case's numbers), `ward_committee`, `unit:<slug>`.
An urgent case (a danger to people) goes on the `immediate` track whatever the rule says.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.errors import ServiceError

CONDITIONS = (
    "category",
    "subtype",
    "priority",
    "ward",
    "location_match",
    "carrier",
    "has_phones",
    "operator",
    "mentions",
)
TARGETS = ("case_operator", "cable_operators", "carriers", "ward_committee")
KINDS = ("fix", "claim", "trace", "removal", "forward")
RULE_TRACKS = ("timed", "forward")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class InvalidRoutingTable(ServiceError):
    slug = "invalid-routing-table"
    title = "The routing table is not valid"
    status = 422


@dataclass(frozen=True, slots=True)
class TicketSpec:
    kind: str
    to: str  # a target above, or "unit:<slug>"


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    when: Mapping[str, Any]
    owner: str
    tickets: tuple[TicketSpec, ...]
    reason: str
    track: str = "timed"
    working_days: int = 7
    immediate_hours: int = 24
    patterns: tuple[re.Pattern[str], ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "when": dict(self.when),
            "owner": self.owner,
            "tickets": [{"kind": t.kind, "to": t.to} for t in self.tickets],
            "track": self.track,
            "working_days": self.working_days,
            "immediate_hours": self.immediate_hours,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Phone:
    e164: str
    carrier: str | None


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What routing looks at. `text` is folded (no diacritics, lower case)."""

    category: str
    subtype: str | None
    priority: str
    ward_code: str | None
    location_match: str
    operator: str | None
    phones: tuple[Phone, ...]
    text: str

    @property
    def carriers(self) -> tuple[str, ...]:
        return tuple(sorted({p.carrier for p in self.phones if p.carrier}))

    def as_dict(self) -> dict[str, Any]:
        """For the decision record: the facts without the reporter's words."""
        return {
            "category": self.category,
            "subtype": self.subtype,
            "priority": self.priority,
            "ward_code": self.ward_code,
            "location_match": self.location_match,
            "operator": self.operator,
            "phones": [{"e164": p.e164, "carrier": p.carrier} for p in self.phones],
        }


def parse_table(raw: Any, *, known_units: set[str] | None = None) -> tuple[Rule, ...]:
    """A list of rule mappings → rules, or InvalidRoutingTable naming the rule and field."""
    if not isinstance(raw, list) or not raw:
        raise InvalidRoutingTable("The routing table must be a non-empty list of rules.")
    rules = [_parse_rule(i, r, known_units) for i, r in enumerate(raw)]
    names = [r.name for r in rules]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise InvalidRoutingTable(f"Two rules are named {duplicate!r}; names must be unique.")
    if rules[-1].when:
        raise InvalidRoutingTable(
            f"The last rule ({rules[-1].name!r}) must match every case (an empty `when`), "
            "so that no case is left without an owner."
        )
    return tuple(rules)


def _parse_rule(i: int, raw: Any, known_units: set[str] | None) -> Rule:
    where = f"rule {i + 1}"
    if not isinstance(raw, dict):
        raise InvalidRoutingTable(f"{where}: a rule is a mapping.")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidRoutingTable(f"{where}: 'name' must be a slug (a-z, 0-9, '-').")
    where = f"rule {i + 1} ({name})"
    unknown = set(raw) - {"name", "when", "owner", "tickets", "reason", "track",
                          "working_days", "immediate_hours"}  # fmt: skip
    if unknown:
        raise InvalidRoutingTable(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
    when = raw.get("when") or {}
    if not isinstance(when, dict):
        raise InvalidRoutingTable(f"{where}: 'when' is a mapping of conditions.")
    for key, value in when.items():
        _check_condition(where, key, value)
    owner = raw.get("owner")
    if not isinstance(owner, str) or not owner:
        raise InvalidRoutingTable(f"{where}: 'owner' (a unit slug) is required.")
    _check_unit(where, owner, known_units)
    tickets = tuple(_parse_ticket(where, t, known_units) for t in raw.get("tickets") or [])
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidRoutingTable(f"{where}: 'reason' says in a sentence why the rule routes so.")
    track = raw.get("track", "timed")
    if track not in RULE_TRACKS:
        raise InvalidRoutingTable(f"{where}: 'track' is one of {', '.join(RULE_TRACKS)}.")
    working_days = _positive_int(where, raw, "working_days", 7)
    immediate_hours = _positive_int(where, raw, "immediate_hours", 24)
    patterns = tuple(re.compile(p) for p in when.get("mentions", ()))
    return Rule(name, dict(when), owner, tickets, reason.strip(), track, working_days,
                immediate_hours, patterns)  # fmt: skip


def _check_condition(where: str, key: str, value: Any) -> None:
    if key not in CONDITIONS:
        raise InvalidRoutingTable(
            f"{where}: unknown condition {key!r}; conditions are {', '.join(CONDITIONS)}."
        )
    if key == "has_phones":
        if not isinstance(value, bool):
            raise InvalidRoutingTable(f"{where}: 'has_phones' is true or false.")
        return
    if key == "operator" and value in ("known", "unknown"):
        return
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidRoutingTable(f"{where}: {key!r} is a non-empty list of strings.")
    if key == "mentions":
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise InvalidRoutingTable(f"{where}: bad pattern {pattern!r}: {exc}.") from None


def _parse_ticket(where: str, raw: Any, known_units: set[str] | None) -> TicketSpec:
    if (
        not isinstance(raw, dict)
        or raw.get("kind") not in KINDS
        or not isinstance(raw.get("to"), str)
    ):
        raise InvalidRoutingTable(
            f"{where}: a ticket is {{kind: {'|'.join(KINDS)}, to: <target>}}."
        )
    to = raw["to"]
    if to.startswith("unit:"):
        _check_unit(where, to[5:], known_units)
    elif to not in TARGETS:
        raise InvalidRoutingTable(
            f"{where}: ticket target {to!r} is one of {', '.join(TARGETS)} or 'unit:<slug>'."
        )
    return TicketSpec(raw["kind"], to)


def _check_unit(where: str, slug: str, known_units: set[str] | None) -> None:
    if known_units is not None and slug not in known_units:
        raise InvalidRoutingTable(f"{where}: there is no unit {slug!r}.")


def _positive_int(where: str, raw: dict[str, Any], key: str, default: int) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 365 * 24:
        raise InvalidRoutingTable(f"{where}: {key!r} is a positive whole number.")
    return value


def matches(rule: Rule, facts: CaseFacts) -> bool:
    when = rule.when
    plain = {
        "category": facts.category,
        "subtype": facts.subtype,
        "priority": facts.priority,
        "ward": facts.ward_code,
        "location_match": facts.location_match,
    }
    for key, actual in plain.items():
        if key in when and actual not in when[key]:
            return False
    if "carrier" in when and not set(when["carrier"]) & set(facts.carriers):
        return False
    if "has_phones" in when and bool(facts.phones) != when["has_phones"]:
        return False
    if "operator" in when:
        wanted = when["operator"]
        if wanted == "known" and facts.operator is None:
            return False
        if wanted == "unknown" and facts.operator is not None:
            return False
        if isinstance(wanted, list) and facts.operator not in wanted:
            return False
    return not rule.patterns or any(p.search(facts.text) for p in rule.patterns)


def first_match(rules: Sequence[Rule], facts: CaseFacts) -> Rule:
    for rule in rules:
        if matches(rule, facts):
            return rule
    raise InvalidRoutingTable("No rule matched; the last rule must match every case.")


def track_of(rule: Rule, facts: CaseFacts) -> str:
    """Urgent (a danger to people) is immediate, forwarded or not."""
    return "immediate" if facts.priority == "urgent" else rule.track
