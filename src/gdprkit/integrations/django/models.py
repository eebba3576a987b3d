"""The app's models: the consent ledger's tables and data-subject requests.

The consent tables mirror :mod:`gdprkit.consent.sqlalchemy`: an append-only event table whose
rows carry the hash chain, a current-state index per (pseudonym, purpose), and a one-row head
table that writers lock before reading the chain head.  Times in the index are ISO 8601 text so
the offset of each event survives exactly as recorded.
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import models  # noqa: TID251 - the django extra

from gdprkit._time import utc_now
from gdprkit.law import Right
from gdprkit.requests import RequestState
from gdprkit.requests import SubjectRequest as RequestValue

__all__ = [
    "ConsentChainRow",
    "ConsentCurrentRow",
    "ConsentEventRow",
    "ConsentHeadRow",
    "RetentionRun",
    "SubjectRequest",
]


class ConsentEventRow(models.Model):
    """One event of the consent hash chain (append-only; edits are detected by ``verify``)."""

    ledger = models.CharField(max_length=64)
    seq = models.BigIntegerField()
    subject = models.CharField(max_length=128)
    purpose = models.CharField(max_length=64)
    body = models.TextField()
    prev = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)

    class Meta:
        db_table = "gdprkit_consent_event"
        constraints = [  # noqa: RUF012 - Django's Meta API
            models.UniqueConstraint(fields=["ledger", "seq"], name="gdprkit_consent_event_seq")
        ]
        indexes = [  # noqa: RUF012 - Django's Meta API
            models.Index(fields=["ledger", "subject", "seq"], name="gdprkit_consent_subject")
        ]
        verbose_name = "consent event"

    def __str__(self) -> str:
        return f"consent event {self.seq} ({self.purpose})"


class ConsentCurrentRow(models.Model):
    """The folded state of one (pseudonym, purpose), updated in the append's transaction."""

    ledger = models.CharField(max_length=64)
    subject = models.CharField(max_length=128)
    purpose = models.CharField(max_length=64)
    decision = models.CharField(max_length=16, null=True)
    decided_at = models.CharField(max_length=40, null=True)
    expires_at = models.CharField(max_length=40, null=True)
    objected_at = models.CharField(max_length=40, null=True)
    last_at = models.CharField(max_length=40)
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "gdprkit_consent_current"
        constraints = [  # noqa: RUF012 - Django's Meta API
            models.UniqueConstraint(
                fields=["ledger", "subject", "purpose"], name="gdprkit_consent_current_key"
            )
        ]
        verbose_name = "consent state"

    def __str__(self) -> str:
        return f"consent state ({self.purpose})"


class ConsentHeadRow(models.Model):
    """The row holding one ledger's chain head; writers lock it before reading it."""

    ledger = models.CharField(max_length=64, primary_key=True)
    seq = models.BigIntegerField()
    digest = models.CharField(max_length=64)

    class Meta:
        db_table = "gdprkit_consent_head"
        verbose_name = "consent chain head"

    def __str__(self) -> str:
        return f"consent chain head at {self.seq}"


class ConsentChainRow(models.Model):
    """How many unkeyed (chain version 1) events one ledger held when its chain was keyed.

    Written by migration ``0004_consent_chain`` for every ledger that existed then (its head's
    event count) and with 0 when a ledger is created later, so ``verify()`` accepts unkeyed
    events only as that prefix: anything after it must carry the ledger key's MAC.
    """

    ledger = models.CharField(max_length=64, primary_key=True)
    unkeyed_until = models.BigIntegerField()

    class Meta:
        db_table = "gdprkit_consent_chain"
        verbose_name = "consent chain version"

    def __str__(self) -> str:
        return f"consent chain keyed after {self.unkeyed_until} events"


class SubjectRequest(models.Model):
    """A data-subject request (Arts 15-22) kept in the database, with its deadline.

    The lifecycle lives in :class:`gdprkit.requests.SubjectRequest` (stored whole in
    ``document``); the other columns are copies for listing and filtering, refreshed on every
    step.  Take steps with :meth:`step`, which validates the transition, so an impossible
    history never reaches the table.  ``deadline`` honours the public holidays of
    ``GDPRKIT["HOLIDAY_COUNTRY"]`` (one month, Art. 12(3), Reg. 1182/71 [S1][S200]).

    Example:
        >>> import datetime as dt
        >>> t = dt.datetime(2025, 1, 31, 9, tzinfo=dt.timezone.utc)
        >>> SubjectRequest.from_value(RequestValue("r-1", "access", received=t, channel="email"))
        <SubjectRequest: r-1 (access, open)>
    """

    reference = models.CharField(max_length=64, unique=True)
    right = models.CharField(max_length=32, choices=[(r.value, f"{r.label} ({r.article})")
                                                     for r in Right])  # fmt: skip
    channel = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=255, null=True, blank=True)
    received = models.DateTimeField()
    state = models.CharField(max_length=20, choices=[(s.value, s.value) for s in RequestState])
    deadline = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    document = models.JSONField()

    class Meta:
        db_table = "gdprkit_subject_request"
        ordering = ("deadline", "reference")
        indexes = [models.Index(fields=["state", "deadline"], name="gdprkit_request_due")]  # noqa: RUF012 - Django's Meta API

    def __str__(self) -> str:
        return f"{self.reference} ({self.right}, {self.state})"

    # -- the value behind the row -----------------------------------------------------------

    def value(self) -> RequestValue:
        """The request as a :class:`gdprkit.requests.SubjectRequest` (replayed, so checked).

        Raises:
            InvalidInput, InvalidTransition: the stored document was tampered with.
        """
        return RequestValue.from_dict(self.document)

    def _copy_from(self, value: RequestValue, *, now: dt.datetime | None = None) -> None:
        from .conf import get_holidays  # noqa: PLC0415 - settings are read lazily

        self.reference = value.id
        self.right = value.right.value
        self.channel = value.channel
        self.subject_id = value.subject_id
        self.received = value.received
        self.state = value.state.value
        self.deadline = value.deadline(holidays=get_holidays(), now=now)
        self.closed_at = value.closed_at
        self.document = value.to_dict()

    @classmethod
    def from_value(cls, value: RequestValue, *, now: dt.datetime | None = None) -> SubjectRequest:
        """An unsaved row for ``value`` (the deadline computed with the configured holidays).

        Raises:
            InvalidInput: ``GDPRKIT["HOLIDAY_COUNTRY"]`` is not understood.
        """
        row = cls()
        row._copy_from(value, now=now)
        return row

    def step(
        self, take: Callable[[RequestValue], RequestValue], *, now: dt.datetime | None = None
    ) -> RequestValue:
        """Take one lifecycle step and save: ``row.step(lambda r: r.fulfil(now))``.

        Raises:
            InvalidTransition: the lifecycle does not allow the step (nothing is saved).
        """
        value = take(self.value())
        self._copy_from(value, now=now)
        self.save()
        return value

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """Whether the request is still open after its deadline day.

        Raises:
            NaiveDatetimeError: ``now`` is naive.
        """
        from .conf import get_holidays  # noqa: PLC0415 - settings are read lazily

        return self.value().is_overdue(utc_now() if now is None else now, holidays=get_holidays())

    @classmethod
    def overdue(cls, now: dt.datetime | None = None, **filters: Any) -> models.QuerySet[Any]:
        """The open requests past their deadline (identity pauses counted up to ``now``).

        The stored deadline can only move later while a pause runs, so rows whose stored
        deadline is still ahead are never overdue; the rest are checked exactly.

        Raises:
            NaiveDatetimeError: ``now`` is naive.
        """
        current = utc_now() if now is None else now
        candidates = cls.objects.filter(
            state__in=[s.value for s in RequestState if not s.closed],
            # Two days of margin: the deadline day ends in the zone of receipt, which may be
            # ahead of UTC.
            deadline__lt=current.date() + dt.timedelta(days=2),
            **filters,
        )
        late = [row.pk for row in candidates if row.is_overdue(current)]
        return cls.objects.filter(pk__in=late)


class RetentionRun(models.Model):
    """The audit entry of one ``gdpr_retention`` run: when, whether dry, what was done where.

    ``summary`` maps each model label to its counts (``delete``, ``anonymise``, ``review``,
    ``keep``); no personal data is recorded.  Written in the transaction of the changes.
    """

    started_at = models.DateTimeField()
    evaluated_at = models.DateTimeField()
    dry_run = models.BooleanField()
    summary = models.JSONField()

    class Meta:
        db_table = "gdprkit_retention_run"
        ordering = ("-started_at",)

    def __str__(self) -> str:
        return (
            f"retention run at {self.started_at.isoformat()}{' (dry run)' if self.dry_run else ''}"
        )
