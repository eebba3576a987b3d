"""``manage.py gdpr_retention [--dry-run]``: apply the register's retention rules to mapped models.

Every model whose ``PrivacyMeta`` names a retention purpose and its trigger-event fields is
evaluated against :meth:`gdprkit.retention.RetentionSchedule.from_register`.  Rows whose period
has ended are deleted or anonymised (``PrivacyMeta.anonymise``) as the rule says, each model in
one transaction together with a :class:`~gdprkit.integrations.django.models.RetentionRun` audit
entry; rows the rule sends to review are only counted.  ``--dry-run`` changes nothing but still
writes the audit entry.  Progress goes to stderr on a terminal.  Exit status 1 when a rule says
"anonymise" for a model without an anonymisation mapping (nothing of that model is changed).
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError  # noqa: TID251 - django extra
from django.db import transaction  # noqa: TID251 - the django extra

from gdprkit._time import ensure_aware, utc_now
from gdprkit.errors import GdprkitError
from gdprkit.integrations.django.conf import controller_zone, get_register
from gdprkit.integrations.django.models import RetentionRun
from gdprkit.integrations.django.privacy import ModelPrivacy, mapped_models
from gdprkit.register import RetentionAction
from gdprkit.retention import RetentionSchedule

__all__ = ["Command"]

_CHUNK = 500


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


class Command(BaseCommand):
    """Apply retention rules to the mapped models (see the module docstring)."""

    help = "Delete or anonymise rows whose retention period under the register has ended."

    def add_arguments(self, parser: Any) -> None:
        """``--dry-run``, ``--now``, ``--model``."""
        parser.add_argument("--dry-run", action="store_true", help="change nothing; report only")
        parser.add_argument(
            "--now", help="evaluate as of this ISO 8601 time with offset (default: now)"
        )
        parser.add_argument(
            "--model", action="append", default=[], help="app_label.Model (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Evaluate, act, audit."""
        try:
            now = utc_now() if not options["now"] else dt.datetime.fromisoformat(options["now"])
            now = ensure_aware(now, "--now")
            schedule = RetentionSchedule.from_register(get_register(), zone=controller_zone())
            targets = [p for p in mapped_models() if p.retention is not None]
        except (GdprkitError, ValueError, OSError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        wanted = set(options["model"])
        unknown = wanted - {p.label for p in targets}
        if unknown:
            raise CommandError(
                f"--model {sorted(unknown)[0]!r} has no PrivacyMeta with a retention purpose",
                returncode=2,
            )
        if wanted:
            targets = [p for p in targets if p.label in wanted]
        dry = bool(options["dry_run"])
        started = utc_now()
        summary: dict[str, dict[str, int]] = {}
        failed = []
        for privacy in targets:
            counts, failure = self._one(privacy, schedule, now, dry=dry)
            summary[privacy.label] = counts
            if failure:
                failed.append(failure)
            self.stdout.write(
                f"{privacy.label}: "
                + ", ".join(f"{action} {count}" for action, count in counts.items())
            )
        RetentionRun.objects.create(
            started_at=started, evaluated_at=now, dry_run=dry, summary=summary
        )
        if dry:
            self.stdout.write("dry run: nothing was changed")
        if failed:
            raise CommandError("; ".join(failed), returncode=1)

    def _one(
        self, privacy: ModelPrivacy, schedule: RetentionSchedule, now: dt.datetime, *, dry: bool
    ) -> tuple[dict[str, int], str | None]:
        found: dict[str, list[str]] = {"delete": [], "anonymise": [], "review": []}
        kept = 0
        tty = sys.stderr.isatty()
        for n, decision in enumerate(schedule.evaluate(privacy.records(), now=now), start=1):
            if tty and n % 1000 == 0:
                sys.stderr.write(f"\r{privacy.label}: {n} rows evaluated")
            if decision.due_now:
                found[decision.action.value].append(decision.record_id)
            else:
                kept += 1
        if tty:
            sys.stderr.write("\r\033[K")
        counts = {action: len(ids) for action, ids in found.items()} | {"keep": kept}
        failure = None
        if found[RetentionAction.ANONYMISE.value] and not privacy.anonymise:
            failure = (
                f"{privacy.label}: the rule says anonymise, but PrivacyMeta.anonymise is empty"
            )
        if dry or failure:
            return counts, failure
        manager = privacy.model.objects
        with transaction.atomic():
            for chunk in _chunks(found["delete"]):
                manager.filter(pk__in=chunk).delete()
            for chunk in _chunks(found["anonymise"]):
                manager.filter(pk__in=chunk).update(**privacy.anonymise)
        return counts, None
