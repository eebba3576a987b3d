"""Art. 17 erasure requests: what goes now, what stays (and on which ground, until when)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from gdprkit._time import ensure_aware, utc_now
from gdprkit.law import LegalBasis
from gdprkit.register import Register, RetentionAction
from gdprkit.retention._holds import ErasureBlocker, LegalHold
from gdprkit.retention._rules import RetentionRule, _choice
from gdprkit.retention._schedule import LEGAL_DUTY_GROUND, RecordInput, RetentionSchedule

__all__ = ["ErasureItem", "ErasureOutcome", "ErasurePlan", "erasure_plan"]


class ErasureOutcome(str, enum.Enum):
    """What happens to one record when its subject asks for erasure."""

    ERASE = "erase"
    KEEP = "keep"
    ANONYMISE = "anonymise"


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _outcome(value: object) -> ErasureOutcome:
    return _choice(ErasureOutcome, value, "outcome")


@attrs.frozen
class ErasureItem:
    """One record's fate under an erasure request, with the ground and end of any retention.

    ``ground`` is the provision that lets the shop keep the record (``"Art. 17(3)(b)"`` for a
    legal duty, ``"Art. 17(3)(e)"`` for legal claims, GDPR [S1]); ``until`` is when the
    record must then be erased after all (``None`` while the ground lasts indefinitely or its
    end is unknown).

    Example:
        >>> ErasureItem("inv-1", "bookkeeping", "keep", ground="Art. 17(3)(b)").outcome
        <ErasureOutcome.KEEP: 'keep'>
    """

    record_id: str
    purpose: str
    outcome: ErasureOutcome = attrs.field(converter=_outcome)
    ground: str | None = None
    until: dt.datetime | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "record_id": self.record_id,
            "purpose": self.purpose,
            "outcome": self.outcome.value,
            "ground": self.ground,
            "until": _iso(self.until),
            "reason": self.reason,
        }


@attrs.frozen
class ErasurePlan:
    """The answer to an Art. 17 request: the records to erase, keep and anonymise.

    ``recipients`` lists the recipients of the purposes whose records are erased or
    anonymised: Art. 19 asks the controller to tell each of them, unless that proves impossible
    or involves disproportionate effort.

    Example:
        >>> import datetime as dt
        >>> plan = ErasurePlan(dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc),
        ...                    (ErasureItem("n1", "newsletter", "erase"),))
        >>> [i.record_id for i in plan.erase], plan.keep
        (['n1'], ())
    """

    now: dt.datetime
    items: tuple[ErasureItem, ...]
    recipients: tuple[str, ...] = ()

    @property
    def erase(self) -> tuple[ErasureItem, ...]:
        """Records to erase now (Art. 17(1))."""
        return tuple(i for i in self.items if i.outcome is ErasureOutcome.ERASE)

    @property
    def keep(self) -> tuple[ErasureItem, ...]:
        """Records the shop keeps, each with its ground and until when."""
        return tuple(i for i in self.items if i.outcome is ErasureOutcome.KEEP)

    @property
    def anonymise(self) -> tuple[ErasureItem, ...]:
        """Records to anonymise instead of erasing (the purpose keeps only anonymous data)."""
        return tuple(i for i in self.items if i.outcome is ErasureOutcome.ANONYMISE)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (``version`` 1), for the reply to the data subject's request."""
        return {
            "version": 1,
            "now": self.now.isoformat(),
            "items": [i.to_dict() for i in self.items],
            "recipients": list(self.recipients),
        }


def erasure_plan(
    subject_records: Iterable[RecordInput],
    register: Register,
    now: dt.datetime | None = None,
    *,
    holds: Iterable[LegalHold | ErasureBlocker] = (),
    rules: Mapping[str, RetentionRule] | None = None,
    zone: dt.tzinfo | None = None,
) -> ErasurePlan:
    """Plan an erasure request (Art. 17 GDPR) over one data subject's records.

    For each record, in this order:

    1. a hold, or an erasure blocker that concerns the record's purpose, in force now keeps
       it (a hold always wins), with the hold's ground and end.  A blocker that names no
       purpose never keeps data processed on consent or for direct marketing (Art. 17(1)(b),
       21(3)), an open order only contract processing, a book-keeping blocker only
       legal-obligation processing (:meth:`ErasureBlocker.concerns`);
    2. a purpose on the legal-obligation basis (Art. 6(1)(c)), or a rule with a ground (such as
       a statutory preset), keeps it under that ground — Art. 17(3)(b) — until the rule's due
       date (``until=None`` and a reason naming the missing event if the record lacks it);
       when both 1 and 2 apply, the record is kept until the later end, under that ground,
       and the reason names both (a dated book-keeping hold, such as the register's statutory
       blocker, is the end of the legal duty when the purpose itself has no dated rule);
    3. a purpose whose retention action is ``anonymise`` anonymises it instead;
    4. everything else is erased now.

    Holds and rules are the same as for :class:`RetentionSchedule`; ``rules`` override the
    register's purposes by id (e.g. a statutory preset for ``bookkeeping``).  Dates are counted
    in ``zone``, by default the register's ``controller.time_zone``.

    Raises:
        NaiveDatetimeError: ``now`` is naive.
        NotFound: ``rules`` names a purpose that is not in the register.
        InvalidInput: a mapping record is malformed.
        InvalidType: ``zone`` is not a tzinfo.

    Example:
        >>> import datetime as dt
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller("Shop", "privacy@shop.example"), purposes=[
        ...     Purpose(id="newsletter", description="News", basis="consent",
        ...             withdrawal="link", retention={"description": "1 year",
        ...             "period": "1 year", "trigger": "last_activity"}),
        ...     Purpose(id="bookkeeping", description="Books", basis="legal_obligation",
        ...             retention={"description": "7 years", "period": "7 years",
        ...             "trigger": "invoice_issued", "alignment": "end_of_year"})])
        >>> records = [
        ...     {"purpose": "newsletter", "id": "n1", "last_activity": "2025-01-05T10:00Z"},
        ...     {"purpose": "bookkeeping", "id": "i1", "invoice_issued": "2024-03-15T09:00Z"}]
        >>> plan = erasure_plan(records, reg, now=dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc))
        >>> [i.record_id for i in plan.erase]
        ['n1']
        >>> [(i.record_id, i.ground, i.until.date().isoformat()) for i in plan.keep]
        [('i1', 'Art. 17(3)(b)', '2032-01-01')]
    """
    now = utc_now() if now is None else ensure_aware(now, "now")
    schedule = RetentionSchedule.from_register(register, rules=rules, holds=holds, zone=zone)
    items: list[ErasureItem] = []
    recipients: dict[str, None] = {}
    for decision in schedule.evaluate(subject_records, now=now):
        purpose_id = decision.purpose
        purpose = register.purpose(purpose_id) if purpose_id in register else None
        hold, until = schedule._binding(
            purpose_id,
            decision.record_id,
            decision.subject_id,
            None,
            now,
            events=decision.record.events,
        )
        rule = decision.rule
        keeps: list[tuple[str, dt.datetime | None, str]] = []
        if hold is not None:
            keeps.append((hold.ground or f"legal hold: {hold.reason}", until, hold.describe()))
        legal_duty = (rule is not None and rule.ground is not None) or (
            purpose is not None and purpose.basis is LegalBasis.LEGAL_OBLIGATION
        )
        # A dated book-keeping hold (a statutory blocker) already says when the legal duty
        # ends: the purpose's missing rule does not make it open-ended.
        dated_duty = hold is not None and hold.ground == LEGAL_DUTY_GROUND and until is not None
        if decision.due is None and dated_duty:
            legal_duty = False
        if legal_duty and (decision.due is None or decision.due > now):
            ground = rule.ground if rule is not None and rule.ground else LEGAL_DUTY_GROUND
            reason = (
                " → ".join(decision.explanation)
                if decision.due is not None
                else f"kept under a legal duty; {decision.note or 'no retention rule'}: review"
            )
            keeps.append((ground, decision.due, reason))
        if keeps:
            # Keep as long as the longest-lasting ground; name it first, then the others.
            keeps.sort(key=lambda k: (k[1] is None, k[1] or now), reverse=True)
            items.append(
                ErasureItem(
                    decision.record_id,
                    purpose_id,
                    ErasureOutcome.KEEP,
                    ground=keeps[0][0],
                    until=keeps[0][1],
                    reason="; ".join(k[2] for k in keeps),
                )
            )
            continue
        anonymise = rule is not None and rule.action is RetentionAction.ANONYMISE
        outcome = ErasureOutcome.ANONYMISE if anonymise else ErasureOutcome.ERASE
        reason = (
            "the purpose keeps only anonymised data"
            if anonymise
            else "Art. 17(1): no ground to keep the record"
        )
        items.append(ErasureItem(decision.record_id, purpose_id, outcome, reason=reason))
        if purpose is not None:
            for recipient in purpose.recipients:
                recipients.setdefault(recipient.name)
    return ErasurePlan(now=now, items=tuple(items), recipients=tuple(recipients))
