"""Erasure blockers the register declares, as the schedule applies them to each record.

A register :class:`~gdprkit.register.Blocker` is policy: *which* purposes' data a kind of fact
keeps, and for how long.  Two of its forms can be dated from the record itself and become a
:class:`DeclaredBlocker` per purpose: a ``period`` counted from the record's ``since`` event
("suspected misuse within four years"), and a ``statutory`` reference, whose end is the
statutory rule's due date from the record's document event (a book-keeping blocker takes its
end from the statute).  The others (``while_open``, or a period without ``since``) need facts
only the host application knows: it supplies them as :class:`~gdprkit.retention.ErasureBlocker`
values, which the register then narrows to the declared purposes (:func:`declared_policy`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from gdprkit._dicts import attrs_kwargs
from gdprkit.errors import InvalidInput, InvalidType, NotFound
from gdprkit.register import Blocker, BlockerReason, Duration, Register
from gdprkit.retention._holds import BlockerKind, HoldScope, LegalHold
from gdprkit.retention._presets import statutory_rule
from gdprkit.retention._rules import RetentionRule

__all__ = ["DeclaredBlocker", "deceased_period", "declared_blockers", "declared_policy"]

_ONE_DAY = dt.timedelta(days=1)
_MIDNIGHT = dt.time(0)

# The register's reasons and the host application's blocker kinds name the same facts.
KIND_OF: Mapping[BlockerReason, BlockerKind] = {
    BlockerReason.ONGOING_MATTER: BlockerKind.OPEN_CASE,
    BlockerReason.OPEN_ORDER: BlockerKind.OPEN_ORDER,
    BlockerReason.UNSETTLED_DEBT: BlockerKind.UNSETTLED_DEBT,
    BlockerReason.SUSPECTED_MISUSE: BlockerKind.MISUSE_SUSPECTED,
    BlockerReason.DEBT_SOLD: BlockerKind.DEBT_SOLD,
    BlockerReason.CREDIT_REJECTED: BlockerKind.CREDIT_REJECTED,
    BlockerReason.BOOKKEEPING: BlockerKind.BOOKKEEPING,
}

# Art. 17(3)(e) GDPR: legal claims; Art. 17(3)(b): a legal obligation.
_GROUND_OF = {BlockerReason.LEGAL_CLAIMS: "Art. 17(3)(e)"}


def _ground(blocker: Blocker) -> str:
    kind = KIND_OF.get(blocker.kind)
    if kind is not None:
        return kind.ground
    return _GROUND_OF.get(blocker.kind) or blocker.citation or "Art. 17(3)"


def _duration_or_none(value: object) -> Duration | None:
    return None if value is None else Duration.parse(value)


def _rules(value: Iterable[RetentionRule]) -> tuple[RetentionRule, ...]:
    return tuple(value)


@attrs.frozen
class DeclaredBlocker:
    """A register blocker applied to one purpose: keeps a record from its ``event`` on.

    Either ``period`` (counted like a retention period from the event, Reg. 1182/71 Art. 3(1),
    3(2)(c)) or ``rules`` (statutory rules, one per country the reference resolves in; the
    longest binds, as the customer's country is not known per record) plus ``after`` (a
    composite period: "5 years after the limitation period ends").  A statutory reference
    whose rows state no number of years keeps the record open-ended (``rules`` empty,
    ``period`` ``None``): a person decides.

    Example:
        >>> import datetime as dt
        >>> d = DeclaredBlocker("fraud_prevention", "misuse_suspected", "misuse",
        ...                     "Art. 17(3)(e)", period=Duration(4, "years"))
        >>> at = dt.datetime(2023, 5, 2, 10, tzinfo=dt.timezone.utc)
        >>> d.end(at).isoformat()
        '2027-05-03T00:00:00+00:00'
    """

    purpose: str
    event: str
    reason: str
    ground: str
    period: Duration | None = attrs.field(default=None, converter=_duration_or_none)
    rules: tuple[RetentionRule, ...] = attrs.field(default=(), converter=_rules)
    after: Duration | None = attrs.field(default=None, converter=_duration_or_none)

    def end(self, at: dt.datetime, *, zone: dt.tzinfo | None = None) -> dt.datetime | None:
        """When the record is released, for the event at ``at`` (``None``: open-ended).

        Raises:
            InvalidInput: the end would fall after the year 9999.
        """
        tz = zone or at.tzinfo
        local = at.astimezone(tz)
        try:
            if self.period is not None:
                last = self.period.after(local.date())
            elif self.rules:
                due = max(rule.due(local) for rule in self.rules)
                last = due.astimezone(tz).date() - _ONE_DAY
                if self.after is not None:
                    last = self.after.after(last)
            else:
                return None
            return dt.datetime.combine(last + _ONE_DAY, _MIDNIGHT, tzinfo=tz)
        except (OverflowError, ValueError):
            raise InvalidInput(f"blocker {self.reason!r}: its end is after the year 9999") from None

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (``version`` 1): the statutory rules by their own ``to_dict``.

        Example:
            >>> d = DeclaredBlocker("orders", "document_date", "bookkeeping", "Art. 17(3)(b)",
            ...                     rules=[RetentionRule("document_date", "10 years")])
            >>> DeclaredBlocker.from_dict(d.to_dict()) == d
            True
        """
        return {
            "version": 1,
            "purpose": self.purpose,
            "event": self.event,
            "reason": self.reason,
            "ground": self.ground,
            "period": None if self.period is None else str(self.period),
            "rules": [rule.to_dict() for rule in self.rules],
            "after": None if self.after is None else str(self.after),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeclaredBlocker:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: an unknown version or key, or an invalid value.
            InvalidType: ``data`` or its ``rules`` of the wrong type.
        """
        if not isinstance(data, Mapping):
            raise InvalidType(f"declared blocker must be a mapping, got {type(data).__name__}")
        fields = dict(data)
        if fields.pop("version", 1) != 1:
            raise InvalidInput("unsupported declared blocker version (expected 1)")
        rules = fields.get("rules", ())
        if isinstance(rules, (str, Mapping)) or not isinstance(rules, Iterable):
            raise InvalidType("declared blocker rules must be a list of retention rules")
        fields["rules"] = tuple(RetentionRule.from_dict(rule) for rule in rules)
        for name in ("purpose", "event", "reason", "ground"):
            if not isinstance(fields.get(name), str):
                raise InvalidType(f"declared blocker {name}: expected a str")
        return cls(**attrs_kwargs(cls, fields, "declared blocker"))

    def hold(self, record_id: str, at: dt.datetime, *, zone: dt.tzinfo | None = None) -> LegalHold:
        """This blocker as a record hold from ``at`` to :meth:`end`."""
        return LegalHold(
            reason=self.reason,
            scope=HoldScope.RECORD,
            target=record_id,
            until=self.end(at, zone=zone),
            since=at,
            ground=self.ground,
            purpose=self.purpose,
        )


def _statutory_rules(
    blocker: Blocker, register: Register, trigger: str
) -> tuple[RetentionRule, ...]:
    reference = blocker.statutory
    if reference is None:
        return ()
    try:
        rows = reference.resolve(controller_country=register.controller.country)
    except NotFound:
        return ()
    rules = []
    for row in rows:
        try:
            rules.append(statutory_rule(row, trigger=trigger))
        except InvalidInput:
            continue  # the row states no number of years: open-ended, a person decides
    return tuple(rules)


def declared_blockers(register: Register) -> dict[str, tuple[DeclaredBlocker, ...]]:
    """The register's datable blockers, by the purpose whose records they keep.

    A kind the register declares with variants for some subjects (``applies_to``, e.g. one
    year for deceased customers) is not dated from records, which do not say whose they are:
    the host application supplies those facts as erasure blockers.
    """
    varied = {b.kind for b in register.blockers if b.applies_to is not None}
    result: dict[str, list[DeclaredBlocker]] = {}
    for blocker in register.blockers:
        if blocker.kind in varied and blocker.statutory is None:
            continue
        reason = f"{blocker.kind.value.replace('_', ' ')} ({blocker.id}): {blocker.description}"
        for purpose_id in blocker.purposes:
            purpose = register.purpose(purpose_id)
            # The record's document event: the purpose's (first) retention trigger.
            trigger = next(
                (r.trigger for r in purpose.all_retentions if r.trigger is not None),
                "document_date",
            )
            if blocker.statutory is not None:
                event = blocker.since or trigger
                declared = DeclaredBlocker(
                    purpose_id,
                    event,
                    reason,
                    _ground(blocker),
                    rules=_statutory_rules(blocker, register, event),
                    after=blocker.statutory.after,
                )
            elif blocker.period is not None and blocker.since is not None:
                declared = DeclaredBlocker(
                    purpose_id, blocker.since, reason, _ground(blocker), period=blocker.period
                )
            else:
                continue  # while_open, or no event to date it: the host supplies the fact
            result.setdefault(purpose_id, []).append(declared)
    return {k: tuple(v) for k, v in result.items()}


def declared_policy(
    register: Register,
) -> dict[BlockerKind, tuple[frozenset[str], Duration | None]]:
    """For each host blocker kind the register declares: the purposes it keeps, and its period.

    The period is that of the declaration without ``applies_to``; a dated blocker for a deceased
    customer (``deceased=True``) takes the declaration whose ``applies_to`` names the deceased.
    """
    policy: dict[BlockerKind, tuple[frozenset[str], Duration | None]] = {}
    for blocker in register.blockers:
        kind = KIND_OF.get(blocker.kind)
        if kind is None:
            continue
        purposes, period = policy.get(kind, (frozenset(), None))
        if blocker.applies_to is None and period is None:
            period = blocker.period
        policy[kind] = (purposes | set(blocker.purposes), period)
    return policy


def deceased_period(register: Register, kind: BlockerKind) -> Duration | None:
    """The period the register declares for ``kind`` when the customer has died, if any."""
    for blocker in register.blockers:
        applies = (blocker.applies_to or "").lower()
        if KIND_OF.get(blocker.kind) is kind and "deceased" in applies:
            return blocker.period
    return None
