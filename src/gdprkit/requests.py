"""Data-subject requests: their lifecycle and the GDPR clocks that run on them.

A :class:`SubjectRequest` is an immutable value: each step (asking for proof of identity,
receiving it, extending, charging a fee, fulfilling, refusing) returns a new request with one
more :class:`RequestEvent`; a step the lifecycle does not allow raises
:class:`~gdprkit.errors.InvalidTransition`.

Deadlines come from :mod:`gdprkit.law.periods` (Regulation 1182/71 arithmetic): one month
from receipt (Art. 12(3)), two further months when extended (by default counted from the end
of the first month, the earlier of the two readings, see
:class:`~gdprkit.law.periods.ExtensionReading`), rolled past weekends and the shop's public
holidays.  Day 0 is the local date of receipt in the controller's zone: pass ``zone=`` (the
register's ``controller.time_zone``) when ``received`` is stored in UTC.

**Identity checks pause the clock.**  While the controller has asked for additional
information to confirm the requester's identity (Art. 12(6): "where the controller has
reasonable doubts concerning the identity … the controller may request the provision of
additional information") and it has not yet arrived, the clock stands still; the days it stood
still are added to the deadline.  The Regulation does not say this in so many words: it is
common practice, resting on Art. 12(6) and on Art. 12(2) (the controller may not refuse to act
unless it demonstrates that it cannot identify the data subject) read with the time limits of
Art. 12(3).  No authority's text on it was found (unverified).  gdprkit pauses rather than
restarts the clock, the reading least favourable to the controller; only a verification the
controller actually requested pauses it.

Example:
    >>> import datetime as dt
    >>> from gdprkit.requests import SubjectRequest
    >>> utc = dt.timezone.utc
    >>> req = SubjectRequest("r-1", "access", received=dt.datetime(2025, 1, 31, 9, tzinfo=utc),
    ...                      channel="email")
    >>> req.deadline()
    datetime.date(2025, 2, 28)
    >>> req = req.request_identity(dt.datetime(2025, 2, 3, 9, tzinfo=utc))
    >>> req = req.identity_received(dt.datetime(2025, 2, 10, 9, tzinfo=utc))
    >>> req.paused_days(), req.deadline()
    (7, datetime.date(2025, 3, 7))
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from gdprkit._dicts import attrs_kwargs
from gdprkit._time import attach_zone, ensure_aware, ensure_zone, parse_aware, utc_now, zone_name
from gdprkit.errors import InvalidInput, InvalidTransition, InvalidType
from gdprkit.law import Right
from gdprkit.law.holidays import HolidayCalendar
from gdprkit.law.periods import (
    RESPONSE_MONTHS,
    ExtensionReading,
    _reading,
    add_months,
    end_of_day,
    extended_end,
    is_working_day,
    next_working_day,
)

__all__ = [
    "RefusalGround",
    "RequestEvent",
    "RequestEventKind",
    "RequestState",
    "SubjectRequest",
    "overdue",
]

_VERSION = 1


class RequestState(str, enum.Enum):
    """Where a request stands."""

    OPEN = "open"
    AWAITING_IDENTITY = "awaiting_identity"
    FULFILLED = "fulfilled"
    REFUSED = "refused"

    @property
    def closed(self) -> bool:
        """Whether the request has been answered (fulfilled or refused)."""
        return self in (RequestState.FULFILLED, RequestState.REFUSED)


class RefusalGround(str, enum.Enum):
    """Why a controller may refuse to act on a request.

    Example:
        >>> RefusalGround.EXCESSIVE.article
        'Art. 12(5)(b)'
    """

    MANIFESTLY_UNFOUNDED = "manifestly_unfounded"
    EXCESSIVE = "excessive"
    IDENTITY_NOT_ESTABLISHED = "identity_not_established"

    @property
    def article(self) -> str:
        """The provision of the GDPR the refusal rests on."""
        if self is RefusalGround.IDENTITY_NOT_ESTABLISHED:
            # Art. 12(2): refuse only if the controller "demonstrates that it is not in a
            # position to identify the data subject" (with Art. 11(2)).
            return "Art. 12(2)"
        # Art. 12(5): "manifestly unfounded or excessive, in particular because of their
        # repetitive character" — the controller bears the burden of proof.
        return "Art. 12(5)(b)"


class RequestEventKind(str, enum.Enum):
    """The steps of a request's lifecycle after its receipt."""

    IDENTITY_REQUESTED = "identity_requested"
    IDENTITY_RECEIVED = "identity_received"
    EXTENDED = "extended"
    FEE_CHARGED = "fee_charged"
    FULFILLED = "fulfilled"
    REFUSED = "refused"


def _refusal_ground(value: object) -> RefusalGround | None:
    if value is None:
        return None
    try:
        return RefusalGround(value)
    except ValueError:
        accepted = ", ".join(repr(g.value) for g in RefusalGround)
        raise InvalidInput(f"ground must be one of {accepted}") from None


def _event_kind(value: object) -> RequestEventKind:
    try:
        return RequestEventKind(value)
    except ValueError:
        raise InvalidInput("kind must be a request event kind") from None


def _aware(value: object) -> dt.datetime:
    return parse_aware(value, "at")


def _optional_text(
    _instance: object, attribute: attrs.Attribute[str | None], value: object
) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidInput(f"{attribute.name} must be a non-empty string or None")


def _text(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{attribute.name} must be a non-empty string")


def _optional_amount(value: object) -> decimal.Decimal | None:
    if value is None:
        return None
    if isinstance(value, (bool, float)):
        raise InvalidType("amount must be a Decimal, an int or a decimal string (not a float)")
    try:
        amount = decimal.Decimal(value)  # type: ignore[arg-type]
    except (decimal.InvalidOperation, TypeError, ValueError):
        raise InvalidInput("amount must be a decimal number such as '10.00'") from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("amount must be a positive amount")
    return amount


@attrs.frozen
class RequestEvent:
    """One step of a request: what happened, when, and why (reasons are required where the law
    asks for them: an extension, a refusal, a fee).

    Example:
        >>> import datetime as dt
        >>> RequestEvent("extended", dt.datetime(2025, 2, 1, tzinfo=dt.timezone.utc),
        ...              reason="200 orders to collect").kind
        <RequestEventKind.EXTENDED: 'extended'>
    """

    kind: RequestEventKind = attrs.field(converter=_event_kind)
    at: dt.datetime = attrs.field(converter=_aware)
    reason: str | None = attrs.field(default=None, validator=_optional_text)
    ground: RefusalGround | None = attrs.field(default=None, converter=_refusal_ground)
    amount: decimal.Decimal | None = attrs.field(default=None, converter=_optional_amount)
    currency: str | None = attrs.field(default=None, validator=_optional_text)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "kind": self.kind.value,
            "at": self.at.isoformat(),
            "reason": self.reason,
            "ground": None if self.ground is None else self.ground.value,
            "amount": None if self.amount is None else str(self.amount),
            "currency": self.currency,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestEvent:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: unknown keys (counted, never repeated: they may be personal data),
                a missing key, or invalid values.
            InvalidType: ``data`` is not a mapping.
        """
        return cls(**attrs_kwargs(cls, data, "request event"))


def _right(value: object) -> Right:
    return Right.parse(value)


def _events(value: object) -> tuple[RequestEvent, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidType("events must be an iterable of RequestEvent")
    items = tuple(value)
    if not all(isinstance(e, RequestEvent) for e in items):
        raise InvalidType("events must be RequestEvent values")
    return items


@attrs.frozen
class SubjectRequest:
    """A data-subject request (Arts 15-22) and its lifecycle, as an immutable value.

    ``received`` is the moment of receipt; ``zone`` is the controller's time zone (the
    register's ``controller.time_zone``): day 0 of every period is the local date of receipt
    there (Reg. 1182/71 Art. 3(1), second subparagraph), and ``received`` is kept converted to
    it.  Without ``zone`` the zone of ``received`` is the controller's.  ``reading`` is how the
    two further months of an extension are counted (default: the earlier reading, see
    :class:`~gdprkit.law.periods.ExtensionReading`).  ``channel`` is how it came
    in (``"email"``, ``"web_form"``, ``"letter"``, ...); Art. 12(3) asks for an electronic
    answer to an electronic request where possible.  ``subject_id`` is personal and not in the
    repr.  Build one on receipt, then call the step methods; each returns a new request.

    Raises:
        InvalidInput: an empty id or channel, an unknown right.
        NaiveDatetimeError: ``received`` is naive.
        InvalidTransition: ``events`` that the lifecycle would not allow (checked on load too).

    Example:
        >>> import datetime as dt
        >>> utc = dt.timezone.utc
        >>> r = SubjectRequest("r-2", "erasure", received=dt.datetime(2025, 2, 15, tzinfo=utc),
        ...                    channel="web_form")
        >>> r.deadline()  # Sat 15 Mar 2025 rolls to Monday (Art. 3(4))
        datetime.date(2025, 3, 17)
        >>> r.extend(dt.datetime(2025, 3, 1, tzinfo=utc), reason="many systems").deadline()
        datetime.date(2025, 5, 15)
        >>> from zoneinfo import ZoneInfo  # stored in UTC, received in the Azores on 28 Feb
        >>> SubjectRequest("r-3", "access", received=dt.datetime(2025, 3, 1, 0, 30, tzinfo=utc),
        ...                channel="email", zone=ZoneInfo("Atlantic/Azores")).deadline()
        datetime.date(2025, 3, 28)
    """

    id: str = attrs.field(validator=_text)
    right: Right = attrs.field(converter=_right)
    received: dt.datetime = attrs.field(converter=_aware)
    channel: str = attrs.field(validator=_text)
    subject_id: str | None = attrs.field(default=None, validator=_optional_text, repr=False)
    events: tuple[RequestEvent, ...] = attrs.field(default=(), converter=_events)
    zone: dt.tzinfo | None = attrs.field(default=None, converter=ensure_zone, kw_only=True)
    reading: ExtensionReading = attrs.field(
        default=ExtensionReading.EARLIER, converter=_reading, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        if self.zone is not None:
            # The same instant, on the controller's clock: every local day below is its day.
            object.__setattr__(self, "received", self.received.astimezone(self.zone))
        _replay(self)

    # --- state --------------------------------------------------------------------------

    @property
    def state(self) -> RequestState:
        """The current state, from the events."""
        state = RequestState.OPEN
        for event in self.events:
            state = _NEXT_STATE.get(event.kind, state)
        return state

    @property
    def extended(self) -> bool:
        """Whether the deadline was extended (Art. 12(3))."""
        return any(e.kind is RequestEventKind.EXTENDED for e in self.events)

    @property
    def closed_at(self) -> dt.datetime | None:
        """When the request was fulfilled or refused, if it was."""
        for event in self.events:
            if event.kind in (RequestEventKind.FULFILLED, RequestEventKind.REFUSED):
                return event.at
        return None

    def _day(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.received.tzinfo).date()

    def paused_days(self, now: dt.datetime | None = None) -> int:
        """Days the clock stood still while a requested identity check was outstanding.

        Each pause runs from the local day the controller asked to the local day the
        information arrived (an outstanding request counts up to ``now``).

        Raises:
            NaiveDatetimeError: ``now`` is naive.
        """
        total = 0
        started: dt.date | None = None
        for event in self.events:
            if event.kind is RequestEventKind.IDENTITY_REQUESTED:
                started = self._day(event.at)
            elif event.kind is RequestEventKind.IDENTITY_RECEIVED and started is not None:
                total += (self._day(event.at) - started).days
                started = None
        if started is not None:
            moment = utc_now() if now is None else ensure_aware(now, "now")
            total += max(0, (self._day(moment) - started).days)
        return total

    # --- deadlines ----------------------------------------------------------------------

    def _deadline(
        self, extended: bool, holidays: HolidayCalendar | None, now: dt.datetime | None
    ) -> dt.date:
        day0 = self.received.date()
        end = (
            extended_end(day0, reading=self.reading)
            if extended
            else add_months(day0, RESPONSE_MONTHS)
        )
        raw = end + dt.timedelta(days=self.paused_days(now))
        # Reg. 1182/71 Art. 3(4): a period ending on a Saturday, Sunday or public holiday ends
        # on the following working day.
        return raw if is_working_day(raw, holidays) else next_working_day(raw, holidays)

    def first_deadline(
        self, *, holidays: HolidayCalendar | None = None, now: dt.datetime | None = None
    ) -> dt.date:
        """The one-month deadline (Art. 12(3)), plus any paused days, rolled to a working day.

        This is also the reply-by date for telling the data subject of an extension, with
        reasons (Art. 12(3): "within one month of receipt"), and for a refusal notice
        (Art. 12(4): "at the latest within one month of receipt").
        While an identity check is outstanding it is projected as of ``now``.

        Raises:
            InvalidType: ``holidays`` is not a calendar.
            NaiveDatetimeError: ``now`` is naive.
        """
        return self._deadline(False, holidays, now)

    def extension_notice_deadline(
        self, *, holidays: HolidayCalendar | None = None, now: dt.datetime | None = None
    ) -> dt.date:
        """The last day to tell the data subject of an extension and why (Art. 12(3)).

        Raises:
            InvalidType: ``holidays`` is not a calendar.
            NaiveDatetimeError: ``now`` is naive.

        Example:
            >>> import datetime as dt
            >>> r = SubjectRequest("r", "access", received=dt.datetime(2024, 3, 5,
            ...                    tzinfo=dt.timezone.utc), channel="email")
            >>> r.extension_notice_deadline()
            datetime.date(2024, 4, 5)
        """
        return self.first_deadline(holidays=holidays, now=now)

    def deadline(
        self, *, holidays: HolidayCalendar | None = None, now: dt.datetime | None = None
    ) -> dt.date:
        """The last day to answer: one month, or two further months once extended (Art. 12(3)).

        The extended deadline follows :attr:`reading` (default: the earlier of receipt + 3
        months and end of the first month + 2 months, each clamped), then is rolled; paused
        days are added before rolling.  The answer is in time if sent by the end of that day in
        the controller's zone.

        Raises:
            InvalidType: ``holidays`` is not a calendar.
            NaiveDatetimeError: ``now`` is naive.
        """
        return self._deadline(self.extended, holidays, now)

    def is_overdue(self, now: dt.datetime, *, holidays: HolidayCalendar | None = None) -> bool:
        """Whether the request is still open after the end of its deadline day.

        A request awaiting a requested identity check is never overdue: its clock is paused.

        Raises:
            NaiveDatetimeError: ``now`` is naive.
        """
        now = ensure_aware(now, "now")
        if self.state is not RequestState.OPEN:
            return False
        last = self.deadline(holidays=holidays, now=now)
        return now > end_of_day(last, self.received.tzinfo or dt.timezone.utc)

    def answered_in_time(self, *, holidays: HolidayCalendar | None = None) -> bool | None:
        """Whether the answer (fulfilment or refusal) came by the deadline; ``None`` if open."""
        closed = self.closed_at
        if closed is None:
            return None
        last = self.deadline(holidays=holidays, now=closed)
        return closed <= end_of_day(last, self.received.tzinfo or dt.timezone.utc)

    # --- steps --------------------------------------------------------------------------

    def _with(self, event: RequestEvent) -> SubjectRequest:
        return attrs.evolve(self, events=(*self.events, event))

    def request_identity(self, at: dt.datetime, *, reason: str | None = None) -> SubjectRequest:
        """Ask for additional information to confirm identity (Art. 12(6)); pauses the clock.

        Raises:
            InvalidTransition: the request is closed or already awaiting identity, or ``at`` is
                before the last step.
        """
        return self._with(RequestEvent(RequestEventKind.IDENTITY_REQUESTED, at, reason=reason))

    def identity_received(self, at: dt.datetime) -> SubjectRequest:
        """Record that the requested information arrived; the clock runs again.

        Raises:
            InvalidTransition: no identity check is outstanding, or ``at`` is out of order.
        """
        return self._with(RequestEvent(RequestEventKind.IDENTITY_RECEIVED, at))

    def extend(
        self, at: dt.datetime, *, reason: str, holidays: HolidayCalendar | None = None
    ) -> SubjectRequest:
        """Extend by two further months (Art. 12(3)), with the reason told to the data subject.

        Allowed once, while the request is open and no later than the one-month deadline
        (:meth:`first_deadline`, which is also the last day to send the extension notice).

        Raises:
            InvalidInput: ``reason`` is empty.
            InvalidTransition: the request is closed, already extended, or the first deadline
                has passed.
        """
        extended = self._with(RequestEvent(RequestEventKind.EXTENDED, at, reason=reason))
        first = self.first_deadline(holidays=holidays, now=at)
        if self._day(ensure_aware(at, "at")) > first:
            raise InvalidTransition(
                "extend: an extension must be decided and notified within one month of receipt "
                f"(Art. 12(3)); the first deadline was {first.isoformat()}"
            )
        return extended

    def charge_fee(
        self, at: dt.datetime, *, amount: object, currency: str, reason: str
    ) -> SubjectRequest:
        """Charge a reasonable fee for a manifestly unfounded or excessive request (Art. 12(5)(a)).

        Warn the data subject first so they can withdraw the request (EDPB Guidelines 01/2022
        para. 192, https://www.edpb.europa.eu/our-work-tools/our-documents/guidelines/guidelines-012022-data-subject-rights-right-access_en).

        Raises:
            InvalidInput: a non-positive amount, an empty currency or reason.
            InvalidTransition: the request is closed, or ``at`` is out of order.
        """
        return self._with(
            RequestEvent(
                RequestEventKind.FEE_CHARGED, at, reason=reason, amount=amount, currency=currency
            )
        )

    def fulfil(self, at: dt.datetime) -> SubjectRequest:
        """Record that the request was answered in full.

        Raises:
            InvalidTransition: the request is closed, or an identity check is outstanding.
        """
        return self._with(RequestEvent(RequestEventKind.FULFILLED, at))

    def refuse(
        self, at: dt.datetime, *, ground: RefusalGround | str, reason: str
    ) -> SubjectRequest:
        """Refuse to act, with the ground and the reasons told to the data subject.

        Art. 12(5)(b) for manifestly unfounded or excessive requests (the controller bears the
        burden of proof); Art. 12(2) when the subject cannot be identified.  The notice must
        also name the right to complain and to a judicial remedy (Art. 12(4)).

        Raises:
            InvalidInput: an empty reason or unknown ground.
            InvalidTransition: the request is already closed.
        """
        return self._with(RequestEvent(RequestEventKind.REFUSED, at, reason=reason, ground=ground))

    # --- serialisation ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (``version`` 1), subject id included: store it as personal data."""
        return {
            "version": _VERSION,
            "id": self.id,
            "right": self.right.value,
            "received": self.received.isoformat(),
            # The zone name keeps local-day arithmetic identical after a round trip (an offset
            # alone would put events after a DST change on the wrong local day).
            "zone": getattr(self.received.tzinfo, "key", None),
            "channel": self.channel,
            "subject_id": self.subject_id,
            "events": [e.to_dict() for e in self.events],
            **({} if self.zone is None else {"controller_zone": zone_name(self.zone)}),
            **({} if self.reading is ExtensionReading.EARLIER else {"reading": self.reading.value}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubjectRequest:
        """Inverse of :meth:`to_dict`; the events are replayed, so a forged history fails.

        The order of steps, the states they are taken in, a single extension and the reasons
        the law asks for are checked; whether an extension came before the first deadline
        depends on the holiday calendar and is checked by :meth:`extend` when it is taken.

        Raises:
            InvalidInput: an unknown version, a missing key or malformed fields.
            InvalidType: ``data`` or its ``events`` has the wrong type.
            InvalidTransition: the events break the lifecycle.
        """
        if not isinstance(data, Mapping):
            raise InvalidType(f"a subject request must be a mapping, got {type(data).__name__}")
        if data.get("version") != _VERSION:
            raise InvalidInput(f"unsupported subject request version (expected {_VERSION})")
        missing = [key for key in ("id", "right", "received", "channel") if key not in data]
        if missing:
            raise InvalidInput(f"subject request: missing required key(s) {', '.join(missing)}")
        received = parse_aware(data["received"], "received")
        zone = data.get("zone")
        if zone is not None:
            received = attach_zone(received, zone, "received")
        events = data.get("events", [])
        if not isinstance(events, (list, tuple)):
            raise InvalidType("subject request: events must be a list")
        return cls(
            id=data["id"],
            right=data["right"],
            received=received,
            channel=data["channel"],
            subject_id=data.get("subject_id"),
            events=[RequestEvent.from_dict(e) for e in events],
            zone=ensure_zone(data.get("controller_zone"), "controller_zone"),
            reading=data.get("reading", ExtensionReading.EARLIER),
        )


_NEXT_STATE = {
    RequestEventKind.IDENTITY_REQUESTED: RequestState.AWAITING_IDENTITY,
    RequestEventKind.IDENTITY_RECEIVED: RequestState.OPEN,
    RequestEventKind.FULFILLED: RequestState.FULFILLED,
    RequestEventKind.REFUSED: RequestState.REFUSED,
}

# Which steps each state allows.
_ALLOWED = {
    RequestState.OPEN: {
        RequestEventKind.IDENTITY_REQUESTED,
        RequestEventKind.EXTENDED,
        RequestEventKind.FEE_CHARGED,
        RequestEventKind.FULFILLED,
        RequestEventKind.REFUSED,
    },
    RequestState.AWAITING_IDENTITY: {
        RequestEventKind.IDENTITY_RECEIVED,
        RequestEventKind.EXTENDED,
        RequestEventKind.FEE_CHARGED,
        RequestEventKind.REFUSED,
    },
    RequestState.FULFILLED: set(),
    RequestState.REFUSED: set(),
}


def _replay(request: SubjectRequest) -> None:
    """Check the events against the lifecycle; raise InvalidTransition on the first bad one."""
    state = RequestState.OPEN
    last = request.received
    extended = False
    for event in request.events:
        if event.at < last:
            raise InvalidTransition(
                f"{event.kind.value}: steps must be in time order (at is before the last step "
                "or the receipt)"
            )
        if event.kind not in _ALLOWED[state]:
            raise InvalidTransition(f"{event.kind.value}: not allowed while {state.value}")
        if event.kind is RequestEventKind.EXTENDED:
            if extended:
                raise InvalidTransition(
                    "extended: a request can be extended once, by at most two further months "
                    "(Art. 12(3))"
                )
            if event.reason is None:
                raise InvalidInput("reason is required for an extension (Art. 12(3))")
            extended = True
        if event.kind is RequestEventKind.REFUSED and (event.ground is None or not event.reason):
            raise InvalidInput("a refusal needs a ground and a reason (Art. 12(4))")
        if event.kind is RequestEventKind.FEE_CHARGED and (
            event.amount is None or event.currency is None or event.reason is None
        ):
            raise InvalidInput("a fee needs an amount, a currency and a reason (Art. 12(5))")
        state = _NEXT_STATE.get(event.kind, state)
        last = event.at


def overdue(
    requests: Iterable[SubjectRequest],
    now: dt.datetime | None = None,
    *,
    holidays: HolidayCalendar | None = None,
) -> list[SubjectRequest]:
    """The open requests whose deadline day has ended by ``now``, oldest deadline first.

    Requests awaiting a requested identity check are left out: their clock is paused.

    Raises:
        NaiveDatetimeError: ``now`` is naive.

    Example:
        >>> import datetime as dt
        >>> utc = dt.timezone.utc
        >>> old = SubjectRequest("a", "access", received=dt.datetime(2025, 1, 6, tzinfo=utc),
        ...                      channel="email")
        >>> new = SubjectRequest("b", "access", received=dt.datetime(2025, 2, 20, tzinfo=utc),
        ...                      channel="email")
        >>> [r.id for r in overdue([old, new], dt.datetime(2025, 2, 7, tzinfo=utc))]
        ['a']
    """
    now = utc_now() if now is None else ensure_aware(now, "now")
    late = [r for r in requests if r.is_overdue(now, holidays=holidays)]
    late.sort(key=lambda r: r.deadline(holidays=holidays, now=now))
    return late
