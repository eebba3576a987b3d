"""Retention schedules: rules attached to register purposes, evaluated lazily over records."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Union

import attrs

from gdprkit._time import ensure_aware, ensure_zone, utc_now
from gdprkit.errors import InvalidInput, InvalidType, NotFound
from gdprkit.law import LegalBasis
from gdprkit.register import Register, RetentionAction
from gdprkit.retention._declared import DeclaredBlocker, declared_blockers
from gdprkit.retention._holds import ErasureBlocker, HoldScope, LegalHold, blocker_holds
from gdprkit.retention._records import Record, RecordLike, record_from_mapping
from gdprkit.retention._rules import AlignmentKind, RetentionRule

__all__ = ["Decision", "RetentionSchedule"]

#: What :meth:`RetentionSchedule.evaluate` accepts per record.
RecordInput = Union[RecordLike, Mapping[str, Any]]  # noqa: UP007 - a runtime alias on 3.10

# Art. 17(3)(b) GDPR: retention the law requires is the purpose's legal obligation.
LEGAL_DUTY_GROUND = "Art. 17(3)(b)"

_ONE_DAY = dt.timedelta(days=1)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@attrs.frozen(slots=False, repr=False)
class Decision:
    """What a schedule decided for one record, and why.

    ``action`` is what the rule says to do when the period ends (``review`` when the record has
    no usable rule or lacks its trigger event, with ``note`` saying which).  ``due`` is when the
    period ends; ``act_from`` is when the action may actually be taken (later than ``due`` while
    a hold binds, ``None`` while a hold is open-ended); ``due_now`` is whether to act now.  A
    hold always wins: a held record is never ``due_now`` for a scheduled action.
    :attr:`explanation` gives the chain rule → trigger date → alignment → hold in words.
    ``record_id``, ``purpose``, ``subject_id`` and ``trigger_at`` are read from ``record``.

    Example:
        >>> import datetime as dt
        >>> from gdprkit.retention import RetentionSchedule, RetentionRule, Record
        >>> utc = dt.timezone.utc
        >>> schedule = RetentionSchedule({"cctv": RetentionRule("recorded", "30 days")})
        >>> rec = Record("cctv", "clip-1", events={"recorded": dt.datetime(2025, 3, 1, 12,
        ...                                                                 tzinfo=utc)})
        >>> [d] = schedule.evaluate([rec], now=dt.datetime(2025, 4, 1, tzinfo=utc))
        >>> d.action.value, d.due_now, d.due.date()
        ('delete', True, datetime.date(2025, 4, 1))
    """

    record: RecordLike = attrs.field(repr=False)
    rule: RetentionRule | None = attrs.field(repr=False)
    action: RetentionAction
    due: dt.datetime | None
    due_now: bool
    hold: LegalHold | None = None
    note: str | None = None

    # Seven fields only, the rest read from the record and the hold: building the Decision is
    # most of a sweep's cost per record, and it grows with the number of fields.

    @property
    def record_id(self) -> str:
        """The record's id."""
        return self.record.record_id

    @property
    def purpose(self) -> str:
        """The record's purpose id."""
        return self.record.purpose

    @property
    def subject_id(self) -> str | None:
        """The record's data subject (personal data: not in the repr or :meth:`to_dict`)."""
        return self.record.subject_id

    @property
    def trigger_at(self) -> dt.datetime | None:
        """When the rule's trigger event happened, read from the record (``None`` if absent)."""
        return None if self.rule is None else self.record.events.get(self.rule.trigger)

    @property
    def act_from(self) -> dt.datetime | None:
        """When the action may be taken: ``due``, or later while a hold binds (``None``: held
        indefinitely, or no date because a rule or event is missing)."""
        if self.hold is None or self.due is None:
            return self.due
        until = self.hold.until
        return None if until is None else max(self.due, until)

    def __repr__(self) -> str:
        return (
            f"Decision(record_id={self.record_id!r}, purpose={self.purpose!r}, "
            f"action={self.action!r}, due={self.due!r}, due_now={self.due_now!r}, "
            f"hold={self.hold!r}, note={self.note!r})"
        )

    @property
    def held(self) -> bool:
        """Whether a hold keeps the record past its period (or blocks its action now)."""
        return self.hold is not None

    @property
    def explanation(self) -> tuple[str, ...]:
        """The reasons, in order: rule, trigger date, alignment, period end, hold."""
        steps: list[str] = []
        rule = self.rule
        if rule is None:
            steps.append(self.note or "no retention rule")
        else:
            steps.append(f"rule for purpose {self.purpose!r}: {rule.explain()}")
            if self.trigger_at is None:
                steps.append(self.note or f"event {rule.trigger!r} is missing")
            else:
                steps.append(f"{rule.trigger} at {self.trigger_at.isoformat()}")
                # The local day in the zone the due date was computed in (the controller's).
                zone = None if self.due is None else self.due.tzinfo
                day = (self.trigger_at if zone is None else self.trigger_at.astimezone(zone)).date()
                anchor = rule.anchor(day)
                if rule.alignment.kind is not AlignmentKind.NONE:
                    steps.append(f"aligned to the {rule.alignment.describe()}: {anchor}")
                last = rule.last_day(day)
                steps.append(
                    f"kept until the end of {last}; {rule.action.value} from {_iso(self.due)}"
                )
        if self.hold is not None:
            steps.append(self.hold.describe())
        return tuple(steps)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (``version`` 1) for reports; leaves out the subject id."""
        return {
            "version": 1,
            "record_id": self.record_id,
            "purpose": self.purpose,
            "action": self.action.value,
            "due": _iso(self.due),
            "due_now": self.due_now,
            "act_from": _iso(self.act_from),
            "trigger_at": _iso(self.trigger_at),
            "rule": None if self.rule is None else self.rule.to_dict(),
            "hold": None if self.hold is None else self.hold.describe(),
            "note": self.note,
            "explanation": list(self.explanation),
        }


def _rules(value: object) -> Mapping[str, RetentionRule]:
    if not isinstance(value, Mapping):
        raise InvalidType("rules must be a mapping of purpose id to RetentionRule")
    for key, rule in value.items():
        if not isinstance(key, str) or not isinstance(rule, RetentionRule):
            raise InvalidType("rules must map purpose ids (str) to RetentionRule values")
    return types.MappingProxyType(dict(value))


def _holds(value: object) -> tuple[LegalHold | ErasureBlocker, ...]:
    # Blockers become holds in __attrs_post_init__, once the schedule's zone is known.
    if isinstance(value, (LegalHold, ErasureBlocker)) or not isinstance(value, Iterable):
        raise InvalidType("holds must be an iterable of LegalHold or ErasureBlocker values")
    items = tuple(value)
    if not all(isinstance(item, (LegalHold, ErasureBlocker)) for item in items):
        raise InvalidType("holds must be LegalHold or ErasureBlocker values")
    return items


def _declared(value: object) -> Mapping[str, tuple[DeclaredBlocker, ...]]:
    if not isinstance(value, Mapping):
        raise InvalidType("declared must map purpose ids to DeclaredBlocker tuples")
    result = {}
    for key, given in value.items():
        items = tuple(given)
        if not isinstance(key, str) or not all(isinstance(d, DeclaredBlocker) for d in items):
            raise InvalidType("declared must map purpose ids to DeclaredBlocker tuples")
        result[key] = items
    return types.MappingProxyType(result)


def _texts(value: object) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidType("unscheduled must be a mapping of purpose id to text")
    return types.MappingProxyType({str(k): str(v) for k, v in value.items()})


_new = object.__new__
_set = object.__setattr__


def _decision(  # noqa: PLR0917 - positional on purpose: the hot path
    record: RecordLike,
    rule: RetentionRule | None,
    action: RetentionAction,
    due: dt.datetime | None,
    due_now: bool,
    hold: LegalHold | None,
    note: str | None,
) -> Decision:
    """``Decision(...)`` in one step: the sweep's hot path (Decision has no validators).

    attrs' frozen ``__init__`` sets each field through ``object.__setattr__``; filling the
    instance dict at once is about twice as fast and builds exactly the same value.
    """
    decision: Decision = _new(Decision)
    _set(
        decision,
        "__dict__",
        {
            "record": record,
            "rule": rule,
            "action": action,
            "due": due,
            "due_now": due_now,
            "hold": hold,
            "note": note,
        },
    )
    return decision


_Plan = tuple[
    RetentionRule,
    str,
    Callable[[dt.datetime], dt.datetime],
    RetentionAction,
    dict[Any, dict[int, dt.datetime]],
    bool,
]


@attrs.frozen
class RetentionSchedule:
    """Retention rules by purpose, plus the holds in force; decides per record, lazily.

    Build it from the register with :meth:`from_register` (each purpose's
    :class:`~gdprkit.register.Retention` becomes a :class:`RetentionRule`) or from a mapping of
    purpose id to rule.  ``unscheduled`` maps purposes that keep data by a criterion in words
    (no computable date) to that criterion: their records are decided ``review``.

    ``zone`` is the controller's time zone (the register's ``controller.time_zone``): the local
    day of each trigger there is day 0 of its period, and due dates are midnights there.
    Without it, each trigger's own zone is used.  Erasure blockers in ``holds`` end by the same
    count (:meth:`ErasureBlocker.end`).

    Raises:
        InvalidType: rules or holds of the wrong type, or ``zone`` not a tzinfo.

    Example:
        >>> import datetime as dt
        >>> from gdprkit.retention import RetentionRule
        >>> s = RetentionSchedule({"email_logs": RetentionRule("received", "100 days")})
        >>> rec = {"purpose": "email_logs", "id": "m-1", "received": "2025-01-10T08:00:00+00:00"}
        >>> [d] = s.evaluate([rec], now=dt.datetime(2025, 2, 1, tzinfo=dt.timezone.utc))
        >>> d.due_now, d.due.date().isoformat()
        (False, '2025-04-21')
    """

    rules: Mapping[str, RetentionRule] = attrs.field(converter=_rules, eq=False)
    holds: tuple[LegalHold, ...] = attrs.field(default=(), converter=_holds)
    unscheduled: Mapping[str, str] = attrs.field(factory=dict, converter=_texts, eq=False)
    zone: dt.tzinfo | None = attrs.field(default=None, converter=ensure_zone, kw_only=True)
    declared: Mapping[str, tuple[DeclaredBlocker, ...]] = attrs.field(
        factory=dict, converter=_declared, kw_only=True, eq=False, repr=False
    )
    _plans: dict[str, _Plan] = attrs.field(init=False, repr=False, eq=False)
    _hold_index: tuple[
        tuple[LegalHold, ...],
        dict[str, tuple[LegalHold, ...]],
        dict[str, tuple[LegalHold, ...]],
        dict[str, tuple[LegalHold, ...]],
    ] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "holds", blocker_holds(self.holds, None, zone=self.zone))
        by: dict[HoldScope, dict[str, list[LegalHold]]] = {s: {} for s in HoldScope}
        glob: list[LegalHold] = []
        for hold in self.holds:
            if hold.scope is HoldScope.GLOBAL:
                glob.append(hold)
            else:
                by[hold.scope].setdefault(hold.target or "", []).append(hold)

        def freeze(d: dict[str, list[LegalHold]]) -> dict[str, tuple[LegalHold, ...]]:
            return {k: tuple(v) for k, v in d.items()}

        index = (
            tuple(glob),
            freeze(by[HoldScope.PURPOSE]),
            freeze(by[HoldScope.SUBJECT]),
            freeze(by[HoldScope.RECORD]),
        )
        object.__setattr__(self, "_hold_index", index)
        # Precompute one plan per purpose so the per-record path is a few dict lookups: the
        # rule, its trigger, its due-date closure and memo, and whether a global or purpose hold
        # could apply at all.
        plans: dict[str, _Plan] = {}
        for purpose, rule in self.rules.items():
            memo, due_of = rule._due_function()
            held = bool(index[0]) or purpose in index[1] or purpose in self.declared
            plans[purpose] = (rule, rule.trigger, due_of, rule.action, memo, held)
        object.__setattr__(self, "_plans", plans)

    @classmethod
    def from_register(
        cls,
        register: Register,
        *,
        rules: Mapping[str, RetentionRule] | None = None,
        holds: Iterable[LegalHold | ErasureBlocker] = (),
        zone: dt.tzinfo | None = None,
    ) -> RetentionSchedule:
        """The schedule the register states, with ``rules`` overriding purposes by id.

        A purpose on the legal-obligation basis (Art. 6(1)(c)) gets the Art. 17(3)(b) ground, so
        :func:`erasure_plan` keeps its data until the period ends.  Purposes whose retention is a
        criterion without a trigger, or that state no retention, are ``unscheduled``.  The
        schedule counts in the register's ``controller.time_zone`` unless ``zone`` is given.
        Each erasure blocker in ``holds`` keeps only the register purposes it concerns: those
        the register's ``[[blockers]]`` declare for its kind, else
        :meth:`ErasureBlocker.concerns` (never consent or direct-marketing processing).  The
        register's own blockers that can be dated from a record (a period from a ``since``
        event; a statutory reference, ending with the statutory rule) keep each record of their
        purposes.

        Raises:
            NotFound: ``rules`` names a purpose the register does not have.
            InvalidType: ``zone`` is not a tzinfo.

        Example:
            >>> from gdprkit.register import load_register
            >>> reg = load_register("examples/register.toml")  # doctest: +SKIP
            >>> RetentionSchedule.from_register(reg).rules["cctv"].explain()  # doctest: +SKIP
            'delete 30 days after recorded'
        """
        overrides = dict(rules or {})
        for purpose_id in overrides:
            if purpose_id not in register:
                raise NotFound(f"rules name purpose {purpose_id!r}, which is not in the register")
        built: dict[str, RetentionRule] = {}
        unscheduled: dict[str, str] = {}
        for purpose in register:
            if purpose.id in overrides:
                built[purpose.id] = overrides[purpose.id]
                continue
            retention = purpose.retention
            if retention is None:
                unscheduled[purpose.id] = "the register states no retention for this purpose"
            elif retention.trigger is None:
                unscheduled[purpose.id] = (
                    f"retention by criterion: {retention.criterion or retention.description}"
                )
            else:
                ground = LEGAL_DUTY_GROUND if purpose.basis is LegalBasis.LEGAL_OBLIGATION else None
                built[purpose.id] = RetentionRule.from_retention(retention, ground=ground)
        tz = ensure_zone(zone)
        if tz is None:
            tz = getattr(register.controller, "zone", None)
        return cls(
            built,
            holds=blocker_holds(holds, register, zone=tz),
            unscheduled=unscheduled,
            zone=tz,
            declared=declared_blockers(register),
        )

    def with_holds(self, *holds: LegalHold | ErasureBlocker) -> RetentionSchedule:
        """A copy of the schedule with ``holds`` added.

        Example:
            >>> s = RetentionSchedule({}).with_holds(LegalHold("audit"))
            >>> len(s.holds)
            1
        """
        return RetentionSchedule(
            self.rules,
            holds=(*self.holds, *_holds(holds)),
            unscheduled=self.unscheduled,
            zone=self.zone,
            declared=self.declared,
        )

    def _binding(
        self,
        purpose: str,
        record_id: str,
        subject: str | None,
        due: dt.datetime | None,
        now: dt.datetime,
        *,
        events: Mapping[str, dt.datetime | None] | None = None,
    ) -> tuple[LegalHold | None, dt.datetime | None]:
        """The hold that binds longest, and until when the action waits (None: indefinitely).

        A hold binds if it covers the record, has started by ``now`` and has not ended by the
        end of the period (``due``); a hold that ended before the period did changes nothing.
        With the record's ``events``, the register's declared blockers of its purpose count
        too, each from its event.
        """
        glob, by_purpose, by_subject, by_record = self._hold_index
        candidates = list(glob)
        candidates += by_purpose.get(purpose, ())
        if subject is not None:
            candidates += by_subject.get(subject, ())
        candidates += by_record.get(record_id, ())
        if events is not None:
            for declared in self.declared.get(purpose, ()):
                at = events.get(declared.event)
                if at is not None:
                    candidates.append(declared.hold(record_id, at, zone=self.zone))
        threshold = now if due is None else due
        best: LegalHold | None = None
        best_end: dt.datetime | None = None
        for hold in candidates:
            if hold.purpose is not None and hold.purpose != purpose:
                continue
            if hold.since is not None and hold.since > now:
                continue
            if hold.until is None:
                return hold, None
            if hold.until <= threshold:
                continue
            if best_end is None or hold.until > best_end:
                best, best_end = hold, hold.until
        return best, best_end

    def evaluate(
        self, records: Iterable[RecordInput], now: dt.datetime | None = None
    ) -> Iterator[Decision]:
        """Yield one :class:`Decision` per record, lazily, in the order given.

        Memory stays flat however many records pass: nothing is kept between records but a
        small per-rule memo of due dates by trigger day.  Records may be :class:`Record` values,
        any :class:`RecordLike` object, or mappings (see :func:`record_from_mapping`).  A record
        whose purpose has no rule, or that lacks its rule's trigger event, is decided ``review``
        (due now) with a note naming what is missing: never a silent keep or delete.

        Raises:
            NaiveDatetimeError: ``now`` is naive (raised when iteration starts).
            InvalidInput: a mapping record is malformed (raised when it is reached).

        Example:
            >>> import datetime as dt
            >>> from gdprkit.retention import Record, RetentionRule
            >>> s = RetentionSchedule({"competitions": RetentionRule("event_end", "45 days")})
            >>> [d] = s.evaluate([Record("competitions", "entry-9", events={})],
            ...                  now=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
            >>> d.action.value, d.due_now, d.note
            ('review', True, "event 'event_end' is missing")
        """
        now = utc_now() if now is None else ensure_aware(now, "now")
        plans = self._plans
        zone = self.zone
        _glob, _by_purpose, by_subject, by_record = self._hold_index
        review = RetentionAction.REVIEW
        binding = self._binding
        new, set_ = _new, _set
        for item in records:
            record = (
                record_from_mapping(item)
                if type(item) is not Record and isinstance(item, Mapping)
                else item
            )
            purpose = record.purpose
            plan = plans.get(purpose)
            if plan is None:
                yield self._unscheduled(record, now)
                continue
            rule, trigger, due_of, action, memo, maybe_held = plan
            record_id = record.record_id
            subject = record.subject_id
            # Only look for holds where one could apply: usually no lookup at all.
            if not maybe_held and (by_subject or by_record):
                maybe_held = subject in by_subject or record_id in by_record
            at = record.events.get(trigger)
            if at is None:
                hold = (
                    binding(purpose, record_id, subject, None, now, events=record.events)[0]
                    if maybe_held
                    else None
                )
                yield _decision(
                    record, rule, review, None, True, hold, f"event {trigger!r} is missing"
                )
                continue
            if zone is not None and at.tzinfo is not zone:
                # Day 0 is the trigger's local day on the controller's clock (Art. 3(1)).
                at = at.astimezone(zone)
            # The due-date memo, read inline (the closure fills it on a miss).
            by_day = memo.get(at.tzinfo)
            due = None if by_day is None else by_day.get(at.toordinal())
            if due is None:
                due = due_of(at)
            if maybe_held:
                hold, until = binding(purpose, record_id, subject, due, now, events=record.events)
                if hold is not None:
                    act_from = None if until is None else max(due, until)
                    due_now = act_from is not None and act_from <= now
                    yield _decision(record, rule, action, due, due_now, hold, None)
                    continue
            # The common case, with _decision() inlined (a call less per record).
            decision = new(Decision)
            set_(
                decision,
                "__dict__",
                {
                    "record": record,
                    "rule": rule,
                    "action": action,
                    "due": due,
                    "due_now": due <= now,
                    "hold": None,
                    "note": None,
                },
            )
            yield decision

    def _unscheduled(self, record: RecordLike, now: dt.datetime) -> Decision:
        note = self.unscheduled.get(record.purpose)
        if note is None:
            note = f"purpose {record.purpose!r} has no retention rule in the schedule"
        hold = None
        if self.holds or record.purpose in self.declared:
            hold = self._binding(
                record.purpose, record.record_id, record.subject_id, None, now, events=record.events
            )[0]
        return _decision(record, None, RetentionAction.REVIEW, None, True, hold, note)

    def preview(
        self, records: Iterable[RecordInput], start: dt.datetime, end: dt.datetime
    ) -> Iterator[Decision]:
        """Dry run: the decisions whose action falls due in ``[start, end)``, lazily.

        Each record is decided as of ``end`` (holds in force then count), and kept if its
        ``act_from`` lies in the window.  Records that need a review because a rule or event is
        missing have no date and are not listed: :meth:`evaluate` reports them.

        Raises:
            InvalidInput: ``end`` is not after ``start``.
            NaiveDatetimeError: ``start`` or ``end`` is naive.

        Example:
            >>> import datetime as dt
            >>> from gdprkit.retention import RetentionRule
            >>> utc = dt.timezone.utc
            >>> s = RetentionSchedule({"cctv": RetentionRule("recorded", "30 days")})
            >>> recs = [{"purpose": "cctv", "id": str(day), "recorded": f"2025-03-{day:02}T10:00Z"}
            ...         for day in (1, 15)]
            >>> [d.record_id for d in s.preview(recs, dt.datetime(2025, 4, 1, tzinfo=utc),
            ...                                       dt.datetime(2025, 4, 8, tzinfo=utc))]
            ['1']
        """
        start = ensure_aware(start, "start")
        end = ensure_aware(end, "end")
        if end <= start:
            raise InvalidInput("preview end must be after start")
        for decision in self.evaluate(records, now=end):
            act = decision.act_from
            if act is not None and start <= act < end:
                yield decision
