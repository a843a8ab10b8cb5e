"""report_phones: carrier hints become the carrier's unit slug ("VinaPhone" → "vnpt")

The prefix table moved from classifiers/ to data/operators.yaml, keyed by operator unit slug,
so a number's carrier hint now names the unit a ticket would go to. Hints already stored
are renamed; a value outside the table (none is expected) is left as it is, both ways.

Revision ID: 9c1d2e3f4a05
Revises: 9c1d2e3f4a04
Create Date: 2026-12-03 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9c1d2e3f4a05"
down_revision: str | None = "9c1d2e3f4a04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The carrier names of classifiers/data/vn_phone_prefixes.json → the units' slugs (copied
# here: revisions never import the service).
SLUG_OF_CARRIER = {
    "Viettel": "viettel",
    "VinaPhone": "vnpt",
    "MobiFone": "mobifone",
    "Vietnamobile": "vietnamobile",
    "Gmobile": "gmobile",
    "Itelecom": "itelecom",
    "Reddi": "reddi",
}


def _rename(mapping: dict[str, str]) -> None:
    cases = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in mapping.items())
    olds = ", ".join(f"'{old}'" for old in mapping)
    op.execute(
        f"UPDATE report_phones SET carrier_hint = CASE carrier_hint {cases} END"
        f" WHERE carrier_hint IN ({olds})"
    )


def upgrade() -> None:
    _rename(SLUG_OF_CARRIER)


def downgrade() -> None:
    _rename({slug: name for name, slug in SLUG_OF_CARRIER.items()})
