"""Strategies for retention (rules, holds, blockers, records with awkward timelines),
data-subject requests and breach records."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from gdprkit.breach import BreachRecord
from gdprkit.law import Right
from gdprkit.register import RetentionAction
from gdprkit.requests import RefusalGround, RequestState, SubjectRequest
from gdprkit.retention import (
    Alignment,
    AlignmentKind,
    BlockerKind,
    ErasureBlocker,
    HoldScope,
    LegalHold,
    Record,
    RetentionRule,
    RetentionSchedule,
)
from gdprkit.testing._st_register import durations, registers

__all__ = [
    "alignments",
    "breach_records",
    "erasure_blockers",
    "event_datetimes",
    "legal_holds",
    "retention_records",
    "retention_rules",
    "retention_schedules",
    "subject_requests",
]

_EVENT_NAMES = (
    "collected",
    "last_activity",
    "contract_end",
    "order_delivered",
    "consent_withdrawn",
    "account_closed",
    "event_end",
)
# The shops' zones (DST in March/October) and fixed offsets, including the extremes.
_ZONES: tuple[dt.tzinfo, ...] = (
    dt.timezone.utc,
    ZoneInfo("Europe/Sofia"),
    ZoneInfo("Europe/Riga"),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("Europe/Tirane"),
    dt.timezone(dt.timedelta(hours=14)),
    dt.timezone(dt.timedelta(hours=-12)),
)


def _last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


@st.composite
def _tricky_days(draw: st.DrawFn, years: tuple[int, int]) -> dt.date:
    year = draw(st.integers(*years))
    kind = draw(st.sampled_from(("month_end", "leap_day", "dst", "year_end")))
    if kind == "leap_day":
        leap = next(y for y in range(year, year + 8) if calendar.isleap(y))
        return dt.date(min(leap, years[1] + 4), 2, 29)
    if kind == "dst":
        return _last_sunday(year, draw(st.sampled_from((3, 10))))
    if kind == "year_end":
        return dt.date(year, 12, 31) - dt.timedelta(days=draw(st.integers(0, 1)))
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, draw(st.integers(max(1, last - 3), last)))


def event_datetimes(
    *, min_year: int = 2000, max_year: int = 2040
) -> st.SearchStrategy[dt.datetime]:
    """Aware datetimes biased to month ends, leap days, year ends and DST change days.

    Half of them are ordinary; the rest fall on a day where calendar arithmetic goes wrong, at
    a time near midnight or the small hours when clocks change, in a European zone or at the
    extreme offsets.
    """
    ordinary = st.datetimes(
        min_value=dt.datetime(min_year, 1, 1),  # noqa: DTZ001 - naive bound, zone drawn below
        max_value=dt.datetime(max_year, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from(_ZONES),
    )
    times = (
        st.sampled_from(
            (dt.time(0, 0), dt.time(0, 30), dt.time(2, 30), dt.time(3, 30), dt.time(23, 59, 59))
        )
        | st.times()
    )
    tricky = st.builds(
        lambda day, time, zone, fold: dt.datetime.combine(day, time, tzinfo=zone).replace(
            fold=fold
        ),
        _tricky_days((min_year, max_year)),
        times,
        st.sampled_from(_ZONES),
        st.integers(0, 1),
    )
    return st.one_of(ordinary, tricky)


def alignments() -> st.SearchStrategy[Alignment]:
    """Any alignment: none, end of month, end of year, or a financial year ending in any month."""
    simple = st.sampled_from(
        [Alignment(k) for k in AlignmentKind if k is not AlignmentKind.FINANCIAL_YEAR_END]
    )
    financial = st.builds(Alignment, st.just(AlignmentKind.FINANCIAL_YEAR_END), st.integers(1, 12))
    return simple | financial


def retention_rules(
    *,
    triggers: st.SearchStrategy[str] | None = None,
    actions: st.SearchStrategy[RetentionAction] | None = None,
) -> st.SearchStrategy[RetentionRule]:
    """Retention rules with any period (or none: "until the event"), alignment and action."""
    return st.builds(
        RetentionRule,
        trigger=triggers if triggers is not None else st.sampled_from(_EVENT_NAMES),
        period=st.none() | durations(max_amount=40),
        alignment=alignments(),
        action=actions if actions is not None else st.sampled_from(RetentionAction),
        citation=st.none() | st.sampled_from(("§132(1) BAO", "shop policy", "Art. 5(1)(e)")),
        ground=st.none() | st.just("Art. 17(3)(b)"),
    )


_IDS = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,11}\Z")


def retention_records(
    *,
    purposes: st.SearchStrategy[str] | None = None,
    events: st.SearchStrategy[str] | None = None,
    subjects: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Record]:
    """Records with up to four dated events (awkward dates included; some events absent)."""
    names = events if events is not None else st.sampled_from(_EVENT_NAMES)
    return st.builds(
        Record,
        purpose=purposes if purposes is not None else st.sampled_from(("orders", "cctv", "crm")),
        record_id=_IDS,
        events=st.dictionaries(names, st.none() | event_datetimes(), max_size=4),
        subject_id=st.none() | (subjects if subjects is not None else _IDS),
    )


@st.composite
def legal_holds(
    draw: st.DrawFn,
    *,
    scopes: st.SearchStrategy[HoldScope] | None = None,
    targets: st.SearchStrategy[str] | None = None,
) -> LegalHold:
    """Holds of any scope, open-ended or with an end, sometimes with a start."""
    scope = draw(scopes if scopes is not None else st.sampled_from(HoldScope))
    target = None if scope is HoldScope.GLOBAL else draw(targets if targets is not None else _IDS)
    since = draw(st.none() | event_datetimes())
    until = draw(st.none() | event_datetimes())
    if since is not None and until is not None and until <= since:
        since, until = (until, since) if until < since else (since, None)
    return LegalHold(
        reason=draw(st.sampled_from(("litigation", "tax audit", "police request", "open case"))),
        scope=scope,
        target=target,
        until=until,
        since=since,
        ground=draw(st.none() | st.sampled_from(("Art. 17(3)(b)", "Art. 17(3)(e)"))),
    )


@st.composite
def erasure_blockers(
    draw: st.DrawFn, *, subjects: st.SearchStrategy[str] | None = None
) -> ErasureBlocker:
    """Erasure blockers of every kind, with the dates each kind needs."""
    kind = draw(st.sampled_from(BlockerKind))
    at = draw(event_datetimes())
    until = None
    if kind is BlockerKind.BOOKKEEPING:
        until = at + dt.timedelta(days=draw(st.integers(1, 4000)))
    return ErasureBlocker(
        kind=kind,
        subject=draw(subjects if subjects is not None else _IDS),
        at=at,
        until=until,
        deceased=draw(st.booleans()),
    )


# --- data-subject requests and breaches -------------------------------------------------------

_REQUEST_RIGHTS = (
    Right.ACCESS,
    Right.RECTIFICATION,
    Right.ERASURE,
    Right.RESTRICTION,
    Right.PORTABILITY,
    Right.OBJECT,
)


@st.composite
def subject_requests(
    draw: st.DrawFn,
    *,
    received: st.SearchStrategy[dt.datetime] | None = None,
    max_steps: int = 4,
) -> SubjectRequest:
    """Requests received at awkward moments, advanced through a valid random lifecycle.

    Each step is drawn among those the current state allows, at a time after the last one
    (sometimes the same instant): identity checks that pause the clock, at most one timely
    extension, fees, and possibly a closing fulfilment or refusal.
    """
    start = draw(received if received is not None else event_datetimes(max_year=2035))
    request = SubjectRequest(
        id=draw(_IDS),
        right=draw(st.sampled_from(_REQUEST_RIGHTS)),
        received=start,
        channel=draw(st.sampled_from(("email", "web_form", "letter", "phone", "in_store"))),
        subject_id=draw(st.none() | _IDS),
    )
    moment = start
    for _ in range(draw(st.integers(0, max_steps))):
        state = request.state
        if state.closed:
            break
        moment = moment + dt.timedelta(hours=draw(st.integers(0, 24 * 40)))
        options = ["fee", "refuse"]
        if state is RequestState.AWAITING_IDENTITY:
            options.append("identity_received")
        else:
            options += ["identity_requested", "fulfil"]
        if not request.extended and moment.astimezone(start.tzinfo).date() <= (
            request.first_deadline(now=moment)
        ):
            options.append("extend")
        step = draw(st.sampled_from(options))
        if step == "identity_requested":
            request = request.request_identity(moment)
        elif step == "identity_received":
            request = request.identity_received(moment)
        elif step == "extend":
            request = request.extend(moment, reason="complex request")
        elif step == "fee":
            request = request.charge_fee(
                moment, amount="10.00", currency="EUR", reason="repetitive request"
            )
        elif step == "fulfil":
            request = request.fulfil(moment)
        else:
            request = request.refuse(
                moment, ground=draw(st.sampled_from(RefusalGround)), reason="see letter"
            )
    return request


def breach_records(*, complete: bool | None = None) -> st.SearchStrategy[BreachRecord]:
    """Breach records, complete (every Art. 33(3) item given), incomplete, or either."""
    text = st.sampled_from(("lost laptop", "misdirected e-mail", "ransomware", "see report"))

    def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        if complete is True:
            return strategy
        if complete is False:
            return st.none()
        return st.none() | strategy

    return st.builds(
        BreachRecord,
        id=_IDS,
        aware_at=event_datetimes(max_year=2035),
        nature=maybe(text),
        subject_categories=maybe(st.lists(st.sampled_from(("customers", "staff")), min_size=1)),
        approx_subjects=maybe(st.integers(1, 10**6)),
        record_categories=maybe(st.lists(st.sampled_from(("contact", "payment")), min_size=1)),
        approx_records=maybe(st.integers(1, 10**7)),
        contact=maybe(text),
        consequences=maybe(text),
        measures=maybe(text),
    )


def retention_schedules() -> st.SearchStrategy[RetentionSchedule]:
    """Schedules built from generated registers, some with holds."""
    return st.builds(
        lambda register, holds: RetentionSchedule.from_register(register).with_holds(*holds),
        registers(max_purposes=4),
        st.lists(legal_holds(), max_size=2),
    )
