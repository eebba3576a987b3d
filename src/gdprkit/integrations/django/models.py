"""The app's models: the consent ledger's tables (more models join as features land).

The consent tables mirror :mod:`gdprkit.consent.sqlalchemy`: an append-only event table whose
rows carry the hash chain, a current-state index per (pseudonym, purpose), and a one-row head
table that writers lock before reading the chain head.  Times in the index are ISO 8601 text so
the offset of each event survives exactly as recorded.
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

from django.db import models  # noqa: TID251 - the django extra

__all__ = ["ConsentCurrentRow", "ConsentEventRow", "ConsentHeadRow"]


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
