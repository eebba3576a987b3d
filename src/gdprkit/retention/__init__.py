"""Retention: rules from the register, legal holds, erasure blockers, lazy decisions per record.

A shop's privacy notice promises "e-mail logs 100 days, CCTV at most 30 days, invoices as long
as the book-keeping law says".  :class:`RetentionSchedule` turns each purpose's register
retention into a :class:`RetentionRule` and decides, record by record, what to do and why.
Holds (:class:`LegalHold`) and erasure blockers (:class:`ErasureBlocker`, Art. 17(3)) always win
over deletion.  :func:`erasure_plan` answers an Art. 17 request for one subject.

Example:
    >>> import datetime as dt
    >>> from gdprkit.retention import Record, RetentionRule, RetentionSchedule
    >>> utc = dt.timezone.utc
    >>> schedule = RetentionSchedule({"cctv": RetentionRule("recorded", "30 days")})
    >>> clip = Record("cctv", "clip-1", events={"recorded": dt.datetime(2025, 3, 1, tzinfo=utc)})
    >>> [decision] = schedule.evaluate([clip], now=dt.datetime(2025, 4, 2, tzinfo=utc))
    >>> decision.due_now
    True
"""

from __future__ import annotations

from gdprkit.retention._erasure import ErasureItem, ErasureOutcome, ErasurePlan, erasure_plan
from gdprkit.retention._holds import (
    BlockerKind,
    ErasureBlocker,
    HoldScope,
    LegalHold,
    blocker_holds,
)
from gdprkit.retention._presets import statutory_rule
from gdprkit.retention._records import Record, RecordLike, record_from_mapping
from gdprkit.retention._rules import Alignment, AlignmentKind, RetentionRule
from gdprkit.retention._schedule import Decision, RetentionSchedule

__all__ = [
    "Alignment",
    "AlignmentKind",
    "BlockerKind",
    "Decision",
    "ErasureBlocker",
    "ErasureItem",
    "ErasureOutcome",
    "ErasurePlan",
    "HoldScope",
    "LegalHold",
    "Record",
    "RecordLike",
    "RetentionRule",
    "RetentionSchedule",
    "blocker_holds",
    "erasure_plan",
    "record_from_mapping",
    "statutory_rule",
]
