"""Legal holds and erasure blockers: what keeps a record past its retention period."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import Any

import attrs

from gdprkit._dicts import attrs_kwargs
from gdprkit._time import ensure_aware, ensure_zone
from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.law import LegalBasis
from gdprkit.register import Duration, Purpose, Register
from gdprkit.retention._rules import _choice
from gdprkit.retention._zoned import format_zoned, parse_zoned

__all__ = ["BlockerKind", "ErasureBlocker", "HoldScope", "LegalHold"]


class HoldScope(str, enum.Enum):
    """What a hold covers: one subject's records, a purpose, one record, or everything."""

    SUBJECT = "subject"
    PURPOSE = "purpose"
    RECORD = "record"
    GLOBAL = "global"


def _nonempty(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInput(f"{attribute.name} must not be empty")


def _optional_text(
    _instance: object, attribute: attrs.Attribute[str | None], value: object
) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a string or None")


def _optional_aware(value: object) -> dt.datetime | None:
    return None if value is None else parse_zoned(value, "hold time")


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else format_zoned(moment)


def _scope(value: object) -> HoldScope:
    return _choice(HoldScope, value, "scope")


@attrs.frozen
class LegalHold:
    """A reason to keep data regardless of retention (litigation, an audit, an Art. 17(3) ground).

    A hold always wins over deletion and anonymisation: while it is in force
    (``since <= now < until``; open-ended without ``until``) no record it covers is due.
    ``target`` is the subject id, purpose id or record id the hold covers (``None`` for a
    global hold); it is left out of the repr, as subject ids are personal data.  ``purpose``
    narrows a subject (or global) hold to one purpose's records.  ``ground`` is the Art. 17(3)
    GDPR exception the hold rests on, if any.

    Raises:
        InvalidInput: an empty reason, a target missing (or given for a global hold), or
            ``until`` not after ``since``.
        NaiveDatetimeError: ``since`` or ``until`` is naive.

    Example:
        >>> import datetime as dt
        >>> hold = LegalHold(reason="Tax audit 2025", scope="purpose", target="bookkeeping",
        ...                  until=dt.datetime(2026, 6, 30, tzinfo=dt.timezone.utc))
        >>> hold.in_force(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
        True
    """

    reason: str = attrs.field(validator=_nonempty)
    scope: HoldScope = attrs.field(default=HoldScope.GLOBAL, converter=_scope)
    target: str | None = attrs.field(default=None, validator=_optional_text, repr=False)
    until: dt.datetime | None = attrs.field(default=None, converter=_optional_aware)
    since: dt.datetime | None = attrs.field(default=None, converter=_optional_aware)
    ground: str | None = attrs.field(default=None, validator=_optional_text)
    purpose: str | None = attrs.field(default=None, validator=_optional_text)

    def __attrs_post_init__(self) -> None:
        if (self.scope is HoldScope.GLOBAL) != (self.target is None):
            raise InvalidInput("target is required for subject/purpose/record holds, not global")
        if self.until is not None and self.since is not None and self.until <= self.since:
            raise InvalidInput("until must be after since")

    def in_force(self, at: dt.datetime) -> bool:
        """Whether the hold is in force at ``at`` (``since <= at < until``).

        Raises:
            NaiveDatetimeError: ``at`` is naive.
        """
        ensure_aware(at, "at")
        return (self.since is None or self.since <= at) and (self.until is None or at < self.until)

    def describe(self) -> str:
        """Words for the explanation chain; names the scope, never the subject id."""
        until = "until further notice" if self.until is None else f"until {self.until.isoformat()}"
        ground = f" ({self.ground})" if self.ground else ""
        return f"held by {self.scope.value} hold {self.reason!r}{ground} {until}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (``version`` 1)."""
        return {
            "version": 1,
            "reason": self.reason,
            "scope": self.scope.value,
            "target": self.target,
            "until": _iso(self.until),
            "since": _iso(self.since),
            "ground": self.ground,
            "purpose": self.purpose,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LegalHold:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: an unknown version or key, or an invalid value.
        """
        data = dict(data)
        if data.pop("version", 1) != 1:
            raise InvalidInput("unsupported legal hold version (expected 1)")
        data = attrs_kwargs(cls, data, "legal hold")  # unknown keys counted, never repeated
        return cls(**data)


class BlockerKind(str, enum.Enum):
    """Facts about a customer that block erasure, as a shop's policy lists them.

    The list follows the policy quoted in issue 6 (a retailer's privacy notice).  How long a
    dated fact blocks erasure is that shop's policy, not a number of law; the defaults below can
    be changed per blocker.  Each kind names the ground it rests on: Art. 17(3)(b) for a legal
    duty, Art. 17(3)(e) for legal claims, or Art. 17(1)(a) not applying while the data are still
    necessary for the contract or the open matter.  :meth:`ErasureBlocker.concerns` says which
    purposes' data that ground can keep.
    """

    OPEN_ORDER = "open_order"
    OPEN_CASE = "open_case"
    UNSETTLED_DEBT = "unsettled_debt"
    MISUSE_SUSPECTED = "misuse_suspected"
    DEBT_SOLD = "debt_sold"
    CREDIT_REJECTED = "credit_rejected"
    BOOKKEEPING = "bookkeeping"

    @property
    def ground(self) -> str:
        """The GDPR provision that lets the shop keep the data while the blocker stands."""
        return _GROUNDS[self]


_GROUNDS = {
    BlockerKind.OPEN_ORDER: "still necessary for the contract: Art. 17(1)(a) does not apply",
    BlockerKind.OPEN_CASE: "still necessary for the open case: Art. 17(1)(a) does not apply",
    BlockerKind.UNSETTLED_DEBT: "Art. 17(3)(e)",
    BlockerKind.MISUSE_SUSPECTED: "Art. 17(3)(e)",
    BlockerKind.DEBT_SOLD: "Art. 17(3)(e)",
    BlockerKind.CREDIT_REJECTED: "Art. 17(3)(e)",
    BlockerKind.BOOKKEEPING: "Art. 17(3)(b)",
}

# How long a dated fact blocks erasure in the quoted policy (issue 6): shop policy, overridable.
_DEFAULT_FOR = {
    BlockerKind.MISUSE_SUSPECTED: Duration(4, "years"),
    BlockerKind.DEBT_SOLD: Duration(3, "years"),
    BlockerKind.CREDIT_REJECTED: Duration(3, "months"),
}
_DECEASED_DEBT_SOLD = Duration(1, "years")
_DATED = frozenset(_DEFAULT_FOR)
_MIDNIGHT = dt.time(0)
_ONE_DAY = dt.timedelta(days=1)

# The bases whose processing a blocker's ground can keep, when the blocker names no purpose.
# "Necessary for the contract" keeps contract processing only; Art. 17(3)(b) only processing for
# a legal obligation.  The legal-claims ground (Art. 17(3)(e)) and an open matter keep any
# purpose but those excluded below for every kind.  Absent: every basis.
_CONCERNED_BASES = {
    BlockerKind.OPEN_ORDER: frozenset({LegalBasis.CONTRACT}),
    BlockerKind.BOOKKEEPING: frozenset({LegalBasis.LEGAL_OBLIGATION}),
}


def _bool(_instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidType(f"{attribute.name} must be a bool, got {type(value).__name__}")


def _kind(value: object) -> BlockerKind:
    return _choice(BlockerKind, value, "kind")


def _optional_duration(value: object) -> Duration | None:
    return None if value is None else Duration.parse(value)


@attrs.frozen
class ErasureBlocker:
    """A fact the host application supplies that blocks erasure of a subject's data.

    Open-ended blockers (an open order, an open case, an unsettled debt) last until the host
    stops supplying them, or until ``until``.  Dated blockers count from ``at``: suspected
    misuse 4 years, a debt sold 3 years (1 year when the customer has died,
    ``deceased=True``), a rejected credit application 3 months, unless ``lasts`` says otherwise.
    A dated period is counted like the retention rules (Reg. 1182/71 Art. 3(1) and 3(2)(c)):
    the day of ``at`` is not counted, and the period ends "with the expiry of the last hour" of
    its last day, in the controller's zone: misuse suspected at 10:00 on 2 May 2023 blocks
    until the end of 2 May 2027.  A book-keeping blocker needs ``until`` (usually a statutory
    rule's due date).  ``purpose`` narrows the blocker to one purpose's records; without it the
    blocker keeps only the purposes :meth:`concerns` names (never consent or direct-marketing
    processing, Art. 17(1)(b), 21(3)); a schedule built with a register applies that.

    :meth:`hold` turns the blocker into a :class:`LegalHold`, which is what schedules and
    :func:`erasure_plan` use.

    Raises:
        InvalidInput: a dated kind without ``at``, a book-keeping blocker without ``until``.
        NaiveDatetimeError: ``at`` or ``until`` is naive.

    Example:
        >>> import datetime as dt
        >>> b = ErasureBlocker("misuse_suspected", subject="c-17",
        ...                    at=dt.datetime(2023, 5, 2, tzinfo=dt.timezone.utc))
        >>> hold = b.hold()
        >>> hold.until.isoformat(), hold.ground  # the whole of 2 May 2027 is blocked
        ('2027-05-03T00:00:00+00:00', 'Art. 17(3)(e)')
    """

    kind: BlockerKind = attrs.field(converter=_kind)
    subject: str = attrs.field(validator=_nonempty, repr=False)
    at: dt.datetime | None = attrs.field(default=None, converter=_optional_aware)
    until: dt.datetime | None = attrs.field(default=None, converter=_optional_aware)
    lasts: Duration | None = attrs.field(default=None, converter=_optional_duration)
    deceased: bool = attrs.field(default=False, validator=_bool)
    purpose: str | None = attrs.field(default=None, validator=_optional_text)
    note: str | None = attrs.field(default=None, validator=_optional_text)

    def __attrs_post_init__(self) -> None:
        if self.kind in _DATED and self.at is None and self.until is None:
            raise InvalidInput(f"blocker {self.kind.value!r} needs 'at' (the date of the fact)")
        if self.kind is BlockerKind.BOOKKEEPING and self.until is None:
            raise InvalidInput(
                "blocker 'bookkeeping' needs 'until' (the end of the statutory period)"
            )

    def end(self, *, zone: dt.tzinfo | None = None) -> dt.datetime | None:
        """When the blocker stops blocking (``None``: while the host app still reports it).

        For a dated blocker: midnight after the period's last day in ``zone`` (the controller's;
        ``None``: the zone of ``at``), Reg. 1182/71 Art. 3(2)(c).

        Raises:
            InvalidType: ``zone`` is not a tzinfo.
            InvalidInput: the end would fall after the year 9999.
        """
        if self.until is not None:
            return self.until
        if self.kind in _DATED and self.at is not None:
            lasts: Duration | None = self.lasts
            if lasts is None:
                deceased = self.kind is BlockerKind.DEBT_SOLD and self.deceased
                lasts = _DECEASED_DEBT_SOLD if deceased else _DEFAULT_FOR[self.kind]
            tz = ensure_zone(zone) or self.at.tzinfo
            day0 = self.at.astimezone(tz).date()
            try:
                # Day 0 is not counted (Art. 3(1)); the last day is the same date (3(2)(c)).
                return dt.datetime.combine(lasts.after(day0) + _ONE_DAY, _MIDNIGHT, tzinfo=tz)
            except (OverflowError, ValueError):
                raise InvalidInput("blocker: its end would fall after the year 9999") from None
        return None

    def concerns(self, purpose: Purpose) -> bool:
        """Whether this blocker keeps the data of ``purpose`` (a register purpose).

        A blocker narrowed to a purpose concerns that purpose only.  Otherwise it never keeps
        data processed on consent (Art. 17(1)(b): erased once consent is withdrawn) or for
        direct marketing (Art. 21(3): "no longer be processed for such purposes"); an open
        order keeps only contract processing (its ground: still necessary for the contract) and
        a book-keeping blocker only processing for a legal obligation (Art. 17(3)(b)).

        Example:
            >>> import datetime as dt
            >>> from gdprkit.register import Purpose
            >>> news = Purpose(id="newsletter", description="News", basis="consent",
            ...                withdrawal="link")
            >>> ErasureBlocker("open_case", subject="c-1").concerns(news)
            False
        """
        if self.purpose is not None:
            return purpose.id == self.purpose
        consent = purpose.is_consent_based or any(
            op.basis is LegalBasis.CONSENT for op in purpose.operations
        )
        marketing = purpose.direct_marketing or any(
            op.direct_marketing for op in purpose.operations
        )
        if consent or marketing:
            return False
        bases = _CONCERNED_BASES.get(self.kind)
        return bases is None or purpose.basis in bases

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (``version`` 1); includes the subject id: store it as such."""
        return {
            "version": 1,
            "kind": self.kind.value,
            "subject": self.subject,
            "at": _iso(self.at),
            "until": _iso(self.until),
            "lasts": None if self.lasts is None else str(self.lasts),
            "deceased": self.deceased,
            "purpose": self.purpose,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErasureBlocker:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: an unknown version or key, or an invalid value.
        """
        data = dict(data)
        if data.pop("version", 1) != 1:
            raise InvalidInput("unsupported erasure blocker version (expected 1)")
        data = attrs_kwargs(cls, data, "erasure blocker")  # unknown keys counted, never repeated
        return cls(**data)

    def hold(self, *, zone: dt.tzinfo | None = None) -> LegalHold:
        """This blocker as a subject hold (narrowed to ``purpose`` when one is given).

        ``zone`` is the controller's time zone, for the end of a dated blocker (:meth:`end`).
        The hold covers every purpose unless ``purpose`` is set: use :func:`blocker_holds`
        with the register to keep only the purposes the blocker :meth:`concerns`.
        """
        reason = self.kind.value.replace("_", " ")
        if self.note:
            reason = f"{reason}: {self.note}"
        return LegalHold(
            reason=reason,
            scope=HoldScope.SUBJECT,
            target=self.subject,
            until=self.end(zone=zone),
            since=self.at,
            ground=self.kind.ground,
            purpose=self.purpose,
        )


def blocker_holds(
    items: Iterable[LegalHold | ErasureBlocker],
    register: Register | None,
    *,
    zone: dt.tzinfo | None = None,
) -> tuple[LegalHold, ...]:
    """The holds ``items`` amount to: each blocker as holds on the purposes it concerns.

    A :class:`LegalHold` passes unchanged.  A blocker narrowed to a purpose becomes one hold;
    a subject-wide blocker one hold per register purpose it keeps: the purposes the register
    declares for that kind of blocker (``[[blockers]]``; their period is the default span of a
    dated blocker without ``lasts``), else those it :meth:`~ErasureBlocker.concerns` (none at
    all when it concerns none).  Without a register the purposes are unknown and a
    subject-wide blocker stays subject-wide.

    Raises:
        InvalidType: an item is neither a hold nor a blocker.
    """
    if isinstance(items, (LegalHold, ErasureBlocker)) or not isinstance(items, Iterable):
        raise InvalidType("holds must be an iterable of LegalHold or ErasureBlocker values")
    policy = {}
    if register is not None:
        from gdprkit.retention._declared import (  # noqa: PLC0415 - an import cycle
            deceased_period,
            declared_policy,
        )

        policy = declared_policy(register)
    result: list[LegalHold] = []
    for item in items:
        if isinstance(item, LegalHold):
            result.append(item)
        elif isinstance(item, ErasureBlocker):
            declared = policy.get(item.kind)
            if declared is not None and item.lasts is None and item.kind in _DATED:
                span = declared[1]
                if item.deceased and register is not None:
                    span = deceased_period(register, item.kind) or (
                        None if item.kind is BlockerKind.DEBT_SOLD else span
                    )
                if span is not None:
                    item = attrs.evolve(item, lasts=span)  # noqa: PLW2901 - the register's span
            hold = item.hold(zone=zone)
            if item.purpose is not None or register is None:
                result.append(hold)
            elif declared is not None:
                result.extend(
                    attrs.evolve(hold, purpose=p.id) for p in register if p.id in declared[0]
                )
            else:
                result.extend(
                    attrs.evolve(hold, purpose=p.id) for p in register if item.concerns(p)
                )
        else:
            raise InvalidType("holds must be LegalHold or ErasureBlocker values")
    return tuple(result)
