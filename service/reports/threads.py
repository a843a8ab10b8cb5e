"""Reports that belong together: a channel thread, a Hue-S report id, a tracking-code follow-up.

Every report of one thread must end in one case, however many workers process them at once.
Two follow-ups processed side by side would each find no case and each open one, so the
lookup runs under transaction-scoped advisory locks on the thread's keys: the second waits
until the first has committed its case, then finds it.
"""

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from service.reports.models import Report


def thread_keys(report: Report) -> list[str]:
    """The keys a report shares with the others of its thread (its own tracking code too:
    a follow-up may be processed before the report it follows). Sorted, so that two
    transactions always take the same locks in the same order."""
    keys = {f"code:{report.tracking_code.upper()}"}
    if report.follow_up_code:
        keys.add(f"code:{report.follow_up_code.upper()}")
    if report.thread_id:
        keys.add(f"thread:{report.channel}:{report.thread_id}")
    return sorted(keys)


def lock_thread(session: Session, *, report: Report) -> None:
    """Hold the report's thread until the end of the transaction (a hash collision between
    two unrelated keys only makes them wait for each other)."""
    for key in thread_keys(report):
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def find_thread_case_id(session: Session, *, report: Report) -> int | None:
    """The case of another report of this thread, if any: the report it follows up (or
    another follow-up of that report), then the channel thread, then a follow-up of this
    report processed before it. Call under `lock_thread`."""
    for condition in _thread_conditions(report):
        case_id = session.scalar(
            select(Report.case_id)
            .where(condition, Report.case_id.is_not(None), Report.id != report.id)
            .order_by(Report.id)
            .limit(1)
        )
        if case_id is not None:
            return int(case_id)
    return None


def _thread_conditions(report: Report) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if report.follow_up_code:
        code = report.follow_up_code.upper()
        conditions += [Report.tracking_code == code, Report.follow_up_code == code]
    if report.thread_id:
        conditions.append(
            and_(Report.channel == report.channel, Report.thread_id == report.thread_id)
        )
    conditions.append(Report.follow_up_code == report.tracking_code.upper())
    return conditions
